//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// reingestHeader is the header of the FOCUS 1.2 exports of this step, the
// columns of focusExport.
const reingestHeader = "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,ListCost,ProviderName,ResourceId,ServiceName,SubAccountId,Tags\n"

// reingestRows are FOCUS rows of November 2026: cost a day for days 1 to
// days, tagged with space (untagged when space is empty) and billed to the
// sub account.
func reingestRows(space, account string, days int, cost string) string {
	tags := "{}"
	if space != "" {
		tags = fmt.Sprintf(`"{""cloudspace"":""%s""}"`, space)
	}
	var b strings.Builder
	for d := 1; d <= days; d++ {
		fmt.Fprintf(&b, "%s,111111111111,USD,2026-12-01T00:00:00Z,2026-11-01T00:00:00Z,Usage,2026-11-%02dT00:00:00Z,2026-11-%02dT00:00:00Z,%s,%s,%s,AWS,i-%s-%d,Amazon Elastic Compute Cloud,%s,%s\n",
			cost, d+1, d, cost, cost, cost, account, d, account, tags)
	}
	return b.String()
}

// scenarioReingest re-ingests the month BillingReported ingested, as a
// corrected or later delivery would, on the real API server: a run replaces
// the records of its scope in the periods it reads. The claim reads the new
// figure, then zero once its space is gone from the export; the record of a
// space gone from the export is zeroed, that of an unattributed account gone
// from it deleted; another scope's records stand, and a scope cannot take
// over another's spend record.
func (e *env) scenarioReingest(t *testing.T, xr string) {
	billing := filepath.Join(e.bin, "function-cloudspace-billing")
	if !exists(billing) {
		t.Skip("function-cloudspace-billing is not built")
	}
	dir := t.TempDir()
	n := 0
	export := func(rows ...string) string {
		n++
		f := filepath.Join(dir, fmt.Sprintf("focus-%d.csv", n))
		writeFile(t, f, []byte(reingestHeader+strings.Join(rows, "")))
		return f
	}
	ingest := func(args ...string) (string, error) {
		cmd := exec.Command(billing, append([]string{"ingest", "--kubeconfig", e.kubeconfig, "--format", "focus"}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return stdout.String(), fmt.Errorf("ingest %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String(), nil
	}
	mustIngest := func(args ...string) string {
		t.Helper()
		out, err := ingest(args...)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("ingest %s:\n%s", strings.Join(args, " "), out)
		return out
	}
	// version is the resource version of a record object, "" when absent.
	version := func(name string) string {
		t.Helper()
		out, err := e.try("get", "environmentconfig", name, "--ignore-not-found", "-o", "jsonpath={.metadata.resourceVersion}")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	record := func(name string) map[string]any {
		t.Helper()
		obj, err := e.getJSON("environmentconfig", name)
		if err != nil {
			t.Fatal(err)
		}
		return obj
	}
	claimBilling := func(billed, forecast string) {
		t.Helper()
		// The composer's 1m TTL re-reconciles the space: spend records are
		// not watched.
		start := time.Now()
		defer func() {
			t.Logf("the claim reported %s billed, %s forecast %s after the ingest", billed, forecast, time.Since(start).Round(time.Second))
		}()
		eventually(t, fmt.Sprintf("the claim to report %s billed and %s forecast", billed, forecast), 3*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			b, _ := field(obj, "status.billing.billedToDate").(string)
			f, _ := field(obj, "status.billing.forecast").(string)
			if b != billed || f != forecast {
				return fmt.Errorf("status.billing: %v", field(obj, "status.billing"))
			}
			// Zero spend is fresh data of no spend, not missing data.
			if c := condition(obj, "BillingDataMissing"); c == nil || c["status"] != "False" {
				return fmt.Errorf("BillingDataMissing condition: %v", c)
			}
			return nil
		})
	}
	billed := func(obj map[string]any) decimal.Decimal {
		t.Helper()
		s, _ := field(obj, "data.billedCost").(string)
		d, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatalf("%s: billedCost %q: %v", field(obj, "metadata.name"), s, err)
		}
		return d
	}

	spaceRecord := "spend-" + xr + "-2026-11"
	const (
		departing     = "spend-e2e-departing-2026-11"
		account       = "unattributed-999999999999-2026-11"
		otherScope    = "unattributed-999999999999-2026-11.payer-b"
		spaceAccount  = "222222222222"
		untaggedOwner = "999999999999"
	)

	// Run 1: the claim's space as BillingReported ingested it, a second
	// space and an account's untagged spend. Run again, nothing changes.
	run1 := export(reingestRows(xr, spaceAccount, 20, "30.00"), reingestRows("e2e-departing", spaceAccount, 3, "10.00"), reingestRows("", untaggedOwner, 1, "5.00"))
	if out := mustIngest(run1); !strings.Contains(out, "2 created, 1 updated, 0 unchanged, 0 zeroed, 0 deleted") {
		t.Errorf("run 1: want the two new records created and the claim's updated (new sources), got %q", out)
	}
	versions := map[string]string{}
	for _, name := range []string{spaceRecord, departing, account} {
		versions[name] = version(name)
	}
	if out := mustIngest(run1); !strings.Contains(out, "0 created, 0 updated, 3 unchanged, 0 zeroed, 0 deleted") {
		t.Errorf("run 1 again: want every record unchanged, got %q", out)
	}
	for name, rv := range versions {
		if got := version(name); got != rv {
			t.Errorf("run 1 again: %s was written (resource version %s, then %s)", name, rv, got)
		}
	}

	// Another export of the same month feeds the cluster, in scope payer-b.
	mustIngest("--scope", "payer-b", export(reingestRows("", untaggedOwner, 1, "7.00")))
	if s := field(record(otherScope), "metadata.labels").(map[string]any)["billing.cloudspace.dev/scope"]; s != "payer-b" {
		t.Errorf("%s: scope label %v, want payer-b", otherScope, s)
	}
	versions[otherScope] = version(otherScope)

	// It cannot take over the claim's spend record: the run fails and
	// writes nothing.
	out, err := ingest("--scope", "payer-b", export(reingestRows(xr, spaceAccount, 1, "1.00"), reingestRows("", untaggedOwner, 1, "8.00")))
	if err == nil || !strings.Contains(err.Error(), `holds the record of scope "default"`) {
		t.Errorf("payer-b ingest of the claim's space: want a scope collision, got %v\n%s", err, out)
	}
	for name, rv := range versions {
		if got := version(name); got != rv {
			t.Errorf("refused payer-b ingest: %s was written (resource version %s, then %s)", name, rv, got)
		}
	}

	// Run 2, the same month again: the claim's space spends less, the
	// second space and the untagged account are gone. The dry run shows
	// the plan and writes nothing.
	run2 := export(reingestRows(xr, spaceAccount, 20, "15.00"))
	out, err = ingest("--dry-run", "-o", "json", run2)
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		Scope   string   `json:"scope"`
		Periods []string `json:"periods"`
		Changes []struct {
			Action string `json:"action"`
			Name   string `json:"name"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("ingest --dry-run -o json: %v\n%s", err, out)
	}
	var got []string
	for _, c := range plan.Changes {
		got = append(got, c.Action+" "+c.Name)
	}
	slices.Sort(got)
	t.Logf("ingest --dry-run -o json %s: %v", run2, got)
	want := []string{"delete " + account, "update " + spaceRecord, "zero " + departing}
	if !slices.Equal(want, got) || plan.Scope != "default" || !slices.Equal(plan.Periods, []string{"2026-11"}) {
		t.Errorf("ingest --dry-run: want the plan %v of scope default and period 2026-11, got %v of %q and %v", want, got, plan.Scope, plan.Periods)
	}
	for name, rv := range versions {
		if got := version(name); got != rv {
			t.Errorf("ingest --dry-run: %s was written (resource version %s, then %s)", name, rv, got)
		}
	}
	if out := mustIngest(run2); !strings.Contains(out, "0 created, 1 updated, 0 unchanged, 1 zeroed, 1 deleted") {
		t.Errorf("run 2: want one update, one zero and one deletion, got %q", out)
	}
	// 300 of the 1200 budget by day 20 of 30.
	claimBilling("300.00", "450.00")
	if d := billed(record(departing)); !d.IsZero() {
		t.Errorf("%s: billedCost %s, want 0 once its space is gone from the export", departing, d)
	}
	if rows, _ := field(record(departing), "data.rows").(float64); rows != 0 {
		t.Errorf("%s: rows %v, want 0", departing, rows)
	}
	if v := version(account); v != "" {
		t.Errorf("%s still exists (resource version %s) although its account is gone from the export", account, v)
	}
	if got := version(otherScope); got != versions[otherScope] {
		t.Errorf("run 2 wrote %s of scope payer-b (resource version %s, then %s)", otherScope, versions[otherScope], got)
	}

	// Run 3: the claim's space is gone from the export too (its tagged
	// resources were deleted); the month still bills another space. The
	// claim reads zero spend, with fresh data, not missing data.
	mustIngest(export(reingestRows("e2e-staying", spaceAccount, 20, "1.00")))
	claimBilling("0.00", "0.00")
	obj := record(spaceRecord)
	if d := billed(obj); !d.IsZero() {
		t.Errorf("%s: billedCost %s, want 0", spaceRecord, d)
	}
	if through, _ := field(obj, "data.lastChargePeriodEnd").(string); through != "2026-11-21T00:00:00Z" {
		t.Errorf("%s: lastChargePeriodEnd %q, want the export's 2026-11-21T00:00:00Z", spaceRecord, through)
	}
	get := e.run(t, "get", "environmentconfigs", "-l", "billing.cloudspace.dev/period=2026-11", "-L", "billing.cloudspace.dev/scope,billing.cloudspace.dev/space")
	t.Logf("records of 2026-11 after the re-ingests:\n%s", get)
}

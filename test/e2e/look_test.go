//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/shopspring/decimal"
)

// lookHealthy, lookOverBudget and lookRefused are the three claims whose
// kubectl output is golden: a healthy space (admitted, every resource
// ready, spend within budget and estimate), one over budget, and one
// refused for the team's quota.
const lookHealthy = `apiVersion: platform.cloudspace.dev/v1alpha1
kind: CloudSpace
metadata:
  name: storefront
  namespace: team-payments
spec:
  team: payments
  environment: dev
  owner: storefront-lead@example.com
  costCenter: cc-4711
  tier: medium
  region: eu-west-1
  network: {cidr: 10.60.0.0/16}
  resources: {cpu: "4", memory: 8Gi, storage: 20Gi}
  budget: {monthlyLimit: "1200.00"}
  tags: {project: storefront}
`

const lookOverBudget = `apiVersion: platform.cloudspace.dev/v1alpha1
kind: CloudSpace
metadata:
  name: analytics
  namespace: team-payments
spec:
  team: payments
  environment: dev
  owner: analytics-lead@example.com
  costCenter: cc-4711
  tier: small
  region: eu-west-1
  network: {cidr: 10.61.0.0/16}
  resources: {cpu: "2", memory: 4Gi, storage: 10Gi}
  budget: {monthlyLimit: "100.00"}
`

const lookRefused = `apiVersion: platform.cloudspace.dev/v1alpha1
kind: CloudSpace
metadata:
  name: warehouse
  namespace: team-payments
spec:
  team: payments
  environment: dev
  owner: warehouse-lead@example.com
  costCenter: cc-4711
  tier: large
  region: eu-west-1
  network: {cidr: 10.62.0.0/16}
  resources: {cpu: "30", memory: 64Gi, storage: 100Gi}
  budget: {monthlyLimit: "3000.00"}
`

// Daily spend of the look's export by claim, USD: the healthy space spends
// about its estimate (164.30 USD a month), the other more than its budget.
var (
	lookDaily = map[string]decimal.Decimal{
		"storefront": decimal.RequireFromString("5.40"),
		"analytics":  decimal.RequireFromString("150.00"),
	}
	lookEstimates = map[string]decimal.Decimal{
		"storefront": decimal.RequireFromString("164.30"),
		"analytics":  decimal.RequireFromString("83.20"),
	}
	lookBudgets = map[string]decimal.Decimal{
		"storefront": decimal.RequireFromString("1200.00"),
		"analytics":  decimal.RequireFromString("100.00"),
	}
)

// scenarioLook checks what people see of three claims, exactly: the
// kubectl get table and each claim's kubectl describe, as kubectl prints
// them through the real API server, against testdata/look/*.tmpl. Times,
// ages, UIDs and resource versions are normalised; the spend figures,
// which depend on the day and the month's length, are worked out here
// from the export the test writes. E2E_UPDATE=1 writes what kubectl
// printed, normalised, next to each template as .got.
func (e *env) scenarioLook(t *testing.T) {
	billing := filepath.Join(e.bin, "function-cloudspace-billing")
	// One at a time: a refusal depends on which spaces came first, and
	// spaces of one second wait on each other (WaitingForTeamSpaces).
	xrs := map[string]string{}
	for _, cl := range []struct{ c, claim string }{{"storefront", lookHealthy}, {"analytics", lookOverBudget}} {
		c := cl.c
		e.apply(t, cl.claim)
		eventually(t, c+" to be admitted", 2*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", c)
			if err != nil {
				return err
			}
			if cd := condition(obj, "QuotaAvailable"); cd == nil || cd["status"] != "True" {
				return fmt.Errorf("QuotaAvailable: %v", cd)
			}
			xrs[c], _ = field(obj, "spec.resourceRef.name").(string)
			return nil
		})
	}
	e.apply(t, lookRefused)
	eventually(t, "warehouse to be refused", 2*time.Minute, func() error {
		obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "warehouse")
		if err != nil {
			return err
		}
		if cd := condition(obj, "QuotaAvailable"); cd == nil || cd["reason"] != "TeamQuotaExceeded" {
			return fmt.Errorf("QuotaAvailable: %v", cd)
		}
		xrs["warehouse"], _ = field(obj, "spec.resourceRef.name").(string)
		return nil
	})

	// As provider-aws would: storefront's managed resources become ready,
	// and its VPC reports the ID its charges are billed under.
	vpcID := e.markReady(t, xrs["storefront"])

	// This month's export up to today 00:00 UTC (on the 1st, last month).
	through := time.Now().UTC().Truncate(24 * time.Hour)
	from := time.Date(through.Year(), through.Month(), 1, 0, 0, 0, 0, time.UTC)
	if from.Equal(through) {
		from = from.AddDate(0, -1, 0)
	}
	end := from.AddDate(0, 1, 0)
	days := int(through.Sub(from).Hours() / 24)
	length := int(end.Sub(from).Hours() / 24)
	export := filepath.Join(t.TempDir(), "look.csv")
	writeFile(t, export, lookExport(from, days, map[string]lookSpend{
		xrs["storefront"]: {vpcID, lookDaily["storefront"]},
		xrs["analytics"]:  {"i-0analytics", lookDaily["analytics"]},
	}))
	if out, err := exec.Command(billing, "ingest", "--kubeconfig", e.kubeconfig, "--format", "focus", export).CombinedOutput(); err != nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}

	want := map[string]string{"storefront": "Ready", "analytics": "OverBudget", "warehouse": "Refused"}
	eventually(t, "the three claims to show their states and this export's spend", 3*time.Minute, func() error {
		for c, state := range want {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", c)
			if err != nil {
				return err
			}
			if got := field(obj, "status.state"); got != state {
				return fmt.Errorf("%s: state %v, want %s (%v)", c, got, state, field(obj, "status.stateReason"))
			}
			if daily, ok := lookDaily[c]; ok {
				billed := daily.Mul(decimal.NewFromInt(int64(days))).StringFixed(2)
				if got := field(obj, "status.billing.billedToDate"); got != billed {
					return fmt.Errorf("%s: billed %v, want %s", c, got, billed)
				}
			}
			if c == "storefront" {
				if cd := condition(obj, "Ready"); cd == nil || cd["status"] != "True" {
					return fmt.Errorf("storefront: Ready %v", cd)
				}
			}
		}
		return nil
	})

	data := lookFigures(xrs, from, through, days, length)
	data["StorefrontVpcID"] = vpcID
	data["Revision"] = e.run(t, "-n", claimNamespace, "get", "cloudspace", "storefront", "-o", "jsonpath={.spec.compositionRevisionRef.name}")
	e.checkLook(t, "get", data, e.run(t, "-n", claimNamespace, "get", "cloudspace", "storefront", "analytics", "warehouse"))
	for _, c := range []string{"storefront", "warehouse", "analytics"} {
		e.checkLook(t, "describe-"+c, data, e.run(t, "-n", claimNamespace, "describe", "cloudspace", c))
	}
}

// markReady does what provider-aws does once the managed resources of the
// composite xr exist: marks each Ready and Synced, and gives the VPC an
// ID, which it returns.
func (e *env) markReady(t *testing.T, xr string) string {
	t.Helper()
	obj, err := e.getJSON("xcloudspace", xr)
	if err != nil {
		t.Fatal(err)
	}
	vpcID := "vpc-0" + strings.ReplaceAll(xr, "-", "")
	now := time.Now().UTC().Format(time.RFC3339)
	refs, _ := field(obj, "spec.resourceRefs").([]any)
	for _, r := range refs {
		rm, _ := r.(map[string]any)
		av, _ := rm["apiVersion"].(string)
		if !strings.Contains(av, ".aws.upbound.io/") {
			continue
		}
		kind, _ := rm["kind"].(string)
		res := fmt.Sprintf("%s.%s/%s", strings.ToLower(kind), strings.Split(av, "/")[0], rm["name"])
		st := fmt.Sprintf(`{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Available","lastTransitionTime":%q},{"type":"Synced","status":"True","reason":"ReconcileSuccess","lastTransitionTime":%q}]`, now, now)
		if kind == "VPC" {
			st += fmt.Sprintf(`,"atProvider":{"id":%q}`, vpcID)
		}
		e.run(t, "patch", res, "--subresource=status", "--type=merge", "-p", st+"}}")
	}
	return vpcID
}

type lookSpend struct {
	resource string
	daily    decimal.Decimal
}

// lookExport is a FOCUS 1.2 export of the given number of days from
// from: each space's daily spend on one resource, as AWS prints it (every
// string quoted, the tags JSON with doubled quotes).
func lookExport(from time.Time, days int, spaces map[string]lookSpend) []byte {
	const ts = "2006-01-02T15:04:05Z"
	var b strings.Builder
	b.WriteString(`"BilledCost","BillingAccountId","BillingCurrency","BillingPeriodEnd","BillingPeriodStart","ChargeCategory","ChargePeriodEnd","ChargePeriodStart","ContractedCost","EffectiveCost","ListCost","ProviderName","ResourceId","ServiceName","SubAccountId","Tags"` + "\n")
	for _, xr := range slices.Sorted(maps.Keys(spaces)) {
		s := spaces[xr]
		for d := range days {
			day := from.AddDate(0, 0, d)
			fmt.Fprintf(&b, `"%s","111111111111","USD","%s","%s","Usage","%s","%s","%s","%s","%s","AWS","%s","Amazon Elastic Compute Cloud","222222222222","{""cloudspace"":""%s""}"`+"\n",
				s.daily.StringFixed(2), from.AddDate(0, 1, 0).Format(ts), from.Format(ts), day.AddDate(0, 0, 1).Format(ts), day.Format(ts),
				s.daily.StringFixed(2), s.daily.StringFixed(2), s.daily.StringFixed(2), s.resource, xr)
		}
	}
	return []byte(b.String())
}

// lookFigures works out, from the export's daily spend, what the claims
// must report: billed to date, forecast, the budget's percentages, the
// estimate prorated to the days covered and the drift from it.
func lookFigures(xrs map[string]string, from, through time.Time, days, length int) map[string]string {
	hundred := decimal.NewFromInt(100)
	d, l := decimal.NewFromInt(int64(days)), decimal.NewFromInt(int64(length))
	data := map[string]string{
		"Period":  from.Format("2006-01"),
		"Through": through.Format(time.RFC3339),
		"Days":    fmt.Sprintf("%dd", days),
	}
	for c, xr := range xrs {
		key := strings.ToUpper(c[:1]) + c[1:]
		data[key+"XR"] = xr
		daily, ok := lookDaily[c]
		if !ok {
			continue
		}
		billed, forecast := daily.Mul(d), daily.Mul(l)
		budget, estimate := lookBudgets[c], lookEstimates[c]
		expected := estimate.Mul(d).Div(l)
		data[key+"Billed"] = billed.StringFixed(2)
		data[key+"Forecast"] = forecast.StringFixed(2)
		data[key+"BilledPct"] = billed.Mul(hundred).Div(budget).StringFixed(1)
		data[key+"ForecastPct"] = forecast.Mul(hundred).Div(budget).StringFixed(1)
		data[key+"Expected"] = expected.StringFixed(2)
		data[key+"Drift"] = billed.Sub(expected).Mul(hundred).Div(expected).StringFixed(1)
		// A drift names its top days: every day costs the same, so the
		// first three, as CostDrift's message and as kubectl describe
		// prints status.billing.driftContributors.days.
		var msg, status []string
		for i := range min(days, 3) {
			day := from.AddDate(0, 0, i).Format(time.DateOnly)
			msg = append(msg, day+" "+daily.StringFixed(2)+" USD")
			status = append(status, "        Billed To Date:  "+daily.StringFixed(2), "        Name:  "+day)
		}
		data[key+"TopDays"] = strings.Join(msg, ", ")
		data[key+"TopDaysStatus"] = strings.Join(status, "\n")
	}
	return data
}

// checkLook compares kubectl's output got with testdata/look/name.tmpl
// filled with data, both normalised.
func (e *env) checkLook(t *testing.T, name string, data map[string]string, got string) {
	t.Helper()
	tmplPath := filepath.Join("testdata", "look", name+".tmpl")
	normalise := normaliseDescribe
	if name == "get" {
		normalise = normaliseTable
	}
	norm := normalise(got)
	if os.Getenv("E2E_UPDATE") != "" {
		writeFile(t, filepath.Join(e.root, "test", "e2e", tmplPath+".got"), []byte(norm))
	}
	tmpl, err := template.New(name).Option("missingkey=error").ParseFiles(tmplPath)
	if err != nil {
		t.Errorf("%s: %v (E2E_UPDATE=1 writes what kubectl printed as %s.got)", name, err, tmplPath)
		return
	}
	var want bytes.Buffer
	if err := tmpl.ExecuteTemplate(&want, filepath.Base(tmplPath), data); err != nil {
		t.Fatal(err)
	}
	if w := want.String(); w != norm { // The templates hold the normalised text.
		t.Errorf("kubectl %s: the output differs from %s.\n--- want\n%s\n--- got\n%s\n--- as printed\n%s", name, tmplPath, w, norm, got)
	}
}

var (
	lookVolatile = regexp.MustCompile(`(?m)^(\s*(?:Creation Timestamp|Last Transition Time|Resource Version|UID|Generation|Observed Generation):\s+)\S.*$`)
	lookRepeat   = regexp.MustCompile(` \(x\d+ over (?:\d+[smhd]){1,2}\)$`)
	lookAge      = regexp.MustCompile(`^(?:\d+[smhd]){1,2}$`)
	lookSpaces   = regexp.MustCompile(`[ \t]{2,}`)
)

// normaliseTable cuts kubectl's table into its cells at the header's
// column starts, so that an empty cell stays one, and joins them with " | ";
// the AGE cells become <age>.
func normaliseTable(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	header := lines[0]
	var starts []int
	for i := range header {
		if header[i] != ' ' && (i == 0 || header[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	var b strings.Builder
	for n, l := range lines {
		cells := make([]string, len(starts))
		for i, st := range starts {
			end := len(l)
			if i+1 < len(starts) {
				end = min(starts[i+1], len(l))
			}
			if st < end {
				cells[i] = strings.TrimSpace(l[st:end])
			}
		}
		if last := len(cells) - 1; n > 0 && lookAge.MatchString(cells[last]) {
			cells[last] = "<age>"
		}
		b.WriteString(strings.TrimRight(strings.Join(cells, " | "), " ") + "\n")
	}
	return b.String()
}

// normaliseDescribe replaces what changes from run to run (times, UIDs,
// resource versions, generations, the ages of events) and collapses the
// padding between a key and its value or between columns, whose width
// follows the values; indentation stays. Events are sorted, as kubectl
// orders them by time and several fall in one second, and their repeat
// counts dropped: Crossplane counts its own "not yet ready" events, and
// re-emits a condition's event when it writes a status from an older copy
// of the composite (one line either way).
func normaliseDescribe(s string) string {
	s = lookVolatile.ReplaceAllString(s, "${1}<v>")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	events := -1
	for i, l := range lines {
		l = strings.TrimRight(l, " ")
		lead := len(l) - len(strings.TrimLeft(l, " "))
		cols := lookSpaces.Split(l[lead:], -1)
		switch {
		case cols[0] == "Type" && slices.Contains(cols, "Reason") && slices.Contains(cols, "Age"):
			events = i + 2 // After the header and its rule.
		case events >= 0 && i >= events && len(cols) > 2:
			// Event lines: Type, Reason, Age, From, Message.
			cols[2] = lookAge.ReplaceAllString(lookRepeat.ReplaceAllString(cols[2], ""), "<age>")
		}
		lines[i] = l[:lead] + strings.Join(cols, "  ")
	}
	if events >= 0 && events <= len(lines) {
		slices.Sort(lines[events:])
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestNormaliseLook(t *testing.T) {
	table := "NAME         STATE     SPEND   CONNECTION-SECRET   AGE\n" +
		"storefront   Ready     4.20                        75s\n" +
		"warehouse    Refused                               2m5s\n"
	wantTable := "NAME | STATE | SPEND | CONNECTION-SECRET | AGE\n" +
		"storefront | Ready | 4.20 |  | <age>\n" +
		"warehouse | Refused |  |  | <age>\n"
	if got := normaliseTable(table); got != wantTable {
		t.Errorf("normaliseTable:\n%s\nwant:\n%s", got, wantTable)
	}
	desc := "Metadata:\n  Creation Timestamp:  2026-12-02T13:31:42Z\n  UID:               e034\n" +
		"  Finalizers:\n    finalizer.apiextensions.crossplane.io\n" +
		"Events:\n  Type     Reason     Age                From  Message\n  ----     ------     ----               ----  -------\n" +
		"  Warning  Stale      5m10s              x     The data runs through 2026-11-21T00:00:00Z\n" +
		"  Normal   Available  6m12s (x2 over 7m)  x     fits\n"
	wantDesc := "Metadata:\n  Creation Timestamp:  <v>\n  UID:  <v>\n" +
		"  Finalizers:\n    finalizer.apiextensions.crossplane.io\n" +
		"Events:\n  Type  Reason  Age  From  Message\n  ----  ------  ----  ----  -------\n" +
		"  Normal  Available  <age>  x  fits\n" +
		"  Warning  Stale  <age>  x  The data runs through 2026-11-21T00:00:00Z\n"
	if got := normaliseDescribe(desc); got != wantDesc {
		t.Errorf("normaliseDescribe:\n%s\nwant:\n%s", got, wantDesc)
	}
}

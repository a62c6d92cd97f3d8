package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

type testCLI struct {
	Ingest     IngestCmd     `cmd:"" help:"Ingest."`
	Controller ControllerCmd `cmd:"" help:"Controller."`
}

// parse parses args as the billing binary would and returns the command.
func parse(t *testing.T, args ...string) (*kong.Context, *testCLI) {
	t.Helper()
	c := &testCLI{}
	p, err := kong.New(c, kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := p.Parse(args)
	if err != nil {
		t.Fatalf("Parse(%v): %v", args, err)
	}
	return ctx, c
}

const fixture = "../testdata/focus-1.2.csv"

// fakeCluster returns a fake client holding no records.
func fakeCluster(t *testing.T, f interceptor.Funcs) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	if err := billing.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithInterceptorFuncs(f).Build()
}

// ingest runs the ingest command with args against the cluster kc and
// returns its stdout and stderr.
func ingest(t *testing.T, kc client.Client, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, c := parse(t, append([]string{"ingest"}, args...)...)
	var out, errOut bytes.Buffer
	c.Ingest.Stdout, c.Ingest.Stderr = &out, &errOut
	if kc != nil {
		c.Ingest.NewClient = func() (client.Client, error) { return kc, nil }
	}
	err = ctx.Run()
	return out.String(), errOut.String(), err
}

// The lines of the fixture, by a string only they hold.
const (
	lineOct     = "2026-10-31T00:00:00Z" // team-a, October
	lineNAT     = "nat-1"                // untagged, account 222222222222
	lineBadTag  = "i-0c"                 // tagged with no space name, account 222222222222
	lineDB      = "db-1"                 // team-b
	lineTax     = ",Tax,"                // untagged, account 333333333333
	lineI0a     = "12.50,"               // team-a
	lineBucket  = "bucket-a"             // team-a
	lineI0b     = "i-0b"                 // team-a
	lineCredit  = "Credit"               // team-a
	fixtureHead = "BilledCost,"
)

// fixtureLine returns the line of the fixture that holds sub, with its
// newline.
func fixtureLine(t *testing.T, sub string) string {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitAfterSeq(string(b), "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	t.Fatalf("no line of %s holds %q", fixture, sub)
	return ""
}

// export writes the header and lines of the fixture into a file of the
// test's own, and returns its path.
func export(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(fixtureLine(t, fixtureHead)+strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// deliveries writes the fixture as three exports, and a second delivery
// of the third, and returns their paths: a holds team-a's October and the
// unattributed spend of account 222222222222; b holds team-b and account
// 333333333333; c holds team-a's November; c2 holds team-a's November
// without one of its resources, which is team-c's now.
func deliveries(t *testing.T) (a, b, c, c2 string) {
	t.Helper()
	dir := t.TempDir()
	l := func(sub string) string { return fixtureLine(t, sub) }
	a = export(t, dir, "a.csv", l(lineOct), l(lineNAT), l(lineBadTag))
	b = export(t, dir, "b.csv", l(lineDB), l(lineTax))
	c = export(t, dir, "c.csv", l(lineI0a), l(lineBucket), l(lineI0b), l(lineCredit))
	c2 = export(t, dir, "c2.csv", l(lineI0a), l(lineBucket), l(lineCredit), strings.Replace(l(lineI0b), "team-a", "team-c", 1))
	return a, b, c, c2
}

func TestIngestDryRunTable(t *testing.T) {
	kc := fakeCluster(t, interceptor.Funcs{})
	out, errOut, err := ingest(t, kc, "--dry-run", fixture)
	if err != nil {
		t.Fatalf("Run(): %v", err)
	}
	want := strings.Join([]string{
		"ACTION  SPACE           ACCOUNT       PERIOD   CURRENCY  BILLED            PREVIOUS  EFFECTIVE         LIST           ROWS  RESOURCES  LAST CHARGE END",
		"create  team-a          -             2026-10  USD       5                 -         5                 5              1     1          2026-10-31T01:00:00Z",
		"create  team-a          -             2026-11  USD       13.3333333334333  -         10.8333333334333  18.0000000001  4     3          2026-11-03T00:00:00Z",
		"create  team-b          -             2026-11  USD       100               -         90                120            1     1          2026-11-03T00:00:00Z",
		"create  (unattributed)  222222222222  2026-11  USD       9.25              -         9.25              9.25           2     2          2026-11-01T01:00:00Z",
		"create  (unattributed)  333333333333  2026-11  USD       1                 -         1                 1              1     0          2026-12-01T00:00:00Z",
		"Plan of 2026-10, 2026-11, scope default, against the cluster: 5 created, 0 updated, 0 unchanged, 0 zeroed, 0 deleted",
		"",
	}, "\n")
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("ingest --dry-run: -want, +got:\n%s", diff)
	}
	if !strings.Contains(errOut, `"rows"=9`) {
		t.Errorf("ingest --dry-run: want a log line with 9 rows on stderr, got %q", errOut)
	}
	if n := len(versions(t, kc)); n != 0 {
		t.Errorf("ingest --dry-run: wrote %d records", n)
	}
}

func TestIngestDryRunPlansReplacement(t *testing.T) {
	kc := fakeCluster(t, interceptor.Funcs{})
	a, b, c, c2 := deliveries(t)
	if _, _, err := ingest(t, kc, a, b, c); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	before := versions(t, kc)
	// The same periods again, without b, with c2 for c.
	out, _, err := ingest(t, kc, "--dry-run", a, c2)
	if err != nil {
		t.Fatalf("ingest --dry-run: %v", err)
	}
	want := strings.Join([]string{
		"ACTION     SPACE           ACCOUNT       PERIOD   CURRENCY  BILLED           PREVIOUS          EFFECTIVE        LIST           ROWS  RESOURCES  LAST CHARGE END",
		"unchanged  team-a          -             2026-10  USD       5                5                 5                5              1     1          2026-10-31T01:00:00Z",
		"update     team-a          -             2026-11  USD       10.0000000001    13.3333333334333  7.5000000001     14.0000000001  3     2          2026-11-03T00:00:00Z",
		"zero       team-b          -             2026-11  USD       0                100               0                0              0     0          2026-11-03T00:00:00Z",
		"create     team-c          -             2026-11  USD       3.3333333333333  -                 3.3333333333333  4              1     1          2026-11-02T02:00:00Z",
		"unchanged  (unattributed)  222222222222  2026-11  USD       9.25             9.25              9.25             9.25           2     2          2026-11-01T01:00:00Z",
		"delete     (unattributed)  333333333333  2026-11  USD       -                1                 -                -              -     -          -",
		"Plan of 2026-10, 2026-11, scope default, against the cluster: 1 created, 1 updated, 2 unchanged, 1 zeroed, 1 deleted",
		"",
	}, "\n")
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("ingest --dry-run: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(before, versions(t, kc)); diff != "" {
		t.Errorf("ingest --dry-run: wrote records: -want resource versions, +got:\n%s", diff)
	}

	out, _, err = ingest(t, kc, "--dry-run", "-o", "json", a, c2)
	if err != nil {
		t.Fatalf("ingest --dry-run -o json: %v", err)
	}
	var p billing.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("ingest --dry-run -o json: output is no plan: %v", err)
	}
	type change struct {
		Action      billing.Action
		Name        string
		Billed, Was string
		Version     bool
	}
	var got []change
	for _, c := range p.Changes {
		ch := change{Action: c.Action, Name: c.Name, Version: c.ResourceVersion != ""}
		if c.Record != nil {
			ch.Billed = c.Record.BilledCost
		}
		if c.Previous != nil {
			ch.Was = c.Previous.BilledCost
		}
		got = append(got, ch)
	}
	wantJSON := []change{
		{Action: billing.ActionUnchanged, Name: "spend-team-a-2026-10", Billed: "5", Was: "5", Version: true},
		{Action: billing.ActionUpdate, Name: "spend-team-a-2026-11", Billed: "10.0000000001", Was: "13.3333333334333", Version: true},
		{Action: billing.ActionZero, Name: "spend-team-b-2026-11", Billed: "0", Was: "100", Version: true},
		{Action: billing.ActionCreate, Name: "spend-team-c-2026-11", Billed: "3.3333333333333"},
		{Action: billing.ActionUnchanged, Name: "unattributed-222222222222-2026-11", Billed: "9.25", Was: "9.25", Version: true},
		{Action: billing.ActionDelete, Name: "unattributed-333333333333-2026-11", Was: "1", Version: true},
	}
	if diff := cmp.Diff(wantJSON, got); diff != "" {
		t.Errorf("ingest --dry-run -o json: -want changes, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]any{"default", []string{"2026-10", "2026-11"}, false}, []any{p.Scope, p.Periods, p.Offline}); diff != "" {
		t.Errorf("ingest --dry-run -o json: -want scope, periods, offline, +got:\n%s", diff)
	}
}

func TestIngestDryRunWithoutCluster(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	out, errOut, err := ingest(t, nil, "--dry-run", "-o", "json", "--max-resource-ids", "1", fixture)
	if err != nil {
		t.Fatalf("ingest --dry-run with no cluster configured: %v", err)
	}
	var o struct {
		billing.Plan
		Records []v1alpha1.SpendRecord `json:"records"`
		Summary billing.Summary        `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatalf("ingest -o json: output is no plan with records and summary: %v", err)
	}
	p := &o.Plan
	if diff := cmp.Diff(billing.Money{"USD": "128.5833333334333"}, o.Summary.BilledCost); diff != "" {
		t.Errorf("ingest -o json: -want summary billed cost, +got:\n%s", diff)
	}
	if len(o.Records) != 5 || o.Records[1].BilledCost != p.Changes[1].Record.BilledCost {
		t.Errorf("ingest -o json: want the 5 records of the plan beside it, got %d", len(o.Records))
	}
	if !p.Offline || len(p.Changes) != 5 || p.Stats().Created != 5 {
		t.Errorf("ingest --dry-run with no cluster: want an offline plan of 5 creations, got %+v", p.Stats())
	}
	got := p.Changes[1].Record
	if diff := cmp.Diff([]any{"team-a", "2026-11", "13.3333333334333", []string{"bucket-a"}, int64(3), int64(2)},
		[]any{got.Space, got.Period, got.BilledCost, got.ResourceIDs, got.ResourceCount, got.ResourceIDsTruncated}); diff != "" {
		t.Errorf("ingest -o json: -want, +got:\n%s", diff)
	}
	if !strings.Contains(errOut, "No cluster is configured") {
		t.Errorf("ingest --dry-run with no cluster: want a log line saying so, got %q", errOut)
	}
}

func TestIngestDryRunBadKubeconfigFails(t *testing.T) {
	_, _, err := ingest(t, nil, "--dry-run", "--kubeconfig", filepath.Join(t.TempDir(), "missing"), fixture)
	if err == nil || !strings.Contains(err.Error(), "cannot load kubeconfig") {
		t.Errorf("ingest --dry-run --kubeconfig <missing>: want a kubeconfig error, not a silent offline plan; got %v", err)
	}
}

func TestIngestInvalidScope(t *testing.T) {
	c := &testCLI{}
	p, err := kong.New(c, kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Parse([]string{"ingest", "--scope", "Payer_B", fixture})
	if err == nil || !strings.Contains(err.Error(), `--scope "Payer_B" is not a DNS label`) {
		t.Errorf("ingest --scope Payer_B: want an invalid scope error, got %v", err)
	}
}

func TestIngestSummary(t *testing.T) {
	const focus10 = "../testdata/focus-1.0.csv"
	cases := map[string]struct {
		reason string
		args   []string
		want   []string // lines of stderr, in order, after the log lines
		log    string   // a substring of the log lines
	}{
		"Default": {
			reason: "Every run ends with a summary on stderr, and a warning for each kind of row that did not attribute as it seems meant to.",
			args:   []string{"ingest", "--dry-run", focus10},
			want: []string{
				"Summary: 14 rows summed from 1 file; billed USD 8783.3296789012345; attributed USD 17.5796789012345; unattributed USD 8765.75",
				`Warning: 1 row (USD 1.25) has a cloudspace tag whose value cannot name a space (a lower case DNS name of at most 63 characters), so it is unattributed: "Team_A"`,
				`Warning: 1 row (USD 3) has a tag key that matches "cloudspace" only ignoring case, so it is unattributed; pass --tag-key-ignore-case to attribute them: "CloudSpace"`,
			},
			log: `"missing-optional-columns"=["AllocatedTags"]`,
		},
		"IgnoreCase": {
			reason: "With --tag-key-ignore-case such rows attribute, and are still warned about.",
			args:   []string{"ingest", "--dry-run", "--tag-key-ignore-case", focus10},
			want: []string{
				"Summary: 14 rows summed from 1 file; billed USD 8783.3296789012345; attributed USD 20.5796789012345; unattributed USD 8762.75",
				`Warning: 1 row (USD 1.25) has a cloudspace tag whose value cannot name a space (a lower case DNS name of at most 63 characters), so it is unattributed: "Team_A"`,
				`Warning: 1 row (USD 3) was attributed by a tag key that matches "cloudspace" only ignoring case (--tag-key-ignore-case): "CloudSpace"`,
			},
		},
		"Rejected": {
			reason: "A rejected run still prints its summary.",
			args:   []string{"ingest", "--dry-run", "--format", "cur", focus10},
			want:   []string{"Summary: 0 rows summed from 1 file; billed 0; attributed 0; unattributed 0"},
		},
		"OptionalColumns": {
			reason: "The log line of each file names the optional columns it has and lacks.",
			args:   []string{"ingest", "--dry-run", "../testdata/cur-legacy.csv"},
			want:   []string{"Summary: 3 rows summed from 1 file; billed USD 1.619; attributed USD 0.119; unattributed USD 1.5"},
			log:    `"optional-columns"=["pricing/publicOnDemandCost" "lineItem/LineItemType" "bill/BillingPeriodEndDate"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, c := parse(t, tc.args...)
			var out, errOut bytes.Buffer
			c.Ingest.Stdout, c.Ingest.Stderr = &out, &errOut
			_ = ctx.Run()
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
				if strings.HasPrefix(l, "Summary:") || strings.HasPrefix(l, "Warning:") {
					got = append(got, l)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\ningest: -want summary on stderr, +got:\n%s", tc.reason, diff)
			}
			if !strings.Contains(errOut.String(), tc.log) {
				t.Errorf("\n%s\ningest: want %q in the log, got:\n%s", tc.reason, tc.log, errOut.String())
			}
		})
	}
}

func TestIngestBadFileFails(t *testing.T) {
	ctx, c := parse(t, "ingest", "--dry-run", "--format", "cur", fixture)
	var out bytes.Buffer
	c.Ingest.Stdout, c.Ingest.Stderr = &out, &bytes.Buffer{}
	err := ctx.Run()
	if err == nil || !strings.Contains(err.Error(), "missing mandatory cur column") {
		t.Errorf("ingest --format cur on a FOCUS file: want a missing column error, got %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("ingest: a rejected file must print no records, got %q", out.String())
	}
}

func TestIngestWritesRecords(t *testing.T) {
	kc := fakeCluster(t, interceptor.Funcs{})
	for _, want := range []string{
		"5 records of 2026-10, 2026-11, scope default: 5 created, 0 updated, 0 unchanged, 0 zeroed, 0 deleted\n",
		"5 records of 2026-10, 2026-11, scope default: 0 created, 0 updated, 5 unchanged, 0 zeroed, 0 deleted\n",
	} {
		out, _, err := ingest(t, kc, fixture)
		if err != nil {
			t.Fatalf("Run(): %v", err)
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("ingest: -want, +got:\n%s", diff)
		}
	}
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(billing.RecordGVK.GroupVersion().WithKind("EnvironmentConfigList"))
	if err := kc.List(t.Context(), l, client.MatchingLabels{v1alpha1.LabelSpace: "team-a", v1alpha1.LabelRecord: v1alpha1.RecordSpend}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range l.Items {
		names = append(names, u.GetName())
	}
	if diff := cmp.Diff([]string{"spend-team-a-2026-10", "spend-team-a-2026-11"}, names); diff != "" {
		t.Errorf("ingest: -want objects of team-a, +got:\n%s", diff)
	}
}

func TestIngestReplacesPeriods(t *testing.T) {
	kc := fakeCluster(t, interceptor.Funcs{})
	a, b, c, c2 := deliveries(t)
	if _, _, err := ingest(t, kc, a, b, c); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	// Another scope's record of the same period.
	if _, _, err := ingest(t, kc, "--scope", "payer-b", export(t, t.TempDir(), "payer-b.csv", fixtureLine(t, lineNAT))); err != nil {
		t.Fatalf("ingest --scope payer-b: %v", err)
	}
	before := versions(t, kc)
	out, _, err := ingest(t, kc, a, c2)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if diff := cmp.Diff("4 records of 2026-10, 2026-11, scope default: 1 created, 1 updated, 2 unchanged, 1 zeroed, 1 deleted\n", out); diff != "" {
		t.Errorf("ingest: -want, +got:\n%s", diff)
	}
	want := map[string]string{
		"spend-team-a-2026-10":                      "default 5",
		"spend-team-a-2026-11":                      "default 10.0000000001",
		"spend-team-b-2026-11":                      "default 0",
		"spend-team-c-2026-11":                      "default 3.3333333333333",
		"unattributed-222222222222-2026-11":         "default 9.25",
		"unattributed-222222222222-2026-11.payer-b": "payer-b 7.25",
	}
	got := map[string]string{}
	for name, u := range objects(t, kc) {
		billed, _, _ := unstructured.NestedString(u.Object, "data", "billedCost")
		got[name] = u.GetLabels()[v1alpha1.LabelScope] + " " + billed
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ingest: -want records (scope billed), +got:\n%s", diff)
	}
	after := versions(t, kc)
	for _, name := range []string{"spend-team-a-2026-10", "unattributed-222222222222-2026-11", "unattributed-222222222222-2026-11.payer-b"} {
		if before[name] != after[name] {
			t.Errorf("ingest: %s was written although unchanged or of another scope", name)
		}
	}
}

func TestIngestScopeCollisionFails(t *testing.T) {
	kc := fakeCluster(t, interceptor.Funcs{})
	if _, _, err := ingest(t, kc, fixture); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	before := versions(t, kc)
	out, _, err := ingest(t, kc, "--scope", "payer-b", fixture)
	if err == nil || !strings.Contains(err.Error(), `holds the record of scope "default"`) {
		t.Fatalf("ingest --scope payer-b of spaces the default scope holds: want a collision error, got %v", err)
	}
	if out != "" {
		t.Errorf("ingest: a refused run prints nothing on stdout, got %q", out)
	}
	if diff := cmp.Diff(before, versions(t, kc)); diff != "" {
		t.Errorf("ingest: a refused run must write nothing: -want, +got:\n%s", diff)
	}
}

func TestIngestWriteFailureSaysWhatWasWritten(t *testing.T) {
	failing := false
	kc := fakeCluster(t, interceptor.Funcs{
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			o := &client.DeleteOptions{}
			o.ApplyOptions(opts)
			if failing && len(o.DryRun) == 0 {
				return errors.New("etcdserver: request timed out")
			}
			return c.Delete(ctx, obj, opts...)
		},
	})
	a, b, c, c2 := deliveries(t)
	if _, _, err := ingest(t, kc, a, b, c); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	failing = true
	out, _, err := ingest(t, kc, a, c2)
	if err == nil || !strings.Contains(err.Error(), `cannot delete EnvironmentConfig "unattributed-333333333333-2026-11": etcdserver: request timed out; 3 of 4 changes were written before it and 1 were not`) {
		t.Fatalf("ingest: want the failed delete, got %v", err)
	}
	want := strings.Join([]string{
		"RESULT   ACTION  NAME",
		"written  update  spend-team-a-2026-11",
		"written  create  spend-team-c-2026-11",
		"written  zero    spend-team-b-2026-11",
		"failed   delete  unattributed-333333333333-2026-11",
		"",
	}, "\n")
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("ingest: -want what was written, +got:\n%s", diff)
	}
	failing = false
	out, _, err = ingest(t, kc, a, c2)
	if err != nil {
		t.Fatalf("ingest again: %v", err)
	}
	if diff := cmp.Diff("4 records of 2026-10, 2026-11, scope default: 0 created, 0 updated, 5 unchanged, 0 zeroed, 1 deleted\n", out); diff != "" {
		t.Errorf("ingest again: converges: -want, +got:\n%s", diff)
	}
}

// objects are the record objects of the cluster by name.
func objects(t *testing.T, kc client.Client) map[string]unstructured.Unstructured {
	t.Helper()
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(billing.RecordGVK.GroupVersion().WithKind("EnvironmentConfigList"))
	if err := kc.List(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	out := map[string]unstructured.Unstructured{}
	for _, u := range l.Items {
		out[u.GetName()] = u
	}
	return out
}

// versions are the resource versions of the record objects by name.
func versions(t *testing.T, kc client.Client) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, u := range objects(t, kc) {
		out[name] = u.GetResourceVersion()
	}
	return out
}

func TestControllerValidate(t *testing.T) {
	cases := map[string]struct {
		reason string
		c      ControllerCmd
		want   string
	}{
		"ShortInterval": {reason: "An interval under a minute is refused.", c: ControllerCmd{Options: Options{Scope: "default"}, Sources: []string{"a"}, Interval: time.Second}, want: "cannot run controller: --interval 1s is shorter than 1m"},
		"NoSource":      {reason: "A controller needs a source.", c: ControllerCmd{Options: Options{Scope: "default"}, Interval: time.Hour}, want: "cannot run controller: no --source"},
		"BadScope":      {reason: "A scope must be a DNS label.", c: ControllerCmd{Options: Options{Scope: "payer.b"}, Sources: []string{"a"}, Interval: time.Hour}, want: `cannot run controller: --scope "payer.b" is not a DNS label (lower case letters, digits and '-', at most 63 characters)`},
		"Valid":         {reason: "An hourly schedule with a source is fine.", c: ControllerCmd{Options: Options{Scope: "payer-b"}, Sources: []string{"a"}, Interval: time.Hour}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ""
			if err := tc.c.Validate(); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nValidate(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestControllerFlags(t *testing.T) {
	_, c := parse(t, "controller", "--source", "s3://bucket/cur/", "--source", "x.csv", "--interval", "30m", "--no-leader-election", "--tag-key", "team", "--scope", "payer-b")
	got := c.Controller
	if diff := cmp.Diff([]any{[]string{"s3://bucket/cur/", "x.csv"}, 30 * time.Minute, false, "team", ":8080", "payer-b"},
		[]any{got.Sources, got.Interval, got.LeaderElection, got.TagKey, got.MetricsBindAddress, got.Scope}); diff != "" {
		t.Errorf("controller flags: -want, +got:\n%s", diff)
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf}
	p.update("f.csv", 50, 100)
	p.update("f.csv", 60, 100) // within 200ms of the last draw: not drawn
	p.done()
	got := buf.String()
	if !strings.HasPrefix(got, "\rf.csv [===============               ]  50% ") || !strings.HasSuffix(got, "\n") || strings.Count(got, "\r") != 1 {
		t.Errorf("progress: want one half-full bar and a newline, got %q", got)
	}
}

// TestREADMEAgreesWithCLI checks the README of the billing package against
// the flags: the default digest, the FOCUS versions, and every flag the
// usage line of the README shows exists.
func TestREADMEAgreesWithCLI(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := reflect.TypeFor[Options]().FieldByName("Digest")
	if !ok {
		t.Fatal("Options has no Digest flag")
	}
	def := f.Tag.Get("default")
	if want := "the CLI's\n  default is xxHash64 (`--digest " + def + "`"; !strings.Contains(string(readme), want) {
		t.Errorf("README: want the CLI's default digest %q named as %q", def, want)
	}
	format, _ := reflect.TypeFor[Options]().FieldByName("Format")
	if !strings.Contains(format.Tag.Get("help"), "FOCUS 1.0-1.3") || !strings.Contains(string(readme), "FOCUS 1.0, 1.1, 1.2 and 1.3") {
		t.Errorf("README and --format help: want both to say FOCUS 1.0 to 1.3")
	}
	_, c := parse(t, "ingest", "x")
	p, err := kong.New(c)
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	for _, n := range p.Model.Children {
		for _, fl := range n.Flags {
			flags[fl.Name] = true
			if fl.Tag.Negatable != "" {
				flags["no-"+fl.Name] = true
			}
		}
	}
	for _, m := range regexp.MustCompile("--([a-z][a-z0-9-]*)").FindAllStringSubmatch(string(readme), -1) {
		if !flags[m[1]] {
			t.Errorf("README names --%s, which no command has", m[1])
		}
	}
}

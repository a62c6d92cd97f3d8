package cli

import (
	"bytes"
	"encoding/json"
	"os"
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

func TestIngestDryRunTable(t *testing.T) {
	ctx, c := parse(t, "ingest", "--dry-run", fixture)
	var out, errOut bytes.Buffer
	c.Ingest.Stdout, c.Ingest.Stderr = &out, &errOut
	if err := ctx.Run(); err != nil {
		t.Fatalf("Run(): %v", err)
	}
	want := strings.Join([]string{
		"SPACE           ACCOUNT       PERIOD   CURRENCY  BILLED            EFFECTIVE         LIST           ROWS  RESOURCES  LAST CHARGE END",
		"team-a          -             2026-10  USD       5                 5                 5              1     1          2026-10-31T01:00:00Z",
		"team-a          -             2026-11  USD       13.3333333334333  10.8333333334333  18.0000000001  4     3          2026-11-03T00:00:00Z",
		"team-b          -             2026-11  USD       100               90                120            1     1          2026-11-03T00:00:00Z",
		"(unattributed)  222222222222  2026-11  USD       9.25              9.25              9.25           2     2          2026-11-01T01:00:00Z",
		"(unattributed)  333333333333  2026-11  USD       1                 1                 1              1     0          2026-12-01T00:00:00Z",
		"",
	}, "\n")
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("ingest --dry-run: -want, +got:\n%s", diff)
	}
	if !strings.Contains(errOut.String(), `"rows"=9`) {
		t.Errorf("ingest --dry-run: want a log line with 9 rows on stderr, got %q", errOut.String())
	}
}

func TestIngestDryRunJSON(t *testing.T) {
	ctx, c := parse(t, "ingest", "--dry-run", "-o", "json", "--max-resource-ids", "1", fixture)
	var out bytes.Buffer
	c.Ingest.Stdout, c.Ingest.Stderr = &out, &bytes.Buffer{}
	if err := ctx.Run(); err != nil {
		t.Fatalf("Run(): %v", err)
	}
	var o struct {
		Records []v1alpha1.SpendRecord `json:"records"`
		Summary billing.Summary        `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		t.Fatalf("ingest -o json: output is not JSON records and summary: %v", err)
	}
	if diff := cmp.Diff(billing.Money{"USD": "128.5833333334333"}, o.Summary.BilledCost); diff != "" {
		t.Errorf("ingest -o json: -want summary billed cost, +got:\n%s", diff)
	}
	rs := o.Records
	got := rs[1]
	if diff := cmp.Diff([]any{"team-a", "2026-11", "13.3333333334333", []string{"bucket-a"}, int64(3), int64(2)},
		[]any{got.Space, got.Period, got.BilledCost, got.ResourceIDs, got.ResourceCount, got.ResourceIDsTruncated}); diff != "" {
		t.Errorf("ingest -o json: -want, +got:\n%s", diff)
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
	s := runtime.NewScheme()
	if err := billing.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	kc := fake.NewClientBuilder().WithScheme(s).Build()
	for _, want := range []string{"5 records: 5 applied, 0 unchanged\n", "5 records: 0 applied, 5 unchanged\n"} {
		ctx, c := parse(t, "ingest", fixture)
		var out bytes.Buffer
		c.Ingest.Stdout, c.Ingest.Stderr = &out, &bytes.Buffer{}
		c.Ingest.NewClient = func() (client.Client, error) { return kc, nil }
		if err := ctx.Run(); err != nil {
			t.Fatalf("Run(): %v", err)
		}
		if diff := cmp.Diff(want, out.String()); diff != "" {
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

func TestControllerValidate(t *testing.T) {
	cases := map[string]struct {
		reason string
		c      ControllerCmd
		want   string
	}{
		"ShortInterval": {reason: "An interval under a minute is refused.", c: ControllerCmd{Sources: []string{"a"}, Interval: time.Second}, want: "cannot run controller: --interval 1s is shorter than 1m"},
		"NoSource":      {reason: "A controller needs a source.", c: ControllerCmd{Interval: time.Hour}, want: "cannot run controller: no --source"},
		"Valid":         {reason: "An hourly schedule with a source is fine.", c: ControllerCmd{Sources: []string{"a"}, Interval: time.Hour}},
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
	_, c := parse(t, "controller", "--source", "s3://bucket/cur/", "--source", "x.csv", "--interval", "30m", "--no-leader-election", "--tag-key", "team")
	got := c.Controller
	if diff := cmp.Diff([]any{[]string{"s3://bucket/cur/", "x.csv"}, 30 * time.Minute, false, "team", ":8080"},
		[]any{got.Sources, got.Interval, got.LeaderElection, got.TagKey, got.MetricsBindAddress}); diff != "" {
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
		}
	}
	for _, m := range regexp.MustCompile("--([a-z][a-z0-9-]*)").FindAllStringSubmatch(string(readme), -1) {
		if !flags[m[1]] {
			t.Errorf("README names --%s, which no command has", m[1])
		}
	}
}

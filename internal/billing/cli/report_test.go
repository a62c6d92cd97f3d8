package cli

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

type reportCLI struct {
	Ingest IngestCmd `cmd:"" help:"Ingest."`
	Report ReportCmd `cmd:"" help:"Report."`
}

// parseReport parses args as the billing binary would.
func parseReport(t *testing.T, args ...string) (*kong.Context, *reportCLI) {
	t.Helper()
	c := &reportCLI{}
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

var update = flag.Bool("update", false, "rewrite the golden files and examples/report/space-checkout.png")

// examplePNG is the picture the README shows, drawn by TestReportExample.
const examplePNG = "../../../examples/report/space-checkout.png"

// reportSpace is a space of the example export: what it costs a day, by
// service, from its first day of November 2026 to the 22nd.
type reportSpace struct {
	name     string
	first    int
	services [][2]string // service, cost a day
}

var reportSpaces = []reportSpace{
	{name: "checkout-7x9kq", first: 1, services: [][2]string{
		{"Amazon Elastic Compute Cloud", "28.00"}, {"Amazon Relational Database Service", "9.50"}, {"Amazon Virtual Private Cloud", "3.60"},
		{"Amazon Simple Storage Service", "1.20"}, {"AmazonCloudWatch", "0.95"}, {"AWS Data Transfer", "0.75"}, {"AWS Key Management Service", "0.10"},
	}},
	{name: "ledger-m2p4t", first: 1, services: [][2]string{
		{"Amazon Elastic Compute Cloud", "12.00"}, {"Amazon Relational Database Service", "6.50"}, {"Amazon Virtual Private Cloud", "1.10"}, {"Amazon Simple Storage Service", "0.80"},
	}},
	{name: "search-q8w3z", first: 8, services: [][2]string{
		{"Amazon Elastic Compute Cloud", "48.00"}, {"Amazon OpenSearch Service", "14.00"}, {"AWS Data Transfer", "3.20"}, {"Amazon Simple Storage Service", "2.50"},
	}},
}

// weeklyEC2 is how compute varies over the week; it sums to zero.
var weeklyEC2 = []string{"-2.10", "0.85", "1.40", "0.65", "-1.10", "2.55", "-2.25"}

// writeExport writes the example FOCUS 1.2 export: a row per space, service
// and day, and an untagged row of another account.
func writeExport(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeDescription,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,ListCost,ProviderName,PublisherName,ResourceId,ServiceName,SubAccountId,Tags\n")
	for _, s := range reportSpaces {
		for d := s.first; d <= 22; d++ {
			for i, svc := range s.services {
				cost := decimal.RequireFromString(svc[1])
				if i == 0 {
					cost = cost.Add(decimal.RequireFromString(weeklyEC2[d%7]))
				}
				effective := cost.Mul(decimal.RequireFromString("0.92")).Round(4)
				fmt.Fprintf(&b, "%s,111111111111,Org,USD,2026-12-01T00:00:00Z,2026-11-01T00:00:00Z,Usage,%s,2026-11-%02dT00:00:00Z,2026-11-%02dT00:00:00Z,%s,%s,%s,AWS,AWS,%s-%d,%s,222222222222,\"{\"\"cloudspace\"\":\"\"%s\"\"}\"\n",
					cost, svc[0], d+1, d, cost, effective, cost, s.name, i, svc[0], s.name)
			}
		}
	}
	b.WriteString("9.25,111111111111,Org,USD,2026-12-01T00:00:00Z,2026-11-01T00:00:00Z,Usage,support,2026-11-02T00:00:00Z,2026-11-01T00:00:00Z,9.25,9.25,9.25,AWS,AWS,,AWS Support,333333333333,\n")
	path := filepath.Join(t.TempDir(), "focus-2026-11.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ingestJSON runs ingest --dry-run -o json on the example export and
// returns the file it wrote the records to.
func ingestJSON(t *testing.T) string {
	t.Helper()
	ctx, c := parseReport(t, "ingest", "--dry-run", "-o", "json", writeExport(t))
	var out bytes.Buffer
	c.Ingest.Stdout, c.Ingest.Stderr = &out, &bytes.Buffer{}
	if err := ctx.Run(); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	path := filepath.Join(t.TempDir(), "records.json")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cannot read golden file (go test -update writes it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("-want %s, +got:\n%s", path, diff)
	}
}

// TestReportExample draws the README's picture from the example export,
// through ingest --dry-run -o json and report, as a user would. With
// -update it rewrites examples/report/space-checkout.png; without, it
// checks that the committed picture is what the code draws.
func TestReportExample(t *testing.T) {
	records := ingestJSON(t)
	dir := t.TempDir()
	pngPath, svgPath := filepath.Join(dir, "checkout.png"), filepath.Join(dir, "checkout.svg")
	ctx, c := parseReport(t, "report", "--records", records, "--spaces", "testdata/xcloudspaces.yaml", "--space", "checkout", "--png", pngPath, "--svg", svgPath)
	var out, errOut bytes.Buffer
	c.Report.Stdout, c.Report.Stderr = &out, &errOut
	if err := ctx.Run(); err != nil {
		t.Fatalf("report: %v", err)
	}
	golden(t, "report-checkout.txt", out.String())
	if diff := cmp.Diff("wrote "+svgPath+"\nwrote "+pngPath+"\n", errOut.String()); diff != "" {
		t.Errorf("report: -want on stderr, +got:\n%s", diff)
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte(">space checkout-7x9kq · team payments · 2026-11</text>")) {
		t.Errorf("report --svg: no title in the SVG")
	}

	got := decodePNG(t, pngPath)
	if *update {
		b, err := os.ReadFile(pngPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(examplePNG, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := decodePNG(t, examplePNG)
	if got.Bounds() != want.Bounds() {
		t.Fatalf("%s is %v, the report draws %v: run make report-example", examplePNG, want.Bounds(), got.Bounds())
	}
	diff := 0
	for y := got.Bounds().Min.Y; y < got.Bounds().Max.Y; y++ {
		for x := got.Bounds().Min.X; x < got.Bounds().Max.X; x++ {
			if got.At(x, y) != want.At(x, y) {
				diff++
			}
		}
	}
	if diff > 0 {
		t.Errorf("%s differs from what the report draws in %d pixels: run make report-example and review the picture", examplePNG, diff)
	}
}

func abs(t *testing.T, path string) string {
	t.Helper()
	a, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// TestReportFromCluster reads the records the ingester wrote and the
// XCloudSpaces from the cluster, and draws the teams into a directory.
func TestReportFromCluster(t *testing.T) {
	s := runtime.NewScheme()
	if err := billing.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	gvk := v1alpha1.CompositeGroupVersionKind
	s.AddKnownTypeWithName(gvk, &unstructured.Unstructured{})
	s.AddKnownTypeWithName(gvk.GroupVersion().WithKind(gvk.Kind+"List"), &unstructured.UnstructuredList{})
	b, err := os.ReadFile("testdata/xcloudspaces.yaml")
	if err != nil {
		t.Fatal(err)
	}
	list := &unstructured.UnstructuredList{}
	if err := yaml.Unmarshal(b, &list.Object); err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for _, item := range list.Object["items"].([]any) {
		objs = append(objs, &unstructured.Unstructured{Object: item.(map[string]any)})
	}
	kc := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()

	ctx, c := parseReport(t, "ingest", writeExport(t))
	c.Ingest.Stdout, c.Ingest.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
	c.Ingest.NewClient = func() (client.Client, error) { return kc, nil }
	if err := ctx.Run(); err != nil {
		t.Fatalf("ingest: %v", err)
	}

	dir := t.TempDir()
	ctx, c = parseReport(t, "report", "--by", "team", "--out", dir, "--now", "2026-11-25")
	var out bytes.Buffer
	c.Report.Stdout, c.Report.Stderr = &out, &bytes.Buffer{}
	c.Report.NewClient = func() (client.Client, error) { return kc, nil }
	if err := ctx.Run(); err != nil {
		t.Fatalf("report: %v", err)
	}
	golden(t, "report-teams.txt", out.String())
	for _, f := range []string{"teams.svg", "teams.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("report --out: want a non-empty %s, got %v", f, err)
		}
	}
}

func TestReportErrors(t *testing.T) {
	records := ingestJSON(t)
	cases := map[string]struct {
		reason string
		args   []string
		want   string
	}{
		"BadNow":    {reason: "--now must be a time or a date.", args: []string{"--now", "yesterday"}, want: `cannot parse --now "yesterday": must be an RFC 3339 time or a YYYY-MM-DD date`},
		"NoSpace":   {reason: "A space without records is named.", args: []string{"--space", "gone"}, want: `cannot build report: no spend records of space "gone"`},
		"NoFile":    {reason: "A missing file is named.", args: []string{"--records", "testdata/none.json"}, want: "cannot read records: open " + abs(t, "testdata/none.json") + ": no such file or directory"},
		"NotRecord": {reason: "A file of something else is refused.", args: []string{"--records", "testdata/xcloudspaces.yaml"}, want: `cannot read records from "` + abs(t, "testdata/xcloudspaces.yaml") + `": item 0: kind "XCloudSpace": must be EnvironmentConfig`},
		"NotSpaces": {reason: "Spaces must be XCloudSpaces.", args: []string{"--spaces", records}, want: `cannot read spaces from "` + records + `": kind "": must be XCloudSpace or a List of them`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"report", "--records", records}, tc.args...)
			ctx, c := parseReport(t, args...)
			c.Report.Stdout, c.Report.Stderr = &bytes.Buffer{}, &bytes.Buffer{}
			got := ""
			if err := ctx.Run(); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("\n%s\nreport %v: -want error, +got:\n%s", tc.reason, tc.args, diff)
			}
		})
	}
}

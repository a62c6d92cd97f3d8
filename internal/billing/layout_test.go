package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
)

const curLegacyHeader = "identity/LineItemId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/CurrencyCode,pricing/publicOnDemandCost,product/ProductName,resourceTags/user:cloudspace\n"

// curDelivery returns one legacy CUR data file of November 2026 whose
// rows bill team-a the given costs; id tells deliveries apart.
func curDelivery(id string, costs ...string) []byte {
	var b strings.Builder
	b.WriteString(curLegacyHeader)
	for i, c := range costs {
		fmt.Fprintf(&b, "%s-%d,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,111111111111,222222222222,Usage,2026-11-02T00:00:00Z,2026-11-02T01:00:00Z,AmazonEC2,i-%s%d,%s,USD,%s,Amazon Elastic Compute Cloud,team-a\n", id, i, id, i, c, c)
	}
	return []byte(b.String())
}

func legacyManifest(assembly string, keys ...string) []byte {
	b, err := json.Marshal(map[string]any{
		"assemblyId":    assembly,
		"account":       "111111111111",
		"billingPeriod": map[string]string{"start": "20261101T000000.000Z", "end": "20261201T000000.000Z"},
		"bucket":        "billing",
		"reportKeys":    keys,
		"compression":   "GZIP",
		"contentType":   "text/csv",
	})
	if err != nil {
		panic(err)
	}
	return b
}

func exportsManifest(execution string, uris ...string) []byte {
	b, err := json.Marshal(map[string]any{
		"executionId": execution,
		"exportArn":   "arn:aws:bcm-data-exports:us-east-1:111111111111:export/focus-1",
		"dataFiles":   uris,
	})
	if err != nil {
		panic(err)
	}
	return b
}

func TestDelivery(t *testing.T) {
	type want struct {
		folder, period, delivery string
		ok                       bool
	}
	cases := map[string]struct {
		reason string
		loc    string
		want   want
	}{
		"LegacyVersioned": {
			reason: "A legacy CUR delivery folder is the assemblyId under the date range folder.",
			loc:    "s3://b/cur/r/20261101-20261201/0d3c1f0e-aaaa/r-1.csv.gz",
			want:   want{"s3://b/cur/r/20261101-20261201", "2026-11", "0d3c1f0e-aaaa", true},
		},
		"LegacyOverwrite": {
			reason: "An overwritten legacy CUR file sits in the date range folder.",
			loc:    "/data/r/20261101-20261201/r-1.csv.gz",
			want:   want{"/data/r/20261101-20261201", "2026-11", "", true},
		},
		"ExportsCreateNew": {
			reason: "A Data Exports execution folder sits under the BILLING_PERIOD partition.",
			loc:    "s3://b/p/e/data/BILLING_PERIOD=2026-11/2026-11-20T06:00:00.000Z-4f1e/e-00001.csv.gz",
			want:   want{"s3://b/p/e/data/BILLING_PERIOD=2026-11", "2026-11", "2026-11-20T06:00:00.000Z-4f1e", true},
		},
		"Athena": {
			reason: "The Athena layout's period is year=/month=.",
			loc:    "s3://b/p/r/r/year=2026/month=9/r-00001.snappy.parquet",
			want:   want{"s3://b/p/r/r/year=2026/month=9", "2026-09", "", true},
		},
		"NoPeriod": {
			reason: "A path without a period folder is no delivery.",
			loc:    "/tmp/focus.csv",
		},
		"PeriodIsTheFile": {
			reason: "Only folders are period folders.",
			loc:    "/tmp/20261101-20261201",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got want
			got.folder, got.period, got.delivery, got.ok = delivery(tc.loc)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\ndelivery(%q): -want, +got:\n%s", tc.reason, tc.loc, diff)
			}
		})
	}
}

func TestResolveListing(t *testing.T) {
	const period = "cur/r/20261101-20261201"
	const part = "focus/e/data/BILLING_PERIOD=2026-11"
	const meta = "focus/e/metadata/BILLING_PERIOD=2026-11"
	type want struct {
		keys      []string
		manifests []string
		err       string
	}
	cases := map[string]struct {
		reason string
		files  map[string]string // key: content (manifests only)
		want   want
	}{
		"LegacyVersionedWithManifest": {
			reason: "The period's manifest names the current assembly: older assemblies and the copies of manifests in assembly folders are ignored.",
			files: map[string]string{
				period + "/r-Manifest.json":               string(legacyManifest("asm-2", period+"/asm-2/r-1.csv.gz", period+"/asm-2/r-2.csv.gz")),
				period + "/asm-1/r-1.csv.gz":              "",
				period + "/asm-1/r-Manifest.json":         "not even JSON: never read",
				period + "/asm-2/r-1.csv.gz":              "",
				period + "/asm-2/r-2.csv.gz":              "",
				period + "/asm-2/r-Manifest.json":         "not even JSON: never read",
				period + "/asm-2/r-RedshiftManifest.json": "",
				period + "/asm-2/r-RedshiftCommands.sql":  "",
			},
			want: want{keys: []string{period + "/asm-2/r-1.csv.gz", period + "/asm-2/r-2.csv.gz"}, manifests: []string{"s3://billing/" + period + "/r-Manifest.json", "s3://billing/" + period + "/r-Manifest.json"}},
		},
		"LegacyWithoutManifest": {
			reason: "Without a manifest every data file is kept; Ingest judges the deliveries.",
			files: map[string]string{
				period + "/asm-1/r-1.csv.zip": "",
				period + "/asm-2/r-1.csv.zip": "",
			},
			want: want{keys: []string{period + "/asm-1/r-1.csv.zip", period + "/asm-2/r-1.csv.zip"}, manifests: []string{"", ""}},
		},
		"ExportsCreateNew": {
			reason: "A Data Exports partition manifest (in metadata/) names the files of the latest execution by s3:// URI; the other executions' files are ignored.",
			files: map[string]string{
				meta + "/e-Manifest.json":                       string(exportsManifest("exec-2", "s3://billing/"+part+"/20261121T0600Z-exec-2/e-00001.csv.gz")),
				meta + "/20261120T0600Z-exec-1/e-Manifest.json": "not read",
				part + "/20261120T0600Z-exec-1/e-00001.csv.gz":  "",
				part + "/20261121T0600Z-exec-2/e-00001.csv.gz":  "",
			},
			want: want{keys: []string{part + "/20261121T0600Z-exec-2/e-00001.csv.gz"}, manifests: []string{"s3://billing/" + meta + "/e-Manifest.json"}},
		},
		"ExportsOverwriteStaleChunk": {
			reason: "In overwrite mode a chunk left from a bigger earlier delivery is not in the manifest and is not read.",
			files: map[string]string{
				meta + "/Manifest.json":          string(exportsManifest("exec-3", "s3://billing/"+part+"/e-00001.snappy.parquet")),
				part + "/e-00001.snappy.parquet": "",
				part + "/e-00002.snappy.parquet": "",
			},
			want: want{keys: []string{part + "/e-00001.snappy.parquet"}, manifests: []string{"s3://billing/" + meta + "/Manifest.json"}},
		},
		"ExportsEscapedURI": {
			reason: "A data file URI with its '=' escaped still names the listed key.",
			files: map[string]string{
				meta + "/e-Manifest.json": string(exportsManifest("exec-4", "s3://billing/focus/e/data/BILLING_PERIOD%3D2026-11/e-00001.csv.gz")),
				part + "/e-00001.csv.gz":  "",
			},
			want: want{keys: []string{part + "/e-00001.csv.gz"}, manifests: []string{"s3://billing/" + meta + "/e-Manifest.json"}},
		},
		"OtherPeriodsUntouched": {
			reason: "A manifest governs its own period folder only.",
			files: map[string]string{
				period + "/r-Manifest.json":             string(legacyManifest("asm-2", period+"/asm-2/r-1.csv.gz")),
				period + "/asm-2/r-1.csv.gz":            "",
				"cur/r/20261001-20261101/asm-0/r-1.csv": "",
			},
			want: want{keys: []string{"cur/r/20261001-20261101/asm-0/r-1.csv", period + "/asm-2/r-1.csv.gz"}, manifests: []string{"", "s3://billing/" + period + "/r-Manifest.json"}},
		},
		"AthenaStatusTable": {
			reason: "The CUR Athena status table is Parquet but not billing data.",
			files: map[string]string{
				"cur/r/r/year=2026/month=11/r-00001.snappy.parquet":                     "",
				"cur/r/r/cost_and_usage_data_status/cost_and_usage_data_status.parquet": "",
				"cur/r/r/year=2026/month=11/r-create-table.sql":                         "",
			},
			want: want{keys: []string{"cur/r/r/year=2026/month=11/r-00001.snappy.parquet"}, manifests: []string{""}},
		},
		"ManifestNamesMissingFile": {
			reason: "A manifest naming a file the listing lacks fails: reading part of a delivery would be wrong.",
			files: map[string]string{
				period + "/r-Manifest.json":  string(legacyManifest("asm-2", period+"/asm-2/r-1.csv.gz", period+"/asm-2/r-2.csv.gz")),
				period + "/asm-2/r-1.csv.gz": "",
			},
			want: want{err: `cannot read the delivery of manifest "s3://billing/cur/r/20261101-20261201/r-Manifest.json": it names "cur/r/20261101-20261201/asm-2/r-2.csv.gz", which is not in the listing (list the whole export, or the manifest's period folder)`},
		},
		"BadManifest": {
			reason: "A manifest that is not JSON fails.",
			files:  map[string]string{period + "/r-Manifest.json": "{", period + "/r-1.csv": ""},
			want:   want{err: `cannot parse manifest "s3://billing/cur/r/20261101-20261201/r-Manifest.json": unexpected end of JSON input`},
		},
		"NotAManifest": {
			reason: "A JSON file named like a manifest but with none of its fields fails rather than silently governing a folder.",
			files:  map[string]string{period + "/r-Manifest.json": `{"hello":"world"}`, period + "/r-1.csv": ""},
			want:   want{err: `cannot parse manifest "s3://billing/cur/r/20261101-20261201/r-Manifest.json": it has none of assemblyId, reportKeys, executionId and dataFiles: not a CUR or Data Exports manifest`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var files []listedFile
			for k := range tc.files {
				files = append(files, listedFile{key: k})
			}
			read := func(_ context.Context, key string) ([]byte, error) {
				if strings.HasPrefix(tc.files[key], "not") {
					t.Errorf("\n%s\nresolveListing: read %q, which it must ignore", tc.reason, key)
				}
				return []byte(tc.files[key]), nil
			}
			uri := func(k string) string { return "s3://billing/" + k }
			picked, err := resolveListing(t.Context(), files, read, uri, logr.Discard())
			var got want
			if err != nil {
				got.err = err.Error()
			}
			for _, p := range picked {
				got.keys = append(got.keys, p.key)
				got.manifests = append(got.manifests, p.manifest)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nresolveListing(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// versionedCUR lays out a legacy CUR period as "create new report version"
// delivers it: two assemblies of November 2026, each billing team-a 375.55
// (the second an update of the first), the newer one current. files maps
// a key under the bucket to its content.
func versionedCUR(withManifest bool) map[string][]byte {
	const period = "cur/r/20261101-20261201"
	files := map[string][]byte{
		period + "/asm-1/r-1.csv.gz":      curDelivery("a", "300.50", "75.05"),
		period + "/asm-1/r-Manifest.json": legacyManifest("asm-1", period+"/asm-1/r-1.csv.gz"),
		period + "/asm-2/r-1.csv.gz":      curDelivery("b", "300.00"),
		period + "/asm-2/r-2.csv.gz":      curDelivery("c", "75.55"),
		period + "/asm-2/r-Manifest.json": legacyManifest("asm-2", period+"/asm-2/r-1.csv.gz", period+"/asm-2/r-2.csv.gz"),
	}
	if withManifest {
		files[period+"/r-Manifest.json"] = files[period+"/asm-2/r-Manifest.json"]
	}
	return files
}

func TestIngestVersionedCURPrefix(t *testing.T) {
	type want = spaceFigures
	cases := map[string]struct {
		reason     string
		manifest   bool
		deliveries Deliveries
		want       want
	}{
		"Manifest": {
			reason:   "The period's manifest names the current assembly: only its files are read (375.55, not 751.10).",
			manifest: true,
			want:     want{billed: "375.55", sources: []string{"s3://billing/cur/r/20261101-20261201/asm-2/r-1.csv.gz", "s3://billing/cur/r/20261101-20261201/asm-2/r-2.csv.gz"}},
		},
		"NoManifest": {
			reason: "Without a manifest two assemblies of one period are an error, never a sum.",
			want:   want{err: `cannot ingest: period folder "s3://billing/cur/r/20261101-20261201" holds 2 deliveries of 2026-11 ("asm-1": 1 file, "asm-2": 2 files) and no manifest names the current one; summing them would count the period more than once: keep the manifest AWS delivers beside them, pass one delivery, or choose with --deliveries=latest or --deliveries=all`},
		},
		"NoManifestLatest": {
			reason:     "--deliveries=latest reads the delivery modified last, with a warning.",
			deliveries: DeliveriesLatest,
			want:       want{billed: "375.55", sources: []string{"s3://billing/cur/r/20261101-20261201/asm-2/r-1.csv.gz", "s3://billing/cur/r/20261101-20261201/asm-2/r-2.csv.gz"}, warnings: 1},
		},
		"NoManifestAll": {
			reason:     "--deliveries=all sums them, as asked, with a warning.",
			deliveries: DeliveriesAll,
			want: want{billed: "751.1", sources: []string{
				"s3://billing/cur/r/20261101-20261201/asm-1/r-1.csv.gz",
				"s3://billing/cur/r/20261101-20261201/asm-2/r-1.csv.gz",
				"s3://billing/cur/r/20261101-20261201/asm-2/r-2.csv.gz",
			}, warnings: 1},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fs := &fakeS3{objects: map[string][]byte{}, modTime: map[string]time.Time{}}
			for k, b := range versionedCUR(tc.manifest) {
				fs.objects["billing/"+k] = gzipBytes(t, b)
				if strings.HasSuffix(k, ".json") {
					fs.objects["billing/"+k] = b
				}
				if strings.Contains(k, "/asm-1/") {
					fs.modTime["billing/"+k] = fakeS3Time.Add(-24 * time.Hour)
				}
			}
			c, _ := newFakeS3Client(t, fs, NetOptions{})
			srcs, err := ParseSource(t.Context(), "s3://billing/cur/", SourceOptions{S3: c})
			if err != nil {
				t.Fatalf("ParseSource: %v", err)
			}
			res, err := Ingest(t.Context(), srcs, Options{Deliveries: tc.deliveries})
			got := spaceOf(res, err, "team-a")
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nIngest(s3://billing/cur/): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// spaceFigures are the figures of one space in a result.
type spaceFigures struct {
	billed   string
	sources  []string
	warnings int
	err      string
}

func spaceOf(res *Result, err error, space string) spaceFigures {
	var got spaceFigures
	if err != nil {
		got.err = err.Error()
		return got
	}
	got.warnings = len(res.Warnings)
	for _, r := range res.Records {
		if r.Space == space {
			got.billed = r.BilledCost
			for _, s := range r.Sources {
				got.sources = append(got.sources, s.URI)
			}
		}
	}
	return got
}

// writeTree writes files (slash paths under dir) to disk.
func writeTree(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for k, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIngestLocalDirectory(t *testing.T) {
	// A local copy of the bucket (aws s3 sync s3://billing/cur/ dir/) reads
	// like the prefix: recursively, in path order, manifests honoured even
	// though their keys name the bucket's paths, not the local ones.
	dir := t.TempDir()
	files := versionedCUR(true)
	local := map[string][]byte{}
	for k, b := range files {
		local[strings.TrimPrefix(k, "cur/")] = b
	}
	local["notes.txt"] = []byte("not billing data")
	writeTree(t, dir, local)

	srcs, err := ParseSource(t.Context(), dir, SourceOptions{})
	if err != nil {
		t.Fatalf("ParseSource(dir): %v", err)
	}
	var uris []string
	for _, s := range srcs {
		rel, _ := filepath.Rel(dir, s.URI())
		uris = append(uris, filepath.ToSlash(rel))
	}
	if diff := cmp.Diff([]string{"r/20261101-20261201/asm-2/r-1.csv.gz", "r/20261101-20261201/asm-2/r-2.csv.gz"}, uris); diff != "" {
		t.Errorf("ParseSource(dir): -want the current delivery, +got:\n%s", diff)
	}
	res, err := Ingest(t.Context(), srcs, Options{})
	if got := spaceOf(res, err, "team-a"); got.billed != "375.55" {
		t.Errorf("Ingest(dir): want team-a billed 375.55, got %+v", got)
	}

	// Without the period's manifest, the two assemblies are an error.
	if err := os.Remove(filepath.Join(dir, "r/20261101-20261201/r-Manifest.json")); err != nil {
		t.Fatal(err)
	}
	srcs, err = ParseSource(t.Context(), dir, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Ingest(t.Context(), srcs, Options{}); err == nil || !strings.Contains(err.Error(), "holds 2 deliveries of 2026-11") {
		t.Errorf("Ingest(dir without manifest): want a deliveries error, got %v", err)
	}
}

func TestIngestDataExportsDirectory(t *testing.T) {
	// A FOCUS export from AWS Data Exports, "create new" mode, copied to a
	// local directory: the partition manifest names the latest execution.
	dir := t.TempDir()
	const part = "focus/e/data/BILLING_PERIOD=2026-11"
	old := []byte(focusHeader + focusRow(map[int]string{0: "100"}))
	cur := []byte(focusHeader + focusRow(map[int]string{0: "7.5"}))
	writeTree(t, dir, map[string][]byte{
		part + "/20261120T0600Z-exec-1/e-00001.csv.gz": gzipBytes(t, old),
		part + "/20261121T0600Z-exec-2/e-00001.csv.gz": gzipBytes(t, cur),
		"focus/e/metadata/BILLING_PERIOD=2026-11/e-Manifest.json": exportsManifest("exec-2",
			"s3://other-bucket/exports/"+part+"/20261121T0600Z-exec-2/e-00001.csv.gz"),
	})
	srcs, err := ParseSource(t.Context(), dir, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Ingest(t.Context(), srcs, Options{})
	if got := spaceOf(res, err, "team-a"); got.billed != "7.5" || len(got.sources) != 1 || !strings.HasSuffix(got.sources[0], "exec-2/e-00001.csv.gz") {
		t.Errorf("Ingest(Data Exports dir): want 7.5 from the latest execution only, got %+v", got)
	}
}

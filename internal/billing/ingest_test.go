package billing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/klauspost/compress/gzip"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// bytesSource is an in-memory source.
type bytesSource struct {
	name string
	b    []byte
}

func (s bytesSource) URI() string { return s.name }
func (s bytesSource) Open(context.Context) (io.ReadCloser, int64, error) {
	return io.NopCloser(bytes.NewReader(s.b)), int64(len(s.b)), nil
}

func digest(t *testing.T, b []byte) string {
	t.Helper()
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func focusWant(src v1alpha1.Source) []v1alpha1.SpendRecord {
	srcs := []v1alpha1.Source{src}
	return []v1alpha1.SpendRecord{
		{
			Space: "team-a", Period: "2026-10", Currency: "USD",
			BilledCost: "5", EffectiveCost: "5", ListCost: "5", ContractedCost: "5", Rows: 1,
			CostByService: []v1alpha1.ServiceCost{{Service: "Amazon Elastic Compute Cloud", BilledCost: "5", EffectiveCost: "5"}},
			CostByDay:     []v1alpha1.DayCost{{Day: "2026-10-31", BilledCost: "5", EffectiveCost: "5"}},
			ResourceIDs:   []string{"i-0a"}, ResourceCount: 1,
			CostByResource:         []v1alpha1.ResourceCost{{ResourceID: "i-0a", BilledCost: "5", EffectiveCost: "5"}},
			FirstChargePeriodStart: "2026-10-31T00:00:00Z", LastChargePeriodEnd: "2026-10-31T01:00:00Z",
			Sources: srcs,
		},
		{
			Space: "team-a", Period: "2026-11", Currency: "USD",
			BilledCost: "13.3333333334333", EffectiveCost: "10.8333333334333", ListCost: "18.0000000001", ContractedCost: "13.3333333334333", Rows: 4,
			CostByService: []v1alpha1.ServiceCost{
				{Service: "Amazon Elastic Compute Cloud", BilledCost: "13.3333333333333", EffectiveCost: "10.8333333333333"},
				{Service: "Amazon Simple Storage Service", BilledCost: "0.0000000001", EffectiveCost: "0.0000000001"},
			},
			CostByDay: []v1alpha1.DayCost{
				{Day: "2026-11-01", BilledCost: "12.5", EffectiveCost: "10"},
				{Day: "2026-11-02", BilledCost: "0.8333333334333", EffectiveCost: "0.8333333334333"},
			},
			ResourceIDs: []string{"bucket-a", "i-0a", "i-0b"}, ResourceCount: 3,
			// i-0a: 12.50 billed (10.00 effective) and a -2.50 credit.
			CostByResource: []v1alpha1.ResourceCost{
				{ResourceID: "bucket-a", BilledCost: "0.0000000001", EffectiveCost: "0.0000000001"},
				{ResourceID: "i-0a", BilledCost: "10", EffectiveCost: "7.5"},
				{ResourceID: "i-0b", BilledCost: "3.3333333333333", EffectiveCost: "3.3333333333333"},
			},
			FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-11-03T00:00:00Z",
			Sources: srcs,
		},
		{
			Space: "team-b", Period: "2026-11", Currency: "USD",
			BilledCost: "100", EffectiveCost: "90", ListCost: "120", ContractedCost: "100", Rows: 1,
			CostByService: []v1alpha1.ServiceCost{{Service: "Amazon Relational Database Service", BilledCost: "100", EffectiveCost: "90"}},
			CostByDay:     []v1alpha1.DayCost{{Day: "2026-11-02", BilledCost: "100", EffectiveCost: "90"}},
			ResourceIDs:   []string{"db-1"}, ResourceCount: 1,
			CostByResource:         []v1alpha1.ResourceCost{{ResourceID: "db-1", BilledCost: "100", EffectiveCost: "90"}},
			FirstChargePeriodStart: "2026-11-02T00:00:00Z", LastChargePeriodEnd: "2026-11-03T00:00:00Z",
			Sources: srcs,
		},
		{
			Account: "222222222222", Period: "2026-11", Currency: "USD",
			BilledCost: "9.25", EffectiveCost: "9.25", ListCost: "9.25", ContractedCost: "9.25", Rows: 2,
			CostByService: []v1alpha1.ServiceCost{
				{Service: "Amazon Elastic Compute Cloud", BilledCost: "2", EffectiveCost: "2"},
				{Service: "Amazon Virtual Private Cloud", BilledCost: "7.25", EffectiveCost: "7.25"},
			},
			CostByDay:   []v1alpha1.DayCost{{Day: "2026-11-01", BilledCost: "9.25", EffectiveCost: "9.25"}},
			ResourceIDs: []string{"i-0c", "nat-1"}, ResourceCount: 2,
			CostByResource: []v1alpha1.ResourceCost{
				{ResourceID: "i-0c", BilledCost: "2", EffectiveCost: "2"},
				{ResourceID: "nat-1", BilledCost: "7.25", EffectiveCost: "7.25"},
			},
			FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-11-01T01:00:00Z",
			Sources: srcs,
		},
		{
			Account: "333333333333", Period: "2026-11", Currency: "USD",
			BilledCost: "1", EffectiveCost: "1", ListCost: "1", ContractedCost: "1", Rows: 1,
			CostByService:          []v1alpha1.ServiceCost{{Service: "Tax", BilledCost: "1", EffectiveCost: "1"}},
			CostByDay:              []v1alpha1.DayCost{{Day: "2026-11-01", BilledCost: "1", EffectiveCost: "1"}},
			FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-12-01T00:00:00Z",
			Sources: srcs,
		},
	}
}

func TestIngestFOCUS(t *testing.T) {
	plain := readFile(t, "testdata/focus-1.2.csv")
	gz := gzipBytes(t, plain)
	crlf := bytes.ReplaceAll(plain, []byte("\n"), []byte("\r\n"))
	bom := append([]byte("\ufeff"), plain...)

	type args struct {
		src  Source
		opts Options
	}
	type want struct {
		records []v1alpha1.SpendRecord
		custom  []string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"PlainCSV": {
			reason: "A FOCUS CSV aggregates per space and period, with untagged and badly tagged rows unattributed per sub account.",
			args:   args{src: FileSource{Path: "testdata/focus-1.2.csv"}},
			want: want{
				records: focusWant(v1alpha1.Source{URI: "testdata/focus-1.2.csv", Format: "focus", SHA256: digest(t, plain)}),
				custom:  []string{"x_Discounts"},
			},
		},
		"GzipCSV": {
			reason: "A gzip-compressed CSV gives the same records; the digest is of the compressed bytes.",
			args:   args{src: bytesSource{name: "focus.csv.gz", b: gz}},
			want: want{
				records: focusWant(v1alpha1.Source{URI: "focus.csv.gz", Format: "focus", SHA256: digest(t, gz)}),
				custom:  []string{"x_Discounts"},
			},
		},
		"CRLFAndBOM": {
			reason: "CRLF line ends and a UTF-8 byte order mark are tolerated.",
			args:   args{src: bytesSource{name: "crlf.csv", b: append([]byte("\ufeff"), crlf...)}},
			want: want{
				records: focusWant(v1alpha1.Source{URI: "crlf.csv", Format: "focus", SHA256: digest(t, append([]byte("\ufeff"), crlf...))}),
				custom:  []string{"x_Discounts"},
			},
		},
		"ExplicitFormatOneWorker": {
			reason: "The result does not depend on the number of workers.",
			args:   args{src: bytesSource{name: "bom.csv", b: bom}, opts: Options{Format: FormatFOCUS, Workers: 1}},
			want: want{
				records: focusWant(v1alpha1.Source{URI: "bom.csv", Format: "focus", SHA256: digest(t, bom)}),
				custom:  []string{"x_Discounts"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{tc.args.src}, tc.args.opts)
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): unexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.records, res.Records); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want records, +got records:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.custom, res.Files[0].Custom); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want custom columns, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

const focusHeader = "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,ListCost,ProviderName,ResourceId,ServiceName,SubAccountId,Tags\n"

// focusRow returns a valid row whose cells can be overridden by column
// index.
func focusRow(over map[int]string) string {
	cells := []string{"1.5", "111", "USD", "2026-12-01T00:00:00Z", "2026-11-01T00:00:00Z", "Usage", "2026-11-01T01:00:00Z", "2026-11-01T00:00:00Z", "1.5", "1.5", "1.5", "AWS", "i-1", "EC2", "222", `"{""cloudspace"":""team-a""}"`}
	for i, v := range over {
		cells[i] = v
	}
	return strings.Join(cells, ",") + "\n"
}

func TestIngestBadInput(t *testing.T) {
	good := focusRow(nil)
	type args struct {
		data      []byte
		maxErrors int64
	}
	type want struct {
		rows   []*RowError // nil when err is a reading error
		err    string      // substring of the error
		billed string      // billed cost of team-a when accepted
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"WrongColumnCount": {
			reason: "A row with too few columns is reported with its line.",
			args:   args{data: []byte(focusHeader + good + "1,2,3\n")},
			want:   want{rows: []*RowError{{File: "f.csv", Line: 3, RowGroup: -1, Message: "has 3 columns, want 16"}}},
		},
		"NonNumericCost": {
			reason: "A non-numeric cost is reported with line and column.",
			args:   args{data: []byte(focusHeader + good + focusRow(map[int]string{0: "abc"}))},
			want:   want{rows: []*RowError{{File: "f.csv", Line: 3, RowGroup: -1, Column: "BilledCost", Message: `column "BilledCost": value "abc": not a decimal number`}}},
		},
		"NonFiniteCost": {
			reason: "NaN is not money.",
			args:   args{data: []byte(focusHeader + focusRow(map[int]string{9: "NaN"}))},
			want:   want{rows: []*RowError{{File: "f.csv", Line: 2, RowGroup: -1, Column: "EffectiveCost", Message: `column "EffectiveCost": value "NaN": not a finite number`}}},
		},
		"NullBilledCost": {
			reason: "BilledCost must not be null.",
			args:   args{data: []byte(focusHeader + focusRow(map[int]string{0: "NULL"}))},
			want:   want{rows: []*RowError{{File: "f.csv", Line: 2, RowGroup: -1, Column: "BilledCost", Message: `column "BilledCost": value "NULL": must not be null`}}},
		},
		"BadTimestamp": {
			reason: "A bad timestamp is reported with its column.",
			args:   args{data: []byte(focusHeader + focusRow(map[int]string{7: "2026-13-01T00:00:00Z"}))},
			want:   want{rows: []*RowError{{File: "f.csv", Line: 2, RowGroup: -1, Column: "ChargePeriodStart", Message: `column "ChargePeriodStart": value "2026-13-01T00:00:00Z": not an ISO 8601 timestamp`}}},
		},
		"InvalidTagsJSON": {
			reason: "Tags that are not a JSON object are reported.",
			args:   args{data: []byte(focusHeader + focusRow(map[int]string{15: `"{""cloudspace"":}"`}))},
			want:   want{rows: []*RowError{{File: "f.csv", Line: 2, RowGroup: -1, Column: "Tags", Message: `column "Tags": value "{\"cloudspace\":}": not a JSON object`}}},
		},
		"UnterminatedQuote": {
			reason: "An unterminated quoted cell at the end of the file is reported.",
			args:   args{data: []byte(focusHeader + good + `1,"abc`)},
			want:   want{rows: []*RowError{{File: "f.csv", Line: 3, RowGroup: -1, Column: "BillingAccountId", Message: `column "BillingAccountId": quoted cell is not terminated`}}},
		},
		"MissingMandatoryColumns": {
			reason: "A header without mandatory columns rejects the file naming every missing one.",
			args:   args{data: []byte("BilledCost,BillingCurrency,Tags\n1,USD,{}\n")},
			want:   want{err: `cannot ingest "f.csv": cannot map columns: missing mandatory focus column(s) "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart"`},
		},
		"MissingTags": {
			reason: "Tags are mandatory: without them nothing can be attributed.",
			args:   args{data: []byte("BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,BillingPeriodStart\n1,1,USD,2026-11-01,2026-11-02,2026-11-01\n")},
			want:   want{err: `cannot ingest "f.csv": cannot map columns: missing mandatory focus column(s) "Tags"`},
		},
		"MissingCURTags": {
			reason: "A CUR needs resource_tags or the tag's own column.",
			args:   args{data: []byte("line_item_unblended_cost,line_item_currency_code,line_item_usage_start_date,line_item_usage_end_date,bill_billing_period_start_date\n1,USD,2026-11-01,2026-11-02,2026-11-01\n")},
			want:   want{err: `cannot ingest "f.csv": cannot map columns: missing mandatory cur column(s) "resource_tags" or "resourceTags/user:cloudspace"`},
		},
		"UnknownFormat": {
			reason: "A CSV that is neither FOCUS nor CUR is rejected.",
			args:   args{data: []byte("a,b\n1,2\n")},
			want:   want{err: "cannot detect format"},
		},
		"TruncatedGzip": {
			reason: "A truncated gzip stream rejects the file.",
			args:   args{data: func() []byte { b := gzipBytes(t, []byte(focusHeader+good+good)); return b[:len(b)-12] }()},
			want:   want{err: "unexpected EOF"},
		},
		"ToleratedByMaxErrors": {
			reason: "Bad rows up to --max-errors are skipped and the rest is summed.",
			args:   args{data: []byte(focusHeader + good + focusRow(map[int]string{0: "x"}) + good), maxErrors: 1},
			want:   want{billed: "3", rows: []*RowError{{File: "f.csv", Line: 3, RowGroup: -1, Column: "BilledCost", Message: `column "BilledCost": value "x": not a decimal number`}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: tc.args.data}}, Options{MaxErrors: tc.args.maxErrors})
			if tc.want.billed != "" {
				if err != nil {
					t.Fatalf("\n%s\nIngest(...): unexpected error: %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.want.billed, res.Records[0].BilledCost); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want billed, +got:\n%s", tc.reason, diff)
				}
				if diff := cmp.Diff(tc.want.rows, res.Files[0].Warnings); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want warnings, +got:\n%s", tc.reason, diff)
				}
				return
			}
			if res != nil && res.Records != nil {
				t.Errorf("\n%s\nIngest(...): want no records from a rejected file, got %d", tc.reason, len(res.Records))
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("\n%s\nIngest(...): want *FileError, got %T %v", tc.reason, err, err)
			}
			if tc.want.err != "" {
				if !strings.Contains(err.Error(), tc.want.err) {
					t.Errorf("\n%s\nIngest(...): want error containing %q, got %q", tc.reason, tc.want.err, err)
				}
				return
			}
			if diff := cmp.Diff(tc.want.rows, fe.Rows); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want row errors, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIngestMixedCurrency(t *testing.T) {
	usd := focusHeader + focusRow(nil)
	eur := focusRow(map[int]string{2: "EUR"})
	cases := map[string]struct {
		reason string
		srcs   []Source
		want   string
	}{
		"OneFile": {
			reason: "The error names the first row of each currency.",
			srcs:   []Source{bytesSource{name: "f.csv", b: []byte(usd + focusRow(nil) + eur + eur)}},
			want:   `cannot aggregate spend: space "team-a" period 2026-11 mixes currencies "EUR" (first at "f.csv" line 4 column "BillingCurrency") and "USD" (first at "f.csv" line 2 column "BillingCurrency")`,
		},
		"TwoFiles": {
			reason: "Across files, the error names the file of each currency.",
			srcs:   []Source{bytesSource{name: "a.csv", b: []byte(usd)}, bytesSource{name: "b.csv", b: []byte(focusHeader + focusRow(nil) + eur)}},
			want:   `cannot aggregate spend: space "team-a" period 2026-11 mixes currencies "EUR" (first at "b.csv" line 3 column "BillingCurrency") and "USD" (first at "a.csv" line 2 column "BillingCurrency")`,
		},
		"Parquet": {
			reason: "In Parquet, the error names the row group and row.",
			srcs:   []Source{bytesSource{name: "f.parquet", b: focusFixtureAsParquet(t)}, bytesSource{name: "f.csv", b: []byte(focusHeader + focusRow(map[int]string{2: "EUR", 4: "2026-10-01T00:00:00Z", 7: "2026-10-05T00:00:00Z", 6: "2026-10-05T01:00:00Z"}))}},
			want:   `cannot aggregate spend: space "team-a" period 2026-10 mixes currencies "EUR" (first at "f.csv" line 2 column "BillingCurrency") and "USD" (first at "f.parquet" row group 1 row 3 column "BillingCurrency")`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Ingest(t.Context(), tc.srcs, Options{Workers: 2})
			if diff := cmp.Diff(tc.want, errString(err)); diff != "" {
				t.Errorf("\n%s\nIngest(...): mixed currencies must be an error: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIngestMixedCurrencyBlocks(t *testing.T) {
	// The workers share the file's groups and take its blocks in any
	// order: the first row of each currency is still the first in the file.
	var b strings.Builder
	b.WriteString(focusHeader)
	for i := range 600 {
		cur := "USD"
		if i >= 250 && i%2 == 0 {
			cur = "EUR"
		}
		b.WriteString(focusRow(map[int]string{2: cur}))
	}
	src := bytesSource{name: "f.csv", b: []byte(b.String())}
	old := blockSize
	t.Cleanup(func() { blockSize = old })
	blockSize = 512
	want := `cannot aggregate spend: space "team-a" period 2026-11 mixes currencies "EUR" (first at "f.csv" line 252 column "BillingCurrency") and "USD" (first at "f.csv" line 2 column "BillingCurrency")`
	for range 10 {
		_, err := Ingest(t.Context(), []Source{src}, Options{Workers: 3})
		if diff := cmp.Diff(want, errString(err)); diff != "" {
			t.Fatalf("Ingest(...): the first row of each currency, whatever block a worker read first: -want, +got:\n%s", diff)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestIngestRejectsAllOnOneBadFile(t *testing.T) {
	good := bytesSource{name: "good.csv", b: []byte(focusHeader + focusRow(nil))}
	bad := bytesSource{name: "bad.csv", b: []byte(focusHeader + focusRow(map[int]string{0: "x"}))}
	res, err := Ingest(t.Context(), []Source{good, bad}, Options{})
	if err == nil {
		t.Fatal("Ingest(...): want an error when one file is bad")
	}
	if res.Records != nil {
		t.Errorf("Ingest(...): want no records at all when one file is rejected, got %d", len(res.Records))
	}
	if diff := cmp.Diff([]int64{1, 0}, []int64{res.Files[0].Rows, res.Files[1].Rows}); diff != "" {
		t.Errorf("Ingest(...): -want rows per file, +got:\n%s", diff)
	}
}

func TestIngestChunking(t *testing.T) {
	// Many rows with quoted cells holding newlines and commas, read in tiny
	// blocks, must give the same result as one block and one worker.
	var b strings.Builder
	b.WriteString(focusHeader)
	for i := range 2000 {
		space := []string{"team-a", "team-b", "team-c"}[i%3]
		tags := `"{""cloudspace"":""` + space + `"",""note"":""one, two""}"`
		b.WriteString(focusRow(map[int]string{0: "0.0100000001", 11: "\"A,W\nS\"", 12: "i-" + space + string(rune('a'+i%7)), 15: tags}))
	}
	data := []byte(b.String())
	old := blockSize
	t.Cleanup(func() { blockSize = old })

	blockSize = 1 << 20
	want, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: data}}, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	blockSize = 512
	got, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: data}}, Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Records, got.Records); diff != "" {
		t.Errorf("Ingest(...): small blocks and many workers changed the result: -want, +got:\n%s", diff)
	}
	if got.Records[0].Rows != 667 || got.Records[0].BilledCost != "6.6700000667" {
		t.Errorf("Ingest(...): team-a want 667 rows billed 6.6700000667, got %d rows billed %s", got.Records[0].Rows, got.Records[0].BilledCost)
	}
}

func TestIngestCUR(t *testing.T) {
	cur2 := readFile(t, "testdata/cur-2.0.csv")
	legacy := readFile(t, "testdata/cur-legacy.csv")
	cases := map[string]struct {
		reason string
		file   string
		want   []v1alpha1.SpendRecord
	}{
		"CUR2": {
			reason: "CUR 2.0 attributes by user:/user_ keys in resource_tags and derives effective cost from commitment columns.",
			file:   "testdata/cur-2.0.csv",
			want: []v1alpha1.SpendRecord{
				{
					Space: "team-a", Period: "2026-11", Currency: "USD",
					BilledCost: "0.096", EffectiveCost: "0.156", ListCost: "0.192", Rows: 3,
					CostByService: []v1alpha1.ServiceCost{{Service: "AmazonEC2", BilledCost: "0.096", EffectiveCost: "0.156"}},
					CostByDay:     []v1alpha1.DayCost{{Day: "2026-11-01", BilledCost: "0.096", EffectiveCost: "0.156"}},
					ResourceIDs:   []string{"arn:aws:ec2:eu-west-1:222222222222:instance/i-0a"}, ResourceCount: 1,
					CostByResource:         []v1alpha1.ResourceCost{{ResourceID: "arn:aws:ec2:eu-west-1:222222222222:instance/i-0a", BilledCost: "0.096", EffectiveCost: "0.156"}},
					FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-11-01T02:00:00Z",
					Sources: []v1alpha1.Source{{URI: "testdata/cur-2.0.csv", Format: "cur", SHA256: digest(t, cur2)}},
				},
				{
					Space: "team-b", Period: "2026-11", Currency: "USD",
					BilledCost: "0", EffectiveCost: "0.3", ListCost: "0.5", Rows: 1,
					CostByService: []v1alpha1.ServiceCost{{Service: "AmazonRDS", BilledCost: "0", EffectiveCost: "0.3"}},
					CostByDay:     []v1alpha1.DayCost{{Day: "2026-11-02", BilledCost: "0", EffectiveCost: "0.3"}},
					ResourceIDs:   []string{"arn:aws:rds:eu-west-1:333333333333:db:db-1"}, ResourceCount: 1,
					CostByResource:         []v1alpha1.ResourceCost{{ResourceID: "arn:aws:rds:eu-west-1:333333333333:db:db-1", BilledCost: "0", EffectiveCost: "0.3"}},
					FirstChargePeriodStart: "2026-11-02T00:00:00Z", LastChargePeriodEnd: "2026-11-02T01:00:00Z",
					Sources: []v1alpha1.Source{{URI: "testdata/cur-2.0.csv", Format: "cur", SHA256: digest(t, cur2)}},
				},
				{
					// Tax has no public cost: its list cost is its billed cost.
					Account: "333333333333", Period: "2026-11", Currency: "USD",
					BilledCost: "0.08", EffectiveCost: "0.08", ListCost: "0.08", Rows: 1,
					CostByService:          []v1alpha1.ServiceCost{{Service: "AmazonRDS", BilledCost: "0.08", EffectiveCost: "0.08"}},
					CostByDay:              []v1alpha1.DayCost{{Day: "2026-11-01", BilledCost: "0.08", EffectiveCost: "0.08"}},
					FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-12-01T00:00:00Z",
					Sources: []v1alpha1.Source{{URI: "testdata/cur-2.0.csv", Format: "cur", SHA256: digest(t, cur2)}},
				},
			},
		},
		"Legacy": {
			reason: "Legacy CUR maps lineItem/... columns and attributes by the resourceTags/user:<key> column.",
			file:   "testdata/cur-legacy.csv",
			want: []v1alpha1.SpendRecord{
				{
					Space: "team-a", Period: "2026-11", Currency: "USD",
					BilledCost: "0.119", EffectiveCost: "0.119", ListCost: "0.119", Rows: 2,
					CostByService: []v1alpha1.ServiceCost{
						{Service: "Amazon Elastic Compute Cloud", BilledCost: "0.096", EffectiveCost: "0.096"},
						{Service: "Amazon Simple Storage Service", BilledCost: "0.023", EffectiveCost: "0.023"},
					},
					CostByDay:   []v1alpha1.DayCost{{Day: "2026-11-01", BilledCost: "0.119", EffectiveCost: "0.119"}},
					ResourceIDs: []string{"bucket-a", "i-0a"}, ResourceCount: 2,
					CostByResource: []v1alpha1.ResourceCost{
						{ResourceID: "bucket-a", BilledCost: "0.023", EffectiveCost: "0.023"},
						{ResourceID: "i-0a", BilledCost: "0.096", EffectiveCost: "0.096"},
					},
					FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-11-01T02:00:00Z",
					Sources: []v1alpha1.Source{{URI: "testdata/cur-legacy.csv", Format: "cur", SHA256: digest(t, legacy)}},
				},
				{
					Account: "333333333333", Period: "2026-11", Currency: "USD",
					BilledCost: "1.5", EffectiveCost: "1.5", ListCost: "1.5", Rows: 1,
					CostByService: []v1alpha1.ServiceCost{{Service: "Amazon Elastic Compute Cloud", BilledCost: "1.5", EffectiveCost: "1.5"}},
					CostByDay:     []v1alpha1.DayCost{{Day: "2026-11-02", BilledCost: "1.5", EffectiveCost: "1.5"}},
					ResourceIDs:   []string{"i-0z"}, ResourceCount: 1,
					CostByResource:         []v1alpha1.ResourceCost{{ResourceID: "i-0z", BilledCost: "1.5", EffectiveCost: "1.5"}},
					FirstChargePeriodStart: "2026-11-02T00:00:00Z", LastChargePeriodEnd: "2026-11-02T01:00:00Z",
					Sources: []v1alpha1.Source{{URI: "testdata/cur-legacy.csv", Format: "cur", SHA256: digest(t, legacy)}},
				},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{FileSource{Path: tc.file}}, Options{})
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): unexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, res.Records, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestIngestMultipleFilesSameResult(t *testing.T) {
	// Re-ingesting must give identical records, and two files of one period
	// are summed into one record listing both sources.
	// The files differ (by a resource ID): the same content twice is one
	// source (TestIngestDuplicateSources).
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	b := filepath.Join(dir, "b.csv")
	for _, p := range []string{a, b} {
		data := []byte(focusHeader + focusRow(map[int]string{12: filepath.Base(p)})) // 12 is ResourceId.
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	first, err := Ingest(t.Context(), []Source{FileSource{Path: a}, FileSource{Path: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Ingest(t.Context(), []Source{FileSource{Path: b}, FileSource{Path: a}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.Records, again.Records); diff != "" {
		t.Errorf("Ingest(...): re-ingesting changed the records: -first, +again:\n%s", diff)
	}
	if got := first.Records[0]; got.BilledCost != "3" || len(got.Sources) != 2 {
		t.Errorf("Ingest(...): want billed 3 from 2 sources, got %s from %d", got.BilledCost, len(got.Sources))
	}
}

func TestIngestNoDigest(t *testing.T) {
	src := bytesSource{name: "f.csv", b: []byte(focusHeader + focusRow(nil))}
	res, err := Ingest(t.Context(), []Source{src}, Options{NoDigest: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []v1alpha1.Source{{URI: "f.csv", Format: "focus"}}
	if diff := cmp.Diff(want, res.Records[0].Sources); diff != "" {
		t.Errorf("Ingest(NoDigest): -want sources without digest, +got:\n%s", diff)
	}
}

func TestIngestPeriodAsWritten(t *testing.T) {
	// A billing period that starts at midnight in Paris is November, though
	// it is still 31 October in UTC.
	row := focusRow(map[int]string{4: "2026-11-01T00:00:00+01:00"})
	res, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: []byte(focusHeader + row)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("2026-11", res.Records[0].Period); diff != "" {
		t.Errorf("Ingest(...): -want period, +got:\n%s", diff)
	}
}

func TestIngestRecordTooLong(t *testing.T) {
	// A record longer than the bound rejects the file instead of growing
	// memory without bound.
	data := focusHeader + `1,"` + strings.Repeat("x", 2*maxRecordBytes)
	_, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: []byte(data)}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "record longer than") {
		t.Errorf("Ingest(...): want a record too long error, got %v", err)
	}
}

func TestIngestDaysFarFromPeriod(t *testing.T) {
	// A late credit for June billed in November keeps its own day, and
	// days are merged across workers and files.
	late := focusRow(map[int]string{6: "2026-06-02T00:00:00Z", 7: "2026-06-01T00:00:00Z"})
	// b.csv has the rows of a.csv in another order: the same content twice
	// would be read once.
	a := []byte(focusHeader + late + focusRow(nil) + late)
	b := []byte(focusHeader + late + late + focusRow(nil))
	res, err := Ingest(t.Context(), []Source{bytesSource{name: "a.csv", b: a}, bytesSource{name: "b.csv", b: b}}, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []v1alpha1.DayCost{
		{Day: "2026-06-01", BilledCost: "6", EffectiveCost: "6"},
		{Day: "2026-11-01", BilledCost: "3", EffectiveCost: "3"},
	}
	if diff := cmp.Diff(want, res.Records[0].CostByDay); diff != "" {
		t.Errorf("Ingest(...): -want days, +got:\n%s", diff)
	}
}

func TestIngestCostByResourceBounded(t *testing.T) {
	// 40 resources, i-00 to i-39, resource i-NN billed NN+1 cents on each
	// of 5 rows spread through the file, so that with tiny blocks every
	// worker sees part of every resource and evicts the larger IDs. The
	// record lists the 3 smallest IDs with their whole cost.
	var b strings.Builder
	b.WriteString(focusHeader)
	for round := range 5 {
		for n := range 40 {
			id := fmt.Sprintf("i-%02d", (n*7+round)%40)
			var cents int
			if _, err := fmt.Sscanf(id, "i-%d", &cents); err != nil {
				t.Fatal(err)
			}
			cost := fmt.Sprintf("0.%02d", cents+1)
			b.WriteString(focusRow(map[int]string{0: cost, 9: cost, 12: id}))
		}
	}
	data := []byte(b.String())
	old := blockSize
	t.Cleanup(func() { blockSize = old })
	blockSize = 512
	got, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: data}}, Options{Workers: 3, MaxResourceIDs: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []v1alpha1.ResourceCost{
		{ResourceID: "i-00", BilledCost: "0.05", EffectiveCost: "0.05"},
		{ResourceID: "i-01", BilledCost: "0.1", EffectiveCost: "0.1"},
		{ResourceID: "i-02", BilledCost: "0.15", EffectiveCost: "0.15"},
	}
	if diff := cmp.Diff(want, got.Records[0].CostByResource); diff != "" {
		t.Errorf("Ingest(...): the listed resources carry their whole cost across workers and evictions: -want, +got:\n%s", diff)
	}
	if got.Records[0].ResourceCount != 40 || got.Records[0].ResourceIDsTruncated != 37 {
		t.Errorf("Ingest(...): want 40 resources, 37 unlisted; got %d and %d", got.Records[0].ResourceCount, got.Records[0].ResourceIDsTruncated)
	}
}

func TestIngestDigestXXH64(t *testing.T) {
	b := readFile(t, "testdata/focus-1.2.csv")
	src := bytesSource{name: "focus.csv", b: b}
	res, err := Ingest(t.Context(), []Source{src}, Options{DigestXXH64: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []v1alpha1.Source{{URI: "focus.csv", Format: "focus", XXH64: fmt.Sprintf("%016x", xxhash.Sum64(b))}}
	if diff := cmp.Diff(want, res.Records[0].Sources); diff != "" {
		t.Errorf("Ingest(DigestXXH64): -want sources with the file's xxHash, +got:\n%s", diff)
	}
}

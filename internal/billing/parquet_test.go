package billing

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// focusParquet is a FOCUS row as a Parquet writer types it: money as DOUBLE,
// DECIMAL and STRING, timestamps as TIMESTAMP, tags as a MAP.
type focusParquet struct {
	BilledCost         float64           `parquet:"BilledCost"`
	BillingAccountID   string            `parquet:"BillingAccountId"`
	BillingCurrency    string            `parquet:"BillingCurrency"`
	BillingPeriodEnd   time.Time         `parquet:"BillingPeriodEnd,timestamp(millisecond)"`
	BillingPeriodStart time.Time         `parquet:"BillingPeriodStart,timestamp(millisecond)"`
	ChargeCategory     string            `parquet:"ChargeCategory"`
	ChargePeriodEnd    time.Time         `parquet:"ChargePeriodEnd,timestamp(microsecond)"`
	ChargePeriodStart  time.Time         `parquet:"ChargePeriodStart,timestamp(microsecond)"`
	ContractedCost     *string           `parquet:"ContractedCost,optional"`
	EffectiveCost      int64             `parquet:"EffectiveCost,decimal(13:18)"`
	ListCost           string            `parquet:"ListCost"`
	ProviderName       string            `parquet:"ProviderName"`
	ResourceID         *string           `parquet:"ResourceId,optional"`
	ServiceName        string            `parquet:"ServiceName"`
	SubAccountID       string            `parquet:"SubAccountId"`
	Tags               map[string]string `parquet:"Tags"`
	XDiscounts         *string           `parquet:"x_Discounts,optional"`
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func optional(s string) *string {
	if s == "" || s == "NULL" {
		return nil
	}
	return &s
}

// focusFixtureAsParquet converts testdata/focus-1.2.csv to Parquet.
func focusFixtureAsParquet(t testing.TB) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(readFile(t, "testdata/focus-1.2.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
	}
	var rows []focusParquet
	for _, r := range recs[1:] {
		get := func(n string) string { return r[col[n]] }
		billed, _ := strconv.ParseFloat(get("BilledCost"), 64)
		eff, _ := strconv.ParseFloat(get("EffectiveCost"), 64)
		var tags map[string]string
		if get("Tags") != "NULL" {
			if err := json.Unmarshal([]byte(get("Tags")), &tags); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, focusParquet{
			BilledCost: billed, BillingAccountID: get("BillingAccountId"), BillingCurrency: get("BillingCurrency"),
			BillingPeriodEnd: mustTime(t, get("BillingPeriodEnd")), BillingPeriodStart: mustTime(t, get("BillingPeriodStart")),
			ChargeCategory: get("ChargeCategory"), ChargePeriodEnd: mustTime(t, get("ChargePeriodEnd")), ChargePeriodStart: mustTime(t, get("ChargePeriodStart")),
			ContractedCost: optional(get("ContractedCost")), EffectiveCost: int64(math.Round(eff * 1e13)), ListCost: get("ListCost"),
			ProviderName: get("ProviderName"), ResourceID: optional(get("ResourceId")), ServiceName: get("ServiceName"),
			SubAccountID: get("SubAccountId"), Tags: tags, XDiscounts: optional(get("x_Discounts")),
		})
	}
	var buf bytes.Buffer
	// Small row groups, so the fixture has several.
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(4)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type curParquet struct {
	BillingPeriodStart time.Time         `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	UsageAccountID     string            `parquet:"line_item_usage_account_id"`
	LineItemType       string            `parquet:"line_item_line_item_type"`
	UsageStart         time.Time         `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	UsageEnd           time.Time         `parquet:"line_item_usage_end_date,timestamp(millisecond)"`
	ProductCode        string            `parquet:"line_item_product_code"`
	ResourceID         string            `parquet:"line_item_resource_id"`
	UnblendedCost      float64           `parquet:"line_item_unblended_cost"`
	Currency           string            `parquet:"line_item_currency_code"`
	PublicOnDemand     *float64          `parquet:"pricing_public_on_demand_cost,optional"`
	ResourceTags       map[string]string `parquet:"resource_tags"`
	SPEffective        *float64          `parquet:"savings_plan_savings_plan_effective_cost,optional"`
}

func TestIngestParquet(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	nov := mustTime(t, "2026-11-01T00:00:00Z")
	hour := func(h int) time.Time { return nov.Add(time.Duration(h) * time.Hour) }
	var cur bytes.Buffer
	if err := parquet.Write(&cur, []curParquet{
		{nov, "222", "Usage", hour(0), hour(1), "AmazonEC2", "i-0a", 0.096, "USD", f(0.096), map[string]string{"user_cloudspace": "team-a", "user_env": "prod"}, nil},
		{nov, "222", "SavingsPlanCoveredUsage", hour(1), hour(2), "AmazonEC2", "i-0a", 0.096, "USD", f(0.096), map[string]string{"aws:createdBy": "x", "user:cloudspace": "team-a"}, f(0.06)},
		{nov, "333", "Tax", hour(0), hour(720), "AmazonRDS", "", 0.08, "USD", nil, nil, nil},
	}); err != nil {
		t.Fatal(err)
	}
	focusWantRecords := focusWant(v1alpha1.Source{})

	type want struct {
		billed  []string
		records any
		err     string
	}
	cases := map[string]struct {
		reason string
		data   []byte
		want   want
	}{
		"FOCUS": {
			reason: "A FOCUS Parquet file with DOUBLE, DECIMAL and STRING money, TIMESTAMP columns and a MAP of tags gives the same records as its CSV.",
			data:   focusFixtureAsParquet(t),
			want:   want{records: focusWantRecords},
		},
		"CUR2": {
			reason: "A CUR 2.0 Parquet file attributes by the resource_tags map.",
			data:   cur.Bytes(),
			want:   want{billed: []string{"team-a 0.192 0.156", " 0.08 0.08"}},
		},
		"Truncated": {
			reason: "A truncated Parquet file is rejected.",
			data:   focusFixtureAsParquet(t)[:300],
			want:   want{err: "cannot open Parquet"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{bytesSource{name: "f.parquet", b: tc.data}}, Options{})
			if tc.want.err != "" {
				var fe *FileError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want.err) {
					t.Fatalf("\n%s\nIngest(...): want *FileError containing %q, got %v", tc.reason, tc.want.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			if tc.want.records != nil {
				if diff := cmp.Diff(tc.want.records, res.Records, cmpopts.IgnoreFields(v1alpha1.SpendRecord{}, "Sources")); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want, +got:\n%s", tc.reason, diff)
				}
				if diff := cmp.Diff([]string{"x_Discounts"}, res.Files[0].Custom); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want custom columns, +got:\n%s", tc.reason, diff)
				}
			}
			if tc.want.billed != nil {
				var got []string
				for _, r := range res.Records {
					got = append(got, r.Space+" "+r.BilledCost+" "+r.EffectiveCost)
				}
				if diff := cmp.Diff(tc.want.billed, got); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want, +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

func TestIngestParquetCorruptNoPanic(t *testing.T) {
	data := focusFixtureAsParquet(t)
	// Flip bytes all over the file: each must be an error or a result,
	// never a panic.
	for i := 4; i < len(data)-8; i += max(1, len(data)/150) {
		b := bytes.Clone(data)
		b[i] ^= 0xff
		_, _ = Ingest(t.Context(), []Source{bytesSource{name: "f.parquet", b: b}}, Options{})
	}
}

// FuzzIngestParquet feeds mutated Parquet files to the reader: each must be
// read or rejected, never panic. Regenerate the checked-in seed with
// BILLING_WRITE_SEEDS=1 go test -run TestWriteParquetSeed.
func FuzzIngestParquet(f *testing.F) {
	f.Add(focusFixtureAsParquet(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Ingest(context.Background(), []Source{bytesSource{name: "f.parquet", b: data}}, Options{MaxErrors: 1 << 30})
		if err == nil && res.Records == nil && res.Files[0].Rows > 0 {
			t.Errorf("Ingest(...): %d rows read but no records", res.Files[0].Rows)
		}
	})
}

func TestWriteParquetSeed(t *testing.T) {
	if os.Getenv("BILLING_WRITE_SEEDS") == "" {
		t.Skip("set BILLING_WRITE_SEEDS=1 to regenerate")
	}
	b := focusFixtureAsParquet(t)
	dir := filepath.Join("testdata", "fuzz", "FuzzIngestParquet")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
	if err := os.WriteFile(filepath.Join(dir, "seed-focus"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

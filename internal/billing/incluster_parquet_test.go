package billing

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// splitParquet is a row of CUR 2.0 with split cost allocation data as Data
// Exports writes Parquet: money and usage DOUBLE, timestamps TIMESTAMP, the
// tags and product MAPs, split columns null on the rows that are not split.
type splitParquet struct {
	BillingPeriodStart time.Time         `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	PayerAccountID     string            `parquet:"bill_payer_account_id"`
	UsageAccountID     string            `parquet:"line_item_usage_account_id"`
	LineItemType       string            `parquet:"line_item_line_item_type"`
	UsageStart         time.Time         `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	UsageEnd           time.Time         `parquet:"line_item_usage_end_date,timestamp(millisecond)"`
	ProductCode        string            `parquet:"line_item_product_code"`
	UsageType          string            `parquet:"line_item_usage_type"`
	ResourceID         string            `parquet:"line_item_resource_id"`
	UnblendedCost      float64           `parquet:"line_item_unblended_cost"`
	Currency           string            `parquet:"line_item_currency_code"`
	PublicOnDemand     float64           `parquet:"pricing_public_on_demand_cost"`
	Product            map[string]string `parquet:"product"`
	ResourceTags       map[string]string `parquet:"resource_tags"`
	Parent             *string           `parquet:"split_line_item_parent_resource_id,optional"`
	ReservedUsage      *float64          `parquet:"split_line_item_reserved_usage,optional"`
	ActualUsage        *float64          `parquet:"split_line_item_actual_usage,optional"`
	SplitCost          *float64          `parquet:"split_line_item_split_cost,optional"`
	UnusedCost         *float64          `parquet:"split_line_item_unused_cost,optional"`
	PublicSplitCost    *float64          `parquet:"split_line_item_public_on_demand_split_cost,optional"`
	PublicUnusedCost   *float64          `parquet:"split_line_item_public_on_demand_unused_cost,optional"`
}

// TestSplitCostParquet reads the split cost fixture as Parquet and wants
// the records of the CSV, under every idle policy.
func TestSplitCostParquet(t *testing.T) {
	const file = "testdata/cur-2.0-split.csv"
	recs, err := csv.NewReader(bytes.NewReader(readFile(t, file))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
	}
	var rows []splitParquet
	for _, r := range recs[1:] {
		get := func(n string) string { return r[col[n]] }
		num := func(n string) float64 {
			f, err := strconv.ParseFloat(get(n), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		opt := func(n string) *float64 {
			if get(n) == "" {
				return nil
			}
			f := num(n)
			return &f
		}
		var tags, product map[string]string
		if err := json.Unmarshal([]byte(get("resource_tags")), &tags); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(get("product")), &product); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, splitParquet{
			BillingPeriodStart: mustTime(t, get("bill_billing_period_start_date")), PayerAccountID: get("bill_payer_account_id"),
			UsageAccountID: get("line_item_usage_account_id"), LineItemType: get("line_item_line_item_type"),
			UsageStart: mustTime(t, get("line_item_usage_start_date")), UsageEnd: mustTime(t, get("line_item_usage_end_date")),
			ProductCode: get("line_item_product_code"), UsageType: get("line_item_usage_type"), ResourceID: get("line_item_resource_id"),
			UnblendedCost: num("line_item_unblended_cost"), Currency: get("line_item_currency_code"), PublicOnDemand: num("pricing_public_on_demand_cost"),
			Product: product, ResourceTags: tags, Parent: optional(get("split_line_item_parent_resource_id")),
			ReservedUsage: opt("split_line_item_reserved_usage"), ActualUsage: opt("split_line_item_actual_usage"),
			SplitCost: opt("split_line_item_split_cost"), UnusedCost: opt("split_line_item_unused_cost"),
			PublicSplitCost: opt("split_line_item_public_on_demand_split_cost"), PublicUnusedCost: opt("split_line_item_public_on_demand_unused_cost"),
		})
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(7)); err != nil {
		t.Fatal(err)
	}
	for _, policy := range []string{v1alpha1.IdleNone, v1alpha1.IdleSplit, v1alpha1.IdleRequests, v1alpha1.IdleUsage} {
		o := Options{InCluster: InCluster{Namespaces: map[string]string{"tenant-team-a": "team-a", "tenant-team-b": "team-b"}, IdlePolicy: policy}}
		want, err := Ingest(t.Context(), []Source{FileSource{Path: file}}, o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Ingest(t.Context(), []Source{bytesSource{name: "split.parquet", b: buf.Bytes()}}, o)
		if err != nil {
			t.Fatalf("policy %s: Ingest(Parquet): %v", policy, err)
		}
		if diff := cmp.Diff(want.Records, got.Records, cmpopts.IgnoreFields(v1alpha1.SpendRecord{}, "Sources")); diff != "" {
			t.Errorf("policy %s: Ingest(Parquet): -CSV +Parquet:\n%s", policy, diff)
		}
	}
}

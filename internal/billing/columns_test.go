package billing

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// cur2Parquet is a CUR 2.0 Parquet row without line_item_usage_account_id
// and product_product_name: the product name is in the product map.
type cur2Parquet struct {
	BillingPeriodStart time.Time         `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	PayerAccountID     string            `parquet:"bill_payer_account_id"`
	UsageStart         time.Time         `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	UsageEnd           time.Time         `parquet:"line_item_usage_end_date,timestamp(millisecond)"`
	UnblendedCost      float64           `parquet:"line_item_unblended_cost"`
	Currency           string            `parquet:"line_item_currency_code"`
	Product            map[string]string `parquet:"product"`
	ResourceTags       map[string]string `parquet:"resource_tags"`
}

// TestIngestOptionalColumns checks that only what attribution needs is
// mandatory: a CUR without the account or product name columns is read,
// the product name comes from the CUR 2.0 product map, and the file's
// figures name the optional columns present and absent.
func TestIngestOptionalColumns(t *testing.T) {
	nov := mustTime(t, "2026-11-01T00:00:00Z")
	var pq bytes.Buffer
	if err := parquet.Write(&pq, []cur2Parquet{
		{nov, "111", nov, nov.Add(time.Hour), 1.25, "USD", map[string]string{"region": "eu-west-1", "product_name": "Amazon Elastic Compute Cloud"}, map[string]string{"user_cloudspace": "team-a"}},
		{nov, "111", nov, nov.Add(time.Hour), 0.5, "USD", map[string]string{"region": "eu-west-1"}, nil},
	}); err != nil {
		t.Fatal(err)
	}
	type want struct {
		records []string // space/account period billed, then service=billed
		present []string
		absent  []string
	}
	cases := map[string]struct {
		reason string
		name   string
		data   []byte
		want   want
	}{
		"CUR2ProductMap": {
			reason: "A CUR 2.0 CSV without line_item_usage_account_id and product_product_name is read: the service is the product map's product_name, else the product code; unattributed spend goes to the payer.",
			name:   "cur2.csv",
			data: []byte("bill_billing_period_start_date,bill_payer_account_id,line_item_usage_start_date,line_item_usage_end_date,line_item_unblended_cost,line_item_currency_code,line_item_product_code,product,resource_tags\n" +
				`2026-11-01T00:00:00Z,111,2026-11-01T00:00:00Z,2026-11-01T01:00:00Z,1.25,USD,AmazonEC2,"{""product_name"":""Amazon Elastic Compute Cloud"",""region"":""eu-west-1""}","{""user_cloudspace"":""team-a""}"` + "\n" +
				`2026-11-01T00:00:00Z,111,2026-11-01T00:00:00Z,2026-11-01T01:00:00Z,0.5,USD,AmazonS3,"{""region"":""eu-west-1""}",{}` + "\n"),
			want: want{
				records: []string{"team-a/ 2026-11 1.25 Amazon Elastic Compute Cloud=1.25", "/111 2026-11 0.5 AmazonS3=0.5"},
				present: []string{"line_item_product_code", "bill_payer_account_id", "product"},
				absent: []string{"line_item_net_unblended_cost", "pricing_public_on_demand_cost", "line_item_line_item_type", "bill_billing_period_end_date", "bill_billing_entity", "line_item_resource_id", "line_item_usage_account_id",
					"savings_plan_savings_plan_effective_cost", "savings_plan_net_savings_plan_effective_cost", "savings_plan_total_commitment_to_date", "savings_plan_used_commitment",
					"savings_plan_recurring_commitment_for_billing_period", "savings_plan_net_recurring_commitment_for_billing_period",
					"savings_plan_amortized_upfront_commitment_for_billing_period", "savings_plan_net_amortized_upfront_commitment_for_billing_period",
					"reservation_effective_cost", "reservation_net_effective_cost", "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee",
					"reservation_net_unused_amortized_upfront_fee_for_billing_period", "reservation_net_unused_recurring_fee", "reservation_reservation_a_r_n"},
			},
		},
		"CUR2ParquetProductMap": {
			reason: "The same from a CUR 2.0 Parquet file, whose product is a MAP column.",
			name:   "cur2.parquet",
			data:   pq.Bytes(),
			want: want{
				records: []string{"team-a/ 2026-11 1.25 Amazon Elastic Compute Cloud=1.25", "/111 2026-11 0.5 =0.5"},
				present: []string{"bill_payer_account_id", "product"},
			},
		},
		"LegacyWithoutUsageAccount": {
			reason: "A legacy CUR without lineItem/UsageAccountId, product/ProductName or bill/PayerAccountId is read; its unattributed spend has no account.",
			name:   "legacy.csv",
			data: []byte("bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UnblendedCost,lineItem/CurrencyCode,resourceTags/user:cloudspace\n" +
				"2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-01T01:00:00Z,2,USD,team-b\n" +
				"2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-01T01:00:00Z,3,USD,\n"),
			want: want{records: []string{"team-b/ 2026-11 2 =2", "/ 2026-11 3 =3"}},
		},
		"FOCUSMinimal": {
			reason: "A FOCUS file with only the mandatory columns is read; every optional column is named absent.",
			name:   "focus.csv",
			data: []byte("BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,BillingPeriodStart,Tags\n" +
				`4,3,EUR,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,2026-11-01T00:00:00Z,"{""cloudspace"":""team-c""}"` + "\n"),
			want: want{
				records: []string{"team-c/ 2026-11 4 =4"},
				absent:  []string{"ListCost", "ContractedCost", "BillingPeriodEnd", "ChargeCategory", "ServiceName", "ServiceProviderName", "ResourceId", "SubAccountId", "BillingAccountId", "AllocatedTags"},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{bytesSource{name: tc.name, b: tc.data}}, Options{})
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			var got []string
			for _, r := range res.Records {
				s := r.Space + "/" + r.Account + " " + r.Period + " " + r.BilledCost
				for _, c := range r.CostByService {
					s += " " + c.Service + "=" + c.BilledCost
				}
				got = append(got, s)
			}
			if diff := cmp.Diff(tc.want.records, got); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want records, +got:\n%s", tc.reason, diff)
			}
			if tc.want.present != nil {
				if diff := cmp.Diff(tc.want.present, res.Files[0].OptionalColumns); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want optional columns present, +got:\n%s", tc.reason, diff)
				}
			}
			if tc.want.absent != nil {
				if diff := cmp.Diff(tc.want.absent, res.Files[0].MissingOptionalColumns); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want optional columns absent, +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

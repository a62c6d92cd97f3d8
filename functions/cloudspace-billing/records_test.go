package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/function-sdk-go/resource"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

// record is a valid record of space checkout-7x9kq in November 2026.
func record(mod ...func(r *billingv1alpha1.SpendRecord)) *billingv1alpha1.SpendRecord {
	r := &billingv1alpha1.SpendRecord{
		Space:                  "checkout-7x9kq",
		Period:                 "2026-11",
		Currency:               "USD",
		BilledCost:             "570.1234567891",
		EffectiveCost:          "541.62",
		ListCost:               "612",
		Rows:                   14820,
		ResourceIDs:            []string{"arn:aws:kms:eu-west-1:123456789012:key/k1", "bucket-1"},
		ResourceCount:          2,
		FirstChargePeriodStart: "2026-11-01T00:00:00Z",
		LastChargePeriodEnd:    "2026-11-20T00:00:00Z",
	}
	for _, m := range mod {
		m(r)
	}
	return r
}

// stored is r stored as the ingester stores it: the data of an
// EnvironmentConfig.
func stored(t testing.TB, r *billingv1alpha1.SpendRecord) resource.Required {
	t.Helper()
	return resource.Required{Resource: storedObject(r)}
}

// storedObject is r as the ingester stores it: an EnvironmentConfig.
func storedObject(r *billingv1alpha1.SpendRecord) *unstructured.Unstructured {
	data, err := r.Data()
	if err != nil {
		panic(err) // A record of the tests always has data.
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": billingv1alpha1.RecordAPIVersion,
		"kind":       billingv1alpha1.RecordKind,
		"data":       data,
	}}
	u.SetName(r.Name())
	u.SetLabels(r.Labels())
	return u
}

func TestParsePeriod(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    time.Duration
		wantErr bool
	}{
		"November":   {reason: "30 days", in: "2026-11", want: 30 * 24 * time.Hour},
		"December":   {reason: "31 days, ending at the new year", in: "2026-12", want: 31 * 24 * time.Hour},
		"LeapFeb":    {reason: "29 days in a leap year", in: "2028-02", want: 29 * 24 * time.Hour},
		"CenturyFeb": {reason: "2100 is not a leap year", in: "2100-02", want: 28 * 24 * time.Hour},
		"Month13":    {reason: "no 13th month", in: "2026-13", wantErr: true},
		"WithDay":    {reason: "a day is not a period", in: "2026-11-01", wantErr: true},
		"Empty":      {reason: "empty is no period", in: "", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := ParsePeriod(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nParsePeriod(%q): want error %t, got %v", tc.reason, tc.in, tc.wantErr, err)
			}
			if err == nil && p.Length() != tc.want {
				t.Errorf("%s\nParsePeriod(%q).Length(): want %s, got %s", tc.reason, tc.in, tc.want, p.Length())
			}
		})
	}
}

func TestParseSpend(t *testing.T) {
	type want struct {
		from, through string
		billed        string
		errs          []string
	}
	cases := map[string]struct {
		reason string
		record *billingv1alpha1.SpendRecord
		want   want
	}{
		"Valid": {
			reason: "a record as the ingester writes it parses exactly",
			record: record(),
			want:   want{from: "2026-11-01T00:00:00Z", through: "2026-11-20T00:00:00Z", billed: "570.1234567891"},
		},
		"ClampedToPeriod": {
			reason: "charge periods that start before the billing period are clamped to it",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.FirstChargePeriodStart = "2026-10-31T22:00:00Z" }),
			want:   want{from: "2026-11-01T00:00:00Z", through: "2026-11-20T00:00:00Z", billed: "570.1234567891"},
		},
		"OtherTimeZone": {
			reason: "times in another zone are the same instants in UTC",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.LastChargePeriodEnd = "2026-11-20T01:00:00+01:00" }),
			want:   want{from: "2026-11-01T00:00:00Z", through: "2026-11-20T00:00:00Z", billed: "570.1234567891"},
		},
		"NoTimes": {
			reason: "a record may hold no charge period times",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.FirstChargePeriodStart, r.LastChargePeriodEnd = "", "" }),
			want:   want{billed: "570.1234567891"},
		},
		"EveryProblemNamed": {
			reason: "every invalid field is named at once",
			record: record(func(r *billingv1alpha1.SpendRecord) {
				r.Space, r.Currency, r.BilledCost, r.EffectiveCost = "other", "usd", "1e9", "12,50"
				r.ResourceIDs = []string{"b", "a"}
			}),
			want: want{billed: "0", through: "2026-11-20T00:00:00Z", from: "2026-11-01T00:00:00Z", errs: []string{
				`space: Invalid value: "other": must be "checkout-7x9kq", the space the record is labelled with`,
				`currency: Invalid value: "usd": must be an ISO 4217 currency code`,
				`billedCost: Invalid value: "1e9": must be a decimal amount such as 12.34`,
				`effectiveCost: Invalid value: "12,50": must be a decimal amount such as 12.34`,
				`resourceIds: Invalid value: 2: must be sorted`,
			}},
		},
		"EndBeforeStart": {
			reason: "charges cannot end before they start",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.LastChargePeriodEnd = "2026-10-31T00:00:00Z" }),
			want: want{billed: "570.1234567891", errs: []string{
				`lastChargePeriodEnd: Invalid value: "2026-10-31T00:00:00Z": must not be before firstChargePeriodStart`,
			}},
		},
		"OutsidePeriod": {
			reason: "charges wholly outside the billing period are an error",
			record: record(func(r *billingv1alpha1.SpendRecord) {
				r.FirstChargePeriodStart, r.LastChargePeriodEnd = "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"
			}),
			want: want{billed: "570.1234567891", errs: []string{
				`lastChargePeriodEnd: Invalid value: "2026-12-02T00:00:00Z": charges must fall in the billing period 2026-11`,
			}},
		},
		"InvalidBreakdown": {
			reason: "cost by service and by day is read as strictly as the totals",
			record: record(func(r *billingv1alpha1.SpendRecord) {
				r.CostByService = []billingv1alpha1.ServiceCost{{Service: "Amazon EC2", BilledCost: "1e3"}}
				r.CostByDay = []billingv1alpha1.DayCost{{Day: "2026-11-31", BilledCost: "1.00"}, {Day: "2026-11-02", BilledCost: ""}}
			}),
			want: want{from: "2026-11-01T00:00:00Z", through: "2026-11-20T00:00:00Z", billed: "570.1234567891", errs: []string{
				`costByService[0].billedCost: Invalid value: "1e3": must be a decimal amount such as 12.34`,
				`costByDay[0].day: Invalid value: "2026-11-31": must be a YYYY-MM-DD date`,
				`costByDay[1].billedCost: Invalid value: "": must be a decimal amount such as 12.34`,
			}},
		},
		"HalfTimes": {
			reason: "a start without an end is an error",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.LastChargePeriodEnd = "" }),
			want: want{billed: "570.1234567891", errs: []string{
				`firstChargePeriodStart: Required value: must be set together with lastChargePeriodEnd`,
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s, errs := ParseSpend("spend-checkout-7x9kq-2026-11", "checkout-7x9kq", tc.record)
			got := want{billed: s.Billed.String()}
			if !s.Through.IsZero() {
				got.from, got.through = s.From.Format(time.RFC3339), s.Through.Format(time.RFC3339)
			}
			for _, e := range errs {
				got.errs = append(got.errs, e.Error())
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nParseSpend(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestSelectSpend(t *testing.T) {
	type want struct {
		record, reason, message string
	}
	october := record(func(r *billingv1alpha1.SpendRecord) {
		r.Period, r.FirstChargePeriodStart, r.LastChargePeriodEnd = "2026-10", "2026-10-14T09:00:00Z", "2026-11-01T00:00:00Z"
	})
	cases := map[string]struct {
		reason   string
		records  []*billingv1alpha1.SpendRecord
		space    string
		currency string
		raw      []resource.Required
		want     want
	}{
		"None": {
			reason:   "no records is missing data, not an error",
			currency: "USD",
			want:     want{reason: ReasonNoSpendRecords, message: `No spend records of "checkout-7x9kq" yet; the billing ingester writes them once the space's charges are exported`},
		},
		"LatestPeriod": {
			reason:   "the latest period is reported whatever the order Crossplane sends",
			records:  []*billingv1alpha1.SpendRecord{october, record()},
			currency: "USD",
			want:     want{record: "spend-checkout-7x9kq-2026-11"},
		},
		"OtherCurrency": {
			reason:   "a record in another currency than the budget is reported and not counted",
			records:  []*billingv1alpha1.SpendRecord{record(func(r *billingv1alpha1.SpendRecord) { r.Currency = "EUR" })},
			currency: "USD",
			want: want{reason: ReasonCurrencyMismatch,
				message: `Spend record "spend-checkout-7x9kq-2026-11" of 2026-11 is in EUR but the budget is in USD; it is not counted`},
		},
		"InvalidLatest": {
			reason:   "an invalid latest record is reported; an older valid one is not used in its stead",
			records:  []*billingv1alpha1.SpendRecord{october, record(func(r *billingv1alpha1.SpendRecord) { r.BilledCost = "NaN" })},
			currency: "USD",
			want: want{reason: ReasonInvalidSpendRecord,
				message: `Spend record "spend-checkout-7x9kq-2026-11" is invalid: billedCost: Invalid value: "NaN": must be a decimal amount such as 12.34`},
		},
		"BadPeriodSkipped": {
			reason:   "a record whose period cannot be read does not hide a valid one",
			records:  []*billingv1alpha1.SpendRecord{record(), record(func(r *billingv1alpha1.SpendRecord) { r.Period = "9999-99" })},
			currency: "USD",
			want:     want{record: "spend-checkout-7x9kq-2026-11"},
		},
		"NameNotALabel": {
			reason:   "a space whose name cannot be a label value cannot have spend attributed to it",
			space:    "checkout-" + strings.Repeat("x", 60),
			currency: "USD",
			want: want{reason: ReasonSpaceNotAttributable,
				message: `The name "checkout-` + strings.Repeat("x", 60) + `" is not a valid label value, so the billing ingester cannot attribute spend to it`},
		},
		"NoData": {
			reason:   "an EnvironmentConfig without data is invalid",
			raw:      []resource.Required{{Resource: &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "spend-empty"}}}}},
			currency: "USD",
			want:     want{reason: ReasonInvalidSpendRecord, message: `Spend record "spend-empty" is invalid: has no data`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := tc.raw
			for _, r := range tc.records {
				rs = append(rs, stored(t, r))
			}
			space := tc.space
			if space == "" {
				space = "checkout-7x9kq"
			}
			sel := SelectSpend(rs, space, tc.currency)
			got := want{reason: sel.Reason, message: sel.Message}
			if sel.Spend != nil {
				got.record = sel.Spend.Record
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nSelectSpend(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestSelectSpendIngested reads a record as `function-cloudspace-billing
// ingest --dry-run -o json` printed it for a FOCUS export of 20 days at 30
// USD a day (costByDay cut to three days), so that a change to what the
// ingester writes shows up here.
func TestSelectSpendIngested(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "ingested-focus-2026-11.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := &billingv1alpha1.SpendRecord{}
	if err := json.Unmarshal(b, r); err != nil {
		t.Fatal(err)
	}
	sel := SelectSpend([]resource.Required{stored(t, r)}, "checkout-7x9kq", "USD")
	if sel.Spend == nil {
		t.Fatalf("SelectSpend(...): the ingester's record must be accepted: %s", sel.Message)
	}
	f, ok := Forecast(sel.Spend, fnv1alpha1.CostBasisBilled)
	if !ok || !f.Equal(dec("900")) || !sel.Spend.Billed.Equal(dec("600")) {
		t.Errorf("SelectSpend(...): want 600 billed in 20 days, forecast 900; got %s billed, forecast %s (%t)", sel.Spend.Billed, f, ok)
	}
}

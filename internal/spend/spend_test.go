package spend

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// equateDecimals compares decimals by value: 1.50 equals 1.5.
var equateDecimals = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func record() *billingv1alpha1.SpendRecord {
	return &billingv1alpha1.SpendRecord{
		Space: "checkout-7x9kq", Period: "2026-11", Currency: "USD", BilledCost: "90.5",
		CostByDay: []billingv1alpha1.DayCost{
			{Day: "2026-11-01", BilledCost: "30", EffectiveCost: "27"},
			{Day: "2026-11-02", BilledCost: "30.25", EffectiveCost: "27"},
			{Day: "2026-11-03", BilledCost: "30.25", EffectiveCost: "27"},
		},
		CostByService: []billingv1alpha1.ServiceCost{
			{Service: "Amazon Elastic Compute Cloud", BilledCost: "90", EffectiveCost: "80"},
			{Service: "Amazon Simple Storage Service", BilledCost: "0.5", EffectiveCost: "0.5"},
		},
		FirstChargePeriodStart: "2026-10-31T22:00:00Z",
		LastChargePeriodEnd:    "2026-11-04T00:00:00Z",
	}
}

func TestParse(t *testing.T) {
	nov, _ := ParsePeriod("2026-11")
	cases := map[string]struct {
		reason string
		r      func(r *billingv1alpha1.SpendRecord)
		want   *Spend
		err    string
	}{
		"Valid": {
			reason: "Amounts are exact, charge times are clamped to the period.",
			r:      func(*billingv1alpha1.SpendRecord) {},
			want: &Spend{
				Space: "checkout-7x9kq", Period: nov, Currency: "USD", Billed: d("90.5"),
				From: ts("2026-11-01T00:00:00Z"), Through: ts("2026-11-04T00:00:00Z"),
				Days: []DayCost{
					{Date: ts("2026-11-01T00:00:00Z"), Billed: d("30")},
					{Date: ts("2026-11-02T00:00:00Z"), Billed: d("30.25")},
					{Date: ts("2026-11-03T00:00:00Z"), Billed: d("30.25")},
				},
				Services: []ServiceCost{{Service: "Amazon Elastic Compute Cloud", Billed: d("90")}, {Service: "Amazon Simple Storage Service", Billed: d("0.5")}},
			},
		},
		"NoTimes": {
			reason: "A record without charge times has none.",
			r: func(r *billingv1alpha1.SpendRecord) {
				r.FirstChargePeriodStart, r.LastChargePeriodEnd, r.CostByDay, r.CostByService = "", "", nil, nil
			},
			want: &Spend{Space: "checkout-7x9kq", Period: nov, Currency: "USD", Billed: d("90.5")},
		},
		"Invalid": {
			reason: "Every invalid field is named, with its value and the rule.",
			r: func(r *billingv1alpha1.SpendRecord) {
				r.Period, r.Currency, r.BilledCost = "2026-13", "usd", "1e9"
				r.CostByDay[1].Day = "Nov 2"
				r.CostByService[0].BilledCost = "ninety"
				r.LastChargePeriodEnd = "yesterday"
			},
			err: `invalid spend record "spend-checkout-7x9kq-2026-13": [period: Invalid value: "2026-13": must be a YYYY-MM billing period, ` +
				`currency: Invalid value: "usd": must be an ISO 4217 currency code, billedCost: Invalid value: "1e9": must be a decimal amount such as 12.34, ` +
				`lastChargePeriodEnd: Invalid value: "yesterday": must be an RFC 3339 time, firstChargePeriodStart: Required value: must be set together with lastChargePeriodEnd, ` +
				`costByDay[1].day: Invalid value: "Nov 2": must be a YYYY-MM-DD date, costByDay: Invalid value: 3: must be sorted by day, ` +
				`costByService[0].billedCost: Invalid value: "ninety": must be a decimal amount such as 12.34]`,
		},
		"OutsidePeriod": {
			reason: "Charges of another period are refused.",
			r: func(r *billingv1alpha1.SpendRecord) {
				r.FirstChargePeriodStart = "2026-12-01T00:00:00Z"
				r.LastChargePeriodEnd = "2026-12-02T00:00:00Z"
			},
			err: `invalid spend record "spend-checkout-7x9kq-2026-11": lastChargePeriodEnd: Invalid value: "2026-12-02T00:00:00Z": charges must fall in the billing period 2026-11`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := record()
			tc.r(r)
			got, err := Parse(r)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.err, gotErr); diff != "" {
				t.Errorf("\n%s\nParse(): -want error, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want, got, equateDecimals); diff != "" {
				t.Errorf("\n%s\nParse(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestForecast(t *testing.T) {
	end := ts("2026-12-01T00:00:00Z")
	cases := map[string]struct {
		reason        string
		billed        string
		from, through time.Time
		want          string
		ok            bool
	}{
		"TenDays": {
			reason: "Ten days of thirty at 30 a day make 900.",
			billed: "300", from: ts("2026-11-01T00:00:00Z"), through: ts("2026-11-11T00:00:00Z"), want: "900", ok: true,
		},
		"MidMonthStart": {
			reason: "A space created on the 21st is forecast from its first charge: 10 days at 10 a day.",
			billed: "50", from: ts("2026-11-21T00:00:00Z"), through: ts("2026-11-26T00:00:00Z"), want: "100", ok: true,
		},
		"Thirds": {
			reason: "A division keeps twelve fraction digits.",
			billed: "1", from: ts("2026-11-01T00:00:00Z"), through: ts("2026-11-04T00:00:00Z"), want: "10", ok: true,
		},
		"Repeating": {
			reason: "A repeating fraction is rounded to twelve digits.",
			billed: "10", from: ts("2026-11-01T00:00:00Z"), through: ts("2026-11-22T00:00:00Z"), want: "14.285714285714", ok: true,
		},
		"UnderADay": {
			reason: "Less than a day of data makes no forecast.",
			billed: "5", from: ts("2026-11-01T00:00:00Z"), through: ts("2026-11-01T23:00:00Z"), want: "0",
		},
		"NoTimes": {
			reason: "A record without charge times makes no forecast.",
			billed: "5", want: "0",
		},
		"Complete": {
			reason: "A complete month forecasts what was billed.",
			billed: "1234.56", from: ts("2026-11-01T00:00:00Z"), through: end, want: "1234.56", ok: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := Forecast(d(tc.billed), tc.from, tc.through, end)
			if diff := cmp.Diff([]any{tc.want, tc.ok}, []any{got.String(), ok}); diff != "" {
				t.Errorf("\n%s\nForecast(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUntil(t *testing.T) {
	s, err := Parse(record())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason  string
		now     time.Time
		billed  string
		through time.Time
		days    int
	}{
		"AtTheEnd":   {reason: "Now at the end of the data is the whole record.", now: s.Through, billed: "90.5", through: s.Through, days: 3},
		"Later":      {reason: "Now later than the data is the whole record: the data is only old.", now: ts("2026-11-20T00:00:00Z"), billed: "90.5", through: s.Through, days: 3},
		"TwoDays":    {reason: "Now on the 3rd keeps the two days before it.", now: ts("2026-11-03T00:00:00Z"), billed: "60.25", through: ts("2026-11-03T00:00:00Z"), days: 2},
		"MidDay":     {reason: "A day that starts before now counts whole.", now: ts("2026-11-02T12:00:00Z"), billed: "60.25", through: ts("2026-11-02T12:00:00Z"), days: 2},
		"BeforeData": {reason: "Now before the first charge keeps nothing.", now: ts("2026-10-15T00:00:00Z"), billed: "0", through: s.From, days: 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := s.Until(tc.now)
			if diff := cmp.Diff([]any{tc.billed, tc.through, tc.days}, []any{got.Billed.String(), got.Through, len(got.Days)}); diff != "" {
				t.Errorf("\n%s\nUntil(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
	if s.Billed.String() != "90.5" || len(s.Days) != 3 {
		t.Errorf("Until(): changed the record it cut: %v, %d days", s.Billed, len(s.Days))
	}
}

func TestLatest(t *testing.T) {
	oct, _ := ParsePeriod("2026-10")
	nov, _ := ParsePeriod("2026-11")
	rs := []*Spend{
		{Space: "b", Period: oct}, {Space: "a", Period: nov}, {Space: "b", Period: nov}, {Space: "a", Period: oct}, {Period: nov},
	}
	var got []string
	for _, s := range Latest(rs) {
		got = append(got, s.Space+" "+s.Period.Name)
	}
	if diff := cmp.Diff([]string{"a 2026-11", "b 2026-11"}, got); diff != "" {
		t.Errorf("Latest(): -want, +got:\n%s", diff)
	}
}

func TestPeriod(t *testing.T) {
	feb, err := ParsePeriod("2028-02")
	if err != nil {
		t.Fatal(err)
	}
	got := []any{feb.Days(), PeriodOf(ts("2028-02-29T23:59:59Z")).Name, PeriodOf(ts("2028-03-01T00:00:00Z")).Name}
	if diff := cmp.Diff([]any{29, "2028-02", "2028-03"}, got); diff != "" {
		t.Errorf("Period: -want, +got:\n%s", diff)
	}
	if _, err := ParsePeriod("2026-1"); err == nil {
		t.Error(`ParsePeriod("2026-1"): want an error`)
	}
}

func TestSpaceOf(t *testing.T) {
	xr := func(f func(xr *v1alpha1.XCloudSpace)) *v1alpha1.XCloudSpace {
		x := &v1alpha1.XCloudSpace{
			ObjectMeta: metav1.ObjectMeta{Name: "checkout-7x9kq", Labels: map[string]string{LabelClaimName: "checkout", LabelClaimNamespace: "team-payments"}},
			Spec:       v1alpha1.XCloudSpaceSpec{Team: "payments", Budget: v1alpha1.BudgetSpec{MonthlyLimit: "1200.00", Currency: "EUR"}},
			Status: v1alpha1.XCloudSpaceStatus{
				Namespace: "payments-checkout",
				TeamQuota: &v1alpha1.TeamQuotaStatus{MonthlyBudget: &v1alpha1.TeamBudgetStatus{Hard: "5000.00", Used: "1200.00", Remaining: "3800.00", Currency: "EUR"}},
			},
		}
		f(x)
		return x
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XCloudSpace
		want   Space
	}{
		"Claimed": {
			reason: "A claimed space is named by its claim's namespace.",
			xr:     xr(func(*v1alpha1.XCloudSpace) {}),
			want: Space{Name: "checkout-7x9kq", Claim: "checkout", Namespace: "team-payments", Team: "payments", Budget: d("1200"), HasBudget: true, Currency: "EUR",
				TeamBudget: d("5000"), HasTeamBudget: true, TeamCurrency: "EUR"},
		},
		"Unclaimed": {
			reason: "A space without a claim is named by its tenant namespace; the currency defaults to USD; a bad limit is no budget.",
			xr: xr(func(x *v1alpha1.XCloudSpace) {
				x.Labels, x.Spec.Budget, x.Status.TeamQuota = nil, v1alpha1.BudgetSpec{MonthlyLimit: "lots"}, nil
			}),
			want: Space{Name: "checkout-7x9kq", Namespace: "payments-checkout", Team: "payments", Currency: "USD"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, SpaceOf(tc.xr), equateDecimals); diff != "" {
				t.Errorf("\n%s\nSpaceOf(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

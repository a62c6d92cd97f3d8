package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

func TestForecast(t *testing.T) {
	type want struct {
		forecast string
		ok       bool
	}
	cases := map[string]struct {
		reason string
		spend  *Spend
		basis  fnv1alpha1.CostBasis
		want   want
	}{
		"HalfOfThirtyDays": {
			reason: "15 of November's 30 days cost 150: the month costs 300",
			spend:  spendOf(t, "2026-11", "150", "2026-11-01T00:00:00Z", "2026-11-16T00:00:00Z"),
			want:   want{forecast: "300", ok: true},
		},
		"ThirtyOneDays": {
			reason: "October has 31 days: 10 days at 10 a day forecast 310",
			spend:  spendOf(t, "2026-10", "100", "2026-10-01T00:00:00Z", "2026-10-11T00:00:00Z"),
			want:   want{forecast: "310", ok: true},
		},
		"LeapFebruary": {
			reason: "February 2028 has 29 days",
			spend:  spendOf(t, "2028-02", "140", "2028-02-01T00:00:00Z", "2028-02-15T00:00:00Z"),
			want:   want{forecast: "290", ok: true},
		},
		"CommonFebruary": {
			reason: "February 2027 has 28 days",
			spend:  spendOf(t, "2027-02", "140", "2027-02-01T00:00:00Z", "2027-02-15T00:00:00Z"),
			want:   want{forecast: "280", ok: true},
		},
		"LeapDayItself": {
			reason: "data through the end of 29 February covers the whole leap month",
			spend:  spendOf(t, "2028-02", "290", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"),
			want:   want{forecast: "290", ok: true},
		},
		"DecemberIntoJanuary": {
			reason: "December's period ends at the new year",
			spend:  spendOf(t, "2026-12", "155", "2026-12-01T00:00:00Z", "2026-12-16T12:00:00Z"),
			want:   want{forecast: "310", ok: true},
		},
		"CreatedMidMonth": {
			reason: "a space first charged on 14 October at 09:00 burns from then: 240h cost 100, 423h remain in its month",
			spend:  spendOf(t, "2026-10", "100", "2026-10-14T09:00:00Z", "2026-10-24T09:00:00Z"),
			want:   want{forecast: "176.25", ok: true},
		},
		"CompletePeriod": {
			reason: "a finished period forecasts what it billed",
			spend:  spendOf(t, "2026-10", "512.4", "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"),
			want:   want{forecast: "512.4", ok: true},
		},
		"Credits": {
			reason: "a credit burns negatively, exactly",
			spend:  spendOf(t, "2026-11", "-3", "2026-11-01T00:00:00Z", "2026-11-11T00:00:00Z"),
			want:   want{forecast: "-9", ok: true},
		},
		"ThirdsStayExact": {
			reason: "a rate that does not divide evenly is rounded once, to 12 digits",
			spend:  spendOf(t, "2026-11", "100", "2026-11-01T00:00:00Z", "2026-11-10T00:00:00Z"),
			want:   want{forecast: "333.333333333333", ok: true},
		},
		"Effective": {
			reason: "on the effective basis the effective cost burns: 15 of 30 days at 120 effective forecast 240, whatever was billed",
			spend: func() *Spend {
				s := spendOf(t, "2026-11", "150", "2026-11-01T00:00:00Z", "2026-11-16T00:00:00Z")
				s.Effective = dec("120")
				return s
			}(),
			basis: fnv1alpha1.CostBasisEffective,
			want:  want{forecast: "240", ok: true},
		},
		"NoChargePeriods": {
			reason: "a record without charge times cannot be forecast",
			spend:  spendOf(t, "2026-11", "10", "", ""),
			want:   want{forecast: "0", ok: false},
		},
		"UnderADay": {
			reason: "23 hours of charges are too few to extrapolate a month from",
			spend:  spendOf(t, "2026-11", "10", "2026-11-01T00:00:00Z", "2026-11-01T23:00:00Z"),
			want:   want{forecast: "0", ok: false},
		},
		"ExactlyADay": {
			reason: "a day of charges is enough",
			spend:  spendOf(t, "2026-11", "10", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"),
			want:   want{forecast: "300", ok: true},
		},
		"NoTimeCovered": {
			reason: "charges that span no time cannot be forecast",
			spend:  spendOf(t, "2026-11", "10", "2026-11-05T00:00:00Z", "2026-11-05T00:00:00Z"),
			want:   want{forecast: "0", ok: false},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			basis := tc.basis
			if basis == "" {
				basis = fnv1alpha1.CostBasisBilled
			}
			f, ok := Forecast(tc.spend, basis)
			got := want{forecast: f.String(), ok: ok}
			w := tc.want
			w.forecast = dec(w.forecast).String()
			if diff := cmp.Diff(w, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nForecast(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	cases := map[string]struct {
		reason string
		fn     func(decimal.Decimal) string
		in     string
		want   string
	}{
		"MoneyRoundsHalfAway":  {reason: "cents round half away from zero", fn: Money, in: "0.125", want: "0.13"},
		"MoneyPads":            {reason: "whole amounts get cents", fn: Money, in: "12", want: "12.00"},
		"ExactKeepsDigits":     {reason: "a billed sum is never rounded", fn: Exact, in: "570.1234567891", want: "570.1234567891"},
		"ExactPadsToCents":     {reason: "an exact sum has at least two fraction digits", fn: Exact, in: "541.6", want: "541.60"},
		"PctOneDigit":          {reason: "percentages have one fraction digit", fn: Pct, in: "47.5102", want: "47.5"},
		"PctNegativeRoundsOut": {reason: "negative percentages round away from zero too", fn: Pct, in: "-12.25", want: "-12.3"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.fn(dec(tc.in)); got != tc.want {
				t.Errorf("%s\nformat(%s): want %q, got %q", tc.reason, tc.in, tc.want, got)
			}
		})
	}
}

func TestJudgeBudget(t *testing.T) {
	type args struct {
		billed, forecast string
		hasForecast      bool
		limit, atRisk    string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   BudgetState
	}{
		"Healthy": {
			reason: "billed and forecast well under the limit",
			args:   args{billed: "400", forecast: "800", hasForecast: true, limit: "1200", atRisk: "100"},
			want:   BudgetHealthy,
		},
		"AtRiskAtThreshold": {
			reason: "a forecast exactly at the threshold is at risk",
			args:   args{billed: "600", forecast: "1080", hasForecast: true, limit: "1200", atRisk: "90"},
			want:   BudgetAtRisk,
		},
		"JustUnderThreshold": {
			reason: "a cent under the threshold is healthy",
			args:   args{billed: "600", forecast: "1079.99", hasForecast: true, limit: "1200", atRisk: "90"},
			want:   BudgetHealthy,
		},
		"AtLimitIsNotExceeded": {
			reason: "billed exactly the limit is not over it, but the forecast is at risk",
			args:   args{billed: "1200", forecast: "1200", hasForecast: true, limit: "1200", atRisk: "100"},
			want:   BudgetAtRisk,
		},
		"Exceeded": {
			reason: "billed over the limit is exceeded whatever the forecast",
			args:   args{billed: "1200.01", forecast: "1300", hasForecast: true, limit: "1200", atRisk: "100"},
			want:   BudgetExceeded,
		},
		"NoForecastJudgesBilled": {
			reason: "without a forecast only billed spend is judged",
			args:   args{billed: "100", hasForecast: false, limit: "1200", atRisk: "100"},
			want:   BudgetHealthy,
		},
		"ZeroLimitAnySpend": {
			reason: "a zero budget is exceeded by any spend",
			args:   args{billed: "0.01", forecast: "0.03", hasForecast: true, limit: "0", atRisk: "100"},
			want:   BudgetExceeded,
		},
		"ZeroLimitNoSpend": {
			reason: "a zero budget with no spend is healthy",
			args:   args{billed: "0", forecast: "0", hasForecast: true, limit: "0", atRisk: "100"},
			want:   BudgetHealthy,
		},
		"CreditsAreHealthy": {
			reason: "a negative forecast is never at risk",
			args:   args{billed: "-5", forecast: "-10", hasForecast: true, limit: "0", atRisk: "100"},
			want:   BudgetHealthy,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := decimal.Zero
			if tc.args.forecast != "" {
				f = dec(tc.args.forecast)
			}
			got := JudgeBudget(dec(tc.args.billed), f, tc.args.hasForecast, dec(tc.args.limit), dec(tc.args.atRisk))
			if got != tc.want {
				t.Errorf("%s\nJudgeBudget(...): want %d, got %d", tc.reason, tc.want, got)
			}
		})
	}
}

func TestPercent(t *testing.T) {
	cases := map[string]struct {
		reason      string
		part, whole string
		want        string
		ok          bool
	}{
		"Half":       {reason: "600 of 1200 is 50%", part: "600", whole: "1200", want: "50", ok: true},
		"Over":       {reason: "over the whole is over 100%", part: "1500", whole: "1200", want: "125", ok: true},
		"ZeroWhole":  {reason: "no percentage of nothing", part: "5", whole: "0", want: "0", ok: false},
		"Repeating":  {reason: "a third keeps 12 digits", part: "1", whole: "3", want: "33.333333333333", ok: true},
		"ExactCents": {reason: "cents are exact", part: "0.01", whole: "1200", want: "0.000833333333", ok: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := Percent(dec(tc.part), dec(tc.whole))
			if ok != tc.ok || !got.Equal(dec(tc.want)) {
				t.Errorf("%s\nPercent(%s, %s): want %s %t, got %s %t", tc.reason, tc.part, tc.whole, tc.want, tc.ok, got, ok)
			}
		})
	}
}

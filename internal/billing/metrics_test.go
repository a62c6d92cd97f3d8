package billing

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

// metricsCSV is a FOCUS export of three spaces: team-a with two days of
// November and a day of October, orphan with an hour (too little to
// forecast), euro with a day billed in USD against a budget in EUR.
const metricsCSV = `BilledCost,BillingAccountId,ChargeCategory,ContractedCost,ProviderName,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,EffectiveCost,ListCost,ResourceId,ServiceName,SubAccountId,Tags
30,111,Usage,30,AWS,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,30,30,i-1,EC2,1,"{""cloudspace"":""team-a""}"
30,111,Usage,30,AWS,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,30,30,i-1,EC2,1,"{""cloudspace"":""team-a""}"
99,111,Usage,99,AWS,USD,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,2026-10-30T00:00:00Z,2026-10-31T00:00:00Z,99,99,i-1,EC2,1,"{""cloudspace"":""team-a""}"
5,111,Usage,5,AWS,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-02T05:00:00Z,2026-11-02T06:00:00Z,5,5,i-2,EC2,1,"{""cloudspace"":""orphan""}"
7,111,Usage,7,AWS,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,7,7,i-3,EC2,1,"{""cloudspace"":""euro""}"
`

func TestSpendMetrics(t *testing.T) {
	src := bytesSource{name: "focus.csv", b: []byte(metricsCSV)}
	spaces := []spend.Space{
		{Name: "team-a", Team: "payments", Namespace: "team-payments", Budget: decimal.RequireFromString("100"), HasBudget: true, Currency: "USD"},
		{Name: "idle", Team: "payments", Namespace: "team-payments", Budget: decimal.RequireFromString("50"), HasBudget: true, Currency: "USD"},
		{Name: "euro", Team: "eu", Namespace: "team-eu", Budget: decimal.RequireFromString("10"), HasBudget: true, Currency: "EUR"},
		{Name: "unbudgeted", Team: "eu", Namespace: "team-eu", Currency: "USD"},
	}
	var listErr, spacesErr error
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	sm, err := NewSpendMetrics(reg, func(context.Context) ([]spend.Space, error) { return spaces, spacesErr }, clock)
	if err != nil {
		t.Fatal(err)
	}
	s := &Scheduler{
		Sources:  func(context.Context) ([]Source, error) { return []Source{src}, listErr },
		Writer:   &Writer{Client: newFakeClient(t)},
		Interval: time.Hour,
		Metrics:  m,
		Spend:    sm,
		Now:      clock,
	}

	names := []string{MetricSpendToDate, MetricForecast, MetricBudget, MetricBudgetUsed, MetricDataAge, "cloudspace_ingest_runs_total", "cloudspace_ingest_last_success_timestamp_seconds", "cloudspace_billing_errors_total"}
	before := `
# HELP cloudspace_ingest_last_success_timestamp_seconds Unix time of the last successful ingest run; 0 before the first.
# TYPE cloudspace_ingest_last_success_timestamp_seconds gauge
cloudspace_ingest_last_success_timestamp_seconds 0
# HELP cloudspace_ingest_runs_total Ingest runs of the billing controller, by result (success or failure).
# TYPE cloudspace_ingest_runs_total counter
cloudspace_ingest_runs_total{result="failure"} 0
cloudspace_ingest_runs_total{result="success"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(before), names...); err != nil {
		t.Errorf("before the first run: %v", err)
	}

	if err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce(): %v", err)
	}
	now = now.Add(time.Hour) // the data age moves with the clock, at scrape time
	gauges := `
# HELP cloudspace_billing_data_age_seconds Seconds since the end of the last charge period in the space's spend record.
# TYPE cloudspace_billing_data_age_seconds gauge
cloudspace_billing_data_age_seconds{namespace="",space="orphan",team=""} 90000
cloudspace_billing_data_age_seconds{namespace="team-eu",space="euro",team="eu"} 111600
cloudspace_billing_data_age_seconds{namespace="team-payments",space="team-a",team="payments"} 25200
# HELP cloudspace_budget Monthly budget of the space (spec.budget.monthlyLimit).
# TYPE cloudspace_budget gauge
cloudspace_budget{currency="USD",namespace="team-payments",space="idle",team="payments"} 50
cloudspace_budget{currency="USD",namespace="team-payments",space="team-a",team="payments"} 100
# HELP cloudspace_budget_used_ratio Billed cost to date as a fraction of the monthly budget; +Inf for spend against a zero budget.
# TYPE cloudspace_budget_used_ratio gauge
cloudspace_budget_used_ratio{namespace="team-payments",space="team-a",team="payments"} 0.6
# HELP cloudspace_spend_forecast Billed cost the space is expected to reach by the end of its latest billing period, as the reconciler forecasts it.
# TYPE cloudspace_spend_forecast gauge
cloudspace_spend_forecast{currency="USD",namespace="team-eu",space="euro",team="eu"} 210
cloudspace_spend_forecast{currency="USD",namespace="team-payments",space="team-a",team="payments"} 900
# HELP cloudspace_spend_to_date Billed cost of the space's latest billing period so far, from its spend record.
# TYPE cloudspace_spend_to_date gauge
cloudspace_spend_to_date{currency="USD",namespace="",space="orphan",team=""} 5
cloudspace_spend_to_date{currency="USD",namespace="team-eu",space="euro",team="eu"} 7
cloudspace_spend_to_date{currency="USD",namespace="team-payments",space="team-a",team="payments"} 60
`
	runs := func(success, failure int, last string) string {
		return `
# HELP cloudspace_ingest_last_success_timestamp_seconds Unix time of the last successful ingest run; 0 before the first.
# TYPE cloudspace_ingest_last_success_timestamp_seconds gauge
cloudspace_ingest_last_success_timestamp_seconds ` + last + `
# HELP cloudspace_ingest_runs_total Ingest runs of the billing controller, by result (success or failure).
# TYPE cloudspace_ingest_runs_total counter
cloudspace_ingest_runs_total{result="failure"} ` + strconv.Itoa(failure) + `
cloudspace_ingest_runs_total{result="success"} ` + strconv.Itoa(success) + `
`
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(gauges+runs(1, 0, "1793685600")), names...); err != nil {
		t.Errorf("after a successful run: %v", err)
	}

	// A failed run counts as one and leaves the gauges as they were.
	listErr = errors.New("boom")
	if err := s.RunOnce(t.Context()); err == nil {
		t.Fatal("RunOnce(): want the list error")
	}
	errs := `
# HELP cloudspace_billing_errors_total Failed ingest runs, by stage: list, ingest, plan (nothing written) or write (written in part; the log names what).
# TYPE cloudspace_billing_errors_total counter
cloudspace_billing_errors_total{stage="list"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(gauges+runs(1, 1, "1793685600")+errs), names...); err != nil {
		t.Errorf("after a failed run: %v", err)
	}

	// A space list that fails keeps the budgets of the previous run; the
	// run succeeds, for the records were written.
	listErr, spacesErr = nil, errors.New("forbidden")
	spaces = nil
	if err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce(): %v", err)
	}
	errs += "cloudspace_billing_errors_total{stage=\"spaces\"} 1\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(gauges+runs(2, 1, "1793689200")+errs), names...); err != nil {
		t.Errorf("after a run whose space list failed: %v", err)
	}
}

func TestUsedRatio(t *testing.T) {
	cases := map[string]struct {
		reason         string
		billed, budget string
		want           string
	}{
		"Half":       {reason: "Half the budget is 0.5.", billed: "50", budget: "100", want: "0.5"},
		"Over":       {reason: "Over budget is more than 1.", billed: "150", budget: "100", want: "1.5"},
		"ZeroBudget": {reason: "Any spend exceeds a zero budget.", billed: "0.01", budget: "0", want: "+Inf"},
		"ZeroBoth":   {reason: "Nothing billed against a zero budget is nothing used.", billed: "0", budget: "0", want: "0"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := usedRatio(decimal.RequireFromString(tc.billed), decimal.RequireFromString(tc.budget))
			if g := strconv.FormatFloat(got, 'g', -1, 64); g != tc.want {
				t.Errorf("\n%s\nusedRatio(%s, %s) = %s, want %s", tc.reason, tc.billed, tc.budget, g, tc.want)
			}
		})
	}
}

package notify

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
	spacev1alpha1 "github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestObserve(t *testing.T) {
	now := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	cond := func(typ, status, reason string) Condition {
		return Condition{Type: typ, Status: status, Reason: reason, Message: reason + " message"}
	}
	type args struct {
		kind   string
		conds  []Condition
		period string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   Observation
	}{
		"BudgetHealthy": {"BudgetHealthy is healthy.", args{v1alpha1.KindBudget, []Condition{cond(TypeBudget, "True", ReasonBudgetHealthy)}, "2026-11"},
			Observation{Kind: "budget", Level: Healthy, Period: "2026-11", Reason: ReasonBudgetHealthy, Message: "BudgetHealthy message"}},
		"BudgetAtRisk": {"BudgetAtRisk is a warning.", args{v1alpha1.KindBudget, []Condition{cond(TypeBudget, "False", ReasonBudgetAtRisk)}, "2026-12"},
			Observation{Kind: "budget", Level: Warning, Period: "2026-12", Reason: ReasonBudgetAtRisk, Message: "BudgetAtRisk message"}},
		"BudgetExceeded": {"BudgetExceeded is critical.", args{v1alpha1.KindBudget, []Condition{cond(TypeBudget, "False", ReasonBudgetExceeded)}, "2026-12"},
			Observation{Kind: "budget", Level: Critical, Period: "2026-12", Reason: ReasonBudgetExceeded, Message: "BudgetExceeded message"}},
		"BudgetNoData": {"NoBillingData is no judgement.", args{v1alpha1.KindBudget, []Condition{cond(TypeBudget, "Unknown", "NoBillingData")}, ""},
			Observation{Kind: "budget", Level: Unknown, Reason: "NoBillingData", Message: "NoBillingData message"}},
		"BudgetNoPeriod": {"A judgement without a period cannot key a ticket.", args{v1alpha1.KindBudget, []Condition{cond(TypeBudget, "False", ReasonBudgetExceeded)}, ""},
			Observation{Kind: "budget", Level: Unknown, Reason: ReasonBudgetExceeded, Message: "BudgetExceeded message"}},
		"DriftAbove": {"Spend above the estimate is out of tolerance.", args{v1alpha1.KindDrift, []Condition{cond(TypeCostDrift, "True", ReasonAboveEstimate)}, "2026-12"},
			Observation{Kind: "drift", Level: Warning, Period: "2026-12", Reason: ReasonAboveEstimate, Message: "AboveEstimate message"}},
		"DriftBelow": {"Spend below it too.", args{v1alpha1.KindDrift, []Condition{cond(TypeCostDrift, "True", ReasonBelowEstimate)}, "2026-12"},
			Observation{Kind: "drift", Level: Warning, Period: "2026-12", Reason: ReasonBelowEstimate, Message: "BelowEstimate message"}},
		"DriftWithin": {"Within tolerance is healthy.", args{v1alpha1.KindDrift, []Condition{cond(TypeCostDrift, "False", ReasonWithinTolerance)}, "2026-12"},
			Observation{Kind: "drift", Level: Healthy, Period: "2026-12", Reason: ReasonWithinTolerance, Message: "WithinTolerance message"}},
		"DriftInsufficient": {"Too little data is no judgement.", args{v1alpha1.KindDrift, []Condition{cond(TypeCostDrift, "Unknown", "InsufficientData")}, "2026-12"},
			Observation{Kind: "drift", Level: Unknown, Period: "2026-12", Reason: "InsufficientData", Message: "InsufficientData message"}},
		"Stale": {"Stale data is a warning of the clock's month, whatever the data's.", args{v1alpha1.KindStale, []Condition{cond(TypeBillingDataStale, "True", ReasonStale), cond(TypeBillingDataMissing, "False", ReasonSpendRecordFound)}, "2026-10"},
			Observation{Kind: "stale", Level: Warning, Period: "2026-12", Reason: ReasonStale, Message: "Stale message"}},
		"Fresh": {"Fresh data is healthy.", args{v1alpha1.KindStale, []Condition{cond(TypeBillingDataStale, "False", ReasonFresh)}, "2026-12"},
			Observation{Kind: "stale", Level: Healthy, Period: "2026-12", Reason: ReasonFresh, Message: "Fresh message"}},
		"InvalidRecord": {"Unusable billing data is a warning.", args{v1alpha1.KindStale, []Condition{cond(TypeBillingDataStale, "Unknown", "NoBillingData"), cond(TypeBillingDataMissing, "True", "InvalidSpendRecord")}, ""},
			Observation{Kind: "stale", Level: Warning, Period: "2026-12", Reason: "InvalidSpendRecord", Message: "InvalidSpendRecord message"}},
		"NoRecordsYet": {"A new space without spend records is not a problem.", args{v1alpha1.KindStale, []Condition{cond(TypeBillingDataStale, "Unknown", "NoBillingData"), cond(TypeBillingDataMissing, "True", ReasonNoSpendRecords)}, ""},
			Observation{Kind: "stale", Level: Unknown, Period: "2026-12", Reason: "NoBillingData", Message: "NoBillingData message"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &Space{Conditions: map[string]Condition{}}
			for _, c := range tc.args.conds {
				s.Conditions[c.Type] = c
			}
			if tc.args.period != "" {
				s.Billing = &spacev1alpha1.BillingStatus{Period: tc.args.period}
			}
			if diff := cmp.Diff(tc.want, Observe(s, tc.args.kind, now)); diff != "" {
				t.Errorf("%s\nObserve(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestParseSpace(t *testing.T) {
	obj := map[string]any{
		"metadata": map[string]any{"name": "checkout-x1"},
		"spec": map[string]any{
			"team": "payments", "owner": "o@example.com", "environment": "prod", "budget": map[string]any{"monthlyLimit": "10.00"},
			"claimRef": map[string]any{"namespace": "team-payments", "name": "checkout"}, "unknown": true,
		},
		"status": map[string]any{
			"conditions": []any{map[string]any{"type": "Budget", "status": "False", "reason": "BudgetExceeded", "message": "m", "lastTransitionTime": "2026-12-01T00:00:00Z"}},
			"billing":    map[string]any{"period": "2026-12", "billedToDate": "11.00"},
			"estimate":   map[string]any{"monthly": "8.00", "currency": "USD"},
		},
	}
	s, err := ParseSpace(obj)
	if err != nil {
		t.Fatal(err)
	}
	want := &Space{
		Name: "checkout-x1", Team: "payments", Owner: "o@example.com", Environment: "prod", Limit: "10.00", Currency: "USD",
		Claim:      &ClaimRef{Namespace: "team-payments", Name: "checkout"},
		Conditions: map[string]Condition{"Budget": {Type: "Budget", Status: "False", Reason: "BudgetExceeded", Message: "m", LastTransitionTime: "2026-12-01T00:00:00Z"}},
		Billing:    &spacev1alpha1.BillingStatus{Period: "2026-12", BilledToDate: "11.00"},
		Estimate:   &spacev1alpha1.CostEstimate{Monthly: "8.00", Currency: "USD"},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("ParseSpace(): -want, +got:\n%s", diff)
	}
	if got := ClaimURL("https://c.example/{team}/{namespace}/{name}?x={space}", s); got != "https://c.example/payments/team-payments/checkout?x=checkout-x1" {
		t.Errorf("ClaimURL(): %q", got)
	}
	if got := Describe(s); got != "kubectl describe cloudspace -n team-payments checkout" {
		t.Errorf("Describe(): %q", got)
	}
	if diff := cmp.Diff([]Figure{{"Monthly budget", "10.00 USD"}, {"Billed to date", "11.00 USD"}, {"Estimate", "8.00 USD"}}, Figures(s)); diff != "" {
		t.Errorf("Figures(): -want, +got:\n%s", diff)
	}
}

func TestContributors(t *testing.T) {
	r := &billingv1alpha1.SpendRecord{Currency: "EUR"}
	for _, s := range []struct{ name, cost string }{{"a", "9.5"}, {"b", "10"}, {"c", "0.000001"}, {"d", "10"}, {"e", "3"}, {"f", "100.25"}, {"g", "bad"}} {
		r.CostByService = append(r.CostByService, billingv1alpha1.ServiceCost{Service: s.name, BilledCost: s.cost})
	}
	svc, res := Contributors(r)
	want := []Contributor{{"f", "100.25 EUR"}, {"b", "10.00 EUR"}, {"d", "10.00 EUR"}, {"a", "9.50 EUR"}, {"e", "3.00 EUR"}}
	if diff := cmp.Diff(want, svc); diff != "" {
		t.Errorf("Contributors(): -want, +got:\n%s", diff)
	}
	if res != nil {
		t.Errorf("no resources: got %v", res)
	}
}

func TestPeriods(t *testing.T) {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	cases := map[string]struct {
		period string
		now    time.Time
		want   bool
	}{
		"Running":         {"2026-12", at("2026-12-31T23:59:59Z"), false},
		"EndedAtMidnight": {"2026-12", at("2027-01-01T00:00:00Z"), true},
		"Future":          {"2027-01", at("2026-12-31T00:00:00Z"), false},
		"Unparseable":     {"December", at("2026-12-31T00:00:00Z"), true},
	}
	for name, tc := range cases {
		if got := Ended(tc.period, tc.now); got != tc.want {
			t.Errorf("%s: Ended(%q, %s) = %v, want %v", name, tc.period, tc.now, got, tc.want)
		}
	}
	if got := Period(at("2026-12-31T23:00:00-05:00")); got != "2027-01" {
		t.Errorf("Period() is of UTC: got %q", got)
	}
}

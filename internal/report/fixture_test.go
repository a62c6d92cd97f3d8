package report

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

// weekly is how a day's cost varies over the week around a space's base.
var weekly = []string{"-3.10", "1.25", "2.40", "0.85", "-1.60", "4.05", "-3.85"}

// services split a space's cost; the last takes what is left.
var serviceShares = []struct {
	name  string
	share string
}{
	{"Amazon Elastic Compute Cloud", "0.62"},
	{"Amazon Relational Database Service", "0.18"},
	{"Amazon Virtual Private Cloud", "0.08"},
	{"Amazon Simple Storage Service", "0.05"},
	{"AmazonCloudWatch", "0.03"},
	{"AWS Key Management Service", "0.02"},
	{"AWS Data Transfer", ""},
}

// fixtureRecord is the November 2026 record of a space billed base a day,
// varying by weekday, on days first to last.
func fixtureRecord(space, base string, first, last int) billingv1alpha1.SpendRecord {
	r := billingv1alpha1.SpendRecord{Space: space, Period: "2026-11", Currency: "USD"}
	total := decimal.Zero
	for d := first; d <= last; d++ {
		c := decimal.RequireFromString(base).Add(decimal.RequireFromString(weekly[d%7]))
		total = total.Add(c)
		r.CostByDay = append(r.CostByDay, billingv1alpha1.DayCost{Day: fmt.Sprintf("2026-11-%02d", d), BilledCost: c.String(), EffectiveCost: c.String()})
	}
	left := total
	for _, s := range serviceShares {
		c := left
		if s.share != "" {
			c = total.Mul(decimal.RequireFromString(s.share)).Round(2)
		}
		left = left.Sub(c)
		r.CostByService = append(r.CostByService, billingv1alpha1.ServiceCost{Service: s.name, BilledCost: c.String(), EffectiveCost: c.String()})
	}
	r.BilledCost, r.EffectiveCost, r.ListCost = total.String(), total.String(), total.String()
	r.FirstChargePeriodStart = time.Date(2026, 11, first, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	r.LastChargePeriodEnd = time.Date(2026, 11, last+1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	return r
}

// fixture is three spaces of two teams: checkout (at risk: its forecast
// passes its budget), ledger (healthy) and search, created on the 8th.
func fixture() ([]billingv1alpha1.SpendRecord, []spend.Space) {
	d := decimal.RequireFromString
	records := []billingv1alpha1.SpendRecord{
		fixtureRecord("checkout-7x9kq", "45", 1, 22),
		fixtureRecord("ledger-m2p4t", "20", 1, 22),
		fixtureRecord("search-q8w3z", "70", 8, 22),
		{Account: "222222222222", Period: "2026-11", Currency: "USD", BilledCost: "9.25", EffectiveCost: "9.25", ListCost: "9.25"},
	}
	spaces := []spend.Space{
		{Name: "checkout-7x9kq", Claim: "checkout", Namespace: "team-payments", Team: "payments", Budget: d("1200"), HasBudget: true, Currency: "USD", TeamBudget: d("5000"), HasTeamBudget: true, TeamCurrency: "USD"},
		{Name: "ledger-m2p4t", Claim: "ledger", Namespace: "team-payments", Team: "payments", Budget: d("800"), HasBudget: true, Currency: "USD", TeamBudget: d("5000"), HasTeamBudget: true, TeamCurrency: "USD"},
		{Name: "search-q8w3z", Claim: "search", Namespace: "team-catalog", Team: "catalog", Budget: d("2000"), HasBudget: true, Currency: "USD"},
	}
	return records, spaces
}

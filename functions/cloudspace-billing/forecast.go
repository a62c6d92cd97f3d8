package main

import (
	"time"

	"github.com/shopspring/decimal"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

// divisionDigits is the number of fraction digits a division keeps before
// its result is rounded for display. Every figure is computed exactly up to
// a single division.
const divisionDigits = 12

var hundred = decimal.NewFromInt(100)

// seconds is d as an exact decimal number of seconds.
func seconds(d time.Duration) decimal.Decimal {
	return decimal.NewFromInt(int64(d / time.Second))
}

// Forecast is the cost on basis b (billed or effective) expected at the
// end of the period: the burn rate over the charge periods the record
// covers, from the first charge (or the start of the period, when the
// space is older) to the end of the last, carried on to the end of the
// period.
//
//	forecast = cost × (period end − first charge) ÷ (last charge end − first charge)
//
// A space created mid-month is forecast from its first charge, not from the
// start of the month. ok is false when the record holds no charge period
// times or covers less than MinCoverage.
func Forecast(s *Spend, b fnv1alpha1.CostBasis) (forecast decimal.Decimal, ok bool) {
	covered := s.Covered()
	if covered < MinCoverage {
		return decimal.Zero, false
	}
	span := s.Period.End.Sub(s.From)
	return s.Cost(b).Mul(seconds(span)).DivRound(seconds(covered), divisionDigits), true
}

// Percent is part as a percentage of whole. ok is false when whole is not
// positive.
func Percent(part, whole decimal.Decimal) (pct decimal.Decimal, ok bool) {
	if !whole.IsPositive() {
		return decimal.Zero, false
	}
	return part.Mul(hundred).DivRound(whole, divisionDigits), true
}

// Money formats an amount to the cent, rounding half away from zero.
func Money(d decimal.Decimal) string { return d.StringFixed(2) }

// Exact formats an exact amount with at least two fraction digits and no
// rounding: a billed sum keeps every digit the bill has.
func Exact(d decimal.Decimal) string {
	if d.Exponent() >= -2 {
		return d.StringFixed(2)
	}
	return d.String()
}

// Pct formats a percentage to one fraction digit.
func Pct(d decimal.Decimal) string { return d.StringFixed(1) }

// BudgetState is the judgement of the Budget condition.
type BudgetState int

// Budget states, from best to worst.
const (
	BudgetUnknown BudgetState = iota
	BudgetHealthy
	BudgetAtRisk
	BudgetExceeded
)

// JudgeBudget judges billed spend and its forecast against the monthly
// limit. The budget is exceeded once billed spend is over the limit, and at
// risk once the forecast reaches atRiskPercent of it. A limit of zero is
// exceeded by any spend.
func JudgeBudget(billed, forecast decimal.Decimal, hasForecast bool, limit, atRiskPercent decimal.Decimal) BudgetState {
	switch {
	case billed.GreaterThan(limit):
		return BudgetExceeded
	case hasForecast && forecast.Mul(hundred).GreaterThanOrEqual(limit.Mul(atRiskPercent)) && forecast.IsPositive():
		return BudgetAtRisk
	default:
		return BudgetHealthy
	}
}

package main

import (
	"time"

	"github.com/shopspring/decimal"
)

// MinCoverage is how much of the period the billing data must cover
// before it is extrapolated: a forecast from, or an estimate prorated to, a
// few hours of charges says little.
const MinCoverage = 24 * time.Hour

// Drift is billed spend against the composer's monthly estimate prorated
// to the time the record covers, in percent: positive when the space costs
// more than estimated.
//
//	expected = monthly × covered ÷ period length
//	drift    = (billed − expected) ÷ expected × 100
//
// Both divisions are folded into one, so the result is exact up to it.
// ok is false when there is no positive estimate or the record covers no
// time.
func Drift(billed, monthly decimal.Decimal, covered, period time.Duration) (pct decimal.Decimal, ok bool) {
	if !monthly.IsPositive() || covered <= 0 || period <= 0 {
		return decimal.Zero, false
	}
	expectedTimesPeriod := monthly.Mul(seconds(covered))
	return billed.Mul(seconds(period)).Sub(expectedTimesPeriod).Mul(hundred).DivRound(expectedTimesPeriod, divisionDigits), true
}

// Prorate is monthly prorated to covered of a period of the given length.
func Prorate(monthly decimal.Decimal, covered, period time.Duration) decimal.Decimal {
	if period <= 0 {
		return decimal.Zero
	}
	return monthly.Mul(seconds(covered)).DivRound(seconds(period), divisionDigits)
}

// DriftState is the judgement of the CostDrift condition.
type DriftState int

// Drift states.
const (
	DriftWithinTolerance DriftState = iota
	DriftAbove
	DriftBelow
)

// JudgeDrift judges a drift percentage against a tolerance percentage.
// Drift exactly at the tolerance is within it.
func JudgeDrift(pct, tolerance decimal.Decimal) DriftState {
	switch {
	case pct.GreaterThan(tolerance):
		return DriftAbove
	case pct.Neg().GreaterThan(tolerance):
		return DriftBelow
	default:
		return DriftWithinTolerance
	}
}

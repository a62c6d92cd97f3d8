package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// equateDecimals compares decimals by value: 1.50 equals 1.5.
var equateDecimals = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func at(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// spendOf is the spend of a period with charges from the day from up to the day through.
func spendOf(t *testing.T, period, billed, from, through string) *Spend {
	t.Helper()
	p, err := ParsePeriod(period)
	if err != nil {
		t.Fatal(err)
	}
	s := &Spend{Record: "spend-x-" + period, Period: p, Currency: "USD", Billed: dec(billed), Effective: dec(billed)}
	if from != "" {
		s.From, s.Through = at(t, from), at(t, through)
	}
	return s
}

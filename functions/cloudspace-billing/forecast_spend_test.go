package main

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

// TestForecastAgreesWithSpend pins internal/spend's forecast, which the
// report command draws and the billing controller exports as a gauge, to the
// one this function reports in status.billing.forecast.
func TestForecastAgreesWithSpend(t *testing.T) {
	p, err := ParsePeriod("2026-02")
	if err != nil {
		t.Fatal(err)
	}
	for _, billed := range []string{"0", "0.0000000001", "186.45", "99999.99", "-12.5"} {
		for from := p.Start; from.Before(p.End); from = from.Add(37 * time.Hour) {
			for through := from; !through.After(p.End); through = through.Add(29 * time.Hour) {
				s := &Spend{Period: p, Billed: decimal.RequireFromString(billed), From: from, Through: through}
				want, wantOK := Forecast(s, fnv1alpha1.CostBasisBilled)
				got, gotOK := spend.Forecast(s.Billed, from, through, p.End)
				if !want.Equal(got) || wantOK != gotOK {
					t.Fatalf("billed %s from %s through %s: function forecasts %s (%t), spend %s (%t)", billed, from, through, want, wantOK, got, gotOK)
				}
			}
		}
	}
}

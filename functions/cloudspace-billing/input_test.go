package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

func TestNewConfig(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     *fnv1alpha1.Billing
		want   *Config
		errs   int
	}{
		"Defaults": {
			reason: "an empty input gets every default",
			in:     &fnv1alpha1.Billing{},
			want: &Config{
				DriftTolerancePercent: dec("25"), AtRiskPercent: dec("100"), StalenessLimit: 72 * time.Hour,
				UnbilledGracePeriod: 72 * time.Hour, BilledKinds: fnv1alpha1.DefaultBilledKinds(), CostBasis: fnv1alpha1.CostBasisBilled, TTL: 15 * time.Minute,
			},
		},
		"Set": {
			reason: "set fields are kept; staleness 0 turns the check off; an empty kind list means none",
			in: &fnv1alpha1.Billing{
				DriftTolerancePercent: "12.5", AtRiskPercent: "90", StalenessLimit: "0", UnbilledGracePeriod: "1h30m",
				BilledKinds: []fnv1alpha1.BilledKind{}, CostBasis: fnv1alpha1.CostBasisEffective, TTL: "1m",
			},
			want: &Config{
				DriftTolerancePercent: dec("12.5"), AtRiskPercent: dec("90"), StalenessLimit: 0,
				UnbilledGracePeriod: 90 * time.Minute, BilledKinds: []fnv1alpha1.BilledKind{}, CostBasis: fnv1alpha1.CostBasisEffective, TTL: time.Minute,
			},
		},
		"Invalid": {
			reason: "negative durations, signed percentages and a cost basis out of the enum are rejected, each named",
			in:     &fnv1alpha1.Billing{DriftTolerancePercent: "-5", StalenessLimit: "-1h", UnbilledGracePeriod: "3d", CostBasis: "billed"},
			errs:   4,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, errs := NewConfig(tc.in)
			if len(errs) != tc.errs {
				t.Fatalf("%s\nNewConfig(...): want %d errors, got %v", tc.reason, tc.errs, errs)
			}
			if tc.want == nil {
				return
			}
			if diff := cmp.Diff(tc.want, got, equateDecimals); diff != "" {
				t.Errorf("%s\nNewConfig(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

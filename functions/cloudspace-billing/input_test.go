package main

import (
	"strings"
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
				BilledKinds: []fnv1alpha1.BilledKind{}, TTL: "1m",
			},
			want: &Config{
				DriftTolerancePercent: dec("12.5"), AtRiskPercent: dec("90"), StalenessLimit: 0,
				UnbilledGracePeriod: 90 * time.Minute, BilledKinds: []fnv1alpha1.BilledKind{}, CostBasis: fnv1alpha1.CostBasisBilled, TTL: time.Minute,
			},
		},
		"Invalid": {
			reason: "negative durations and signed percentages are rejected, each named",
			in:     &fnv1alpha1.Billing{DriftTolerancePercent: "-5", StalenessLimit: "-1h", UnbilledGracePeriod: "3d"},
			errs:   3,
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

func TestCostBasisOf(t *testing.T) {
	cases := map[string]struct {
		reason            string
		desired, observed string
		want              fnv1alpha1.CostBasis
		err               string
	}{
		"Unset":          {reason: "A space whose composer says nothing counts billed cost.", want: fnv1alpha1.CostBasisBilled},
		"Desired":        {reason: "The composer's status of this reconcile wins over the observed one.", desired: "Effective", observed: "Billed", want: fnv1alpha1.CostBasisEffective},
		"Observed":       {reason: "Without an earlier step's status, the observed XR's is read.", observed: "Effective", want: fnv1alpha1.CostBasisEffective},
		"OutOfTheEnum":   {reason: "A status edited by hand is not trusted: a value out of the enum is named.", observed: "Amortized", err: `status.costBasis: Unsupported value: "Amortized": supported values: "Billed", "Effective"`},
		"CaseMattersToo": {reason: "The enum is exact.", desired: "effective", err: `status.costBasis: Unsupported value: "effective"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, errs := CostBasisOf(tc.desired, tc.observed)
			if tc.err != "" {
				if len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), tc.err) {
					t.Fatalf("%s\nCostBasisOf(%q, %q): errors %v, want %q", tc.reason, tc.desired, tc.observed, errs, tc.err)
				}
				return
			}
			if len(errs) > 0 || got != tc.want {
				t.Errorf("%s\nCostBasisOf(%q, %q) = %q, %v; want %q", tc.reason, tc.desired, tc.observed, got, errs, tc.want)
			}
		})
	}
}

package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/crossplane/function-sdk-go/resource"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestDurationFormats(t *testing.T) {
	cases := map[string]struct {
		reason string
		fn     func(time.Duration) string
		in     time.Duration
		want   string
	}{
		"Hours":        {reason: "whole hours as written", fn: fmtDuration, in: 72 * time.Hour, want: "72h"},
		"HoursMinutes": {reason: "hours and minutes", fn: fmtDuration, in: 90 * time.Minute, want: "1h30m"},
		"Minutes":      {reason: "minutes", fn: fmtDuration, in: 15 * time.Minute, want: "15m"},
		"Seconds":      {reason: "seconds stay", fn: fmtDuration, in: 90 * time.Second, want: "1m30s"},
		"Zero":         {reason: "zero stays readable", fn: fmtDuration, in: 0, want: "0s"},
		"DaysAndHours": {reason: "coverage in days and hours", fn: days, in: 30 * time.Hour, want: "1d 6h"},
		"WholeDays":    {reason: "whole days", fn: days, in: 19 * 24 * time.Hour, want: "19d"},
		"UnderADay":    {reason: "under a day in hours", fn: days, in: 5*time.Hour + 59*time.Minute, want: "5h"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.want {
				t.Errorf("%s\nformat(%s): want %q, got %q", tc.reason, tc.in, tc.want, got)
			}
		})
	}
}

func TestAssessReasons(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	est := &v1alpha1.CostEstimate{Monthly: "900.00", Currency: "USD"}
	cases := map[string]struct {
		reason   string
		record   *billingv1alpha1.SpendRecord
		estimate *v1alpha1.CostEstimate
		limit    string
		now      time.Time
		want     map[string]string
	}{
		"ExactlyAtStalenessLimit": {
			reason: "data exactly stalenessLimit old is still fresh; drift needs a day of data",
			record: record(func(r *billingv1alpha1.SpendRecord) {
				r.FirstChargePeriodStart, r.LastChargePeriodEnd = "2026-11-19T06:00:00Z", "2026-11-20T00:00:00Z"
			}),
			estimate: est, limit: "100.00", now: now,
			want: map[string]string{TypeBudget: ReasonBudgetExceeded, TypeCostDrift: ReasonInsufficientData, TypeBillingDataStale: ReasonFresh},
		},
		"NoEstimate": {
			reason:   "without the composer's estimate drift is Unknown",
			record:   record(),
			estimate: nil, limit: "1200.00", now: now,
			want: map[string]string{TypeBudget: ReasonBudgetHealthy, TypeCostDrift: ReasonNoEstimate, TypeBillingDataStale: ReasonFresh},
		},
		"EstimateInOtherCurrency": {
			reason:   "an estimate in another currency is not compared",
			record:   record(),
			estimate: &v1alpha1.CostEstimate{Monthly: "900.00", Currency: "EUR"}, limit: "1200.00", now: now.Add(time.Second),
			want: map[string]string{TypeBudget: ReasonBudgetHealthy, TypeCostDrift: ReasonCurrencyMismatch, TypeBillingDataStale: ReasonStale},
		},
		"InvalidLimit": {
			reason:   "a limit that is not an amount leaves the budget Unknown",
			record:   record(),
			estimate: est, limit: "lots", now: now,
			want: map[string]string{TypeBudget: ReasonInvalidBudget, TypeCostDrift: ReasonWithinTolerance, TypeBillingDataStale: ReasonFresh},
		},
		"NoChargePeriods": {
			reason:   "a record without charge times has no forecast, drift or age",
			record:   record(func(r *billingv1alpha1.SpendRecord) { r.FirstChargePeriodStart, r.LastChargePeriodEnd = "", "" }),
			estimate: est, limit: "1200.00", now: now,
			want: map[string]string{TypeBudget: ReasonBudgetHealthy, TypeCostDrift: ReasonInsufficientData, TypeBillingDataStale: ReasonNoChargePeriods},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := &v1alpha1.XCloudSpace{Spec: v1alpha1.XCloudSpaceSpec{Budget: v1alpha1.BudgetSpec{MonthlyLimit: tc.limit, Currency: "USD"}}}
			xr.SetName("checkout-7x9kq")
			cfg, errs := NewConfig(&fnv1alpha1.Billing{StalenessLimit: "72h"})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			r := Assess(Inputs{XR: xr, Estimate: tc.estimate, Records: []resource.Required{stored(t, tc.record)}, Config: cfg, Now: tc.now})
			got := map[string]string{}
			for _, c := range r.Conditions {
				if _, ok := tc.want[c.Type]; ok {
					got[c.Type] = c.Reason
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nAssess(...): condition reasons -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

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

func TestAssessDriftContributors(t *testing.T) {
	withBreakdown := record(func(r *billingv1alpha1.SpendRecord) {
		r.CostByService = []billingv1alpha1.ServiceCost{
			{Service: "AWS Key Management Service", BilledCost: "0.1234567891", EffectiveCost: "0.1234567891"},
			{Service: "Amazon Elastic Compute Cloud", BilledCost: "560", EffectiveCost: "531.5"},
			{Service: "Amazon Simple Storage Service", BilledCost: "10", EffectiveCost: "10"},
		}
		r.CostByResource = []billingv1alpha1.ResourceCost{
			{ResourceID: "arn:aws:kms:eu-west-1:123456789012:key/k1", BilledCost: "0.1234567891", EffectiveCost: "0.1234567891"},
			{ResourceID: "bucket-1", BilledCost: "10", EffectiveCost: "10"},
		}
		r.CostByDay = []billingv1alpha1.DayCost{
			{Day: "2026-11-17", BilledCost: "30", EffectiveCost: "28.5"},
			{Day: "2026-11-18", BilledCost: "140", EffectiveCost: "133"},
			{Day: "2026-11-19", BilledCost: "400.1234567891", EffectiveCost: "380.12"},
		}
	})
	type want struct {
		reason       string
		message      string
		contributors *v1alpha1.CostContributors
	}
	cases := map[string]struct {
		reason   string
		record   *billingv1alpha1.SpendRecord
		estimate string
		want     want
	}{
		"AboveNamesContributors": {
			reason:   "spend three times the estimate names the top services, resources (by composed name) and days, in the message and in status",
			record:   withBreakdown,
			estimate: "300.00",
			want: want{
				reason: ReasonAboveEstimate,
				message: "Spend is above the estimate: billed 570.12 USD against 190.00 USD expected from the 300.00 USD monthly estimate over 19d of 2026-11 (200.1%, tolerance 25%); " +
					"top services: Amazon Elastic Compute Cloud 560.00 USD, Amazon Simple Storage Service 10.00 USD, AWS Key Management Service 0.12 USD; " +
					"top resources: bucket 10.00 USD, kms-key 0.12 USD; " +
					"top days: 2026-11-19 400.12 USD, 2026-11-18 140.00 USD, 2026-11-17 30.00 USD",
				contributors: &v1alpha1.CostContributors{
					Services: []v1alpha1.CostContributor{
						{Name: "Amazon Elastic Compute Cloud", BilledToDate: "560.00"},
						{Name: "Amazon Simple Storage Service", BilledToDate: "10.00"},
						{Name: "AWS Key Management Service", BilledToDate: "0.1234567891"},
					},
					Resources: []v1alpha1.CostContributor{
						{Name: "bucket-1", Resource: "bucket", BilledToDate: "10.00"},
						{Name: "arn:aws:kms:eu-west-1:123456789012:key/k1", Resource: "kms-key", BilledToDate: "0.1234567891"},
					},
					Days: []v1alpha1.CostContributor{
						{Name: "2026-11-19", BilledToDate: "400.1234567891"},
						{Name: "2026-11-18", BilledToDate: "140.00"},
						{Name: "2026-11-17", BilledToDate: "30.00"},
					},
				},
			},
		},
		"BelowNamesContributors": {
			reason:   "spend far below the estimate names where the spend went too",
			record:   record(func(r *billingv1alpha1.SpendRecord) { r.CostByService = withBreakdown.CostByService[1:2] }),
			estimate: "3000.00",
			want: want{
				reason: ReasonBelowEstimate,
				message: "Spend is below the estimate: billed 570.12 USD against 1900.00 USD expected from the 3000.00 USD monthly estimate over 19d of 2026-11 (-70.0%, tolerance 25%); " +
					"top services: Amazon Elastic Compute Cloud 560.00 USD",
				contributors: &v1alpha1.CostContributors{Services: []v1alpha1.CostContributor{{Name: "Amazon Elastic Compute Cloud", BilledToDate: "560.00"}}},
			},
		},
		"AboveWithoutBreakdown": {
			reason:   "a record that breaks nothing down drifts without naming contributors",
			record:   record(),
			estimate: "300.00",
			want: want{
				reason:  ReasonAboveEstimate,
				message: "Spend is above the estimate: billed 570.12 USD against 190.00 USD expected from the 300.00 USD monthly estimate over 19d of 2026-11 (200.1%, tolerance 25%)",
			},
		},
		"WithinToleranceNamesNone": {
			reason:   "spend within tolerance names no contributors, in the message or in status",
			record:   withBreakdown,
			estimate: "900.00",
			want: want{
				reason:  ReasonWithinTolerance,
				message: "Spend is within tolerance of the estimate: billed 570.12 USD against 570.00 USD expected from the 900.00 USD monthly estimate over 19d of 2026-11 (0.0%, tolerance 25%)",
			},
		},
	}
	observed := observedOf(t, map[resource.Name]runtime.Object{
		"kms-key": kmsKey("2026-10-14T09:00:00Z", "arn:aws:kms:eu-west-1:123456789012:key/k1"),
		"bucket":  bucket("2026-10-14T09:00:00Z", "bucket-1"),
	})
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := &v1alpha1.XCloudSpace{Spec: v1alpha1.XCloudSpaceSpec{Budget: v1alpha1.BudgetSpec{MonthlyLimit: "1200.00", Currency: "USD"}}}
			xr.SetName("checkout-7x9kq")
			cfg, errs := NewConfig(&fnv1alpha1.Billing{StalenessLimit: "0"})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			r := Assess(Inputs{
				XR: xr, Estimate: &v1alpha1.CostEstimate{Monthly: tc.estimate, Currency: "USD"}, Observed: observed,
				Records: []resource.Required{stored(t, tc.record)}, Config: cfg,
			})
			got := want{contributors: r.Status.DriftContributors}
			for _, c := range r.Conditions {
				if c.Type == TypeCostDrift {
					got.reason, got.message = c.Reason, c.Message
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nAssess(...): CostDrift and status.billing.driftContributors -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestAssessCostBasis(t *testing.T) {
	// 19 of November's 30 days billed 800.00, of which a reservation's
	// upfront fee makes 160.00 more than its amortised share.
	rec := record(func(r *billingv1alpha1.SpendRecord) { r.BilledCost, r.EffectiveCost = "800.00", "640.00" })
	pods := record(func(r *billingv1alpha1.SpendRecord) {
		r.BilledCost, r.EffectiveCost = "800.00", "640.00"
		r.InCluster = &billingv1alpha1.InClusterCost{BilledCost: "500.00", EffectiveCost: "400.00", ListCost: "520.00", IdleCost: "0", IdlePolicy: billingv1alpha1.IdleNone}
	})
	type want struct {
		status  *v1alpha1.BillingStatus
		reason  string
		message string
	}
	cases := map[string]struct {
		reason string
		basis  fnv1alpha1.CostBasis
		record *billingv1alpha1.SpendRecord
		want   want
	}{
		"Billed": {
			reason: "on billed cost the forecast passes the 90% threshold: at risk; status says no cost basis, as before the field existed",
			record: rec,
			want: want{
				status: &v1alpha1.BillingStatus{BudgetUsedPercent: "66.7", Forecast: "1263.16", ForecastPercent: "105.3"},
				reason: ReasonBudgetAtRisk,
				message: "At risk of exceeding the 1200.00 USD budget of 2026-11: forecast 1263.16 USD (105.3%) reaches the 90% at-risk threshold; " +
					"billed 800.00 USD (66.7%) through 2026-11-20T00:00:00Z",
			},
		},
		"Effective": {
			reason: "on effective cost the same spend forecasts 84.2% of the budget: healthy, and status says which cost it judged",
			basis:  fnv1alpha1.CostBasisEffective,
			record: rec,
			want: want{
				status: &v1alpha1.BillingStatus{BudgetUsedPercent: "53.3", Forecast: "1010.53", ForecastPercent: "84.2", CostBasis: "Effective"},
				reason: ReasonBudgetHealthy,
				message: "Within the 1200.00 USD budget of 2026-11: effective cost 640.00 USD (53.3%) through 2026-11-20T00:00:00Z; " +
					"forecast 1010.53 USD (84.2%)",
			},
		},
		"EffectiveInCluster": {
			reason: "the pods' share is told on the same basis",
			basis:  fnv1alpha1.CostBasisEffective,
			record: pods,
			want: want{
				status: &v1alpha1.BillingStatus{BudgetUsedPercent: "53.3", Forecast: "1010.53", ForecastPercent: "84.2", CostBasis: "Effective"},
				reason: ReasonBudgetHealthy,
				message: "Within the 1200.00 USD budget of 2026-11: effective cost 640.00 USD (53.3%), of which the tenant namespace's pods 400.00 USD " +
					"through 2026-11-20T00:00:00Z; forecast 1010.53 USD (84.2%)",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := &v1alpha1.XCloudSpace{Spec: v1alpha1.XCloudSpaceSpec{Budget: v1alpha1.BudgetSpec{MonthlyLimit: "1200.00", Currency: "USD"}}}
			xr.SetName("checkout-7x9kq")
			cfg, errs := NewConfig(&fnv1alpha1.Billing{AtRiskPercent: "90", StalenessLimit: "0"})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			if cfg.CostBasis, errs = CostBasisOf("", string(tc.basis)); len(errs) > 0 {
				t.Fatal(errs)
			}
			r := Assess(Inputs{XR: xr, Records: []resource.Required{stored(t, tc.record)}, Config: cfg})
			st := r.Status
			got := want{status: &v1alpha1.BillingStatus{BudgetUsedPercent: st.BudgetUsedPercent, Forecast: st.Forecast, ForecastPercent: st.ForecastPercent, CostBasis: st.CostBasis}}
			for _, c := range r.Conditions {
				if c.Type == TypeBudget {
					got.reason, got.message = c.Reason, c.Message
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nAssess(...): budget figures and condition -want +got:\n%s", tc.reason, diff)
			}
			if st.BilledToDate != "800.00" || st.EffectiveToDate != "640.00" {
				t.Errorf("%s\nAssess(...): both costs to date are reported whatever the basis, got billed %s, effective %s", tc.reason, st.BilledToDate, st.EffectiveToDate)
			}
		})
	}
}

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

// inCluster makes r's spend mostly its pods': billed of which pods cost
// podsBilled, idle of it shared idle node capacity.
func inCluster(podsBilled, idle string) func(r *billingv1alpha1.SpendRecord) {
	return func(r *billingv1alpha1.SpendRecord) {
		r.InCluster = &billingv1alpha1.InClusterCost{
			BilledCost: podsBilled, EffectiveCost: podsBilled, ListCost: podsBilled, IdleCost: idle,
			IdlePolicy: billingv1alpha1.IdleRequests, Rows: 2880, Namespaces: []string{"checkout"},
		}
	}
}

// TestAssessInCluster checks that the budget is judged on the whole cost, the
// space's pods included, and that status.billing shows both shares.
func TestAssessInCluster(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	type want struct {
		budget, missing  string
		inCluster, cloud *v1alpha1.SpendShare
		billed           string
	}
	cases := map[string]struct {
		reason string
		record *billingv1alpha1.SpendRecord
		limit  string
		want   want
	}{
		"PodsExceedBudget": {
			reason: "The pods cost most of the space: 540 of 570.12 billed, over a budget of 500 that the tagged resources alone (30.12) are far below.",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.BilledCost, r.EffectiveCost = "570.12", "560.5" }, inCluster("540", "40.25")),
			limit:  "500.00",
			want: want{
				budget: ReasonBudgetExceeded, missing: ReasonSpendRecordFound, billed: "570.12",
				inCluster: &v1alpha1.SpendShare{BilledToDate: "540.00", EffectiveToDate: "540.00", IdleToDate: "40.25", IdlePolicy: "requests", Namespaces: []string{"checkout"}},
				cloud:     &v1alpha1.SpendShare{BilledToDate: "30.12", EffectiveToDate: "20.50"},
			},
		},
		"PodsPutBudgetAtRisk": {
			reason: "420 billed by day 19 forecasts about 663 in a 30-day month: at risk against 600, though the tagged resources (20) forecast about 32.",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.BilledCost, r.EffectiveCost = "420", "420" }, inCluster("400", "0")),
			limit:  "600.00",
			want: want{
				budget: ReasonBudgetAtRisk, missing: ReasonSpendRecordFound, billed: "420.00",
				inCluster: &v1alpha1.SpendShare{BilledToDate: "400.00", EffectiveToDate: "400.00", IdleToDate: "0.00", IdlePolicy: "requests", Namespaces: []string{"checkout"}},
				cloud:     &v1alpha1.SpendShare{BilledToDate: "20.00", EffectiveToDate: "20.00"},
			},
		},
		"CloudOnly": {
			reason: "A record without an in-cluster share shows no shares.",
			record: record(func(r *billingv1alpha1.SpendRecord) { r.BilledCost, r.EffectiveCost = "30.12", "30.12" }),
			limit:  "500.00",
			want:   want{budget: ReasonBudgetHealthy, missing: ReasonSpendRecordFound, billed: "30.12"},
		},
		"InvalidInClusterShare": {
			reason: "An in-cluster share that is not an amount makes the record unusable, as any bad amount does.",
			record: record(inCluster("lots", "0")),
			limit:  "500.00",
			want:   want{budget: ReasonNoBillingData, missing: ReasonInvalidSpendRecord},
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
			r := Assess(Inputs{XR: xr, Records: []resource.Required{stored(t, tc.record)}, Config: cfg, Now: now})
			got := want{}
			for _, c := range r.Conditions {
				switch c.Type {
				case TypeBudget:
					got.budget = c.Reason
				case TypeBillingDataMissing:
					got.missing = c.Reason
				}
			}
			if r.Status != nil {
				got.inCluster, got.cloud, got.billed = r.Status.InCluster, r.Status.Cloud, r.Status.BilledToDate
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nAssess(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

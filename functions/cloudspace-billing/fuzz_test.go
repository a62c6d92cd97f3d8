package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/function-sdk-go/resource"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// FuzzAssess feeds arbitrary EnvironmentConfig data to the function as the
// space's spend record. The seed corpus is in testdata/fuzz/FuzzAssess.
// Whatever the data, Assess must not panic, must be deterministic,
// and every figure it reports must be a decimal; a record it accepts must
// be summed exactly; drift contributors are bounded, positive and sorted.
func FuzzAssess(f *testing.F) {
	xr := &v1alpha1.XCloudSpace{Spec: v1alpha1.XCloudSpaceSpec{Budget: v1alpha1.BudgetSpec{MonthlyLimit: "1200.00", Currency: "USD"}}}
	xr.SetName("checkout-7x9kq")
	est := &v1alpha1.CostEstimate{Monthly: "900.00", Currency: "USD", Items: []v1alpha1.CostItem{{Name: "cpu", Monthly: "480.00"}}}
	cfg, errs := NewConfig(&fnv1alpha1.Billing{})
	if len(errs) > 0 {
		f.Fatal(errs)
	}
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, data []byte) {
		m := map[string]any{}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Skip("not a JSON object")
		}
		u := &unstructured.Unstructured{Object: map[string]any{"data": m}}
		u.SetName("spend-fuzz")
		in := Inputs{XR: xr, Estimate: est, Records: []resource.Required{{Resource: u}}, Config: cfg, Now: now}

		r, again := Assess(in), Assess(in)
		if diff := cmp.Diff(r, again, equateDecimals); diff != "" {
			t.Fatalf("Assess(...) is not deterministic: -first +second:\n%s", diff)
		}
		if len(r.Conditions) != 5 {
			t.Fatalf("Assess(...) reported %d conditions, want one of each of 5 types", len(r.Conditions))
		}
		if r.Status == nil {
			return
		}
		for _, v := range []string{r.Status.BilledToDate, r.Status.EffectiveToDate, r.Status.Forecast, r.Status.BudgetUsedPercent, r.Status.ForecastPercent, r.Status.DriftPercent} {
			if v == "" {
				continue
			}
			if _, err := decimal.NewFromString(v); err != nil {
				t.Fatalf("Assess(...) reported %q, not a decimal", v)
			}
		}
		if c := r.Status.DriftContributors; c != nil {
			for _, l := range [][]v1alpha1.CostContributor{c.Services, c.Resources, c.Days} {
				if len(l) > v1alpha1.MaxCostContributors {
					t.Fatalf("Assess(...) named %d contributors in one list, want at most %d", len(l), v1alpha1.MaxCostContributors)
				}
				for i, x := range l {
					d, err := decimal.NewFromString(x.BilledToDate)
					if err != nil || !d.IsPositive() {
						t.Fatalf("Assess(...) named contributor %q with %q, not a positive decimal", x.Name, x.BilledToDate)
					}
					if i > 0 && d.GreaterThan(decimal.RequireFromString(l[i-1].BilledToDate)) {
						t.Fatalf("Assess(...) named contributor %q after a smaller one", x.Name)
					}
				}
			}
		}
		if r.Status.BilledToDate != "" {
			// encoding/json matches keys case-insensitively: read the
			// record as the function did.
			rec, err := billingv1alpha1.FromData(m)
			if err != nil {
				t.Fatalf("Assess(...) accepted a record FromData rejects: %v", err)
			}
			got, want := decimal.RequireFromString(r.Status.BilledToDate), decimal.RequireFromString(rec.BilledCost)
			if !got.Equal(want) {
				t.Fatalf("billedToDate %s is not the record's billedCost %s", got, want)
			}
		}
	})
}

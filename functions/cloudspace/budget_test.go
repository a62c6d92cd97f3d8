package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	budgetsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/budgets/v1beta1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestBudget(t *testing.T) {
	note := func(typ string, th float64) budgetsv1beta1.NotificationParameters {
		return budgetsv1beta1.NotificationParameters{
			NotificationType: ptr(typ), ComparisonOperator: ptr("GREATER_THAN"), Threshold: ptr(th),
			ThresholdType: ptr("PERCENTAGE"), SubscriberEmailAddresses: []*string{ptr("lead@example.com")},
		}
	}
	type want struct {
		fp   *budgetsv1beta1.BudgetParameters
		errs []string
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XCloudSpace
		in     *fnv1alpha1.Composer
		want   want
	}{
		"ActualAndForecasted": {
			reason: "Each threshold, in order, notifies the owner of actual and forecasted spend; the budget counts only the space's tagged resources.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.AlertThresholds = []int{100, 80} }),
			in:     composeInput(),
			want: want{fp: &budgetsv1beta1.BudgetParameters{
				AccountID: ptr("123456789012"), BudgetType: ptr("COST"), TimeUnit: ptr("MONTHLY"),
				LimitAmount: ptr("1200.00"), LimitUnit: ptr("USD"),
				CostFilter:   []budgetsv1beta1.CostFilterParameters{{Name: ptr("TagKeyValue"), Values: []*string{ptr("user:cloudspace$checkout-7x9kq")}}},
				Notification: []budgetsv1beta1.NotificationParameters{note("ACTUAL", 80), note("ACTUAL", 100), note("FORECASTED", 80), note("FORECASTED", 100)},
			}},
		},
		"NoSpaceTag": {
			reason: "Without a tag naming the space the budget has no cost filter.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.AlertThresholds = []int{90} }),
			in: withInput(func(in *fnv1alpha1.Composer) {
				in.TagPolicy = &fnv1alpha1.TagPolicy{Required: []fnv1alpha1.RequiredTag{{Key: "team", FromClaim: ClaimFieldTeam}}}
			}),
			want: want{fp: &budgetsv1beta1.BudgetParameters{
				AccountID: ptr("123456789012"), BudgetType: ptr("COST"), TimeUnit: ptr("MONTHLY"),
				LimitAmount: ptr("1200.00"), LimitUnit: ptr("USD"),
				Notification: []budgetsv1beta1.NotificationParameters{note("ACTUAL", 90), note("FORECASTED", 90)},
			}},
		},
		"Effective": {
			reason: "On the effective cost basis the budget counts amortized cost, not blended, as AWS documents it.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.AlertThresholds = []int{90} }),
			in:     withInput(func(in *fnv1alpha1.Composer) { in.CostBasis = fnv1alpha1.CostBasisEffective }),
			want: want{fp: &budgetsv1beta1.BudgetParameters{
				AccountID: ptr("123456789012"), BudgetType: ptr("COST"), TimeUnit: ptr("MONTHLY"),
				LimitAmount: ptr("1200.00"), LimitUnit: ptr("USD"),
				CostTypes:    []budgetsv1beta1.CostTypesParameters{{UseAmortized: ptr(true), UseBlended: ptr(false)}},
				CostFilter:   []budgetsv1beta1.CostFilterParameters{{Name: ptr("TagKeyValue"), Values: []*string{ptr("user:cloudspace$checkout-7x9kq")}}},
				Notification: []budgetsv1beta1.NotificationParameters{note("ACTUAL", 90), note("FORECASTED", 90)},
			}},
		},
		"Billed": {
			reason: "The billed cost basis, named, is AWS Budgets' default: no cost types.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.AlertThresholds = []int{90} }),
			in:     withInput(func(in *fnv1alpha1.Composer) { in.CostBasis = fnv1alpha1.CostBasisBilled }),
			want: want{fp: &budgetsv1beta1.BudgetParameters{
				AccountID: ptr("123456789012"), BudgetType: ptr("COST"), TimeUnit: ptr("MONTHLY"),
				LimitAmount: ptr("1200.00"), LimitUnit: ptr("USD"),
				CostFilter:   []budgetsv1beta1.CostFilterParameters{{Name: ptr("TagKeyValue"), Values: []*string{ptr("user:cloudspace$checkout-7x9kq")}}},
				Notification: []budgetsv1beta1.NotificationParameters{note("ACTUAL", 90), note("FORECASTED", 90)},
			}},
		},
		"UnsupportedCostBasis": {
			reason: "A cost basis out of the enum composes no budget.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.AlertThresholds = []int{90} }),
			in:     withInput(func(in *fnv1alpha1.Composer) { in.CostBasis = "Amortized" }),
			want:   want{errs: []string{"Unsupported value: costBasis"}},
		},
		"TooManyThresholds": {
			reason: "Six thresholds make twelve notifications, more than AWS Budgets allows.",
			xr:     withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.AlertThresholds = []int{10, 20, 30, 40, 50, 60} }),
			in:     composeInput(),
			want:   want{errs: []string{"Invalid value: spec.budget.alertThresholds"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, tc.xr, tc.in)
			id, _ := ResolveIdentity(s)
			tags, _ := ResolveTags(s)
			p, errs := Budget(s, id, tags)
			got := want{errs: errFields(errs)}
			if len(errs) == 0 {
				got.fp = &p.Object.(*budgetsv1beta1.Budget).Spec.ForProvider
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nBudget(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

package main

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/resource"

	budgetsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/budgets/v1beta1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

// NameBudget is the resource name of the space's budget.
const NameBudget resource.Name = "budget"

// MaxBudgetNotifications is the most notifications AWS Budgets allows on
// one budget.
const MaxBudgetNotifications = 10

// Budget returns the space's monthly cost budget with notifications to the
// owner at each alert threshold, for both actual and forecasted spend. It
// counts the cost of the input's costBasis: unblended (Billed) or amortized
// (Effective). When the tag policy has a tag whose value is the space's
// name, the budget counts only resources with that tag.
func Budget(s *Space, id Identity, tags map[string]string) (Part, field.ErrorList) {
	p := field.NewPath("spec", "budget", "alertThresholds")
	th := slices.Clone(s.Spec.Budget.AlertThresholds)
	slices.Sort(th)
	th = slices.Compact(th)
	if n := 2 * len(th); n > MaxBudgetNotifications {
		return Part{}, field.ErrorList{field.Invalid(p, th, fmt.Sprintf("must list at most %d distinct thresholds: each is an actual and a forecasted notification, and AWS Budgets allows at most %d notifications on a budget", MaxBudgetNotifications/2, MaxBudgetNotifications))}
	}
	notes := make([]budgetsv1beta1.NotificationParameters, 0, 2*len(th))
	for _, typ := range []string{"ACTUAL", "FORECASTED"} {
		for _, t := range th {
			notes = append(notes, budgetsv1beta1.NotificationParameters{
				NotificationType:         ptr(typ),
				ComparisonOperator:       ptr("GREATER_THAN"),
				Threshold:                ptr(float64(t)),
				ThresholdType:            ptr("PERCENTAGE"),
				SubscriberEmailAddresses: []*string{ptr(s.Spec.Owner)},
			})
		}
	}
	b := &budgetsv1beta1.Budget{
		Spec: budgetsv1beta1.BudgetSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: budgetsv1beta1.BudgetParameters{
				BudgetType:   ptr("COST"),
				TimeUnit:     ptr("MONTHLY"),
				LimitAmount:  ptr(s.Spec.Budget.MonthlyLimit),
				LimitUnit:    ptr(s.Spec.Budget.Currency),
				Notification: notes,
			},
		},
	}
	if id.AccountID != "" {
		b.Spec.ForProvider.AccountID = ptr(id.AccountID)
	}
	if s.Input != nil {
		switch s.Input.CostBasis {
		case "", fnv1alpha1.CostBasisBilled:
			// AWS Budgets' default cost types count unblended cost.
		case fnv1alpha1.CostBasisEffective:
			// Amortized cost, as AWS documents it: the amortized rate,
			// not blended.
			b.Spec.ForProvider.CostTypes = []budgetsv1beta1.CostTypesParameters{{UseAmortized: ptr(true), UseBlended: ptr(false)}}
		default:
			return Part{}, ValidateCostBasis(s.Input.CostBasis)
		}
	}
	if k := spaceTag(s, tags); k != "" {
		b.Spec.ForProvider.CostFilter = []budgetsv1beta1.CostFilterParameters{{
			Name:   ptr("TagKeyValue"),
			Values: []*string{ptr("user:" + k + "$" + s.Name)},
		}}
	}
	return Part{Name: NameBudget, Object: b}, nil
}

// ValidateCostBasis checks the input's costBasis against its enum:
// Crossplane does not validate a function input against its schema.
func ValidateCostBasis(b fnv1alpha1.CostBasis) field.ErrorList {
	if b == "" || slices.Contains(fnv1alpha1.CostBases(), b) {
		return nil
	}
	return field.ErrorList{field.NotSupported(field.NewPath("costBasis"), b, fnv1alpha1.CostBases())}
}

// spaceTag returns the key of the required tag whose value is the space's
// name, or "" when there is none.
func spaceTag(s *Space, tags map[string]string) string {
	for _, rt := range tagPolicy(s).Required {
		if rt.FromClaim == ClaimFieldName && tags[rt.Key] == s.Name {
			return rt.Key
		}
	}
	return ""
}

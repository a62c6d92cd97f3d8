package spend

import (
	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// LabelClaimNamespace and LabelClaimName are the labels Crossplane puts on
// the composite resource of a claim.
const (
	LabelClaimNamespace = "crossplane.io/claim-namespace"
	LabelClaimName      = "crossplane.io/claim-name"
)

// Space is what the spend of an XCloudSpace is judged against, from its
// spec and status.
type Space struct {
	// Name of the XCloudSpace composite resource; records name it.
	Name string
	// Claim and Namespace name its claim; Namespace falls back to the
	// tenant namespace (status.namespace) for a space without a claim.
	Claim, Namespace string
	// Team is spec.team.
	Team string

	// Budget is spec.budget.monthlyLimit in Currency; HasBudget is false
	// when the limit is not a non-negative decimal amount.
	Budget    decimal.Decimal
	HasBudget bool
	Currency  string

	// TeamBudget is the team's total monthly budget as the composer last
	// reported it (status.teamQuota.monthlyBudget), in TeamCurrency.
	TeamBudget    decimal.Decimal
	HasTeamBudget bool
	TeamCurrency  string
}

// SpaceOf reads what the spend of xr is judged against.
func SpaceOf(xr *v1alpha1.XCloudSpace) Space {
	l := xr.GetLabels()
	s := Space{Name: xr.GetName(), Claim: l[LabelClaimName], Namespace: l[LabelClaimNamespace], Team: xr.Spec.Team, Currency: xr.Spec.Budget.Currency}
	if s.Namespace == "" {
		s.Namespace = xr.Status.Namespace
	}
	if s.Currency == "" {
		s.Currency = v1alpha1.DefaultCurrency
	}
	if d, err := decimal.NewFromString(xr.Spec.Budget.MonthlyLimit); err == nil && reAmount.MatchString(xr.Spec.Budget.MonthlyLimit) && !d.IsNegative() {
		s.Budget, s.HasBudget = d, true
	}
	if tq := xr.Status.TeamQuota; tq != nil && tq.MonthlyBudget != nil {
		if d, err := decimal.NewFromString(tq.MonthlyBudget.Hard); err == nil && reAmount.MatchString(tq.MonthlyBudget.Hard) && !d.IsNegative() {
			s.TeamBudget, s.HasTeamBudget, s.TeamCurrency = d, true, tq.MonthlyBudget.Currency
		}
	}
	return s
}

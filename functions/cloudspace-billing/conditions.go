package main

import (
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Condition types the function reports on the XR and its claim.
//
// The budget is one condition, Budget, whose reason is BudgetHealthy,
// BudgetAtRisk or BudgetExceeded: the three are mutually exclusive states
// of one thing, so one type cannot contradict itself the way three
// separate conditions could (two True at once, or a stale one left
// behind), a change between them is a single transition and a single
// event, and its positive polarity (True means within budget) lets
// `kubectl wait --for=condition=Budget` work. CostDrift, BillingDataMissing
// and BillingDataStale keep the names the platform documents; like
// Kubernetes node pressure conditions, True means the problem is present.
// CostAttribution is True when the billed resources and the composed ones
// match.
const (
	TypeBudget             = "Budget"
	TypeCostDrift          = "CostDrift"
	TypeBillingDataMissing = "BillingDataMissing"
	TypeBillingDataStale   = "BillingDataStale"
	TypeCostAttribution    = "CostAttribution"
)

// Reasons of the conditions.
const (
	// Budget.
	ReasonBudgetHealthy  = "BudgetHealthy"
	ReasonBudgetAtRisk   = "BudgetAtRisk"
	ReasonBudgetExceeded = "BudgetExceeded"
	ReasonInvalidBudget  = "InvalidBudget"

	// Shared by every judgement that needs billing data.
	ReasonNoBillingData = "NoBillingData"

	// CostDrift.
	ReasonWithinTolerance  = "WithinTolerance"
	ReasonAboveEstimate    = "AboveEstimate"
	ReasonBelowEstimate    = "BelowEstimate"
	ReasonNoEstimate       = "NoEstimate"
	ReasonInsufficientData = "InsufficientData"

	// BillingDataMissing.
	ReasonSpendRecordFound   = "SpendRecordFound"
	ReasonNoSpendRecords     = "NoSpendRecords"
	ReasonInvalidSpendRecord = "InvalidSpendRecord"
	ReasonCurrencyMismatch   = "CurrencyMismatch"
	// ReasonSpaceNotAttributable: the XR's name cannot be a label value,
	// so no spend record can name it.
	ReasonSpaceNotAttributable = "SpaceNotAttributable"

	// BillingDataStale.
	ReasonFresh            = "Fresh"
	ReasonStale            = "Stale"
	ReasonCheckDisabled    = "CheckDisabled"
	ReasonNoChargePeriods  = "NoChargePeriods"
	ReasonNoComposedIDs    = "NoComposedIDs"
	ReasonAttributed       = "Attributed"
	ReasonOrphanSpend      = "OrphanSpend"
	ReasonUnbilledResource = "UnbilledResources"
)

// State is the status of a condition.
type State int

// Condition states.
const (
	False State = iota
	True
	Unknown
)

// Condition is a condition to report. A Problem condition's transitions
// are Warning results; others are Normal results. An Unknown condition
// adds no result: another condition explains why it cannot be judged.
type Condition struct {
	Type    string
	State   State
	Reason  string
	Message string
	Problem bool
}

// SetConditions writes cs to the XR and its claim. A result is added only
// when a condition's status or reason differs from the XR req observed, so
// a steady state emits no events.
func SetConditions(rsp *fnv1.RunFunctionResponse, req *fnv1.RunFunctionRequest, cs []Condition) {
	for _, c := range cs {
		if c.State != Unknown {
			xfn.SetCondition(rsp, req, xfn.Condition{Type: c.Type, Status: c.State == True, Reason: c.Reason, Message: c.Message, Problem: c.Problem})
			continue
		}
		co := response.ConditionUnknown(rsp, c.Type, c.Reason).TargetCompositeAndClaim()
		if c.Message != "" {
			co.WithMessage(c.Message)
		}
	}
}

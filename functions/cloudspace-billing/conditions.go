package main

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
	// ReasonBudgetHealthy and the three below are the reasons of Budget.
	ReasonBudgetHealthy  = "BudgetHealthy"
	ReasonBudgetAtRisk   = "BudgetAtRisk"
	ReasonBudgetExceeded = "BudgetExceeded"
	ReasonInvalidBudget  = "InvalidBudget"

	// ReasonNoBillingData is shared by every judgement that needs billing data.
	ReasonNoBillingData = "NoBillingData"

	// ReasonWithinTolerance and the four below are the reasons of CostDrift.
	ReasonWithinTolerance  = "WithinTolerance"
	ReasonAboveEstimate    = "AboveEstimate"
	ReasonBelowEstimate    = "BelowEstimate"
	ReasonNoEstimate       = "NoEstimate"
	ReasonInsufficientData = "InsufficientData"

	// ReasonSpendRecordFound and the four below are the reasons of
	// BillingDataMissing.
	ReasonSpendRecordFound   = "SpendRecordFound"
	ReasonNoSpendRecords     = "NoSpendRecords"
	ReasonInvalidSpendRecord = "InvalidSpendRecord"
	ReasonCurrencyMismatch   = "CurrencyMismatch"
	// ReasonSpaceNotAttributable: the XR's name cannot be a label value,
	// so no spend record can name it.
	ReasonSpaceNotAttributable = "SpaceNotAttributable"

	// ReasonFresh and the three below are the reasons of BillingDataStale.
	ReasonFresh           = "Fresh"
	ReasonStale           = "Stale"
	ReasonCheckDisabled   = "CheckDisabled"
	ReasonNoChargePeriods = "NoChargePeriods"

	// ReasonNoComposedIDs and those below are the reasons of CostAttribution.
	ReasonNoComposedIDs     = "NoComposedIDs"
	ReasonAttributed        = "Attributed"
	ReasonOrphanSpend       = "OrphanSpend"
	ReasonUnbilledResources = "UnbilledResources"
)

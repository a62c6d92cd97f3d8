package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BillingKind is the kind of the function-cloudspace-billing input.
const BillingKind = "Billing"

// Billing is the input of function-cloudspace-billing.
type Billing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// DriftTolerancePercent is how far actual spend may stray from the
	// prorated estimate, in percent, before CostDrift is reported.
	DriftTolerancePercent string `json:"driftTolerancePercent,omitempty"`

	// AtRiskPercent is the forecast, as a percentage of the budget, from
	// which the budget is at risk.
	AtRiskPercent string `json:"atRiskPercent,omitempty"`

	// StalenessLimit is how old billing data may be before it is stale, a
	// Go duration such as "48h".
	StalenessLimit string `json:"stalenessLimit,omitempty"`

	// TTL is how long Crossplane may cache the function's response, a Go
	// duration such as "15m".
	TTL string `json:"ttl,omitempty"`
}

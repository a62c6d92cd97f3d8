package notify

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
	spacev1alpha1 "github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Condition types and reasons the billing function reports on the XR
// (functions/cloudspace-billing/conditions.go): the controller reads them
// back.
const (
	TypeBudget             = "Budget"
	TypeCostDrift          = "CostDrift"
	TypeBillingDataMissing = "BillingDataMissing"
	TypeBillingDataStale   = "BillingDataStale"

	ReasonBudgetHealthy  = "BudgetHealthy"
	ReasonBudgetAtRisk   = "BudgetAtRisk"
	ReasonBudgetExceeded = "BudgetExceeded"

	ReasonWithinTolerance = "WithinTolerance"
	ReasonAboveEstimate   = "AboveEstimate"
	ReasonBelowEstimate   = "BelowEstimate"

	ReasonFresh         = "Fresh"
	ReasonStale         = "Stale"
	ReasonCheckDisabled = "CheckDisabled"

	ReasonSpendRecordFound = "SpendRecordFound"
	ReasonNoSpendRecords   = "NoSpendRecords"
)

// Condition is a condition of the XR as read.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	// LastTransitionTime is when the status or reason last changed, as
	// Crossplane writes it (RFC 3339).
	LastTransitionTime string `json:"lastTransitionTime"`
}

// ClaimRef names a space's claim.
type ClaimRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Space is what the controller reads of an XCloudSpace.
type Space struct {
	Name        string
	Team        string
	Owner       string
	Environment string
	Limit       string
	Currency    string
	Claim       *ClaimRef
	Conditions  map[string]Condition
	Billing     *spacev1alpha1.BillingStatus
	Estimate    *spacev1alpha1.CostEstimate
}

// xr is the part of an XCloudSpace the controller reads, leniently.
type xr struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Team        string                   `json:"team"`
		Owner       string                   `json:"owner"`
		Environment string                   `json:"environment"`
		Budget      spacev1alpha1.BudgetSpec `json:"budget"`
		ClaimRef    *ClaimRef                `json:"claimRef"`
	} `json:"spec"`
	Status struct {
		Conditions []Condition                  `json:"conditions"`
		Billing    *spacev1alpha1.BillingStatus `json:"billing"`
		Estimate   *spacev1alpha1.CostEstimate  `json:"estimate"`
	} `json:"status"`
}

// ParseSpace reads an XCloudSpace from its unstructured content.
func ParseSpace(obj map[string]any) (*Space, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal XCloudSpace: %w", err)
	}
	var x xr
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, fmt.Errorf("cannot unmarshal XCloudSpace: %w", err)
	}
	s := &Space{
		Name: x.Metadata.Name, Team: x.Spec.Team, Owner: x.Spec.Owner, Environment: x.Spec.Environment,
		Limit: x.Spec.Budget.MonthlyLimit, Currency: x.Spec.Budget.Currency, Claim: x.Spec.ClaimRef,
		Conditions: map[string]Condition{}, Billing: x.Status.Billing, Estimate: x.Status.Estimate,
	}
	if s.Currency == "" {
		s.Currency = spacev1alpha1.DefaultCurrency
	}
	if s.Claim != nil && (s.Claim.Name == "" || s.Claim.Namespace == "") {
		s.Claim = nil
	}
	for _, c := range x.Status.Conditions {
		s.Conditions[c.Type] = c
	}
	return s, nil
}

// Observe judges one kind of a space at now.
func Observe(s *Space, kind string, now time.Time) Observation {
	o := Observation{Kind: kind}
	period := ""
	if s.Billing != nil {
		period = s.Billing.Period
	}
	switch kind {
	case v1alpha1.KindBudget:
		c := s.Conditions[TypeBudget]
		o.Period, o.Reason, o.Message, o.Since = period, c.Reason, c.Message, c.LastTransitionTime
		switch {
		case c.Status == "True" && c.Reason == ReasonBudgetHealthy:
			o.Level = Healthy
		case c.Status == "False" && c.Reason == ReasonBudgetAtRisk:
			o.Level = Warning
		case c.Status == "False" && c.Reason == ReasonBudgetExceeded:
			o.Level = Critical
		}
	case v1alpha1.KindDrift:
		c := s.Conditions[TypeCostDrift]
		o.Period, o.Reason, o.Message, o.Since = period, c.Reason, c.Message, c.LastTransitionTime
		switch {
		case c.Status == "False" && c.Reason == ReasonWithinTolerance:
			o.Level = Healthy
		case c.Status == "True" && (c.Reason == ReasonAboveEstimate || c.Reason == ReasonBelowEstimate):
			o.Level = Warning
		}
	case v1alpha1.KindStale:
		// Stale data is a problem of the present, whatever month the data
		// is of: its period is the clock's.
		o.Period = Period(now)
		st, miss := s.Conditions[TypeBillingDataStale], s.Conditions[TypeBillingDataMissing]
		switch {
		case miss.Status == "True" && miss.Reason != ReasonNoSpendRecords && miss.Reason != "":
			o.Level, o.Reason, o.Message, o.Since = Warning, miss.Reason, miss.Message, miss.LastTransitionTime
		case st.Status == "True" && st.Reason == ReasonStale:
			o.Level, o.Reason, o.Message, o.Since = Warning, st.Reason, st.Message, st.LastTransitionTime
		case st.Status == "False" && (st.Reason == ReasonFresh || st.Reason == ReasonCheckDisabled):
			o.Level, o.Reason, o.Message, o.Since = Healthy, st.Reason, st.Message, st.LastTransitionTime
		default:
			o.Reason, o.Message, o.Since = st.Reason, st.Message, st.LastTransitionTime
		}
	}
	if o.Period == "" {
		o.Level = Unknown
	}
	return o
}

// Period returns the billing period, "YYYY-MM", of an instant (UTC).
func Period(t time.Time) string { return t.UTC().Format("2006-01") }

// PeriodEnd returns the end of a billing period: the start of the next
// month, UTC. ok is false when period is not "YYYY-MM".
func PeriodEnd(period string) (time.Time, bool) {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return time.Time{}, false
	}
	return t.AddDate(0, 1, 0), true
}

// Ended reports whether a period has ended at now. A period that cannot be
// parsed has ended: nothing can be opened for it.
func Ended(period string, now time.Time) bool {
	end, ok := PeriodEnd(period)
	return !ok || !now.Before(end)
}

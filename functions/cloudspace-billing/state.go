package main

import (
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// State refines the space's one-word state with its budget. base is the
// state the composer set in this reconcile, or the observed one when the
// composer did not run. A refused space stays refused; an admitted one is
// AtRisk or OverBudget while its Budget condition says so, and otherwise
// keeps the composer's state. It returns false when the state is left as
// it is.
func State(base v1alpha1.State, cs []xfn.Condition) (v1alpha1.State, string, bool) {
	if base == v1alpha1.StateRefused {
		return "", "", false
	}
	for _, c := range cs {
		if c.Type != TypeBudget {
			continue
		}
		switch c.Reason {
		case ReasonBudgetExceeded:
			return v1alpha1.StateOverBudget, xfn.OneLine(c.Message, v1alpha1.MaxStateReasonLength), true
		case ReasonBudgetAtRisk:
			return v1alpha1.StateAtRisk, xfn.OneLine(c.Message, v1alpha1.MaxStateReasonLength), true
		}
	}
	if base == v1alpha1.StateAtRisk || base == v1alpha1.StateOverBudget {
		// Only an observed state can be one of ours: the budget is no
		// longer a problem.
		return v1alpha1.StateReady, "The budget is no longer at risk", true
	}
	return "", "", false
}

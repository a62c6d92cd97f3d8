package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

func TestState(t *testing.T) {
	budget := func(reason string) []xfn.Condition {
		return []xfn.Condition{{Type: TypeCostDrift, Reason: ReasonAboveEstimate}, {Type: TypeBudget, Reason: reason, Message: "Forecast 1300.00 USD\nis over the budget"}}
	}
	type want struct {
		state v1alpha1.State
		why   string
		ok    bool
	}
	cases := map[string]struct {
		reason string
		base   v1alpha1.State
		cs     []xfn.Condition
		want   want
	}{
		"Exceeded":           {"An admitted space over its budget is OverBudget, its reason the Budget message on one line.", v1alpha1.StateReady, budget(ReasonBudgetExceeded), want{v1alpha1.StateOverBudget, "Forecast 1300.00 USD is over the budget", true}},
		"AtRiskProvisioning": {"A space still provisioning can be at risk too.", v1alpha1.StateProvisioning, budget(ReasonBudgetAtRisk), want{v1alpha1.StateAtRisk, "Forecast 1300.00 USD is over the budget", true}},
		"Healthy":            {"A healthy budget leaves the composer's state.", v1alpha1.StateReady, budget(ReasonBudgetHealthy), want{}},
		"RefusedStays":       {"A refused space stays refused whatever its budget.", v1alpha1.StateRefused, budget(ReasonBudgetExceeded), want{}},
		"HealthyAgain":       {"An observed OverBudget (the composer did not run) turns Ready once the budget is healthy.", v1alpha1.StateOverBudget, budget(ReasonBudgetHealthy), want{v1alpha1.StateReady, "The budget is no longer at risk", true}},
		"NoBudget":           {"No Budget condition, no change.", v1alpha1.StateReady, nil, want{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st, why, ok := State(tc.base, tc.cs)
			if diff := cmp.Diff(tc.want, want{st, why, ok}, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nState(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
	if got := xfn.OneLine(strings.Repeat("x ", 300), v1alpha1.MaxStateReasonLength); len([]rune(got)) != v1alpha1.MaxStateReasonLength {
		t.Errorf("OneLine(): want at most %d characters, got %d", v1alpha1.MaxStateReasonLength, len([]rune(got)))
	}
}

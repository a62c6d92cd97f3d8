package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/testing/protocmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"
)

func TestSetConditions(t *testing.T) {
	claim := fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()
	type want struct {
		conditions []*fnv1.Condition
		results    []*fnv1.Result
	}
	cases := map[string]struct {
		reason string
		xr     map[string]any
		cs     []Condition
		want   want
	}{
		"ProblemTransitionWarns": {
			reason: "a problem condition the XR does not have yet is a Warning",
			xr:     space(),
			cs:     []Condition{{Type: TypeBudget, State: False, Reason: ReasonBudgetExceeded, Message: "over", Problem: true}},
			want: want{
				conditions: []*fnv1.Condition{{Type: TypeBudget, Status: fnv1.Status_STATUS_CONDITION_FALSE, Reason: ReasonBudgetExceeded, Message: new("over"), Target: claim}},
				results:    []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_WARNING, Reason: new(ReasonBudgetExceeded), Message: "over", Target: claim}},
			},
		},
		"UnknownIsQuiet": {
			reason: "an Unknown condition is reported without a result: another condition explains it",
			xr:     space(),
			cs:     []Condition{{Type: TypeCostDrift, State: Unknown, Reason: ReasonNoEstimate, Message: "no estimate"}},
			want: want{
				conditions: []*fnv1.Condition{{Type: TypeCostDrift, Status: fnv1.Status_STATUS_CONDITION_UNKNOWN, Reason: ReasonNoEstimate, Message: new("no estimate"), Target: claim}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: toStruct(t, tc.xr)}}}
			rsp := response.To(req, response.DefaultTTL)
			SetConditions(rsp, req, tc.cs)
			got := want{conditions: rsp.GetConditions(), results: rsp.GetResults()}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), protocmp.Transform(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nSetConditions(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

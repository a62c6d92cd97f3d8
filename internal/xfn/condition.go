package xfn

import (
	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"
)

// Condition is a custom condition a function reports on the composite
// resource and its claim. Type and Reason are CamelCase; Message is stable
// (no timestamps) so that the condition does not flap.
type Condition struct {
	Type    string
	Status  bool
	Reason  string
	Message string

	// Problem marks a condition users should be warned about: its
	// transition is reported as a Warning result rather than a Normal one.
	Problem bool
}

// SetCondition writes c to the composite resource and its claim. When c
// differs in status or reason from the same condition on the composite
// resource req observed, it also adds a result (Warning for a problem, Normal
// otherwise), which Crossplane turns into an event. A condition that holds
// steady adds no result, so events are not repeated on every reconcile.
func SetCondition(rsp *fnv1.RunFunctionResponse, req *fnv1.RunFunctionRequest, c Condition) {
	var co *response.ConditionOption
	if c.Status {
		co = response.ConditionTrue(rsp, c.Type, c.Reason)
	} else {
		co = response.ConditionFalse(rsp, c.Type, c.Reason)
	}
	co.TargetCompositeAndClaim()
	if c.Message != "" {
		co.WithMessage(c.Message)
	}
	if !Transitioned(req.GetObserved().GetComposite().GetResource(), c) {
		return
	}
	if c.Problem {
		response.Warning(rsp, errorString(c.Message)).WithReason(c.Reason).TargetCompositeAndClaim()
		return
	}
	response.Normal(rsp, c.Message).WithReason(c.Reason).TargetCompositeAndClaim()
}

// Transitioned reports whether c differs in status or reason from the
// condition of its type on the observed composite resource xr.
func Transitioned(xr *structpb.Struct, c Condition) bool {
	want := corev1.ConditionFalse
	if c.Status {
		want = corev1.ConditionTrue
	}
	status, reason, ok := condition(xr, c.Type)
	return !ok || status != string(want) || reason != c.Reason
}

type errorString string

func (e errorString) Error() string { return string(e) }

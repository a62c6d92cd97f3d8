package xfn

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"
)

// ConditionStatus is the status of a condition.
type ConditionStatus int

// Condition statuses. The zero value is False.
const (
	False ConditionStatus = iota
	True
	Unknown
)

// String is the status as Kubernetes writes it: "False", "True" or
// "Unknown".
func (s ConditionStatus) String() string {
	switch s {
	case True:
		return string(corev1.ConditionTrue)
	case False:
		return string(corev1.ConditionFalse)
	default:
		return string(corev1.ConditionUnknown)
	}
}

// Condition is a custom condition a function reports on the composite
// resource and its claim. Type and Reason are CamelCase; Message is stable
// (no timestamps) so that the condition does not flap.
type Condition struct {
	Type    string
	Status  ConditionStatus
	Reason  string
	Message string

	// Problem marks a condition users should be warned about: its
	// transition is reported as a Warning result rather than a Normal one.
	Problem bool
}

// SetConditions writes cs, in order, to the composite resource and its
// claim. When a True or False condition differs in status or reason from
// the same condition on the composite resource req observed, it also adds
// a result (Warning for a problem, Normal otherwise), which Crossplane
// turns into an event. A condition that holds steady adds no result, so
// events are not repeated on every reconcile. An Unknown condition never
// adds a result: another condition says why it cannot be judged.
func SetConditions(rsp *fnv1.RunFunctionResponse, req *fnv1.RunFunctionRequest, cs ...Condition) {
	xr := req.GetObserved().GetComposite().GetResource()
	for _, c := range cs {
		var co *response.ConditionOption
		switch c.Status {
		case True:
			co = response.ConditionTrue(rsp, c.Type, c.Reason)
		case False:
			co = response.ConditionFalse(rsp, c.Type, c.Reason)
		default:
			co = response.ConditionUnknown(rsp, c.Type, c.Reason)
		}
		co.TargetCompositeAndClaim()
		if c.Message != "" {
			co.WithMessage(c.Message)
		}
		if c.Status == Unknown || !transitioned(xr, c) {
			continue
		}
		if c.Problem {
			response.Warning(rsp, messageError(c.Message)).WithReason(c.Reason).TargetCompositeAndClaim()
			continue
		}
		response.Normal(rsp, c.Message).WithReason(c.Reason).TargetCompositeAndClaim()
	}
}

// transitioned reports whether c differs in status or reason from the
// condition of its type on the observed composite resource xr.
func transitioned(xr *structpb.Struct, c Condition) bool {
	status, reason, ok := ConditionOf(xr, c.Type)
	return !ok || status != c.Status.String() || reason != c.Reason
}

// messageError is a message as the error response.Warning takes.
type messageError string

func (e messageError) Error() string { return string(e) }

// OneLine returns s with its runs of white space made one space, cut to at
// most n characters with an ellipsis: a message for one line of kubectl
// output.
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

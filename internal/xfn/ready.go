package xfn

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// Observed is the observed composed resources of a request, by name, as
// the request carries them. It reads them in place: converting every
// observed resource to unstructured content, as
// request.GetObservedComposedResources does, costs more than composing
// them when a function needs only their conditions and a few identifiers.
// It is read only: the objects are the request's.
type Observed map[resource.Name]*structpb.Struct

// ObservedOf returns the observed composed resources of req.
func ObservedOf(req *fnv1.RunFunctionRequest) Observed {
	rs := req.GetObserved().GetResources()
	o := make(Observed, len(rs))
	for name, r := range rs {
		o[resource.Name(name)] = r.GetResource()
	}
	return o
}

// Has reports whether name has been observed.
func (o Observed) Has(name resource.Name) bool {
	_, ok := o[name]
	return ok
}

// Names returns the names of the observed resources, sorted.
func (o Observed) Names() []resource.Name {
	return slices.Sorted(maps.Keys(o))
}

// ReadyIfExists is ready once the resource has been observed at all. Use it
// for kinds that have no status conditions, such as Namespace,
// ResourceQuota, LimitRange, RoleBinding and NetworkPolicy.
func (o Observed) ReadyIfExists(name resource.Name) resource.Ready {
	if o.Has(name) {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// ReadyIfConditionTrue is ready when the observed resource's Ready
// condition is True, as managed resources of Crossplane providers report.
func (o Observed) ReadyIfConditionTrue(name resource.Name) resource.Ready {
	if s, _ := o.ConditionStatus(name, xpv1.TypeReady); s == corev1.ConditionTrue {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// ConditionStatus returns the status of the condition typ of an observed
// resource; ok is false when the resource or the condition is absent.
func (o Observed) ConditionStatus(name resource.Name, typ xpv1.ConditionType) (status corev1.ConditionStatus, ok bool) {
	s, _, ok := ConditionOf(o[name], string(typ))
	if !ok {
		return corev1.ConditionUnknown, false
	}
	return corev1.ConditionStatus(s), true
}

// String returns the string at path of an observed resource, or "" when
// the resource or field is absent or not a string.
func (o Observed) String(name resource.Name, path ...string) string {
	return Field(o[name], path...).GetStringValue()
}

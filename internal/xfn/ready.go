package xfn

import (
	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/crossplane/function-sdk-go/resource"
)

// Observed is the observed composed resources of a request, by name.
type Observed map[resource.Name]resource.ObservedComposed

// ReadyIfExists is ready once the resource has been observed at all. Use it
// for kinds that have no status conditions, such as Namespace,
// ResourceQuota, LimitRange, RoleBinding and NetworkPolicy.
func (o Observed) ReadyIfExists(name resource.Name) resource.Ready {
	if _, ok := o[name]; ok {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// ReadyIfConditionTrue is ready when the observed resource's Ready
// condition is True, as managed resources of Crossplane providers report.
func (o Observed) ReadyIfConditionTrue(name resource.Name) resource.Ready {
	r, ok := o[name]
	if !ok {
		return resource.ReadyFalse
	}
	if r.Resource.GetCondition(xpv1.TypeReady).Status == corev1.ConditionTrue {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// String returns a string field of an observed resource, or "" when the
// resource or field is absent.
func (o Observed) String(name resource.Name, path string) string {
	r, ok := o[name]
	if !ok {
		return ""
	}
	v, err := r.Resource.GetString(path)
	if err != nil {
		return ""
	}
	return v
}

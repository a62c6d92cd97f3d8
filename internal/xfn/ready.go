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
	if s, _ := o.ConditionStatus(name, xpv1.TypeReady); s == corev1.ConditionTrue {
		return resource.ReadyTrue
	}
	return resource.ReadyFalse
}

// ConditionStatus returns the status of the condition typ of an observed
// resource; ok is false when the resource or the condition is absent. It
// reads status.conditions directly: GetCondition of composed.Unstructured
// round-trips the whole observed status, atProvider and all, through JSON,
// which cost a tenth of a call that observes every resource.
func (o Observed) ConditionStatus(name resource.Name, typ xpv1.ConditionType) (status corev1.ConditionStatus, ok bool) {
	r, found := o[name]
	if !found || r.Resource == nil {
		return corev1.ConditionUnknown, false
	}
	st, _ := r.Resource.Object["status"].(map[string]any)
	cs, _ := st["conditions"].([]any)
	for _, c := range cs {
		cm, _ := c.(map[string]any)
		if cm["type"] == string(typ) {
			s, _ := cm["status"].(string)
			return corev1.ConditionStatus(s), true
		}
	}
	return corev1.ConditionUnknown, false
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

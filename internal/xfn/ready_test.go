package xfn

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

func TestReadyIfConditionTrue(t *testing.T) {
	cond := func(typ, status string) resource.ObservedComposed {
		u := composed.New()
		u.Object = map[string]any{"status": map[string]any{
			"atProvider": map[string]any{"id": "x"},
			"conditions": []any{
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2024-01-01T00:00:00Z"},
				map[string]any{"type": typ, "status": status, "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"},
			},
		}}
		return resource.ObservedComposed{Resource: u}
	}
	weird := composed.New()
	weird.Object = map[string]any{"status": map[string]any{"conditions": "not a list"}}
	o := Observed{
		"ready":     cond("Ready", "True"),
		"not-ready": cond("Ready", "False"),
		"unknown":   cond("Ready", "Unknown"),
		"synced":    cond("Other", "True"),
		"empty":     {Resource: composed.New()},
		"weird":     {Resource: weird},
	}
	// The direct read must agree with composed.Unstructured.GetCondition,
	// which it replaces for speed.
	for _, name := range []resource.Name{"ready", "not-ready", "unknown", "synced", "empty", "weird", "absent"} {
		want := resource.ReadyFalse
		if r, ok := o[name]; ok && r.Resource.GetCondition(xpv1.TypeReady).Status == corev1.ConditionTrue {
			want = resource.ReadyTrue
		}
		if got := o.ReadyIfConditionTrue(name); got != want {
			t.Errorf("ReadyIfConditionTrue(%q): want %v as GetCondition gives, got %v", name, want, got)
		}
	}
	if s, ok := o.ConditionStatus("not-ready", xpv1.TypeReady); s != corev1.ConditionFalse || !ok {
		t.Errorf("ConditionStatus(not-ready, Ready) = %v, %t; want False, true", s, ok)
	}
	if s, ok := o.ConditionStatus("synced", xpv1.TypeReady); s != corev1.ConditionUnknown || ok {
		t.Errorf("ConditionStatus(synced, Ready) = %v, %t; want Unknown, false", s, ok)
	}
}

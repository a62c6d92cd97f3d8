package xfn

import (
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
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
	u := map[resource.Name]resource.ObservedComposed{
		"ready":     cond("Ready", "True"),
		"not-ready": cond("Ready", "False"),
		"unknown":   cond("Ready", "Unknown"),
		"synced":    cond("Other", "True"),
		"empty":     {Resource: composed.New()},
		"weird":     {Resource: weird},
	}
	o := Observed{}
	for name, r := range u {
		s, err := structpb.NewStruct(r.Resource.Object)
		if err != nil {
			t.Fatal(err)
		}
		o[name] = s
	}
	// The read in place must agree with composed.Unstructured.GetCondition
	// of the converted resource, which it replaces for speed.
	for _, name := range []resource.Name{"ready", "not-ready", "unknown", "synced", "empty", "weird", "absent"} {
		want := resource.ReadyFalse
		if r, ok := u[name]; ok && r.Resource.GetCondition(xpv1.TypeReady).Status == corev1.ConditionTrue {
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

func TestObservedString(t *testing.T) {
	o := Observed{"bucket": mustStruct(t, `{"status":{"atProvider":{"id":"b-1","arn":"arn:aws:s3:::b-1","tags":{"a":"b"}}}}`)}
	cases := map[string]struct {
		reason string
		name   resource.Name
		path   []string
		want   string
	}{
		"String":      {reason: "a string at the path is returned", name: "bucket", path: []string{"status", "atProvider", "arn"}, want: "arn:aws:s3:::b-1"},
		"NotAString":  {reason: "an object at the path is not a string", name: "bucket", path: []string{"status", "atProvider", "tags"}},
		"PastAString": {reason: "a path through a string finds nothing", name: "bucket", path: []string{"status", "atProvider", "id", "x"}},
		"NoField":     {reason: "an absent field is empty", name: "bucket", path: []string{"status", "atProvider", "owner"}},
		"NoResource":  {reason: "an unobserved resource is empty", name: "vpc", path: []string{"status", "atProvider", "id"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := o.String(tc.name, tc.path...); got != tc.want {
				t.Errorf("%s\nString(%q, %v): want %q, got %q", tc.reason, tc.name, tc.path, tc.want, got)
			}
		})
	}
}

package xfntest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

func TestRequest(t *testing.T) {
	type cm struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Data       map[string]string `json:"data"`
	}
	got := Request(
		WithTag("t"),
		WithInput(map[string]any{"apiVersion": "fn.cloudspace.dev/v1alpha1", "kind": "Composer"}),
		WithObservedComposite(map[string]any{"kind": "XCloudSpace"}),
		WithObserved("cm", cm{APIVersion: "v1", Kind: "ConfigMap", Data: map[string]string{"a": "b"}}),
		WithDesiredComposite(map[string]any{"kind": "XCloudSpace", "status": map[string]any{"namespace": "a"}}, fnv1.Ready_READY_FALSE),
		WithRequired("team"),
		WithCapabilities(fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES),
	)
	want := &fnv1.RunFunctionRequest{
		Meta:  &fnv1.RequestMeta{Tag: "t", Capabilities: []fnv1.Capability{fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES}},
		Input: resource.MustStructJSON(`{"apiVersion":"fn.cloudspace.dev/v1alpha1","kind":"Composer"}`),
		Observed: &fnv1.State{
			Composite: &fnv1.Resource{Resource: resource.MustStructJSON(`{"kind":"XCloudSpace"}`)},
			Resources: map[string]*fnv1.Resource{"cm": {Resource: resource.MustStructJSON(`{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"b"}}`)}},
		},
		Desired: &fnv1.State{Composite: &fnv1.Resource{
			Resource: resource.MustStructJSON(`{"kind":"XCloudSpace","status":{"namespace":"a"}}`), Ready: fnv1.Ready_READY_FALSE,
		}},
		RequiredResources: map[string]*fnv1.Resources{"team": {}},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("Request(...): -want +got:\n%s", diff)
	}
}

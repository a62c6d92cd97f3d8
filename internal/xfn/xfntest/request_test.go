package xfntest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

func TestRequest(t *testing.T) {
	type cm struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Data       map[string]string `json:"data"`
	}
	got := Request(
		WithInput(map[string]any{"apiVersion": "fn.cloudspace.dev/v1alpha1", "kind": "Composer"}),
		WithObservedComposite(map[string]any{"kind": "XCloudSpace"}),
		WithObserved("cm", cm{APIVersion: "v1", Kind: "ConfigMap", Data: map[string]string{"a": "b"}}),
		WithRequired("team"),
		WithCapabilities(fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES),
	)
	want := &fnv1.RunFunctionRequest{
		Meta:  &fnv1.RequestMeta{Capabilities: []fnv1.Capability{fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES}},
		Input: resource.MustStructJSON(`{"apiVersion":"fn.cloudspace.dev/v1alpha1","kind":"Composer"}`),
		Observed: &fnv1.State{
			Composite: &fnv1.Resource{Resource: resource.MustStructJSON(`{"kind":"XCloudSpace"}`)},
			Resources: map[string]*fnv1.Resource{"cm": {Resource: resource.MustStructJSON(`{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"b"}}`)}},
		},
		Desired:           &fnv1.State{},
		RequiredResources: map[string]*fnv1.Resources{"team": {}},
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("Request(...): -want +got:\n%s", diff)
	}
}

func TestReceived(t *testing.T) {
	s, err := Struct(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := xfn.Encoded(s)
	if err != nil {
		t.Fatal(err)
	}
	rsp := &fnv1.RunFunctionResponse{Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{"ns": {Resource: e, Ready: fnv1.Ready_READY_TRUE}}}}
	got := Received(t, rsp).GetDesired().GetResources()["ns"]
	if diff := cmp.Diff(s, got.GetResource(), protocmp.Transform()); diff != "" {
		t.Errorf("Received(...): an encoded resource must arrive with its fields: -want +got:\n%s", diff)
	}
	if got.GetReady() != fnv1.Ready_READY_TRUE {
		t.Errorf("Received(...): want READY_TRUE, got %v", got.GetReady())
	}
}

package xfn

import (
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"
)

// Desired accumulates desired composed resources. It starts from what
// earlier pipeline steps desired, so a step never drops their work.
type Desired struct {
	resources map[resource.Name]*resource.DesiredComposed
}

// NewDesired returns the desired composed resources of earlier steps.
func NewDesired(req *fnv1.RunFunctionRequest) (*Desired, error) {
	m, err := request.GetDesiredComposedResources(req)
	if err != nil {
		return nil, fmt.Errorf("cannot get desired composed resources: %w", err)
	}
	return &Desired{resources: m}, nil
}

// Set desires obj under name with the given readiness. obj is a typed
// object whose type is registered in composed.Scheme.
func (d *Desired) Set(name resource.Name, obj runtime.Object, ready resource.Ready) error {
	u, err := composed.From(obj)
	if err != nil {
		return fmt.Errorf("cannot convert %T %q to a composed resource: %w", obj, name, err)
	}
	d.resources[name] = &resource.DesiredComposed{Resource: u, Ready: ready}
	return nil
}

// Keep desires an observed composed resource exactly as it was observed:
// same kind, name, labels, annotations, owners and spec. Use it to hold
// resources steady when a request is rejected. Status, and the metadata the
// API server owns, are left out: an apply with managedFields is refused and
// a stale resourceVersion would conflict.
func (d *Desired) Keep(name resource.Name, o resource.ObservedComposed) {
	u := composed.New()
	u.SetUnstructuredContent(runtime.DeepCopyJSON(o.Resource.UnstructuredContent()))
	delete(u.Object, "status")
	for _, f := range serverOwnedMetadata {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	d.resources[name] = &resource.DesiredComposed{Resource: u}
}

// serverOwnedMetadata are the metadata fields the API server sets.
var serverOwnedMetadata = []string{
	"managedFields", "resourceVersion", "uid", "generation", "creationTimestamp",
	"deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
}

// Names returns the desired resource names, sorted.
func (d *Desired) Names() []resource.Name { return slices.Sorted(maps.Keys(d.resources)) }

// Get returns the desired resource of name, if any.
func (d *Desired) Get(name resource.Name) (*resource.DesiredComposed, bool) {
	r, ok := d.resources[name]
	return r, ok
}

// Len is the number of desired composed resources.
func (d *Desired) Len() int { return len(d.resources) }

// Apply writes the desired composed resources into rsp.
func (d *Desired) Apply(rsp *fnv1.RunFunctionResponse) error {
	if err := response.SetDesiredComposedResources(rsp, d.resources); err != nil {
		return fmt.Errorf("cannot set desired composed resources: %w", err)
	}
	return nil
}

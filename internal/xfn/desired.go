package xfn

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
)

// Desired accumulates desired composed resources in the form the response
// carries them. It starts from what earlier pipeline steps desired, so a
// step never drops their work, and converts nothing it does not change.
type Desired struct {
	resources map[string]*fnv1.Resource
}

// NewDesired returns the desired composed resources of earlier steps.
func NewDesired(req *fnv1.RunFunctionRequest) *Desired {
	return &Desired{resources: maps.Clone(req.GetDesired().GetResources())}
}

// Set desires obj under name with the given readiness. obj is a typed
// object whose type is registered in composed.Scheme, or unstructured
// content; it is converted as ComposedStruct converts it.
func (d *Desired) Set(name resource.Name, obj runtime.Object, ready resource.Ready) error {
	s, err := ComposedStruct(obj)
	if err != nil {
		return err
	}
	d.SetStruct(name, s, ready)
	return nil
}

// SetStruct desires the object s under name with the given readiness. s
// is not copied.
func (d *Desired) SetStruct(name resource.Name, s *structpb.Struct, ready resource.Ready) {
	if d.resources == nil {
		d.resources = map[string]*fnv1.Resource{}
	}
	d.resources[string(name)] = &fnv1.Resource{Resource: s, Ready: readyOf(ready)}
}

// Keep desires the observed composed resource o under name exactly as it
// was observed: same kind, name, labels, annotations, owners and spec,
// with the given readiness. Use it to hold resources steady when a request
// is rejected. Status, and the metadata the API server owns, are left out:
// an apply with managedFields is refused and a stale resourceVersion would
// conflict. o is not changed.
func (d *Desired) Keep(name resource.Name, o *structpb.Struct, ready resource.Ready) {
	s, _ := proto.Clone(o).(*structpb.Struct)
	if s == nil {
		s = &structpb.Struct{}
	}
	delete(s.GetFields(), "status")
	if m := s.GetFields()["metadata"].GetStructValue(); m != nil {
		for _, f := range serverOwnedMetadata {
			delete(m.GetFields(), f)
		}
	}
	d.SetStruct(name, s, ready)
}

// serverOwnedMetadata are the metadata fields the API server sets.
var serverOwnedMetadata = []string{
	"managedFields", "resourceVersion", "uid", "generation", "creationTimestamp",
	"deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
}

// readyOf is the wire form of a readiness.
func readyOf(r resource.Ready) fnv1.Ready {
	switch r {
	case resource.ReadyTrue:
		return fnv1.Ready_READY_TRUE
	case resource.ReadyFalse:
		return fnv1.Ready_READY_FALSE
	default:
		return fnv1.Ready_READY_UNSPECIFIED
	}
}

// Names returns the desired resource names, sorted.
func (d *Desired) Names() []resource.Name {
	names := make([]resource.Name, 0, len(d.resources))
	for _, n := range slices.Sorted(maps.Keys(d.resources)) {
		names = append(names, resource.Name(n))
	}
	return names
}

// Get returns the desired resource of name, if any, for reading.
func (d *Desired) Get(name resource.Name) (*fnv1.Resource, bool) {
	r, ok := d.resources[string(name)]
	return r, ok
}

// Len is the number of desired composed resources.
func (d *Desired) Len() int { return len(d.resources) }

// Apply writes the desired composed resources into rsp. Like
// SetCompositeStatus it replaces rsp's desired state rather than change
// it, because response.To shares it with the request.
func (d *Desired) Apply(rsp *fnv1.RunFunctionResponse) {
	rs := maps.Clone(d.resources)
	if rs == nil {
		rs = map[string]*fnv1.Resource{}
	}
	rsp.Desired = &fnv1.State{Composite: rsp.GetDesired().GetComposite(), Resources: rs}
}

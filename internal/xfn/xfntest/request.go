// Package xfntest builds RunFunctionRequests from typed objects for tests
// of functions built on package xfn.
package xfntest

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// Option changes a request under construction.
type Option func(req *fnv1.RunFunctionRequest) error

// Request returns a request built from opts. It panics on an object that
// cannot be converted, which is a bug in the test.
func Request(opts ...Option) *fnv1.RunFunctionRequest {
	req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{}, Desired: &fnv1.State{}}
	for _, o := range opts {
		if err := o(req); err != nil {
			panic(err)
		}
	}
	return req
}

// Struct converts any JSON-marshalable value, such as a typed Kubernetes
// or provider object, to a protobuf Struct, as Crossplane would send it.
func Struct(v any) (*structpb.Struct, error) {
	if s, ok := v.(*structpb.Struct); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal %T: %w", v, err)
	}
	s := &structpb.Struct{}
	if err := s.UnmarshalJSON(b); err != nil {
		return nil, fmt.Errorf("cannot convert %T to a struct: %w", v, err)
	}
	return s, nil
}

// MustStruct is Struct for values that always convert. It panics on one
// that does not, which is a bug in the test.
func MustStruct(v any) *structpb.Struct {
	s, err := Struct(v)
	if err != nil {
		panic(err)
	}
	return s
}

// WithTag sets the request's tag, which Crossplane derives from its
// content and a response echoes.
func WithTag(tag string) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		if req.GetMeta() == nil {
			req.Meta = &fnv1.RequestMeta{}
		}
		req.Meta.Tag = tag
		return nil
	}
}

// WithCapabilities sets the capabilities Crossplane advertises.
func WithCapabilities(cs ...fnv1.Capability) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		if req.GetMeta() == nil {
			req.Meta = &fnv1.RequestMeta{}
		}
		req.Meta.Capabilities = cs
		return nil
	}
}

// WithInput sets the function input.
func WithInput(in any) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		s, err := Struct(in)
		req.Input = s
		return err
	}
}

// WithObservedComposite sets the observed composite resource.
func WithObservedComposite(xr any) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		s, err := Struct(xr)
		req.Observed.Composite = &fnv1.Resource{Resource: s}
		return err
	}
}

// WithObserved adds an observed composed resource under name.
func WithObserved(name string, obj any) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		s, err := Struct(obj)
		if req.Observed.Resources == nil {
			req.Observed.Resources = map[string]*fnv1.Resource{}
		}
		req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
		return err
	}
}

// WithDesiredComposite sets the composite resource earlier pipeline steps
// desired, with its readiness.
func WithDesiredComposite(xr any, ready fnv1.Ready) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		s, err := Struct(xr)
		req.Desired.Composite = &fnv1.Resource{Resource: s, Ready: ready}
		return err
	}
}

// WithDesired adds a composed resource an earlier pipeline step desired.
func WithDesired(name string, obj any) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		s, err := Struct(obj)
		if req.Desired.Resources == nil {
			req.Desired.Resources = map[string]*fnv1.Resource{}
		}
		req.Desired.Resources[name] = &fnv1.Resource{Resource: s}
		return err
	}
}

// WithRequired sets the required resources Crossplane sends under key;
// no objects means the selector matched nothing.
func WithRequired(key string, objs ...any) Option {
	return func(req *fnv1.RunFunctionRequest) error {
		if req.RequiredResources == nil {
			req.RequiredResources = map[string]*fnv1.Resources{}
		}
		rs := &fnv1.Resources{Items: make([]*fnv1.Resource, 0, len(objs))}
		for _, o := range objs {
			s, err := Struct(o)
			if err != nil {
				return err
			}
			rs.Items = append(rs.Items, &fnv1.Resource{Resource: s})
		}
		req.RequiredResources[key] = rs
		return nil
	}
}

package xfn

import (
	"fmt"
	"maps"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource/composed"
)

// ComposedStruct converts obj, a typed object whose type is registered in
// composed.Scheme or unstructured content, to a desired composed resource
// in the form a response carries: as composed.From converts it (its
// apiVersion and kind from the scheme), without a status, which a
// function never desires and a typed object carries empty.
func ComposedStruct(obj runtime.Object) (*structpb.Struct, error) {
	u, err := composed.From(obj)
	if err != nil {
		return nil, fmt.Errorf("cannot convert %T to a composed resource: %w", obj, err)
	}
	content := u.Object
	if _, ok := content["status"]; ok {
		content = maps.Clone(content) // Unstructured obj shares its content.
		delete(content, "status")
	}
	s, err := structpb.NewStruct(content)
	if err != nil {
		return nil, fmt.Errorf("cannot convert %T to a struct: %w", obj, err)
	}
	return s, nil
}

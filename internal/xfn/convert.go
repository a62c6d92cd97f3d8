package xfn

import (
	"errors"
	"fmt"
	"maps"

	"github.com/go-json-experiment/json"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource/composed"
)

// ComposedStruct converts obj, a typed object whose type is registered in
// composed.Scheme or unstructured content, to a desired composed resource
// in the form a response carries: exactly as composed.From and
// structpb.NewStruct convert it (its apiVersion and kind from the scheme,
// no metadata.generation, no empty metadata), without a status, which a
// function never desires and a typed object carries empty.
//
// A typed object is converted by reflection (structOfTyped), without the
// JSON text composed.From goes through; where that converter cannot give
// exactly what the JSON library gives, the object takes the JSON path,
// one marshal with the JSON library composed.From uses and one pass over
// the JSON's tokens. FuzzComposedStruct checks that the three agree.
func ComposedStruct(obj runtime.Object) (*structpb.Struct, error) {
	if u, ok := obj.(interface{ UnstructuredContent() map[string]any }); ok {
		content := u.UnstructuredContent()
		if _, ok := content["status"]; ok {
			content = maps.Clone(content) // obj's content, not to be changed.
			delete(content, "status")
		}
		s, err := structpb.NewStruct(content)
		if err != nil {
			return nil, fmt.Errorf("cannot convert %T to a struct: %w", obj, err)
		}
		return s, nil
	}
	gvks, _, err := composed.Scheme.ObjectKinds(obj)
	if err != nil {
		return nil, fmt.Errorf("cannot convert %T to a composed resource: did you add it to composed.Scheme?: %w", obj, err)
	}
	for _, gvk := range gvks {
		obj.GetObjectKind().SetGroupVersionKind(gvk)
	}
	s, err := structOfTyped(obj, "status", nil)
	if errors.Is(err, errNotDirect) {
		s, err = structOfJSON(obj)
	}
	if err != nil {
		return nil, err
	}
	delete(s.GetFields(), "status")
	if m := s.GetFields()["metadata"].GetStructValue(); m != nil {
		// As composed.From: a function never sets the generation, which the
		// JSON library writes although zero, and an empty metadata would
		// tell server-side apply to make it empty.
		delete(m.GetFields(), "generation")
		if len(m.GetFields()) == 0 {
			delete(s.GetFields(), "metadata")
		}
	}
	return s, nil
}

// structOfJSON converts a typed object to a Struct through JSON: the path
// structOfTyped takes where it cannot convert directly, and the one it is
// tested against.
func structOfJSON(obj runtime.Object) (*structpb.Struct, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("cannot convert %T to a composed resource: %w", obj, err)
	}
	s, err := structFromJSON(b)
	if err != nil {
		return nil, fmt.Errorf("cannot convert %T to a struct: %w", obj, err)
	}
	return s, nil
}

package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// The provider-kubernetes Object that wraps a tenant object for a remote
// cluster. provider-kubernetes's Go module needs a newer Go than this
// repository, so the Object is written as unstructured content.
const (
	ObjectAPIVersion = "kubernetes.crossplane.io/v1alpha2"
	ObjectKind       = "Object"
)

// RemoteName is the resource name of the Object wrapping a tenant object.
// It differs from the local name, so that switching the target replaces
// the objects rather than changing the kind under one name.
func RemoteName(name resource.Name) resource.Name { return "remote-" + name }

// Remote wraps a tenant object in a provider-kubernetes Object that
// creates it in the cluster of the ProviderConfig providerConfig.
func Remote(obj runtime.Object, providerConfig string) (*unstructured.Unstructured, error) {
	m, err := composed.From(obj)
	if err != nil {
		return nil, fmt.Errorf("cannot convert %T to unstructured: %w", obj, err)
	}
	spec := map[string]any{
		"forProvider": map[string]any{"manifest": m.Object},
		// The object is ready once its kind says so; kinds without
		// conditions are ready once created.
		"readiness": map[string]any{"policy": "SuccessfulCreate"},
	}
	if providerConfig != "" {
		spec["providerConfigRef"] = map[string]any{"name": providerConfig}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": ObjectAPIVersion,
		"kind":       ObjectKind,
		"spec":       spec,
	}}, nil
}

package main

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestAddToScheme(t *testing.T) {
	xr := withXR(func(xr *v1alpha1.XCloudSpace) {
		xr.Spec.Environment = v1alpha1.EnvironmentProd
		xr.Spec.Network.Public = true
	})
	p, errs := NewPlan(composeSpace(t, xr, composeInput()))
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	for _, pt := range p.Parts {
		if _, ok := pt.Object.(*unstructured.Unstructured); ok {
			continue
		}
		if _, _, err := composed.Scheme.ObjectKinds(pt.Object); err != nil {
			t.Errorf("%s: %T is not registered in composed.Scheme: %v", pt.Name, pt.Object, err)
		}
	}
}

package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	kmsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestKMS(t *testing.T) {
	cases := map[string]struct {
		reason string
		env    v1alpha1.Environment
		window float64
	}{
		"Dev":  {reason: "Outside prod a deleted key is gone after 7 days.", env: v1alpha1.EnvironmentDev, window: 7},
		"Prod": {reason: "In prod a deleted key is kept 30 days.", env: v1alpha1.EnvironmentProd, window: 30},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Environment = tc.env }), composeInput())
			id, _ := ResolveIdentity(s)
			parts := KMS(s, id)
			key := parts[0].Object.(*kmsv1beta1.Key).Spec.ForProvider
			want := kmsv1beta1.KeyParameters{
				Region: ptr("eu-west-1"), Description: ptr("CloudSpace checkout-7x9kq"),
				EnableKeyRotation: ptr(true), DeletionWindowInDays: ptr(tc.window),
			}
			if diff := cmp.Diff(want, key); diff != "" {
				t.Errorf("%s\nKMS(...) key: -want, +got:\n%s", tc.reason, diff)
			}
			alias := parts[1].Object.(*kmsv1beta1.Alias)
			if got := alias.GetAnnotations()[AnnotationExternalName]; got != "alias/cloudspace/team-payments-checkout" {
				t.Errorf("%s\nKMS(...) alias external name: got %q", tc.reason, got)
			}
			if diff := cmp.Diff(selectController(nil), alias.Spec.ForProvider.TargetKeyIDSelector); diff != "" {
				t.Errorf("%s\nKMS(...) the alias selects its key by controller: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

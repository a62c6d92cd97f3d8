package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRemote(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-payments-checkout", Labels: map[string]string{"a": "b"}}}
	cases := map[string]struct {
		reason string
		pc     string
		want   map[string]any
	}{
		"WithProviderConfig": {
			reason: "The object is the Object's manifest; the Object uses the input's ProviderConfig.",
			pc:     "tenant-cluster",
			want: map[string]any{
				"apiVersion": "kubernetes.crossplane.io/v1alpha2",
				"kind":       "Object",
				"spec": map[string]any{
					"forProvider": map[string]any{"manifest": map[string]any{
						"apiVersion": "v1", "kind": "Namespace",
						"metadata": map[string]any{"name": "team-payments-checkout", "labels": map[string]any{"a": "b"}},
					}},
					"readiness":         map[string]any{"policy": "SuccessfulCreate"},
					"providerConfigRef": map[string]any{"name": "tenant-cluster"},
				},
			},
		},
		"DefaultProviderConfig": {
			reason: "Without a ProviderConfig name the provider's default applies.",
			want: map[string]any{
				"apiVersion": "kubernetes.crossplane.io/v1alpha2",
				"kind":       "Object",
				"spec": map[string]any{
					"forProvider": map[string]any{"manifest": map[string]any{
						"apiVersion": "v1", "kind": "Namespace",
						"metadata": map[string]any{"name": "team-payments-checkout", "labels": map[string]any{"a": "b"}},
					}},
					"readiness": map[string]any{"policy": "SuccessfulCreate"},
				},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			u, err := Remote(ns.DeepCopy(), tc.pc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, u.Object); diff != "" {
				t.Errorf("%s\nRemote(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

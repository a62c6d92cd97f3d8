package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestTenantLabels(t *testing.T) {
	s := composeSpace(t, withXR(func(xr *v1alpha1.XCloudSpace) {
		xr.Spec.Tags = map[string]string{"project": "checkout", "Projekt Zürich": "Kasse / Nord"}
	}), composeInput())
	tags, errs := ResolveTags(s)
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	want := map[string]string{
		LabelSpace: "checkout-7x9kq", LabelTeam: "payments", LabelEnvironment: "dev", LabelTier: "medium", LabelCostCenter: "cc-4711",
		"tags.cloudspace.dev/cloudspace":                                "checkout-7x9kq",
		"tags.cloudspace.dev/team":                                      "payments",
		"tags.cloudspace.dev/environment":                               "dev",
		"tags.cloudspace.dev/cost-center":                               "cc-4711",
		"tags.cloudspace.dev/project":                                   "checkout",
		"tags.cloudspace.dev/Projekt-Z-rich-" + hash8("Projekt Zürich"): "Kasse---Nord-" + hash8("Kasse / Nord"),
	}
	if diff := cmp.Diff(want, TenantLabels(s, tags)); diff != "" {
		t.Errorf("Tenant objects carry the platform's labels and the tags in label syntax.\n-want, +got:\n%s", diff)
	}
}

func TestTenant(t *testing.T) {
	type want struct {
		names       []string
		roleBinding *rbacv1.RoleBinding
	}
	cases := map[string]struct {
		reason string
		in     *fnv1alpha1.Composer
		want   want
	}{
		"Defaults": {
			reason: "The team's group is bound to the input's ClusterRole; ingress from other namespaces is denied.",
			in:     composeInput(),
			want: want{
				names: []string{"namespace", "resource-quota", "limit-range", "role-binding", "network-policy"},
				roleBinding: &rbacv1.RoleBinding{
					Subjects: []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "team:payments"}},
					RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
				},
			},
		},
		"NoNetworkPolicy": {
			reason: "The input may turn the NetworkPolicy off; the ClusterRole defaults to edit.",
			in: withInput(func(in *fnv1alpha1.Composer) {
				in.Tenant = fnv1alpha1.TenantSpec{DenyCrossNamespaceIngress: ptr(false)}
			}),
			want: want{
				names: []string{"namespace", "resource-quota", "limit-range", "role-binding"},
				roleBinding: &rbacv1.RoleBinding{
					Subjects: []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "payments"}},
					RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
				},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, composeXR(), tc.in)
			lr, _ := ResolveLimitRange(s)
			got := want{}
			for _, p := range Tenant(s, lr, nil, nil) {
				got.names = append(got.names, string(p.Name))
				if rb, ok := p.Object.(*rbacv1.RoleBinding); ok {
					got.roleBinding = &rbacv1.RoleBinding{Subjects: rb.Subjects, RoleRef: rb.RoleRef}
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nTenant(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNetworkPolicy(t *testing.T) {
	s := composeSpace(t, composeXR(), composeInput())
	got := NetworkPolicy(s, map[string]string{"a": "b"}).Object
	want := map[string]any{
		"apiVersion": "networking.k8s.io/v1",
		"kind":       "NetworkPolicy",
		"metadata":   map[string]any{"name": "cloudspace-deny-other-namespaces", "namespace": "team-payments-checkout", "labels": map[string]any{"a": "b"}},
		"spec": map[string]any{
			"podSelector": map[string]any{},
			"policyTypes": []any{"Ingress"},
			"ingress":     []any{map[string]any{"from": []any{map[string]any{"podSelector": map[string]any{}}}}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Every pod admits ingress only from pods of its own namespace; the peer keeps its empty podSelector.\n-want, +got:\n%s", diff)
	}
}

func TestTenantNamespacePodSecurity(t *testing.T) {
	cases := map[string]struct {
		reason string
		level  fnv1alpha1.PodSecurityLevel
		want   string
	}{
		"Default":  {"Without a level, the namespace enforces restricted.", "", "restricted"},
		"Baseline": {"The policy's level.", fnv1alpha1.PodSecurityBaseline, "baseline"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := composeInput()
			in.Tenant.PodSecurity = tc.level
			s := composeSpace(t, composeXR(), in)
			got := TenantNamespaceObject(s, map[string]string{"team": "payments"}).Labels
			want := map[string]string{"team": "payments"}
			for _, m := range []string{"enforce", "warn", "audit"} {
				want["pod-security.kubernetes.io/"+m], want["pod-security.kubernetes.io/"+m+"-version"] = tc.want, "latest"
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nlabels: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNetworkPolicyAllowIngressFrom(t *testing.T) {
	in := composeInput()
	in.Tenant.AllowIngressFrom = []string{"monitoring", "ingress-nginx"}
	s := composeSpace(t, composeXR(), in)
	np := NetworkPolicy(s, nil)
	got, _, _ := unstructured.NestedSlice(np.Object, "spec", "ingress")
	want := []any{map[string]any{"from": []any{
		map[string]any{"podSelector": map[string]any{}},
		map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "ingress-nginx"}}},
		map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "monitoring"}}},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ingress: -want, +got:\n%s", diff)
	}
}

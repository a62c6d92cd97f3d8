package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

func TestNewPlan(t *testing.T) {
	type want struct {
		parts    int
		taggable int
		names    []string
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XCloudSpace
		in     *fnv1alpha1.Composer
		want   want
	}{
		"PrivateDev": {
			reason: "A private dev space in two zones is 25 resources, 12 of them taggable; no bucket versioning.",
			xr:     composeXR(),
			in:     composeInput(),
			want: want{parts: 25, taggable: 12, names: []string{
				"vpc", "route-table-private", "subnet-private-a", "route-table-association-private-a", "subnet-private-b", "route-table-association-private-b",
				"security-group", "security-group-egress", "s3-endpoint", "s3-endpoint-private",
				"role", "policy", "policy-attachment", "bucket", "bucket-encryption", "bucket-public-access-block", "bucket-policy", "kms-key", "kms-alias", "budget",
				"namespace", "resource-quota", "limit-range", "role-binding", "network-policy",
			}},
		},
		"PublicProdRemote": {
			reason: "A public prod space in three zones adds public subnets, a gateway, a route, versioning; remote tenant objects are wrapped in Objects.",
			xr: withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Environment = v1alpha1.EnvironmentProd
				xr.Spec.Network = v1alpha1.NetworkSpec{CIDR: "10.40.0.0/16", AvailabilityZones: ptr(3), Public: true}
			}),
			in: withInput(func(in *fnv1alpha1.Composer) {
				in.Tenant.Target = fnv1alpha1.TenantTargetRemote
				in.Tenant.ProviderConfigName = "tenant"
			}),
			want: want{parts: 38, taggable: 18, names: []string{
				"vpc", "route-table-private", "internet-gateway", "route-table-public", "route-public-default",
				"subnet-private-a", "route-table-association-private-a", "subnet-private-b", "route-table-association-private-b", "subnet-private-c", "route-table-association-private-c",
				"subnet-public-a", "route-table-association-public-a", "subnet-public-b", "route-table-association-public-b", "subnet-public-c", "route-table-association-public-c",
				"security-group", "security-group-egress", "s3-endpoint", "s3-endpoint-private", "s3-endpoint-public",
				"role", "policy", "policy-attachment", "bucket", "bucket-encryption", "bucket-public-access-block", "bucket-policy", "bucket-versioning", "kms-key", "kms-alias", "budget",
				"remote-namespace", "remote-resource-quota", "remote-limit-range", "remote-role-binding", "remote-network-policy",
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, errs := NewPlan(composeSpace(t, tc.xr, tc.in))
			if len(errs) > 0 {
				t.Fatalf("%s\nNewPlan(...): %v", tc.reason, errs.ToAggregate())
			}
			got := want{parts: len(p.Parts), taggable: p.Taggable}
			for _, pt := range p.Parts {
				got.names = append(got.names, string(pt.Name))
			}
			tc.want.parts = len(tc.want.names)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nNewPlan(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestComposeRejects(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XCloudSpace
		in     *fnv1alpha1.Composer
		want   []string
	}{
		"TagBreaksAWSRules": {
			reason: "A policy constant AWS does not allow is rejected, naming the tag, a resource and the rule.",
			xr:     composeXR(),
			in: withInput(func(in *fnv1alpha1.Composer) {
				in.TagPolicy = &fnv1alpha1.TagPolicy{Required: []fnv1alpha1.RequiredTag{{Key: "owner", Value: "a*b"}}}
			}),
			want: []string{`tags[owner]`, `vpc (VPC) and 11 other taggable resources`, `the value may hold only letters`},
		},
		"EveryProblem": {
			reason: "Problems of the tags, limits, identity and budget are reported at once.",
			xr: withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Tags = map[string]string{"team": "x"}
				xr.Spec.LimitRange = &v1alpha1.LimitRangeSpec{Max: &v1alpha1.ComputeResources{CPU: "100"}}
				xr.Spec.Budget.AlertThresholds = []int{10, 20, 30, 40, 50, 60}
			}),
			in: withInput(func(in *fnv1alpha1.Composer) { in.Identity.TrustPrincipal = "" }),
			want: []string{
				`invalid XCloudSpace "checkout-7x9kq"`, "spec.tags[team]", "spec.limitRange.max.cpu", "identity.workloadIdentity", "spec.budget.alertThresholds",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := Compose(composeSpace(t, tc.xr, tc.in), xfn.Observed{})
			if err == nil {
				t.Fatalf("%s\nCompose(...): want error, got none", tc.reason)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s\nCompose(...): error %q does not mention %q", tc.reason, err, w)
				}
			}
			if c != nil {
				t.Errorf("%s\nCompose(...): composed %d resources after rejecting the space, want none", tc.reason, len(c.Resources))
			}
		})
	}
}

func TestComposeReadiness(t *testing.T) {
	ready := func(status string) map[string]any {
		return map[string]any{
			"apiVersion": "ec2.aws.upbound.io/v1beta1", "kind": "VPC",
			"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": status, "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"}}},
		}
	}
	req := runRequest(composeXR(), composeInput(), map[string]map[string]any{
		"vpc":              ready("True"),
		"subnet-private-a": ready("False"),
		"namespace":        {"apiVersion": "v1", "kind": "Namespace"},
		"resource-quota":   {"apiVersion": "v1", "kind": "ResourceQuota"},
	})
	rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]fnv1.Ready{}
	for _, n := range []string{"vpc", "subnet-private-a", "subnet-private-b", "resource-quota", "limit-range"} {
		got[n] = rsp.GetDesired().GetResources()[n].GetReady()
	}
	want := map[string]fnv1.Ready{
		"vpc":              fnv1.Ready_READY_TRUE,
		"subnet-private-a": fnv1.Ready_READY_FALSE,
		"subnet-private-b": fnv1.Ready_READY_FALSE,
		"resource-quota":   fnv1.Ready_READY_TRUE,
		"limit-range":      fnv1.Ready_READY_FALSE,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("A provider resource is ready when its Ready condition is True, a tenant object once observed.\n-want, +got:\n%s\nresults: %v", diff, rsp.GetResults())
	}
}

func TestRunFunctionDeterministic(t *testing.T) {
	req := runRequest(withXR(func(xr *v1alpha1.XCloudSpace) {
		xr.Spec.Network.Public = true
		xr.Spec.Tags = map[string]string{"project": "checkout", "a": "1", "z": "2", "m": "3"}
	}), composeInput(), map[string]map[string]any{"namespace": {"apiVersion": "v1", "kind": "Namespace"}})
	f := &Function{log: logging.NewNopLogger()}
	var first []byte
	for i := range 5 {
		rsp, err := f.RunFunction(context.Background(), proto.Clone(req).(*fnv1.RunFunctionRequest))
		if err != nil {
			t.Fatal(err)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(rsp)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
			if len(rsp.GetDesired().GetResources()) != 33 {
				t.Fatalf("RunFunction(...): desired %d resources, want 33; results %v", len(rsp.GetDesired().GetResources()), rsp.GetResults())
			}
			continue
		}
		if !bytes.Equal(b, first) {
			t.Fatalf("RunFunction(...): response %d differs from the first", i)
		}
	}
}

func TestRunFunctionFatal(t *testing.T) {
	req := runRequest(composeXR(), withInput(func(in *fnv1alpha1.Composer) {
		in.TagPolicy = &fnv1alpha1.TagPolicy{
			Required: []fnv1alpha1.RequiredTag{{Key: "unit", FromTeam: "unit"}},
			Teams:    map[string]fnv1alpha1.TeamData{"payments": {"unit": "commerce*"}},
		}
	}), nil)
	rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := []*fnv1.Result{{
		// TagsCompliant turns False, a transition: a Warning on XR and claim.
		Severity: fnv1.Severity_SEVERITY_WARNING,
		Message:  `tags[unit]: Invalid value: "unit": breaks AWS's tag rules on every taggable resource: the value may hold only letters, digits, spaces and _ . : / = + - @`,
		Reason:   ptr(ReasonTagPolicyViolated),
		Target:   fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum(),
	}, {
		Severity: fnv1.Severity_SEVERITY_FATAL,
		Message:  `invalid XCloudSpace "checkout-7x9kq": tags[unit]: Invalid value: "unit": breaks AWS's tag rules on vpc (VPC) and 11 other taggable resources: the value may hold only letters, digits, spaces and _ . : / = + - @`,
		Target:   fnv1.Target_TARGET_COMPOSITE.Enum(),
	}}
	if diff := cmp.Diff(want, rsp.GetResults(), protocmp.Transform()); diff != "" {
		t.Errorf("A team's tag value that breaks AWS's rules is a Fatal result naming the tag, the resources and the rule.\n-want, +got:\n%s", diff)
	}
	if n := len(rsp.GetDesired().GetResources()); n != 0 {
		t.Errorf("RunFunction(...): desired %d resources after a Fatal result, want none", n)
	}
	if c := rsp.GetConditions(); len(c) != 1 || c[0].GetType() != TypeTagsCompliant || c[0].GetStatus() != fnv1.Status_STATUS_CONDITION_FALSE {
		t.Errorf("RunFunction(...): want TagsCompliant False on a tag policy violation, got %v", c)
	}
}

func TestComposeNamespaceFirst(t *testing.T) {
	cases := map[string]struct {
		reason   string
		observed xfn.Observed
		want     []string
	}{
		"FirstReconcile": {
			reason: "Until the Namespace is observed, the namespaced tenant objects are not desired: applying them would fail.",
			want:   []string{"namespace"},
		},
		"NamespaceObserved": {
			reason:   "Once the Namespace is observed every tenant object is desired.",
			observed: xfn.Observed{NameNamespace: observedWith(nil)},
			want:     []string{"limit-range", "namespace", "network-policy", "resource-quota", "role-binding"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := Compose(composeSpace(t, composeXR(), composeInput()), tc.observed)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range c.Resources {
				o, err := xfn.ComposedStruct(r.Object)
				if err != nil {
					t.Fatal(err)
				}
				if api := xfn.Field(o, "apiVersion").GetStringValue(); api == "v1" || strings.Contains(api, "k8s.io") {
					got = append(got, string(r.Name))
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRunFunctionInvalidTagPolicy(t *testing.T) {
	req := runRequest(composeXR(), withInput(func(in *fnv1alpha1.Composer) {
		in.TagPolicy = &fnv1alpha1.TagPolicy{Required: []fnv1alpha1.RequiredTag{{Key: "aws:owner", Value: "x"}}}
	}), nil)
	rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := []*fnv1.Result{{
		Severity: fnv1.Severity_SEVERITY_FATAL,
		Message:  `invalid function input: tagPolicy.required[0].key: Invalid value: "aws:owner": breaks AWS's tag rules: the key must not start with the prefix aws:, which AWS reserves`,
		Target:   fnv1.Target_TARGET_COMPOSITE.Enum(),
	}}
	if diff := cmp.Diff(want, rsp.GetResults(), protocmp.Transform()); diff != "" {
		t.Errorf("A tag policy that breaks AWS's rules is bad function input, reported before the claim is read.\n-want, +got:\n%s", diff)
	}
}

package main

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

func TestRunFunction(t *testing.T) {
	type args struct {
		ctx context.Context
		req *fnv1.RunFunctionRequest
	}
	type want struct {
		rsp *fnv1.RunFunctionResponse
		err error
	}
	claim := fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()
	xr := fnv1.Target_TARGET_COMPOSITE.Enum()
	ttl := durationpb.New(response.DefaultTTL)
	desiredXR := func(status string) *fnv1.Resource {
		if status == "null" { // As the request sent it, untouched.
			return &fnv1.Resource{Resource: resource.MustStructJSON(`{"apiVersion":"platform.cloudspace.dev/v1alpha1","kind":"XCloudSpace"}`)}
		}
		return &fnv1.Resource{Resource: resource.MustStructJSON(`{"apiVersion":"platform.cloudspace.dev/v1alpha1","kind":"XCloudSpace","status":` + status + `}`)}
	}
	// The status of the test claim, composed under the test input, before
	// any cloud resource reports an identifier.
	composedStatus := func(state v1alpha1.State, why string) string {
		return `{
		"state": "` + string(state) + `", "stateReason": "` + why + `",
		"namespace": "team-payments-checkout",
		"costTags": [{"key": "cloudspace", "value": "checkout-7x9kq"}, {"key": "cost-center", "value": "cc-4711"},
			{"key": "environment", "value": "dev"}, {"key": "project", "value": "checkout"}, {"key": "team", "value": "payments"}],
		"quota": {"cpu": "8", "memory": "16Gi", "storage": "100Gi", "gpu": "0", "pods": "150", "loadBalancers": "2"},
		"limits": {
			"default": {"cpu": "1", "memory": "1Gi"}, "defaultRequest": {"cpu": "250m", "memory": "256Mi"},
			"min": {"cpu": "10m", "memory": "16Mi"}, "max": {"cpu": "8", "memory": "16Gi"},
			"maxLimitRequestRatio": {"cpu": "10", "memory": "4"}, "minStorage": "1Gi", "maxStorage": "100Gi"
		}
	}`
	}
	tagsCompliant := &fnv1.Condition{
		Type: TypeTagsCompliant, Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: ReasonCompliant,
		Message: new("Every taggable resource carries the 5 cost tags of the tag policy"), Target: claim,
	}
	tagsCompliantResult := &fnv1.Result{
		Severity: fnv1.Severity_SEVERITY_NORMAL, Reason: new(ReasonCompliant),
		Message: "Every taggable resource carries the 5 cost tags of the tag policy", Target: claim,
	}
	fitsTier := &fnv1.Condition{
		Type: TypeQuotaAvailable, Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: ReasonAvailable,
		Message: new("fits tier medium"), Target: claim,
	}
	tenantNS := &fnv1.ResourceSelector{ApiVersion: "v1", Kind: "Namespace", Match: &fnv1.ResourceSelector_MatchName{MatchName: "team-payments-checkout"}}
	tenantNSOnly := &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{requiredTenantNamespace: tenantNS}}
	fitsTierResult := &fnv1.Result{Severity: fnv1.Severity_SEVERITY_NORMAL, Reason: new(ReasonAvailable), Message: "fits tier medium", Target: claim}

	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"BadInput": {
			reason: "An input the Composer schema does not know is a Fatal result that names every unknown field.",
			args: args{req: runRequest(composeXR(), composeInput(), nil, xfntest.WithInput(map[string]any{
				"apiVersion": "fn.cloudspace.dev/v1alpha1", "kind": "Composer", "tierz": []any{}, "tenant": map[string]any{"traget": "Local"},
			}))},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:    &fnv1.ResponseMeta{Tag: "test", Ttl: ttl},
				Desired: &fnv1.State{Composite: desiredXR(`null`)},
				Results: []*fnv1.Result{{
					Severity: fnv1.Severity_SEVERITY_FATAL, Target: xr,
					Message: `cannot decode function input: unknown field "tenant.traget"; unknown field "tierz"`,
				}},
			}},
		},
		"InvalidClaim": {
			reason: "A claim with bad fields is a Fatal result that lists every problem, each with its field, value and rule, and composes nothing.",
			args: args{req: runRequest(withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Team = "Payments_Team"
				xr.Spec.Owner = "nobody"
				xr.Spec.Network.CIDR = "8.8.8.0/24"
				xr.Spec.Resources.CPU = "-1"
			}), composeInput(), nil)},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:    &fnv1.ResponseMeta{Tag: "test", Ttl: ttl},
				Desired: &fnv1.State{Composite: desiredXR(`null`)},
				Results: []*fnv1.Result{{
					Severity: fnv1.Severity_SEVERITY_FATAL, Target: xr,
					Message: `invalid XCloudSpace "checkout-7x9kq": [` +
						`spec.team: Invalid value: "Payments_Team": must be a lower-case DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit, ` +
						`spec.owner: Invalid value: "nobody": must be an e-mail address such as dev@example.com, ` +
						`spec.network.cidr: Invalid value: "8.8.8.0/24": must be a private (RFC 1918) block within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, ` +
						`spec.resources.cpu: Invalid value: "-1": must not be negative]`,
				}},
			}},
		},
		"UnknownSpecField": {
			reason: "A field the XRD does not have (a composite that never went through the API server, which prunes it) is a Fatal result naming it; Crossplane's own spec fields are not.",
			args: args{req: func() *fnv1.RunFunctionRequest {
				r := runRequest(withXR(func(*v1alpha1.XCloudSpace) {}), composeInput(), nil)
				spec := r.GetObserved().GetComposite().GetResource().GetFields()["spec"].GetStructValue()
				spec.Fields["budgetLimit"] = structpb.NewStringValue("9")
				spec.Fields["network"].GetStructValue().Fields["natGateways"] = structpb.NewNumberValue(3)
				spec.Fields["compositionRef"] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"name": structpb.NewStringValue("xcloudspace")}})
				return r
			}()},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:    &fnv1.ResponseMeta{Tag: "test", Ttl: ttl},
				Desired: &fnv1.State{Composite: desiredXR(`null`)},
				Results: []*fnv1.Result{{
					Severity: fnv1.Severity_SEVERITY_FATAL, Target: xr,
					Message: `invalid XCloudSpace "checkout-7x9kq": [` +
						`spec.budgetLimit: Forbidden: unknown field: the XRD's schema has no such field, ` +
						`spec.network.natGateways: Forbidden: unknown field: the XRD's schema has no such field]`,
				}},
			}},
		},
		"FirstReconcile": {
			reason: "Nothing exists yet: every provider-aws resource and the tenant Namespace are desired, none ready, the namespaced tenant objects wait for the Namespace, and both conditions are new: a Normal result each.",
			args:   args{req: runRequest(composeXR(), composeInput(), nil)},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: &fnv1.ResponseMeta{Tag: "test", Ttl: ttl},
				Desired: &fnv1.State{
					Composite: desiredXR(composedStatus(v1alpha1.StateProvisioning, "0 of 21 composed resources are ready")),
					Resources: desired(fnv1.Ready_READY_FALSE, privateAWS, tenantNamespace),
				},
				Requirements: tenantNSOnly,
				Conditions:   []*fnv1.Condition{tagsCompliant, fitsTier},
				Results:      []*fnv1.Result{tagsCompliantResult, fitsTierResult},
			}},
		},
		"SecondReconcile": {
			reason: "Once the Namespace is observed it is ready and the namespaced tenant objects are desired too; conditions that hold steady add no result.",
			args: args{req: runRequest(composeXR(), composeInput(), map[string]map[string]any{
				"namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team-payments-checkout"}},
			}, withObservedConditions(
				map[string]any{"type": TypeTagsCompliant, "status": "True", "reason": ReasonCompliant},
				map[string]any{"type": TypeQuotaAvailable, "status": "True", "reason": ReasonAvailable},
			))},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: &fnv1.ResponseMeta{Tag: "test", Ttl: ttl},
				Desired: &fnv1.State{
					Composite: desiredXR(composedStatus(v1alpha1.StateProvisioning, "1 of 25 composed resources are ready")),
					Resources: merge(
						desired(fnv1.Ready_READY_FALSE, privateAWS, tenantObjects),
						desired(fnv1.Ready_READY_TRUE, tenantNamespace),
					),
				},
				Requirements: tenantNSOnly,
				Conditions:   []*fnv1.Condition{tagsCompliant, fitsTier},
			}},
		},
		"QuotaRefusedHeld": {
			reason: "A space that grows past its team's quota is held: requirements and TTL of the quota data, a Warning, the team's use in status, and every observed resource desired exactly as observed, nothing new.",
			args: args{req: runRequest(withTier(spaceXR("checkout", 5, "24", "8"), v1alpha1.TierLarge), quotaInput(), map[string]map[string]any{
				"namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team-payments-checkout"}},
				"vpc": {
					"apiVersion": "ec2.aws.upbound.io/v1beta1", "kind": "VPC", "metadata": map[string]any{"name": "checkout-vpc"},
					"spec":   map[string]any{"forProvider": map[string]any{"cidrBlock": "10.20.0.0/16"}},
					"status": map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "Available"}}},
				},
			},
				xfntest.WithCapabilities(capabilities...),
				xfntest.WithRequired(requiredTeamQuota, teamQuotaObject(t)),
				xfntest.WithRequired(requiredTeamSpaces),
				xfntest.WithRequired(requiredSpacesInPfx+"team-payments", spaceXR("other", 1, "16", "16"), withTier(spaceXR("checkout", 5, "24", "8"), v1alpha1.TierLarge)),
			)},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: &fnv1.ResponseMeta{Tag: "test", Ttl: durationpb.New(time.Minute)},
				Desired: &fnv1.State{
					Composite: desiredXR(`{
						"state": "Refused", "stateReason": "TeamQuotaExceeded: team payments quota exceeded: cpu requested 24, the team's other spaces use 16, team limit 32",
						"quota": {"cpu": "8", "memory": "16Gi", "storage": "100Gi", "gpu": "0", "pods": "150", "loadBalancers": "2"},
						"estimate": {"currency": "USD", "monthly": "664.57", "items": [
							{"name": "bucket", "monthly": "0.50"}, {"name": "budget", "monthly": "0.60"}, {"name": "cpu", "monthly": "525.60"},
							{"name": "kms-key", "monthly": "1.00"}, {"name": "load-balancers", "monthly": "82.15"}, {"name": "memory", "monthly": "46.72"},
							{"name": "storage", "monthly": "8.00"}
						]},
						"teamQuota": {
							"hard": {"cpu": "32", "memory": "128Gi", "storage": "1Ti", "gpu": "0", "pods": "2k", "loadBalancers": "20"},
							"used": {"cpu": "24", "memory": "32Gi", "storage": "200Gi", "gpu": "0", "pods": "300", "loadBalancers": "4"},
							"remaining": {"cpu": "8", "memory": "96Gi", "storage": "824Gi", "gpu": "0", "pods": "1700", "loadBalancers": "16"},
							"spaces": 2,
							"monthlyBudget": {"currency": "USD", "hard": "5000.00", "used": "2400.00", "remaining": "2600.00"}
						}
					}`),
					Resources: map[string]*fnv1.Resource{
						"namespace": {Ready: fnv1.Ready_READY_TRUE, Resource: resource.MustStructJSON(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-payments-checkout"}}`)},
						"vpc":       {Ready: fnv1.Ready_READY_TRUE, Resource: resource.MustStructJSON(`{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"VPC","metadata":{"name":"checkout-vpc"}}`)},
					},
				},
				Requirements: &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
					requiredTeamQuota:                     selector(fnv1alpha1.DefaultQuotaSourceAPIVersion, fnv1alpha1.DefaultQuotaSourceKind, "platform.cloudspace.dev/config", "team-quota", fnv1alpha1.DefaultTeamLabel, "payments"),
					requiredTeamSpaces:                    selector("platform.cloudspace.dev/v1alpha1", "XCloudSpace", fnv1alpha1.DefaultTeamLabel, "payments"),
					requiredSpacesInPfx + "team-payments": selector("platform.cloudspace.dev/v1alpha1", "XCloudSpace", LabelClaimNamespace, "team-payments"),
					requiredTenantNamespace:               tenantNS,
				}},
				Conditions: []*fnv1.Condition{{
					Type: TypeQuotaAvailable, Status: fnv1.Status_STATUS_CONDITION_FALSE, Reason: ReasonTeamQuotaExceeded, Target: claim,
					Message: new("team payments quota exceeded: cpu requested 24, the team's other spaces use 16, team limit 32"),
				}},
				Results: []*fnv1.Result{{
					Severity: fnv1.Severity_SEVERITY_WARNING, Reason: new(ReasonTeamQuotaExceeded), Target: claim,
					Message: "team payments quota exceeded: cpu requested 24, the team's other spaces use 16, team limit 32",
				}},
			}},
		},
		"TagPolicyViolation": {
			reason: "A claim that sets a tag the policy enforces is a Fatal result, and TagsCompliant turns False with a Warning; nothing is composed.",
			args: args{req: runRequest(withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Tags = map[string]string{"team": "x"}
			}), composeInput(), nil)},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta:    &fnv1.ResponseMeta{Tag: "test", Ttl: ttl},
				Desired: &fnv1.State{Composite: desiredXR(`null`)},
				Conditions: []*fnv1.Condition{{
					Type: TypeTagsCompliant, Status: fnv1.Status_STATUS_CONDITION_FALSE, Reason: ReasonTagPolicyViolated, Target: claim,
					Message: new(`spec.tags[team]: Forbidden: tag "team" is enforced by the platform's tag policy and cannot be set by a claim`),
				}},
				Results: []*fnv1.Result{{
					Severity: fnv1.Severity_SEVERITY_WARNING, Reason: new(ReasonTagPolicyViolated), Target: claim,
					Message: `spec.tags[team]: Forbidden: tag "team" is enforced by the platform's tag policy and cannot be set by a claim`,
				}, {
					Severity: fnv1.Severity_SEVERITY_FATAL, Target: xr,
					Message: `invalid XCloudSpace "checkout-7x9kq": spec.tags[team]: Forbidden: tag "team" is enforced by the platform's tag policy and cannot be set by a claim`,
				}},
			}},
		},
		"RemoteTenantTarget": {
			reason: "With a remote tenant target the tenant objects are provider-kubernetes Objects, desired at once: the Objects' provider orders them.",
			args: args{req: runRequest(composeXR(), withInput(func(in *fnv1alpha1.Composer) {
				in.Tenant.Target = fnv1alpha1.TenantTargetRemote
				in.Tenant.ProviderConfigName = "tenant"
			}), nil)},
			want: want{rsp: &fnv1.RunFunctionResponse{
				Meta: &fnv1.ResponseMeta{Tag: "test", Ttl: ttl},
				Desired: &fnv1.State{
					Composite: desiredXR(composedStatus(v1alpha1.StateProvisioning, "0 of 25 composed resources are ready")),
					Resources: desired(fnv1.Ready_READY_FALSE, privateAWS, remoteTenant),
				},
				Requirements: tenantNSOnly,
				Conditions:   []*fnv1.Condition{tagsCompliant, fitsTier},
				Results:      []*fnv1.Result{tagsCompliantResult, fitsTierResult},
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// Twice with a memo of parsed inputs: a call that parses the
			// input and one that finds it must answer alike.
			f := NewFunction(logging.NewNopLogger(), WithInputMemo(NewInputMemo(1, NewInputMemoLookups())))
			for range 2 {
				rsp, err := f.RunFunction(tc.args.ctx, proto.CloneOf(tc.args.req))
				if diff := cmp.Diff(tc.want.rsp, skeleton(rsp), protocmp.Transform()); diff != "" {
					t.Errorf("%s\nf.RunFunction(...): -want rsp, +got rsp:\n%s", tc.reason, diff)
				}
				if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
					t.Errorf("%s\nf.RunFunction(...): -want err, +got err:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

// The composed resources of the test claim, by name, as skeleton leaves
// them: apiVersion and kind, name and namespace for tenant objects, and
// the kind a provider-kubernetes Object wraps.
var (
	privateAWS = map[string]string{
		"vpc": "ec2.aws.upbound.io/v1beta1 VPC", "route-table-private": "ec2.aws.upbound.io/v1beta1 RouteTable",
		"subnet-private-a": "ec2.aws.upbound.io/v1beta1 Subnet", "subnet-private-b": "ec2.aws.upbound.io/v1beta1 Subnet",
		"route-table-association-private-a": "ec2.aws.upbound.io/v1beta1 RouteTableAssociation",
		"route-table-association-private-b": "ec2.aws.upbound.io/v1beta1 RouteTableAssociation",
		"security-group":                    "ec2.aws.upbound.io/v1beta1 SecurityGroup", "security-group-egress": "ec2.aws.upbound.io/v1beta1 SecurityGroupEgressRule",
		"s3-endpoint": "ec2.aws.upbound.io/v1beta1 VPCEndpoint", "s3-endpoint-private": "ec2.aws.upbound.io/v1beta1 VPCEndpointRouteTableAssociation",
		"role": "iam.aws.upbound.io/v1beta1 Role", "policy": "iam.aws.upbound.io/v1beta1 Policy", "policy-attachment": "iam.aws.upbound.io/v1beta1 RolePolicyAttachment",
		"bucket": "s3.aws.upbound.io/v1beta1 Bucket", "bucket-encryption": "s3.aws.upbound.io/v1beta1 BucketServerSideEncryptionConfiguration",
		"bucket-public-access-block": "s3.aws.upbound.io/v1beta1 BucketPublicAccessBlock",
		"bucket-policy":              "s3.aws.upbound.io/v1beta1 BucketPolicy",
		"kms-key":                    "kms.aws.upbound.io/v1beta1 Key", "kms-alias": "kms.aws.upbound.io/v1beta1 Alias",
		"budget": "budgets.aws.upbound.io/v1beta1 Budget",
	}
	tenantNamespace = map[string]string{"namespace": "v1 Namespace team-payments-checkout"}
	tenantObjects   = map[string]string{
		"resource-quota": "v1 ResourceQuota team-payments-checkout/cloudspace",
		"limit-range":    "v1 LimitRange team-payments-checkout/cloudspace",
		"role-binding":   "rbac.authorization.k8s.io/v1 RoleBinding team-payments-checkout/cloudspace",
		"network-policy": "networking.k8s.io/v1 NetworkPolicy team-payments-checkout/cloudspace-deny-other-namespaces",
	}
	remoteTenant = map[string]string{
		"remote-namespace":      "kubernetes.crossplane.io/v1alpha2 Object manifest=v1/Namespace",
		"remote-resource-quota": "kubernetes.crossplane.io/v1alpha2 Object manifest=v1/ResourceQuota",
		"remote-limit-range":    "kubernetes.crossplane.io/v1alpha2 Object manifest=v1/LimitRange",
		"remote-role-binding":   "kubernetes.crossplane.io/v1alpha2 Object manifest=rbac.authorization.k8s.io/v1/RoleBinding",
		"remote-network-policy": "kubernetes.crossplane.io/v1alpha2 Object manifest=networking.k8s.io/v1/NetworkPolicy",
	}
)

// desired is the skeleton of desired composed resources of the given
// kinds, each with the readiness ready.
func desired(ready fnv1.Ready, kinds ...map[string]string) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for _, ks := range kinds {
		for name, k := range ks {
			f := strings.Fields(k)
			o := map[string]any{"apiVersion": f[0], "kind": f[1]}
			if len(f) > 2 {
				if m, ok := strings.CutPrefix(f[2], "manifest="); ok {
					o["manifest"] = m
				} else if ns, n, ok := strings.Cut(f[2], "/"); ok {
					o["metadata"] = map[string]any{"namespace": ns, "name": n}
				} else {
					o["metadata"] = map[string]any{"name": f[2]}
				}
			}
			out[name] = &fnv1.Resource{Resource: xfntest.MustStruct(o), Ready: ready}
		}
	}
	return out
}

func merge(ms ...map[string]*fnv1.Resource) map[string]*fnv1.Resource {
	out := map[string]*fnv1.Resource{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// selector is a required resource selector by labels, given as key and
// value pairs.
func selector(apiVersion, kind string, labels ...string) *fnv1.ResourceSelector {
	l := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		l[labels[i]] = labels[i+1]
	}
	return &fnv1.ResourceSelector{ApiVersion: apiVersion, Kind: kind, Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: l}}}
}

// withObservedConditions gives the observed composite resource the
// conditions cs, as Crossplane wrote them after an earlier call.
func withObservedConditions(cs ...map[string]any) xfntest.Option {
	return func(req *fnv1.RunFunctionRequest) error {
		list := make([]any, len(cs))
		for i, c := range cs {
			c["lastTransitionTime"] = "2026-11-01T09:00:00Z"
			list[i] = c
		}
		v, err := structpb.NewValue(map[string]any{"conditions": list})
		if err != nil {
			return err
		}
		req.Observed.Composite.Resource.Fields["status"] = v
		return nil
	}
}

// skeleton is rsp with each desired composed resource cut down to its
// kind, its name and namespace when it sets them, and for a
// provider-kubernetes Object the kind it wraps: the table compares what
// is composed and how ready it is, and the topic tests and golden render
// cases check every field.
func skeleton(rsp *fnv1.RunFunctionResponse) *fnv1.RunFunctionResponse {
	out := proto.CloneOf(rsp)
	for _, r := range out.GetDesired().GetResources() {
		o := r.GetResource()
		s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
		for _, k := range []string{"apiVersion", "kind"} {
			if v, ok := o.GetFields()[k]; ok {
				s.Fields[k] = v
			}
		}
		meta := &structpb.Struct{Fields: map[string]*structpb.Value{}}
		for _, k := range []string{"name", "namespace"} {
			if v, ok := sub(o, "metadata").GetFields()[k]; ok {
				meta.Fields[k] = v
			}
		}
		if len(meta.GetFields()) > 0 {
			s.Fields["metadata"] = structpb.NewStructValue(meta)
		}
		if m := sub(sub(sub(o, "spec"), "forProvider"), "manifest"); m != nil {
			s.Fields["manifest"] = structpb.NewStringValue(str(m, "apiVersion") + "/" + str(m, "kind"))
		}
		r.Resource = s
	}
	return out
}

// TestRunFunctionConcurrent runs the composer from many goroutines, as a
// server does, sharing the inputs it remembers. Every response must equal
// the one a lone call without a memo gives. Run with -race (make unit
// does) to check that calls share nothing they change.
func TestRunFunctionConcurrent(t *testing.T) {
	lone := NewFunction(logging.NewNopLogger())
	f := NewFunction(logging.NewNopLogger(), WithInputMemo(NewInputMemo(4, NewInputMemoLookups())))
	det := proto.MarshalOptions{Deterministic: true}
	reqs := []*fnv1.RunFunctionRequest{
		runRequest(composeXR(), composeInput(), nil),
		runRequest(withXR(func(xr *v1alpha1.XCloudSpace) {
			xr.Spec.Environment = v1alpha1.EnvironmentProd
			xr.Spec.Network = v1alpha1.NetworkSpec{CIDR: "10.40.0.0/16", AvailabilityZones: ptr(3), Public: true}
		}), composeInput(), nil),
	}
	reqs = append(reqs, secondReconcile(t, reqs[0]), secondReconcile(t, reqs[1]),
		// A space admitted under its team's quota, next to two others.
		runRequest(spaceXR("space-3", 3, "2", ""), quotaInput(), nil,
			xfntest.WithCapabilities(capabilities...),
			xfntest.WithRequired(requiredTeamQuota, teamQuotaObject(t)),
			xfntest.WithRequired(requiredTeamSpaces),
			xfntest.WithRequired(requiredSpacesInPfx+"team-payments", spaceXR("space-1", 1, "4", "4"), spaceXR("space-2", 2, "4", "4"), spaceXR("space-3", 3, "2", "")),
		))
	want := make([][]byte, len(reqs))
	for i, req := range reqs {
		rsp, err := lone.RunFunction(t.Context(), proto.CloneOf(req))
		if err != nil {
			t.Fatal(err)
		}
		if o := outcomeOf(rsp, 1, 0); !o.Composed {
			t.Fatalf("RunFunction(...): request %d composed nothing: %+v", i, o)
		}
		if want[i], err = det.Marshal(rsp); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 20 {
				i := (g + n) % len(reqs)
				rsp, err := f.RunFunction(t.Context(), proto.CloneOf(reqs[i]))
				if err != nil {
					t.Error(err)
					return
				}
				b, err := det.Marshal(rsp)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(b, want[i]) {
					t.Errorf("RunFunction(...): request %d gave a response that differs from a lone call's", i)
					return
				}
			}
		})
	}
	wg.Wait()
}

package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// policyConfig is an install policy EnvironmentConfig named name with
// data.
func policyConfig(name string, data map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": fnv1alpha1.PolicySourceAPIVersion, "kind": fnv1alpha1.PolicySourceKind,
		"metadata": map[string]any{"name": name, "labels": map[string]any{"platform.cloudspace.dev/config": "policy"}},
		"data":     data,
	}
}

func policyObjects(t *testing.T, objs ...map[string]any) []PolicyObject {
	t.Helper()
	ss := make([]*structpb.Struct, len(objs))
	for i, o := range objs {
		ss[i] = xfntest.MustStruct(o)
	}
	po, err := ReadPolicy(ss)
	if err != nil {
		t.Fatal(err)
	}
	return po
}

func TestApplyPolicy(t *testing.T) {
	smallCPU := map[string]any{"tiers": []any{map[string]any{"name": "medium", "max": map[string]any{"cpu": "4"}}}}
	cases := map[string]struct {
		reason  string
		objs    []map[string]any
		want    func(in *fnv1alpha1.Composer)
		wantErr string
	}{
		"TierMergedByName": {
			reason: "A tier of the policy amends the input's tier of that name, field by field; the other tiers stay as they are.",
			objs:   []map[string]any{policyConfig("cloudspace-policy", smallCPU)},
			want: func(in *fnv1alpha1.Composer) {
				in.Tiers[0].Max.CPU = "4"
			},
		},
		"TierAdded": {
			reason: "A tier the input lacks is added (first: a strategic merge patch puts the entries only it has before the others; the catalog's order means nothing).",
			objs: []map[string]any{policyConfig("cloudspace-policy", map[string]any{"tiers": []any{map[string]any{
				"name": "small", "max": map[string]any{"cpu": "2", "memory": "4Gi", "storage": "50Gi", "gpu": "0", "pods": "20", "loadBalancers": "1"},
			}}})},
			want: func(in *fnv1alpha1.Composer) {
				in.Tiers = append([]fnv1alpha1.TierSpec{{Name: v1alpha1.TierSmall, Max: v1alpha1.QuotaAmounts{
					CPU: "2", Memory: "4Gi", Storage: "50Gi", GPU: "0", Pods: "20", LoadBalancers: "1",
				}}}, in.Tiers...)
			},
		},
		"TierDeleted": {
			reason: "$patch: delete removes a tier of the input.",
			objs: []map[string]any{policyConfig("cloudspace-policy", map[string]any{"tiers": []any{
				map[string]any{"name": "large", "$patch": "delete"},
			}})},
			want: func(in *fnv1alpha1.Composer) { in.Tiers = in.Tiers[:1] },
		},
		"IdentityMerged": {
			reason: "The identity merges field by field: an install names its account and keeps the input's provider config.",
			objs: []map[string]any{policyConfig("cloudspace-policy", map[string]any{"identity": map[string]any{
				"accountId": "210987654321", "trustPrincipal": "arn:aws:iam::210987654321:role/team-admins",
			}})},
			want: func(in *fnv1alpha1.Composer) {
				in.Identity.AccountID = "210987654321"
				in.Identity.TrustPrincipal = "arn:aws:iam::210987654321:role/team-admins"
			},
		},
		"NullRemoves": {
			reason: "A null removes a field of the input.",
			objs: []map[string]any{policyConfig("cloudspace-policy", map[string]any{"tenant": map[string]any{
				"groupPrefix": nil,
			}})},
			want: func(in *fnv1alpha1.Composer) { in.Tenant.GroupPrefix = "" },
		},
		"NameOrder": {
			reason: "EnvironmentConfigs apply in name order, each on the one before: the last name wins, whatever order Crossplane sent them in.",
			objs: []map[string]any{
				policyConfig("b-prices", map[string]any{"pricing": map[string]any{"cpuCoreMonth": "30.00"}}),
				policyConfig("a-prices", map[string]any{"pricing": map[string]any{"cpuCoreMonth": "20.00", "currency": "EUR"}}),
			},
			want: func(in *fnv1alpha1.Composer) {
				in.Pricing = &fnv1alpha1.PriceCatalog{PriceList: fnv1alpha1.PriceList{CPUCoreMonth: "30.00"}, Currency: "EUR"}
			},
		},
		"EmptyDataSkipped": {
			reason: "An EnvironmentConfig without data amends nothing.",
			objs:   []map[string]any{policyConfig("empty", nil)},
			want:   func(*fnv1alpha1.Composer) {},
		},
		"UnknownField": {
			reason:  "A misspelt field is an error naming the EnvironmentConfig and the field, not a policy silently ignored.",
			objs:    []map[string]any{policyConfig("cloudspace-policy", map[string]any{"tiers": []any{map[string]any{"name": "medium", "maxx": map[string]any{}}}})},
			wantErr: `install policy EnvironmentConfig cloudspace-policy: cannot decode data: unknown field "tiers[0].maxx"`,
		},
		"PolicyFromForbidden": {
			reason:  "Only the Composition's input selects the install policy: a policy cannot redirect it.",
			objs:    []map[string]any{policyConfig("cloudspace-policy", map[string]any{"policyFrom": map[string]any{"matchLabels": map[string]any{"a": "b"}}})},
			wantErr: `install policy EnvironmentConfig cloudspace-policy: data.policyFrom: Forbidden`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := composeInput()
			got, err := ApplyPolicy(in, policyObjects(t, tc.objs...))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nApplyPolicy(...): error %v, want one containing %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nApplyPolicy(...): %v", tc.reason, err)
			}
			want := composeInput()
			tc.want(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nApplyPolicy(...): -want, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(composeInput(), in); diff != "" {
				t.Errorf("ApplyPolicy changed its input: -want, +got:\n%s", diff)
			}
		})
	}
}

func TestReadPolicyBounded(t *testing.T) {
	objs := make([]*structpb.Struct, fnv1alpha1.MaxPolicyObjects+1)
	for i := range objs {
		objs[i] = xfntest.MustStruct(policyConfig("p", map[string]any{}))
	}
	if _, err := ReadPolicy(objs); err == nil || !strings.Contains(err.Error(), "want at most 16") {
		t.Errorf("ReadPolicy(17 objects): error %v, want one naming the bound", err)
	}
}

// policyRequest is a request of the test claim whose input reads its
// install policy; objs are the policy objects Crossplane sent, or nil
// when it has sent none yet.
func policyRequest(observed map[string]map[string]any, objs []any) *fnv1.RunFunctionRequest {
	in := composeInput()
	in.PolicyFrom = &fnv1alpha1.PolicySource{MatchLabels: map[string]string{"platform.cloudspace.dev/config": "policy"}}
	opts := []xfntest.Option{xfntest.WithCapabilities(fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES)}
	if objs != nil {
		opts = append(opts, xfntest.WithRequired(requiredPolicy, objs...), xfntest.WithRequired(requiredTenantNamespace))
	}
	return runRequest(composeXR(), in, observed, opts...)
}

func TestRunFunctionPolicy(t *testing.T) {
	observed := map[string]map[string]any{"bucket": {
		"apiVersion": "s3.aws.upbound.io/v1beta2", "kind": "Bucket", "metadata": map[string]any{"name": "kept"},
	}}
	t.Run("WaitsForPolicy", func(t *testing.T) {
		// The input alone rejects the claim's tier; the install policy,
		// not sent yet, might allow it: no verdict yet.
		req := policyRequest(observed, nil)
		rsp, err := NewFunction(logging.NewNopLogger()).RunFunction(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(rsp.GetResults()) != 0 {
			t.Errorf("results %v, want none before the install policy is sent", rsp.GetResults())
		}
		sel := rsp.GetRequirements().GetResources()[requiredPolicy]
		if sel.GetKind() != "EnvironmentConfig" || sel.GetMatchLabels().GetLabels()["platform.cloudspace.dev/config"] != "policy" {
			t.Errorf("requirement %v, want the EnvironmentConfigs labelled platform.cloudspace.dev/config=policy", sel)
		}
		if _, ok := rsp.GetDesired().GetResources()["bucket"]; !ok || len(rsp.GetDesired().GetResources()) != 1 {
			t.Errorf("desired %v, want the observed bucket kept and nothing composed", rsp.GetDesired().GetResources())
		}
	})
	t.Run("TierFromPolicy", func(t *testing.T) {
		// The policy lowers tier medium's cpu below the claim's 8.
		req := policyRequest(nil, []any{policyConfig("cloudspace-policy", map[string]any{
			"tiers": []any{map[string]any{"name": "medium", "max": map[string]any{"cpu": "4"}}},
		})})
		rsp, err := NewFunction(logging.NewNopLogger()).RunFunction(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, c := range rsp.GetConditions() {
			msgs = append(msgs, c.GetType()+"="+c.GetStatus().String()+": "+c.GetMessage())
		}
		if got := strings.Join(msgs, "\n"); !strings.Contains(got, TypeQuotaAvailable+"=STATUS_CONDITION_FALSE") || !strings.Contains(got, "cpu") {
			t.Errorf("conditions:\n%s\nwant QuotaAvailable False naming cpu, the tier limit the policy lowered", got)
		}
		if n := len(rsp.GetDesired().GetResources()); n != 0 {
			t.Errorf("%d desired resources, want none for a new space the policy's tier refuses", n)
		}
	})
	t.Run("InvalidPolicyFatal", func(t *testing.T) {
		req := policyRequest(observed, []any{policyConfig("cloudspace-policy", map[string]any{
			"tiers": []any{map[string]any{"name": "medium", "maxMonthlyBudget": "lots"}},
		})})
		rsp, err := NewFunction(logging.NewNopLogger()).RunFunction(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		want := `install policy EnvironmentConfig cloudspace-policy: invalid function input: tiers[0].maxMonthlyBudget: Invalid value: "lots": must be a decimal amount with at most two fraction digits`
		rs := rsp.GetResults()
		if len(rs) != 1 || rs[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL || !strings.Contains(rs[0].GetMessage(), want) {
			t.Errorf("results %v, want one Fatal result containing %q", rs, want)
		}
	})
	t.Run("MemoKeyedByPolicy", func(t *testing.T) {
		// The memo must not answer an edited policy with the parse of
		// the one before.
		f := NewFunction(logging.NewNopLogger(), WithInputMemo(NewInputMemo(4, NewInputMemoLookups())))
		fits := policyRequest(nil, []any{policyConfig("cloudspace-policy", map[string]any{"pricing": map[string]any{"cpuCoreMonth": "10.00"}})})
		refused := policyRequest(nil, []any{policyConfig("cloudspace-policy", map[string]any{
			"tiers": []any{map[string]any{"name": "medium", "max": map[string]any{"cpu": "4"}}},
		})})
		for i, req := range []*fnv1.RunFunctionRequest{fits, refused, fits} {
			rsp, err := f.RunFunction(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			wantComposed := i != 1
			if got := len(rsp.GetDesired().GetResources()) > 0; got != wantComposed {
				t.Errorf("call %d: composed %t, want %t", i, got, wantComposed)
			}
		}
	})
	t.Run("MemoLooksUpOnce", func(t *testing.T) {
		// A call with a remembered input and policy looks the memo up
		// once, by the amended key, and composes as the first call did.
		// Each lookup is counted once, so the hit rate is the memo's.
		lookups := NewInputMemoLookups()
		f := NewFunction(logging.NewNopLogger(), WithInputMemo(NewInputMemo(4, lookups)))
		req := policyRequest(nil, []any{policyConfig("cloudspace-policy", map[string]any{"pricing": map[string]any{"cpuCoreMonth": "10.00"}})})
		first, err := f.RunFunction(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		// The first call misses the input with its policy and the bare
		// input, once each.
		hits, misses := counted(t, lookups, "hit"), counted(t, lookups, "miss")
		if hits != 0 || misses != 2 {
			t.Errorf("first call: %v memo hits and %v misses, want 0 and 2", hits, misses)
		}
		second, err := f.RunFunction(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got := counted(t, lookups, "hit") - hits; got != 1 {
			t.Errorf("second call: %v memo hits, want 1", got)
		}
		if got := counted(t, lookups, "miss") - misses; got != 0 {
			t.Errorf("second call: %v memo misses, want 0", got)
		}
		if diff := cmp.Diff(first, second, protocmp.Transform()); diff != "" {
			t.Errorf("second call (-first +second):\n%s", diff)
		}
	})
}

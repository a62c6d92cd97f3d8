package xfn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"
)

func mustStruct(t *testing.T, j string) *structpb.Struct {
	t.Helper()
	return resource.MustStructJSON(j)
}

func observedXR(t *testing.T, j string) *resource.Composite {
	t.Helper()
	xr, err := request.GetObservedCompositeResource(&fnv1.RunFunctionRequest{
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: mustStruct(t, j)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return xr
}

func TestSetCondition(t *testing.T) {
	const noConditions = `{"apiVersion":"x/v1","kind":"X","metadata":{"name":"x"}}`
	const quotaOK = `{"apiVersion":"x/v1","kind":"X","metadata":{"name":"x"},"status":{"conditions":[
		{"type":"QuotaAvailable","status":"True","reason":"Available","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`
	claim := fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum()

	type want struct {
		conditions []*fnv1.Condition
		results    []*fnv1.Result
	}
	cases := map[string]struct {
		reason   string
		observed string
		c        Condition
		want     want
	}{
		"FirstReportEmitsNormal": {
			reason:   "a condition the XR does not have yet is a transition: Normal result",
			observed: noConditions,
			c:        Condition{Type: "QuotaAvailable", Status: true, Reason: "Available", Message: "fits"},
			want: want{
				conditions: []*fnv1.Condition{{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Available", Message: new("fits"), Target: claim}},
				results:    []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_NORMAL, Message: "fits", Reason: new("Available"), Target: claim}},
			},
		},
		"SteadyConditionEmitsNothing": {
			reason:   "the same status and reason as observed: condition only, no result, so no repeated events",
			observed: quotaOK,
			c:        Condition{Type: "QuotaAvailable", Status: true, Reason: "Available", Message: "fits"},
			want: want{
				conditions: []*fnv1.Condition{{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Available", Message: new("fits"), Target: claim}},
			},
		},
		"ProblemTransitionEmitsWarning": {
			reason:   "a change to a problem reason is a Warning result",
			observed: quotaOK,
			c:        Condition{Type: "QuotaAvailable", Status: false, Reason: "TierLimitExceeded", Message: "cpu 9 exceeds 8", Problem: true},
			want: want{
				conditions: []*fnv1.Condition{{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_FALSE, Reason: "TierLimitExceeded", Message: new("cpu 9 exceeds 8"), Target: claim}},
				results:    []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_WARNING, Message: "cpu 9 exceeds 8", Reason: new("TierLimitExceeded"), Target: claim}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := response.To(&fnv1.RunFunctionRequest{}, response.DefaultTTL)
			SetCondition(rsp, observedXR(t, tc.observed), tc.c)
			got := want{conditions: rsp.GetConditions(), results: rsp.GetResults()}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), protocmp.Transform(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nSetCondition(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestDecodeInput(t *testing.T) {
	type in struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Tiers      []struct {
			Name string `json:"name"`
		} `json:"tiers"`
	}
	cases := map[string]struct {
		reason  string
		input   *structpb.Struct
		wantErr string
	}{
		"Valid": {
			reason: "a known shape decodes",
			input:  resource.MustStructJSON(`{"apiVersion":"fn.cloudspace.dev/v1alpha1","kind":"Composer","tiers":[{"name":"small"}]}`),
		},
		"UnknownFieldsNamed": {
			reason:  "every unknown field is named, so a typo in the Composition is found at once",
			input:   resource.MustStructJSON(`{"apiVersion":"a","kind":"b","tierz":[],"tiers":[{"name":"s","nme":"x"}]}`),
			wantErr: `cannot decode function input: unknown field "tiers[0].nme"; unknown field "tierz"`,
		},
		"Missing": {
			reason:  "a step without input is an error, not an empty policy",
			wantErr: "cannot decode function input: the Composition step has no input",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := DecodeInput(&fnv1.RunFunctionRequest{Input: tc.input}, &in{})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Errorf("%s\nDecodeInput(...): want error %q, got %q", tc.reason, tc.wantErr, got)
			}
		})
	}
}

func TestDesiredKeep(t *testing.T) {
	req := &fnv1.RunFunctionRequest{
		Observed: &fnv1.State{Resources: map[string]*fnv1.Resource{
			"vpc": {Resource: resource.MustStructJSON(`{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"VPC",
				"metadata":{"name":"vpc-abc","annotations":{"crossplane.io/external-name":"vpc-0123"},
					"uid":"u-1","resourceVersion":"42","generation":3,"creationTimestamp":"2026-01-01T00:00:00Z",
					"managedFields":[{"manager":"crossplane","operation":"Apply"}]},
				"spec":{"forProvider":{"cidrBlock":"10.0.0.0/16","region":"eu-west-1"}},
				"status":{"atProvider":{"id":"vpc-0123"}}}`)},
		}},
	}
	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDesired(req)
	if err != nil {
		t.Fatal(err)
	}
	d.Keep("vpc", observed["vpc"])
	rsp := response.To(req, response.DefaultTTL)
	if err := d.Apply(rsp); err != nil {
		t.Fatal(err)
	}
	want := resource.MustStructJSON(`{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"VPC",
		"metadata":{"name":"vpc-abc","annotations":{"crossplane.io/external-name":"vpc-0123"}},
		"spec":{"forProvider":{"cidrBlock":"10.0.0.0/16","region":"eu-west-1"}}}`)
	if diff := cmp.Diff(want, rsp.GetDesired().GetResources()["vpc"].GetResource(), protocmp.Transform()); diff != "" {
		t.Errorf("Keep must desire the observed resource unchanged but for status and server-owned metadata: -want +got:\n%s", diff)
	}
}

func TestRequire(t *testing.T) {
	rsp := &fnv1.RunFunctionResponse{}
	Require(rsp, "team", Selector{APIVersion: "apiextensions.crossplane.io/v1beta1", Kind: "EnvironmentConfig", Labels: map[string]string{"team": "payments"}})
	Require(rsp, "one", Selector{APIVersion: "v1", Kind: "ConfigMap", Namespace: "ns", Name: "cm"})
	ns := "ns"
	want := &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		"team": {ApiVersion: "apiextensions.crossplane.io/v1beta1", Kind: "EnvironmentConfig",
			Match: &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: map[string]string{"team": "payments"}}}},
		"one": {ApiVersion: "v1", Kind: "ConfigMap", Namespace: &ns, Match: &fnv1.ResourceSelector_MatchName{MatchName: "cm"}},
	}}
	if diff := cmp.Diff(want, rsp.GetRequirements(), protocmp.Transform()); diff != "" {
		t.Errorf("Require(...): -want +got:\n%s", diff)
	}
}

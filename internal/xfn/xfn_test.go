package xfn

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

func mustStruct(t *testing.T, j string) *structpb.Struct {
	t.Helper()
	return resource.MustStructJSON(j)
}

func observedXR(t *testing.T, j string) *fnv1.RunFunctionRequest {
	t.Helper()
	return &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: mustStruct(t, j)}}}
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
	observed := ObservedOf(req)
	d := NewDesired(req)
	d.Keep("vpc", observed["vpc"], resource.ReadyTrue)
	rsp := response.To(req, response.DefaultTTL)
	d.Apply(rsp)
	want := resource.MustStructJSON(`{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"VPC",
		"metadata":{"name":"vpc-abc","annotations":{"crossplane.io/external-name":"vpc-0123"}},
		"spec":{"forProvider":{"cidrBlock":"10.0.0.0/16","region":"eu-west-1"}}}`)
	if diff := cmp.Diff(want, rsp.GetDesired().GetResources()["vpc"].GetResource(), protocmp.Transform()); diff != "" {
		t.Errorf("Keep must desire the observed resource unchanged but for status and server-owned metadata: -want +got:\n%s", diff)
	}
	if got := rsp.GetDesired().GetResources()["vpc"].GetReady(); got != fnv1.Ready_READY_TRUE {
		t.Errorf("Keep must desire the given readiness: want READY_TRUE, got %v", got)
	}
	if _, ok := observed["vpc"].GetResource().GetFields()["status"]; !ok {
		t.Errorf("Keep changed the observed resource: its status is gone")
	}
}

func TestDesiredStartsFromEarlierSteps(t *testing.T) {
	earlier := &fnv1.Resource{Resource: mustStruct(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`), Ready: fnv1.Ready_READY_TRUE}
	req := &fnv1.RunFunctionRequest{Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{"earlier": earlier}}}
	d := NewDesired(req)
	s := mustStruct(t, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"b"}}`)
	d.SetStruct("ns", s, resource.ReadyFalse)
	rsp := response.To(req, response.DefaultTTL)
	d.Apply(rsp)
	want := map[string]*fnv1.Resource{"earlier": earlier, "ns": {Resource: s, Ready: fnv1.Ready_READY_FALSE}}
	if diff := cmp.Diff(want, rsp.GetDesired().GetResources(), protocmp.Transform()); diff != "" {
		t.Errorf("Apply must desire what earlier steps desired and what this step set: -want +got:\n%s", diff)
	}
	if n := len(req.GetDesired().GetResources()); n != 1 {
		t.Errorf("Apply changed the request, whose desired state the response shares: it desires %d resources, want 1", n)
	}
}

func TestSetCompositeStatus(t *testing.T) {
	req := &fnv1.RunFunctionRequest{Desired: &fnv1.State{Composite: &fnv1.Resource{
		Resource: mustStruct(t, `{"apiVersion":"x/v1","kind":"X","status":{"billing":{"spend":"1.00"},"namespace":"old"}}`),
		Ready:    fnv1.Ready_READY_TRUE,
	}}}
	sent := proto.CloneOf(req)
	rsp := response.To(req, response.DefaultTTL)
	SetCompositeStatus(rsp, map[string]*structpb.Value{"namespace": structpb.NewStringValue("team-a"), "tags": structpb.NewStructValue(mustStruct(t, `{"team":"a"}`))})
	want := mustStruct(t, `{"apiVersion":"x/v1","kind":"X","status":{"billing":{"spend":"1.00"},"namespace":"team-a","tags":{"team":"a"}}}`)
	if diff := cmp.Diff(want, rsp.GetDesired().GetComposite().GetResource(), protocmp.Transform()); diff != "" {
		t.Errorf("SetCompositeStatus must set the named fields and keep the others: -want +got:\n%s", diff)
	}
	if rsp.GetDesired().GetComposite().GetReady() != fnv1.Ready_READY_TRUE {
		t.Errorf("SetCompositeStatus changed the composite's readiness")
	}
	if diff := cmp.Diff(sent, req, protocmp.Transform()); diff != "" {
		t.Errorf("SetCompositeStatus changed the request, whose desired state the response shares: -want +got:\n%s", diff)
	}

	empty := &fnv1.RunFunctionResponse{}
	SetCompositeStatus(empty, map[string]*structpb.Value{"namespace": structpb.NewStringValue("team-a")})
	if diff := cmp.Diff(mustStruct(t, `{"status":{"namespace":"team-a"}}`), empty.GetDesired().GetComposite().GetResource(), protocmp.Transform()); diff != "" {
		t.Errorf("SetCompositeStatus must create the desired composite: -want +got:\n%s", diff)
	}
}

func TestDigestOf(t *testing.T) {
	a := mustStruct(t, `{"b":{"y":1,"x":[1,"2",{"z":true}]},"a":"s"}`)
	b := mustStruct(t, `{"a":"s","b":{"x":[1,"2",{"z":true}],"y":1}}`)
	da := DigestOf(a)
	for range 20 { // Go's map order varies from one walk to the next.
		if DigestOf(b) != da {
			t.Fatalf("DigestOf: equal structs gave different digests")
		}
	}
	// Each differs from a in one way; each must digest differently from a
	// and from every other.
	different := map[string]string{
		"Value":          `{"a":"s","b":{"x":[1,"2",{"z":false}],"y":1}}`,
		"Key":            `{"a":"s","b":{"x":[1,"2",{"z":true}],"w":1}}`,
		"KindNumber":     `{"a":"s","b":{"x":["1","2",{"z":true}],"y":1}}`,
		"KindList":       `{"a":"s","b":{"x":{"0":1,"1":"2","2":{"z":true}},"y":1}}`,
		"Null":           `{"a":null,"b":{"x":[1,"2",{"z":true}],"y":1}}`,
		"ListBoundary":   `{"a":"s","b":{"x":[1,"2"],"y":1,"z":[{"z":true}]}}`,
		"StringBoundary": `{"a":"s\u0001","b":{"x":[1,"2",{"z":true}],"y":1}}`,
		"Empty":          `{}`,
		"Nested":         `{"a":"s","b":{"b":{"x":[1,"2",{"z":true}],"y":1}}}`,
	}
	seen := map[Digest]string{da: "a"}
	for name, j := range different {
		d := DigestOf(mustStruct(t, j))
		if other, ok := seen[d]; ok {
			t.Errorf("DigestOf: %s and %s gave the same digest", name, other)
		}
		seen[d] = name
	}
	if DigestOf(nil) != DigestOf(&structpb.Struct{}) {
		t.Errorf("DigestOf(nil): want the digest of an empty struct")
	}
}

// BenchmarkDigestOf compares DigestOf with hashing protobuf's
// deterministic wire encoding, on a composite resource of 3 kB.
func BenchmarkDigestOf(b *testing.B) {
	s := mustStruct(&testing.T{}, benchXR)
	b.Run("Canonical", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = DigestOf(s)
		}
	})
	b.Run("DeterministicWire", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w, err := proto.MarshalOptions{Deterministic: true}.Marshal(s)
			if err != nil {
				b.Fatal(err)
			}
			_ = sha256.Sum256(w)
		}
	})
}

const benchXR = `{"apiVersion":"cloudspace.dev/v1alpha1","kind":"XCloudSpace",
 "metadata":{"name":"checkout-7x9kq","uid":"9b1f2c1e-4c1a-4b7e-9d2f-3c1b2a4d5e6f","resourceVersion":"41512","generation":3,
  "creationTimestamp":"2026-11-01T10:00:00Z","labels":{"crossplane.io/claim-name":"checkout","crossplane.io/claim-namespace":"team-payments","crossplane.io/composite":"checkout-7x9kq","cloudspace.dev/team":"payments"},
  "annotations":{"crossplane.io/composition-resource-name":"","cloudspace.dev/owner":"payments@example.com"}},
 "spec":{"team":"payments","environment":"dev","tier":"medium","owner":"payments@example.com","region":"eu-west-1",
  "resources":{"cpu":"8","memory":"16Gi","storage":"100Gi","gpu":"0"},
  "budget":{"monthlyLimit":"1500.00","currency":"USD","alertThresholds":[50,80,100]},
  "network":{"cidr":"10.20.0.0/16","availabilityZones":2,"public":false},
  "tags":{"cost-center":"cc-4711","project":"checkout"},
  "crossplane":{"compositionRef":{"name":"xcloudspaces.cloudspace.dev"},"compositionRevisionRef":{"name":"xcloudspaces.cloudspace.dev-a1b2c3d"},"compositionUpdatePolicy":"Automatic",
   "resourceRefs":[{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"VPC","name":"checkout-7x9kq-vpc"},{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"Subnet","name":"checkout-7x9kq-a"},{"apiVersion":"ec2.aws.upbound.io/v1beta1","kind":"Subnet","name":"checkout-7x9kq-b"},{"apiVersion":"s3.aws.upbound.io/v1beta1","kind":"Bucket","name":"checkout-7x9kq-bucket"},{"apiVersion":"kms.aws.upbound.io/v1beta1","kind":"Key","name":"checkout-7x9kq-key"}]}},
 "status":{"namespace":"team-payments-checkout","roleARN":"arn:aws:iam::123456789012:role/checkout","kmsKeyARN":"arn:aws:kms:eu-west-1:123456789012:key/k",
  "tags":{"cloudspace":"checkout-7x9kq","team":"payments","environment":"dev","cost-center":"cc-4711","project":"checkout"},
  "quota":{"cpu":"8","memory":"16Gi","storage":"100Gi","gpu":"0","pods":"150","loadBalancers":"2"},
  "network":{"vpcID":"vpc-0123","subnetIDs":["subnet-a","subnet-b"],"securityGroupID":"sg-1"},
  "conditions":[{"type":"Synced","status":"True","reason":"ReconcileSuccess","lastTransitionTime":"2026-11-01T10:00:00Z"},{"type":"Ready","status":"True","reason":"Available","lastTransitionTime":"2026-11-01T10:05:00Z"},{"type":"QuotaAvailable","status":"True","reason":"Available","message":"fits","lastTransitionTime":"2026-11-01T10:00:00Z"},{"type":"TagsCompliant","status":"True","reason":"Compliant","message":"Every taggable resource carries the 5 cost tags of the tag policy","lastTransitionTime":"2026-11-01T10:00:00Z"}]}}`

func TestEncoded(t *testing.T) {
	s := mustStruct(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"b":"c","a":"d"}},"data":{"n":1.5,"t":true,"z":null,"l":[1,"x",{"k":"v"}]}}`)
	e, err := Encoded(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.GetFields()) != 0 {
		t.Errorf("Encoded: want no fields in process, got %d", len(e.GetFields()))
	}
	rsp := &fnv1.RunFunctionResponse{Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{
		"a": {Resource: e, Ready: fnv1.Ready_READY_TRUE},
		"b": {Resource: mustStruct(t, `{"kind":"B"}`)},
	}}}
	want := &fnv1.RunFunctionResponse{Desired: &fnv1.State{Resources: map[string]*fnv1.Resource{
		"a": {Resource: s, Ready: fnv1.Ready_READY_TRUE},
		"b": {Resource: mustStruct(t, `{"kind":"B"}`)},
	}}}

	// What the receiver of the response reads.
	got := xfntest.Received(t, rsp)
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("Encoded: the response must reach its receiver as if it carried the struct itself: -want +got:\n%s", diff)
	}
	det := proto.MarshalOptions{Deterministic: true}
	wb, _ := det.Marshal(want)
	gb, _ := det.Marshal(rsp)
	if !bytes.Equal(wb, gb) {
		t.Errorf("Encoded: the deterministic encoding of a response must not change")
	}

	d, err := Decoded(e)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, d, protocmp.Transform()); diff != "" {
		t.Errorf("Decoded(Encoded(s)) must be s: -want +got:\n%s", diff)
	}
	if len(e.GetFields()) != 0 || len(e.ProtoReflect().GetUnknown()) == 0 {
		t.Errorf("Decoded changed the encoded struct")
	}
	if plain, _ := Decoded(s); plain != s {
		t.Errorf("Decoded: a struct that is not encoded must be returned as is")
	}
}

package xfn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
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

func TestSetConditions(t *testing.T) {
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
		cs       []Condition
		want     want
	}{
		"FirstReportEmitsNormal": {
			reason:   "a condition the XR does not have yet is a transition: Normal result",
			observed: noConditions,
			cs:       []Condition{{Type: "QuotaAvailable", Status: True, Reason: "Available", Message: "fits"}},
			want: want{
				conditions: []*fnv1.Condition{{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Available", Message: new("fits"), Target: claim}},
				results:    []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_NORMAL, Message: "fits", Reason: new("Available"), Target: claim}},
			},
		},
		"SteadyConditionEmitsNothing": {
			reason:   "the same status and reason as observed: condition only, no result, so no repeated events",
			observed: quotaOK,
			cs:       []Condition{{Type: "QuotaAvailable", Status: True, Reason: "Available", Message: "fits"}},
			want: want{
				conditions: []*fnv1.Condition{{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Available", Message: new("fits"), Target: claim}},
			},
		},
		"ProblemTransitionEmitsWarning": {
			reason:   "a change to a problem reason is a Warning result",
			observed: quotaOK,
			cs:       []Condition{{Type: "QuotaAvailable", Status: False, Reason: "TierLimitExceeded", Message: "cpu 9 exceeds 8", Problem: true}},
			want: want{
				conditions: []*fnv1.Condition{{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_FALSE, Reason: "TierLimitExceeded", Message: new("cpu 9 exceeds 8"), Target: claim}},
				results:    []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_WARNING, Message: "cpu 9 exceeds 8", Reason: new("TierLimitExceeded"), Target: claim}},
			},
		},
		"UnknownEmitsNothing": {
			reason:   "an Unknown condition is written but adds no result, even as a transition: another condition says why",
			observed: quotaOK,
			cs:       []Condition{{Type: "QuotaAvailable", Status: Unknown, Reason: "NoData", Message: "no data", Problem: true}},
			want: want{
				conditions: []*fnv1.Condition{{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_UNKNOWN, Reason: "NoData", Message: new("no data"), Target: claim}},
			},
		},
		"InOrder": {
			reason:   "several conditions are written in order, each with its own result when it changed",
			observed: quotaOK,
			cs: []Condition{
				{Type: "TagsCompliant", Status: True, Reason: "Compliant", Message: "tags"},
				{Type: "QuotaAvailable", Status: True, Reason: "Available"},
			},
			want: want{
				conditions: []*fnv1.Condition{
					{Type: "TagsCompliant", Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Compliant", Message: new("tags"), Target: claim},
					{Type: "QuotaAvailable", Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Available", Target: claim},
				},
				results: []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_NORMAL, Message: "tags", Reason: new("Compliant"), Target: claim}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := response.To(&fnv1.RunFunctionRequest{}, response.DefaultTTL)
			SetConditions(rsp, observedXR(t, tc.observed), tc.cs...)
			got := want{conditions: rsp.GetConditions(), results: rsp.GetResults()}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), protocmp.Transform(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nSetConditions(...): -want +got:\n%s", tc.reason, diff)
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
	if _, ok := observed["vpc"].GetFields()["status"]; !ok {
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

func TestSetStatus(t *testing.T) {
	type network struct {
		VPCID string `json:"vpcId,omitempty"`
	}
	type status struct {
		Namespace string            `json:"namespace,omitempty"`
		Tags      map[string]string `json:"tags,omitempty"`
		Network   *network          `json:"network,omitempty"`
		Billing   *network          `json:"billing,omitempty"`
	}
	req := &fnv1.RunFunctionRequest{Desired: &fnv1.State{Composite: &fnv1.Resource{
		Resource:          mustStruct(t, `{"apiVersion":"x/v1","kind":"X","status":{"billing":{"spend":"1.00"},"namespace":"old"}}`),
		Ready:             fnv1.Ready_READY_TRUE,
		ConnectionDetails: map[string][]byte{"k": []byte("v")},
	}}}
	sent := proto.CloneOf(req)
	rsp := response.To(req, response.DefaultTTL)
	if err := SetStatus(rsp, status{Namespace: "team-a", Tags: map[string]string{"team": "a"}, Network: &network{}}); err != nil {
		t.Fatal(err)
	}
	want := &fnv1.Resource{
		Resource:          mustStruct(t, `{"apiVersion":"x/v1","kind":"X","status":{"billing":{"spend":"1.00"},"namespace":"team-a","tags":{"team":"a"},"network":{}}}`),
		Ready:             fnv1.Ready_READY_TRUE,
		ConnectionDetails: map[string][]byte{"k": []byte("v")},
	}
	if diff := cmp.Diff(want, rsp.GetDesired().GetComposite(), protocmp.Transform()); diff != "" {
		t.Errorf("SetStatus must set the fields of the typed status and keep the others, the readiness and the connection details: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(sent, req, protocmp.Transform()); diff != "" {
		t.Errorf("SetStatus changed the request, whose desired state the response shares: -want +got:\n%s", diff)
	}

	empty := &fnv1.RunFunctionResponse{}
	if err := SetStatus(empty, status{Namespace: "team-a"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mustStruct(t, `{"status":{"namespace":"team-a"}}`), empty.GetDesired().GetComposite().GetResource(), protocmp.Transform()); diff != "" {
		t.Errorf("SetStatus must create the desired composite: -want +got:\n%s", diff)
	}
	if err := SetStatus(empty, func() {}); err == nil {
		t.Errorf("SetStatus(func): want an error for a status that cannot be marshalled")
	}
}

func TestComposedStruct(t *testing.T) {
	if err := corev1.AddToScheme(composed.Scheme); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		obj    runtime.Object
		want   *structpb.Struct
		err    bool
	}{
		"Typed": {
			reason: "a typed object gets its apiVersion and kind from the scheme and loses its empty status and metadata",
			obj:    &corev1.ConfigMap{Data: map[string]string{"a": "b"}},
			want:   mustStruct(t, `{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"b"}}`),
		},
		"Unstructured": {
			reason: "unstructured content is converted as it is, without its status",
			obj: &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "example.org/v1", "kind": "Thing", "spec": map[string]any{"n": int64(3)}, "status": map[string]any{"ok": true},
			}},
			want: mustStruct(t, `{"apiVersion":"example.org/v1","kind":"Thing","spec":{"n":3}}`),
		},
		"NotRegistered": {
			reason: "a typed object whose type the scheme does not know cannot be converted",
			obj:    &rbacv1.Role{},
			err:    true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ComposedStruct(tc.obj)
			if (err != nil) != tc.err {
				t.Fatalf("%s\nComposedStruct(...): want error %t, got %v", tc.reason, tc.err, err)
			}
			if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("%s\nComposedStruct(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "X", "status": map[string]any{}}}
	if _, err := ComposedStruct(u); err != nil {
		t.Fatal(err)
	}
	if _, ok := u.Object["status"]; !ok {
		t.Errorf("ComposedStruct changed the unstructured object it converted")
	}
}

func TestRequired(t *testing.T) {
	req := xfntest.Request(
		xfntest.WithRequired("quota", map[string]any{"kind": "EnvironmentConfig"}),
		xfntest.WithRequired("none"),
	)
	r := RequiredOf(req)
	cases := map[string]struct {
		reason string
		key    string
		want   []*structpb.Struct
		sent   bool
	}{
		"Sent":       {reason: "the objects sent under a key are returned", key: "quota", want: []*structpb.Struct{mustStruct(t, `{"kind":"EnvironmentConfig"}`)}, sent: true},
		"NoneMatch":  {reason: "a key whose selector matched nothing is sent, empty", key: "none", sent: true},
		"NotSentYet": {reason: "a key Crossplane has not sent is not sent", key: "spaces"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, sent := r.Get(tc.key)
			if sent != tc.sent {
				t.Errorf("%s\nGet(%q): want sent %t, got %t", tc.reason, tc.key, tc.sent, sent)
			}
			if diff := cmp.Diff(tc.want, got, protocmp.Transform(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nGet(%q): -want +got:\n%s", tc.reason, tc.key, diff)
			}
		})
	}
}

func TestSupportsRequiredResources(t *testing.T) {
	cases := map[string]struct {
		reason string
		caps   []fnv1.Capability
		want   bool
	}{
		"Advertised":    {reason: "a Crossplane that advertises the capability sends them", caps: []fnv1.Capability{fnv1.Capability_CAPABILITY_CAPABILITIES, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES}, want: true},
		"NotAdvertised": {reason: "a Crossplane that advertises capabilities but not this one cannot", caps: []fnv1.Capability{fnv1.Capability_CAPABILITY_CAPABILITIES}},
		"Silent":        {reason: "a Crossplane before v2.2 advertises nothing: assume it can", want: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := xfntest.Request(xfntest.WithCapabilities(tc.caps...))
			if len(tc.caps) == 0 {
				req.Meta = nil
			}
			if got := SupportsRequiredResources(req); got != tc.want {
				t.Errorf("%s\nSupportsRequiredResources(...): want %t, got %t", tc.reason, tc.want, got)
			}
		})
	}
}

package xfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/crossplane/function-sdk-go/resource/composed"
)

// The fast conversions of json.go and convert.go are checked against the
// slow ones they replace, on arbitrary input. Seed corpora are in
// testdata/fuzz.

// FuzzStructFromJSON checks that structFromJSON decodes what
// protojson.Unmarshal decodes, and refuses what it refuses.
func FuzzStructFromJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1,"b":[true,false,null,"x",{"c":-0.5e-7}],"d":{"e":1e21}}`,
		`{"s":"\u00e9\ud83d\ude00\n\"\\","n":12345678901234567890}`, `[]`, `{"a":1,"a":2}`, `{"a":1e400}`, `{"a":"\xff"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := &structpb.Struct{}
		wantErr := protojson.Unmarshal(data, want)
		got, err := structFromJSON(data)
		if (wantErr != nil) != (err != nil) {
			t.Fatalf("structFromJSON(%q): error %v, protojson.Unmarshal's %v", data, err, wantErr)
		}
		if wantErr == nil && !proto.Equal(want, got) {
			t.Fatalf("structFromJSON(%q) = %v, protojson.Unmarshal's %v", data, got, want)
		}
	})
}

// FuzzJSONOfStruct checks that jsonOfStruct writes the JSON tokens
// protojson.Marshal writes, in the same order, and fails as it fails.
func FuzzJSONOfStruct(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"b":[true,false,null,"x",{"c":-0.5e-7}],"a":1,"d":{"e":1e21,"f":1e20,"g":0.000001,"h":-0}}`,
		`{"s":"\u00e9\ud83d\ude00\n\"\\<>&\u2028","n":12345678901234567890,"m":0.1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &structpb.Struct{}
		if err := protojson.Unmarshal(data, s); err != nil {
			return
		}
		want, wantErr := protojson.Marshal(s)
		got, err := jsonOfStruct(s)
		if (wantErr != nil) != (err != nil) || wantErr != nil && wantErr.Error() != err.Error() {
			t.Fatalf("jsonOfStruct(%v): error %v, protojson.Marshal's %v", s, err, wantErr)
		}
		if wantErr == nil {
			if diff := tokenDiff(want, got); diff != "" {
				t.Fatalf("jsonOfStruct(%v) = %s, protojson.Marshal's %s: %s", s, got, want, diff)
			}
		}
	})
}

func TestJSONOfStructRefusesWhatProtojsonRefuses(t *testing.T) {
	for name, v := range map[string]*structpb.Value{
		"NaN":         structpb.NewNumberValue(nan()),
		"InvalidUTF8": structpb.NewStringValue("\xff"),
		"NoKind":      {},
	} {
		t.Run(name, func(t *testing.T) {
			s := &structpb.Struct{Fields: map[string]*structpb.Value{"a": v}}
			_, wantErr := protojson.Marshal(s)
			_, err := jsonOfStruct(s)
			if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
				t.Errorf("jsonOfStruct(%v): want protojson's error %v, got %v", s, wantErr, err)
			}
		})
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// tokenDiff describes the first difference between the JSON token
// streams of a and b: kinds, names, strings as decoded, numbers as
// written. It is empty when they are the same.
func tokenDiff(a, b []byte) string {
	da, db := jsontext.NewDecoder(bytes.NewReader(a)), jsontext.NewDecoder(bytes.NewReader(b))
	for {
		ta, erra := da.ReadToken()
		ka, sa := tokenText(ta, erra)
		tb, errb := db.ReadToken()
		kb, sb := tokenText(tb, errb)
		if ka != kb || sa != sb {
			return "token " + string(ka) + " " + sa + " differs from " + string(kb) + " " + sb
		}
		if errors.Is(erra, io.EOF) || erra != nil {
			return ""
		}
	}
}

func tokenText(t jsontext.Token, err error) (kind byte, text string) {
	if err != nil {
		return 'E', err.Error()
	}
	switch t.Kind() {
	case '"':
		return '"', t.String()
	case '0':
		return '0', t.String() // A number token's String is its literal.
	default:
		return byte(t.Kind()), ""
	}
}

// testResource is a managed resource in the shape provider types have:
// pointers to strings, numbers and booleans, maps of pointers, lists of
// objects, the ResourceSpec every managed resource inlines, and a status.
type testResource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              testSpec   `json:"spec"`
	Status            testStatus `json:"status,omitempty"`
}

type testSpec struct {
	xpv1.ResourceSpec `json:",inline"`
	ForProvider       testParameters `json:"forProvider"`
}

type testParameters struct {
	Region   *string            `json:"region,omitempty"`
	Count    *float64           `json:"count,omitempty"`
	Enabled  *bool              `json:"enabled,omitempty"`
	Tags     map[string]*string `json:"tags,omitempty"`
	Rules    []testRule         `json:"rule,omitempty"`
	Selector *xpv1.Selector     `json:"selector,omitempty"`
	Names    []*string          `json:"names,omitempty"`
}

type testRule struct {
	Threshold *float64 `json:"threshold,omitempty"`
	Type      *string  `json:"type,omitempty"`
}

type testStatus struct {
	xpv1.ResourceStatus `json:",inline"`
	AtProvider          struct {
		ID *string `json:"id,omitempty"`
	} `json:"atProvider,omitempty"`
}

func (r *testResource) DeepCopyObject() runtime.Object {
	c := *r
	return &c
}

var testResourceGVK = schema.GroupVersionKind{Group: "test.example.org", Version: "v1", Kind: "Resource"}

// composedTypes are typed objects of the kinds functions compose: a
// managed resource, and Kubernetes objects with quantities and maps.
func composedTypes() []func() runtime.Object {
	return []func() runtime.Object{
		func() runtime.Object { return &testResource{} },
		func() runtime.Object { return &corev1.ResourceQuota{} },
		func() runtime.Object { return &corev1.LimitRange{} },
		func() runtime.Object { return &corev1.Namespace{} },
		func() runtime.Object { return &rbacv1.RoleBinding{} },
	}
}

// slowComposedStruct is what ComposedStruct replaces: composed.From, the
// status dropped, and structpb.NewStruct.
func slowComposedStruct(obj runtime.Object) (*structpb.Struct, error) {
	u, err := composed.From(obj)
	if err != nil {
		return nil, err
	}
	content := maps.Clone(u.Object)
	delete(content, "status")
	return structpb.NewStruct(content)
}

// FuzzComposedStruct decodes arbitrary JSON into typed objects of the kinds
// functions compose and checks that ComposedStruct converts each exactly
// as composed.From and structpb.NewStruct do.
func FuzzComposedStruct(f *testing.F) {
	registerTestTypes(f)
	f.Add(uint8(0), []byte(`{"metadata":{"labels":{"a":"b"},"generation":3},"spec":{"forProvider":{"region":"eu-west-1","count":3,"enabled":true,"tags":{"team":"payments","x":null},"selector":{"matchControllerRef":true}},"providerConfigRef":{"name":"default"}}}`))
	f.Add(uint8(0), []byte(`{"spec":{"forProvider":{"rule":[{"threshold":80.5,"type":"ACTUAL"},{}],"names":["a@example.com",null]},"deletionPolicy":"Delete"},"status":{"atProvider":{"id":"i-1"}}}`))
	f.Add(uint8(1), []byte(`{"metadata":{"name":"cloudspace","namespace":"team-a"},"spec":{"hard":{"requests.cpu":"8","limits.memory":"16Gi","pods":"1e3"}},"status":{"used":{"cpu":"1"}}}`))
	f.Add(uint8(4), []byte(`{"metadata":{"name":"x"},"subjects":[{"kind":"Group","name":"team:a"}],"roleRef":{"kind":"ClusterRole","name":"edit"}}`))
	f.Add(uint8(3), []byte(`{}`))
	types := composedTypes()
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		newObj := types[int(kind)%len(types)]
		a, b := newObj(), newObj()
		if err := json.Unmarshal(data, a); err != nil {
			return
		}
		if err := json.Unmarshal(data, b); err != nil {
			t.Fatal(err)
		}
		want, wantErr := slowComposedStruct(a)
		got, err := ComposedStruct(b)
		if (wantErr != nil) != (err != nil) {
			t.Fatalf("ComposedStruct(%T from %q): error %v, composed.From's %v", b, data, err, wantErr)
		}
		if wantErr == nil && !proto.Equal(want, got) {
			t.Fatalf("ComposedStruct(%T from %q) = %v, composed.From's %v", b, data, got, want)
		}
	})
}

func registerTestTypes(tb testing.TB) {
	tb.Helper()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, rbacv1.AddToScheme} {
		if err := add(composed.Scheme); err != nil {
			tb.Fatal(err)
		}
	}
	composed.Scheme.AddKnownTypeWithName(testResourceGVK, &testResource{})
}

// BenchmarkComposedStruct compares ComposedStruct with composed.From and
// structpb.NewStruct, on a managed resource.
func BenchmarkComposedStruct(b *testing.B) {
	registerTestTypes(b)
	vpc := &testResource{}
	if err := json.Unmarshal([]byte(`{"metadata":{"labels":{"a":"b"}},"spec":{"forProvider":{"region":"eu-west-1","count":2,"enabled":true,
		"tags":{"cloudspace":"checkout-7x9kq","team":"payments","environment":"dev","cost-center":"cc-4711","managed-by":"crossplane","project":"checkout"},
		"rule":[{"threshold":80,"type":"ACTUAL"},{"threshold":100,"type":"FORECASTED"}],"selector":{"matchControllerRef":true}},"providerConfigRef":{"name":"default"}}}`), vpc); err != nil {
		b.Fatal(err)
	}
	for name, convert := range map[string]func(runtime.Object) (*structpb.Struct, error){"Fast": ComposedStruct, "ComposedFrom": slowComposedStruct} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := convert(vpc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJSONOfStruct compares the JSON jsonOfStruct writes with
// protojson's, on a function input of 3 kB.
func BenchmarkJSONOfStruct(b *testing.B) {
	s := &structpb.Struct{}
	if err := protojson.Unmarshal([]byte(benchInput), s); err != nil {
		b.Fatal(err)
	}
	for name, enc := range map[string]func(*structpb.Struct) ([]byte, error){
		"Fast":      jsonOfStruct,
		"Protojson": func(s *structpb.Struct) ([]byte, error) { return protojson.Marshal(s) },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := enc(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

const benchInput = `{"apiVersion":"fn.cloudspace.dev/v1alpha1","kind":"Composer",
 "tenant":{"target":"Local","clusterRole":"edit","groupPrefix":"team:"},
 "identity":{"trustPrincipal":"arn:aws:iam::123456789012:root","providerConfigName":"default","bucketPrefix":"cloudspace"},
 "tagPolicy":{"labelPrefix":"tags.cloudspace.dev/","required":[{"key":"cloudspace","fromClaim":"metadata.name"},{"key":"team","fromClaim":"spec.team"},
  {"key":"environment","fromClaim":"spec.environment","allowedValues":["dev","staging","prod"]},{"key":"cost-center","fromClaim":"spec.costCenter","pattern":"cc-[0-9]+"},
  {"key":"managed-by","value":"crossplane"}],"enforced":["owner","billing-account"]},
 "quota":{"matchLabels":{"platform.cloudspace.dev/config":"team-quota"},"ttl":"1m"},
 "pricing":{"currency":"USD","cpuCoreMonth":"21.90","memoryGiBMonth":"2.92","storageGiBMonth":"0.08","gpuMonth":"1100.00","networkAZMonth":"7.30","publicNetworkAZMonth":"32.85","kmsKeyMonth":"1.00","bucketMonth":"0.50","budgetMonth":"0.60"},
 "tiers":[{"name":"small","maxMonthlyBudget":"500.00","max":{"cpu":"4","memory":"8Gi","storage":"100Gi","gpu":"0","pods":"40","loadBalancers":"1"},
   "limitRange":{"default":{"cpu":"500m","memory":"512Mi"},"defaultRequest":{"cpu":"100m","memory":"128Mi"},"min":{"cpu":"10m","memory":"16Mi"},"max":{"cpu":"2","memory":"4Gi"},"maxLimitRequestRatio":{"cpu":"10","memory":"4"},"minStorage":"1Gi","maxStorage":"50Gi"}},
  {"name":"medium","maxMonthlyBudget":"2000.00","max":{"cpu":"16","memory":"64Gi","storage":"500Gi","gpu":"0","pods":"150","loadBalancers":"2"},
   "limitRange":{"default":{"cpu":"1","memory":"1Gi"},"defaultRequest":{"cpu":"250m","memory":"256Mi"},"min":{"cpu":"10m","memory":"16Mi"},"max":{"cpu":"8","memory":"32Gi"},"maxLimitRequestRatio":{"cpu":"10","memory":"4"},"minStorage":"1Gi","maxStorage":"200Gi"}}]}`

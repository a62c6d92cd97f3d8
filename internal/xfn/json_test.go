package xfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"

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
// managed resource, Kubernetes objects with quantities and maps, and
// objects with what else the JSON library marshals in a way of its own.
func composedTypes() []func() runtime.Object {
	return []func() runtime.Object{
		func() runtime.Object { return &testResource{} },
		func() runtime.Object { return &corev1.ResourceQuota{} },
		func() runtime.Object { return &corev1.LimitRange{} },
		func() runtime.Object { return &corev1.Namespace{} },
		func() runtime.Object { return &rbacv1.RoleBinding{} },
		func() runtime.Object { return &trickyResource{} },
		func() runtime.Object { return &networkingv1.NetworkPolicy{} },
		func() runtime.Object { return &corev1.Pod{} },
		func() runtime.Object { return &refusedResource{} },
	}
}

// trickyResource holds what the JSON library marshals in a way of its
// own: marshal methods (quantities, times, durations, int-or-strings, raw
// and apiextensions JSON, text marshalers, a method with a pointer
// receiver in map values), omitempty and omitzero on structs and numbers,
// IsZero methods, inlined and embedded structs (through a nil pointer
// too), interfaces, byte slices, arrays, maps with integer keys, float32,
// ignored and unexported fields, and struct types the converter leaves to
// the JSON library (the string option, a name two fields claim).
type trickyResource struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              trickySpec `json:"spec"`
	Status            testStatus `json:"status,omitzero"`
}

type trickySpec struct {
	*TrickyEmbedded
	Inlined     trickyInlined                `json:",inline"`
	Quantity    resource.Quantity            `json:"quantity"`
	Quantities  map[string]resource.Quantity `json:"quantities,omitempty"`
	QuantityPtr *resource.Quantity           `json:"quantityPtr,omitempty"`
	Time        metav1.Time                  `json:"time,omitempty"`
	TimeZero    metav1.Time                  `json:"timeZero,omitzero"`
	TimePtr     *metav1.Time                 `json:"timePtr,omitempty"`
	Duration    *metav1.Duration             `json:"duration,omitempty"`
	Port        intstr.IntOrString           `json:"port"`
	Ports       []intstr.IntOrString         `json:"ports,omitempty"`
	Raw         runtime.RawExtension         `json:"raw"`
	RawOmit     *runtime.RawExtension        `json:"rawOmit,omitempty"`
	JSON        *apiextensionsv1.JSON        `json:"json,omitempty"`
	Any         any                          `json:"any,omitempty"`
	Anys        []any                        `json:"anys"`
	Float32     float32                      `json:"float32,omitempty"`
	Int8        int8                         `json:"int8"`
	Uint64      uint64                       `json:"uint64,omitempty"`
	Bytes       []byte                       `json:"bytes,omitempty"`
	Array       [2]int                       `json:"array"`
	IntKeys     map[int]string               `json:"intKeys,omitempty"`
	IP          net.IP                       `json:"ip,omitempty"`
	Marshalers  map[string]ptrMarshaler      `json:"marshalers,omitempty"`
	Marshaler   ptrMarshaler                 `json:"marshaler"`
	Zeroer      zeroer                       `json:"zeroer,omitzero"`
	Empty       struct{}                     `json:"empty"`
	EmptyOmit   trickyInlined                `json:"emptyOmit,omitempty"`
	ZeroOmit    trickyInlined                `json:"zeroOmit,omitzero"`
	NilSlice    []string                     `json:"nilSlice"`
	NilMap      map[string]string            `json:"nilMap"`
	Nested      []map[string][]*string       `json:"nested,omitempty"`
	Stringified stringified                  `json:"stringified"`
	Clash       clash                        `json:"clash"`
	NoTag       string
	Skipped     string `json:"-"`
	unexported  string //nolint:unused // Never set: unexported fields are left out, and do not make the struct refused.
}

type TrickyEmbedded struct {
	Embedded string `json:"embedded,omitempty"`
	Count    int    `json:"count"`
}

type trickyInlined struct {
	Region  string  `json:"region,omitempty"`
	Enabled *bool   `json:"enabled,omitempty"`
	Ratio   float64 `json:"ratio,omitempty"`
}

// ptrMarshaler marshals itself with a method of its pointer, which the
// JSON library calls on map values too.
type ptrMarshaler struct {
	N int `json:"n"`
}

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"n":%d,"s":"\u00e9\n","l":[1.5e3,null,true]}`, p.N), nil
}

// zeroer is zero, for omitzero, when A is empty, whatever B.
type zeroer struct {
	A string `json:"a"`
	B string `json:"b"`
}

func (z zeroer) IsZero() bool { return z.A == "" }

// stringified has the string option, which the converter leaves to the
// JSON library.
type stringified struct {
	N *int64 `json:"n,omitempty,string"`
	M int    `json:"m,string"`
}

// clash has two fields of one name at the same depth, of which the JSON
// library keeps the tagged one.
type clash struct {
	ClashA
	ClashB
	Kept string `json:"kept"`
}

type ClashA struct {
	Name string `json:"Name"`
}

type ClashB struct {
	Name string
}

// refusedResource is a type the JSON library refuses to marshal (the
// trailing comma of its tag), so both paths must fail.
type refusedResource struct {
	metav1.TypeMeta `json:",inline"`
	Dash            string `json:"-,"` //nolint:staticcheck // Malformed on purpose: the JSON library refuses it.
}

func (r *trickyResource) DeepCopyObject() runtime.Object {
	c := *r
	return &c
}

func (r *refusedResource) DeepCopyObject() runtime.Object {
	c := *r
	return &c
}

var (
	trickyResourceGVK  = schema.GroupVersionKind{Group: "test.example.org", Version: "v1", Kind: "Tricky"}
	refusedResourceGVK = schema.GroupVersionKind{Group: "test.example.org", Version: "v1", Kind: "Refused"}
)

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
// functions compose and checks that the reflection converter gives what
// the JSON path gives (or leaves the object to it), and that
// ComposedStruct converts each exactly as composed.From and
// structpb.NewStruct do. The seeds of trickyResource, a NetworkPolicy, a
// Pod and refusedResource are in testdata/fuzz/FuzzComposedStruct.
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
		objs := make([]runtime.Object, 4)
		for i := range objs {
			objs[i] = newObj()
			if err := json.Unmarshal(data, objs[i]); err != nil {
				if i > 0 {
					t.Fatal(err)
				}
				return
			}
		}
		// The reflection converter against the JSON path, status and
		// all, where it converts directly.
		wantJSON, wantJSONErr := structOfJSON(objs[0])
		gotTyped, err := structOfTyped(objs[1], "", nil)
		switch {
		case errors.Is(err, errNotDirect):
		case err != nil:
			t.Fatalf("structOfTyped(%T from %q): %v", objs[1], data, err)
		case wantJSONErr != nil:
			t.Fatalf("structOfTyped(%T from %q) = %v, the JSON path's error %v", objs[1], data, gotTyped, wantJSONErr)
		case !proto.Equal(wantJSON, gotTyped):
			t.Fatalf("structOfTyped(%T from %q) = %v, the JSON path's %v", objs[1], data, gotTyped, wantJSON)
		}
		want, wantErr := slowComposedStruct(objs[2])
		got, err := ComposedStruct(objs[3])
		if (wantErr != nil) != (err != nil) {
			t.Fatalf("ComposedStruct(%T from %q): error %v, composed.From's %v", objs[3], data, err, wantErr)
		}
		if wantErr == nil && !proto.Equal(want, got) {
			t.Fatalf("ComposedStruct(%T from %q) = %v, composed.From's %v", objs[3], data, got, want)
		}
	})
}

// TestConvertsDirectly checks which objects take the JSON path, in part
// or whole.
func TestConvertsDirectly(t *testing.T) {
	cases := map[string]struct {
		reason string
		obj    runtime.Object
		want   string
	}{
		"Managed": {
			reason: "A managed resource converts by reflection alone.",
			obj:    &testResource{Spec: testSpec{ForProvider: testParameters{Tags: map[string]*string{"a": nil}, Rules: []testRule{{}}}}},
		},
		"Kubernetes": {
			reason: "Quantities convert from their MarshalJSON method, without the JSON library.",
			obj:    &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"cpu": resource.MustParse("1")}}},
		},
		"TypesViaJSON": {
			reason: "Types the converter does not model are converted through the JSON library, each on its own.",
			obj:    &trickyResource{Spec: trickySpec{Array: [2]int{1, 2}}},
			want:   "cannot convert *xfn.trickyResource directly: it holds [2]int, []uint8, map[int]string, net.IP, xfn.clash, xfn.stringified, converted through JSON",
		},
		"NaN": {
			reason: "A value the JSON library refuses sends the whole object to the JSON path, for its error.",
			obj:    &trickyResource{Spec: trickySpec{Inlined: trickyInlined{Ratio: nan()}}},
			want:   "cannot convert *xfn.trickyResource directly: cannot convert the value directly",
		},
		"Refused": {
			reason: "A type the JSON library refuses is left to it.",
			obj:    &refusedResource{},
			want:   "cannot convert *xfn.refusedResource directly: cannot convert the value directly",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := ""
			if err := ConvertsDirectly(tc.obj); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nConvertsDirectly(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func registerTestTypes(tb testing.TB) {
	tb.Helper()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, rbacv1.AddToScheme, networkingv1.AddToScheme} {
		if err := add(composed.Scheme); err != nil {
			tb.Fatal(err)
		}
	}
	composed.Scheme.AddKnownTypeWithName(testResourceGVK, &testResource{})
	composed.Scheme.AddKnownTypeWithName(trickyResourceGVK, &trickyResource{})
	composed.Scheme.AddKnownTypeWithName(refusedResourceGVK, &refusedResource{})
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
 "identity":{"trustPrincipal":"arn:aws:iam::123456789012:role/platform-admins","providerConfigName":"default","bucketPrefix":"cloudspace"},
 "tagPolicy":{"labelPrefix":"tags.cloudspace.dev/","required":[{"key":"cloudspace","fromClaim":"metadata.name"},{"key":"team","fromClaim":"spec.team"},
  {"key":"environment","fromClaim":"spec.environment","allowedValues":["dev","staging","prod"]},{"key":"cost-center","fromClaim":"spec.costCenter","pattern":"cc-[0-9]+"},
  {"key":"managed-by","value":"crossplane"}],"enforced":["owner","billing-account"]},
 "quota":{"matchLabels":{"platform.cloudspace.dev/config":"team-quota"},"ttl":"1m"},
 "pricing":{"currency":"USD","cpuCoreMonth":"21.90","memoryGiBMonth":"2.92","storageGiBMonth":"0.08","gpuMonth":"1100.00","networkAZMonth":"7.30","publicNetworkAZMonth":"32.85","kmsKeyMonth":"1.00","bucketMonth":"0.50","budgetMonth":"0.60"},
 "tiers":[{"name":"small","maxMonthlyBudget":"500.00","max":{"cpu":"4","memory":"8Gi","storage":"100Gi","gpu":"0","pods":"40","loadBalancers":"1"},
   "limitRange":{"default":{"cpu":"500m","memory":"512Mi"},"defaultRequest":{"cpu":"100m","memory":"128Mi"},"min":{"cpu":"10m","memory":"16Mi"},"max":{"cpu":"2","memory":"4Gi"},"maxLimitRequestRatio":{"cpu":"10","memory":"4"},"minStorage":"1Gi","maxStorage":"50Gi"}},
  {"name":"medium","maxMonthlyBudget":"2000.00","max":{"cpu":"16","memory":"64Gi","storage":"500Gi","gpu":"0","pods":"150","loadBalancers":"2"},
   "limitRange":{"default":{"cpu":"1","memory":"1Gi"},"defaultRequest":{"cpu":"250m","memory":"256Mi"},"min":{"cpu":"10m","memory":"16Mi"},"max":{"cpu":"8","memory":"32Gi"},"maxLimitRequestRatio":{"cpu":"10","memory":"4"},"minStorage":"1Gi","maxStorage":"200Gi"}}]}`

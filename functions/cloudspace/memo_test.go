package main

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

func TestInputMemo(t *testing.T) {
	input := func(role string) *structpb.Struct {
		return xfntest.MustStruct(withInput(func(in *fnv1alpha1.Composer) { in.Tenant.ClusterRole = role }))
	}
	lookups := NewInputMemoLookups()
	m := NewInputMemo(2, lookups)
	parsed := map[string]*Policy{}
	for _, role := range []string{"edit", "admin", "view"} {
		parsed[role] = &Policy{}
		m.Add(input(role), &fnv1alpha1.Composer{}, parsed[role])
	}
	type want struct {
		found bool
		pol   *Policy
	}
	cases := map[string]struct {
		reason string
		input  *structpb.Struct
		want   want
	}{
		"Found":       {reason: "an input of equal content, built anew, is found", input: input("view"), want: want{found: true, pol: parsed["view"]}},
		"FoundSecond": {reason: "the memo holds as many inputs as its size", input: input("admin"), want: want{found: true, pol: parsed["admin"]}},
		"Evicted":     {reason: "the least recently used input is forgotten", input: input("edit")},
		"Other":       {reason: "an input of other content is not found", input: input("cluster-admin")},
		"Missing":     {reason: "a missing input is not an empty one, and never found", input: nil},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, pol, found := m.Get(tc.input)
			if diff := cmp.Diff(tc.want, want{found: found, pol: pol}, cmp.AllowUnexported(want{}), cmp.Comparer(func(a, b *Policy) bool { return a == b })); diff != "" {
				t.Errorf("%s\nGet(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
	if hits, misses := counted(t, lookups, "hit"), counted(t, lookups, "miss"); hits != 2 || misses != 2 {
		t.Errorf("lookups: want 2 hits and 2 misses counted (a missing input is not looked up), got %v and %v", hits, misses)
	}

	m.Add(nil, &fnv1alpha1.Composer{}, &Policy{})
	if _, _, found := m.Get(&structpb.Struct{}); found {
		t.Errorf("Get(empty input): a missing input was remembered as an empty one")
	}
	var none *InputMemo
	none.Add(input("edit"), &fnv1alpha1.Composer{}, &Policy{})
	if _, _, found := none.Get(input("edit")); found {
		t.Errorf("Get(...): no memo found an input")
	}
}

// counted is the count of lookups with result.
func counted(t *testing.T, lookups *prometheus.CounterVec, result string) float64 {
	t.Helper()
	m := &dto.Metric{}
	if err := lookups.WithLabelValues(result).Write(m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// FuzzEqualStruct checks that the memo's equality is decoding alike:
// equal Structs, and only those, have the same canonical JSON.
func FuzzEqualStruct(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[true,null,"x"]}`), []byte(`{"b":[true,null,"x"],"a":1}`))
	f.Add([]byte(`{"a":0}`), []byte(`{"a":-0}`))
	f.Add([]byte(`{"a":{"b":[]}}`), []byte(`{"a":{"b":{}}}`))
	f.Add([]byte(`{"a":"1"}`), []byte(`{"a":1}`))
	f.Fuzz(func(t *testing.T, ja, jb []byte) {
		a, b := &structpb.Struct{}, &structpb.Struct{}
		if protojson.Unmarshal(ja, a) != nil || protojson.Unmarshal(jb, b) != nil {
			return
		}
		det := protojson.MarshalOptions{}
		ca, err1 := det.Marshal(canonical(a))
		cb, err2 := det.Marshal(canonical(b))
		if err1 != nil || err2 != nil {
			return
		}
		if got, want := equalStruct(a, b), bytes.Equal(ca, cb); got != want {
			t.Fatalf("equalStruct(%s, %s) = %t, want %t", ja, jb, got, want)
		}
		if !equalStruct(a, proto.CloneOf(a)) {
			t.Fatalf("equalStruct: %s differs from its copy", ja)
		}
	})
}

// canonical is s with every number replaced by a string of its bits, so
// that -0 and 0 differ, as they do in JSON.
func canonical(s *structpb.Struct) *structpb.Struct {
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for k, v := range s.GetFields() {
		out.Fields[k] = canonicalValue(v)
	}
	return out
}

func canonicalValue(v *structpb.Value) *structpb.Value {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NumberValue:
		return structpb.NewStringValue("number:" + protojson.Format(structpb.NewNumberValue(k.NumberValue)) + ":" + signOf(k.NumberValue))
	case *structpb.Value_StringValue:
		return structpb.NewStringValue("string:" + k.StringValue)
	case *structpb.Value_StructValue:
		return structpb.NewStructValue(canonical(k.StructValue))
	case *structpb.Value_ListValue:
		l := &structpb.ListValue{}
		for _, e := range k.ListValue.GetValues() {
			l.Values = append(l.Values, canonicalValue(e))
		}
		return structpb.NewListValue(l)
	default:
		return v
	}
}

func signOf(f float64) string {
	if f == 0 && 1/f < 0 {
		return "-"
	}
	return "+"
}

package main

import (
	"math"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

// Every call of the composer carries the function input of its
// Composition step, and a cluster's spaces share one Composition: the
// same input, call after call, space after space. Decoding it strictly
// and parsing its policy is a sixth to a quarter of a call's CPU time
// (test/FIGURES.md), so the composer keeps the last few inputs it parsed,
// by content. This is the composer's only memory between calls.
// Everything else is a function of the space's own request.

// InputMemo remembers the inputs the composer parsed most recently and
// what it parsed from them. The parsed input and policy it returns are
// shared by concurrent calls: the domain never changes them.
type InputMemo struct {
	mu      sync.Mutex
	size    int
	entries []memoEntry // Most recently used first.

	hits, misses prometheus.Counter
}

type memoEntry struct {
	input *structpb.Struct // A copy: requests are not kept.
	in    *fnv1alpha1.Composer
	pol   *Policy
}

// NewInputMemo returns a memo of size inputs, which counts its lookups
// in lookups, by result: hit or miss.
func NewInputMemo(size int, lookups *prometheus.CounterVec) *InputMemo {
	return &InputMemo{size: size, hits: lookups.WithLabelValues("hit"), misses: lookups.WithLabelValues("miss")}
}

// NewInputMemoLookups is the metric an InputMemo counts its lookups in.
func NewInputMemoLookups() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "function_cloudspace_input_memo_lookups_total",
		Help: "Lookups of function inputs in the composer's memo of parsed inputs, by result (hit or miss): its hit rate.",
	}, []string{"result"})
}

// Get returns what was parsed from an input equal to input. A missing
// input is never found: it is not an empty one.
func (m *InputMemo) Get(input *structpb.Struct) (*fnv1alpha1.Composer, *Policy, bool) {
	if m == nil || input == nil {
		return nil, nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range m.entries {
		if equalStruct(e.input, input) {
			copy(m.entries[1:i+1], m.entries[:i])
			m.entries[0] = e
			m.hits.Inc()
			return e.in, e.pol, true
		}
	}
	m.misses.Inc()
	return nil, nil, false
}

// Add remembers what was parsed from input, a valid input.
func (m *InputMemo) Add(input *structpb.Struct, in *fnv1alpha1.Composer, pol *Policy) {
	if m == nil || m.size < 1 || input == nil {
		return
	}
	e := memoEntry{input: proto.CloneOf(input), in: in, pol: pol}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = append([]memoEntry{e}, m.entries[:min(len(m.entries), m.size-1)]...)
}

// equalStruct reports whether a and b hold the same fields and values,
// numbers bit for bit: equal Structs decode alike.
func equalStruct(a, b *structpb.Struct) bool {
	af, bf := a.GetFields(), b.GetFields()
	if len(af) != len(bf) {
		return false
	}
	for k, av := range af {
		bv, ok := bf[k]
		if !ok || !equalValue(av, bv) {
			return false
		}
	}
	return true
}

func equalValue(a, b *structpb.Value) bool {
	switch ak := a.GetKind().(type) {
	case *structpb.Value_NullValue:
		_, ok := b.GetKind().(*structpb.Value_NullValue)
		return ok
	case *structpb.Value_NumberValue:
		bk, ok := b.GetKind().(*structpb.Value_NumberValue)
		return ok && math.Float64bits(ak.NumberValue) == math.Float64bits(bk.NumberValue)
	case *structpb.Value_StringValue:
		bk, ok := b.GetKind().(*structpb.Value_StringValue)
		return ok && ak.StringValue == bk.StringValue
	case *structpb.Value_BoolValue:
		bk, ok := b.GetKind().(*structpb.Value_BoolValue)
		return ok && ak.BoolValue == bk.BoolValue
	case *structpb.Value_StructValue:
		bk, ok := b.GetKind().(*structpb.Value_StructValue)
		return ok && equalStruct(ak.StructValue, bk.StructValue)
	case *structpb.Value_ListValue:
		bk, ok := b.GetKind().(*structpb.Value_ListValue)
		if !ok || len(ak.ListValue.GetValues()) != len(bk.ListValue.GetValues()) {
			return false
		}
		for i, v := range ak.ListValue.GetValues() {
			if !equalValue(v, bk.ListValue.GetValues()[i]) {
				return false
			}
		}
		return true
	default: // A value without a kind.
		return b.GetKind() == nil
	}
}

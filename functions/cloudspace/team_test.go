package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

func TestPlainTeamQuotaData(t *testing.T) {
	cases := map[string]struct {
		reason string
		data   any
		want   bool
	}{
		"Full": {
			reason: "Data of strings and a list of strings is read directly.",
			data: map[string]any{
				"namespaces":    []any{"team-a", "team-b"},
				"hard":          map[string]any{"cpu": "8", "memory": "16Gi", "storage": "1Ti", "gpu": "0", "pods": "100", "loadBalancers": "2"},
				"monthlyBudget": "1000.00",
				"currency":      "USD",
			},
			want: true,
		},
		"Empty": {
			reason: "Data with no fields is read directly.",
			data:   map[string]any{"namespaces": []any{}},
			want:   true,
		},
		"Misspelt": {
			reason: "A field teamQuotaData does not know is left to the strict decoder.",
			data:   map[string]any{"hard": map[string]any{"memroy": "4Gi"}},
		},
		"Number": {
			reason: "A number where a string belongs is left to the strict decoder.",
			data:   map[string]any{"hard": map[string]any{"cpu": 4}},
		},
		"NamespaceNumber": {
			reason: "A namespace that is not a string is left to the strict decoder.",
			data:   map[string]any{"namespaces": []any{"a", 1}},
		},
		"Null": {
			reason: "A null is left to the strict decoder.",
			data:   map[string]any{"currency": nil},
		},
		"NotAnObject": {
			reason: "Data that is not an object is left to the strict decoder.",
			data:   "cpu=4",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v, err := structpb.NewValue(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := plainTeamQuotaData(v)
			if ok != tc.want {
				t.Fatalf("%s\nplainTeamQuotaData(...): ok = %t, want %t", tc.reason, ok, tc.want)
			}
			if !ok {
				return
			}
			var want teamQuotaData
			if err := xfn.DecodeValue(v, &want, "data"); err != nil {
				t.Fatalf("%s\nxfn.DecodeValue(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\nplainTeamQuotaData(...): -strict decoder, +direct:\n%s", tc.reason, diff)
			}
		})
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// TestWriteJSONArray checks that records streamed one at a time are the
// bytes json.Encoder writes for the whole slice, as -o json wrote before.
func TestWriteJSONArray(t *testing.T) {
	full := v1alpha1.SpendRecord{
		Space: "team-a", Period: "2026-11", Currency: "USD", BilledCost: "1.5", EffectiveCost: "1.25", ListCost: "2",
		Rows: 3, ResourceIDs: []string{"arn:aws:s3:::a<b>&c"}, ResourceCount: 2000, ResourceIDsTruncated: 1999, ResourceCountEstimated: true,
		CostByService:  []v1alpha1.ServiceCost{{Service: "Amazon \"S3\"", BilledCost: "1.5", EffectiveCost: "1.25"}},
		CostByResource: []v1alpha1.ResourceCost{{ResourceID: "arn:aws:s3:::a<b>&c", BilledCost: "1.5", EffectiveCost: "1.25"}},
		Sources:        []v1alpha1.Source{{URI: "s3://b/k", Format: "focus", XXH64: "00ff"}},
	}
	cases := map[string]struct {
		reason string
		rs     []v1alpha1.SpendRecord
	}{
		"Nil":     {reason: "No records is an empty array.", rs: nil},
		"One":     {reason: "One record, with characters JSON escapes for HTML.", rs: []v1alpha1.SpendRecord{full}},
		"Several": {reason: "Records are separated by commas.", rs: []v1alpha1.SpendRecord{full, {Account: "1", Period: "2026-12"}, full}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			e := json.NewEncoder(&want)
			e.SetIndent("", "  ")
			rs := tc.rs
			if rs == nil {
				rs = []v1alpha1.SpendRecord{}
			}
			if err := e.Encode(rs); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeJSONArray(&got, tc.rs); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), got.String()); diff != "" {
				t.Errorf("\n%s\nwriteJSONArray(...): -json.Encoder, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

// TestWriteJSONOutput checks that the plan, its changes and the records
// streamed one at a time are the bytes json.Encoder writes for the whole
// object, as -o json wrote before it streamed.
func TestWriteJSONOutput(t *testing.T) {
	full := v1alpha1.SpendRecord{
		Space: "team-a", Period: "2026-11", Currency: "USD", BilledCost: "1.5", EffectiveCost: "1.25", ListCost: "2",
		Rows: 3, ResourceIDs: []string{"arn:aws:s3:::a<b>&c"}, ResourceCount: 2000, ResourceIDsTruncated: 1999, ResourceCountEstimated: true,
		CostByService:  []v1alpha1.ServiceCost{{Service: "Amazon \"S3\"", BilledCost: "1.5", EffectiveCost: "1.25"}},
		CostByResource: []v1alpha1.ResourceCost{{ResourceID: "arn:aws:s3:::a<b>&c", BilledCost: "1.5", EffectiveCost: "1.25"}},
		Sources:        []v1alpha1.Source{{URI: "s3://b/k", Format: "focus", XXH64: "00ff"}},
	}
	other := v1alpha1.SpendRecord{Account: "1", Period: "2026-12"}
	summary := billing.Summary{
		Files: 2, Rows: 7, BilledCost: billing.Money{"USD": "1.5"},
		InvalidTag: billing.TagProblem{Rows: 1, Values: []string{"Team A", "\n  \"records\": []"}},
	}
	cases := map[string]struct {
		reason string
		out    jsonOutput
	}{
		"Empty": {
			reason: "A plan of no period has no changes and no records.",
			out:    jsonOutput{Plan: &billing.Plan{Scope: "default", Periods: []string{}, Changes: []billing.Change{}}, Records: []v1alpha1.SpendRecord{}},
		},
		"NilArrays": {
			reason: "Nil arrays are null, as json.Encoder writes them.",
			out:    jsonOutput{Plan: &billing.Plan{Scope: "default"}},
		},
		"One": {
			reason: "One change and one record, with characters JSON escapes for HTML, offline.",
			out: jsonOutput{
				Plan:    &billing.Plan{Scope: "payer-1", Periods: []string{"2026-11"}, Offline: true, Changes: []billing.Change{{Action: billing.ActionCreate, Name: "team-a-2026-11", Record: &full}}},
				Records: []v1alpha1.SpendRecord{full},
				Summary: summary,
			},
		},
		"Several": {
			reason: "Changes and records are separated by commas; a summary value that looks like a key is left alone.",
			out: jsonOutput{
				Plan: &billing.Plan{Scope: "default", Periods: []string{"2026-11", "2026-12"}, Changes: []billing.Change{
					{Action: billing.ActionUpdate, Name: "team-a-2026-11", Record: &full, Previous: &other, ResourceVersion: "7"},
					{Action: billing.ActionDelete, Name: "acct-1-2026-12", Previous: &other},
				}},
				Records: []v1alpha1.SpendRecord{full, other, full},
				Summary: summary,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			e := json.NewEncoder(&want)
			e.SetIndent("", "  ")
			if err := e.Encode(tc.out); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := writeJSONOutput(&got, tc.out); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), got.String()); diff != "" {
				t.Errorf("\n%s\nwriteJSONOutput(...): -json.Encoder, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

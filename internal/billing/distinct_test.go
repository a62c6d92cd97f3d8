package billing

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDistinct(t *testing.T) {
	type want struct {
		estimated bool
		// tolerance is the largest relative error accepted: 0 for an exact
		// count, else about four standard errors of the sketch.
		tolerance float64
	}
	cases := map[string]struct {
		reason string
		n      int
		repeat int
		want   want
	}{
		"Empty":       {reason: "No ID counts zero.", n: 0, repeat: 1, want: want{}},
		"Few":         {reason: "A few IDs are counted exactly, repeats once.", n: 7, repeat: 3, want: want{}},
		"AtLimit":     {reason: "Up to the limit the count is exact.", n: exactLimit, repeat: 2, want: want{}},
		"PastLimit":   {reason: "Past the limit the count is an estimate.", n: exactLimit + 1, repeat: 2, want: want{estimated: true, tolerance: 0.033}},
		"Thousands":   {reason: "A small sketch load is estimated closely.", n: 5000, repeat: 1, want: want{estimated: true, tolerance: 0.033}},
		"HundredK":    {reason: "The sketch's middle range has no bias.", n: 100_000, repeat: 1, want: want{estimated: true, tolerance: 0.033}},
		"TwoMillions": {reason: "A large count is estimated within its standard error.", n: 2_000_000, repeat: 1, want: want{estimated: true, tolerance: 0.033}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var d distinct
			for range tc.repeat {
				for i := range tc.n {
					d.add(hashID(fmt.Appendf(nil, "arn:aws:ec2:eu-west-1:123456789012:instance/i-%017x", i)))
				}
			}
			got, estimated := d.count()
			if diff := cmp.Diff(tc.want.estimated, estimated); diff != "" {
				t.Errorf("\n%s\ncount(): -want estimated, +got:\n%s", tc.reason, diff)
			}
			if rel := math.Abs(float64(got)-float64(tc.n)) / math.Max(1, float64(tc.n)); rel > tc.want.tolerance {
				t.Errorf("\n%s\ncount(): want %d within %.1f %%, got %d (%.2f %% off)", tc.reason, tc.n, 100*tc.want.tolerance, got, 100*rel)
			}
		})
	}
}

// TestDistinctMerge checks that a count does not depend on how IDs are split
// between workers: the merged count equals the count of all IDs in one.
func TestDistinctMerge(t *testing.T) {
	cases := map[string]struct {
		reason string
		n      int
		parts  int
	}{
		"ExactParts":    {reason: "Exact sets merge into an exact set.", n: 600, parts: 3},
		"ExactToSketch": {reason: "Exact sets whose union passes the limit merge into a sketch.", n: 3 * exactLimit / 2, parts: 2},
		"Sketches":      {reason: "Sketches merge register by register.", n: 50_000, parts: 4},
		"Overlap":       {reason: "An ID in two parts counts once.", n: 20_000, parts: 5},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var all distinct
			parts := make([]distinct, tc.parts)
			for i := range tc.n {
				h := hashID(fmt.Appendf(nil, "id-%d", i))
				all.add(h)
				parts[i%tc.parts].add(h)
				if name == "Overlap" {
					parts[(i+1)%tc.parts].add(h)
				}
			}
			var merged distinct
			for i := range parts {
				merged.merge(&parts[i])
			}
			wn, we := all.count()
			gn, ge := merged.count()
			if diff := cmp.Diff([]any{wn, we}, []any{gn, ge}); diff != "" {
				t.Errorf("\n%s\nmerge(...).count(): -one set, +merged parts:\n%s", tc.reason, diff)
			}
		})
	}
}

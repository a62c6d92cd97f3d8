package billing

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// exactObjectSize is the length of the JSON of a record's object, built as
// it is sent.
func exactObjectSize(t *testing.T, r *v1alpha1.SpendRecord) int {
	t.Helper()
	u, err := object(r, r.Name(), v1alpha1.DefaultScope)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

func sizedRecord(id string, rows int64) *v1alpha1.SpendRecord {
	return &v1alpha1.SpendRecord{
		Space: "team-a", Period: "2026-11", Currency: "USD", BilledCost: "1.5", EffectiveCost: "1.25", ListCost: "2",
		Rows: rows, ResourceIDs: []string{id}, ResourceCount: rows, ResourceIDsTruncated: rows - 1,
		CostByResource: []v1alpha1.ResourceCost{{ResourceID: id, BilledCost: "1.5", EffectiveCost: "1.25"}},
		Sources:        []v1alpha1.Source{{URI: "s3://b/" + id, Format: "focus"}},
	}
}

func TestObjectSize(t *testing.T) {
	long := strings.Repeat("x", MaxObjectBytes/2)
	cases := map[string]struct {
		reason string
		r      *v1alpha1.SpendRecord
		tooBig bool
	}{
		"Small": {
			reason: "A record far under the bound is measured without building its object, exactly.",
			r:      sizedRecord("arn:aws:s3:::a<b>&c \"q\" \u2028", 3),
		},
		"InvalidUTF8": {
			reason: "An invalid UTF-8 byte is a longer escape in the record's JSON than in the object's: the bound holds.",
			r:      sizedRecord("i-\xff\xfe", 3),
		},
		"LongNumber": {
			reason: "A count past 2^53 may gain a digit through float64, so the object is built to measure it.",
			r:      sizedRecord("i-1", math.MaxInt64),
		},
		"TooLarge": {
			reason: "A record over the bound is measured exactly, as the error reports it.",
			r:      sizedRecord(long+"\xff", 3),
			tooBig: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			l := tc.r.Labels()
			l[v1alpha1.LabelScope] = v1alpha1.DefaultScope
			got, err := objectSize(tc.r, b, tc.r.Name(), v1alpha1.DefaultScope, l)
			if err != nil {
				t.Fatal(err)
			}
			want := exactObjectSize(t, tc.r)
			if (got > MaxObjectBytes) != (want > MaxObjectBytes) || (want > MaxObjectBytes) != tc.tooBig {
				t.Fatalf("\n%s\nobjectSize(...) = %d, exact %d: they fall on different sides of %d", tc.reason, got, want, MaxObjectBytes)
			}
			if got < want || (got != want && (got > MaxObjectBytes || utf8.ValidString(tc.r.ResourceIDs[0]))) {
				t.Errorf("\n%s\nobjectSize(...) = %d, want %d", tc.reason, got, want)
			}
		})
	}
}

// FuzzObjectSize checks the bound objectSizeBound computes from a record's
// JSON against the object built and encoded: never less, and equal when
// every string is valid UTF-8.
func FuzzObjectSize(f *testing.F) {
	f.Add("i-0123456789abcdef0", int64(1277740))
	f.Add("arn:aws:s3:::a<b>&c\\\"\u2028", int64(-1))
	f.Add("\xff", int64(999999999999999))
	f.Add("", int64(9007199254740993))
	f.Fuzz(func(t *testing.T, id string, rows int64) {
		r := sizedRecord(id, rows)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		l := r.Labels()
		l[v1alpha1.LabelScope] = v1alpha1.DefaultScope
		got, ok, err := objectSizeBound(b, r.Name(), l)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		want := exactObjectSize(t, r)
		if got < want || (utf8.ValidString(id) && got != want) {
			t.Errorf("objectSizeBound(%q, rows %d) = %d, object encodes to %d bytes", id, rows, got, want)
		}
	})
}

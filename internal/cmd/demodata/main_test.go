package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"sigs.k8s.io/yaml"
)

func TestSpan(t *testing.T) {
	day := func(s string) time.Time { return must(time.Parse(time.RFC3339, s)) }
	cases := map[string]struct {
		reason   string
		now      time.Time
		from, to time.Time
	}{
		"MidMonth":     {"The month so far, to today 00:00.", day("2026-12-02T05:47:00Z"), day("2026-12-01T00:00:00Z"), day("2026-12-02T00:00:00Z")},
		"FirstOfMonth": {"On the first, the whole previous month.", day("2026-12-01T09:00:00Z"), day("2026-11-01T00:00:00Z"), day("2026-12-01T00:00:00Z")},
		"NewYear":      {"Across the year.", day("2027-01-01T00:00:00Z"), day("2026-12-01T00:00:00Z"), day("2027-01-01T00:00:00Z")},
		"OtherZone":    {"UTC days, whatever the clock's zone.", day("2026-12-02T01:00:00+03:00"), day("2026-11-01T00:00:00Z"), day("2026-12-01T00:00:00Z")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			from, to := Span(tc.now.UTC())
			if diff := cmp.Diff([]time.Time{tc.from, tc.to}, []time.Time{from, to}); diff != "" {
				t.Errorf("%s\nSpan(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestRequired: the record is the ingester's of the export, to the cent of
// a sum worked out here, and is fresh at the clock it was made for.
func TestRequired(t *testing.T) {
	now := must(time.Parse(time.RFC3339, "2026-12-04T10:00:00Z"))
	doc, err := Required(t.Context(), "checkout-7x9kq", "../../../examples/team-quota.yaml", now)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(doc), "\n---\n")
	if len(parts) != 2 {
		t.Fatalf("%d documents, want the spend record and the quota", len(parts))
	}
	var rec struct {
		Metadata struct{ Name string }
		Data     struct {
			Period, BilledCost, EffectiveCost, LastChargePeriodEnd string
			Rows                                                   int
		}
	}
	if err := yaml.Unmarshal([]byte(parts[0]), &rec); err != nil {
		t.Fatal(err)
	}
	// Three days: 24 instance hours and a KMS and an S3 charge each day.
	days := decimal.NewFromInt(3)
	billed := decimal.RequireFromString("0.3680").Mul(decimal.NewFromInt(24)).Add(decimal.RequireFromString("0.0333")).Add(decimal.RequireFromString("0.0167")).Mul(days)
	effective := decimal.RequireFromString("0.3496").Mul(decimal.NewFromInt(24)).Add(decimal.RequireFromString("0.0333")).Add(decimal.RequireFromString("0.0167")).Mul(days)
	got := []string{rec.Metadata.Name, rec.Data.Period, rec.Data.LastChargePeriodEnd, decimal.RequireFromString(rec.Data.BilledCost).String(), decimal.RequireFromString(rec.Data.EffectiveCost).String()}
	want := []string{"spend-checkout-7x9kq-2026-12", "2026-12", "2026-12-04T00:00:00Z", billed.String(), effective.String()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spend record: -want, +got:\n%s", diff)
	}
	if rec.Data.Rows != 3*26 {
		t.Errorf("rows = %d, want %d", rec.Data.Rows, 3*26)
	}
	if !strings.Contains(parts[1], "name: team-payments-quota") {
		t.Errorf("the second document is not the team quota:\n%s", parts[1])
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

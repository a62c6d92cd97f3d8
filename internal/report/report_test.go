package report

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// summary is what a test compares of a series: its figures as text.
type summary struct {
	Name, Team               string
	Spaces                   int
	Billed, Forecast, Budget string
	HasForecast, HasBudget   bool
	Points                   int
	Through                  string
	FirstPoint, LastPoint    string
}

func summarise(s Series) summary {
	first, last := s.Points[0], s.Points[len(s.Points)-1]
	return summary{
		Name: s.Name, Team: s.Team, Spaces: s.Spaces,
		Billed: money(s.Billed), Forecast: money(s.Forecast), Budget: money(s.Budget),
		HasForecast: s.HasForecast, HasBudget: s.HasBudget, Points: len(s.Points),
		Through:    s.Through.Format(time.RFC3339),
		FirstPoint: first.At.Format(time.RFC3339) + "=" + money(first.Billed),
		LastPoint:  last.At.Format(time.RFC3339) + "=" + money(last.Billed),
	}
}

func TestBuild(t *testing.T) {
	type want struct {
		series   []summary
		total    string
		services []string
		period   string
		now      string
		err      string
	}
	records, spaces := fixture()
	cases := map[string]struct {
		reason  string
		records []billingv1alpha1.SpendRecord
		opts    Options
		want    want
	}{
		"OneSpaceByClaim": {
			reason: "A space is selected by its claim's name; its forecast passes its budget; the top services fold the rest.",
			opts:   Options{Space: "checkout"},
			want: want{
				series: []summary{{Name: "checkout-7x9kq", Team: "payments", Spaces: 1, Billed: "991.25", Forecast: "1351.70", Budget: "1200.00", HasForecast: true, HasBudget: true,
					Points: 23, Through: "2026-11-23T00:00:00Z", FirstPoint: "2026-11-01T00:00:00Z=0.00", LastPoint: "2026-11-23T00:00:00Z=991.25"}},
				total:    "991.25",
				services: []string{"Amazon Elastic Compute Cloud=614.58", "Amazon Relational Database Service=178.43", "Amazon Virtual Private Cloud=79.30", "Amazon Simple Storage Service=49.56", "AmazonCloudWatch=29.74", "2 other services=39.64"},
				period:   "2026-11", now: "2026-11-23T00:00:00Z",
			},
		},
		"ByNamespacedClaim": {
			reason: "namespace/claim selects a space too.",
			opts:   Options{Space: "team-payments/ledger", TopServices: 1},
			want: want{
				series: []summary{{Name: "ledger-m2p4t", Team: "payments", Spaces: 1, Billed: "441.25", Forecast: "601.70", Budget: "800.00", HasForecast: true, HasBudget: true,
					Points: 23, Through: "2026-11-23T00:00:00Z", FirstPoint: "2026-11-01T00:00:00Z=0.00", LastPoint: "2026-11-23T00:00:00Z=441.25"}},
				total: "441.25", services: []string{"7 other services=441.25"}, period: "2026-11", now: "2026-11-23T00:00:00Z",
			},
		},
		"ByTeam": {
			reason: "A team sums its spaces and is judged against the team's monthly budget; a team without one against the sum of its spaces'. A space created on the 8th stays flat until then.",
			opts:   Options{By: ByTeam, TopServices: 2},
			want: want{
				series: []summary{
					{Name: "payments", Spaces: 2, Billed: "1432.50", Forecast: "1953.41", Budget: "5000.00", HasForecast: true, HasBudget: true,
						Points: 23, Through: "2026-11-23T00:00:00Z", FirstPoint: "2026-11-01T00:00:00Z=0.00", LastPoint: "2026-11-23T00:00:00Z=1432.50"},
					{Name: "catalog", Spaces: 1, Billed: "1051.25", Forecast: "1611.92", Budget: "2000.00", HasForecast: true, HasBudget: true,
						Points: 17, Through: "2026-11-23T00:00:00Z", FirstPoint: "2026-11-01T00:00:00Z=0.00", LastPoint: "2026-11-23T00:00:00Z=1051.25"},
				},
				total: "2483.75", services: []string{"Amazon Elastic Compute Cloud=1539.94", "6 other services=943.81"}, period: "2026-11", now: "2026-11-23T00:00:00Z",
			},
		},
		"FoldSeries": {
			reason: "Series beyond MaxSeries are summed into one, with the sum of their budgets.",
			opts:   Options{MaxSeries: 2, TopServices: 1},
			want: want{
				series: []summary{
					{Name: "search-q8w3z", Team: "catalog", Spaces: 1, Billed: "1051.25", Forecast: "1611.92", Budget: "2000.00", HasForecast: true, HasBudget: true,
						Points: 17, Through: "2026-11-23T00:00:00Z", FirstPoint: "2026-11-01T00:00:00Z=0.00", LastPoint: "2026-11-23T00:00:00Z=1051.25"},
					{Name: "2 other spaces", Spaces: 2, Billed: "1432.50", Forecast: "1953.41", Budget: "2000.00", HasForecast: true, HasBudget: true,
						Points: 23, Through: "2026-11-23T00:00:00Z", FirstPoint: "2026-11-01T00:00:00Z=0.00", LastPoint: "2026-11-23T00:00:00Z=1432.50"},
				},
				total: "2483.75", services: []string{"7 other services=2483.75"}, period: "2026-11", now: "2026-11-23T00:00:00Z",
			},
		},
		"PastNow": {
			reason: "A past now shows the month as it was: the days before it, and the forecast from them.",
			opts:   Options{Space: "checkout-7x9kq", Now: time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC), TopServices: 1},
			want: want{
				series: []summary{{Name: "checkout-7x9kq", Team: "payments", Spaces: 1, Billed: "454.50", Forecast: "1363.50", Budget: "1200.00", HasForecast: true, HasBudget: true,
					Points: 11, Through: "2026-11-11T00:00:00Z", FirstPoint: "2026-11-01T00:00:00Z=0.00", LastPoint: "2026-11-11T00:00:00Z=454.50"}},
				total: "454.50", services: []string{"7 other services=991.25"}, period: "2026-11", now: "2026-11-11T00:00:00Z",
			},
		},
		"NoSuchSpace": {
			reason: "A space without records is an error that names it.",
			opts:   Options{Space: "nope", Team: "payments"},
			want:   want{err: `cannot build report: no spend records of space "nope" of team "payments"`},
		},
		"NoSuchPeriod": {
			reason: "A period without records is an error that names the periods there are.",
			opts:   Options{Period: "2026-10"},
			want:   want{err: "cannot build report: no spend records of any space in 2026-10 (records cover 2026-11)"},
		},
		"Currencies": {
			reason: "Spend in two currencies is not summed.",
			records: append(append([]billingv1alpha1.SpendRecord{}, records...), billingv1alpha1.SpendRecord{
				Space: "euro", Period: "2026-11", Currency: "EUR", BilledCost: "1", EffectiveCost: "1", ListCost: "1"}),
			want: want{err: "cannot build report: the selected records are in EUR, USD: select one currency's spaces with --space or --team"},
		},
		"BadRecord": {
			reason:  "A record that cannot be read is an error naming it and its field.",
			records: []billingv1alpha1.SpendRecord{{Space: "x", Period: "2026-11", Currency: "USD", BilledCost: "lots"}},
			want:    want{err: `cannot build report: invalid spend record "spend-x-2026-11": billedCost: Invalid value: "lots": must be a decimal amount such as 12.34`},
		},
		"BadBy": {
			reason: "Only space and team group.",
			opts:   Options{By: "account"},
			want:   want{err: `cannot build report: by "account": must be "space" or "team"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs := tc.records
			if rs == nil {
				rs = records
			}
			r, err := Build(rs, spaces, tc.opts)
			got := want{}
			if err != nil {
				got.err = err.Error()
			} else {
				for _, s := range r.Series {
					got.series = append(got.series, summarise(s))
				}
				for _, s := range r.Services {
					got.services = append(got.services, s.Name+"="+money(s.Billed))
				}
				got.total, got.period, got.now = money(r.Total.Billed), r.Period.Name, r.Now.Format(time.RFC3339)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nBuild(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestForecastIsALine checks what the forecast means: the burn rate since
// the first charge carried to the end of the month, so the forecast at a
// past now lies on the line through the origin of the first charge and the
// spend at that now.
func TestForecastIsALine(t *testing.T) {
	records, spaces := fixture()
	r, err := Build(records, spaces, Options{Space: "search-q8w3z"})
	if err != nil {
		t.Fatal(err)
	}
	s := r.Series[0]
	// Charges from the 8th to the 23rd (15 days) carried to the 1st of
	// December (23 days).
	want := s.Billed.Mul(decimal.NewFromInt(23)).DivRound(decimal.NewFromInt(15), 12)
	if !s.Forecast.Equal(want) {
		t.Errorf("forecast of a space created on the 8th: got %s, want %s", s.Forecast, want)
	}
}

func TestText(t *testing.T) {
	records, spaces := fixture()
	cases := map[string]struct {
		reason string
		opts   Options
	}{
		"space-checkout": {reason: "One space, at risk: chart, table and services.", opts: Options{Space: "checkout"}},
		"teams":          {reason: "Every team, with a total row.", opts: Options{By: ByTeam}},
		"space-stale":    {reason: "A now after the data says how old it is.", opts: Options{Space: "ledger", Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := Build(records, spaces, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := r.Text(&b); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			golden := filepath.Join("testdata", name+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("cannot read golden file (go test -update writes it): %v", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("\n%s\nText(): -want %s, +got:\n%s", tc.reason, golden, diff)
			}
			for i, line := range strings.Split(got, "\n") {
				if n := len([]rune(line)); n > 100 {
					t.Errorf("Text(): line %d has %d columns, more than 100: %q", i+1, n, line)
				}
			}
		})
	}
}

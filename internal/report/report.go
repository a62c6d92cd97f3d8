// Package report draws the spend of CloudSpaces, per space or per team:
// spend by day, cumulative, against the budget and the forecast, and the top
// services, as text for a terminal and as SVG and PNG pictures.
//
// A report is a pure function of the spend records, the spaces and its
// options: no clock is read ("now" is an option, by default the end of the
// data), so the same records give the same text and byte-identical pictures.
// Amounts are exact decimals; a picture turns them into float64 coordinates
// only where it draws them.
package report

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

// By is what a report draws one series for.
type By string

// Groupings of a report.
const (
	BySpace By = "space"
	ByTeam  By = "team"
)

// NoTeam names the team of spend whose space no XCloudSpace names.
const NoTeam = "(no team)"

// Defaults of Options.
const (
	DefaultTopServices = 6
	DefaultMaxSeries   = 6
)

// Options select and group what a report draws.
type Options struct {
	// By is the grouping: one series per space (default) or per team.
	By By
	// Space keeps only the space of this name: the XCloudSpace's name, its
	// claim's name, or namespace/claim.
	Space string
	// Team keeps only the spaces of this team.
	Team string
	// Period is the billing period, "YYYY-MM"; by default the month of Now
	// when it is set, else the latest period of the selected records.
	Period string
	// Now is the instant the report is drawn at. The zero value is the end
	// of the latest charge in the period's records. Spend is cut at Now
	// (whole days that start before it), so a past Now shows the month as
	// it was then; a Now after the data shows how old the data is.
	Now time.Time
	// TopServices is how many services are listed, the rest summed as one.
	TopServices int
	// MaxSeries is how many series are drawn, the rest summed as one.
	MaxSeries int
}

// Point is the cumulative billed cost of a series at an instant.
type Point struct {
	At     time.Time
	Billed decimal.Decimal
}

// Series is the spend of one space or team, or of several folded together.
type Series struct {
	// Name is the space or team.
	Name string
	// Team and Namespace are those of a space series.
	Team, Namespace string
	// Spaces is how many spaces the series sums.
	Spaces int

	// Points are the cumulative billed cost at the start of the period and
	// at the end of every day with spend, up to Through.
	Points []Point
	// Billed is the billed cost up to Through; From is the first charge.
	Billed        decimal.Decimal
	From, Through time.Time

	// Forecast is the billed cost expected at the end of the period: the
	// sum of the reconciler's forecast of each space (a space with too
	// little data to forecast counts what it billed).
	Forecast    decimal.Decimal
	HasForecast bool

	// Budget is the monthly budget: the space's, or for a team the team's
	// monthly budget when its quota sets one, else the sum of its spaces'.
	Budget    decimal.Decimal
	HasBudget bool
}

// Service is the billed cost of one service over the selection.
type Service struct {
	Name   string
	Billed decimal.Decimal
}

// Report is what is drawn.
type Report struct {
	By       By
	Options  Options
	Period   spend.Period
	Currency string
	// Now is the instant drawn at; Through the end of the latest data.
	Now, Through time.Time
	// Series are sorted by billed cost, largest first, the ones beyond
	// MaxSeries folded into a last one.
	Series []Series
	// Total sums every series.
	Total Series
	// Services are the top services, largest first, the rest folded into a
	// last one.
	Services []Service
}

// Build selects, cuts and groups the records into a report. Unattributed
// records are left out. spaces are the XCloudSpaces; a record whose space
// none names has no team and no budget.
func Build(records []billingv1alpha1.SpendRecord, spaces []spend.Space, o Options) (*Report, error) {
	if o.By == "" {
		o.By = BySpace
	}
	if o.By != BySpace && o.By != ByTeam {
		return nil, fmt.Errorf("cannot build report: by %q: must be %q or %q", o.By, BySpace, ByTeam)
	}
	if o.TopServices <= 0 {
		o.TopServices = DefaultTopServices
	}
	if o.MaxSeries <= 0 {
		o.MaxSeries = DefaultMaxSeries
	}
	known := make(map[string]spend.Space, len(spaces))
	for _, s := range spaces {
		known[s.Name] = s
	}

	var parsed []*spend.Spend
	var errs []error
	for i := range records {
		if records[i].Space == "" {
			continue
		}
		s, err := spend.Parse(&records[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parsed = append(parsed, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("cannot build report: %w", err)
	}

	selected, members, err := selectSpaces(parsed, spaces, known, o)
	if err != nil {
		return nil, err
	}

	p, err := period(selected, o)
	if err != nil {
		return nil, err
	}
	var inPeriod []*spend.Spend
	for _, s := range selected {
		if s.Period.Name == p.Name {
			inPeriod = append(inPeriod, s)
		}
	}
	if len(inPeriod) == 0 {
		return nil, fmt.Errorf("cannot build report: no spend records %s in %s (records cover %s)", describe(o), p.Name, periods(selected))
	}
	currency, err := oneCurrency(inPeriod)
	if err != nil {
		return nil, err
	}

	r := &Report{By: o.By, Options: o, Period: p, Currency: currency, Now: o.Now}
	if r.Now.IsZero() {
		for _, s := range inPeriod {
			r.Now = latest(r.Now, s.Through)
		}
	}
	cut := make([]*spend.Spend, len(inPeriod))
	for i, s := range inPeriod {
		if r.Now.IsZero() {
			cut[i] = s
			continue
		}
		cut[i] = s.Until(r.Now)
		r.Through = latest(r.Through, cut[i].Through)
	}

	groups := map[string][]*spend.Spend{}
	for _, s := range cut {
		k := key(o.By, s.Space, known)
		groups[k] = append(groups[k], s)
	}
	var series []Series
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		series = append(series, seriesOf(k, o.By, groups[k], members, known, p, currency))
	}
	slices.SortFunc(series, func(a, b Series) int {
		if c := b.Billed.Cmp(a.Billed); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	r.Total = fold("total", series, p)
	if len(series) == 1 {
		r.Total = series[0]
	}
	if len(series) > o.MaxSeries {
		rest := series[o.MaxSeries-1:]
		series = append(series[:o.MaxSeries-1:o.MaxSeries-1], fold(fmt.Sprintf("%d other %ss", len(rest), o.By), rest, p))
	}
	r.Series = series
	r.Services = services(cut, o.TopServices)
	return r, nil
}

// selectSpaces keeps the records of the spaces the options select, and
// returns the spaces of each team among the selection, for team budgets.
func selectSpaces(parsed []*spend.Spend, spaces []spend.Space, known map[string]spend.Space, o Options) ([]*spend.Spend, map[string][]spend.Space, error) {
	match := func(name string) bool {
		if o.Team != "" && teamOf(name, known) != o.Team {
			return false
		}
		if o.Space == "" || name == o.Space {
			return true
		}
		s, ok := known[name]
		return ok && s.Claim != "" && (o.Space == s.Claim || o.Space == s.Namespace+"/"+s.Claim)
	}
	var out []*spend.Spend
	for _, s := range parsed {
		if match(s.Space) {
			out = append(out, s)
		}
	}
	members := map[string][]spend.Space{}
	for _, s := range spaces {
		if match(s.Name) {
			members[teamOf(s.Name, known)] = append(members[teamOf(s.Name, known)], s)
		}
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("cannot build report: no spend records %s", describe(o))
	}
	return out, members, nil
}

func describe(o Options) string {
	var parts []string
	if o.Space != "" {
		parts = append(parts, fmt.Sprintf("of space %q", o.Space))
	}
	if o.Team != "" {
		parts = append(parts, fmt.Sprintf("of team %q", o.Team))
	}
	if len(parts) == 0 {
		return "of any space"
	}
	return strings.Join(parts, " ")
}

func period(selected []*spend.Spend, o Options) (spend.Period, error) {
	switch {
	case o.Period != "":
		p, err := spend.ParsePeriod(o.Period)
		if err != nil {
			return spend.Period{}, fmt.Errorf("cannot build report: %w", err)
		}
		return p, nil
	case !o.Now.IsZero():
		return spend.PeriodOf(o.Now), nil
	}
	p := selected[0].Period
	for _, s := range selected[1:] {
		if s.Period.Start.After(p.Start) {
			p = s.Period
		}
	}
	return p, nil
}

func periods(ss []*spend.Spend) string {
	set := map[string]bool{}
	for _, s := range ss {
		set[s.Period.Name] = true
	}
	return strings.Join(slices.Sorted(maps.Keys(set)), ", ")
}

func oneCurrency(ss []*spend.Spend) (string, error) {
	set := map[string]bool{}
	for _, s := range ss {
		set[s.Currency] = true
	}
	if len(set) > 1 {
		return "", fmt.Errorf("cannot build report: the selected records are in %s: select one currency's spaces with --space or --team", strings.Join(slices.Sorted(maps.Keys(set)), ", "))
	}
	return ss[0].Currency, nil
}

func teamOf(space string, known map[string]spend.Space) string {
	if s, ok := known[space]; ok && s.Team != "" {
		return s.Team
	}
	return NoTeam
}

func key(by By, space string, known map[string]spend.Space) string {
	if by == ByTeam {
		return teamOf(space, known)
	}
	return space
}

// seriesOf sums the spend of one space or team.
func seriesOf(name string, by By, ss []*spend.Spend, members map[string][]spend.Space, known map[string]spend.Space, p spend.Period, currency string) Series {
	out := Series{Name: name, Spaces: len(ss)}
	days := map[time.Time]decimal.Decimal{}
	for _, s := range ss {
		out.Billed = out.Billed.Add(s.Billed)
		out.Through = latest(out.Through, s.Through)
		if !s.From.IsZero() && (out.From.IsZero() || s.From.Before(out.From)) {
			out.From = s.From
		}
		f, ok := s.Forecast()
		if !ok {
			f = s.Billed
		}
		out.Forecast, out.HasForecast = out.Forecast.Add(f), out.HasForecast || ok
		for _, d := range s.Days {
			days[d.Date] = days[d.Date].Add(d.Billed)
		}
	}
	out.Points = points(days, p, out.Through)
	if !out.HasForecast {
		out.Forecast = decimal.Zero
	}

	if by == BySpace {
		sp, ok := known[name]
		out.Team, out.Namespace = teamOf(name, known), sp.Namespace
		if ok && sp.HasBudget && sp.Currency == currency {
			out.Budget, out.HasBudget = sp.Budget, true
		}
		return out
	}
	team := members[name]
	if len(team) > out.Spaces {
		out.Spaces = len(team)
	}
	for _, sp := range team {
		if sp.HasTeamBudget && sp.TeamCurrency == currency {
			out.Budget, out.HasBudget = sp.TeamBudget, true
			return out
		}
	}
	out.HasBudget = len(team) > 0
	for _, sp := range team {
		if !sp.HasBudget || sp.Currency != currency {
			out.Budget, out.HasBudget = decimal.Zero, false
			break
		}
		out.Budget = out.Budget.Add(sp.Budget)
	}
	return out
}

// points is the cumulative cost at the start of the period, at the end of
// every day (or at through, for the day through falls in), and at the start
// of a day that follows days without spend.
func points(days map[time.Time]decimal.Decimal, p spend.Period, through time.Time) []Point {
	out := []Point{{At: p.Start, Billed: decimal.Zero}}
	sum := decimal.Zero
	for _, d := range slices.SortedFunc(maps.Keys(days), time.Time.Compare) {
		if last := out[len(out)-1]; last.At.Before(d) {
			// Nothing was billed between: the line stays flat until the
			// day starts.
			out = append(out, Point{At: d, Billed: sum})
		}
		sum = sum.Add(days[d])
		at := d.Add(spend.Day)
		if !through.IsZero() && at.After(through) {
			at = through
		}
		out = append(out, Point{At: at, Billed: sum})
	}
	return out
}

// fold sums series into one. Its points are the sum of each series'
// cumulative cost at every instant any of them has a point.
func fold(name string, ss []Series, p spend.Period) Series {
	out := Series{Name: name, HasBudget: len(ss) > 0}
	instants := map[time.Time]bool{}
	for _, s := range ss {
		out.Spaces += s.Spaces
		out.Billed = out.Billed.Add(s.Billed)
		out.Through = latest(out.Through, s.Through)
		if !s.From.IsZero() && (out.From.IsZero() || s.From.Before(out.From)) {
			out.From = s.From
		}
		f := s.Forecast
		if !s.HasForecast {
			f = s.Billed
		}
		out.Forecast = out.Forecast.Add(f)
		out.HasForecast = out.HasForecast || s.HasForecast
		out.HasBudget = out.HasBudget && s.HasBudget
		out.Budget = out.Budget.Add(s.Budget)
		for _, pt := range s.Points {
			instants[pt.At] = true
		}
	}
	if !out.HasBudget {
		out.Budget = decimal.Zero
	}
	if !out.HasForecast {
		out.Forecast = decimal.Zero
	}
	for _, at := range slices.SortedFunc(maps.Keys(instants), time.Time.Compare) {
		sum := decimal.Zero
		for _, s := range ss {
			sum = sum.Add(valueAt(s.Points, at))
		}
		out.Points = append(out.Points, Point{At: at, Billed: sum})
	}
	if len(out.Points) == 0 {
		out.Points = []Point{{At: p.Start, Billed: decimal.Zero}}
	}
	return out
}

// valueAt is the cumulative cost of points at t: the last point at or before it.
func valueAt(points []Point, t time.Time) decimal.Decimal {
	v := decimal.Zero
	for _, p := range points {
		if p.At.After(t) {
			break
		}
		v = p.Billed
	}
	return v
}

// services sums the cost of each service and keeps the top n, folding the
// rest into one.
func services(ss []*spend.Spend, n int) []Service {
	sum := map[string]decimal.Decimal{}
	for _, s := range ss {
		for _, c := range s.Services {
			sum[c.Service] = sum[c.Service].Add(c.Billed)
		}
	}
	out := make([]Service, 0, len(sum))
	for _, name := range slices.Sorted(maps.Keys(sum)) {
		out = append(out, Service{Name: name, Billed: sum[name]})
	}
	slices.SortStableFunc(out, func(a, b Service) int { return b.Billed.Cmp(a.Billed) })
	if len(out) > n {
		rest := decimal.Zero
		for _, s := range out[n-1:] {
			rest = rest.Add(s.Billed)
		}
		out = append(out[:n-1:n-1], Service{Name: fmt.Sprintf("%d other services", len(out)-n+1), Billed: rest})
	}
	return out
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Name is a short name of what the report shows, for file names:
// "space-<name>" or "team-<name>" for one series, else "spaces" or "teams",
// followed by "-<team>" when a team is selected.
func (r *Report) Name() string {
	if len(r.Series) == 1 {
		return string(r.By) + "-" + fileSafe(r.Series[0].Name)
	}
	n := string(r.By) + "s"
	if r.Options.Team != "" {
		n += "-" + fileSafe(r.Options.Team)
	}
	return n
}

func fileSafe(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			return c
		}
		return '_'
	}, s)
}

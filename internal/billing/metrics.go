package billing

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

// Results of an ingest run, the values of cloudspace_ingest_runs_total's
// result label.
const (
	RunSuccess = "success"
	RunFailure = "failure"
)

// Names of the per-space metrics.
const (
	MetricSpendToDate = "cloudspace_spend_to_date"
	MetricForecast    = "cloudspace_spend_forecast"
	MetricBudget      = "cloudspace_budget"
	MetricBudgetUsed  = "cloudspace_budget_used_ratio"
	MetricDataAge     = "cloudspace_billing_data_age_seconds"
)

// SpendMetrics are the controller's per-space gauges (spend to date,
// forecast, budget, budget used, data age; labelled team, space, namespace
// and, for money, currency) and its ingest run counters.
//
// The gauges are computed from the records the last successful run wrote,
// the latest period of each space, with the reconciler's forecast
// (internal/spend), and from the XCloudSpaces listed after that run: their
// spec.team, spec.budget and claim namespace. Not from status.billing: that
// is the reconciler's view of the same records, late by up to its TTL and
// absent for a space it has not reconciled since; the records are the source
// of both. Only the data age moves between runs: it is computed at scrape
// time. A replica that is not the leader runs no ingest and exports no
// gauges, so the series of a space are never doubled.
//
// Money is a float64 here, at the metrics boundary only: metrics are for
// graphs and alerts, the records and status.billing stay exact.
type SpendMetrics struct {
	// Runs counts ingest runs by result: success or failure.
	Runs *prometheus.CounterVec
	// LastSuccess is the Unix time of the last successful run.
	LastSuccess prometheus.Gauge

	spaces func(ctx context.Context) ([]spend.Space, error)
	now    func() time.Time

	spendToDate, forecast, budget, used, age *prometheus.Desc

	mu      sync.Mutex
	records []*spend.Spend
	known   map[string]spend.Space
}

// NewSpendMetrics returns the per-space gauges and the ingest run counters,
// registered with r. spaces lists the XCloudSpaces after every successful
// run; now is the clock of the data age (default time.Now).
func NewSpendMetrics(r prometheus.Registerer, spaces func(ctx context.Context) ([]spend.Space, error), now func() time.Time) (*SpendMetrics, error) {
	if now == nil {
		now = time.Now
	}
	money := []string{"team", "space", "namespace", "currency"}
	plain := []string{"team", "space", "namespace"}
	m := &SpendMetrics{
		Runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_ingest_runs_total", Help: "Ingest runs of the billing controller, by result (success or failure).",
		}, []string{"result"}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cloudspace_ingest_last_success_timestamp_seconds", Help: "Unix time of the last successful ingest run; 0 before the first.",
		}),
		spaces:      spaces,
		now:         now,
		spendToDate: prometheus.NewDesc(MetricSpendToDate, "Billed cost of the space's latest billing period so far, from its spend record.", money, nil),
		forecast:    prometheus.NewDesc(MetricForecast, "Billed cost the space is expected to reach by the end of its latest billing period, as the reconciler forecasts it.", money, nil),
		budget:      prometheus.NewDesc(MetricBudget, "Monthly budget of the space (spec.budget.monthlyLimit).", money, nil),
		used:        prometheus.NewDesc(MetricBudgetUsed, "Billed cost to date as a fraction of the monthly budget; +Inf for spend against a zero budget.", plain, nil),
		age:         prometheus.NewDesc(MetricDataAge, "Seconds since the end of the last charge period in the space's spend record.", plain, nil),
	}
	// Both results exist from the start, so that increase() sees the first
	// failure and rate() ratios have a denominator.
	m.Runs.WithLabelValues(RunSuccess)
	m.Runs.WithLabelValues(RunFailure)
	for _, c := range []prometheus.Collector{m.Runs, m.LastSuccess, m} {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// SpacesFrom lists the XCloudSpaces of a cluster for NewSpendMetrics.
func SpacesFrom(c client.Reader) func(ctx context.Context) ([]spend.Space, error) {
	return func(ctx context.Context) ([]spend.Space, error) {
		xrs, err := ListSpaces(ctx, c)
		if err != nil {
			return nil, err
		}
		out := make([]spend.Space, len(xrs))
		for i := range xrs {
			out[i] = spend.SpaceOf(&xrs[i])
		}
		return out, nil
	}
}

// observeRun counts a run of s and, after a successful one, takes the
// records it wrote and the spaces as they are now for the gauges. A space
// list that fails keeps the spaces of the previous run, counted as an error
// of stage "spaces": the records were written all the same.
func (s *Scheduler) observeRun(ctx context.Context, records []billingv1alpha1.SpendRecord, err error) {
	m := s.Spend
	if m == nil {
		return
	}
	if err != nil {
		m.Runs.WithLabelValues(RunFailure).Inc()
		return
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	m.Runs.WithLabelValues(RunSuccess).Inc()
	m.LastSuccess.Set(float64(now().Unix()))

	parsed := make([]*spend.Spend, 0, len(records))
	for i := range records {
		p, perr := spend.Parse(&records[i])
		if perr != nil {
			// The ingester wrote it; a record it cannot read back is a bug
			// to see in the log, not a reason to drop the others.
			s.Log.Info("Cannot export the metrics of a spend record", "error", perr)
			continue
		}
		parsed = append(parsed, p)
	}
	var known map[string]spend.Space
	if m.spaces != nil {
		spaces, lerr := m.spaces(ctx)
		if lerr != nil {
			s.Metrics.Errors.WithLabelValues("spaces").Inc()
			s.Log.Info("Cannot list XCloudSpaces for the spend metrics; keeping the budgets of the previous run", "error", lerr)
		} else {
			known = make(map[string]spend.Space, len(spaces))
			for _, sp := range spaces {
				known[sp.Name] = sp
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records = spend.Latest(parsed)
	if known != nil {
		m.known = known
	}
}

// Describe sends the descriptors of the per-space gauges.
func (m *SpendMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.spendToDate, m.forecast, m.budget, m.used, m.age} {
		ch <- d
	}
}

// Collect computes the per-space gauges: for every space with a record, its
// spend, forecast and data age, and, when its XCloudSpace sets a budget in
// the record's currency, its budget and the fraction used; for every other
// XCloudSpace, its budget. A record of a space that no XCloudSpace names
// (deleted, or a mistyped tag) is exported with empty team and namespace.
func (m *SpendMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	seen := make(map[string]bool, len(m.records))
	for _, r := range m.records {
		seen[r.Space] = true
		sp := m.known[r.Space]
		ch <- prometheus.MustNewConstMetric(m.spendToDate, prometheus.GaugeValue, sample(r.Billed), sp.Team, r.Space, sp.Namespace, r.Currency)
		if f, ok := r.Forecast(); ok {
			ch <- prometheus.MustNewConstMetric(m.forecast, prometheus.GaugeValue, sample(f), sp.Team, r.Space, sp.Namespace, r.Currency)
		}
		if !r.Through.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.age, prometheus.GaugeValue, now.Sub(r.Through).Seconds(), sp.Team, r.Space, sp.Namespace)
		}
		if !sp.HasBudget || sp.Currency != r.Currency {
			continue
		}
		ch <- prometheus.MustNewConstMetric(m.budget, prometheus.GaugeValue, sample(sp.Budget), sp.Team, r.Space, sp.Namespace, sp.Currency)
		ch <- prometheus.MustNewConstMetric(m.used, prometheus.GaugeValue, usedRatio(r.Billed, sp.Budget), sp.Team, r.Space, sp.Namespace)
	}
	for _, sp := range m.known {
		if seen[sp.Name] || !sp.HasBudget {
			continue
		}
		ch <- prometheus.MustNewConstMetric(m.budget, prometheus.GaugeValue, sample(sp.Budget), sp.Team, sp.Name, sp.Namespace, sp.Currency)
	}
}

// usedRatio is billed ÷ budget. A zero budget is exceeded by any spend, as
// the reconciler judges it: +Inf, or 0 while nothing is billed.
func usedRatio(billed, budget decimal.Decimal) float64 {
	if budget.IsPositive() {
		return sample(billed.DivRound(budget, 12))
	}
	if billed.IsPositive() {
		return math.Inf(1)
	}
	return 0
}

// sample turns an exact amount into a sample value.
func sample(d decimal.Decimal) float64 { return d.InexactFloat64() }

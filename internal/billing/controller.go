package billing

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// Metrics of the scheduled ingester.
type Metrics struct {
	Rows        *prometheus.CounterVec
	Bytes       prometheus.Counter
	Errors      *prometheus.CounterVec
	Records     *prometheus.CounterVec
	LastSuccess prometheus.Gauge
	Duration    prometheus.Histogram
	// RunRows and RunCost are the summary of the last successful run (see
	// Summary): rows by kind, and their billed cost by kind and currency.
	RunRows *prometheus.GaugeVec
	RunCost *prometheus.GaugeVec
}

// Kinds of RunRows and RunCost.
const (
	KindSummed       = "summed"       // rows summed into records (RunRows)
	KindBilled       = "billed"       // the billed cost of those rows (RunCost)
	KindAttributed   = "attributed"   // attributed to a space (RunCost)
	KindUnattributed = "unattributed" // in unattributed records (RunCost)
	KindInCluster    = "in_cluster"   // the part of attributed that is pods (RunCost)
	KindInvalidTag   = "invalid_tag"  // tag value cannot name a space
	KindTagKeyCase   = "tag_key_case" // tag key matches only ignoring case
	KindSkipped      = "skipped"      // skipped under --max-errors
	// KindSkippedUnknownCost are skipped rows whose cost could not be read
	// (RunRows).
	KindSkippedUnknownCost = "skipped_unknown_cost"
)

// NewMetrics returns the ingester's metrics, registered with r.
func NewMetrics(r prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_billing_rows_total", Help: "Billing rows read, by result (ok or bad).",
		}, []string{"result"}),
		Bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cloudspace_billing_bytes_total", Help: "Bytes of billing exports read.",
		}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_billing_errors_total", Help: "Failed ingest runs, by stage: list, ingest, plan (nothing written) or write (written in part; the log names what).",
		}, []string{"stage"}),
		Records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_billing_records_total", Help: "Spend records written, by result: created, updated, unchanged, zeroed or deleted.",
		}, []string{"result"}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cloudspace_billing_last_success_timestamp_seconds", Help: "Unix time of the last successful ingest run.",
		}),
		Duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "cloudspace_billing_ingest_duration_seconds", Help: "Duration of ingest runs.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2, 14),
		}),
		RunRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cloudspace_billing_last_run_rows",
			Help: "Rows of the last successful ingest run, by kind: summed, invalid_tag (tag value cannot name a space), tag_key_case (tag key matches only ignoring case), skipped (under --max-errors), skipped_unknown_cost.",
		}, []string{"kind"}),
		RunCost: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "cloudspace_billing_last_run_cost",
			Help: "Billed cost of the last successful ingest run, by kind (billed, attributed, unattributed, in_cluster, invalid_tag, tag_key_case, skipped) and currency. Exact sums are in the records; this is their float64 image.",
		}, []string{"kind", "currency"}),
	}
	for _, c := range []prometheus.Collector{m.Rows, m.Bytes, m.Errors, m.Records, m.LastSuccess, m.Duration, m.RunRows, m.RunCost} {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Scheduler re-ingests its sources on an interval and writes the records.
// It is a controller-runtime Runnable that needs leader election, so only
// one replica ingests at a time.
type Scheduler struct {
	// Sources lists the files to ingest afresh on every run (so that an
	// S3 prefix picks up new exports).
	Sources  func(ctx context.Context) ([]Source, error)
	Options  Options
	Writer   *Writer
	Interval time.Duration
	Metrics  *Metrics
	Log      logr.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Spend are the per-space gauges and the run counters (metrics.go);
	// nil exports none.
	Spend *SpendMetrics
	// Namespaces, when set, maps the tenant namespaces of the cluster to
	// their spaces before every run (NamespacesFrom), adding to
	// Options.InCluster.Namespaces. A run whose mapping fails fails: without
	// it the pods' cost would leave the spaces' records.
	Namespaces func(ctx context.Context) (map[string]string, []string, error)
}

// NeedLeaderElection reports that only the leader runs the scheduler.
func (s *Scheduler) NeedLeaderElection() bool { return true }

// Start runs once at once, then every Interval, until ctx is done.
func (s *Scheduler) Start(ctx context.Context) error {
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		if err := s.RunOnce(ctx); err != nil {
			s.Log.Info("Ingest run failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce lists, ingests and writes once, updating the metrics.
func (s *Scheduler) RunOnce(ctx context.Context) (err error) {
	var written []v1alpha1.SpendRecord
	defer func() { s.observeRun(ctx, written, err) }() // metrics.go
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	start := now()
	srcs, err := s.Sources(ctx)
	if err != nil {
		s.Metrics.Errors.WithLabelValues("list").Inc()
		return err
	}
	opts := s.Options
	if s.Namespaces != nil {
		ns, warns, err := s.Namespaces(ctx)
		if err != nil {
			s.Metrics.Errors.WithLabelValues("list").Inc()
			return err
		}
		for _, w := range warns {
			s.Log.Info("WARNING", "warning", w)
		}
		opts.InCluster.Namespaces = MergeNamespaces(opts.InCluster.Namespaces, ns)
	}
	res, err := Ingest(ctx, srcs, opts)
	if res != nil {
		for _, w := range res.Warnings {
			s.Log.Info("WARNING", "warning", w)
		}
		for _, f := range res.Files {
			s.Metrics.Rows.WithLabelValues("ok").Add(float64(f.Rows))
			s.Metrics.Rows.WithLabelValues("bad").Add(float64(f.BadRows))
			s.Metrics.Bytes.Add(float64(f.Bytes))
		}
	}
	if err != nil {
		s.Metrics.Errors.WithLabelValues("ingest").Inc()
		return err
	}
	p, err := s.Writer.Plan(ctx, res.Records)
	if err != nil {
		s.Metrics.Errors.WithLabelValues("plan").Inc()
		return err
	}
	st, err := s.Writer.Apply(ctx, p)
	for result, n := range map[string]int{"created": st.Created, "updated": st.Updated, "unchanged": st.Unchanged, "zeroed": st.Zeroed, "deleted": st.Deleted} {
		s.Metrics.Records.WithLabelValues(result).Add(float64(n))
	}
	if we := (*WriteError)(nil); errors.As(err, &we) {
		s.Metrics.Errors.WithLabelValues("write").Inc()
		s.Log.Info("Ingest run wrote part of its records", "scope", p.Scope, "written", changeNames(we.Written), "not-written", changeNames(we.Pending), "error", we.Err)
		return err
	}
	if err != nil {
		// Refused in the server-side dry run: nothing was written.
		s.Metrics.Errors.WithLabelValues("plan").Inc()
		return err
	}
	written = res.Records
	end := now()
	s.Metrics.Duration.Observe(end.Sub(start).Seconds())
	s.Metrics.LastSuccess.Set(float64(end.Unix()))
	s.Metrics.setSummary(res.Summary)
	sum := res.Summary
	s.Log.V(1).Info("Ingest run succeeded", "files", len(res.Files), "records", len(res.Records), "scope", p.Scope, "periods", p.Periods,
		"created", st.Created, "updated", st.Updated, "unchanged", st.Unchanged, "zeroed", st.Zeroed, "deleted", st.Deleted,
		"rows", sum.Rows, "billed", sum.BilledCost, "attributed", sum.AttributedCost, "unattributed", sum.UnattributedCost)
	if sum.InvalidTag.Rows > 0 {
		s.Log.Info("Rows with a tag value that cannot name a space are unattributed", "rows", sum.InvalidTag.Rows, "billed", sum.InvalidTag.BilledCost, "values", sum.InvalidTag.Values)
	}
	if sum.TagKeyCase.Rows > 0 {
		s.Log.Info("Rows with a tag key that matches only ignoring case", "rows", sum.TagKeyCase.Rows, "billed", sum.TagKeyCase.BilledCost, "keys", sum.TagKeyCase.Values, "attributed", sum.TagKeyIgnoreCase)
	}
	if sum.Skipped.Rows > 0 {
		s.Log.Info("Rows skipped under --max-errors", "rows", sum.Skipped.Rows, "billed", sum.Skipped.BilledCost, "unknown-cost-rows", sum.Skipped.UnknownCostRows)
	}
	return nil
}

// setSummary sets RunRows and RunCost to the figures of a run.
func (m *Metrics) setSummary(s Summary) {
	m.RunRows.Reset()
	m.RunCost.Reset()
	m.RunRows.WithLabelValues(KindSummed).Set(float64(s.Rows))
	m.RunRows.WithLabelValues(KindInvalidTag).Set(float64(s.InvalidTag.Rows))
	m.RunRows.WithLabelValues(KindTagKeyCase).Set(float64(s.TagKeyCase.Rows))
	m.RunRows.WithLabelValues(KindSkipped).Set(float64(s.Skipped.Rows))
	m.RunRows.WithLabelValues(KindSkippedUnknownCost).Set(float64(s.Skipped.UnknownCostRows))
	for kind, money := range map[string]Money{
		KindBilled: s.BilledCost, KindAttributed: s.AttributedCost, KindUnattributed: s.UnattributedCost, KindInCluster: s.InClusterCost,
		KindInvalidTag: s.InvalidTag.BilledCost, KindTagKeyCase: s.TagKeyCase.BilledCost, KindSkipped: s.Skipped.BilledCost,
	} {
		for cur, v := range money {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			m.RunCost.WithLabelValues(kind, cur).Set(f)
		}
	}
}

// changeNames are "<action> <name>" of each change, for a log line.
func changeNames(cs []*Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c.Action) + " " + c.Name
	}
	return out
}

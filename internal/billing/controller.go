package billing

import (
	"context"
	"errors"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of the scheduled ingester.
type Metrics struct {
	Rows        *prometheus.CounterVec
	Bytes       prometheus.Counter
	Errors      *prometheus.CounterVec
	Records     *prometheus.CounterVec
	LastSuccess prometheus.Gauge
	Duration    prometheus.Histogram
}

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
	}
	for _, c := range []prometheus.Collector{m.Rows, m.Bytes, m.Errors, m.Records, m.LastSuccess, m.Duration} {
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
func (s *Scheduler) RunOnce(ctx context.Context) error {
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
	res, err := Ingest(ctx, srcs, s.Options)
	if res != nil {
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
	end := now()
	s.Metrics.Duration.Observe(end.Sub(start).Seconds())
	s.Metrics.LastSuccess.Set(float64(end.Unix()))
	s.Log.V(1).Info("Ingest run succeeded", "files", len(res.Files), "records", len(res.Records), "scope", p.Scope, "periods", p.Periods,
		"created", st.Created, "updated", st.Updated, "unchanged", st.Unchanged, "zeroed", st.Zeroed, "deleted", st.Deleted)
	return nil
}

// changeNames are "<action> <name>" of each change, for a log line.
func changeNames(cs []*Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c.Action) + " " + c.Name
	}
	return out
}

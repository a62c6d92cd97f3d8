package billing

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestSchedulerRunOnce(t *testing.T) {
	good := bytesSource{name: "good.csv", b: []byte(focusHeader + focusRow(nil) + focusRow(nil))}
	bad := bytesSource{name: "bad.csv", b: []byte(focusHeader + focusRow(map[int]string{0: "x"}))}
	c := newFakeClient(t)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	srcs := []Source{good}
	var listErr error
	s := &Scheduler{
		Sources:  func(context.Context) ([]Source, error) { return srcs, listErr },
		Writer:   &Writer{Client: c},
		Interval: time.Hour,
		Metrics:  m,
		Now:      func() time.Time { return time.Unix(1800000000, 0) },
	}
	s.Options.Log = s.Log

	if err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce(): %v", err)
	}
	if err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce(): %v", err)
	}
	srcs = []Source{good, bad}
	if err := s.RunOnce(t.Context()); err == nil {
		t.Fatal("RunOnce(): want an error for a bad file")
	}
	srcs = []Source{good}
	s.Writer.Scope = "Not_A_Label"
	if err := s.RunOnce(t.Context()); err == nil {
		t.Fatal("RunOnce(): want an error for an invalid scope")
	}
	listErr = errors.New("boom")
	if err := s.RunOnce(t.Context()); err == nil {
		t.Fatal("RunOnce(): want the list error")
	}

	got := map[string]float64{
		"rows-ok":       value(t, m.Rows.WithLabelValues("ok")),
		"rows-bad":      value(t, m.Rows.WithLabelValues("bad")),
		"bytes":         value(t, m.Bytes),
		"errors-ingest": value(t, m.Errors.WithLabelValues("ingest")),
		"errors-list":   value(t, m.Errors.WithLabelValues("list")),
		"errors-plan":   value(t, m.Errors.WithLabelValues("plan")),
		"errors-write":  value(t, m.Errors.WithLabelValues("write")),
		"created":       value(t, m.Records.WithLabelValues("created")),
		"unchanged":     value(t, m.Records.WithLabelValues("unchanged")),
		"last-success":  value(t, m.LastSuccess),
	}
	want := map[string]float64{
		"rows-ok":       8,
		"rows-bad":      1,
		"bytes":         float64(4*len(good.b) + len(bad.b)),
		"errors-ingest": 1,
		"errors-list":   1,
		"errors-plan":   1,
		"errors-write":  0,
		"created":       1,
		"unchanged":     1,
		"last-success":  1800000000,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunOnce(): -want metrics, +got:\n%s", diff)
	}
}

func TestSchedulerSummaryMetrics(t *testing.T) {
	data := focusHeader + focusRow(nil) +
		focusRow(map[int]string{15: `"{""cloudspace"":""Team A""}"`, 0: "2"}) + // invalid tag value
		focusRow(map[int]string{15: `"{""CloudSpace"":""team-b""}"`, 0: "4"}) + // tag key case
		focusRow(map[int]string{7: "bad", 0: "8"}) + // skipped, cost known
		"1,2\n" // skipped, cost unknown
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	s := &Scheduler{
		Sources: func(context.Context) ([]Source, error) {
			return []Source{bytesSource{name: "f.csv", b: []byte(data)}}, nil
		},
		Writer:  &Writer{Client: newFakeClient(t)},
		Metrics: m,
		Options: Options{MaxErrors: 2},
	}
	if err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce(): %v", err)
	}
	got := map[string]float64{}
	for _, k := range []string{KindSummed, KindInvalidTag, KindTagKeyCase, KindSkipped, KindSkippedUnknownCost} {
		got["rows "+k] = value(t, m.RunRows.WithLabelValues(k))
	}
	for _, k := range []string{KindBilled, KindAttributed, KindUnattributed, KindInvalidTag, KindTagKeyCase, KindSkipped} {
		got["cost "+k] = value(t, m.RunCost.WithLabelValues(k, "USD"))
	}
	want := map[string]float64{
		"rows summed": 3, "rows invalid_tag": 1, "rows tag_key_case": 1, "rows skipped": 2, "rows skipped_unknown_cost": 1,
		"cost billed": 7.5, "cost attributed": 1.5, "cost unattributed": 6, "cost invalid_tag": 2, "cost tag_key_case": 4, "cost skipped": 8,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunOnce(): -want summary metrics, +got:\n%s", diff)
	}
}

func TestSchedulerStartStops(t *testing.T) {
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	runs := 0
	s := &Scheduler{
		Sources: func(context.Context) ([]Source, error) {
			runs++
			cancel()
			return nil, errors.New("stop")
		},
		Interval: time.Hour,
		Metrics:  m,
	}
	if err := s.Start(ctx); err != nil {
		t.Fatalf("Start(): %v", err)
	}
	if runs != 1 || !s.NeedLeaderElection() {
		t.Errorf("Start(): want one run at once and leader election, got %d runs", runs)
	}
}

// value reads a counter or gauge.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	d := &dto.Metric{}
	if err := m.Write(d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// TestSchedulerNamespaces checks that every run maps the tenant namespaces
// afresh, the options' own winning, and that a run whose mapping fails
// writes nothing.
func TestSchedulerNamespaces(t *testing.T) {
	src := bytesSource{name: "split.csv", b: []byte(splitHeader +
		splitRowCSV("i-0n", "1.00", "{}", "", "", "", "") +
		splitRowCSV(pod("eu", "tenant-a"), "0", "{}", "i-0n", "0.25", "0", "1") +
		splitRowCSV(pod("eu", "tenant-b"), "0", "{}", "i-0n", "0.5", "0", "1"))}
	c := newFakeClient(t)
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	cluster := map[string]string{"tenant-a": "team-a", "tenant-b": "team-x"}
	var nsErr error
	s := &Scheduler{
		Sources:    func(context.Context) ([]Source, error) { return []Source{src}, nil },
		Writer:     &Writer{Client: c},
		Interval:   time.Hour,
		Metrics:    m,
		Namespaces: func(context.Context) (map[string]string, []string, error) { return cluster, nil, nsErr },
	}
	s.Options.InCluster.Namespaces = map[string]string{"tenant-b": "team-b"}
	if err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce(): %v", err)
	}
	records, err := ListRecords(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range records {
		got[r.Space] = r.BilledCost
	}
	if diff := cmp.Diff(map[string]string{"team-a": "0.25", "team-b": "0.5"}, got); diff != "" {
		t.Errorf("RunOnce(): spend records -want +got:\n%s", diff)
	}
	nsErr = errors.New("cannot list XCloudSpace: forbidden")
	if err := s.RunOnce(t.Context()); !errors.Is(err, nsErr) {
		t.Errorf("RunOnce(): want the mapping error, got %v", err)
	}
	if got := value(t, m.Errors.WithLabelValues("list")); got != 1 {
		t.Errorf("RunOnce(): want 1 list error counted, got %v", got)
	}
}

package monitoring

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/cloudspace-dev/cloudspace/internal/billing"
	"github.com/cloudspace-dev/cloudspace/internal/notify/notifymetrics"
	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

// family is an exported metric family: its type and its labels.
type family struct {
	typ    dto.MetricType
	labels []string
}

// targetLabels are the labels Prometheus adds to every scraped series (the
// ServiceMonitor's target labels): a query may use them on any metric.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "endpoint", "container"}

// export is a FOCUS export of one space, enough for the controller to
// export every per-space gauge.
const export = `BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,ListCost,ProviderName,ResourceId,ServiceName,SubAccountId,Tags
30,111,USD,2026-12-01T00:00:00Z,2026-11-01T00:00:00Z,Usage,2026-11-03T00:00:00Z,2026-11-01T00:00:00Z,30,30,30,AWS,i-1,EC2,222,"{""cloudspace"":""checkout-7x9kq""}"
`

type source struct{}

func (source) URI() string { return "focus.csv" }
func (source) Open(context.Context) (io.ReadCloser, int64, error) {
	return io.NopCloser(strings.NewReader(export)), int64(len(export)), nil
}

// exported runs the billing controller's scheduler once successfully and
// once not, as it runs in the controller, and returns every metric family
// its registry then gathers, with the notifier's (internal/notify/notifymetrics).
func exported(t *testing.T) map[string]family {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := billing.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC) }
	spaces := func(context.Context) ([]spend.Space, error) {
		return []spend.Space{{Name: "checkout-7x9kq", Team: "payments", Namespace: "team-payments", Budget: decimal.NewFromInt(100), HasBudget: true, Currency: "USD"}}, nil
	}
	sm, err := billing.NewSpendMetrics(reg, spaces, now)
	if err != nil {
		t.Fatal(err)
	}
	s := runtime.NewScheme()
	if err := billing.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	var listErr error
	sch := &billing.Scheduler{
		Sources:  func(context.Context) ([]billing.Source, error) { return []billing.Source{source{}}, listErr },
		Writer:   &billing.Writer{Client: fake.NewClientBuilder().WithScheme(s).Build()},
		Interval: time.Hour,
		Metrics:  m,
		Spend:    sm,
		Now:      now,
	}
	if err := sch.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce(): %v", err)
	}
	listErr = errors.New("boom")
	if err := sch.RunOnce(t.Context()); err == nil {
		t.Fatal("RunOnce(): want the list error")
	}

	// The notifier's metrics, from its own constructor, each with one
	// series so that its family is gathered with its labels.
	nm, err := notifymetrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*prometheus.CounterVec{nm.Opened, nm.Updated, nm.Resolved, nm.Failed} {
		c.WithLabelValues("webhook").Inc()
	}
	nm.Duration.WithLabelValues("webhook", "create").Observe(0.1)

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]family{}
	for _, mf := range mfs {
		f := family{typ: mf.GetType()}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if !slices.Contains(f.labels, l.GetName()) {
					f.labels = append(f.labels, l.GetName())
				}
			}
		}
		out[mf.GetName()] = f
	}
	return out
}

// series returns the labels a series of the given name has, and whether it
// exists: a histogram's family exports _bucket (with le), _sum and _count.
func series(fams map[string]family, name string) ([]string, bool) {
	if f, ok := fams[name]; ok && f.typ != dto.MetricType_HISTOGRAM {
		return f.labels, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if f, found := fams[base]; ok && found && f.typ == dto.MetricType_HISTOGRAM {
			if suffix == "_bucket" {
				return append(slices.Clone(f.labels), "le"), true
			}
			return f.labels, true
		}
	}
	return nil, false
}

func TestExportedIncludesTheSpendGauges(t *testing.T) {
	fams := exported(t)
	for _, name := range []string{billing.MetricSpendToDate, billing.MetricForecast, billing.MetricBudget, billing.MetricBudgetUsed, billing.MetricDataAge, "cloudspace_ingest_runs_total", "cloudspace_ingest_last_success_timestamp_seconds"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("the controller does not export %s", name)
		}
	}
}

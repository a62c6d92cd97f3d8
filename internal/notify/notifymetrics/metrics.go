// Package notifymetrics holds the Prometheus metrics of the budget ticket
// notifier (internal/notify). It depends on the Prometheus client alone, so
// that what checks the alerts and dashboards against the exported metrics
// can build them without the notifier's Kubernetes dependencies.
package notifymetrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of the notifier. The counters count tickets by channel type
// (jira, feishu or webhook); the histogram times every HTTP request by
// channel type and operation.
type Metrics struct {
	Opened   *prometheus.CounterVec
	Updated  *prometheus.CounterVec
	Resolved *prometheus.CounterVec
	Failed   *prometheus.CounterVec
	Duration *prometheus.HistogramVec
}

// labelChannel is the label of the channel type.
const labelChannel = "channel"

// New returns the notifier's metrics, registered with r:
// cloudspace_tickets_opened_total, _updated_total, _resolved_total and
// _failed_total (label channel), and
// cloudspace_notify_request_duration_seconds (labels channel, operation).
func New(r prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Opened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_tickets_opened_total", Help: "Tickets opened, by channel type.",
		}, []string{labelChannel}),
		Updated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_tickets_updated_total", Help: "Comments on tickets whose state worsened, by channel type.",
		}, []string{labelChannel}),
		Resolved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_tickets_resolved_total", Help: "Tickets resolved, by channel type.",
		}, []string{labelChannel}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudspace_tickets_failed_total", Help: "Ticket operations given up after their retries, by channel type.",
		}, []string{labelChannel}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cloudspace_notify_request_duration_seconds", Help: "Duration of the notifier's HTTP requests, by channel type and operation.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{labelChannel, "operation"}),
	}
	for _, c := range []prometheus.Collector{m.Opened, m.Updated, m.Resolved, m.Failed, m.Duration} {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

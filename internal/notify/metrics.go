package notify

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cloudspace-dev/cloudspace/internal/notify/notifymetrics"
)

// Metrics of the notifier; see notifymetrics.
type Metrics = notifymetrics.Metrics

// NewMetrics returns the notifier's metrics, registered with r.
func NewMetrics(r prometheus.Registerer) (*Metrics, error) {
	return notifymetrics.New(r)
}

package notify

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// testPolicy retries fast, with a short request timeout.
var testPolicy = Policy{Timeout: 300 * time.Millisecond, MaxElapsed: 3 * time.Second, InitialInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond, MaxRetryAfter: 2 * time.Second, SearchLag: 20 * time.Millisecond}

func testTicket() *Ticket {
	return &Ticket{
		Key: "cloudspace/checkout-x1/2026-12/budget/jira/1", Kind: v1alpha1.KindBudget, Level: Warning, Period: "2026-12",
		Reason: ReasonBudgetAtRisk, Message: "At risk of exceeding the 1200.00 USD budget of 2026-12",
		Space: "checkout-x1", Team: "payments", Owner: "lead@example.com", Environment: "dev",
		Claim:        &ClaimRef{Namespace: "team-payments", Name: "checkout"},
		Figures:      []Figure{{"Monthly budget", "1200.00 USD"}, {"Billed to date", "40.00 USD"}, {"Forecast", "1240.00 USD"}},
		TopServices:  []Contributor{{"Amazon Elastic Compute Cloud", "40.00 USD"}},
		TopResources: []Contributor{{"i-01", "40.00 USD"}},
		ClaimURL:     "https://console.example.com/spaces/team-payments/checkout",
		Describe:     "kubectl describe cloudspace -n team-payments checkout",
	}
}

func newTestMetrics(t *testing.T) *Metrics {
	t.Helper()
	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func counter(t *testing.T, c *prometheus.CounterVec, label string) float64 {
	t.Helper()
	m := &dto.Metric{}
	if err := c.WithLabelValues(label).Write(m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func observations(t *testing.T, h *prometheus.HistogramVec, channel, op string) uint64 {
	t.Helper()
	m := &dto.Metric{}
	o, err := h.GetMetricWithLabelValues(channel, op)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.(prometheus.Histogram).Write(m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

func header(k, v string) http.Header {
	h := http.Header{}
	h.Set(k, v)
	return h
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

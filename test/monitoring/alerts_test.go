package monitoring

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/promqltest"
)

// TestAlerts evaluates each alert's expression, as the rules file has it,
// on series that should make it fire and series that should not, with
// Prometheus's own PromQL engine and test language (as promtool test rules
// does).
func TestAlerts(t *testing.T) {
	exprs := map[string]string{}
	for _, g := range loadRules(t).Groups {
		for _, r := range g.Rules {
			exprs[r.Alert] = strings.Join(strings.Fields(r.Expr), " ")
		}
	}
	cases := map[string]struct {
		reason string
		alert  string
		// script is a promqltest script; EXPR stands for the alert's
		// expression.
		script string
	}{
		"Exceeded": {
			reason: "Over budget fires, with the ratio; under it does not.",
			alert:  "CloudSpaceBudgetExceeded",
			script: `
load 1m
  cloudspace_budget_used_ratio{team="payments",space="checkout-7x9kq",namespace="team-payments"} 0.9 1.1 1.25
  cloudspace_budget_used_ratio{team="payments",space="ledger-m2p4t",namespace="team-payments"} 0.5 0.6 0.7

eval instant at 2m EXPR
  cloudspace_budget_used_ratio{team="payments",space="checkout-7x9kq",namespace="team-payments"} 1.25

eval instant at 0m EXPR
`,
		},
		"AtRisk": {
			reason: "A forecast at or over the budget fires, unless the budget is already exceeded (that alert says more); a forecast under it does not.",
			alert:  "CloudSpaceBudgetAtRisk",
			script: `
load 1m
  cloudspace_spend_forecast{team="payments",space="checkout-7x9kq",namespace="team-payments",currency="USD"} 1300
  cloudspace_budget{team="payments",space="checkout-7x9kq",namespace="team-payments",currency="USD"} 1200
  cloudspace_budget_used_ratio{team="payments",space="checkout-7x9kq",namespace="team-payments"} 0.8
  cloudspace_spend_forecast{team="payments",space="over-1",namespace="team-payments",currency="USD"} 2600
  cloudspace_budget{team="payments",space="over-1",namespace="team-payments",currency="USD"} 1200
  cloudspace_budget_used_ratio{team="payments",space="over-1",namespace="team-payments"} 1.1
  cloudspace_spend_forecast{team="catalog",space="search-q8w3z",namespace="team-catalog",currency="USD"} 1500
  cloudspace_budget{team="catalog",space="search-q8w3z",namespace="team-catalog",currency="USD"} 2000
  cloudspace_budget_used_ratio{team="catalog",space="search-q8w3z",namespace="team-catalog"} 0.5

eval instant at 1m EXPR
  {team="payments",space="checkout-7x9kq",namespace="team-payments",currency="USD"} 1.0833333333333333
`,
		},
		"Stale": {
			reason: "Data older than 72 hours fires, with its age; younger does not.",
			alert:  "CloudSpaceBillingDataStale",
			script: `
load 1m
  cloudspace_billing_data_age_seconds{team="payments",space="checkout-7x9kq",namespace="team-payments"} 260000
  cloudspace_billing_data_age_seconds{team="payments",space="ledger-m2p4t",namespace="team-payments"} 3600

eval instant at 1m EXPR
  cloudspace_billing_data_age_seconds{team="payments",space="checkout-7x9kq",namespace="team-payments"} 260000
`,
		},
		"IngestFailingRuns": {
			reason: "Three hours of failed runs and no success fire.",
			alert:  "CloudSpaceIngestFailing",
			script: `
load 1m
  cloudspace_ingest_runs_total{result="failure",pod="a"} 0+1x300
  cloudspace_ingest_runs_total{result="success",pod="a"} 1+0x300
  cloudspace_ingest_last_success_timestamp_seconds{pod="a"} 60+0x300

eval instant at 4h count(EXPR)
  {} 1
`,
		},
		"IngestRecovered": {
			reason: "A success within the three hours does not fire, failures or not.",
			alert:  "CloudSpaceIngestFailing",
			script: `
load 1m
  cloudspace_ingest_runs_total{result="failure",pod="a"} 0+1x300
  cloudspace_ingest_runs_total{result="success",pod="a"} 0+0x200 1+0x100
  cloudspace_ingest_last_success_timestamp_seconds{pod="a"} 0+0x200 12060+0x100

eval instant at 4h EXPR
`,
		},
		"IngestNeverSucceeds": {
			reason: "No success for six hours fires even without failed runs counted (a stuck run, or a controller restarted before each run ends); the leader's last success counts, not the idle replica's zero.",
			alert:  "CloudSpaceIngestFailing",
			script: `
load 1m
  cloudspace_ingest_runs_total{result="failure",pod="a"} 0+0x500
  cloudspace_ingest_runs_total{result="success",pod="a"} 0+0x500
  cloudspace_ingest_last_success_timestamp_seconds{pod="a"} 0+0x500
  cloudspace_ingest_last_success_timestamp_seconds{pod="b"} 3600+0x500

eval instant at 8h count(EXPR)
  {} 1

eval instant at 6h EXPR
`,
		},
		"IngestHealthy": {
			reason: "Hourly successes, one failure among them, do not fire.",
			alert:  "CloudSpaceIngestFailing",
			script: `
load 1h
  cloudspace_ingest_runs_total{result="success",pod="a"} 0+1x10
  cloudspace_ingest_runs_total{result="failure",pod="a"} 0 0 0 0 1 1 1 1 1 1 1
  cloudspace_ingest_last_success_timestamp_seconds{pod="a"} 0+3600x10

eval instant at 10h EXPR
`,
		},
	}
	engine := promqltest.NewTestEngine(t, false, 5*time.Minute, promqltest.DefaultMaxSamplesPerQuery)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			expr, ok := exprs[tc.alert]
			if !ok {
				t.Fatalf("%s: no alert %s", rulesFile, tc.alert)
			}
			t.Log(tc.reason)
			promqltest.RunTest(t, strings.ReplaceAll(tc.script, "EXPR", expr), engine)
		})
	}
}

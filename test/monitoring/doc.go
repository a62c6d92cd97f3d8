// Package monitoring checks examples/monitoring/ against the metrics the
// project exports: the alert rules load with Prometheus's own rule parser,
// every metric and label the rules and the Grafana dashboard's queries use
// is one the billing controller (or the notifier) registers, each alert
// fires on the series it is meant for and not on others, and the
// ServiceMonitor selects the controller's Service and port.
//
// It is a module of its own, as test/tools is: github.com/prometheus/prometheus
// would otherwise raise the root module's Go version and Prometheus client
// libraries for the sake of one test. make unit runs it.
package monitoring

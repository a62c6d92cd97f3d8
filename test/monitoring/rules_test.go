package monitoring

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

const (
	rulesFile          = "../../examples/monitoring/prometheusrule.yaml"
	dashboardFile      = "../../examples/monitoring/dashboard.json"
	serviceMonitorFile = "../../examples/monitoring/servicemonitor.yaml"
	serviceFile        = "../../examples/billing/service.yaml"
	controllerFile     = "../../examples/billing/controller.yaml"
)

var promql = parser.NewParser(parser.Options{})

// loadRules reads the PrometheusRule and parses its groups with
// Prometheus's own rule file parser, which also parses every expression and
// annotation template.
func loadRules(t *testing.T) *rulefmt.RuleGroups {
	t.Helper()
	b, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var obj struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Spec       json.RawMessage `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &obj); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" {
		t.Fatalf("%s: want a monitoring.coreos.com/v1 PrometheusRule, got %s %s", rulesFile, obj.APIVersion, obj.Kind)
	}
	spec, err := yaml.JSONToYAML(obj.Spec)
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(spec, false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatalf("%s: Prometheus refuses the rules: %v", rulesFile, errs)
	}
	return groups
}

// use is what a query uses of the metrics.
type use struct {
	// labels are the label names each metric is selected or matched by.
	labels map[string][]string
	// grouped are the labels an aggregation groups by or a binary
	// operation matches on, with the metrics under it.
	grouped []grouping
}

type grouping struct {
	labels  []string
	metrics []string
}

// uses parses expr and returns the metrics and labels it uses.
func uses(t *testing.T, what, expr string) use {
	t.Helper()
	e, err := promql.ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: PromQL %q: %v", what, expr, err)
	}
	u := use{labels: map[string][]string{}}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			name := n.Name
			var labels []string
			for _, m := range n.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					name = m.Value
					continue
				}
				labels = append(labels, m.Name)
			}
			u.labels[name] = append(u.labels[name], labels...)
		case *parser.AggregateExpr:
			if !n.Without && len(n.Grouping) > 0 {
				u.grouped = append(u.grouped, grouping{labels: n.Grouping, metrics: metricsUnder(n.Expr)})
			}
		case *parser.BinaryExpr:
			if vm := n.VectorMatching; vm != nil && vm.On && len(vm.MatchingLabels) > 0 {
				u.grouped = append(u.grouped, grouping{labels: vm.MatchingLabels, metrics: append(metricsUnder(n.LHS), metricsUnder(n.RHS)...)})
			}
		}
		return nil
	})
	return u
}

func metricsUnder(e parser.Node) []string {
	var out []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs.Name)
		}
		return nil
	})
	return out
}

// check reports every metric u uses that is not exported, and every label
// it selects, groups or matches by that the metric does not have.
func check(t *testing.T, what string, u use, fams map[string]family) {
	t.Helper()
	has := func(metric, label string) bool {
		labels, _ := series(fams, metric)
		return slices.Contains(labels, label) || slices.Contains(targetLabels, label)
	}
	for _, metric := range sortedKeys(u.labels) {
		if _, ok := series(fams, metric); !ok {
			t.Errorf("%s uses %s, which nothing exports", what, metric)
			continue
		}
		for _, l := range u.labels[metric] {
			if !has(metric, l) {
				t.Errorf("%s selects %s by %q, a label it does not have", what, metric, l)
			}
		}
	}
	for _, g := range u.grouped {
		for _, metric := range g.metrics {
			for _, l := range g.labels {
				if _, ok := series(fams, metric); ok && !has(metric, l) {
					t.Errorf("%s groups or matches %s by %q, a label it does not have", what, metric, l)
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestRules(t *testing.T) {
	fams := exported(t)
	groups := loadRules(t)
	var alerts []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			what := fmt.Sprintf("rule %s of group %s", r.Alert, g.Name)
			alerts = append(alerts, r.Alert)
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: want a severity label, a summary and a description", what)
			}
			u := uses(t, what, r.Expr)
			if len(u.labels) == 0 {
				t.Errorf("%s uses no metric", what)
			}
			check(t, what, u, fams)
		}
	}
	want := []string{"CloudSpaceBudgetExceeded", "CloudSpaceBudgetAtRisk", "CloudSpaceBillingDataStale", "CloudSpaceIngestFailing"}
	if diff := cmp.Diff(want, alerts); diff != "" {
		t.Errorf("%s: -want alerts, +got:\n%s", rulesFile, diff)
	}
}

// grafanaVar is a dashboard variable in a query: $name or ${name}.
var grafanaVar = regexp.MustCompile(`\$\{?(\w+)\}?`)

// substitute replaces the dashboard's variables as Grafana would before it
// sends a query: intervals by a duration, the team and space by "all".
func substitute(q string) string {
	return grafanaVar.ReplaceAllStringFunc(q, func(v string) string {
		switch strings.Trim(v, "${}") {
		case "__rate_interval", "__interval", "__range":
			return "5m"
		default:
			return ".*"
		}
	})
}

// labelValues is a Grafana template query: label_values(selector, label).
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)

func TestDashboard(t *testing.T) {
	fams := exported(t)
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title      string `json:"title"`
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	if dash.Title == "" || dash.UID == "" {
		t.Errorf("%s: want a title and a uid", dashboardFile)
	}
	var titles []string
	queries := 0
	for _, p := range flatten(dash.Panels) {
		titles = append(titles, p.Title)
		for _, tg := range p.Targets {
			queries++
			check(t, fmt.Sprintf("panel %q query %s", p.Title, tg.RefID), uses(t, p.Title, substitute(tg.Expr)), fams)
		}
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
	}
	for _, v := range dash.Templating.List {
		if v.Definition == "" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(selector, label)", v.Name, v.Definition)
			continue
		}
		u := uses(t, "variable "+v.Name, substitute(m[1]))
		for metric := range u.labels {
			u.labels[metric] = append(u.labels[metric], m[2])
		}
		check(t, "variable "+v.Name, u, fams)
	}
	// What the issue asks the dashboard to show, by panel.
	for _, want := range []string{"Spend this month by team", "Spend this month by space", "Budget used", "Forecast against budget", "Billing data age", "Ingest runs", "Tickets by channel"} {
		if !slices.Contains(titles, want) {
			t.Errorf("%s: no panel %q in %q", dashboardFile, want, titles)
		}
	}
	if queries < 15 {
		t.Errorf("%s: want the dashboard's queries checked, found only %d", dashboardFile, queries)
	}
}

type panel struct {
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

// flatten lists the panels and those of collapsed rows.
func flatten(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

// TestServiceMonitor checks that the ServiceMonitor selects the billing
// controller's Service, by label, namespace and port name, and that the
// Service selects the controller's pods and their metrics port.
func TestServiceMonitor(t *testing.T) {
	var sm struct {
		Kind     string
		Metadata struct{ Namespace string }
		Spec     struct {
			Selector          struct{ MatchLabels map[string]string }
			NamespaceSelector struct{ MatchNames []string }
			Endpoints         []struct {
				Port        string
				HonorLabels bool
			}
		}
	}
	var svc struct {
		Metadata struct {
			Namespace string
			Labels    map[string]string
		}
		Spec struct {
			Selector map[string]string
			Ports    []struct{ Name, TargetPort string }
		}
	}
	var dep struct {
		Metadata struct{ Namespace string }
		Spec     struct {
			Template struct {
				Metadata struct{ Labels map[string]string }
				Spec     struct {
					Containers []struct {
						Args  []string
						Ports []struct {
							Name          string
							ContainerPort int
						}
					}
				}
			}
		}
	}
	for file, into := range map[string]any{serviceMonitorFile: &sm, serviceFile: &svc, controllerFile: &dep} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	subset := func(sel, labels map[string]string) bool {
		for k, v := range sel {
			if labels[k] != v {
				return false
			}
		}
		return len(sel) > 0
	}
	if sm.Kind != "ServiceMonitor" || !subset(sm.Spec.Selector.MatchLabels, svc.Metadata.Labels) {
		t.Errorf("ServiceMonitor selector %v does not select the Service labelled %v", sm.Spec.Selector.MatchLabels, svc.Metadata.Labels)
	}
	if !slices.Contains(sm.Spec.NamespaceSelector.MatchNames, svc.Metadata.Namespace) || svc.Metadata.Namespace != dep.Metadata.Namespace {
		t.Errorf("ServiceMonitor looks in %v, the Service is in %q, the controller in %q", sm.Spec.NamespaceSelector.MatchNames, svc.Metadata.Namespace, dep.Metadata.Namespace)
	}
	if !subset(svc.Spec.Selector, dep.Spec.Template.Metadata.Labels) {
		t.Errorf("Service selector %v does not select the controller's pods labelled %v", svc.Spec.Selector, dep.Spec.Template.Metadata.Labels)
	}
	ports := map[string]string{}
	for _, p := range svc.Spec.Ports {
		ports[p.Name] = p.TargetPort
	}
	c := dep.Spec.Template.Spec.Containers[0]
	for _, e := range sm.Spec.Endpoints {
		target, ok := ports[e.Port]
		if !ok {
			t.Errorf("ServiceMonitor endpoint port %q is not a port of the Service (%v)", e.Port, ports)
			continue
		}
		found := false
		for _, p := range c.Ports {
			// The controller's default --metrics-bind-address is :8080.
			found = found || p.Name == target && p.ContainerPort == 8080 && !slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--metrics-bind-address") })
		}
		if !found {
			t.Errorf("Service port %q targets %q, which is not the controller's metrics port 8080", e.Port, target)
		}
		if !e.HonorLabels {
			t.Errorf("ServiceMonitor endpoint %q: want honorLabels, or the gauges' namespace label becomes exported_namespace", e.Port)
		}
	}
}

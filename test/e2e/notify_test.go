//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/notify"
	"github.com/cloudspace-dev/cloudspace/internal/notify/notifytest"
)

// scenarioNotify drives the space over budget and back by ingesting
// exports of the current month, with the billing controller's
// notifications on, running as its service account with the RBAC of
// examples/billing/, against a webhook receiver in the test: exactly one
// ticket opened when the budget is at risk, one comment when it is
// exceeded (the controller restarted in between), and one resolution after
// a corrected export.
func (e *env) scenarioNotify(t *testing.T, xr string) {
	billing := filepath.Join(e.bin, "function-cloudspace-billing")
	if !exists(billing) {
		t.Skip("function-cloudspace-billing is not built")
	}
	now := time.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if month.AddDate(0, 1, 0).Sub(now) < 15*time.Minute {
		t.Skip("the billing month ends within 15 minutes, which would resolve the ticket early")
	}
	period := month.Format("2006-01")

	secret := []byte("e2e-signing-secret")
	hook := notifytest.NewWebhook(secret)
	t.Cleanup(hook.Close)

	// Platform team: the controller's RBAC, the channel's Secret and the
	// team's notifications.
	for _, f := range []string{"rbac.yaml", "notify-rbac.yaml"} {
		e.run(t, "apply", "--server-side", "-f", filepath.Join(e.root, "examples", "billing", f))
	}
	e.run(t, "-n", xpNamespace, "create", "secret", "generic", "payments-webhook", "--from-literal=signingSecret="+string(secret))
	e.apply(t, fmt.Sprintf(`apiVersion: apiextensions.crossplane.io/v1beta1
kind: EnvironmentConfig
metadata:
  name: team-payments-notifications
  labels:
    platform.cloudspace.dev/team: payments
    platform.cloudspace.dev/config: notifications
data:
  notifications:
    claimURL: https://console.example.com/spaces/{namespace}/{name}
    channels:
    - name: e2e-hook
      type: webhook
      kinds: [budget]
      secretRef: {name: payments-webhook}
      webhook: {url: %q}
`, hook.URL))
	kubeconfig := e.serviceAccountKubeconfig(t, xpNamespace, "cloudspace-billing-ingester")

	export := filepath.Join(t.TempDir(), "focus.csv")
	start := time.Now()
	ingest := func(amount string) {
		t.Helper()
		writeFile(t, export, notifyExport(xr, month, amount))
		cmd := exec.Command(billing, "ingest", "--kubeconfig", e.kubeconfig, "--format", "focus", export)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ingest: %v\n%s", err, out)
		}
		t.Logf("%s: ingested %s USD", time.Since(start).Round(time.Second), amount)
	}
	budget := func(reason string) {
		t.Helper()
		eventually(t, "the claim's Budget to be "+reason, 3*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			if p, _ := field(obj, "status.billing.period").(string); p != period {
				return fmt.Errorf("status.billing.period %q, want %s", p, period)
			}
			if c := condition(obj, "Budget"); c == nil || c["reason"] != reason {
				return fmt.Errorf("Budget condition: %v", c)
			}
			return nil
		})
	}
	deliveries := func(want ...string) []notifytest.Delivery {
		t.Helper()
		var ds []notifytest.Delivery
		eventually(t, fmt.Sprintf("the deliveries %v", want), 2*time.Minute, func() error {
			ds = hook.Deliveries()
			got := make([]string, len(ds))
			for i, d := range ds {
				got[i] = d.Event
			}
			if !slices.Equal(got, want) {
				return fmt.Errorf("deliveries %v", got)
			}
			return nil
		})
		t.Logf("%s: delivered %v", time.Since(start).Round(time.Second), want)
		return ds
	}

	// At risk: 40 USD on the first day forecasts over 90% of 1200 USD.
	ingest("40.00")
	budget("BudgetAtRisk")
	ctrl := e.startNotifier(t, "billing-controller-1", billing, kubeconfig, export)
	t.Cleanup(func() { ctrl.stop(t) })
	ds := deliveries("ticket.opened")
	key := fmt.Sprintf("cloudspace/%s/%s/budget/e2e-hook/1", xr, period)
	cs, _ := ds[0].Payload["cloudspace"].(map[string]any)
	claim, _ := cs["claim"].(map[string]any)
	if cs["key"] != key || cs["level"] != "Warning" || cs["team"] != "payments" || claim["name"] != "checkout" ||
		cs["claimURL"] != "https://console.example.com/spaces/team-payments/checkout" || cs["describe"] != "kubectl describe cloudspace -n team-payments checkout" {
		t.Errorf("ticket.opened: %v", cs)
	}
	if text, _ := ds[0].Payload["text"].(string); !strings.Contains(text, "Billed to date: 40.00 USD") || !strings.Contains(text, "Amazon Elastic Compute Cloud: 40.00 USD") {
		t.Errorf("ticket.opened text lacks the figures or the top contributor: %s", text)
	}
	t.Logf("opened: %s", ds[0].Payload["text"])
	// The controller confirms a call in the ticket record, then reports it
	// in an event, both after the channel has answered: wait for them, as
	// a pod stopped within that window would leave the record pending and
	// its event unsent (the next process redoes the call, idempotently).
	records := func(want string) {
		t.Helper()
		eventually(t, "the ticket record to be "+want, time.Minute, func() error {
			rec, err := e.try("-n", xpNamespace, "get", "configmap", "-l", "notify.cloudspace.dev/space="+xr, "-o", "jsonpath={.items[*].data.state}")
			if err != nil {
				return err
			}
			if rec = strings.TrimSpace(rec); rec != want {
				return fmt.Errorf("ticket records' states: %q, want one %s", rec, want)
			}
			return nil
		})
	}
	reported := func(reasons ...string) {
		t.Helper()
		eventually(t, fmt.Sprintf("the events %v on the XCloudSpace", reasons), time.Minute, func() error {
			events, err := e.try("-n", "default", "get", "events", "--field-selector", "involvedObject.name="+xr, "-o", "jsonpath={.items[*].reason}")
			if err != nil {
				return err
			}
			for _, r := range reasons {
				if !strings.Contains(events, r) {
					return fmt.Errorf("events on the XCloudSpace: %q, want %s", events, r)
				}
			}
			return nil
		})
	}
	records(v1alpha1.StateOpen)
	reported(notify.EventTicketOpened)

	// The controller restarts: the open ticket is not opened again.
	ctrl.stop(t)
	ctrl = e.startNotifier(t, "billing-controller-2", billing, kubeconfig, export)
	ctrl.reconciled(t)

	// Exceeded: 1300 USD on the first day. One comment.
	ingest("1300.00")
	budget("BudgetExceeded")
	ds = deliveries("ticket.opened", "ticket.updated")
	if cs, _ := ds[1].Payload["cloudspace"].(map[string]any); cs["key"] != key || cs["level"] != "Critical" {
		t.Errorf("ticket.updated: %v", cs)
	}

	// A corrected export: 10 USD, healthy. One resolution.
	ingest("10.00")
	budget("BudgetHealthy")
	ds = deliveries("ticket.opened", "ticket.updated", "ticket.resolved")
	if cs, _ := ds[2].Payload["cloudspace"].(map[string]any); cs["key"] != key {
		t.Errorf("ticket.resolved: %v", cs)
	}
	records(v1alpha1.StateResolved)
	reported(notify.EventTicketOpened, notify.EventTicketUpdated, notify.EventTicketResolved)
	eventually(t, "cloudspace_tickets_resolved_total to be 1", time.Minute, func() error {
		if got := ctrl.metric(t, `cloudspace_tickets_resolved_total{channel="webhook"}`); got != 1 {
			return fmt.Errorf("cloudspace_tickets_resolved_total = %v, want 1", got)
		}
		return nil
	})
	time.Sleep(3 * time.Second) // Nothing more comes.
	if n := len(hook.Deliveries()); n != 3 {
		t.Errorf("%d deliveries, want exactly 3", n)
	}
	// A delivery retried after a timeout, or redone by the restarted
	// controller, has the same Idempotency-Key and is dropped.
	t.Logf("%d requests, %d duplicates dropped by their Idempotency-Key", len(hook.Requests()), hook.Duplicates())
	for _, r := range hook.Requests() {
		if r.Header.Get("X-Cloudspace-Signature") == "" || r.Header.Get("Idempotency-Key") == "" {
			t.Errorf("unsigned or unkeyed delivery: %v", r.Header)
		}
	}
}

// notifier is a running billing controller with notifications on.
type notifier struct {
	cmd     *exec.Cmd
	metrics string
	stopped bool
}

// startNotifier starts the billing controller with --notify, as the
// service account's kubeconfig, re-ingesting export (which the test
// ingests too, so that its own runs change nothing).
func (e *env) startNotifier(t *testing.T, name, billing, kubeconfig, export string) *notifier {
	t.Helper()
	n := &notifier{metrics: "127.0.0.1:" + itoa(freePort(t))}
	health := "127.0.0.1:" + itoa(freePort(t))
	n.cmd = e.procs.start(t, name, nil, billing, "controller",
		"--kubeconfig", kubeconfig, "--source", export, "--format", "focus", "--interval", "1h",
		"--leader-election-namespace", xpNamespace, "--metrics-bind-address", n.metrics, "--health-probe-bind-address", health,
		"--notify", "--notify-config-namespace", xpNamespace, "--notify-timeout", "5s", "--notify-retry-for", "20s", "--debug")
	waitHTTP(t, "the billing controller's /readyz", http.DefaultClient, "http://"+health+"/readyz", time.Minute)
	return n
}

// stop stops the controller with SIGTERM, as a pod is stopped.
func (n *notifier) stop(t *testing.T) {
	t.Helper()
	if n.stopped {
		return
	}
	n.stopped = true
	_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// metric reads one sample from the controller's metrics endpoint.
func (n *notifier) metric(t *testing.T, name string) float64 {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+n.metrics+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(rsp.Body)
	if err != nil {
		return -1
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+]+)$`).FindStringSubmatch(string(b))
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// reconciled waits until the controller holds the lease and has
// reconciled the spaces.
func (n *notifier) reconciled(t *testing.T) {
	t.Helper()
	eventually(t, "the restarted controller to reconcile", 2*time.Minute, func() error {
		// A space with an open ticket is requeued for the month's end.
		ok := n.metric(t, `controller_runtime_reconcile_total{controller="notify",result="success"}`)
		later := n.metric(t, `controller_runtime_reconcile_total{controller="notify",result="requeue_after"}`)
		if ok+later < 1 {
			return fmt.Errorf("notify reconciles: %v succeeded, %v requeued", ok, later)
		}
		return nil
	})
}

// serviceAccountKubeconfig writes a kubeconfig with a token of a service
// account, so that the controller runs with its own RBAC only.
func (e *env) serviceAccountKubeconfig(t *testing.T, ns, sa string) string {
	t.Helper()
	token := strings.TrimSpace(e.run(t, "-n", ns, "create", "token", sa, "--duration", "1h"))
	server := e.run(t, "config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}")
	ca := e.run(t, "config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}")
	f := filepath.Join(e.dir, sa+".kubeconfig")
	writeFile(t, f, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: %s, certificate-authority-data: %s}
users:
- name: %s
  user: {token: %s}
contexts:
- name: e2e
  context: {cluster: e2e, user: %s, namespace: %s}
current-context: e2e
`, server, ca, sa, token, sa, ns)))
	if err := os.Chmod(f, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// notifyExport is a FOCUS 1.2 export of the month for the space xr: one
// day's charge of amount USD on the month's first day.
func notifyExport(xr string, month time.Time, amount string) []byte {
	const day = "2006-01-02T15:04:05Z"
	var b strings.Builder
	b.WriteString("BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,ListCost,ProviderName,ResourceId,ServiceName,SubAccountId,Tags\n")
	fmt.Fprintf(&b, "%s,111111111111,USD,%s,%s,Usage,%s,%s,%s,%s,%s,AWS,i-0notify,Amazon Elastic Compute Cloud,222222222222,\"{\"\"cloudspace\"\":\"\"%s\"\"}\"\n",
		amount, month.AddDate(0, 1, 0).Format(day), month.Format(day), month.AddDate(0, 0, 1).Format(day), month.Format(day), amount, amount, amount, xr)
	return []byte(b.String())
}

package notify

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/notify/notifytest"
)

const (
	testNS    = "cloudspace-system"
	testSpace = "checkout-x1"
)

// env is a fake cluster with one space of team payments, the team's
// notifications, a Jira site and a webhook receiver on loopback, and a
// reconciler with a clock of its own.
type env struct {
	t      *testing.T
	scheme *runtime.Scheme
	c      client.WithWatch
	jira   *notifytest.Jira
	hook   *notifytest.Webhook
	now    time.Time
	events *events.FakeRecorder
	m      *Metrics
	xr     *unstructured.Unstructured
}

func addUnstructured(s *runtime.Scheme, gvk schema.GroupVersionKind) {
	s.AddKnownTypeWithName(gvk, &unstructured.Unstructured{})
	l := gvk
	l.Kind += "List"
	s.AddKnownTypeWithName(l, &unstructured.UnstructuredList{})
}

// channels of the team: kinds per channel name ("jira", "hook").
func newEnv(t *testing.T, channels map[string][]string, funcs *interceptor.Funcs) *env {
	t.Helper()
	e := &env{t: t, now: time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC), events: events.NewFakeRecorder(100), m: newTestMetrics(t)}
	e.jira = notifytest.NewJira("bot@example.com", "api-token", "PAY")
	e.hook = notifytest.NewWebhook([]byte("hmac"))
	t.Cleanup(e.jira.Close)
	t.Cleanup(e.hook.Close)

	e.scheme = runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(e.scheme); err != nil {
		t.Fatal(err)
	}
	addUnstructured(e.scheme, XCloudSpaceGVK)
	addUnstructured(e.scheme, EnvironmentConfigGVK)

	var chans []any
	for _, name := range []string{"jira", "hook"} {
		kinds, ok := channels[name]
		if !ok {
			continue
		}
		ks := make([]any, len(kinds))
		for i, k := range kinds {
			ks[i] = k
		}
		c := map[string]any{"name": name, "kinds": ks, "secretRef": map[string]any{"name": name + "-creds"}}
		if name == "jira" {
			c["type"], c["jira"] = "jira", map[string]any{"url": e.jira.URL, "project": "PAY"}
		} else {
			c["type"], c["webhook"] = "webhook", map[string]any{"url": e.hook.URL}
		}
		chans = append(chans, c)
	}
	team := &unstructured.Unstructured{Object: map[string]any{"data": map[string]any{
		"namespaces": []any{"team-payments"},
		"notifications": map[string]any{
			"claimURL": "https://console.example.com/spaces/{namespace}/{name}",
			"channels": chans,
		},
	}}}
	team.SetGroupVersionKind(EnvironmentConfigGVK)
	team.SetName("team-payments")
	team.SetLabels(map[string]string{"platform.cloudspace.dev/team": "payments"})

	spend := &unstructured.Unstructured{Object: map[string]any{"data": map[string]any{
		"space": testSpace, "period": "2026-12", "currency": "USD", "billedCost": "1300", "effectiveCost": "1200", "listCost": "1400", "rows": int64(3),
		"costByService": []any{
			map[string]any{"service": "Amazon S3", "billedCost": "100", "effectiveCost": "100"},
			map[string]any{"service": "Amazon Elastic Compute Cloud", "billedCost": "1200", "effectiveCost": "1100"},
		},
		"costByResource": []any{map[string]any{"resourceId": "i-0abc", "billedCost": "1200", "effectiveCost": "1100"}},
	}}}
	spend.SetGroupVersionKind(EnvironmentConfigGVK)
	spend.SetName("spend-" + testSpace + "-2026-12")

	secrets := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "jira-creds"}, Data: map[string][]byte{"email": []byte("bot@example.com"), "apiToken": []byte("api-token")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "hook-creds"}, Data: map[string][]byte{"signingSecret": []byte("hmac")}},
	}
	e.xr = &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"team": "payments", "owner": "lead@example.com", "environment": "dev",
			"budget":   map[string]any{"monthlyLimit": "1200.00", "currency": "USD"},
			"claimRef": map[string]any{"apiVersion": "platform.cloudspace.dev/v1alpha1", "kind": "CloudSpace", "namespace": "team-payments", "name": "checkout"},
		},
		"status": map[string]any{"billing": map[string]any{"period": "2026-12", "currency": "USD", "billedToDate": "1300.00", "forecast": "4030.00"}},
	}}
	e.xr.SetGroupVersionKind(XCloudSpaceGVK)
	e.xr.SetName(testSpace)
	b := fake.NewClientBuilder().WithScheme(e.scheme).WithObjects(append(secrets, team, spend, e.xr)...)
	if funcs != nil {
		b = b.WithInterceptorFuncs(*funcs)
	}
	e.c = b.Build()
	e.set(TypeBudget, "True", ReasonBudgetHealthy)
	return e
}

// reconciler returns a reconciler of the process named id.
func (e *env) reconciler(id string) *Reconciler {
	return &Reconciler{
		Client: e.c, Reader: e.c, Events: e.events, Namespace: testNS, TeamLabel: "platform.cloudspace.dev/team",
		Deps:    ChannelDeps{HTTP: &http.Client{}, Policy: testPolicy, Tokens: &TokenCache{}},
		Metrics: e.m, Now: func() time.Time { return e.now }, Identity: id, Lease: 5 * time.Minute,
	}
}

// set sets one condition of the space, as the billing function would,
// changed now.
func (e *env) set(typ, status, reason string) {
	e.t.Helper()
	e.setAt(typ, status, reason, e.now)
}

// setAt sets one condition of the space with the last transition time at,
// as Crossplane stamps it.
func (e *env) setAt(typ, status, reason string, at time.Time) {
	e.t.Helper()
	x := &unstructured.Unstructured{}
	x.SetGroupVersionKind(XCloudSpaceGVK)
	if err := e.c.Get(context.Background(), client.ObjectKey{Name: testSpace}, x); err != nil {
		e.t.Fatal(err)
	}
	cs, _, _ := unstructured.NestedSlice(x.Object, "status", "conditions")
	var out []any
	for _, c := range cs {
		if c.(map[string]any)["type"] != typ {
			out = append(out, c)
		}
	}
	out = append(out, map[string]any{"type": typ, "status": status, "reason": reason, "message": typ + " is " + reason, "lastTransitionTime": at.UTC().Format(time.RFC3339)})
	if err := unstructured.SetNestedSlice(x.Object, out, "status", "conditions"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.c.Update(context.Background(), x); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) setPeriod(p string) {
	e.t.Helper()
	x := &unstructured.Unstructured{}
	x.SetGroupVersionKind(XCloudSpaceGVK)
	if err := e.c.Get(context.Background(), client.ObjectKey{Name: testSpace}, x); err != nil {
		e.t.Fatal(err)
	}
	_ = unstructured.SetNestedField(x.Object, p, "status", "billing", "period")
	if err := e.c.Update(context.Background(), x); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) reconcile(r *Reconciler) reconcile.Result {
	e.t.Helper()
	res, err := r.Reconcile(e.t.Context(), reconcile.Request{NamespacedName: client.ObjectKey{Name: testSpace}})
	if err != nil {
		e.t.Fatalf("Reconcile(): %v", err)
	}
	return res
}

// records returns the ticket records, by kind/period/channel.
func (e *env) records() map[string]*v1alpha1.Record {
	e.t.Helper()
	l := &corev1.ConfigMapList{}
	if err := e.c.List(e.t.Context(), l, client.InNamespace(testNS)); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*v1alpha1.Record{}
	for i := range l.Items {
		r, err := RecordFrom(&l.Items[i])
		if err != nil {
			e.t.Fatal(err)
		}
		out[r.Kind+"/"+r.Period+"/"+r.Channel] = r
	}
	return out
}

// state returns the state, seq and level of each record, compactly.
func (e *env) state() map[string]string {
	out := map[string]string{}
	for k, r := range e.records() {
		s := r.State + " " + r.Level
		if r.Op != "" {
			s += " " + r.Op
		}
		if r.Reason != "" {
			s += " " + r.Reason
		}
		if r.Seq != 1 {
			s += " seq" + string(rune('0'+r.Seq))
		}
		out[k] = s
	}
	return out
}

func (e *env) drainEvents() []string {
	var out []string
	for {
		select {
		case ev := <-e.events.Events:
			f := strings.Fields(ev)
			out = append(out, f[0]+" "+f[1])
		default:
			return out
		}
	}
}

func (e *env) counters(typ string) [4]float64 {
	return [4]float64{counter(e.t, e.m.Opened, typ), counter(e.t, e.m.Updated, typ), counter(e.t, e.m.Resolved, typ), counter(e.t, e.m.Failed, typ)}
}

// TestReconcileBudgetLifecycle drives one space through healthy, at risk,
// exceeded and healthy again, seeing each state twice.
func TestReconcileBudgetLifecycle(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}, "hook": {v1alpha1.KindBudget}}, nil)
	r := e.reconciler("a")
	steps := []struct {
		reason string
		status string
		cond   string
		want   map[string]string
		events []string
	}{
		{"Healthy: nothing.", "True", ReasonBudgetHealthy, map[string]string{}, nil},
		{"At risk: a ticket on each channel.", "False", ReasonBudgetAtRisk,
			map[string]string{"budget/2026-12/jira": "Open Warning", "budget/2026-12/hook": "Open Warning"}, []string{"Normal TicketOpened", "Normal TicketOpened"}},
		{"Exceeded: a comment on each.", "False", ReasonBudgetExceeded,
			map[string]string{"budget/2026-12/jira": "Open Critical", "budget/2026-12/hook": "Open Critical"}, []string{"Normal TicketUpdated", "Normal TicketUpdated"}},
		{"Healthy again: resolved.", "True", ReasonBudgetHealthy,
			map[string]string{"budget/2026-12/jira": "Resolved Critical Healthy", "budget/2026-12/hook": "Resolved Critical Healthy"}, []string{"Normal TicketResolved", "Normal TicketResolved"}},
	}
	for _, s := range steps {
		e.set(TypeBudget, s.status, s.cond)
		for i := range 2 { // Each state is seen twice: the second changes nothing.
			e.reconcile(r)
			if diff := cmp.Diff(s.want, e.state()); diff != "" {
				t.Errorf("%s (seen %d times)\nrecords: -want, +got:\n%s", s.reason, i+1, diff)
			}
			if diff := cmp.Diff(s.events, e.drainEvents()); i == 0 && diff != "" {
				t.Errorf("%s\nevents: -want, +got:\n%s", s.reason, diff)
			}
		}
	}
	issues := e.jira.Issues()
	if len(issues) != 1 {
		t.Fatalf("%d Jira issues, want 1", len(issues))
	}
	is := issues["PAY-1"]
	if is.Status != "Done" || len(is.Comments) != 2 {
		t.Errorf("PAY-1: status %q, %d comments; want Done with the worsening and the resolution", is.Status, len(is.Comments))
	}
	if desc := string(e.jira.Calls(http.MethodPost, "/rest/api/3/issue")[0].Body); !contains(desc,
		"Amazon Elastic Compute Cloud: 1200.00 USD", "i-0abc: 1200.00 USD", "Billed to date", "1300.00 USD",
		"https://console.example.com/spaces/team-payments/checkout", "kubectl describe cloudspace -n team-payments checkout", "lead@example.com") {
		t.Errorf("the issue lacks figures, contributors or links: %s", desc)
	}
	var events []string
	for _, d := range e.hook.Deliveries() {
		events = append(events, d.Event)
	}
	if diff := cmp.Diff([]string{EventOpened, EventUpdated, EventResolved}, events); diff != "" {
		t.Errorf("webhook deliveries: -want, +got:\n%s", diff)
	}
	for _, typ := range []string{"jira", "webhook"} {
		if diff := cmp.Diff([4]float64{1, 1, 1, 0}, e.counters(typ)); diff != "" {
			t.Errorf("%s opened, updated, resolved, failed: -want, +got:\n%s", typ, diff)
		}
	}
}

func TestReconcileMonthEnd(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, nil)
	r := e.reconciler("a")
	e.set(TypeBudget, "False", ReasonBudgetExceeded)
	res := e.reconcile(r)
	if want := 21*24*time.Hour + 12*time.Hour + time.Second; res.RequeueAfter != want {
		t.Errorf("RequeueAfter %s, want the end of the month, %s", res.RequeueAfter, want)
	}
	// The month ends; the space still reports December, exceeded.
	e.now = time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC)
	e.reconcile(r)
	if diff := cmp.Diff(map[string]string{"budget/2026-12/jira": "Resolved Critical MonthEnded"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
	// January's data arrives, healthy: nothing more.
	e.setPeriod("2027-01")
	e.set(TypeBudget, "True", ReasonBudgetHealthy)
	e.reconcile(r)
	if n := len(e.jira.Issues()); n != 1 || e.jira.Issues()["PAY-1"].Status != "Done" {
		t.Errorf("want the one issue, done: %v", e.jira.Issues())
	}
	if diff := cmp.Diff([]string{"Normal TicketOpened", "Normal TicketResolved"}, e.drainEvents()); diff != "" {
		t.Errorf("events: -want, +got:\n%s", diff)
	}
}

func TestReconcileStaleAndDrift(t *testing.T) {
	e := newEnv(t, map[string][]string{"hook": {v1alpha1.KindDrift, v1alpha1.KindStale}}, nil)
	r := e.reconciler("a")
	e.set(TypeCostDrift, "True", ReasonAboveEstimate)
	e.set(TypeBillingDataStale, "True", ReasonStale)
	e.reconcile(r)
	if diff := cmp.Diff(map[string]string{"drift/2026-12/hook": "Open Warning", "stale/2026-12/hook": "Open Warning"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
	e.set(TypeCostDrift, "False", ReasonWithinTolerance)
	e.set(TypeBillingDataStale, "False", ReasonFresh)
	e.reconcile(r)
	if diff := cmp.Diff(map[string]string{"drift/2026-12/hook": "Resolved Warning Healthy", "stale/2026-12/hook": "Resolved Warning Healthy"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
	// Stale again the next month, with the data still of December: a new
	// ticket of January (the clock's month), none of December.
	e.now = time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC)
	e.set(TypeBillingDataStale, "True", ReasonStale)
	e.reconcile(r)
	if got := e.state()["stale/2027-01/hook"]; got != "Open Warning" {
		t.Errorf("stale ticket of January: %q, want Open Warning", got)
	}
	if n := len(e.hook.Deliveries()); n != 5 {
		t.Errorf("%d deliveries, want 5 (2 opened, 2 resolved, 1 opened)", n)
	}
}

// TestReconcileReopen: a problem that comes back after its ticket was
// resolved, in the same month, opens a new ticket with a new key. Each
// change comes a minute after the last (in the second of a resolution, the
// level it was resolved from reads as an older copy of the status).
func TestReconcileReopen(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, nil)
	r := e.reconciler("a")
	for _, c := range []string{ReasonBudgetAtRisk, ReasonBudgetHealthy, ReasonBudgetAtRisk} {
		e.now = e.now.Add(time.Minute)
		status := "False"
		if c == ReasonBudgetHealthy {
			status = "True"
		}
		e.set(TypeBudget, status, c)
		e.reconcile(r)
	}
	if diff := cmp.Diff(map[string]string{"budget/2026-12/jira": "Open Warning seq2"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
	is := e.jira.Issues()
	if len(is) != 2 || is["PAY-1"].Status != "Done" || is["PAY-2"].Status != "To Do" || is["PAY-1"].Labels[0] == is["PAY-2"].Labels[0] {
		t.Errorf("want PAY-1 done and PAY-2 open, with labels of different keys: %d issues", len(is))
	}
}

// TestReconcileOutdatedStatus: Crossplane now and then writes a
// composite's status from an older copy, for a moment. A problem condition
// that changed before the resolution does not open a new ticket; one that
// changed after it does.
func TestReconcileOutdatedStatus(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, nil)
	r := e.reconciler("a")
	exceeded := e.now
	e.set(TypeBudget, "False", ReasonBudgetExceeded)
	e.reconcile(r)
	e.now = e.now.Add(time.Minute)
	e.set(TypeBudget, "True", ReasonBudgetHealthy)
	e.reconcile(r)
	e.now = e.now.Add(time.Second)
	e.setAt(TypeBudget, "False", ReasonBudgetExceeded, exceeded)
	e.reconcile(r)
	if diff := cmp.Diff(map[string]string{"budget/2026-12/jira": "Resolved Critical Healthy"}, e.state()); diff != "" {
		t.Errorf("after the outdated status: -want, +got:\n%s", diff)
	}
	if n := len(e.jira.Issues()); n != 1 {
		t.Errorf("after the outdated status: %d issues, want 1", n)
	}
	e.now = e.now.Add(time.Minute)
	e.set(TypeBudget, "False", ReasonBudgetExceeded)
	e.reconcile(r)
	if diff := cmp.Diff(map[string]string{"budget/2026-12/jira": "Open Critical seq2"}, e.state()); diff != "" {
		t.Errorf("after a new Exceeded: -want, +got:\n%s", diff)
	}
}

// TestReconcileGone: a ticket deleted by hand is marked gone and is not
// recreated, however often the space is seen over budget.
func TestReconcileGone(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, nil)
	r := e.reconciler("a")
	e.set(TypeBudget, "False", ReasonBudgetAtRisk)
	e.reconcile(r)
	e.jira.Delete("PAY-1")
	e.set(TypeBudget, "False", ReasonBudgetExceeded)
	for range 3 {
		e.reconcile(r)
	}
	if diff := cmp.Diff(map[string]string{"budget/2026-12/jira": "Gone Critical"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
	if n := len(e.jira.Calls(http.MethodPost, "/rest/api/3/issue")); n != 1 {
		t.Errorf("%d creates, want 1: a deleted ticket is not recreated", n)
	}
	e.set(TypeBudget, "True", ReasonBudgetHealthy)
	e.reconcile(r)
	if n := len(e.jira.Requests()); n != 3 {
		t.Errorf("%d Jira requests, want 3 (search, create, the comment listing that 404s; nothing more)", n)
	}
	if diff := cmp.Diff([]string{"Normal TicketOpened", "Normal TicketGone"}, e.drainEvents()); diff != "" {
		t.Errorf("events: -want, +got:\n%s", diff)
	}
}

// TestReconcileRestartBetweenPendingAndConfirm: the process dies after the
// call and before it confirmed it. The next process waits out the lease,
// redoes the open, and the channel's idempotency gives back the same
// ticket.
func TestReconcileRestartBetweenPendingAndConfirm(t *testing.T) {
	var crash bool
	funcs := &interceptor.Funcs{Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
		if cm, ok := obj.(*corev1.ConfigMap); ok && crash && cm.Data["state"] != v1alpha1.StatePending {
			return errors.New("connection refused: the process died")
		}
		return c.Update(ctx, obj, opts...)
	}}
	for _, ch := range []string{"jira", "hook"} {
		t.Run(ch, func(t *testing.T) {
			e := newEnv(t, map[string][]string{ch: {v1alpha1.KindBudget}}, funcs)
			crash = true
			e.set(TypeBudget, "False", ReasonBudgetAtRisk)
			a := e.reconciler("a")
			if _, err := a.Reconcile(t.Context(), reconcile.Request{NamespacedName: client.ObjectKey{Name: testSpace}}); err == nil {
				t.Fatal("Reconcile(): want the confirm's error")
			}
			crash = false
			if diff := cmp.Diff(map[string]string{"budget/2026-12/" + ch: "Pending Warning Open"}, e.state()); diff != "" {
				t.Fatalf("records after the crash: -want, +got:\n%s", diff)
			}
			b := e.reconciler("b")
			e.now = e.now.Add(time.Minute)
			if res := e.reconcile(b); res.RequeueAfter != 4*time.Minute {
				t.Errorf("within a's lease, b waits: RequeueAfter %s, want 4m", res.RequeueAfter)
			}
			e.now = e.now.Add(5 * time.Minute)
			e.reconcile(b)
			if diff := cmp.Diff(map[string]string{"budget/2026-12/" + ch: "Open Warning"}, e.state()); diff != "" {
				t.Errorf("records after the recovery: -want, +got:\n%s", diff)
			}
			switch ch {
			case "jira":
				if n := len(e.jira.Issues()); n != 1 || len(e.jira.Calls(http.MethodPost, "/rest/api/3/issue")) != 1 {
					t.Errorf("%d issues, %d creates; want the one issue, found by its label", n, len(e.jira.Calls(http.MethodPost, "/rest/api/3/issue")))
				}
				if e.records()["budget/2026-12/jira"].ExternalID != "PAY-1" {
					t.Errorf("the record must name PAY-1: %+v", e.records())
				}
			case "hook":
				if n := len(e.hook.Deliveries()); n != 1 || e.hook.Duplicates() != 1 {
					t.Errorf("%d deliveries, %d duplicates; want one delivery, the redo dropped by its key", n, e.hook.Duplicates())
				}
			}
		})
	}
}

// blocking holds a channel's Open until released, as a slow call would.
type blocking struct {
	Channel
	started, release chan struct{}
}

func (b *blocking) Open(ctx context.Context, t *Ticket) (Ref, error) {
	close(b.started)
	<-b.release
	return b.Channel.Open(ctx, t)
}

// stopping cancels the reconcile's context as soon as its call is done, as
// a SIGTERM would.
type stopping struct {
	Channel
	cancel context.CancelFunc
}

func (s *stopping) Open(ctx context.Context, t *Ticket) (Ref, error) {
	ref, err := s.Channel.Open(ctx, t)
	s.cancel()
	return ref, err
}

// TestReconcileStopAfterCall: a controller stopped right after a call
// still confirms it, so its successor does not wait out the lease.
func TestReconcileStopAfterCall(t *testing.T) {
	// The API server client fails a request whose context is done.
	funcs := &interceptor.Funcs{Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return c.Update(ctx, obj, opts...)
	}}
	e := newEnv(t, map[string][]string{"hook": {v1alpha1.KindBudget}}, funcs)
	e.set(TypeBudget, "False", ReasonBudgetAtRisk)
	r := e.reconciler("a")
	ctx, cancel := context.WithCancel(t.Context())
	r.NewChannel = func(c v1alpha1.Channel, s map[string][]byte, d ChannelDeps) (Channel, error) {
		ch, err := NewChannel(c, s, d)
		return &stopping{Channel: ch, cancel: cancel}, err
	}
	if _, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKey{Name: testSpace}}); err != nil {
		t.Fatalf("Reconcile(): %v", err)
	}
	if diff := cmp.Diff(map[string]string{"budget/2026-12/hook": "Open Warning"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
}

// TestReconcileTwoReplicas: two processes at once, on the same record.
func TestReconcileTwoReplicas(t *testing.T) {
	t.Run("OneCallsWhileTheOtherWaits", func(t *testing.T) {
		e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, nil)
		e.set(TypeBudget, "False", ReasonBudgetAtRisk)
		a, b := e.reconciler("a"), e.reconciler("b")
		blk := &blocking{started: make(chan struct{}), release: make(chan struct{})}
		a.NewChannel = func(c v1alpha1.Channel, s map[string][]byte, d ChannelDeps) (Channel, error) {
			ch, err := NewChannel(c, s, d)
			blk.Channel = ch
			return blk, err
		}
		var wg sync.WaitGroup
		wg.Go(func() { e.reconcile(a) })
		<-blk.started
		// a's call is in flight: b sees a's pending record and waits.
		if res := e.reconcile(b); res.RequeueAfter != 5*time.Minute {
			t.Errorf("b: RequeueAfter %s, want a's lease, 5m", res.RequeueAfter)
		}
		close(blk.release)
		wg.Wait()
		e.reconcile(b)
		if n := len(e.jira.Calls(http.MethodPost, "/rest/api/3/issue")); n != 1 {
			t.Errorf("%d creates, want 1", n)
		}
		if diff := cmp.Diff(map[string]string{"budget/2026-12/jira": "Open Warning"}, e.state()); diff != "" {
			t.Errorf("records: -want, +got:\n%s", diff)
		}
	})
	t.Run("CreateRace", func(t *testing.T) {
		// b listed the records before a created its own: b's create fails
		// with AlreadyExists and b makes no call.
		var stale bool
		funcs := &interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
			if _, ok := l.(*corev1.ConfigMapList); ok && stale {
				return nil
			}
			return c.List(ctx, l, opts...)
		}}
		e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, funcs)
		e.set(TypeBudget, "False", ReasonBudgetAtRisk)
		e.reconcile(e.reconciler("a"))
		stale = true
		if res := e.reconcile(e.reconciler("b")); res.RequeueAfter != time.Second {
			t.Errorf("b: RequeueAfter %s, want a prompt retry after the conflict", res.RequeueAfter)
		}
		if n := len(e.jira.Calls(http.MethodPost, "/rest/api/3/issue")); n != 1 {
			t.Errorf("%d creates, want 1", n)
		}
	})
	t.Run("UpdateRace", func(t *testing.T) {
		// b read the record open at risk; a commented and confirmed
		// meanwhile. b's pending write conflicts on the resource version.
		var snapshot *corev1.ConfigMapList
		funcs := &interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
			if cl, ok := l.(*corev1.ConfigMapList); ok && snapshot != nil {
				snapshot.DeepCopyInto(cl)
				return nil
			}
			return c.List(ctx, l, opts...)
		}}
		e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, funcs)
		e.set(TypeBudget, "False", ReasonBudgetAtRisk)
		e.reconcile(e.reconciler("a"))
		snap := &corev1.ConfigMapList{}
		if err := e.c.List(t.Context(), snap, client.InNamespace(testNS)); err != nil {
			t.Fatal(err)
		}
		e.set(TypeBudget, "False", ReasonBudgetExceeded)
		e.reconcile(e.reconciler("a"))
		snapshot = snap
		if res := e.reconcile(e.reconciler("b")); res.RequeueAfter != time.Second {
			t.Errorf("b: RequeueAfter %s, want a prompt retry after the conflict", res.RequeueAfter)
		}
		if n := len(e.jira.Issues()["PAY-1"].Comments); n != 1 {
			t.Errorf("%d comments, want 1", n)
		}
	})
}

func TestReconcileFailureAndRecovery(t *testing.T) {
	e := newEnv(t, map[string][]string{"hook": {v1alpha1.KindBudget}}, nil)
	r := e.reconciler("a")
	r.Deps.Policy.MaxElapsed = 50 * time.Millisecond
	for range 1000 {
		e.hook.Fail("", "/", notifytest.Fault{Status: http.StatusBadGateway})
	}
	e.set(TypeBudget, "False", ReasonBudgetExceeded)
	res := e.reconcile(r)
	if res.RequeueAfter != 30*time.Second {
		t.Errorf("RequeueAfter %s, want the first failure's backoff, 30s", res.RequeueAfter)
	}
	rec := e.records()["budget/2026-12/hook"]
	if rec.State != v1alpha1.StatePending || rec.Failures != 1 || !strings.Contains(rec.LastError, "HTTP 502") {
		t.Errorf("record after a failure: %+v", rec)
	}
	if diff := cmp.Diff([4]float64{0, 0, 0, 1}, e.counters("webhook")); diff != "" {
		t.Errorf("counters: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Warning TicketFailed"}, e.drainEvents()); diff != "" {
		t.Errorf("events: -want, +got:\n%s", diff)
	}
	if res := e.reconcile(r); res.RequeueAfter != time.Minute {
		t.Errorf("RequeueAfter %s after the second failure, want 1m", res.RequeueAfter)
	}
	e.hook.Close()
	e.hook = notifytest.NewWebhook([]byte("hmac"))
	defer e.hook.Close()
	// The receiver moved; the team's config follows it.
	team := &unstructured.Unstructured{}
	team.SetGroupVersionKind(EnvironmentConfigGVK)
	if err := e.c.Get(t.Context(), client.ObjectKey{Name: "team-payments"}, team); err != nil {
		t.Fatal(err)
	}
	chans, _, _ := unstructured.NestedSlice(team.Object, "data", "notifications", "channels")
	chans[0].(map[string]any)["webhook"] = map[string]any{"url": e.hook.URL}
	_ = unstructured.SetNestedSlice(team.Object, chans, "data", "notifications", "channels")
	if err := e.c.Update(t.Context(), team); err != nil {
		t.Fatal(err)
	}
	e.reconcile(r)
	if diff := cmp.Diff(map[string]string{"budget/2026-12/hook": "Open Critical"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([4]float64{1, 0, 0, 2}, e.counters("webhook")); diff != "" {
		t.Errorf("counters: -want, +got:\n%s", diff)
	}
}

func TestReconcileSpaceDeleted(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, nil)
	r := e.reconciler("a")
	e.set(TypeBudget, "False", ReasonBudgetAtRisk)
	e.reconcile(r)
	if err := e.c.Delete(t.Context(), e.xr); err != nil {
		t.Fatal(err)
	}
	e.reconcile(r)
	if diff := cmp.Diff(map[string]string{"budget/2026-12/jira": "Resolved Warning SpaceDeleted"}, e.state()); diff != "" {
		t.Errorf("records: -want, +got:\n%s", diff)
	}
	if e.jira.Issues()["PAY-1"].Status != "Done" {
		t.Errorf("the deleted space's issue must be done")
	}
}

func TestReconcileConfig(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {"budget", "nonsense"}}, nil)
	e.set(TypeBudget, "False", ReasonBudgetExceeded)
	e.reconcile(e.reconciler("a"))
	ev := <-e.events.Events
	if !contains(ev, "Warning InvalidNotifications", `data.notifications.channels[0].kinds[1]: Unsupported value: "nonsense"`) {
		t.Errorf("event %q, want the invalid field named", ev)
	}
	if len(e.records()) != 0 || len(e.jira.Requests()) != 0 {
		t.Errorf("an invalid configuration must open nothing")
	}
}

func TestExpire(t *testing.T) {
	e := newEnv(t, map[string][]string{"jira": {v1alpha1.KindBudget}}, nil)
	old := &v1alpha1.Record{Space: testSpace, Team: "payments", Period: "2026-08", Kind: v1alpha1.KindBudget, Channel: "jira", Seq: 1, State: v1alpha1.StateResolved}
	kept := &v1alpha1.Record{Space: testSpace, Team: "payments", Period: "2026-09", Kind: v1alpha1.KindBudget, Channel: "jira", Seq: 1, State: v1alpha1.StateResolved}
	for _, r := range []*v1alpha1.Record{old, kept} {
		if err := e.c.Create(t.Context(), RecordObject(testNS, r)); err != nil {
			t.Fatal(err)
		}
	}
	e.reconcile(e.reconciler("a"))
	got := e.records()
	if _, ok := got["budget/2026-08/jira"]; ok {
		t.Errorf("a record of August must expire in December")
	}
	if _, ok := got["budget/2026-09/jira"]; !ok {
		t.Errorf("a record of September must be kept in December")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	r := &v1alpha1.Record{Space: testSpace, Team: "payments", Period: "2026-12", Kind: "budget", Channel: "jira", Seq: 3, State: v1alpha1.StatePending, Op: v1alpha1.OpComment,
		Level: "Critical", ExternalID: "PAY-1", URL: "u", Holder: "a", PendingSince: "p", Failures: 2, LastError: "e", Updated: "x", Reason: "r",
		ConditionSince: "2026-12-02T05:25:33Z"}
	got, err := RecordFrom(RecordObject(testNS, r))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("round trip: -want, +got:\n%s", diff)
	}
	cm := RecordObject(testNS, r)
	want := map[string]string{
		v1alpha1.LabelManagedBy: v1alpha1.ManagedBy, v1alpha1.LabelSpace: testSpace, v1alpha1.LabelTeam: "payments",
		v1alpha1.LabelPeriod: "2026-12", v1alpha1.LabelKind: "budget", v1alpha1.LabelChannel: "jira",
	}
	if diff := cmp.Diff(want, cm.Labels); diff != "" {
		t.Errorf("labels: -want, +got:\n%s", diff)
	}
	if _, err := RecordFrom(&corev1.ConfigMap{Data: map[string]string{"seq": "x"}}); err == nil {
		t.Errorf("RecordFrom(): want an error for a bad record")
	}
}

func TestLease(t *testing.T) {
	if got := DefaultLease(Policy{}); got != 2*(2*time.Minute+10*time.Second)+time.Minute {
		t.Errorf("DefaultLease(defaults) = %s", got)
	}
	r := &Reconciler{Lease: DefaultLease(Policy{})}
	if got := r.callTimeout(); got >= r.Lease || got < 2*(2*time.Minute+10*time.Second) {
		t.Errorf("callTimeout() = %s: the calls must end before the lease and outlast their retries", got)
	}
}

func TestRelevant(t *testing.T) {
	xr := func(rv, reason, period string, extra map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{
			"conditions": []any{map[string]any{"type": "Budget", "status": "False", "reason": reason, "lastTransitionTime": rv}},
			"billing":    map[string]any{"period": period},
		}}}
		maps.Copy(u.Object["status"].(map[string]any), extra)
		u.SetResourceVersion(rv)
		return u
	}
	cases := map[string]struct {
		old, new *unstructured.Unstructured
		want     bool
	}{
		"Resync":             {xr("1", ReasonBudgetAtRisk, "2026-12", nil), xr("1", ReasonBudgetAtRisk, "2026-12", nil), true},
		"OtherStatus":        {xr("1", ReasonBudgetAtRisk, "2026-12", nil), xr("2", ReasonBudgetAtRisk, "2026-12", map[string]any{"namespace": "x"}), false},
		"ConditionChanged":   {xr("1", ReasonBudgetAtRisk, "2026-12", nil), xr("2", ReasonBudgetExceeded, "2026-12", nil), true},
		"PeriodChanged":      {xr("1", ReasonBudgetAtRisk, "2026-12", nil), xr("2", ReasonBudgetAtRisk, "2027-01", nil), true},
		"TransitionTimeOnly": {xr("1", ReasonBudgetAtRisk, "2026-12", nil), xr("2", ReasonBudgetAtRisk, "2026-12", nil), false},
	}
	for name, tc := range cases {
		if got := Relevant().Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
			t.Errorf("%s: Relevant() = %v, want %v", name, got, tc.want)
		}
	}
}

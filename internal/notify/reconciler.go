package notify

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// Kinds the reconciler reads.
var (
	// XCloudSpaceGVK is the composite resource it watches.
	XCloudSpaceGVK = schema.GroupVersionKind{Group: "platform.cloudspace.dev", Version: "v1alpha1", Kind: "XCloudSpace"}
	// EnvironmentConfigGVK holds the teams' notifications and the spend
	// records.
	EnvironmentConfigGVK = schema.GroupVersionKind{Group: billingv1alpha1.RecordGroup, Version: billingv1alpha1.RecordVersion, Kind: billingv1alpha1.RecordKind}
)

// Event reasons on the XCloudSpace.
const (
	EventTicketOpened         = "TicketOpened"
	EventTicketUpdated        = "TicketUpdated"
	EventTicketResolved       = "TicketResolved"
	EventTicketGone           = "TicketGone"
	EventTicketFailed         = "TicketFailed"
	EventInvalidNotifications = "InvalidNotifications"
)

// Retention is how many months back the ticket records of resolved, gone
// or never-opened tickets are kept.
const Retention = 3

// Reconciler opens, updates and resolves the tickets of one XCloudSpace
// per call. See the package documentation.
type Reconciler struct {
	// Client writes the ticket records.
	Client client.Client
	// Reader reads the XCloudSpaces, EnvironmentConfigs, records and
	// Secrets from the API server, never a cache: every decision is made
	// on the latest record, and every write is conditional on it.
	Reader client.Reader
	// Events records events on the XCloudSpaces.
	Events events.EventRecorder
	// Namespace of the ticket records and of the channels' Secrets.
	Namespace string
	// TeamLabel is the label that names the team on its EnvironmentConfigs.
	TeamLabel string
	// ClaimURL is the default claim URL template.
	ClaimURL string
	// Deps build the channels.
	Deps ChannelDeps
	// NewChannel builds a channel; default NewChannel. Tests replace it.
	NewChannel func(c v1alpha1.Channel, secret map[string][]byte, d ChannelDeps) (Channel, error)
	Metrics    *Metrics
	Log        logr.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Identity names this process in the records it holds.
	Identity string
	// Lease is how long a pending record stays another process's.
	Lease time.Duration
}

// NewIdentity returns a name for this process: the host name and a random
// suffix, different at every start.
func NewIdentity() string {
	h, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return cmp.Or(h, "notify") + "-" + hex.EncodeToString(b)
}

// DefaultLease is how long a pending record is its holder's: longer than
// the longest operation (two retried calls: a comment, then a transition),
// with a minute to spare for the clocks of two replicas.
func DefaultLease(p Policy) time.Duration {
	p = p.withDefaults()
	return 2*(p.MaxElapsed+p.Timeout) + time.Minute
}

// callTimeout bounds all the calls of one operation so that none is still
// in flight when its lease passes and another process may take over.
func (r *Reconciler) callTimeout() time.Duration {
	if r.Lease > time.Minute {
		return r.Lease - 30*time.Second
	}
	return r.Lease / 2
}

// Options of Setup.
type Options struct {
	Namespace string
	TeamLabel string
	ClaimURL  string
	Policy    Policy
	// Lease of pending records; default DefaultLease of the policy.
	Lease    time.Duration
	HTTP     *http.Client
	Registry prometheus.Registerer
	Log      logr.Logger
}

// Setup mounts the reconciler on a manager: it watches XCloudSpaces and the
// ticket records (in a cache of its own, limited to Namespace and the
// records' label), and runs on the leader only.
func Setup(mgr manager.Manager, o Options) error {
	m, err := NewMetrics(o.Registry)
	if err != nil {
		return fmt.Errorf("cannot register notification metrics: %w", err)
	}
	p := o.Policy.withDefaults()
	lease := o.Lease
	if lease <= 0 {
		lease = DefaultLease(p)
	}
	r := &Reconciler{
		Client: mgr.GetClient(), Reader: mgr.GetAPIReader(), Events: mgr.GetEventRecorder("cloudspace-notify"),
		Namespace: o.Namespace, TeamLabel: o.TeamLabel, ClaimURL: o.ClaimURL,
		Deps:    ChannelDeps{HTTP: o.HTTP, Policy: p, Metrics: m, Tokens: &TokenCache{}},
		Metrics: m, Log: o.Log.WithName("notify"), Identity: NewIdentity(), Lease: lease,
	}
	records, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(),
		DefaultNamespaces:    map[string]cache.Config{o.Namespace: {}},
		DefaultLabelSelector: labels.SelectorFromSet(labels.Set{v1alpha1.LabelManagedBy: v1alpha1.ManagedBy}),
	})
	if err != nil {
		return fmt.Errorf("cannot create the ticket record cache: %w", err)
	}
	if err := mgr.Add(records); err != nil {
		return fmt.Errorf("cannot add the ticket record cache: %w", err)
	}
	xr := &unstructured.Unstructured{}
	xr.SetGroupVersionKind(XCloudSpaceGVK)
	// A record created (at start, as the cache lists them) or deleted (by
	// hand) brings its space back: a space deleted while no controller
	// ran still has its tickets resolved.
	recordEvents := predicate.TypedFuncs[*corev1.ConfigMap]{
		UpdateFunc: func(event.TypedUpdateEvent[*corev1.ConfigMap]) bool { return false },
	}
	toSpace := handler.TypedEnqueueRequestsFromMapFunc(func(_ context.Context, cm *corev1.ConfigMap) []reconcile.Request {
		if s := cm.Labels[v1alpha1.LabelSpace]; s != "" {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: s}}}
		}
		return nil
	})
	return builder.ControllerManagedBy(mgr).
		Named("notify").
		For(xr, builder.WithPredicates(Relevant())).
		WatchesRawSource(source.Kind(records, &corev1.ConfigMap{}, toSpace, recordEvents)).
		Complete(r)
}

// Relevant passes the XCloudSpace events that may change a ticket: any
// create and delete, an update of the conditions or period the
// notifications read, and a periodic resync.
func Relevant() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*unstructured.Unstructured)
		n, ok2 := e.ObjectNew.(*unstructured.Unstructured)
		if !ok1 || !ok2 || o.GetResourceVersion() == n.GetResourceVersion() {
			return true
		}
		return digest(o.Object) != digest(n.Object)
	}}
}

// digest is what the notifications read of an XCloudSpace.
func digest(obj map[string]any) string {
	s, err := ParseSpace(obj)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, t := range []string{TypeBudget, TypeCostDrift, TypeBillingDataStale, TypeBillingDataMissing} {
		c := s.Conditions[t]
		fmt.Fprintf(&b, "%s=%s/%s;", t, c.Status, c.Reason)
	}
	if s.Billing != nil {
		b.WriteString(s.Billing.Period)
	}
	return b.String()
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// result gathers when to come back.
type result struct {
	after time.Duration
}

func (res *result) at(d time.Duration) {
	if d <= 0 {
		d = time.Second
	}
	if res.after == 0 || d < res.after {
		res.after = d
	}
}

// confirmTimeout bounds the write that confirms a call.
const confirmTimeout = 10 * time.Second

// errConflict is a record another process wrote meanwhile.
var errConflict = errors.New("the ticket record changed meanwhile")

// Reconcile brings the tickets of one XCloudSpace up to date.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	name := req.Name
	log := r.Log.WithValues("xr-name", name)
	now := r.now()
	recs, err := r.records(ctx, name)
	if err != nil {
		return reconcile.Result{}, err
	}
	xr := &unstructured.Unstructured{}
	xr.SetGroupVersionKind(XCloudSpaceGVK)
	if err := r.Reader.Get(ctx, client.ObjectKey{Name: name}, xr); err != nil {
		if !kerrors.IsNotFound(err) {
			return reconcile.Result{}, fmt.Errorf("cannot get XCloudSpace %q: %w", name, err)
		}
		return r.deleted(ctx, log, name, recs, now)
	}
	sp, err := ParseSpace(xr.Object)
	if err != nil {
		return reconcile.Result{}, err
	}
	cfg, src, err := r.config(ctx, sp.Team)
	if err != nil {
		log.Info("Cannot read the team's notifications", "team", sp.Team, "error", err)
		r.Events.Eventf(xr, nil, corev1.EventTypeWarning, EventInvalidNotifications, "Notify", "%v", err)
		return reconcile.Result{}, nil
	}
	if cfg == nil {
		log.V(1).Info("The team has no notifications", "team", sp.Team)
		return reconcile.Result{}, nil
	}
	log = log.WithValues("team", sp.Team, "notifications", src)
	spend := r.spend(ctx, log, sp)
	res := &result{}
	chans := map[string]Channel{}
	for _, c := range cfg.Channels {
		for _, kind := range KindsOf(c) {
			obs := Observe(sp, kind, now)
			var cur *record
			for _, rec := range recs {
				if rec.Channel != c.Name || rec.Kind != kind {
					continue
				}
				if rec.Period == obs.Period {
					cur = rec
					continue
				}
				// A record of another period: its month has ended, or the
				// space reports a later one.
				if Ended(rec.Period, now) || (obs.Period != "" && rec.Period < obs.Period) {
					past := Observation{Kind: kind, Period: rec.Period}
					if err := r.run(ctx, log, run{xr: xr, sp: sp, cfg: cfg, ch: c, chans: chans, spend: spend, rec: rec, obs: past, ended: true, now: now}, res); err != nil {
						return reconcile.Result{}, err
					}
				}
			}
			if obs.Period == "" {
				continue
			}
			if err := r.run(ctx, log, run{xr: xr, sp: sp, cfg: cfg, ch: c, chans: chans, spend: spend, rec: cur, obs: obs, ended: Ended(obs.Period, now), now: now}, res); err != nil {
				return reconcile.Result{}, err
			}
		}
	}
	if err := r.expire(ctx, recs, now); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: res.after}, nil
}

// record is a ticket record and the resource version it was read at.
type record struct {
	*v1alpha1.Record
	version string
}

// records lists the ticket records of a space.
func (r *Reconciler) records(ctx context.Context, space string) ([]*record, error) {
	l := &corev1.ConfigMapList{}
	if err := r.Reader.List(ctx, l, client.InNamespace(r.Namespace), client.MatchingLabels{
		v1alpha1.LabelManagedBy: v1alpha1.ManagedBy, v1alpha1.LabelSpace: space,
	}); err != nil {
		return nil, fmt.Errorf("cannot list the ticket records of %q: %w", space, err)
	}
	var out []*record
	for i := range l.Items {
		rec, err := RecordFrom(&l.Items[i])
		if err != nil {
			r.Log.Info("Ignoring a ticket record", "error", err)
			continue
		}
		out = append(out, &record{Record: rec, version: l.Items[i].ResourceVersion})
	}
	slices.SortFunc(out, func(a, b *record) int { return strings.Compare(a.Period, b.Period) })
	return out, nil
}

// config returns the notifications of a team and the EnvironmentConfig
// that holds them: nil when none does.
func (r *Reconciler) config(ctx context.Context, team string) (*v1alpha1.Notifications, string, error) {
	if team == "" || !billingv1alpha1.IsLabelValue(team) {
		return nil, "", nil
	}
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(EnvironmentConfigGVK.GroupVersion().WithKind(EnvironmentConfigGVK.Kind + "List"))
	if err := r.Reader.List(ctx, l, client.MatchingLabels{r.TeamLabel: team}); err != nil {
		return nil, "", fmt.Errorf("cannot list the EnvironmentConfigs of team %q: %w", team, err)
	}
	var found []string
	var cfg *v1alpha1.Notifications
	var cfgErr error
	items := l.Items
	slices.SortFunc(items, func(a, b unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
	for _, u := range items {
		data, _ := u.Object["data"].(map[string]any)
		n, ok, err := ParseNotifications(data)
		if !ok {
			continue
		}
		found = append(found, u.GetName())
		cfg, cfgErr = n, err
		if err != nil {
			cfgErr = fmt.Errorf("the notifications of team %q in EnvironmentConfig %q are invalid: %w", team, u.GetName(), err)
		}
	}
	switch {
	case len(found) > 1:
		return nil, "", fmt.Errorf("team %q has notifications in %d EnvironmentConfigs (%s), want one", team, len(found), strings.Join(found, ", "))
	case len(found) == 0:
		return nil, "", nil
	case cfgErr != nil:
		return nil, "", cfgErr
	}
	return cfg, found[0], nil
}

// spend returns the spend record of the period the space reports, nil
// when there is none.
func (r *Reconciler) spend(ctx context.Context, log logr.Logger, sp *Space) *billingv1alpha1.SpendRecord {
	if sp.Billing == nil || sp.Billing.Period == "" {
		return nil
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(EnvironmentConfigGVK)
	if err := r.Reader.Get(ctx, client.ObjectKey{Name: billingv1alpha1.RecordName(sp.Name, sp.Billing.Period)}, u); err != nil {
		if !kerrors.IsNotFound(err) {
			log.Info("Cannot read the spend record; the tickets list no contributors", "error", err)
		}
		return nil
	}
	data, _ := u.Object["data"].(map[string]any)
	rec, err := billingv1alpha1.FromData(data)
	if err != nil {
		log.Info("Cannot read the spend record; the tickets list no contributors", "error", err)
		return nil
	}
	return rec
}

// run is one ticket's step of a reconcile.
type run struct {
	xr    *unstructured.Unstructured // nil when the space was deleted
	sp    *Space
	cfg   *v1alpha1.Notifications
	ch    v1alpha1.Channel
	chans map[string]Channel
	spend *billingv1alpha1.SpendRecord
	rec   *record
	obs   Observation
	ended bool
	gone  bool // the space was deleted
	now   time.Time
}

// maxSteps bounds the actions on one ticket in one reconcile: a pending
// operation redone, then the action the state calls for.
const maxSteps = 3

// run steps the state machine of one ticket until it rests.
func (r *Reconciler) run(ctx context.Context, log logr.Logger, u run, res *result) error {
	for range maxSteps {
		var rec *v1alpha1.Record
		if u.rec != nil {
			rec = u.rec.Record
		}
		a := Decide(Step{Record: rec, Observed: u.obs, Ended: u.ended, Deleted: u.gone, Now: u.now, Self: r.Identity, Lease: r.Lease})
		if a.Wait > 0 {
			log.V(1).Info("Another process holds the ticket record", "holder", rec.Holder, "wait", a.Wait.String())
			res.at(a.Wait)
			return nil
		}
		if a.None() {
			if a.Outdated {
				log.V(1).Info("Ignoring an outdated condition", "kind", u.obs.Kind, "reason", u.obs.Reason,
					"condition-since", u.obs.Since, "acted-on", rec.ConditionSince, "xr-version", u.xr.GetResourceVersion())
			}
			if rec != nil && rec.State == v1alpha1.StateOpen {
				// Come back when the month ends.
				if end, ok := PeriodEnd(rec.Period); ok {
					res.at(end.Sub(u.now) + time.Second)
				}
			}
			return nil
		}
		next, wait, err := r.act(ctx, log, u, a)
		switch {
		case errors.Is(err, errConflict):
			res.at(time.Second)
			return nil
		case err != nil:
			return err
		}
		u.rec = next
		if next.State == v1alpha1.StatePending {
			// The call failed; come back after a backoff.
			res.at(max(failureBackoff(next.Failures), wait))
			return nil
		}
	}
	return nil
}

// failureBackoff is how long to wait after n consecutive failed attempts
// of an operation: 30s, doubling, at most an hour.
func failureBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// act writes the pending record, makes the call and confirms its outcome.
// It returns the record as confirmed and, when the call failed, how long
// the channel asked to wait.
func (r *Reconciler) act(ctx context.Context, log logr.Logger, u run, a Action) (*record, time.Duration, error) {
	id := Identity{Space: u.sp.Name, Team: u.sp.Team, Period: u.obs.Period, Kind: u.obs.Kind, Channel: u.ch.Name}
	var prev *v1alpha1.Record
	if u.rec != nil {
		prev = u.rec.Record
	}
	p := Pending(prev, a, id, r.Identity, u.now)
	pv, err := r.write(ctx, u.rec, p)
	if err != nil {
		return nil, 0, err
	}
	t := r.ticket(u, p)
	log = log.WithValues("channel", u.ch.Name, "kind", p.Kind, "period", p.Period, "op", p.Op, "key", t.Key,
		"condition", u.obs.Reason, "condition-since", u.obs.Since)
	ref := Ref{ID: p.ExternalID, URL: p.URL}
	ch, callErr := r.channel(ctx, u)
	if callErr == nil {
		cctx, cancel := context.WithTimeout(ctx, r.callTimeout())
		switch p.Op {
		case v1alpha1.OpOpen:
			ref, callErr = ch.Open(cctx, t)
		case v1alpha1.OpComment:
			callErr = ch.Comment(cctx, ref, t, Worsened(t, t.Level-1))
		case v1alpha1.OpResolve:
			callErr = ch.Resolve(cctx, ref, t, Resolved(t, p.Reason))
		}
		cancel()
	}
	outcome := Done
	switch {
	case callErr == nil:
	case errors.Is(callErr, ErrGone):
		outcome = Gone
	default:
		outcome = Failed
	}
	c := Confirm(p, outcome, ref, callErr, r.now())
	// Confirm even when the controller is stopping: the call is done, and
	// an unconfirmed record would hold the next process for its lease.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), confirmTimeout)
	defer cancel()
	cv, err := r.write(wctx, &record{Record: p, version: pv}, c)
	if err != nil {
		// The call is done but not confirmed: the record stays pending,
		// and the operation is redone, idempotently, next time.
		return nil, 0, err
	}
	r.report(log, u, u.ch.Type, p, c, callErr, outcome)
	return &record{Record: c, version: cv}, RetryAfterOf(callErr), nil
}

// report counts and tells what an operation did.
func (r *Reconciler) report(log logr.Logger, u run, typ string, p, c *v1alpha1.Record, callErr error, o Outcome) {
	event := func(kind, reason, format string, args ...any) {
		if u.xr != nil {
			r.Events.Eventf(u.xr, nil, kind, reason, "Notify", format, args...)
		}
	}
	what := fmt.Sprintf("%s ticket of %s on channel %s", p.Kind, p.Period, p.Channel)
	switch o {
	case Done:
		switch p.Op {
		case v1alpha1.OpOpen:
			r.Metrics.Opened.WithLabelValues(typ).Inc()
			log.Info("Opened ticket", "ref", c.ExternalID)
			event(corev1.EventTypeNormal, EventTicketOpened, "Opened the %s: %s", what, cmp.Or(c.URL, c.ExternalID))
		case v1alpha1.OpComment:
			r.Metrics.Updated.WithLabelValues(typ).Inc()
			log.Info("Commented on ticket", "ref", c.ExternalID, "level", c.Level)
			event(corev1.EventTypeNormal, EventTicketUpdated, "Commented on the %s (%s): now %s", what, cmp.Or(c.URL, c.ExternalID), c.Level)
		case v1alpha1.OpResolve:
			r.Metrics.Resolved.WithLabelValues(typ).Inc()
			log.Info("Resolved ticket", "ref", c.ExternalID, "reason", c.Reason)
			event(corev1.EventTypeNormal, EventTicketResolved, "Resolved the %s (%s): %s", what, cmp.Or(c.URL, c.ExternalID), c.Reason)
		}
	case Gone:
		log.Info("The ticket was deleted at the channel; not recreating it", "ref", c.ExternalID)
		event(corev1.EventTypeNormal, EventTicketGone, "The %s (%s) was deleted at the channel; it is not recreated this period", what, c.ExternalID)
	case Failed:
		r.Metrics.Failed.WithLabelValues(typ).Inc()
		log.Info("Ticket operation failed", "failures", c.Failures, "error", callErr)
		event(corev1.EventTypeWarning, EventTicketFailed, "Cannot %s the %s (attempt %d): %v", strings.ToLower(p.Op), what, c.Failures, callErr)
	}
}

// write creates or updates a record, conditionally on the version it was
// read at. It returns the new resource version, or errConflict.
func (r *Reconciler) write(ctx context.Context, old *record, rec *v1alpha1.Record) (string, error) {
	cm := RecordObject(r.Namespace, rec)
	var err error
	if old == nil {
		err = r.Client.Create(ctx, cm)
	} else {
		cm.ResourceVersion = old.version
		err = r.Client.Update(ctx, cm)
	}
	switch {
	case kerrors.IsConflict(err) || kerrors.IsAlreadyExists(err):
		return "", errConflict
	case err != nil:
		return "", fmt.Errorf("cannot write ticket record %q: %w", cm.Name, err)
	}
	return cm.ResourceVersion, nil
}

// channel returns the channel of a run, built once per reconcile.
func (r *Reconciler) channel(ctx context.Context, u run) (Channel, error) {
	if ch, ok := u.chans[u.ch.Name]; ok {
		return ch, nil
	}
	s := &corev1.Secret{}
	if err := r.Reader.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: u.ch.SecretRef.Name}, s); err != nil {
		return nil, fmt.Errorf("cannot get Secret %s/%s of channel %q: %w", r.Namespace, u.ch.SecretRef.Name, u.ch.Name, err)
	}
	build := r.NewChannel
	if build == nil {
		build = NewChannel
	}
	ch, err := build(u.ch, s.Data, r.Deps)
	if err != nil {
		return nil, err
	}
	u.chans[u.ch.Name] = ch
	return ch, nil
}

// ticket is the content of the pending record's ticket.
func (r *Reconciler) ticket(u run, p *v1alpha1.Record) *Ticket {
	sp := u.sp
	t := &Ticket{
		Key: Key(p), Kind: p.Kind, Level: ParseLevel(p.Level), Period: p.Period,
		Space: sp.Name, Team: sp.Team, Owner: sp.Owner, Environment: sp.Environment, Claim: sp.Claim,
		Describe: Describe(sp), ClaimURL: ClaimURL(cmp.Or(u.cfg.ClaimURL, r.ClaimURL), sp),
	}
	if u.obs.Period == p.Period {
		t.Reason, t.Message = u.obs.Reason, u.obs.Message
	}
	if sp.Billing != nil && sp.Billing.Period == p.Period || p.Kind == v1alpha1.KindStale {
		t.Figures = Figures(sp)
		t.TopServices, t.TopResources = Contributors(u.spend)
	}
	if u.gone {
		t.Describe = ""
	}
	return t
}

// deleted resolves the open tickets of a space that no longer exists.
func (r *Reconciler) deleted(ctx context.Context, log logr.Logger, name string, recs []*record, now time.Time) (reconcile.Result, error) {
	res := &result{}
	cfgs := map[string]*v1alpha1.Notifications{}
	chans := map[string]Channel{}
	for _, rec := range recs {
		if rec.State != v1alpha1.StateOpen && rec.State != v1alpha1.StatePending {
			continue
		}
		cfg, ok := cfgs[rec.Team]
		if !ok {
			var err error
			if cfg, _, err = r.config(ctx, rec.Team); err != nil {
				log.Info("Cannot read the team's notifications", "team", rec.Team, "error", err)
			}
			cfgs[rec.Team] = cfg
		}
		var ch *v1alpha1.Channel
		if cfg != nil {
			for i := range cfg.Channels {
				if cfg.Channels[i].Name == rec.Channel {
					ch = &cfg.Channels[i]
				}
			}
		}
		if ch == nil {
			log.Info("The ticket's channel is no longer configured; leaving the ticket", "channel", rec.Channel, "period", rec.Period, "kind", rec.Kind)
			continue
		}
		sp := &Space{Name: name, Team: rec.Team, Conditions: map[string]Condition{}}
		u := run{sp: sp, cfg: cfg, ch: *ch, chans: chans, rec: rec, obs: Observation{Kind: rec.Kind, Period: rec.Period}, gone: true, now: now}
		if err := r.run(ctx, log, u, res); err != nil {
			return reconcile.Result{}, err
		}
	}
	return reconcile.Result{RequeueAfter: res.after}, nil
}

// expire deletes the records of tickets that are done, of periods more
// than Retention months ago.
func (r *Reconciler) expire(ctx context.Context, recs []*record, now time.Time) error {
	oldest := Period(time.Date(now.UTC().Year(), now.UTC().Month()-Retention, 1, 0, 0, 0, 0, time.UTC))
	for _, rec := range recs {
		if rec.Period >= oldest || rec.State == v1alpha1.StateOpen || rec.State == v1alpha1.StatePending {
			continue
		}
		cm := RecordObject(r.Namespace, rec.Record)
		if err := r.Client.Delete(ctx, cm, client.Preconditions{ResourceVersion: &rec.version}); err != nil && !kerrors.IsNotFound(err) && !kerrors.IsConflict(err) {
			return fmt.Errorf("cannot delete ticket record %q: %w", cm.Name, err)
		}
	}
	return nil
}

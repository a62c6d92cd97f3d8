package billing

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// FieldOwner is the field manager of the ingester's writes.
const FieldOwner = "cloudspace-billing-ingester"

// MaxObjectBytes bounds the encoded size of a record object. etcd refuses
// requests over 1.5 MiB by default, after the API server has accepted a
// server-side dry run, so a record that could fail there is refused before
// anything is written. Lower --max-resource-ids to shrink a record.
const MaxObjectBytes = 1 << 20

// listPageSize is how many objects one list request returns.
const listPageSize = 500

// RecordGVK is the group, version and kind of the objects records are
// stored in.
var RecordGVK = schema.GroupVersionKind{Group: v1alpha1.RecordGroup, Version: v1alpha1.RecordVersion, Kind: v1alpha1.RecordKind}

// recordListGVK is the kind of a list of record objects.
var recordListGVK = RecordGVK.GroupVersion().WithKind(v1alpha1.RecordKind + "List")

// managedLabels are the labels the ingester owns on a record object. Others
// are left as they are.
var managedLabels = []string{v1alpha1.LabelSpace, v1alpha1.LabelPeriod, v1alpha1.LabelRecord, v1alpha1.LabelAccount, v1alpha1.LabelScope}

// AddToScheme registers the record kind, as unstructured, in a scheme, for
// clients that need to know it (such as controller-runtime's fake client).
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypeWithName(RecordGVK, &unstructured.Unstructured{})
	s.AddKnownTypeWithName(recordListGVK, &unstructured.UnstructuredList{})
	return nil
}

// Object returns the EnvironmentConfig that stores a record written by an
// ingest of the default scope.
func Object(r *v1alpha1.SpendRecord) (*unstructured.Unstructured, error) {
	return object(r, r.Name(), v1alpha1.DefaultScope)
}

func object(r *v1alpha1.SpendRecord, name, scope string) (*unstructured.Unstructured, error) {
	data, err := r.Data()
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: map[string]any{"data": data}}
	u.SetGroupVersionKind(RecordGVK)
	u.SetName(name)
	l := r.Labels()
	l[v1alpha1.LabelScope] = scope
	u.SetLabels(l)
	return u, nil
}

// An Action is what a write does to one record object.
type Action string

// Actions of a plan.
const (
	// ActionCreate creates the object of a record the cluster lacks.
	ActionCreate Action = "create"
	// ActionUpdate replaces the record an object holds.
	ActionUpdate Action = "update"
	// ActionUnchanged leaves an object that holds the record already.
	ActionUnchanged Action = "unchanged"
	// ActionZero writes zero spend into the record of a space the run no
	// longer bills in the period.
	ActionZero Action = "zero"
	// ActionDelete deletes the record of an unattributed account the run
	// no longer sees in the period.
	ActionDelete Action = "delete"
)

// A Change is what a write does to one record object.
type Change struct {
	Action Action `json:"action"`
	// Name is the name of the object.
	Name string `json:"name"`
	// Record is the record the object holds after the write; nil when the
	// object is deleted.
	Record *v1alpha1.SpendRecord `json:"record,omitempty"`
	// Previous is the record the object holds before the write; nil when
	// it is created, or when its data is no record.
	Previous *v1alpha1.SpendRecord `json:"previous,omitempty"`
	// ResourceVersion is the version of the object the change was planned
	// against; the write fails if the object changed since.
	ResourceVersion string `json:"resourceVersion,omitempty"`

	// want is the object to update to, built when the plan compared it
	// with got. The object of a creation is built when it is written, so
	// that a plan holds the records only, not an object of each.
	want *unstructured.Unstructured
	got  *unstructured.Unstructured // the object as listed
}

// wanted returns the object the change creates or updates to, a copy the
// caller may change.
func (c *Change) wanted(scope string) (*unstructured.Unstructured, error) {
	if c.want != nil {
		return c.want.DeepCopy(), nil
	}
	u, err := object(c.Record, c.Name, scope)
	if err != nil {
		return nil, fmt.Errorf("cannot store %s: %w", describe(c.Record), err)
	}
	return u, nil
}

// A Plan is every change a write makes: a run replaces the records of its
// scope in the periods it reads.
type Plan struct {
	// Scope is the scope of the run.
	Scope string `json:"scope"`
	// Periods are the billing periods the run replaces, sorted.
	Periods []string `json:"periods"`
	// Offline is true when the plan was made without reading a cluster, so
	// every record is a creation.
	Offline bool `json:"offline,omitempty"`
	// Changes are sorted by object name.
	Changes []Change `json:"changes"`
}

// Stats counts the changes of the plan by action.
func (p *Plan) Stats() WriteStats {
	var st WriteStats
	for i := range p.Changes {
		st.add(p.Changes[i].Action)
	}
	return st
}

// writes are the changes that write, in the order they are made: what the
// run computed first (creations and updates), then zeroes and deletions.
// Should a write fail midway, the cluster holds the run's new figures
// sooner rather than the old figures longer.
func (p *Plan) writes() []*Change {
	var first, last []*Change
	for i := range p.Changes {
		switch c := &p.Changes[i]; c.Action {
		case ActionCreate, ActionUpdate:
			first = append(first, c)
		case ActionZero, ActionDelete:
			last = append(last, c)
		case ActionUnchanged:
		}
	}
	return append(first, last...)
}

// WriteStats counts what a write did, or would do, by action.
type WriteStats struct {
	Created   int
	Updated   int
	Unchanged int
	Zeroed    int
	Deleted   int
}

func (s *WriteStats) add(a Action) {
	switch a {
	case ActionCreate:
		s.Created++
	case ActionUpdate:
		s.Updated++
	case ActionUnchanged:
		s.Unchanged++
	case ActionZero:
		s.Zeroed++
	case ActionDelete:
		s.Deleted++
	}
}

// String is "1 created, 2 updated, 3 unchanged, 0 zeroed, 0 deleted".
func (s WriteStats) String() string {
	return fmt.Sprintf("%d created, %d updated, %d unchanged, %d zeroed, %d deleted", s.Created, s.Updated, s.Unchanged, s.Zeroed, s.Deleted)
}

// A WriteError is a write that failed after it began: the changes in
// Written are made, the ones in Pending are not. Running the ingest again
// converges, since it plans against what the cluster then holds.
type WriteError struct {
	// Failed is the change whose write failed; it is the first of Pending.
	Failed *Change
	// Written are the changes made, in order.
	Written []*Change
	// Pending are the changes not made, in order.
	Pending []*Change
	// Err is the API server's error.
	Err error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("cannot %s %s %q: %v; %d of %d changes were written before it and %d were not; run the ingest again to converge",
		verb(e.Failed.Action), RecordGVK.Kind, e.Failed.Name, e.Err, len(e.Written), len(e.Written)+len(e.Pending), len(e.Pending))
}

func (e *WriteError) Unwrap() error { return e.Err }

// verb is how an error names the write of an action.
func verb(a Action) string {
	switch a {
	case ActionCreate:
		return "create"
	case ActionDelete:
		return "delete"
	case ActionUpdate, ActionZero, ActionUnchanged:
		return "update"
	}
	return string(a)
}

// Writer writes the records of an ingest into the cluster. A run replaces
// the records of its scope in the periods it read: after it the cluster
// holds exactly the records the run computed for those periods, plus a zero
// record for every space the scope billed there before and bills no longer.
// The unattributed records of accounts the run no longer sees are deleted.
// Records of other periods, and of other scopes, are never changed.
type Writer struct {
	// Client writes the objects.
	Client client.Client
	// Reader lists the objects; default Client. The controller passes the
	// manager's API reader so that a plan never reads a stale cache.
	Reader client.Reader
	// Scope is the scope of the run; default v1alpha1.DefaultScope.
	Scope string
}

func (w *Writer) scope() string {
	if w.Scope == "" {
		return v1alpha1.DefaultScope
	}
	return w.Scope
}

// Write plans and applies: see Plan and Apply.
func (w *Writer) Write(ctx context.Context, records []v1alpha1.SpendRecord) (WriteStats, error) {
	p, err := w.Plan(ctx, records)
	if err != nil {
		return WriteStats{}, err
	}
	return w.Apply(ctx, p)
}

// Plan lists the record objects of the records' periods and computes every
// change that makes them the records of the run. It writes nothing. It fails,
// naming every problem, when a record cannot be stored (an invalid label, an
// object too large, two records in one object) or when a spend record of the
// run is held by another scope.
func (w *Writer) Plan(ctx context.Context, records []v1alpha1.SpendRecord) (*Plan, error) {
	scope := w.scope()
	if !v1alpha1.IsScopeName(scope) {
		return nil, fmt.Errorf("cannot plan the write: scope %q is not a DNS label (lower case letters, digits and '-', at most 63 characters)", scope)
	}
	var existing []unstructured.Unstructured
	if periods := periodsOf(records); len(periods) > 0 {
		var err error
		if existing, err = w.list(ctx, periods); err != nil {
			return nil, err
		}
	}
	return plan(scope, records, existing)
}

// PlanOffline plans the write into a cluster that holds no records, without
// reading one: every record is a creation.
func (w *Writer) PlanOffline(records []v1alpha1.SpendRecord) (*Plan, error) {
	scope := w.scope()
	if !v1alpha1.IsScopeName(scope) {
		return nil, fmt.Errorf("cannot plan the write: scope %q is not a DNS label (lower case letters, digits and '-', at most 63 characters)", scope)
	}
	p, err := plan(scope, records, nil)
	if err != nil {
		return nil, err
	}
	p.Offline = true
	return p, nil
}

// list returns the spend and unattributed record objects of the periods, of
// every scope, page by page from one consistent snapshot.
func (w *Writer) list(ctx context.Context, periods []string) ([]unstructured.Unstructured, error) {
	r := w.Reader
	if r == nil {
		r = w.Client
	}
	byPeriod, err := labels.NewRequirement(v1alpha1.LabelPeriod, selection.In, periods)
	if err != nil {
		return nil, fmt.Errorf("cannot select the records of periods %v: %w", periods, err)
	}
	byRecord, err := labels.NewRequirement(v1alpha1.LabelRecord, selection.In, []string{v1alpha1.RecordSpend, v1alpha1.RecordUnattributed})
	if err != nil {
		return nil, fmt.Errorf("cannot select the records: %w", err)
	}
	sel := labels.NewSelector().Add(*byPeriod, *byRecord)
	var out []unstructured.Unstructured
	cont := ""
	for {
		l := &unstructured.UnstructuredList{}
		l.SetGroupVersionKind(recordListGVK)
		if err := r.List(ctx, l, client.MatchingLabelsSelector{Selector: sel}, client.Limit(listPageSize), client.Continue(cont)); err != nil {
			return nil, fmt.Errorf("cannot list %s objects of periods %s: %w", RecordGVK.Kind, strings.Join(periods, ", "), err)
		}
		for i := range l.Items {
			l.Items[i].SetGroupVersionKind(RecordGVK)
		}
		out = append(out, l.Items...)
		if cont = l.GetContinue(); cont == "" {
			return out, nil
		}
	}
}

func periodsOf(records []v1alpha1.SpendRecord) []string {
	set := map[string]struct{}{}
	for i := range records {
		set[records[i].Period] = struct{}{}
	}
	return append([]string{}, slices.Sorted(maps.Keys(set))...)
}

// plan is the pure part of Plan: the changes that turn the existing
// objects of the periods into the records of a run of scope.
func plan(scope string, records []v1alpha1.SpendRecord, existing []unstructured.Unstructured) (*Plan, error) {
	p := &Plan{Scope: scope, Periods: periodsOf(records), Changes: []Change{}}
	var errs []error

	// What the run computed, by object name.
	want := map[string]*Change{}
	for i := range records {
		r := &records[i]
		name := r.NameInScope(scope)
		if c, ok := want[name]; ok {
			errs = append(errs, fmt.Errorf("cannot store both %s and %s: both are named %q", describe(c.Record), describe(r), name))
			continue
		}
		if err := checkRecord(r, name, scope); err != nil {
			errs = append(errs, err)
			continue
		}
		want[name] = &Change{Action: ActionCreate, Name: name, Record: r}
	}

	periods := map[string]bool{}
	for _, pr := range p.Periods {
		periods[pr] = true
	}
	summaries := summarise(records)
	var gone []Change
	for i := range existing {
		got := &existing[i]
		l := got.GetLabels()
		kind, period := l[v1alpha1.LabelRecord], l[v1alpha1.LabelPeriod]
		if (kind != v1alpha1.RecordSpend && kind != v1alpha1.RecordUnattributed) || !periods[period] {
			continue
		}
		owner := scopeOf(got)
		if c, ok := want[got.GetName()]; ok {
			if owner != scope {
				errs = append(errs, fmt.Errorf("cannot write %s: its object %q holds the record of scope %q; a space's spend in a period must come from one scope, so ingest every export that bills it in one run (or delete the record of the other scope)", describe(c.Record), got.GetName(), owner))
				continue
			}
			c.got, c.ResourceVersion, c.Previous = got, got.GetResourceVersion(), previous(got)
			u, err := c.wanted(scope)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			c.Action = ActionUpdate
			if same(u, got) {
				c.Action = ActionUnchanged
				continue
			}
			c.want = u
			continue
		}
		if owner != scope {
			continue
		}
		c, err := replace(scope, got, summaries[period])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, c)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("cannot plan the write of scope %q, so nothing is written: %w", scope, errors.Join(errs...))
	}
	for _, c := range want {
		p.Changes = append(p.Changes, *c)
	}
	p.Changes = append(p.Changes, gone...)
	slices.SortFunc(p.Changes, func(a, b Change) int { return cmp.Compare(a.Name, b.Name) })
	return p, nil
}

// replace is the change to an object of the scope that the run no longer
// computes: a spend record is written as zero spend, with the charge period
// span and sources of the run's records of the period, so that the space
// reads as billed nothing, with fresh data; an unattributed record, or
// an object that is no readable spend record, is deleted.
func replace(scope string, got *unstructured.Unstructured, ps periodSummary) (Change, error) {
	c := Change{Action: ActionDelete, Name: got.GetName(), Previous: previous(got), ResourceVersion: got.GetResourceVersion(), got: got}
	l := got.GetLabels()
	space := l[v1alpha1.LabelSpace]
	if l[v1alpha1.LabelRecord] != v1alpha1.RecordSpend || !v1alpha1.IsSpaceName(space) {
		return c, nil
	}
	currency := ps.currency
	if c.Previous != nil && c.Previous.Currency != "" {
		currency = c.Previous.Currency
	}
	if currency == "" {
		return c, fmt.Errorf("cannot write zero spend into %q: it holds no currency, and the run's records of %s are in several", got.GetName(), l[v1alpha1.LabelPeriod])
	}
	z := &v1alpha1.SpendRecord{
		Space: space, Period: l[v1alpha1.LabelPeriod], Currency: currency,
		BilledCost: "0", EffectiveCost: "0", ListCost: "0",
		FirstChargePeriodStart: ps.first, LastChargePeriodEnd: ps.last,
		Sources: ps.sources,
	}
	if c.Previous != nil && c.Previous.ContractedCost != "" {
		z.ContractedCost = "0"
	}
	u, err := checkedObject(z, got.GetName(), scope)
	if err != nil {
		return c, err
	}
	c.Action, c.Record, c.want = ActionZero, z, u
	if same(u, got) {
		c.Action = ActionUnchanged
	}
	return c, nil
}

// periodSummary is what the records of one period of a run have in common.
type periodSummary struct {
	first, last string
	// currency is the currency of every record, empty when they differ.
	currency string
	sources  []v1alpha1.Source
}

func summarise(records []v1alpha1.SpendRecord) map[string]periodSummary {
	type acc struct {
		first, last time.Time
		currency    string
		mixed       bool
		sources     map[string]v1alpha1.Source
	}
	accs := map[string]*acc{}
	for i := range records {
		r := &records[i]
		a := accs[r.Period]
		if a == nil {
			a = &acc{currency: r.Currency, sources: map[string]v1alpha1.Source{}}
			accs[r.Period] = a
		}
		a.mixed = a.mixed || a.currency != r.Currency
		if t, err := time.Parse(time.RFC3339, r.FirstChargePeriodStart); err == nil && (a.first.IsZero() || t.Before(a.first)) {
			a.first = t
		}
		if t, err := time.Parse(time.RFC3339, r.LastChargePeriodEnd); err == nil && t.After(a.last) {
			a.last = t
		}
		for _, s := range r.Sources {
			a.sources[s.URI] = s
		}
	}
	out := make(map[string]periodSummary, len(accs))
	for period, a := range accs {
		s := periodSummary{currency: a.currency}
		if a.mixed {
			s.currency = ""
		}
		if !a.first.IsZero() && !a.last.IsZero() {
			s.first, s.last = a.first.UTC().Format(time.RFC3339), a.last.UTC().Format(time.RFC3339)
		}
		for _, uri := range slices.Sorted(maps.Keys(a.sources)) {
			s.sources = append(s.sources, a.sources[uri])
		}
		out[period] = s
	}
	return out
}

// checkedObject is the object of a record, checked as far as the API server
// would check it, so that no write begins that would fail on it.
func checkedObject(r *v1alpha1.SpendRecord, name, scope string) (*unstructured.Unstructured, error) {
	if err := checkRecord(r, name, scope); err != nil {
		return nil, err
	}
	u, err := object(r, name, scope)
	if err != nil {
		return nil, fmt.Errorf("cannot store %s: %w", describe(r), err)
	}
	return u, nil
}

// checkRecord checks that the object of a record can be stored, as far as
// the API server would check it, without building the object: its name,
// labels, period and encoded size.
func checkRecord(r *v1alpha1.SpendRecord, name, scope string) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("cannot store %s: cannot marshal spend record: %w", describe(r), err)
	}
	var errs field.ErrorList
	if _, err := time.Parse("2006-01", r.Period); err != nil || len(r.Period) != len("2006-01") {
		errs = append(errs, field.Invalid(field.NewPath("period"), r.Period, "must be a YYYY-MM billing period"))
	}
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), name, msg))
	}
	l := r.Labels()
	l[v1alpha1.LabelScope] = scope
	for _, k := range slices.Sorted(maps.Keys(l)) {
		for _, msg := range validation.IsValidLabelValue(l[k]) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "labels").Key(k), l[k], msg))
		}
	}
	if n, err := objectSize(r, b, name, scope, l); err != nil {
		errs = append(errs, field.InternalError(field.NewPath("data"), err))
	} else if n > MaxObjectBytes {
		errs = append(errs, field.TooLong(field.NewPath("data"), fmt.Sprintf("%d bytes", n), MaxObjectBytes))
	}
	if len(errs) > 0 {
		return fmt.Errorf("cannot store %s in %q: %w", describe(r), name, errs.ToAggregate())
	}
	return nil
}

// objectSize is the length of the JSON of the object of a record, whose own
// JSON is b, as the object is sent: with the record's data as the generic
// map that r.Data returns. Over MaxObjectBytes it is exact; at most
// MaxObjectBytes it may be a bound of the length that is itself at most
// MaxObjectBytes (objectSizeBound), so that the map is built only for a
// record too large to store.
func objectSize(r *v1alpha1.SpendRecord, b []byte, name, scope string, l map[string]string) (int, error) {
	if n, ok, err := objectSizeBound(b, name, l); err != nil || (ok && n <= MaxObjectBytes) {
		return n, err
	}
	u, err := object(r, name, scope)
	if err != nil {
		return 0, err
	}
	ub, err := json.Marshal(u.Object)
	if err != nil {
		return 0, err
	}
	return len(ub), nil
}

// objectSizeBound is the length of the JSON of a record object with b, the
// record's JSON, in place of its data map. The map's JSON holds the same
// keys and values in another order, and is no longer: a number of at most
// 15 digits (below 2^53) survives the round trip through float64 digit for
// digit, and a string can only shrink (an invalid UTF-8 byte, written as
// the escape \ufffd in b, is the 3 bytes of U+FFFD in the map's JSON). ok
// is false when b holds a longer number, which may grow a digit.
func objectSizeBound(b []byte, name string, l map[string]string) (int, bool, error) {
	if !shortNumbers(b) {
		return 0, false, nil
	}
	u := &unstructured.Unstructured{Object: map[string]any{"data": json.RawMessage(b)}}
	u.SetGroupVersionKind(RecordGVK)
	u.SetName(name)
	u.SetLabels(l)
	ub, err := json.Marshal(u.Object)
	if err != nil {
		return 0, false, err
	}
	return len(ub), true, nil
}

// shortNumbers reports whether every number of the JSON text b has at most
// 15 digits.
func shortNumbers(b []byte) bool {
	inString, escaped, digits := false, false, 0
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString, digits = true, 0
		case c >= '0' && c <= '9':
			if digits++; digits > 15 {
				return false
			}
		default:
			digits = 0
		}
	}
	return true
}

// describe names a record in an error.
func describe(r *v1alpha1.SpendRecord) string {
	if r.Space == "" {
		return fmt.Sprintf("the unattributed spend of account %q in %s", r.Account, r.Period)
	}
	return fmt.Sprintf("the spend of space %q in %s", r.Space, r.Period)
}

// scopeOf is the scope of an object; one without the label is of the
// default scope (records written before scopes existed).
func scopeOf(u *unstructured.Unstructured) string {
	if s, ok := u.GetLabels()[v1alpha1.LabelScope]; ok {
		return s
	}
	return v1alpha1.DefaultScope
}

// previous is the record an object holds, nil when its data is no record.
func previous(u *unstructured.Unstructured) *v1alpha1.SpendRecord {
	data, ok := u.Object["data"].(map[string]any)
	if !ok {
		return nil
	}
	r, err := v1alpha1.FromData(data)
	if err != nil {
		return nil
	}
	return r
}

// same reports whether got holds the data and the ingester's labels of
// want already.
func same(want, got *unstructured.Unstructured) bool {
	wl, gl := want.GetLabels(), got.GetLabels()
	for _, k := range managedLabels {
		wv, wok := wl[k]
		gv, gok := gl[k]
		if wok != gok || wv != gv {
			return false
		}
	}
	// Compare as JSON: numbers decode as float64 on one side, int64 on the
	// other.
	a, err1 := json.Marshal(want.Object["data"])
	b, err2 := json.Marshal(got.Object["data"])
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// Apply makes the plan's changes. All or nothing as far as Kubernetes
// allows: every change is first sent as a server-side dry run (which checks
// authorisation, admission and validation) and, should any be refused,
// none is made. Then the changes are made one by one, each conditional on
// the object being as planned (create fails if it exists, update and
// delete if its resource version moved). When one fails midway, Apply stops
// and returns a *WriteError that says which changes were made and which
// were not. Objects the plan leaves unchanged are not written at all, so
// their resource version stays.
func (w *Writer) Apply(ctx context.Context, p *Plan) (WriteStats, error) {
	if p.Offline {
		return WriteStats{}, errors.New("cannot apply a plan made without reading the cluster")
	}
	ops := p.writes()
	var errs []error
	for _, c := range ops {
		if err := w.do(ctx, p.Scope, c, true); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return WriteStats{}, fmt.Errorf("cannot write the records of scope %q: the API server refused %d of %d changes in a dry run, so none was made: %w", p.Scope, len(errs), len(ops), errors.Join(errs...))
	}
	st := WriteStats{Unchanged: p.Stats().Unchanged}
	for i, c := range ops {
		if err := w.do(ctx, p.Scope, c, false); err != nil {
			return st, &WriteError{Failed: c, Written: ops[:i], Pending: ops[i:], Err: err}
		}
		st.add(c.Action)
	}
	return st, nil
}

// do makes one change, or checks it with a server-side dry run.
func (w *Writer) do(ctx context.Context, scope string, c *Change, dryRun bool) error {
	var err error
	switch c.Action {
	case ActionCreate:
		opts := []client.CreateOption{client.FieldOwner(FieldOwner)}
		if dryRun {
			opts = append(opts, client.DryRunAll)
		}
		var u *unstructured.Unstructured
		if u, err = c.wanted(scope); err == nil {
			err = w.Client.Create(ctx, u, opts...)
		}
	case ActionUpdate, ActionZero:
		opts := []client.UpdateOption{client.FieldOwner(FieldOwner)}
		if dryRun {
			opts = append(opts, client.DryRunAll)
		}
		var u *unstructured.Unstructured
		if u, err = c.wanted(scope); err == nil {
			err = w.Client.Update(ctx, updated(c.got, u), opts...)
		}
	case ActionDelete:
		uid, rv := c.got.GetUID(), c.got.GetResourceVersion()
		pre := client.Preconditions{ResourceVersion: &rv}
		if uid != "" {
			pre.UID = &uid
		}
		opts := []client.DeleteOption{pre}
		if dryRun {
			opts = append(opts, client.DryRunAll)
		}
		err = w.Client.Delete(ctx, c.got.DeepCopy(), opts...)
	case ActionUnchanged:
		return nil
	}
	if err != nil && dryRun {
		return fmt.Errorf("cannot %s %s %q (server-side dry run): %w", verb(c.Action), RecordGVK.Kind, c.Name, err)
	}
	return err
}

// updated is got, as listed (its resource version a precondition), with
// the data and the ingester's labels of want. Labels and annotations of
// others are kept.
func updated(got, want *unstructured.Unstructured) *unstructured.Unstructured {
	u := got.DeepCopy()
	u.Object["data"] = runtime.DeepCopyJSONValue(want.Object["data"])
	l := u.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	wl := want.GetLabels()
	for _, k := range managedLabels {
		if v, ok := wl[k]; ok {
			l[k] = v
		} else {
			delete(l, k)
		}
	}
	u.SetLabels(l)
	return u
}

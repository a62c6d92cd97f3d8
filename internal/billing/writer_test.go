package billing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

func newFakeClient(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	return newFakeClientWith(t, interceptor.Funcs{}, objs...)
}

func newFakeClientWith(t *testing.T, f interceptor.Funcs, objs ...client.Object) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).WithInterceptorFuncs(f).Build()
}

func getRecord(t *testing.T, c client.Client, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(RecordGVK)
	if err := c.Get(t.Context(), client.ObjectKey{Name: name}, u); err != nil {
		t.Fatalf("cannot get %q: %v", name, err)
	}
	return u
}

// spendRecord is a record of a space with one row of amount, charged on day 1
// to day `through` of the period.
func spendRecord(space, period, amount string) v1alpha1.SpendRecord {
	return v1alpha1.SpendRecord{
		Space: space, Period: period, Currency: "USD", BilledCost: amount, EffectiveCost: amount, ListCost: amount, Rows: 1,
		FirstChargePeriodStart: period + "-01T00:00:00Z", LastChargePeriodEnd: period + "-02T00:00:00Z",
		Sources: []v1alpha1.Source{{URI: "s3://exports/" + period + ".csv", Format: "focus"}},
	}
}

// unattributed is a record of an account's untagged spend.
func unattributed(account, period, amount string) v1alpha1.SpendRecord {
	r := spendRecord("", period, amount)
	r.Account = account
	return r
}

// stored is the object of r as an ingest of scope wrote it, at resource
// version rv.
func stored(t *testing.T, r v1alpha1.SpendRecord, scope, rv string) unstructured.Unstructured {
	t.Helper()
	u, err := object(&r, r.NameInScope(scope), scope)
	if err != nil {
		t.Fatal(err)
	}
	u.SetResourceVersion(rv)
	return *u
}

// records reads every record object of the cluster: name to record and
// scope.
func records(t *testing.T, c client.Client) map[string]string {
	t.Helper()
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(recordListGVK)
	if err := c.List(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, u := range l.Items {
		billed, _, _ := unstructured.NestedString(u.Object, "data", "billedCost")
		out[u.GetName()] = scopeOf(&u) + " " + billed
	}
	return out
}

func versions(t *testing.T, c client.Client) map[string]string {
	t.Helper()
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(recordListGVK)
	if err := c.List(t.Context(), l); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, u := range l.Items {
		out[u.GetName()] = u.GetResourceVersion()
	}
	return out
}

func TestPlan(t *testing.T) {
	legacy := stored(t, spendRecord("team-l", "2026-11", "4"), v1alpha1.DefaultScope, "7")
	delete(legacy.Object["metadata"].(map[string]any)["labels"].(map[string]any), v1alpha1.LabelScope)
	zeroB := v1alpha1.SpendRecord{
		Space: "team-b", Period: "2026-11", Currency: "USD", BilledCost: "0", EffectiveCost: "0", ListCost: "0",
		FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-11-02T00:00:00Z",
		Sources: []v1alpha1.Source{{URI: "s3://exports/2026-11.csv", Format: "focus"}},
	}
	eur := spendRecord("team-e", "2026-11", "2")
	eur.Currency = "EUR"
	zeroE := zeroB
	zeroE.Space, zeroE.Currency = "team-e", "EUR"

	type args struct {
		scope    string
		records  []v1alpha1.SpendRecord
		existing []unstructured.Unstructured
	}
	type change struct {
		Action Action
		Name   string
	}
	type want struct {
		changes []change
		// records are the records of some changes, by name.
		records map[string]*v1alpha1.SpendRecord
		err     string
	}
	a8 := spendRecord("team-a", "2026-11", "8")
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"EmptyCluster": {
			reason: "Every record of an empty cluster is a creation.",
			args:   args{scope: "default", records: []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5"), unattributed("222", "2026-11", "1")}},
			want: want{changes: []change{
				{Action: ActionCreate, Name: "spend-team-a-2026-11"},
				{Action: ActionCreate, Name: "unattributed-222-2026-11"},
			}},
		},
		"ChangedAndUnchanged": {
			reason: "A record whose object holds it already is unchanged; one whose object holds other figures is updated.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8, spendRecord("team-b", "2026-11", "3")},
				existing: []unstructured.Unstructured{stored(t, spendRecord("team-a", "2026-11", "5"), "default", "1"), stored(t, spendRecord("team-b", "2026-11", "3"), "default", "2")},
			},
			want: want{changes: []change{
				{Action: ActionUpdate, Name: "spend-team-a-2026-11"},
				{Action: ActionUnchanged, Name: "spend-team-b-2026-11"},
			}},
		},
		"StaleSpaceZeroed": {
			reason: "A space the scope billed in the period and bills no longer is written as zero, fresh as the run's data, so its claim reads 0 spent, not missing.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8},
				existing: []unstructured.Unstructured{stored(t, spendRecord("team-a", "2026-11", "5"), "default", "1"), stored(t, spendRecord("team-b", "2026-11", "3"), "default", "2")},
			},
			want: want{changes: []change{
				{Action: ActionUpdate, Name: "spend-team-a-2026-11"},
				{Action: ActionZero, Name: "spend-team-b-2026-11"},
			}, records: map[string]*v1alpha1.SpendRecord{"spend-team-b-2026-11": &zeroB}},
		},
		"ZeroKeepsCurrency": {
			reason: "A zero record keeps the currency its space was billed in.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8},
				existing: []unstructured.Unstructured{stored(t, eur, "default", "1")},
			},
			want: want{changes: []change{
				{Action: ActionCreate, Name: "spend-team-a-2026-11"},
				{Action: ActionZero, Name: "spend-team-e-2026-11"},
			}, records: map[string]*v1alpha1.SpendRecord{"spend-team-e-2026-11": &zeroE}},
		},
		"ZeroUnchanged": {
			reason: "A zero record the run would write again is left unchanged.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8},
				existing: []unstructured.Unstructured{stored(t, a8, "default", "1"), stored(t, zeroB, "default", "2")},
			},
			want: want{changes: []change{
				{Action: ActionUnchanged, Name: "spend-team-a-2026-11"},
				{Action: ActionUnchanged, Name: "spend-team-b-2026-11"},
			}},
		},
		"UnattributedAccountRemoved": {
			reason: "The unattributed record of an account the run no longer sees is deleted.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8},
				existing: []unstructured.Unstructured{stored(t, unattributed("222", "2026-11", "1"), "default", "3")},
			},
			want: want{changes: []change{
				{Action: ActionCreate, Name: "spend-team-a-2026-11"},
				{Action: ActionDelete, Name: "unattributed-222-2026-11"},
			}},
		},
		"OtherPeriodUntouched": {
			reason: "Records of a period the run does not read are not the run's to replace.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8},
				existing: []unstructured.Unstructured{stored(t, spendRecord("team-b", "2026-10", "3"), "default", "1"), stored(t, unattributed("222", "2026-10", "1"), "default", "2")},
			},
			want: want{changes: []change{{Action: ActionCreate, Name: "spend-team-a-2026-11"}}},
		},
		"OtherScopeUntouched": {
			reason: "Records of another scope in the same period are not the run's to replace.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8},
				existing: []unstructured.Unstructured{stored(t, spendRecord("team-b", "2026-11", "3"), "payer-b", "1"), stored(t, unattributed("222", "2026-11", "1"), "payer-b", "2")},
			},
			want: want{changes: []change{{Action: ActionCreate, Name: "spend-team-a-2026-11"}}},
		},
		"OtherScopeUnattributedSameAccount": {
			reason: "Two scopes may see the same account: a scope other than default names its unattributed records after itself.",
			args: args{scope: "payer-b",
				records:  []v1alpha1.SpendRecord{unattributed("222", "2026-11", "1"), unattributed("", "2026-11", "2")},
				existing: []unstructured.Unstructured{stored(t, unattributed("222", "2026-11", "1"), "default", "1"), stored(t, unattributed("", "2026-11", "1"), "default", "2")},
			},
			want: want{changes: []change{
				{Action: ActionCreate, Name: "unattributed-222-2026-11.payer-b"},
				{Action: ActionCreate, Name: "unattributed-none-2026-11.payer-b"},
			}},
		},
		"LegacyRecordIsDefault": {
			reason: "A record written before scopes existed is of the default scope: replaced by a default run, and labelled on update.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{spendRecord("team-l", "2026-11", "4")},
				existing: []unstructured.Unstructured{legacy},
			},
			want: want{changes: []change{{Action: ActionUpdate, Name: "spend-team-l-2026-11"}}},
		},
		"LegacyRecordZeroedByDefault": {
			reason: "A legacy record of a space the default run no longer bills is zeroed.",
			args: args{scope: "default",
				records:  []v1alpha1.SpendRecord{a8},
				existing: []unstructured.Unstructured{legacy},
			},
			want: want{changes: []change{
				{Action: ActionCreate, Name: "spend-team-a-2026-11"},
				{Action: ActionZero, Name: "spend-team-l-2026-11"},
			}},
		},
		"ScopeCollision": {
			reason: "A spend record another scope holds is refused, naming the scope; nothing is planned.",
			args: args{scope: "payer-b",
				records:  []v1alpha1.SpendRecord{a8, spendRecord("team-c", "2026-11", "1")},
				existing: []unstructured.Unstructured{stored(t, spendRecord("team-a", "2026-11", "5"), "default", "1")},
			},
			want: want{err: `cannot plan the write of scope "payer-b", so nothing is written: cannot write the spend of space "team-a" in 2026-11: its object "spend-team-a-2026-11" holds the record of scope "default"`},
		},
		"LegacyCollision": {
			reason: "A legacy record is of the default scope, so another scope cannot take it over.",
			args: args{scope: "payer-b",
				records:  []v1alpha1.SpendRecord{spendRecord("team-l", "2026-11", "4")},
				existing: []unstructured.Unstructured{legacy},
			},
			want: want{err: `its object "spend-team-l-2026-11" holds the record of scope "default"`},
		},
		"SameName": {
			reason: "Two records stored in one object are refused.",
			args:   args{scope: "default", records: []v1alpha1.SpendRecord{unattributed("", "2026-11", "1"), unattributed("none", "2026-11", "2")}},
			want:   want{err: `cannot store both the unattributed spend of account "" in 2026-11 and the unattributed spend of account "none" in 2026-11: both are named "unattributed-none-2026-11"`},
		},
		"InvalidPeriod": {
			reason: "A period the reconciler could not read is refused.",
			args:   args{scope: "default", records: []v1alpha1.SpendRecord{spendRecord("team-a", "2026-13", "1")}},
			want:   want{err: `period: Invalid value: "2026-13": must be a YYYY-MM billing period`},
		},
		"InvalidLabel": {
			reason: "A record whose labels the API server would refuse is refused before anything is written, naming the field.",
			args:   args{scope: "default", records: []v1alpha1.SpendRecord{spendRecord("team-a", "2026/11", "1")}},
			want:   want{err: `metadata.labels[billing.cloudspace.dev/period]: Invalid value: "2026/11"`},
		},
		"TooLarge": {
			reason: "A record too large for etcd is refused before anything is written.",
			args: args{scope: "default", records: []v1alpha1.SpendRecord{func() v1alpha1.SpendRecord {
				r := spendRecord("team-a", "2026-11", "1")
				r.ResourceIDs = []string{strings.Repeat("i", MaxObjectBytes)}
				return r
			}()}},
			want: want{err: "data: Too long"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := plan(tc.args.scope, tc.args.records, tc.args.existing)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if tc.want.err == "" && gotErr != "" || !strings.Contains(gotErr, tc.want.err) {
				t.Fatalf("\n%s\nplan(...): want error containing %q, got %q", tc.reason, tc.want.err, gotErr)
			}
			if tc.want.err != "" {
				if p != nil {
					t.Errorf("\n%s\nplan(...): want no plan with an error, got %d changes", tc.reason, len(p.Changes))
				}
				return
			}
			got := make([]change, len(p.Changes))
			for i, c := range p.Changes {
				got[i] = change{Action: c.Action, Name: c.Name}
				if want, ok := tc.want.records[c.Name]; ok {
					if diff := cmp.Diff(want, c.Record); diff != "" {
						t.Errorf("\n%s\nplan(...): %s: -want record, +got:\n%s", tc.reason, c.Name, diff)
					}
				}
			}
			if diff := cmp.Diff(tc.want.changes, got); diff != "" {
				t.Errorf("\n%s\nplan(...): -want changes, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestWriterReplacesPeriods(t *testing.T) {
	c := newFakeClient(t)
	w := &Writer{Client: c}
	other := &Writer{Client: c, Scope: "payer-b"}

	// Run 1 of November, a run of October, and another scope's November.
	if _, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5"), spendRecord("team-b", "2026-11", "3"), unattributed("222", "2026-11", "1")}); err != nil {
		t.Fatalf("Write(run 1): %v", err)
	}
	if _, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-b", "2026-10", "7"), unattributed("222", "2026-10", "2")}); err != nil {
		t.Fatalf("Write(October): %v", err)
	}
	if _, err := other.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-x", "2026-11", "9"), unattributed("222", "2026-11", "4")}); err != nil {
		t.Fatalf("Write(payer-b): %v", err)
	}
	before := versions(t, c)

	// Run 2 of November: team-a changed, team-b and account 222 gone,
	// team-c new.
	st, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "8"), spendRecord("team-c", "2026-11", "2")})
	if err != nil {
		t.Fatalf("Write(run 2): %v", err)
	}
	if diff := cmp.Diff(WriteStats{Created: 1, Updated: 1, Zeroed: 1, Deleted: 1}, st); diff != "" {
		t.Errorf("Write(run 2): -want stats, +got:\n%s", diff)
	}
	want := map[string]string{
		"spend-team-a-2026-11":             "default 8",
		"spend-team-b-2026-11":             "default 0",
		"spend-team-c-2026-11":             "default 2",
		"spend-team-b-2026-10":             "default 7",
		"unattributed-222-2026-10":         "default 2",
		"spend-team-x-2026-11":             "payer-b 9",
		"unattributed-222-2026-11.payer-b": "payer-b 4",
	}
	if diff := cmp.Diff(want, records(t, c)); diff != "" {
		t.Errorf("Write(run 2): -want records (name: scope billed), +got:\n%s", diff)
	}
	after := versions(t, c)
	for _, name := range []string{"spend-team-b-2026-10", "unattributed-222-2026-10", "spend-team-x-2026-11", "unattributed-222-2026-11.payer-b"} {
		if before[name] != after[name] {
			t.Errorf("Write(run 2): %s of another period or scope was written: resource version %s, then %s", name, before[name], after[name])
		}
	}

	// The zero record reads as a fresh record of no spend.
	data, _, _ := unstructured.NestedMap(getRecord(t, c, "spend-team-b-2026-11").Object, "data")
	z, err := v1alpha1.FromData(data)
	if err != nil {
		t.Fatal(err)
	}
	wantZero := &v1alpha1.SpendRecord{
		Space: "team-b", Period: "2026-11", Currency: "USD", BilledCost: "0", EffectiveCost: "0", ListCost: "0",
		FirstChargePeriodStart: "2026-11-01T00:00:00Z", LastChargePeriodEnd: "2026-11-02T00:00:00Z",
		Sources: []v1alpha1.Source{{URI: "s3://exports/2026-11.csv", Format: "focus"}},
	}
	if diff := cmp.Diff(wantZero, z); diff != "" {
		t.Errorf("Write(run 2): -want zero record, +got:\n%s", diff)
	}

	// Run 2 again changes nothing, not even a resource version.
	st, err = w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "8"), spendRecord("team-c", "2026-11", "2")})
	if err != nil {
		t.Fatalf("Write(run 2 again): %v", err)
	}
	if diff := cmp.Diff(WriteStats{Unchanged: 3}, st); diff != "" {
		t.Errorf("Write(run 2 again): -want stats, +got:\n%s", diff)
	}
	if diff := cmp.Diff(after, versions(t, c)); diff != "" {
		t.Errorf("Write(run 2 again): -want resource versions, +got:\n%s", diff)
	}
}

func TestWriterKeepsForeignMetadata(t *testing.T) {
	old := stored(t, spendRecord("team-a", "2026-11", "5"), "default", "")
	old.SetAnnotations(map[string]string{"example.org/note": "kept"})
	l := old.GetLabels()
	l["example.org/team"] = "kept"
	l[v1alpha1.LabelAccount] = "stale"
	old.SetLabels(l)
	c := newFakeClient(t, &old)
	if _, err := (&Writer{Client: c}).Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "8")}); err != nil {
		t.Fatalf("Write(...): %v", err)
	}
	u := getRecord(t, c, "spend-team-a-2026-11")
	wantLabels := map[string]string{
		v1alpha1.LabelSpace: "team-a", v1alpha1.LabelPeriod: "2026-11", v1alpha1.LabelRecord: v1alpha1.RecordSpend, v1alpha1.LabelScope: "default",
		"example.org/team": "kept",
	}
	if diff := cmp.Diff(wantLabels, u.GetLabels()); diff != "" {
		t.Errorf("Write(...): -want labels (others' kept, stale ones of the ingester removed), +got:\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"example.org/note": "kept"}, u.GetAnnotations()); diff != "" {
		t.Errorf("Write(...): -want annotations, +got:\n%s", diff)
	}
}

func TestWriterScopeCollisionWritesNothing(t *testing.T) {
	c := newFakeClient(t)
	if _, err := (&Writer{Client: c}).Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5")}); err != nil {
		t.Fatal(err)
	}
	before := records(t, c)
	_, err := (&Writer{Client: c, Scope: "payer-b"}).Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "1"), spendRecord("team-z", "2026-11", "1")})
	if err == nil || !strings.Contains(err.Error(), `holds the record of scope "default"`) {
		t.Fatalf("Write(payer-b): want a collision with scope default, got %v", err)
	}
	if diff := cmp.Diff(before, records(t, c)); diff != "" {
		t.Errorf("Write(payer-b): a refused run must write nothing: -want, +got:\n%s", diff)
	}
}

func TestWriterInvalidScope(t *testing.T) {
	_, err := (&Writer{Client: newFakeClient(t), Scope: "Payer_B"}).Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5")})
	if err == nil || !strings.Contains(err.Error(), `scope "Payer_B" is not a DNS label`) {
		t.Errorf("Write(...): want an invalid scope error, got %v", err)
	}
}

// isDryRun reports whether the options hold DryRunAll.
func isDryRun(dryRun []string) bool { return len(dryRun) > 0 && dryRun[0] == metav1.DryRunAll }

func TestWriterAPIFailureMidway(t *testing.T) {
	boom := errors.New("connection reset by peer")
	failing := true
	c := newFakeClientWith(t, interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			o := &client.UpdateOptions{}
			o.ApplyOptions(opts)
			if failing && !isDryRun(o.DryRun) && obj.GetName() == "spend-team-b-2026-11" {
				return boom
			}
			return c.Update(ctx, obj, opts...)
		},
	})
	w := &Writer{Client: c}
	if _, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5"), spendRecord("team-b", "2026-11", "3"), unattributed("222", "2026-11", "1")}); err != nil {
		t.Fatalf("Write(run 1): %v", err)
	}

	// Run 2 writes creations and updates first, then zeroes and deletions,
	// each in name order: the update of team-b, second, fails.
	run2 := []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "8"), spendRecord("team-b", "2026-11", "4"), spendRecord("team-c", "2026-11", "2")}
	st, err := w.Write(t.Context(), run2)
	we := &WriteError{}
	if !errors.As(err, &we) {
		t.Fatalf("Write(run 2): want a *WriteError, got %v", err)
	}
	if !errors.Is(err, boom) {
		t.Errorf("Write(run 2): want the API error wrapped, got %v", err)
	}
	names := func(cs []*Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, string(c.Action)+" "+c.Name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"update spend-team-a-2026-11"}, names(we.Written)); diff != "" {
		t.Errorf("Write(run 2): -want written, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"update spend-team-b-2026-11", "create spend-team-c-2026-11", "delete unattributed-222-2026-11"}, names(we.Pending)); diff != "" {
		t.Errorf("Write(run 2): -want pending, +got:\n%s", diff)
	}
	if we.Failed != we.Pending[0] {
		t.Errorf("Write(run 2): the failed change must be the first pending one")
	}
	if diff := cmp.Diff(WriteStats{Updated: 1}, st); diff != "" {
		t.Errorf("Write(run 2): -want stats of what was written, +got:\n%s", diff)
	}
	for _, s := range []string{`cannot update EnvironmentConfig "spend-team-b-2026-11": connection reset by peer`, "1 of 4 changes were written before it and 3 were not"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Write(run 2): error %q does not say %q", err, s)
		}
	}
	want := map[string]string{"spend-team-a-2026-11": "default 8", "spend-team-b-2026-11": "default 3", "unattributed-222-2026-11": "default 1"}
	if diff := cmp.Diff(want, records(t, c)); diff != "" {
		t.Errorf("Write(run 2): -want the cluster as the error says, +got:\n%s", diff)
	}

	// Re-running converges.
	failing = false
	st, err = w.Write(t.Context(), run2)
	if err != nil {
		t.Fatalf("Write(run 2 again): %v", err)
	}
	if diff := cmp.Diff(WriteStats{Created: 1, Updated: 1, Unchanged: 1, Deleted: 1}, st); diff != "" {
		t.Errorf("Write(run 2 again): -want stats, +got:\n%s", diff)
	}
	want = map[string]string{"spend-team-a-2026-11": "default 8", "spend-team-b-2026-11": "default 4", "spend-team-c-2026-11": "default 2"}
	if diff := cmp.Diff(want, records(t, c)); diff != "" {
		t.Errorf("Write(run 2 again): -want records, +got:\n%s", diff)
	}
}

func TestWriterDryRunRefusalWritesNothing(t *testing.T) {
	forbidden := kerrors.NewForbidden(schema.GroupResource{Group: v1alpha1.RecordGroup, Resource: "environmentconfigs"}, "unattributed-222-2026-11", errors.New(`cannot delete resource "environmentconfigs"`))
	c := newFakeClientWith(t, interceptor.Funcs{
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			return forbidden // in the dry run and for real alike, as RBAC would
		},
	})
	w := &Writer{Client: c}
	if _, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5"), unattributed("222", "2026-11", "1")}); err != nil {
		t.Fatalf("Write(run 1): %v", err)
	}
	before := versions(t, c)
	_, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "8"), spendRecord("team-c", "2026-11", "2")})
	if err == nil || !strings.Contains(err.Error(), "the API server refused 1 of 3 changes in a dry run, so none was made") || !kerrors.IsForbidden(err) {
		t.Fatalf("Write(run 2): want a dry run refusal, got %v", err)
	}
	if we := (*WriteError)(nil); errors.As(err, &we) {
		t.Errorf("Write(run 2): a dry run refusal wrote nothing, so it is no *WriteError")
	}
	if diff := cmp.Diff(before, versions(t, c)); diff != "" {
		t.Errorf("Write(run 2): a refused run must write nothing: -want resource versions, +got:\n%s", diff)
	}
}

func TestWriterConflict(t *testing.T) {
	c := newFakeClient(t)
	w := &Writer{Client: c}
	if _, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5"), spendRecord("team-b", "2026-11", "3")}); err != nil {
		t.Fatalf("Write(run 1): %v", err)
	}
	run2 := []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "8")}
	p, err := w.Plan(t.Context(), run2)
	if err != nil {
		t.Fatalf("Plan(run 2): %v", err)
	}
	// Someone else writes team-b between plan and apply.
	u := getRecord(t, c, "spend-team-b-2026-11")
	if err := unstructured.SetNestedField(u.Object, "6", "data", "billedCost"); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	_, err = w.Apply(t.Context(), p)
	we := &WriteError{}
	if !errors.As(err, &we) || !kerrors.IsConflict(err) || we.Failed.Name != "spend-team-b-2026-11" {
		t.Fatalf("Apply(run 2): want a conflict on spend-team-b-2026-11, got %v", err)
	}
	if got := records(t, c)["spend-team-b-2026-11"]; got != "default 6" {
		t.Errorf("Apply(run 2): the other writer's figure must stand after a conflict, got %q", got)
	}
	if _, err := w.Write(t.Context(), run2); err != nil {
		t.Fatalf("Write(run 2 again): %v", err)
	}
	if diff := cmp.Diff(map[string]string{"spend-team-a-2026-11": "default 8", "spend-team-b-2026-11": "default 0"}, records(t, c)); diff != "" {
		t.Errorf("Write(run 2 again): -want records, +got:\n%s", diff)
	}
}

func TestWriterOfflinePlanIsNotApplied(t *testing.T) {
	w := &Writer{Client: newFakeClient(t)}
	p, err := w.PlanOffline([]v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(WriteStats{Created: 1}, p.Stats()); diff != "" {
		t.Errorf("PlanOffline(...): -want, +got:\n%s", diff)
	}
	if _, err := w.Apply(t.Context(), p); err == nil {
		t.Errorf("Apply(offline plan): want an error")
	}
}

func TestWriterNoRecords(t *testing.T) {
	c := newFakeClient(t)
	w := &Writer{Client: c}
	if _, err := w.Write(t.Context(), []v1alpha1.SpendRecord{spendRecord("team-a", "2026-11", "5")}); err != nil {
		t.Fatal(err)
	}
	st, err := w.Write(t.Context(), nil)
	if err != nil {
		t.Fatalf("Write(nil): %v", err)
	}
	if diff := cmp.Diff(WriteStats{}, st); diff != "" {
		t.Errorf("Write(nil): a run that read no period replaces none: -want, +got:\n%s", diff)
	}
	if _, ok := records(t, c)["spend-team-a-2026-11"]; !ok {
		t.Errorf("Write(nil): the record of a period the run did not read was removed")
	}
}

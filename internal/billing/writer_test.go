package billing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

func newFakeClient(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
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

func TestWriter(t *testing.T) {
	rec := v1alpha1.SpendRecord{Space: "team-a", Period: "2026-11", Currency: "USD", BilledCost: "1.5", EffectiveCost: "1", ListCost: "2", Rows: 3}
	changed := rec
	changed.BilledCost = "2.5"
	other := v1alpha1.SpendRecord{Account: "222", Period: "2026-10", Currency: "USD", BilledCost: "9", EffectiveCost: "9", ListCost: "9", Rows: 1}

	c := newFakeClient(t)
	w := &Writer{Client: c}

	st, err := w.Write(t.Context(), []v1alpha1.SpendRecord{rec, other})
	if err != nil {
		t.Fatalf("Write(...): %v", err)
	}
	if diff := cmp.Diff(WriteStats{Applied: 2}, st); diff != "" {
		t.Errorf("Write(...): first write: -want, +got:\n%s", diff)
	}
	u := getRecord(t, c, "spend-team-a-2026-11")
	if diff := cmp.Diff(rec.Labels(), u.GetLabels()); diff != "" {
		t.Errorf("Write(...): -want labels, +got:\n%s", diff)
	}
	data, _, _ := unstructured.NestedMap(u.Object, "data")
	got, err := v1alpha1.FromData(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&rec, got); diff != "" {
		t.Errorf("Write(...): -want record in data, +got:\n%s", diff)
	}
	rv := u.GetResourceVersion()

	// The same records again change nothing.
	st, err = w.Write(t.Context(), []v1alpha1.SpendRecord{rec, other})
	if err != nil {
		t.Fatalf("Write(...): %v", err)
	}
	if diff := cmp.Diff(WriteStats{Unchanged: 2}, st); diff != "" {
		t.Errorf("Write(...): re-write: -want, +got:\n%s", diff)
	}
	if got := getRecord(t, c, "spend-team-a-2026-11").GetResourceVersion(); got != rv {
		t.Errorf("Write(...): re-write changed resource version %s to %s", rv, got)
	}

	// A changed record is applied; the other record is left alone.
	st, err = w.Write(t.Context(), []v1alpha1.SpendRecord{changed})
	if err != nil {
		t.Fatalf("Write(...): %v", err)
	}
	if diff := cmp.Diff(WriteStats{Applied: 1}, st); diff != "" {
		t.Errorf("Write(...): changed write: -want, +got:\n%s", diff)
	}
	if v, _, _ := unstructured.NestedString(getRecord(t, c, "spend-team-a-2026-11").Object, "data", "billedCost"); v != "2.5" {
		t.Errorf("Write(...): want billedCost 2.5 after change, got %q", v)
	}
	_ = getRecord(t, c, "unattributed-222-2026-10")
}

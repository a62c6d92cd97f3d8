package billing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/spend"
)

func TestListRecordsAndSpaces(t *testing.T) {
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	gvk := v1alpha1.CompositeGroupVersionKind
	s.AddKnownTypeWithName(gvk, &unstructured.Unstructured{})
	s.AddKnownTypeWithName(gvk.GroupVersion().WithKind(gvk.Kind+"List"), &unstructured.UnstructuredList{})

	var objs []client.Object
	for _, r := range []billingv1alpha1.SpendRecord{
		{Space: "b", Period: "2026-11", Currency: "USD", BilledCost: "2", EffectiveCost: "2", ListCost: "2"},
		{Space: "a", Period: "2026-11", Currency: "USD", BilledCost: "1.5", EffectiveCost: "1", ListCost: "2"},
		{Account: "123", Period: "2026-11", Currency: "USD", BilledCost: "9", EffectiveCost: "9", ListCost: "9"},
	} {
		o, err := Object(&r)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	xr := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "a", "labels": map[string]any{spend.LabelClaimNamespace: "team-payments", spend.LabelClaimName: "checkout"}},
		"spec": map[string]any{
			"team": "payments", "budget": map[string]any{"monthlyLimit": "1200.00", "currency": "USD"},
			"crossplane": map[string]any{"compositionRef": map[string]any{"name": "xcloudspaces"}}, // not modelled: ignored
		},
		"status": map[string]any{"namespace": "payments-checkout", "conditions": []any{map[string]any{"type": "Ready", "status": "True"}}},
	}}
	xr.SetGroupVersionKind(gvk)
	objs = append(objs, xr)
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()

	rs, err := ListRecords(t.Context(), c)
	if err != nil {
		t.Fatalf("ListRecords(): %v", err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Space+"="+r.BilledCost)
	}
	if diff := cmp.Diff([]string{"a=1.5", "b=2"}, got); diff != "" {
		t.Errorf("ListRecords(): -want spend records only, +got:\n%s", diff)
	}

	spaces, err := SpacesFrom(c)(t.Context())
	if err != nil {
		t.Fatalf("SpacesFrom(): %v", err)
	}
	want := []spend.Space{{Name: "a", Claim: "checkout", Namespace: "team-payments", Team: "payments", Budget: decimal.RequireFromString("1200"), HasBudget: true, Currency: "USD"}}
	if diff := cmp.Diff(want, spaces, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("SpacesFrom(): -want, +got:\n%s", diff)
	}
}

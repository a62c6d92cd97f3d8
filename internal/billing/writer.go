package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// FieldOwner is the server-side apply field manager of the ingester.
const FieldOwner = "cloudspace-billing-ingester"

// RecordGVK is the group, version and kind of the objects records are
// stored in.
var RecordGVK = schema.GroupVersionKind{Group: v1alpha1.RecordGroup, Version: v1alpha1.RecordVersion, Kind: v1alpha1.RecordKind}

// AddToScheme registers the record kind, as unstructured, in a scheme, for
// clients that need to know it (such as controller-runtime's fake client).
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypeWithName(RecordGVK, &unstructured.Unstructured{})
	l := RecordGVK
	l.Kind += "List"
	s.AddKnownTypeWithName(l, &unstructured.UnstructuredList{})
	return nil
}

// Object returns the EnvironmentConfig that stores a record.
func Object(r *v1alpha1.SpendRecord) (*unstructured.Unstructured, error) {
	data, err := r.Data()
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: map[string]any{"data": data}}
	u.SetGroupVersionKind(RecordGVK)
	u.SetName(r.Name())
	u.SetLabels(r.Labels())
	return u, nil
}

// WriteStats counts what a write did.
type WriteStats struct {
	Applied   int
	Unchanged int
}

// Writer writes records into the cluster with server-side apply.
type Writer struct {
	Client client.Client
}

// Write applies every record. A record whose object already holds the same
// data and labels is not applied at all, so re-ingesting the same files
// changes nothing, not even the resource version. Objects of records not in
// records are left alone: an ingest never deletes.
func (w *Writer) Write(ctx context.Context, records []v1alpha1.SpendRecord) (WriteStats, error) {
	var st WriteStats
	for i := range records {
		want, err := Object(&records[i])
		if err != nil {
			return st, err
		}
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(RecordGVK)
		err = w.Client.Get(ctx, client.ObjectKey{Name: want.GetName()}, got)
		switch {
		case err == nil && same(want, got):
			st.Unchanged++
			continue
		case err != nil && !kerrors.IsNotFound(err):
			return st, fmt.Errorf("cannot get %s %q: %w", RecordGVK.Kind, want.GetName(), err)
		}
		if err := w.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(want), client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
			return st, fmt.Errorf("cannot apply %s %q: %w", RecordGVK.Kind, want.GetName(), err)
		}
		st.Applied++
	}
	return st, nil
}

func same(want, got *unstructured.Unstructured) bool {
	labels := got.GetLabels()
	for k, v := range want.GetLabels() {
		if labels[k] != v {
			return false
		}
	}
	// Compare as JSON: numbers decode as float64 on one side, int64 on the
	// other.
	a, err1 := json.Marshal(want.Object["data"])
	b, err2 := json.Marshal(got.Object["data"])
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

package billing

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// ListRecords reads every spend record from the cluster: the
// EnvironmentConfigs labelled billing.cloudspace.dev/record=spend, sorted by
// object name.
func ListRecords(ctx context.Context, c client.Reader) ([]billingv1alpha1.SpendRecord, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(RecordGVK.GroupVersion().WithKind(RecordGVK.Kind + "List"))
	if err := c.List(ctx, l, client.MatchingLabels{billingv1alpha1.LabelRecord: billingv1alpha1.RecordSpend}); err != nil {
		return nil, fmt.Errorf("cannot list spend records: %w", err)
	}
	out := make([]billingv1alpha1.SpendRecord, 0, len(l.Items))
	for i := range l.Items {
		data, _, err := unstructured.NestedMap(l.Items[i].Object, "data")
		if err != nil {
			return nil, fmt.Errorf("cannot read spend record %q: %w", l.Items[i].GetName(), err)
		}
		r, err := billingv1alpha1.FromData(data)
		if err != nil {
			return nil, fmt.Errorf("cannot read spend record %q: %w", l.Items[i].GetName(), err)
		}
		out = append(out, *r)
	}
	return out, nil
}

// ListSpaces reads every XCloudSpace from the cluster. Fields the type does
// not model are ignored, as Crossplane adds its own.
func ListSpaces(ctx context.Context, c client.Reader) ([]v1alpha1.XCloudSpace, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(v1alpha1.CompositeGroupVersionKind.GroupVersion().WithKind(v1alpha1.CompositeKind + "List"))
	if err := c.List(ctx, l); err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", v1alpha1.CompositeKind, err)
	}
	out := make([]v1alpha1.XCloudSpace, len(l.Items))
	for i := range l.Items {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(l.Items[i].Object, &out[i]); err != nil {
			return nil, fmt.Errorf("cannot read %s %q: %w", v1alpha1.CompositeKind, l.Items[i].GetName(), err)
		}
	}
	return out, nil
}

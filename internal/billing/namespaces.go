package billing

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// NamespacesOf maps the tenant namespace of each XCloudSpace
// (status.namespace, which the composer reports) to the space, for
// InCluster.Namespaces. A namespace that two spaces report is left out, and
// named in the warnings: its pods cannot be told apart.
func NamespacesOf(xrs []v1alpha1.XCloudSpace) (map[string]string, []string) {
	by := map[string][]string{}
	for i := range xrs {
		if ns := xrs[i].Status.Namespace; ns != "" {
			by[ns] = append(by[ns], xrs[i].GetName())
		}
	}
	out := make(map[string]string, len(by))
	var warns []string
	for _, ns := range slices.Sorted(maps.Keys(by)) {
		spaces := by[ns]
		if len(spaces) > 1 {
			slices.Sort(spaces)
			warns = append(warns, fmt.Sprintf("namespace %q is the tenant namespace of %d spaces (%s): its pods are not attributed", ns, len(spaces), strings.Join(spaces, ", ")))
			continue
		}
		out[ns] = spaces[0]
	}
	return out, warns
}

// LabelTenantSpace is the label the composer (function-cloudspace) puts on
// every tenant Kubernetes object, the tenant namespace among them: the name
// of the XCloudSpace.
const LabelTenantSpace = "platform.cloudspace.dev/space"

// NamespacesFrom returns a function that maps the tenant namespaces of a
// cluster to their spaces, for InCluster.Namespaces: the status.namespace
// of every XCloudSpace, and the namespaces labelled LabelTenantSpace with
// a space (for a space whose status does not name its namespace yet; a
// status wins over a label). A cluster that does not serve XCloudSpace (the
// XRD is not installed) has no tenant namespaces. Namespaces that cannot
// be listed (no RBAC to) are a warning: the XCloudSpaces' status suffices.
func NamespacesFrom(c client.Reader) func(ctx context.Context) (map[string]string, []string, error) {
	return func(ctx context.Context) (map[string]string, []string, error) {
		xrs, err := ListSpaces(ctx, c)
		if meta.IsNoMatchError(err) || runtime.IsNotRegisteredError(err) {
			return map[string]string{}, []string{fmt.Sprintf("the cluster does not serve %s: no namespace is a tenant namespace", v1alpha1.CompositeKind)}, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("cannot map tenant namespaces to spaces: %w", err)
		}
		m, warns := NamespacesOf(xrs)
		labelled, err := labelledNamespaces(ctx, c)
		if err != nil {
			if !meta.IsNoMatchError(err) && !runtime.IsNotRegisteredError(err) {
				warns = append(warns, fmt.Sprintf("cannot list the namespaces labelled %s, so only the XCloudSpaces' status.namespace names tenant namespaces: %v", LabelTenantSpace, err))
			}
			return m, warns, nil
		}
		for _, ns := range slices.Sorted(maps.Keys(labelled)) {
			sp := labelled[ns]
			if old, ok := m[ns]; ok {
				if old != sp {
					warns = append(warns, fmt.Sprintf("namespace %q is labelled %s=%s but is the tenant namespace of %q by its status: attributed to %q", ns, LabelTenantSpace, sp, old, old))
				}
				continue
			}
			if !billingv1alpha1.IsSpaceName(sp) {
				continue
			}
			m[ns] = sp
		}
		return m, warns, nil
	}
}

// labelledNamespaces returns the namespaces labelled LabelTenantSpace and
// the space each names.
func labelledNamespaces(ctx context.Context, c client.Reader) (map[string]string, error) {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "NamespaceList"})
	if err := c.List(ctx, l, client.HasLabels{LabelTenantSpace}); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(l.Items))
	for i := range l.Items {
		out[l.Items[i].GetName()] = l.Items[i].GetLabels()[LabelTenantSpace]
	}
	return out, nil
}

// MergeNamespaces returns the namespaces of the cluster with those given
// (by flags) added, the given ones winning.
func MergeNamespaces(given, cluster map[string]string) map[string]string {
	out := maps.Clone(cluster)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, given)
	return out
}

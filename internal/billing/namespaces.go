package billing

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// NamespacesFrom returns a function that lists the XCloudSpaces of a
// cluster and maps their tenant namespaces, for InCluster.Namespaces. A
// cluster that does not serve XCloudSpace (the XRD is not installed) has no
// tenant namespaces.
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
		return m, warns, nil
	}
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

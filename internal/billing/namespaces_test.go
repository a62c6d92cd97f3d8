package billing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// TestNamespacesFrom maps tenant namespaces from the XCloudSpaces' status
// and from the composer's label on namespaces, the status winning.
func TestNamespacesFrom(t *testing.T) {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	gvk := v1alpha1.CompositeGroupVersionKind
	s.AddKnownTypeWithName(gvk, &unstructured.Unstructured{})
	s.AddKnownTypeWithName(gvk.GroupVersion().WithKind(gvk.Kind+"List"), &unstructured.UnstructuredList{})
	xr := func(name, ns string) client.Object {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		u.SetName(name)
		if ns != "" {
			u.Object["status"] = map[string]any{"namespace": ns}
		}
		return u
	}
	ns := func(name, space string) client.Object {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if space != "" {
			n.Labels = map[string]string{LabelTenantSpace: space}
		}
		return n
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(
		xr("team-a", "tenant-a"), xr("team-b", ""),
		ns("tenant-a", "team-x"), ns("tenant-b", "team-b"), ns("tenant-c", "Not_A_Space"), ns("kube-system", ""),
	).Build()
	got, warns, err := NamespacesFrom(c)(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"tenant-a": "team-a", "tenant-b": "team-b"}, got); diff != "" {
		t.Errorf("NamespacesFrom(...): -want +got:\n%s", diff)
	}
	want := []string{`namespace "tenant-a" is labelled platform.cloudspace.dev/space=team-x but is the tenant namespace of "team-a" by its status: attributed to "team-a"`}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("NamespacesFrom(...): warnings -want +got:\n%s", diff)
	}
}

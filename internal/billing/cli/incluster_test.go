package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

const splitFixture = "../testdata/cur-2.0-split.csv"

// clusterWithSpaces returns a fake cluster holding an XCloudSpace per
// space, with its tenant namespace in status.namespace.
func clusterWithSpaces(t *testing.T, tenants map[string]string) client.Client {
	t.Helper()
	s := runtime.NewScheme()
	if err := billing.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	gvk := v1alpha1.CompositeGroupVersionKind
	s.AddKnownTypeWithName(gvk, &unstructured.Unstructured{})
	s.AddKnownTypeWithName(gvk.GroupVersion().WithKind(gvk.Kind+"List"), &unstructured.UnstructuredList{})
	var objs []client.Object
	for space, ns := range tenants {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		u.SetName(space)
		if err := unstructured.SetNestedField(u.Object, ns, "status", "namespace"); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, u)
	}
	return fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).Build()
}

// TestIngestInCluster ingests the split cost fixture with the tenant
// namespaces from flags, from the cluster's XCloudSpaces, or both, and
// reads the in-cluster share of each space from the dry run's records.
func TestIngestInCluster(t *testing.T) {
	type args struct {
		spaces map[string]string // XCloudSpaces in the cluster: space → tenant namespace
		flags  []string
	}
	type want struct {
		inCluster map[string]string // space → in-cluster billed cost
		summary   string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"FromCluster": {
			// The split costs of the pods of tenant-team-a, and of tenant-team-b
			// and the pod of shared-tools labelled team-b (checked with Python).
			reason: "The XCloudSpaces' status.namespace names the tenant namespaces.",
			args:   args{spaces: map[string]string{"team-a": "tenant-team-a", "team-b": "tenant-team-b"}},
			want: want{
				inCluster: map[string]string{"team-a": "0.306461538463", "team-b": "0.35076923077"},
				summary:   "In-cluster: USD 0.657230769233 of the attributed cost is the spaces' pods, moved off the nodes they ran on",
			},
		},
		"FlagsWin": {
			reason: "--namespace-space adds to the cluster's namespaces and wins over them; --idle-policy shares idle capacity.",
			args: args{
				spaces: map[string]string{"team-a": "tenant-team-a", "team-b": "tenant-team-a"},
				flags:  []string{"--namespace-space", "tenant-team-b=team-b", "--idle-policy", "requests"},
			},
			// tenant-team-a is claimed by two spaces: not attributed. team-b
			// keeps the pod labelled with it in shared-tools.
			want: want{inCluster: map[string]string{"team-b": "0.53518491207"}},
		},
		"NotFromCluster": {
			reason: "--no-namespaces-from-cluster reads only the flags.",
			args: args{
				spaces: map[string]string{"team-a": "tenant-team-a"},
				flags:  []string{"--no-namespaces-from-cluster", "--namespace-space", "shared-eu/tenant-team-b=team-b"},
			},
			want: want{inCluster: map[string]string{"team-b": "0.35076923077"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			kc := clusterWithSpaces(t, tc.args.spaces)
			out, errOut, err := ingest(t, kc, append(append([]string{"--dry-run", "-o", "json"}, tc.args.flags...), splitFixture)...)
			if err != nil {
				t.Fatalf("%s\ningest: %v\n%s", tc.reason, err, errOut)
			}
			var plan struct {
				Records []billingv1alpha1.SpendRecord `json:"records"`
			}
			if err := json.Unmarshal([]byte(out), &plan); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range plan.Records {
				if r.InCluster != nil {
					got[r.Space] = r.InCluster.BilledCost
				}
			}
			if diff := cmp.Diff(tc.want.inCluster, got); diff != "" {
				t.Errorf("%s\ningest: in-cluster billed cost per space -want +got:\n%s", tc.reason, diff)
			}
			if tc.want.summary != "" && !strings.Contains(errOut, tc.want.summary) {
				t.Errorf("%s\ningest: want %q on stderr, got:\n%s", tc.reason, tc.want.summary, errOut)
			}
		})
	}
}

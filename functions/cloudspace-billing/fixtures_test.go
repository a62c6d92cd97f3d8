package main

import (
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/crossplane-runtime/v2/pkg/meta"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta1"
)

// TestMain registers the types the tests observe.
func TestMain(m *testing.M) {
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, ec2v1beta1.AddToScheme, kmsv1beta1.AddToScheme, s3v1beta1.AddToScheme} {
		if err := add(composed.Scheme); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// observedOf converts typed objects into observed composed resources.
func observedOf(t testing.TB, objs map[resource.Name]runtime.Object) Observed {
	t.Helper()
	o := Observed{}
	for name, obj := range objs {
		u, err := composed.From(obj)
		if err != nil {
			t.Fatal(err)
		}
		o[name] = resource.ObservedComposed{Resource: u}
	}
	return o
}

func created(ts string) metav1.ObjectMeta {
	tm, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		panic(err)
	}
	return metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(tm)}
}

func kmsKey(createdAt, arn string) *kmsv1beta1.Key {
	k := &kmsv1beta1.Key{ObjectMeta: created(createdAt)}
	if arn != "" {
		k.Status.AtProvider.Arn = &arn
		id := arn[len(arn)-2:]
		k.Status.AtProvider.ID = &id
	}
	return k
}

func natGateway(createdAt, id string) *ec2v1beta1.NATGateway {
	n := &ec2v1beta1.NATGateway{ObjectMeta: created(createdAt)}
	n.Status.AtProvider.ID = &id
	return n
}

func bucket(createdAt, name string) *s3v1beta1.Bucket {
	b := &s3v1beta1.Bucket{ObjectMeta: created(createdAt)}
	meta.SetExternalName(b, name)
	b.Status.AtProvider.ID = &name
	return b
}

func vpc(id string) *ec2v1beta1.VPC {
	v := &ec2v1beta1.VPC{ObjectMeta: created("2026-10-14T09:00:00Z")}
	v.Status.AtProvider.ID = &id
	return v
}

// quota is a ResourceQuota whose status holds hard and used, each a list of
// resource name and quantity pairs.
func quota(hard, used map[string]string) *corev1.ResourceQuota {
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "cloudspace", Namespace: "team-payments-checkout"}}
	list := func(m map[string]string) corev1.ResourceList {
		if m == nil {
			return nil
		}
		l := corev1.ResourceList{}
		for k, v := range m {
			l[corev1.ResourceName(k)] = kresource.MustParse(v)
		}
		return l
	}
	q.Spec.Hard = list(hard)
	q.Status.Hard, q.Status.Used = list(hard), list(used)
	return q
}

// remoteObject wraps obj in a provider-kubernetes Object as observed: the
// remote object, status included, under status.atProvider.manifest.
func remoteObject(obj runtime.Object) runtime.Object {
	u, err := composed.From(obj)
	if err != nil {
		panic(err)
	}
	u.SetAPIVersion("v1")
	u.SetKind("ResourceQuota")
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubernetes.crossplane.io/v1alpha2",
		"kind":       "Object",
		"spec":       map[string]any{"forProvider": map[string]any{"manifest": map[string]any{"apiVersion": "v1", "kind": "ResourceQuota"}}},
		"status":     map[string]any{"atProvider": map[string]any{"manifest": u.Object}},
	}}
}

package rendertest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestManagedResources(t *testing.T) {
	rendered := `---
apiVersion: platform.cloudspace.dev/v1alpha1
kind: XCloudSpace
metadata:
  name: x
---
apiVersion: v1
kind: Namespace
metadata:
  name: ns
---
apiVersion: ec2.aws.upbound.io/v1beta1
kind: VPC
metadata:
  name: vpc
---
apiVersion: kubernetes.crossplane.io/v1alpha2
kind: Object
metadata:
  name: o
---
apiVersion: render.crossplane.io/v1beta1
kind: Result
message: hi
`
	want := `---
apiVersion: ec2.aws.upbound.io/v1beta1
kind: VPC
metadata:
  name: vpc
---
apiVersion: kubernetes.crossplane.io/v1alpha2
kind: Object
metadata:
  name: o
`
	got, err := ManagedResources([]byte(rendered))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("ManagedResources keeps only provider managed resources: -want +got:\n%s", diff)
	}
}

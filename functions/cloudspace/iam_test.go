package main

import (
	"testing"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"

	"github.com/google/go-cmp/cmp"

	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
)

func TestIAM(t *testing.T) {
	s := composeSpace(t, composeXR(), composeInput())
	id, _ := ResolveIdentity(s)
	parts, err := IAM(s, id)
	if err != nil {
		t.Fatal(err)
	}
	role := parts[0].Object.(*iamv1beta1.Role).Spec.ForProvider
	if diff := cmp.Diff(`{"Version":"2012-10-17","Statement":[{"Sid":"Principal","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/platform-admins"},"Action":["sts:AssumeRole"]}]}`, *role.AssumeRolePolicy); diff != "" {
		t.Errorf("The role trusts the input's principal.\n-want, +got:\n%s", diff)
	}
	att := parts[2].Object.(*iamv1beta1.RolePolicyAttachment).Spec.ForProvider
	want := iamv1beta1.RolePolicyAttachmentParameters{RoleSelector: selectController(nil), PolicyArnSelector: selectController(nil)}
	if diff := cmp.Diff(want, att); diff != "" {
		t.Errorf("The attachment selects the role and policy by controller, never by copied names.\n-want, +got:\n%s", diff)
	}
}

func TestIAMWorkloadIdentity(t *testing.T) {
	s := composeSpace(t, composeXR(), withInput(func(in *fnv1alpha1.Composer) {
		in.Identity = fnv1alpha1.IdentitySpec{
			AccountID:           "123456789012",
			WorkloadIdentity:    &fnv1alpha1.WorkloadIdentitySpec{ClusterName: "platform", ClusterRegion: "us-east-1"},
			PermissionsBoundary: "arn:aws:iam::123456789012:policy/cloudspace-boundary",
		}
	}))
	id, errs := ResolveIdentity(s)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	parts, err := IAM(s, id)
	if err != nil {
		t.Fatal(err)
	}
	role := parts[0].Object.(*iamv1beta1.Role).Spec.ForProvider
	wantTrust := `{"Version":"2012-10-17","Statement":[{"Sid":"TenantPods","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],` +
		`"Condition":{"StringEquals":{"aws:RequestTag/eks-cluster-name":"platform","aws:RequestTag/kubernetes-namespace":"team-payments-checkout","aws:RequestTag/kubernetes-service-account":"cloudspace","aws:SourceAccount":"123456789012"}}}]}`
	if diff := cmp.Diff(wantTrust, *role.AssumeRolePolicy); diff != "" {
		t.Errorf("The role trusts only Pod Identity sessions of the tenant's service account on the cluster, and no account root.\n-want, +got:\n%s", diff)
	}
	if diff := cmp.Diff(ptr("arn:aws:iam::123456789012:policy/cloudspace-boundary"), role.PermissionsBoundary); diff != "" {
		t.Errorf("The role is bounded by the input's policy.\n-want, +got:\n%s", diff)
	}
	var got *eksv1beta1.PodIdentityAssociationParameters_2
	for _, p := range parts {
		if p.Name == NamePodIdentity {
			got = &p.Object.(*eksv1beta1.PodIdentityAssociation).Spec.ForProvider
		}
	}
	want := &eksv1beta1.PodIdentityAssociationParameters_2{
		ClusterName: ptr("platform"), Region: ptr("us-east-1"), Namespace: ptr("team-payments-checkout"), ServiceAccount: ptr("cloudspace"),
		DisableSessionTags: ptr(false), RoleArnSelector: selectController(nil),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("The association binds the tenant's service account to the role by controller, with the session tags the trust checks.\n-want, +got:\n%s", diff)
	}
}

package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

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
	if diff := cmp.Diff(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["sts:AssumeRole"]}]}`, *role.AssumeRolePolicy); diff != "" {
		t.Errorf("The role trusts the input's principal.\n-want, +got:\n%s", diff)
	}
	att := parts[2].Object.(*iamv1beta1.RolePolicyAttachment).Spec.ForProvider
	want := iamv1beta1.RolePolicyAttachmentParameters{RoleSelector: selectController(nil), PolicyArnSelector: selectController(nil)}
	if diff := cmp.Diff(want, att); diff != "" {
		t.Errorf("The attachment selects the role and policy by controller, never by copied names.\n-want, +got:\n%s", diff)
	}
}

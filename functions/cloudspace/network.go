package main

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
)

// VPC is the space's VPC.
func VPC(s *Space) *ec2v1beta1.VPC {
	return &ec2v1beta1.VPC{
		TypeMeta: metav1.TypeMeta{APIVersion: ec2v1beta1.CRDGroupVersion.String(), Kind: ec2v1beta1.VPC_Kind},
		Spec: ec2v1beta1.VPCSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: ec2v1beta1.VPCParameters_2{
				Region:             ptr(s.Spec.Region),
				CidrBlock:          ptr(s.CIDR.String()),
				EnableDNSHostnames: ptr(true),
				EnableDNSSupport:   ptr(true),
				Tags:               awsTags(s),
			},
		},
	}
}

// providerSpec is the ResourceSpec every provider-aws resource of s shares.
func providerSpec(s *Space) xpv1.ResourceSpec {
	rs := xpv1.ResourceSpec{}
	if n := s.Input.Identity.ProviderConfigName; n != "" {
		rs.ProviderConfigReference = &xpv1.Reference{Name: n}
	}
	return rs
}

// awsTags are the cost tags of every taggable provider-aws resource.
func awsTags(s *Space) map[string]*string {
	t := map[string]*string{}
	for k, v := range ResolveTags(s) {
		t[k] = ptr(v)
	}
	return t
}

// ResolveTags returns the cost tags of s: the claim's own tags, then the
// platform's, which win.
func ResolveTags(s *Space) map[string]string {
	t := map[string]string{}
	for k, v := range s.Spec.Tags {
		t[k] = v
	}
	t["cloudspace"] = s.Name
	t["team"] = s.Spec.Team
	t["environment"] = string(s.Spec.Environment)
	t["cost-center"] = s.Spec.CostCenter
	return t
}

package main

import (
	"encoding/json"
	"fmt"

	"github.com/crossplane/function-sdk-go/resource"

	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
)

// Names of the identity resources.
const (
	NameRole             resource.Name = "role"
	NamePolicy           resource.Name = "policy"
	NamePolicyAttachment resource.Name = "policy-attachment"
	NamePodIdentity      resource.Name = "pod-identity"
)

// IAM returns the team's role, the policy that grants it this space's
// bucket and key, the attachment of one to the other and, with a workload
// identity, the Pod Identity association of the tenant's service account
// with the role.
func IAM(s *Space, id Identity) ([]Part, error) {
	trust, err := json.Marshal(TrustPolicy(id))
	if err != nil {
		return nil, fmt.Errorf("cannot marshal trust policy: %w", err)
	}
	access, err := json.Marshal(AccessPolicy(s, id))
	if err != nil {
		return nil, fmt.Errorf("cannot marshal access policy: %w", err)
	}
	var boundary *string
	if id.PermissionsBoundary != "" {
		boundary = ptr(id.PermissionsBoundary)
	}
	parts := []Part{
		{Name: NameRole, Object: &iamv1beta1.Role{Spec: iamv1beta1.RoleSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: iamv1beta1.RoleParameters{
				AssumeRolePolicy:    ptr(string(trust)),
				Description:         ptr(fmt.Sprintf("Team %s in CloudSpace %s", s.Spec.Team, s.Name)),
				MaxSessionDuration:  ptr(float64(3600)),
				PermissionsBoundary: boundary,
			},
		}}},
		{Name: NamePolicy, Object: &iamv1beta1.Policy{Spec: iamv1beta1.PolicySpec{
			ResourceSpec: providerSpec(s),
			ForProvider: iamv1beta1.PolicyParameters{
				Description: ptr(fmt.Sprintf("Access to the bucket and key of CloudSpace %s", s.Name)),
				Policy:      ptr(string(access)),
			},
		}}},
		{Name: NamePolicyAttachment, Object: &iamv1beta1.RolePolicyAttachment{Spec: iamv1beta1.RolePolicyAttachmentSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: iamv1beta1.RolePolicyAttachmentParameters{
				RoleSelector:      selectController(nil),
				PolicyArnSelector: selectController(nil),
			},
		}}},
	}
	if w := id.Workload; w != nil {
		parts = append(parts, Part{Name: NamePodIdentity, Object: &eksv1beta1.PodIdentityAssociation{Spec: eksv1beta1.PodIdentityAssociationSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: eksv1beta1.PodIdentityAssociationParameters_2{
				ClusterName:    ptr(w.ClusterName),
				Region:         ptr(w.ClusterRegion),
				Namespace:      ptr(w.Namespace),
				ServiceAccount: ptr(w.ServiceAccount),
				// The role's trust policy checks the session tags.
				DisableSessionTags: ptr(false),
				RoleArnSelector:    selectController(nil),
			},
		}}})
	}
	return parts, nil
}

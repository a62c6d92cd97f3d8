package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// TypeTagsCompliant is the condition that reports whether the space's cost
// tags satisfy the platform's tag policy and AWS's rules.
const TypeTagsCompliant = "TagsCompliant"

// Reasons of the TagsCompliant condition.
const (
	ReasonCompliant         = "Compliant"
	ReasonTagPolicyViolated = "TagPolicyViolated"
)

// Status returns what the composer knows of s, planned as p: the tenant
// namespace, the resolved tags, quota and limits, and the identifiers of
// the cloud resources read from their observed status.atProvider.
func Status(s *Space, p *Plan, observed xfn.Observed) v1alpha1.XCloudSpaceStatus {
	lr := p.Limits
	st := v1alpha1.XCloudSpaceStatus{
		Namespace: s.Namespace,
		CostTags:  v1alpha1.TagsOf(p.Tags),
		Quota: &v1alpha1.QuotaAmounts{
			CPU:           v1alpha1.Quantity(s.CPU.String()),
			Memory:        v1alpha1.Quantity(s.Memory.String()),
			Storage:       v1alpha1.Quantity(s.Storage.String()),
			GPU:           v1alpha1.Quantity(s.GPU.String()),
			Pods:          s.Tier.Max.Pods,
			LoadBalancers: s.Tier.Max.LoadBalancers,
		},
		Limits:    &lr,
		RoleARN:   observed.String(NameRole, atProviderARN...),
		KMSKeyARN: observed.String(NameKey, atProviderARN...),
	}
	if s.Input.CostBasis == fnv1alpha1.CostBasisEffective {
		st.CostBasis = string(fnv1alpha1.CostBasisEffective)
	}
	n := &v1alpha1.NetworkStatus{
		VPCID:           observed.String(NameVPC, atProviderID...),
		SecurityGroupID: observed.String(NameSecurityGroup, atProviderID...),
	}
	for _, sn := range p.Subnets {
		if id := observed.String(NameSubnet(sn), atProviderID...); id != "" {
			n.SubnetIDs = append(n.SubnetIDs, id)
		}
	}
	if n.VPCID != "" || n.SecurityGroupID != "" || len(n.SubnetIDs) > 0 {
		st.Network = n
	}
	b := &v1alpha1.BucketStatus{Name: observed.String(NameBucket, atProviderID...), ARN: observed.String(NameBucket, atProviderARN...)}
	if b.Name != "" || b.ARN != "" {
		st.Bucket = b
	}
	return st
}

// Where provider-aws reports a resource's identifiers.
var (
	atProviderID  = []string{"status", "atProvider", "id"}
	atProviderARN = []string{"status", "atProvider", "arn"}
)

// TagsCompliantCondition reports compliant tags. A space whose tags break
// the policy is rejected with a Fatal result before its status is written.
func TagsCompliantCondition(n int) xfn.Condition {
	return xfn.Condition{
		Type:    TypeTagsCompliant,
		Status:  xfn.True,
		Reason:  ReasonCompliant,
		Message: fmt.Sprintf("Every taggable resource carries the %d cost tags of the tag policy", n),
	}
}

// TagProblems returns the problems of s's cost tags: the tag policy's and
// AWS's rules. It is empty when the tags are compliant.
func TagProblems(s *Space) field.ErrorList {
	tags, errs := ResolveTags(s)
	if len(errs) > 0 {
		return errs
	}
	if vs := ValidateAWSTags(tags); len(vs) > 0 {
		return tagErrors(vs, "every taggable resource")
	}
	return nil
}

// TagsViolated is the TagsCompliant condition of a space Compose rejected,
// when its tags are at fault; ok is false when they are not. Its message
// names the first problem and counts the rest, and holds no timestamps, so
// that it does not flap.
func TagsViolated(s *Space) (c xfn.Condition, ok bool) {
	errs := TagProblems(s)
	if len(errs) == 0 {
		return xfn.Condition{}, false
	}
	msg := errs[0].Error()
	if n := len(errs) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return xfn.Condition{Type: TypeTagsCompliant, Status: xfn.False, Reason: ReasonTagPolicyViolated, Message: msg, Problem: true}, true
}

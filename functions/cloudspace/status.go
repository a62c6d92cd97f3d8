package main

import (
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// ConditionTagsCompliant reports whether the space's cost tags satisfy the
// platform's tag policy and AWS's rules.
const ConditionTagsCompliant = "TagsCompliant"

// Status returns what the composer knows of s: the tenant namespace, the
// resolved tags, quota and limits, and the identifiers of the cloud
// resources read from their observed status.atProvider.
func Status(s *Space, observed xfn.Observed) (v1alpha1.XCloudSpaceStatus, error) {
	cp, errs := plans.For(s)
	if len(errs) > 0 {
		return v1alpha1.XCloudSpaceStatus{}, fmt.Errorf("cannot compose %s %q: %w", v1alpha1.CompositeKind, s.Name, errs.ToAggregate())
	}
	tags, lr := maps.Clone(cp.Tags), cp.Limits
	st := v1alpha1.XCloudSpaceStatus{
		Namespace: s.Namespace,
		Tags:      tags,
		Quota: &v1alpha1.QuotaAmounts{
			CPU:           v1alpha1.Quantity(s.CPU.String()),
			Memory:        v1alpha1.Quantity(s.Memory.String()),
			Storage:       v1alpha1.Quantity(s.Storage.String()),
			GPU:           v1alpha1.Quantity(s.GPU.String()),
			Pods:          s.Tier.Max.Pods,
			LoadBalancers: s.Tier.Max.LoadBalancers,
		},
		Limits:    &lr,
		RoleARN:   observed.String(NameRole, "status.atProvider.arn"),
		KMSKeyARN: observed.String(NameKey, "status.atProvider.arn"),
	}
	n := &v1alpha1.NetworkStatus{
		VPCID:           observed.String(NameVPC, "status.atProvider.id"),
		SecurityGroupID: observed.String(NameSecurityGroup, "status.atProvider.id"),
	}
	for _, sn := range cp.Subnets {
		if id := observed.String(NameSubnet(sn), "status.atProvider.id"); id != "" {
			n.SubnetIDs = append(n.SubnetIDs, id)
		}
	}
	if n.VPCID != "" || n.SecurityGroupID != "" || len(n.SubnetIDs) > 0 {
		st.Network = n
	}
	b := &v1alpha1.BucketStatus{
		Name: observed.String(NameBucket, "status.atProvider.id"),
		ARN:  observed.String(NameBucket, "status.atProvider.arn"),
	}
	if b.Name != "" || b.ARN != "" {
		st.Bucket = b
	}
	return st, nil
}

// SetStatus writes Status into the desired composite resource, key by key
// so that status other steps write is kept, and reports TagsCompliant.
func SetStatus(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Space, observed xfn.Observed) error {
	st, err := Status(s, observed)
	if err != nil {
		return err
	}
	if err := SetStatusFields(rsp, toMap(st)); err != nil {
		return err
	}
	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		return fmt.Errorf("cannot get observed composite resource: %w", err)
	}
	xfn.SetCondition(rsp, oxr, TagsCompliantCondition(len(st.Tags)))
	return nil
}

// TagsCompliantCondition reports compliant tags. A space whose tags break
// the policy is rejected with a Fatal result before its status is written.
func TagsCompliantCondition(n int) xfn.Condition {
	return xfn.Condition{
		Type:    ConditionTagsCompliant,
		Status:  true,
		Reason:  ReasonTagsCompliant,
		Message: fmt.Sprintf("Every taggable resource carries the %d cost tags of the tag policy", n),
	}
}

// Reasons of the TagsCompliant condition.
const (
	ReasonTagsCompliant     = "Compliant"
	ReasonTagPolicyViolated = "TagPolicyViolated"
)

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

// TagsViolatedCondition reports tags that break the policy. Its message
// names the first problem and counts the rest, and holds no timestamps, so
// that it does not flap.
func TagsViolatedCondition(errs field.ErrorList) xfn.Condition {
	msg := errs[0].Error()
	if n := len(errs) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return xfn.Condition{Type: ConditionTagsCompliant, Status: false, Reason: ReasonTagPolicyViolated, Message: msg, Problem: true}
}

// ComposeFailed reports a space Compose rejected: TagsCompliant False when
// its tags are at fault, and a Fatal result with every problem. RunFunction
// calls it in place of response.Fatal when Compose fails.
func ComposeFailed(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Space, err error) {
	if s != nil {
		if terrs := TagProblems(s); len(terrs) > 0 {
			oxr, oerr := request.GetObservedCompositeResource(req)
			if oerr == nil {
				xfn.SetCondition(rsp, oxr, TagsViolatedCondition(terrs))
			}
		}
	}
	response.Fatal(rsp, err)
}

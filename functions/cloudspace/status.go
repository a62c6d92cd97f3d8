package main

import (
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
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
	cp, errs := s.Plan()
	if len(errs) > 0 {
		return v1alpha1.XCloudSpaceStatus{}, fmt.Errorf("cannot compose %s %q: %w", v1alpha1.CompositeKind, s.Name, errs.ToAggregate())
	}
	return status(s, cp, observedIDs(cp, observed)), nil
}

// The identifiers status reports, in the order observedIDs reads them;
// the subnets' follow, in the plan's order.
const (
	idRole = iota
	idKey
	idVPC
	idSecurityGroup
	idBucketName
	idBucketARN
	idSubnets
)

// observedIDs reads the identifiers status reports from observed; "" for
// one not reported yet.
func observedIDs(cp *ComposedPlan, observed xfn.Observed) []string {
	id, arn := []string{"status", "atProvider", "id"}, []string{"status", "atProvider", "arn"}
	ids := make([]string, idSubnets, idSubnets+len(cp.Subnets))
	ids[idRole] = observed.String(NameRole, arn...)
	ids[idKey] = observed.String(NameKey, arn...)
	ids[idVPC] = observed.String(NameVPC, id...)
	ids[idSecurityGroup] = observed.String(NameSecurityGroup, id...)
	ids[idBucketName] = observed.String(NameBucket, id...)
	ids[idBucketARN] = observed.String(NameBucket, arn...)
	for _, sn := range cp.Subnets {
		ids = append(ids, observed.String(NameSubnet(sn), id...))
	}
	return ids
}

func status(s *Space, cp *ComposedPlan, ids []string) v1alpha1.XCloudSpaceStatus {
	lr := cp.Limits
	st := v1alpha1.XCloudSpaceStatus{
		Namespace: s.Namespace,
		Tags:      maps.Clone(cp.Tags),
		Quota: &v1alpha1.QuotaAmounts{
			CPU:           v1alpha1.Quantity(s.CPU.String()),
			Memory:        v1alpha1.Quantity(s.Memory.String()),
			Storage:       v1alpha1.Quantity(s.Storage.String()),
			GPU:           v1alpha1.Quantity(s.GPU.String()),
			Pods:          s.Tier.Max.Pods,
			LoadBalancers: s.Tier.Max.LoadBalancers,
		},
		Limits:    &lr,
		RoleARN:   ids[idRole],
		KMSKeyARN: ids[idKey],
	}
	n := &v1alpha1.NetworkStatus{VPCID: ids[idVPC], SecurityGroupID: ids[idSecurityGroup]}
	for _, id := range ids[idSubnets:] {
		if id != "" {
			n.SubnetIDs = append(n.SubnetIDs, id)
		}
	}
	if n.VPCID != "" || n.SecurityGroupID != "" || len(n.SubnetIDs) > 0 {
		st.Network = n
	}
	if b := (&v1alpha1.BucketStatus{Name: ids[idBucketName], ARN: ids[idBucketARN]}); b.Name != "" || b.ARN != "" {
		st.Bucket = b
	}
	return st
}

// SetStatus writes Status into the desired composite resource, key by key
// so that status other steps write is kept, and reports TagsCompliant.
func SetStatus(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Space, observed xfn.Observed) error {
	fields, tags, err := statusFields(s, observed)
	if err != nil {
		return err
	}
	xfn.SetCompositeStatus(rsp, fields)
	xfn.SetCondition(rsp, req, TagsCompliantCondition(tags))
	return nil
}

// statusFields returns Status as the fields of a response's status, and
// the number of tags. Status changes only with the identifiers the
// observed resources report, so the fields are converted once for each
// set of identifiers and shared by the responses until it changes.
func statusFields(s *Space, observed xfn.Observed) (map[string]*structpb.Value, int, error) {
	cp, errs := s.Plan()
	if len(errs) > 0 {
		return nil, 0, fmt.Errorf("cannot compose %s %q: %w", v1alpha1.CompositeKind, s.Name, errs.ToAggregate())
	}
	ids := observedIDs(cp, observed)
	if s.memo != nil {
		if m := s.memo.status.Load(); m != nil && slices.Equal(m.ids, ids) {
			return m.fields, len(cp.Tags), nil
		}
	}
	fields, err := structValues(toMap(status(s, cp, ids)))
	if err != nil {
		return nil, 0, err
	}
	if s.memo != nil {
		s.memo.status.Store(&statusMemo{ids: ids, fields: fields})
	}
	return fields, len(cp.Tags), nil
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
			xfn.SetCondition(rsp, req, TagsViolatedCondition(terrs))
		}
	}
	response.Fatal(rsp, err)
}

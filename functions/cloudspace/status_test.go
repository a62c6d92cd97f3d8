package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

func observedWith(atProvider map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(map[string]any{"status": map[string]any{"atProvider": atProvider}})
	if err != nil {
		panic(err)
	}
	return s
}

func TestStatus(t *testing.T) {
	s := composeSpace(t, composeXR(), composeInput())
	p, errs := NewPlan(s)
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	lr, _ := ResolveLimitRange(s)
	base := v1alpha1.XCloudSpaceStatus{
		Namespace: "team-payments-checkout",
		// Sorted by key, whatever the map's order.
		CostTags: []v1alpha1.Tag{
			{Key: "cloudspace", Value: "checkout-7x9kq"}, {Key: "cost-center", Value: "cc-4711"}, {Key: "environment", Value: "dev"},
			{Key: "project", Value: "checkout"}, {Key: "team", Value: "payments"},
		},
		Quota:  &v1alpha1.QuotaAmounts{CPU: "8", Memory: "16Gi", Storage: "100Gi", GPU: "0", Pods: "150", LoadBalancers: "2"},
		Limits: &lr,
	}
	cases := map[string]struct {
		reason   string
		observed xfn.Observed
		want     func(st v1alpha1.XCloudSpaceStatus) v1alpha1.XCloudSpaceStatus
	}{
		"NothingObserved": {
			reason: "Before anything exists, the status holds what the composer resolved.",
			want:   func(st v1alpha1.XCloudSpaceStatus) v1alpha1.XCloudSpaceStatus { return st },
		},
		"Observed": {
			reason: "Identifiers come from the observed resources' status.atProvider; subnets in zone order, private first.",
			observed: xfn.Observed{
				NameVPC:            observedWith(map[string]any{"id": "vpc-1"}),
				"subnet-private-b": observedWith(map[string]any{"id": "subnet-b"}),
				"subnet-private-a": observedWith(map[string]any{"id": "subnet-a"}),
				NameSecurityGroup:  observedWith(map[string]any{"id": "sg-1"}),
				NameBucket:         observedWith(map[string]any{"id": "bucket-1", "arn": "arn:aws:s3:::bucket-1"}),
				NameRole:           observedWith(map[string]any{"arn": "arn:aws:iam::123456789012:role/r"}),
				NameKey:            observedWith(map[string]any{"arn": "arn:aws:kms:eu-west-1:123456789012:key/k"}),
			},
			want: func(st v1alpha1.XCloudSpaceStatus) v1alpha1.XCloudSpaceStatus {
				st.Network = &v1alpha1.NetworkStatus{VPCID: "vpc-1", SubnetIDs: []string{"subnet-a", "subnet-b"}, SecurityGroupID: "sg-1"}
				st.Bucket = &v1alpha1.BucketStatus{Name: "bucket-1", ARN: "arn:aws:s3:::bucket-1"}
				st.RoleARN = "arn:aws:iam::123456789012:role/r"
				st.KMSKeyARN = "arn:aws:kms:eu-west-1:123456789012:key/k"
				return st
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Status(s, p, tc.observed)
			if diff := cmp.Diff(tc.want(base), got); diff != "" {
				t.Errorf("%s\nStatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestTagsCompliantCondition(t *testing.T) {
	cases := map[string]struct {
		reason   string
		observed map[string]any
		want     []*fnv1.Result
	}{
		"Transition": {
			reason: "The first time tags are compliant a Normal result says so.",
			want: []*fnv1.Result{{
				Severity: fnv1.Severity_SEVERITY_NORMAL,
				Message:  "Every taggable resource carries the 5 cost tags of the tag policy",
				Reason:   ptr("Compliant"),
				Target:   fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum(),
			}},
		},
		"Steady": {
			reason: "A condition that holds steady adds no result of its own.",
			observed: map[string]any{"conditions": []any{map[string]any{
				"type": "TagsCompliant", "status": "True", "reason": "Compliant", "lastTransitionTime": "2024-01-01T00:00:00Z",
			}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := runRequest(composeXR(), composeInput(), nil)
			if tc.observed != nil {
				req.Observed.Composite.Resource = xfntest.MustStruct(map[string]any{
					"apiVersion": "platform.cloudspace.dev/v1alpha1", "kind": "XCloudSpace",
					"metadata": map[string]any{"name": "checkout-7x9kq", "labels": map[string]any{LabelClaimName: "checkout", LabelClaimNamespace: "team-payments"}},
					"spec":     xfntest.MustStruct(composeXR().Spec).AsMap(),
					"status":   tc.observed,
				})
			}
			rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			var results []*fnv1.Result
			for _, r := range rsp.GetResults() {
				if r.GetReason() == "Compliant" {
					results = append(results, r)
				}
			}
			var conds []*fnv1.Condition
			for _, c := range rsp.GetConditions() {
				if c.GetType() == TypeTagsCompliant {
					conds = append(conds, c)
				}
			}
			if diff := cmp.Diff(tc.want, results, protocmp.Transform()); diff != "" {
				t.Errorf("%s\nRunFunction(...) results: -want, +got:\n%s", tc.reason, diff)
			}
			want := &fnv1.Condition{
				Type: TypeTagsCompliant, Status: fnv1.Status_STATUS_CONDITION_TRUE, Reason: "Compliant",
				Message: ptr("Every taggable resource carries the 5 cost tags of the tag policy"),
				Target:  fnv1.Target_TARGET_COMPOSITE_AND_CLAIM.Enum(),
			}
			if diff := cmp.Diff([]*fnv1.Condition{want}, conds, protocmp.Transform()); diff != "" {
				t.Errorf("%s\nRunFunction(...) conditions: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestTagsViolated(t *testing.T) {
	type want struct {
		c  xfn.Condition
		ok bool
	}
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XCloudSpace
		in     *fnv1alpha1.Composer
		want   want
	}{
		"TagsAtFault": {
			reason: "A space rejected for its tags reports TagsCompliant False naming the first problem.",
			xr: withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Tags = map[string]string{"team": "x", "cloudspace": "y"}
			}),
			in: composeInput(),
			want: want{ok: true, c: xfn.Condition{
				Type: TypeTagsCompliant, Status: xfn.False, Reason: ReasonTagPolicyViolated, Problem: true,
				Message: `spec.tags[cloudspace]: Forbidden: tag "cloudspace" is enforced by the platform's tag policy and cannot be set by a claim (and 1 more)`,
			}},
		},
		"AWSRuleBroken": {
			reason: "A tag that breaks AWS's rules reports TagsCompliant False.",
			xr:     composeXR(),
			in: withInput(func(in *fnv1alpha1.Composer) {
				in.TagPolicy = &fnv1alpha1.TagPolicy{Required: []fnv1alpha1.RequiredTag{{Key: "owner", Value: "a*b"}}}
			}),
			want: want{ok: true, c: xfn.Condition{
				Type: TypeTagsCompliant, Status: xfn.False, Reason: ReasonTagPolicyViolated, Problem: true,
				Message: `tags[owner]: Invalid value: "owner": breaks AWS's tag rules on every taggable resource: the value may hold only letters, digits, spaces and _ . : / = + - @`,
			}},
		},
		"OtherProblem": {
			reason: "A space rejected for something else leaves TagsCompliant alone.",
			xr: withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.LimitRange = &v1alpha1.LimitRangeSpec{Max: &v1alpha1.ComputeResources{CPU: "100"}}
			}),
			in: composeInput(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, tc.xr, tc.in)
			if _, err := Compose(s, xfn.Observed{}); err == nil {
				t.Fatalf("%s\nCompose(...): want an error", tc.reason)
			}
			c, ok := TagsViolated(s)
			if diff := cmp.Diff(tc.want, want{c: c, ok: ok}, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nTagsViolated(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

package main

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

func TestResolveIdentity(t *testing.T) {
	type want struct {
		id   Identity
		errs []string
	}
	cases := map[string]struct {
		reason string
		in     fnv1alpha1.IdentitySpec
		want   want
	}{
		"FromPrincipal": {
			reason: "The account and partition come from the trust principal; the bucket name is the prefix, namespace and a hash.",
			in:     fnv1alpha1.IdentitySpec{TrustPrincipal: "arn:aws:iam::123456789012:role/platform-admins"},
			want: want{id: Identity{
				Partition: "aws", AccountID: "123456789012", TrustPrincipal: "arn:aws:iam::123456789012:role/platform-admins",
				BucketName: "cloudspace-team-payments-checkout-" + hash8("123456789012/eu-west-1/checkout-7x9kq"),
				KeyAlias:   "alias/cloudspace/team-payments-checkout",
			}},
		},
		"ExplicitAccountAndPrefix": {
			reason: "An explicit account and bucket prefix win.",
			in:     fnv1alpha1.IdentitySpec{TrustPrincipal: "arn:aws-us-gov:iam::123456789012:role/admins", AccountID: "210987654321", BucketPrefix: "acme"},
			want: want{id: Identity{
				Partition: "aws-us-gov", AccountID: "210987654321", TrustPrincipal: "arn:aws-us-gov:iam::123456789012:role/admins",
				BucketName: "acme-team-payments-checkout-" + hash8("210987654321/eu-west-1/checkout-7x9kq"),
				KeyAlias:   "alias/cloudspace/team-payments-checkout",
			}},
		},
		"Invalid": {
			reason: "A principal that is not an IAM ARN, a malformed account and a bad prefix are each named.",
			in:     fnv1alpha1.IdentitySpec{TrustPrincipal: "*", AccountID: "12", BucketPrefix: "Bad_Prefix"},
			want: want{errs: []string{
				"Invalid value: identity.trustPrincipal",
				"Invalid value: identity.accountId",
				"Invalid value: identity.bucketPrefix",
			}},
		},
		"Missing": {
			reason: "The role needs the tenant's workload identity or a principal to trust.",
			want:   want{errs: []string{"Required value: identity.workloadIdentity"}},
		},
		"AccountRoot": {
			reason: "An account root is refused: it would let every principal of the account assume the team's role.",
			in:     fnv1alpha1.IdentitySpec{TrustPrincipal: "arn:aws:iam::123456789012:root"},
			want:   want{errs: []string{"Invalid value: identity.trustPrincipal"}},
		},
		"WorkloadIdentity": {
			reason: "The tenant's Pod Identity is on the named cluster, in the space's region and the default service account unless the input names them; the account is explicit.",
			in: fnv1alpha1.IdentitySpec{
				AccountID:           "123456789012",
				WorkloadIdentity:    &fnv1alpha1.WorkloadIdentitySpec{ClusterName: "platform"},
				PermissionsBoundary: "arn:aws:iam::123456789012:policy/cloudspace-boundary",
			},
			want: want{id: Identity{
				Partition: "aws", AccountID: "123456789012",
				Workload:            &Workload{ClusterName: "platform", ClusterRegion: "eu-west-1", Namespace: "team-payments-checkout", ServiceAccount: "cloudspace"},
				PermissionsBoundary: "arn:aws:iam::123456789012:policy/cloudspace-boundary",
				BucketName:          "cloudspace-team-payments-checkout-" + hash8("123456789012/eu-west-1/checkout-7x9kq"),
				KeyAlias:            "alias/cloudspace/team-payments-checkout",
			}},
		},
		"WorkloadIdentityNamed": {
			reason: "The input's cluster region and service account win.",
			in: fnv1alpha1.IdentitySpec{
				TrustPrincipal:   "arn:aws:iam::123456789012:role/platform-admins",
				WorkloadIdentity: &fnv1alpha1.WorkloadIdentitySpec{ClusterName: "shared_eu-1", ClusterRegion: "eu-central-1", ServiceAccount: "app"},
			},
			want: want{id: Identity{
				Partition: "aws", AccountID: "123456789012", TrustPrincipal: "arn:aws:iam::123456789012:role/platform-admins",
				Workload:   &Workload{ClusterName: "shared_eu-1", ClusterRegion: "eu-central-1", Namespace: "team-payments-checkout", ServiceAccount: "app"},
				BucketName: "cloudspace-team-payments-checkout-" + hash8("123456789012/eu-west-1/checkout-7x9kq"),
				KeyAlias:   "alias/cloudspace/team-payments-checkout",
			}},
		},
		"WorkloadIdentityInvalid": {
			reason: "Without a principal the account is required; a bad cluster name, region, service account and boundary are each named.",
			in: fnv1alpha1.IdentitySpec{
				WorkloadIdentity:    &fnv1alpha1.WorkloadIdentitySpec{ClusterName: "-x", ClusterRegion: "mars", ServiceAccount: "App_1"},
				PermissionsBoundary: "arn:aws:iam::123456789012:role/not-a-policy",
			},
			want: want{errs: []string{
				"Required value: identity.accountId",
				"Invalid value: identity.workloadIdentity.clusterName",
				"Invalid value: identity.workloadIdentity.clusterRegion",
				"Invalid value: identity.workloadIdentity.serviceAccount",
				"Invalid value: identity.permissionsBoundary",
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, composeXR(), withInput(func(in *fnv1alpha1.Composer) { in.Identity = tc.in }))
			id, errs := ResolveIdentity(s)
			got := want{errs: errFields(errs)}
			if len(errs) == 0 {
				got.id = id
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nResolveIdentity(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestBucketName(t *testing.T) {
	long := "team-"
	for range 12 {
		long += "abcde"
	}
	got := bucketName("cloudspace", long, "seed")
	if len(got) > 63 {
		t.Errorf("bucketName(...): %q is %d characters, want at most 63", got, len(got))
	}
	if got != bucketName("cloudspace", long, "seed") {
		t.Errorf("bucketName(...) is not deterministic")
	}
}

func TestAccessPolicy(t *testing.T) {
	s := composeSpace(t, composeXR(), composeInput())
	id, _ := ResolveIdentity(s)
	b, err := json.Marshal(AccessPolicy(s, id))
	if err != nil {
		t.Fatal(err)
	}
	bucket := "arn:aws:s3:::" + id.BucketName
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Bucket","Effect":"Allow","Action":["s3:GetBucketLocation","s3:ListBucket","s3:ListBucketMultipartUploads"],"Resource":["` + bucket + `"]},` +
		`{"Sid":"Objects","Effect":"Allow","Action":["s3:AbortMultipartUpload","s3:DeleteObject","s3:GetObject","s3:ListMultipartUploadParts","s3:PutObject"],"Resource":["` + bucket + `/*"]},` +
		`{"Sid":"Key","Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey","kms:Encrypt","kms:GenerateDataKey","kms:ReEncryptFrom","kms:ReEncryptTo"],"Resource":["arn:aws:kms:eu-west-1:123456789012:key/*"],"Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/cloudspace/team-payments-checkout"}}}]}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("The policy grants exactly this space's bucket, its objects and its key.\n-want, +got:\n%s", diff)
	}
}

package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	s3v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestStorage(t *testing.T) {
	cases := map[string]struct {
		reason string
		env    v1alpha1.Environment
		want   []string
	}{
		"Dev":  {reason: "Outside prod the bucket is not versioned.", env: v1alpha1.EnvironmentDev, want: []string{"bucket", "bucket-encryption", "bucket-public-access-block", "bucket-policy"}},
		"Prod": {reason: "In prod the bucket is versioned.", env: v1alpha1.EnvironmentProd, want: []string{"bucket", "bucket-encryption", "bucket-public-access-block", "bucket-policy", "bucket-versioning"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Environment = tc.env }), composeInput())
			id, _ := ResolveIdentity(s)
			var got []string
			parts, err := Storage(s, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range parts {
				got = append(got, string(p.Name))
				switch o := p.Object.(type) {
				case *s3v1beta1.Bucket:
					if o.GetAnnotations()[AnnotationExternalName] != id.BucketName {
						t.Errorf("%s\nthe bucket's external name is %q, want %q", tc.reason, o.GetAnnotations()[AnnotationExternalName], id.BucketName)
					}
				case *s3v1beta1.BucketPublicAccessBlock:
					fp := o.Spec.ForProvider
					for _, b := range []*bool{fp.BlockPublicAcls, fp.BlockPublicPolicy, fp.IgnorePublicAcls, fp.RestrictPublicBuckets} {
						if b == nil || !*b {
							t.Errorf("%s\nevery public access block must be on: %+v", tc.reason, fp)
						}
					}
				case *s3v1beta1.BucketPolicy:
					want := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:*"],` +
						`"Resource":["arn:aws:s3:::` + id.BucketName + `","arn:aws:s3:::` + id.BucketName + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
					if got := o.Spec.ForProvider.Policy; got == nil || *got != want {
						t.Errorf("%s\nthe bucket policy must deny requests without TLS: %v", tc.reason, got)
					}
				case *s3v1beta1.BucketServerSideEncryptionConfiguration:
					want := []s3v1beta1.BucketServerSideEncryptionConfigurationRuleParameters{{
						BucketKeyEnabled: ptr(true),
						ApplyServerSideEncryptionByDefault: []s3v1beta1.RuleApplyServerSideEncryptionByDefaultParameters{{
							SseAlgorithm: ptr("aws:kms"), KMSMasterKeyIDSelector: selectController(nil),
						}},
					}}
					if diff := cmp.Diff(want, o.Spec.ForProvider.Rule); diff != "" {
						t.Errorf("%s\nSSE-KMS with the space's key, by selector: -want, +got:\n%s", tc.reason, diff)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nStorage(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

package main

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/crossplane/function-sdk-go/resource"

	s3v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Names of the storage resources.
const (
	NameBucket            resource.Name = "bucket"
	NameBucketEncryption  resource.Name = "bucket-encryption"
	NameBucketAccessBlock resource.Name = "bucket-public-access-block"
	NameBucketVersioning  resource.Name = "bucket-versioning"
	NameBucketPolicy      resource.Name = "bucket-policy"
)

// Storage returns the space's S3 bucket, encrypted with the space's KMS
// key, closed to the public, reachable over TLS only, and versioned in
// prod.
func Storage(s *Space, id Identity) ([]Part, error) {
	region := ptr(s.Spec.Region)
	bucket := selectController(nil)
	tlsOnly, err := json.Marshal(TLSOnlyPolicy(id))
	if err != nil {
		return nil, fmt.Errorf("cannot marshal the bucket policy: %w", err)
	}
	parts := []Part{
		{Name: NameBucket, Object: &s3v1beta1.Bucket{
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AnnotationExternalName: id.BucketName}},
			Spec: s3v1beta1.BucketSpec{
				ResourceSpec: providerSpec(s),
				ForProvider:  s3v1beta1.BucketParameters{Region: region, ForceDestroy: ptr(false)},
			},
		}},
		{Name: NameBucketEncryption, Object: &s3v1beta1.BucketServerSideEncryptionConfiguration{
			Spec: s3v1beta1.BucketServerSideEncryptionConfigurationSpec{
				ResourceSpec: providerSpec(s),
				ForProvider: s3v1beta1.BucketServerSideEncryptionConfigurationParameters{
					Region:         region,
					BucketSelector: bucket,
					Rule: []s3v1beta1.BucketServerSideEncryptionConfigurationRuleParameters{{
						BucketKeyEnabled: ptr(true),
						ApplyServerSideEncryptionByDefault: []s3v1beta1.RuleApplyServerSideEncryptionByDefaultParameters{{
							SseAlgorithm:           ptr("aws:kms"),
							KMSMasterKeyIDSelector: selectController(nil),
						}},
					}},
				},
			},
		}},
		{Name: NameBucketAccessBlock, Object: &s3v1beta1.BucketPublicAccessBlock{
			Spec: s3v1beta1.BucketPublicAccessBlockSpec{
				ResourceSpec: providerSpec(s),
				ForProvider: s3v1beta1.BucketPublicAccessBlockParameters{
					Region:                region,
					BucketSelector:        bucket,
					BlockPublicAcls:       ptr(true),
					BlockPublicPolicy:     ptr(true),
					IgnorePublicAcls:      ptr(true),
					RestrictPublicBuckets: ptr(true),
				},
			},
		}},
		{Name: NameBucketPolicy, Object: &s3v1beta1.BucketPolicy{
			Spec: s3v1beta1.BucketPolicySpec{
				ResourceSpec: providerSpec(s),
				ForProvider: s3v1beta1.BucketPolicyParameters{
					Region:         region,
					BucketSelector: bucket,
					Policy:         ptr(string(tlsOnly)),
				},
			},
		}},
	}
	if s.Spec.Environment == v1alpha1.EnvironmentProd {
		parts = append(parts, Part{Name: NameBucketVersioning, Object: &s3v1beta1.BucketVersioning{
			Spec: s3v1beta1.BucketVersioningSpec{
				ResourceSpec: providerSpec(s),
				ForProvider: s3v1beta1.BucketVersioningParameters{
					Region:                  region,
					BucketSelector:          bucket,
					VersioningConfiguration: []s3v1beta1.VersioningConfigurationParameters{{Status: ptr("Enabled")}},
				},
			},
		}})
	}
	return parts, nil
}

// TLSOnlyPolicy denies every request to the bucket and its objects that
// does not come over TLS, whoever makes it.
func TLSOnlyPolicy(id Identity) policyDocument {
	return policyDocument{Version: "2012-10-17", Statement: []policyStatement{{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]string{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{id.BucketARN(), id.BucketARN() + "/*"},
		Condition: map[string]map[string]string{"Bool": {"aws:SecureTransport": "false"}},
	}}}
}

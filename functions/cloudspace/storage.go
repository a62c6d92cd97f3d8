package main

import (
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
)

// Storage returns the space's S3 bucket, encrypted with the space's KMS
// key, closed to the public, and versioned in prod.
func Storage(s *Space, id Identity) []Part {
	region := ptr(s.Spec.Region)
	bucket := selectController(nil)
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
	return parts
}

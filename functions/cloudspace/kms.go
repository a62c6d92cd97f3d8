package main

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/crossplane/function-sdk-go/resource"

	kmsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Names of the encryption resources.
const (
	NameKey      resource.Name = "kms-key"
	NameKeyAlias resource.Name = "kms-alias"
)

// Key deletion windows, in days: long in prod, where a deleted key loses
// data, short elsewhere.
const (
	keyDeletionWindowProd  = 30
	keyDeletionWindowOther = 7
)

// KMS returns the space's KMS key, rotated yearly, and its alias.
func KMS(s *Space, id Identity) []Part {
	window := keyDeletionWindowOther
	if s.Spec.Environment == v1alpha1.EnvironmentProd {
		window = keyDeletionWindowProd
	}
	return []Part{
		{Name: NameKey, Object: &kmsv1beta1.Key{Spec: kmsv1beta1.KeySpec{
			ResourceSpec: providerSpec(s),
			ForProvider: kmsv1beta1.KeyParameters{
				Region:               ptr(s.Spec.Region),
				Description:          ptr(fmt.Sprintf("CloudSpace %s", s.Name)),
				EnableKeyRotation:    ptr(true),
				DeletionWindowInDays: ptr(float64(window)),
			},
		}}},
		{Name: NameKeyAlias, Object: &kmsv1beta1.Alias{
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AnnotationExternalName: id.KeyAlias}},
			Spec: kmsv1beta1.AliasSpec{
				ResourceSpec: providerSpec(s),
				ForProvider: kmsv1beta1.AliasParameters{
					Region:              ptr(s.Spec.Region),
					TargetKeyIDSelector: selectController(nil),
				},
			},
		}},
	}
}

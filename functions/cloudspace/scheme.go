package main

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	budgetsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/budgets/v1beta1"
	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
	eksv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/eks/v1beta1"
	iamv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/iam/v1beta1"
	kmsv1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/kms/v1beta1"
	s3v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/s3/v1beta1"
)

// AddToScheme registers every type the composer emits into s, which is
// composed.Scheme when serving.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme,
		rbacv1.AddToScheme,
		networkingv1.AddToScheme,
		ec2v1beta1.AddToScheme,
		iamv1beta1.AddToScheme,
		s3v1beta1.AddToScheme,
		kmsv1beta1.AddToScheme,
		budgetsv1beta1.AddToScheme,
		eksv1beta1.AddToScheme,
	} {
		if err := add(s); err != nil {
			return fmt.Errorf("cannot register composed resource types: %w", err)
		}
	}
	return nil
}

// Package v1alpha1 holds the inputs of the CloudSpace composition functions,
// group fn.cloudspace.dev, version v1alpha1: Composer for function-cloudspace
// and Billing for function-cloudspace-billing. Functions decode them strictly.
//
// +groupName=fn.cloudspace.dev
package v1alpha1

import "k8s.io/apimachinery/pkg/runtime/schema"

// Group and version of the function inputs.
const (
	Group   = "fn.cloudspace.dev"
	Version = "v1alpha1"
)

// SchemeGroupVersion is the group and version of the function inputs.
var SchemeGroupVersion = schema.GroupVersion{Group: Group, Version: Version}

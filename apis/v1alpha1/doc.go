// Package v1alpha1 holds the XCloudSpace composite resource and its
// CloudSpace claim, group platform.cloudspace.dev, version v1alpha1.
//
// +groupName=platform.cloudspace.dev
package v1alpha1

import "k8s.io/apimachinery/pkg/runtime/schema"

// Group, version and kinds of the CloudSpace API.
const (
	Group   = "platform.cloudspace.dev"
	Version = "v1alpha1"

	CompositeKind   = "XCloudSpace"
	CompositePlural = "xcloudspaces"
	ClaimKind       = "CloudSpace"
	ClaimPlural     = "cloudspaces"
)

// SchemeGroupVersion is the group and version of the CloudSpace API.
var SchemeGroupVersion = schema.GroupVersion{Group: Group, Version: Version}

// CompositeGroupVersionKind is the GVK of the XCloudSpace composite resource.
var CompositeGroupVersionKind = SchemeGroupVersion.WithKind(CompositeKind)

package main

import (
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Stable names of the composed resources.
const (
	NameNamespace     resource.Name = "namespace"
	NameResourceQuota resource.Name = "resource-quota"
	NameLimitRange    resource.Name = "limit-range"
	NameVPC           resource.Name = "vpc"
)

// Compose desires every resource of s. Readiness comes from observed.
func Compose(s *Space, observed xfn.Observed, d *xfn.Desired) error {
	lr, err := ResolveLimitRange(s)
	if err != nil {
		return err
	}
	for _, r := range []struct {
		name  resource.Name
		build func() any
		ready resource.Ready
	}{
		{NameNamespace, func() any { return TenantNamespaceObject(s) }, observed.ReadyIfExists(NameNamespace)},
		{NameResourceQuota, func() any { return ResourceQuota(s) }, observed.ReadyIfExists(NameResourceQuota)},
		{NameLimitRange, func() any { return LimitRange(s, lr) }, observed.ReadyIfExists(NameLimitRange)},
		{NameVPC, func() any { return VPC(s) }, observed.ReadyIfConditionTrue(NameVPC)},
	} {
		if err := d.Set(r.name, toObject(r.build()), r.ready); err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// SetStatus writes what the composer knows into the desired composite
// resource's status: the tenant namespace, the resolved quota and limits,
// the tags, and identifiers read from observed resources.
func SetStatus(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, s *Space, observed xfn.Observed) error {
	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		return errors.Wrap(err, "cannot get desired composite resource")
	}
	lr, err := ResolveLimitRange(s)
	if err != nil {
		return err
	}
	st := map[string]any{
		"namespace": s.Namespace,
		"tags":      stringMap(ResolveTags(s)),
		"quota": map[string]any{
			"cpu":           s.CPU.String(),
			"memory":        s.Memory.String(),
			"storage":       s.Storage.String(),
			"gpu":           s.GPU.String(),
			"pods":          string(s.Tier.Max.Pods),
			"loadBalancers": string(s.Tier.Max.LoadBalancers),
		},
		"limits": toMap(lr),
	}
	if id := observed.String(NameVPC, "status.atProvider.id"); id != "" {
		st["network"] = map[string]any{"vpcId": id}
	}
	for k, v := range st {
		if err := dxr.Resource.SetValue("status."+k, v); err != nil {
			return errors.Wrapf(err, "cannot set status.%s", k)
		}
	}
	return errors.Wrap(response.SetDesiredCompositeResource(rsp, dxr), "cannot set desired composite resource")
}

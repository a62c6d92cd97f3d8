package main

import (
	"context"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Function is the CloudSpace composer.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// RunFunction composes a CloudSpace.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	in := InputOf(req)
	if err := in.Err; err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	st := SpaceOf(req, in)
	log := f.log.WithValues("xr-name", st.XR.GetName())
	if st.Err != nil {
		response.Fatal(rsp, st.Err)
		if len(st.Invalid) > 0 {
			log.Debug("Rejected invalid composite resource", "error", st.Invalid.ToAggregate())
		}
		return rsp, nil
	}
	s, xr := st.Space, st.XR
	observed, desired := xfn.ObservedOf(req), xfn.NewDesired(req)

	// Admission decides whether the space may be composed. A space that is
	// not admitted composes nothing new and keeps what it has as observed.
	a, err := Admit(req, in.Policy, s, xr)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if !a.Admitted {
		if err := HoldSpace(req, rsp, a, xr, observed, desired); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		log.Debug("Held CloudSpace", "reason", a.Condition.Reason, "held-resources", desired.Len())
		return rsp, nil
	}

	if err := Compose(s, observed, desired); err != nil {
		ComposeFailed(req, rsp, s, err)
		return rsp, nil
	}
	desired.Apply(rsp)
	if err := SetStatus(req, rsp, s, observed); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	admitted, err := a.StatusValues(s)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	xfn.SetCompositeStatus(rsp, admitted)
	a.Report(req, rsp)
	log.Debug("Composed CloudSpace", "namespace", s.Namespace, "desired-resources", desired.Len())
	return rsp, nil
}

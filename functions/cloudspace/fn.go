package main

import (
	"context"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/response"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
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

	in := &fnv1alpha1.Composer{}
	if err := xfn.DecodeInput(req, in); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	pol, perrs := NewPolicy(in)
	if errs := append(ValidateInput(in), perrs...); len(errs) > 0 {
		response.Fatal(rsp, errors.Errorf("invalid function input: %s", errs.ToAggregate()))
		return rsp, nil
	}

	xr := &v1alpha1.XCloudSpace{}
	if err := xfn.DecodeComposite(req, xr); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	log := f.log.WithValues("xr-name", xr.GetName())

	s, errs := NewSpace(xr, in)
	if len(errs) > 0 {
		response.Fatal(rsp, errors.Errorf("invalid %s %q: %s", v1alpha1.CompositeKind, xr.GetName(), errs.ToAggregate()))
		log.Debug("Rejected invalid composite resource", "error", errs.ToAggregate())
		return rsp, nil
	}

	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get observed composed resources"))
		return rsp, nil
	}
	desired, err := xfn.NewDesired(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}

	// Admission decides whether the space may be composed. A space that is
	// not admitted composes nothing new and keeps what it has as observed.
	a, err := Admit(req, pol, s, xr)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if !a.Admitted {
		if err := HoldSpace(req, rsp, a, xr, xfn.Observed(observed), desired); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		log.Debug("Held CloudSpace", "reason", a.Condition.Reason, "held-resources", desired.Len())
		return rsp, nil
	}

	if err := Compose(s, xfn.Observed(observed), desired); err != nil {
		ComposeFailed(req, rsp, s, err)
		return rsp, nil
	}
	if err := desired.Apply(rsp); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if err := SetStatus(req, rsp, s, xfn.Observed(observed)); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if err := SetStatusFields(rsp, a.Status()); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if err := a.Report(req, rsp); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	log.Debug("Composed CloudSpace", "namespace", s.Namespace, "desired-resources", desired.Len())
	return rsp, nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Function is the CloudSpace billing reconciler.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger

	// clock is read only to judge whether billing data is stale.
	clock func() time.Time
}

// NewFunction returns the function with the wall clock.
func NewFunction(log logging.Logger) *Function {
	return &Function{log: log, clock: time.Now}
}

// RunFunction reports a CloudSpace's spend against its budget and
// estimate. It writes status.billing and conditions on the XR and claim,
// and passes the desired composed resources of earlier steps through
// untouched.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, mustDuration(fnv1alpha1.DefaultBillingTTL))

	in := &fnv1alpha1.Billing{}
	if err := xfn.DecodeInput(req, in); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	cfg, errs := NewConfig(in)
	if len(errs) > 0 {
		response.Fatal(rsp, fmt.Errorf("invalid function input: %w", errs.ToAggregate()))
		return rsp, nil
	}
	rsp.Meta.Ttl = durationpb.New(cfg.TTL)

	xr := &v1alpha1.XCloudSpace{}
	if err := xfn.DecodeComposite(req, xr); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if cfg.CostBasis, errs = CostBasisOf(desiredStatusString(req, "costBasis"), xr.Status.CostBasis); len(errs) > 0 {
		response.Fatal(rsp, fmt.Errorf("invalid %s %q: %w", v1alpha1.CompositeKind, xr.GetName(), errs.ToAggregate()))
		return rsp, nil
	}
	log := f.log.WithValues("xr-name", xr.GetName())

	// Spend records are asked for on every call, so the requirements are
	// stable and Crossplane stops iterating once it has sent them. A name
	// that is not a label value can select nothing (SelectSpend says why).
	var records []resource.Required
	if billingv1alpha1.IsSpaceName(xr.GetName()) {
		xfn.Require(rsp, RequirementSpend, xfn.Selector{
			APIVersion: billingv1alpha1.RecordAPIVersion,
			Kind:       billingv1alpha1.RecordKind,
			Labels:     map[string]string{billingv1alpha1.LabelSpace: xr.GetName(), billingv1alpha1.LabelRecord: billingv1alpha1.RecordSpend},
		})
		rs, sent, err := xfn.RequiredResources(req, RequirementSpend)
		if err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if !sent {
			log.Debug("Asked for spend records")
			return rsp, nil
		}
		records = rs
	}
	// The unattributed records of the space's account tell a space that
	// billing data never names (its tag not activated) from one not yet
	// exported.
	var unattributed []resource.Required
	if account := AccountOf(xr.Status.RoleARN); account != "" {
		xfn.Require(rsp, RequirementUnattributed, xfn.Selector{
			APIVersion: billingv1alpha1.RecordAPIVersion,
			Kind:       billingv1alpha1.RecordKind,
			Labels:     map[string]string{billingv1alpha1.LabelAccount: account, billingv1alpha1.LabelRecord: billingv1alpha1.RecordUnattributed},
		})
		rs, sent, err := xfn.RequiredResources(req, RequirementUnattributed)
		if err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if !sent {
			log.Debug("Asked for the account's unattributed records")
			return rsp, nil
		}
		unattributed = rs
	}

	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, fmt.Errorf("cannot get observed composed resources: %w", err))
		return rsp, nil
	}
	// This reconcile's estimate, when the composer wrote one, else the
	// last one the XR reports. A billing report never stops the pipeline
	// over an estimate it cannot read: drift is then judged without it.
	est, err := desiredEstimate(req)
	if err != nil {
		log.Debug("Cannot read the desired estimate; using the observed one", "error", err)
	}
	if est == nil {
		est = xr.Status.Estimate
	}

	r := Assess(Inputs{XR: xr, Estimate: est, Observed: observed, Records: records, Unattributed: unattributed, Config: cfg, Now: f.clock()})
	if r.Skipped != nil {
		log.Debug("Left out the unused capacity cost", "error", r.Skipped)
	}
	if r.Status != nil {
		if err := xfn.SetStatus(rsp, v1alpha1.XCloudSpaceStatus{Billing: r.Status}); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	base := xr.Status.State
	if d := desiredState(req); d != "" {
		base = d
	}
	if st, why, ok := State(base, r.Conditions); ok {
		if err := xfn.SetStatus(rsp, v1alpha1.XCloudSpaceStatus{State: st, StateReason: why}); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
	}
	xfn.SetConditions(rsp, req, r.Conditions...)

	kv := []any{"spend-records", len(records), "usage-dimensions", len(r.Usage)}
	if r.Status != nil {
		kv = append(kv, "period", r.Status.Period, "billed", r.Status.BilledToDate, "forecast", r.Status.Forecast)
	}
	reasons := make([]string, len(r.Conditions))
	for i, c := range r.Conditions {
		reasons[i] = c.Type + "=" + c.Reason
	}
	log.Debug("Assessed spend", append(kv, "conditions", reasons)...)
	return rsp, nil
}

// desiredState returns the state an earlier step of this reconcile wrote
// into the desired XR's status, or "".
func desiredState(req *fnv1.RunFunctionRequest) v1alpha1.State {
	return v1alpha1.State(desiredStatusString(req, "state"))
}

// desiredStatusString returns the string an earlier step of this
// reconcile wrote at status.<key> of the desired XR, or "".
func desiredStatusString(req *fnv1.RunFunctionRequest, key string) string {
	return req.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue().GetFields()[key].GetStringValue()
}

// desiredEstimate returns the estimate an earlier step of this reconcile
// wrote into the desired XR's status, or nil.
func desiredEstimate(req *fnv1.RunFunctionRequest) (*v1alpha1.CostEstimate, error) {
	v := req.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue().GetFields()["estimate"]
	if v == nil {
		return nil, nil
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("cannot marshal the desired status.estimate: %w", err)
	}
	est := &v1alpha1.CostEstimate{}
	if err := json.Unmarshal(b, est); err != nil {
		return nil, fmt.Errorf("cannot decode the desired status.estimate: %w", err)
	}
	return est, nil
}

func mustDuration(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err) // A constant of this program.
	}
	return d
}

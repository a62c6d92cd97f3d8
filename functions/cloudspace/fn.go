package main

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Function is the CloudSpace composer.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger

	// inputs remembers parsed function inputs; nil remembers none.
	inputs *InputMemo
}

// An Option configures the composer.
type Option func(f *Function)

// WithInputMemo has the composer remember the inputs it parsed in m.
func WithInputMemo(m *InputMemo) Option {
	return func(f *Function) { f.inputs = m }
}

// NewFunction returns the composer. The types it composes must be
// registered in composed.Scheme (AddToScheme).
func NewFunction(log logging.Logger, opts ...Option) *Function {
	f := &Function{log: log}
	for _, o := range opts {
		o(f)
	}
	return f
}

// RunFunction composes a CloudSpace. It is the only code of the composer
// that reads the request or writes the response: it unpacks the request
// into typed values once, hands them to the domain functions, and writes
// what they return.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	sent := xfn.RequiredOf(req)
	in, pol, amended, err := f.readInput(req, sent)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	if sel, ok := PolicySelector(in); ok && xfn.SupportsRequiredResources(req) {
		// The install policy amends the input. Until Crossplane has sent
		// it, nothing is decided: it calls again with it before it applies
		// anything, and a verdict on the unamended input could be fatal.
		xfn.Require(rsp, requiredPolicy, sel)
		objs, ok := sent.Get(requiredPolicy)
		if !ok {
			d, observed := xfn.NewDesired(req), xfn.ObservedOf(req)
			for _, h := range Hold(observed) {
				d.Keep(h.Name, observed[h.Name], h.Ready)
			}
			d.Apply(rsp)
			return rsp, nil
		}
		if !amended {
			if in, pol, err = f.amendInput(req.GetInput(), in, pol, objs); err != nil {
				response.Fatal(rsp, err)
				return rsp, nil
			}
		}
	}

	xr := &v1alpha1.XCloudSpace{}
	if err := xfn.DecodeComposite(req, xr); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	log := f.log.WithValues("xr-name", xr.GetName())
	s, errs := NewSpace(xr, in)
	errs = append(errs, UnknownSpecFields(req.GetObserved().GetComposite().GetResource().GetFields()["spec"].GetStructValue())...)
	if len(errs) > 0 {
		response.Fatal(rsp, fmt.Errorf("invalid %s %q: %w", v1alpha1.CompositeKind, xr.GetName(), errs.ToAggregate()))
		log.Debug("Rejected invalid composite resource", "error", errs.ToAggregate())
		return rsp, nil
	}
	observed := xfn.ObservedOf(req)

	// Admission decides whether the space may be composed, from what
	// Crossplane sent of the team's quota data and spaces.
	self := SpaceCandidate(pol, s, xr)
	team := ReadTeam(pol, self, sent, xfn.SupportsRequiredResources(req))
	v := Admit(pol, self, team)
	// The tenant namespace must be free or the space's own. Crossplane
	// applies nothing before the requirements settle, so the pass that
	// has not been sent the namespace yet composes nothing that lands.
	if xfn.SupportsRequiredResources(req) {
		if v.Requirements == nil {
			v.Requirements = map[string]xfn.Selector{}
		}
		v.Requirements[requiredTenantNamespace] = TenantNamespaceSelector(s)
		objs, ok := sent.Get(requiredTenantNamespace)
		if taken, isTaken := TenantNamespaceTaken(s, objs, ok); isTaken && v.Admitted {
			v.Admitted, v.Condition = false, taken.Condition
		}
	}

	d := xfn.NewDesired(req)
	if !v.Admitted {
		// A space that is not admitted composes nothing new and keeps
		// what it has exactly as observed.
		writeVerdict(rsp, req, v)
		for _, h := range Hold(observed) {
			d.Keep(h.Name, observed[h.Name], h.Ready)
		}
		d.Apply(rsp)
		if err := xfn.SetStatus(rsp, HeldStatus(xr, v)); err != nil {
			response.Fatal(rsp, err)
			return rsp, nil
		}
		if len(observed) == 0 {
			// Nothing composed is not ready: a rejected new space must not
			// look like a ready one.
			rsp.Desired.Composite.Ready = fnv1.Ready_READY_FALSE
		}
		log.Debug("Held CloudSpace", "reason", v.Condition.Reason, "held-resources", d.Len())
		return rsp, nil
	}

	c, err := Compose(s, observed)
	if err != nil {
		if cond, ok := TagsViolated(s); ok {
			xfn.SetConditions(rsp, req, cond)
		}
		response.Fatal(rsp, err)
		return rsp, nil
	}
	for _, r := range c.Resources {
		if err := d.Set(r.Name, r.Object, r.Ready); err != nil {
			response.Fatal(rsp, fmt.Errorf("cannot compose %q: %w", r.Name, err))
			return rsp, nil
		}
	}
	d.Apply(rsp)
	st := c.Status
	st.Estimate, st.TeamQuota = v.Estimate, v.TeamQuota
	st.State, st.StateReason = ReadyState(c.Resources)
	if err := xfn.SetStatus(rsp, st); err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	xfn.SetConditions(rsp, req, c.Conditions...)
	writeVerdict(rsp, req, v)
	log.Debug("Composed CloudSpace", "namespace", s.Namespace, "desired-resources", d.Len())
	return rsp, nil
}

// writeVerdict writes admission's requirements, TTL and condition.
func writeVerdict(rsp *fnv1.RunFunctionResponse, req *fnv1.RunFunctionRequest, v Verdict) {
	for _, k := range slices.Sorted(maps.Keys(v.Requirements)) {
		xfn.Require(rsp, k, v.Requirements[k])
	}
	if v.TTL > 0 {
		rsp.Meta.Ttl = durationpb.New(v.TTL)
	}
	xfn.SetConditions(rsp, req, v.Condition)
}

// readInput returns the function input of req and its policy. When the
// memo holds the input amended by the install policy objects in sent, it
// returns that, with amended true: one lookup, where looking the bare
// input up first and then the amended one would compare the input twice.
// The amended input selects the same policy objects as the bare one,
// since a policyFrom in a policy object's data is Fatal.
func (f *Function) readInput(req *fnv1.RunFunctionRequest, sent xfn.Required) (*fnv1alpha1.Composer, *Policy, bool, error) {
	if objs, ok := sent.Get(requiredPolicy); ok && f.inputs != nil {
		if po, err := ReadPolicy(objs); err == nil && len(po) > 0 {
			if in, pol, ok := f.inputs.Get(PolicyKey(req.GetInput(), po)); ok {
				return in, pol, true, nil
			}
		}
	}
	in, pol, err := f.parseInput(req)
	return in, pol, false, err
}

// parseInput decodes and parses the function input of req, or finds it in
// the memo.
func (f *Function) parseInput(req *fnv1.RunFunctionRequest) (*fnv1alpha1.Composer, *Policy, error) {
	if in, pol, ok := f.inputs.Get(req.GetInput()); ok {
		return in, pol, nil
	}
	in := &fnv1alpha1.Composer{}
	if err := xfn.DecodeInput(req, in); err != nil {
		return nil, nil, err
	}
	pol, err := ParseInput(in)
	if err != nil {
		return nil, nil, err
	}
	f.inputs.Add(req.GetInput(), in, pol)
	return in, pol, nil
}

// amendInput returns the function input in, decoded from input, amended
// by the install policy objects Crossplane sent, and its policy, and
// remembers them in the memo. readInput has looked them up there already.
func (f *Function) amendInput(input *structpb.Struct, in *fnv1alpha1.Composer, pol *Policy, objs []*structpb.Struct) (*fnv1alpha1.Composer, *Policy, error) {
	po, err := ReadPolicy(objs)
	if err != nil {
		return nil, nil, err
	}
	if len(po) == 0 {
		return in, pol, nil
	}
	key := PolicyKey(input, po)
	amended, err := ApplyPolicy(in, po)
	if err != nil {
		return nil, nil, err
	}
	pol, err = ParseInput(amended)
	if err != nil {
		return nil, nil, fmt.Errorf("install policy %s %s: %w", fnv1alpha1.PolicySourceKind, PolicyNames(po), err)
	}
	f.inputs.Add(key, amended, pol)
	return amended, pol, nil
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kjson "sigs.k8s.io/json"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// TypeQuotaAvailable is the condition that reports whether a space fits
// its tier, its budget and its team's quota.
const TypeQuotaAvailable = "QuotaAvailable"

// Reasons of the QuotaAvailable condition.
const (
	ReasonAvailable                    = "Available"
	ReasonTierLimitExceeded            = "TierLimitExceeded"
	ReasonBudgetTooLow                 = "BudgetTooLow"
	ReasonCurrencyMismatch             = "CurrencyMismatch"
	ReasonTeamQuotaExceeded            = "TeamQuotaExceeded"
	ReasonTeamQuotaMissing             = "TeamQuotaMissing"
	ReasonTeamQuotaInvalid             = "TeamQuotaInvalid"
	ReasonNamespaceNotOwned            = "NamespaceNotOwned"
	ReasonRequiredResourcesUnsupported = "RequiredResourcesUnsupported"
	ReasonWaitingForQuotaData          = "WaitingForQuotaData"
)

// Keys of the required resources admission asks for.
const (
	requiredTeamQuota   = "team-quota"
	requiredTeamSpaces  = "team-spaces"
	requiredSpacesInPfx = "spaces-in-"
)

// Admission is the verdict on one request: whether the space may be
// composed, the condition that says why, and what to report in status.
type Admission struct {
	// Admitted spaces are composed. A space that is not admitted composes
	// nothing new and keeps what it has exactly as observed.
	Admitted bool

	// Condition is the QuotaAvailable condition.
	Condition xfn.Condition

	// Requirements are the required resources to ask Crossplane for, by
	// key. Crossplane calls the function again when they change.
	Requirements map[string]xfn.Selector

	// TTL of the response; zero leaves the default.
	TTL time.Duration

	// Estimate is the space's expected monthly cost, nil without a price
	// catalog.
	Estimate *v1alpha1.CostEstimate

	// TeamQuota is the team's quota, nil until the team's quota data and
	// spaces have been read.
	TeamQuota *v1alpha1.TeamQuotaStatus
}

// Admit decides whether the space s, of the composite resource xr, may be
// composed under the policy pol. It reads the team's quota data and spaces
// from the required resources of req, and asks for them when they have not
// been sent yet. It never fails on domain problems: they are the verdict.
// An error means the request could not be read.
func Admit(req *fnv1.RunFunctionRequest, pol *Policy, s *Space, xr *v1alpha1.XCloudSpace) (*Admission, error) {
	self := SpaceCandidate(pol, s, xr)
	a := &Admission{}

	var problems []Problem
	problems = append(problems, pol.CheckTier(self)...)
	e, bp := pol.CheckBudget(self)
	problems = append(problems, bp...)
	if e != nil {
		a.Estimate = e.API()
	}

	q := pol.Quota
	if q == nil {
		return a.decide(self, problems, "", nil), nil
	}
	a.TTL = q.TTL
	team := s.Spec.Team

	// Crossplane v2.2 and later say what they support. Earlier versions
	// say nothing; those before v2.0 then never send required resources,
	// which shows as a space that keeps waiting for its quota data.
	if request.AdvertisesCapabilities(req) && !xfn.SupportsRequiredResources(req) {
		return a.decide(self, append(problems, Problem{ReasonRequiredResourcesUnsupported, fmt.Sprintf(
			"cannot check team %s quota: this Crossplane does not send required resources to functions; upgrade Crossplane to v2.0 or later", team)}), "", nil), nil
	}

	a.Requirements = map[string]xfn.Selector{requiredTeamQuota: {
		APIVersion: q.APIVersion,
		Kind:       q.Kind,
		Labels:     teamLabels(q, team),
	}}
	quotas, ok := req.GetRequiredResources()[requiredTeamQuota]
	if !ok {
		return a.waiting(team), nil
	}
	tq, qp, err := teamQuotaOf(pol, q, team, quotas.GetItems())
	if err != nil {
		return nil, err
	}
	if len(qp) > 0 {
		return a.decide(self, append(problems, qp...), "", nil), nil
	}

	a.Requirements[requiredTeamSpaces] = spaceSelector(q.TeamLabel, team)
	for _, ns := range tq.Namespaces {
		a.Requirements[requiredSpacesInPfx+ns] = spaceSelector(LabelClaimNamespace, ns)
	}
	others, ok := teamSpaces(req, pol, self, slices.Sorted(maps.Keys(a.Requirements)))
	if !ok {
		return a.waiting(team), nil
	}

	d := pol.AdmitTeam(tq, self, others)
	return a.decide(self, d.Problems, tq.Source, &teamView{quota: tq, others: d.Others}), nil
}

// teamView is what the team status reports: the team's quota and what its
// other spaces use.
type teamView struct {
	quota  *TeamQuota
	others Usage
}

func (a *Admission) decide(self *Candidate, problems []Problem, source string, tv *teamView) *Admission {
	a.Admitted = len(problems) == 0
	if tv != nil {
		used, budget, spaces := tv.others.Amounts, tv.others.Budget, tv.others.Spaces
		switch {
		case a.Admitted:
			used = used.Add(self.Request.Amounts)
			budget = budget.Add(self.Request.Budget)
			spaces++
		case holds(self):
			used = used.Add(self.Held)
			budget = budget.Add(self.HeldBudget)
			spaces++
		}
		a.TeamQuota = &v1alpha1.TeamQuotaStatus{
			Hard:      tv.quota.Hard.API(),
			Used:      used.API(),
			Remaining: tv.quota.Hard.Sub(used).API(),
			Spaces:    spaces,
		}
		if tv.quota.HasBudget {
			a.TeamQuota.MonthlyBudget = &v1alpha1.TeamBudgetStatus{
				Hard:      tv.quota.Budget.StringFixed(2),
				Used:      budget.StringFixed(2),
				Remaining: tv.quota.Budget.Sub(budget).StringFixed(2),
				Currency:  tv.quota.Currency,
			}
		}
	}
	if !a.Admitted {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Message
		}
		a.Condition = xfn.Condition{Type: TypeQuotaAvailable, Reason: problems[0].Reason, Message: strings.Join(msgs, "; "), Problem: true}
		return a
	}
	msg := fmt.Sprintf("fits tier %s", self.Tier)
	if tv != nil {
		msg += fmt.Sprintf(" and team %s quota (%s)", self.Team, source)
	}
	if a.Estimate != nil {
		msg += fmt.Sprintf("; estimated cost %s %s a month, budget %s %s",
			a.Estimate.Monthly, a.Estimate.Currency, self.Request.Budget.StringFixed(2), self.Request.Currency)
	}
	a.Condition = xfn.Condition{Type: TypeQuotaAvailable, Status: true, Reason: ReasonAvailable, Message: msg}
	return a
}

func (a *Admission) reject(reason, msg string) *Admission {
	a.Admitted = false
	a.Condition = xfn.Condition{Type: TypeQuotaAvailable, Reason: reason, Message: msg, Problem: true}
	return a
}

// waiting is the verdict while Crossplane has not sent the required
// resources: within one reconcile Crossplane sends them and calls again,
// so this verdict is only seen where Crossplane never sends them.
func (a *Admission) waiting(team string) *Admission {
	return a.reject(ReasonWaitingForQuotaData, fmt.Sprintf(
		"waiting for Crossplane to send team %s quota data and spaces as required resources; Crossplane before v2.0 never sends them", team))
}

func teamLabels(q *QuotaConfig, team string) map[string]string {
	l := make(map[string]string, len(q.MatchLabels)+1)
	maps.Copy(l, q.MatchLabels)
	l[q.TeamLabel] = team
	return l
}

func spaceSelector(label, value string) xfn.Selector {
	return xfn.Selector{
		APIVersion: v1alpha1.SchemeGroupVersion.String(),
		Kind:       v1alpha1.CompositeKind,
		Labels:     map[string]string{label: value},
	}
}

// teamQuotas remembers the team quota data read from one quota object,
// which Crossplane sends unchanged on every call of the team's spaces.
var teamQuotas = mustLRU[teamQuotaKey, *teamQuotaRead](DefaultInputCacheSize * 16)

type teamQuotaKey struct {
	policy *Policy
	team   string
	object xfn.Digest
}

type teamQuotaRead struct {
	tq       *TeamQuota
	problems []Problem
}

// teamQuotaOf is teamQuota over the objects Crossplane sent, read once per
// policy, team and content of a single quota object. The result is shared
// by concurrent calls and must not be changed.
func teamQuotaOf(pol *Policy, q *QuotaConfig, team string, items []*fnv1.Resource) (*TeamQuota, []Problem, error) {
	var k teamQuotaKey
	if len(items) == 1 {
		k = teamQuotaKey{policy: pol, team: team, object: xfn.DigestOf(items[0].GetResource())}
		if r, ok := teamQuotas.Get(k); ok {
			return r.tq, r.problems, nil
		}
	}
	objs := make([]resource.Required, 0, len(items))
	for _, it := range items {
		u := &unstructured.Unstructured{}
		if err := resource.AsObject(it.GetResource(), u); err != nil {
			return nil, nil, fmt.Errorf("cannot get required resources %q: %w", requiredTeamQuota, err)
		}
		objs = append(objs, resource.Required{Resource: u})
	}
	tq, problems := teamQuota(q, team, objs)
	if tq != nil {
		for i := range tq.Hard {
			_ = tq.Hard[i].String() // Cache the canonical form now: tq is shared.
		}
	}
	if len(items) == 1 {
		teamQuotas.Add(k, &teamQuotaRead{tq: tq, problems: problems})
	}
	return tq, problems, nil
}

// teamQuota reads the team's quota data from the objects Crossplane sent.
func teamQuota(q *QuotaConfig, team string, objs []resource.Required) (*TeamQuota, []Problem) {
	labels := teamLabels(q, team)
	sel := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		sel = append(sel, k+"="+labels[k])
	}
	what := fmt.Sprintf("%s labelled %s", q.Kind, strings.Join(sel, ","))
	switch len(objs) {
	case 0:
		return nil, []Problem{{ReasonTeamQuotaMissing, fmt.Sprintf(
			"team %s has no quota data: no %s exists; the platform team must create it before the team's spaces can be admitted", team, what)}}
	case 1:
	default:
		names := make([]string, len(objs))
		for i, o := range objs {
			names[i] = o.Resource.GetName()
		}
		slices.Sort(names)
		return nil, []Problem{{ReasonTeamQuotaInvalid, fmt.Sprintf(
			"team %s has %d quota objects (%s), want exactly one %s", team, len(objs), strings.Join(names, ", "), what)}}
	}
	o := objs[0].Resource
	source := fmt.Sprintf("%s %s", q.Kind, o.GetName())
	var data teamQuotaData
	b, err := json.Marshal(o.Object["data"])
	if err == nil {
		var strict []error
		strict, err = kjson.UnmarshalStrict(b, &data)
		if err == nil && len(strict) > 0 {
			msgs := make([]string, len(strict))
			for i, e := range strict {
				msgs[i] = e.Error()
			}
			err = errors.New(strings.Join(msgs, "; "))
		}
	}
	if err != nil {
		return nil, []Problem{{ReasonTeamQuotaInvalid, fmt.Sprintf("team %s quota data in %s is invalid: cannot decode data: %v", team, source, err)}}
	}
	tq, errs := ParseTeamQuota(source, data)
	if len(errs) > 0 {
		return nil, []Problem{{ReasonTeamQuotaInvalid, fmt.Sprintf("team %s quota data in %s is invalid: %v", team, source, errs.ToAggregate())}}
	}
	return tq, nil
}

// teamSpaces reads the team's other spaces from the required resources
// under keys, each space once. ok is false until Crossplane has sent every
// key. Spaces that belong to another team are left out.
func teamSpaces(req *fnv1.RunFunctionRequest, pol *Policy, self *Candidate, keys []string) ([]*Candidate, bool) {
	seen := map[string]bool{self.Name: true}
	var out []*Candidate
	for _, k := range keys {
		if k == requiredTeamQuota {
			continue
		}
		// Read straight from the request rather than through
		// xfn.RequiredResources, which decodes every object in full.
		rs, ok := req.GetRequiredResources()[k]
		if !ok {
			return nil, false
		}
		for _, it := range rs.GetItems() {
			c := StructCandidate(pol, it.GetResource())
			if seen[c.Name] || c.Team != self.Team {
				continue
			}
			seen[c.Name] = true
			out = append(out, c)
		}
	}
	return out, true
}

// SpaceCandidate is the space s of xr as admission sees it.
func SpaceCandidate(pol *Policy, s *Space, xr *v1alpha1.XCloudSpace) *Candidate {
	c := &Candidate{
		Name:           xr.GetName(),
		Created:        xr.GetCreationTimestamp().Time,
		Team:           s.Spec.Team,
		ClaimNamespace: xr.GetLabels()[LabelClaimNamespace],
		Tier:           s.Spec.Tier,
		Request: Request{
			AvailabilityZones: s.Spec.Network.AvailabilityZones,
			Public:            s.Spec.Network.Public,
			Currency:          s.Spec.Budget.Currency,
		},
	}
	c.Request.Amounts[quantity.CPU] = s.CPU
	c.Request.Amounts[quantity.Memory] = s.Memory
	c.Request.Amounts[quantity.Storage] = s.Storage
	c.Request.Amounts[quantity.GPU] = s.GPU
	tl := pol.Tiers[s.Spec.Tier]
	c.Request.Amounts[quantity.Pods] = tl.Max[quantity.Pods]
	c.Request.Amounts[quantity.LoadBalancers] = tl.Max[quantity.LoadBalancers]
	c.Request.Budget, _ = decimal.NewFromString(s.Spec.Budget.MonthlyLimit) // NewSpace validated it.
	if xr.Status.Quota != nil {
		c.Held, _ = quantity.Parse(*xr.Status.Quota) // What cannot be read holds nothing.
	}
	if holds(c) {
		c.HeldBudget = c.Request.Budget
	}
	return c
}

// StructCandidate reads a space from an XCloudSpace Crossplane sent as a
// required resource. It reads the few fields admission needs straight from
// the protobuf struct: a team may have a thousand spaces, and decoding each
// in full would dominate the function's latency.
func StructCandidate(pol *Policy, o *structpb.Struct) *Candidate {
	meta, spec := sub(o, "metadata"), sub(o, "spec")
	res, budget, network := sub(spec, "resources"), sub(spec, "budget"), sub(spec, "network")
	c := &Candidate{
		Name:           str(meta, "name"),
		Deleting:       str(meta, "deletionTimestamp") != "",
		Team:           str(spec, "team"),
		ClaimNamespace: str(sub(meta, "labels"), LabelClaimNamespace),
		Tier:           v1alpha1.Tier(str(spec, "tier")),
		Request: Request{
			AvailabilityZones: int(num(network, "availabilityZones", v1alpha1.DefaultAvailabilityZones)),
			Public:            network.GetFields()["public"].GetBoolValue(),
			Currency:          str(budget, "currency"),
		},
	}
	if c.Request.Currency == "" {
		c.Request.Currency = v1alpha1.DefaultCurrency
	}
	if t, err := time.Parse(time.RFC3339, str(meta, "creationTimestamp")); err == nil {
		c.Created = t
	}
	var problems []string
	req, err := quantity.Parse(v1alpha1.QuotaAmounts{
		CPU:     v1alpha1.Quantity(str(res, "cpu")),
		Memory:  v1alpha1.Quantity(str(res, "memory")),
		Storage: v1alpha1.Quantity(str(res, "storage")),
		GPU:     v1alpha1.Quantity(str(res, "gpu")),
	})
	if err != nil {
		problems = append(problems, "resources "+err.Error())
	}
	if !quantity.IsWhole(req[quantity.GPU]) {
		problems = append(problems, "resources gpu must be a whole number")
	}
	c.Request.Amounts = req
	if tl, ok := pol.Tiers[c.Tier]; ok {
		c.Request.Amounts[quantity.Pods] = tl.Max[quantity.Pods]
		c.Request.Amounts[quantity.LoadBalancers] = tl.Max[quantity.LoadBalancers]
	}
	if c.Request.Budget, err = parseMoney(str(budget, "monthlyLimit")); err != nil {
		problems = append(problems, "budget "+err.Error())
	}
	if len(problems) > 0 {
		c.Invalid = fmt.Sprintf("space %s is invalid: %s", c.Name, strings.Join(problems, "; "))
	}
	if q := sub(sub(o, "status"), "quota"); q != nil {
		c.Held, _ = quantity.Parse(v1alpha1.QuotaAmounts{
			CPU:           v1alpha1.Quantity(str(q, "cpu")),
			Memory:        v1alpha1.Quantity(str(q, "memory")),
			Storage:       v1alpha1.Quantity(str(q, "storage")),
			GPU:           v1alpha1.Quantity(str(q, "gpu")),
			Pods:          v1alpha1.Quantity(str(q, "pods")),
			LoadBalancers: v1alpha1.Quantity(str(q, "loadBalancers")),
		})
	}
	if holds(c) {
		c.HeldBudget = c.Request.Budget
	}
	return c
}

// sub returns the object field k of s, or nil.
func sub(s *structpb.Struct, k string) *structpb.Struct {
	return s.GetFields()[k].GetStructValue()
}

// str returns the string field k of s; a number is formatted as written
// in JSON. Anything else is "".
func str(s *structpb.Struct, k string) string {
	v := s.GetFields()[k]
	switch v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return v.GetStringValue()
	case *structpb.Value_NumberValue:
		return strconv.FormatFloat(v.GetNumberValue(), 'f', -1, 64)
	}
	return ""
}

// num returns the number field k of s, or def.
func num(s *structpb.Struct, k string, def float64) float64 {
	v, ok := s.GetFields()[k].GetKind().(*structpb.Value_NumberValue)
	if !ok {
		return def
	}
	return v.NumberValue
}

// Report writes the verdict's requirements, TTL and condition into rsp.
func (a *Admission) Report(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) {
	for _, k := range slices.Sorted(maps.Keys(a.Requirements)) {
		xfn.Require(rsp, k, a.Requirements[k])
	}
	if a.TTL > 0 {
		rsp.Meta.Ttl = durationpb.New(a.TTL)
	}
	xfn.SetCondition(rsp, req, a.Condition)
}

// HoldSpace writes the response of a space that is not admitted: the
// verdict, every observed composed resource exactly as observed, and the
// observed status with admission's report.
func HoldSpace(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, a *Admission, xr *v1alpha1.XCloudSpace, observed xfn.Observed, d *xfn.Desired) error {
	a.Report(req, rsp)
	Hold(observed, d)
	d.Apply(rsp)
	st := HeldStatus(xr)
	maps.Copy(st, a.Status())
	if err := SetStatusFields(rsp, st); err != nil {
		return err
	}
	if len(observed) == 0 {
		// Nothing composed is not ready: a rejected new space must not
		// look like a ready one.
		rsp.Desired.Composite.Ready = fnv1.Ready_READY_FALSE
	}
	return nil
}

// Hold desires every observed composed resource exactly as observed, so
// that a rejected update deletes, replaces and resizes nothing: same kind,
// name, labels, annotations, owners and spec; only the metadata the API
// server owns is left out. A new space has none, so nothing is composed.
//
// A held resource is as ready as it is: ready when its Ready condition is
// True, or, for a kind without conditions such as a Namespace, when it
// exists. Holding a running space does not make it unready.
func Hold(observed xfn.Observed, d *xfn.Desired) {
	for _, name := range observed.Names() {
		ready := observed.ReadyIfExists(name) // A kind without a Ready condition.
		if s, _ := observed.ConditionStatus(name, xpv1.TypeReady); s == corev1.ConditionTrue || s == corev1.ConditionFalse {
			ready = observed.ReadyIfConditionTrue(name)
		}
		d.Keep(name, observed[string(name)], ready)
	}
}

// HeldStatus is the observed status a held space keeps: everything the
// composer reports except what admission writes afresh. Another pipeline
// step owns billing; Crossplane owns the conditions.
func HeldStatus(xr *v1alpha1.XCloudSpace) map[string]any {
	st := xr.Status
	st.Billing, st.TeamQuota, st.Estimate = nil, nil, nil
	return toMap(st)
}

// Status is what admission reports in the composite resource's status.
func (a *Admission) Status() map[string]any {
	st := map[string]any{}
	if a.Estimate != nil {
		st["estimate"] = toMap(a.Estimate)
	}
	if a.TeamQuota != nil {
		st["teamQuota"] = toMap(a.TeamQuota)
	}
	return st
}

// StatusValues is Status in the form a response carries. The status of a
// space changes only when its estimate or its team's quota does, so the
// values are converted once for each and shared by the responses until
// then.
func (a *Admission) StatusValues(s *Space) (map[string]*structpb.Value, error) {
	if s.memo != nil {
		if m := s.memo.admission.Load(); m != nil && reflect.DeepEqual(m.estimate, a.Estimate) && reflect.DeepEqual(m.teamQuota, a.TeamQuota) {
			return m.fields, nil
		}
	}
	fields, err := structValues(a.Status())
	if err != nil {
		return nil, err
	}
	if s.memo != nil {
		s.memo.admission.Store(&admissionMemo{estimate: a.Estimate, teamQuota: a.TeamQuota, fields: fields})
	}
	return fields, nil
}

// admissionMemo is the status values of a space for one estimate and
// team quota.
type admissionMemo struct {
	estimate  *v1alpha1.CostEstimate
	teamQuota *v1alpha1.TeamQuotaStatus
	fields    map[string]*structpb.Value
}

// SetStatusFields sets fields of the status of the desired composite
// resource in rsp, keeping what earlier code of this step set.
func SetStatusFields(rsp *fnv1.RunFunctionResponse, fields map[string]any) error {
	vs, err := structValues(fields)
	if err != nil {
		return err
	}
	xfn.SetCompositeStatus(rsp, vs)
	return nil
}

// structValues converts generic status fields to the form a response
// carries.
func structValues(fields map[string]any) (map[string]*structpb.Value, error) {
	vs := make(map[string]*structpb.Value, len(fields))
	for _, k := range sortedKeys(fields) {
		v, err := structpb.NewValue(fields[k])
		if err != nil {
			return nil, fmt.Errorf("cannot set status.%s: %w", k, err)
		}
		vs[k] = v
	}
	return vs, nil
}

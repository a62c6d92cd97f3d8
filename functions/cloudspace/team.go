package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Keys of the required resources admission asks for.
const (
	requiredTeamQuota   = "team-quota"
	requiredTeamSpaces  = "team-spaces"
	requiredSpacesInPfx = "spaces-in-"
)

// TeamView is what Crossplane sent of a space's team, read from the
// required resources admission asks for (TeamRequirements).
type TeamView struct {
	// Unsupported is set when this Crossplane cannot send required
	// resources at all.
	Unsupported bool

	// QuotaSent reports whether Crossplane sent the team's quota objects.
	QuotaSent bool
	// Quota is the team's quota data: set when exactly one valid quota
	// object was sent.
	Quota *TeamQuota
	// QuotaProblems say why the quota objects Crossplane sent give no
	// Quota.
	QuotaProblems []Problem

	// SpacesSent reports whether Crossplane sent the team's spaces under
	// every key admission asks for them by.
	SpacesSent bool
	// Others are the team's other spaces, each once.
	Others []*Candidate

	// SelfSent reports whether the spaces sent include the space being
	// decided: a view that does not is older than the space, and may miss
	// spaces created before it.
	SelfSent bool
}

// ReadTeam reads what Crossplane sent of self's team from the required
// resources sent, under the policy pol. supported is false when this
// Crossplane cannot send required resources. Without team quota in the
// policy there is nothing to read.
func ReadTeam(pol *Policy, self *Candidate, sent xfn.Required, supported bool) TeamView {
	q := pol.Quota
	if q == nil {
		return TeamView{}
	}
	if !supported {
		return TeamView{Unsupported: true}
	}
	objs, ok := sent.Get(requiredTeamQuota)
	if !ok {
		return TeamView{}
	}
	tv := TeamView{QuotaSent: true}
	tv.Quota, tv.QuotaProblems = teamQuota(q, self.Team, objs)
	if tv.Quota == nil {
		return tv
	}
	keys := slices.Sorted(maps.Keys(TeamRequirements(q, self.Team, tv.Quota)))
	tv.Others, tv.SelfSent, tv.SpacesSent = teamSpaces(sent, pol, self, keys)
	return tv
}

// teamQuota reads the team's quota data from the quota objects Crossplane
// sent: there must be exactly one, and its data must be valid.
func teamQuota(q *QuotaConfig, team string, objs []*structpb.Struct) (*TeamQuota, []Problem) {
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
			names[i] = str(sub(o, "metadata"), "name")
		}
		slices.Sort(names)
		return nil, []Problem{{ReasonTeamQuotaInvalid, fmt.Sprintf(
			"team %s has %d quota objects (%s), want exactly one %s", team, len(objs), strings.Join(names, ", "), what)}}
	}
	o := objs[0]
	source := fmt.Sprintf("%s %s", q.Kind, str(sub(o, "metadata"), "name"))
	// Strictly: a misspelt field is an error rather than a zero quota.
	var data teamQuotaData
	if err := xfn.DecodeValue(o.GetFields()["data"], &data, "data"); err != nil {
		return nil, []Problem{{ReasonTeamQuotaInvalid, fmt.Sprintf("team %s quota data in %s is invalid: %v", team, source, err)}}
	}
	tq, errs := ParseTeamQuota(source, data)
	if len(errs) > 0 {
		return nil, []Problem{{ReasonTeamQuotaInvalid, fmt.Sprintf("team %s quota data in %s is invalid: %v", team, source, errs.ToAggregate())}}
	}
	return tq, nil
}

// teamSpaces reads the team's other spaces from the required resources
// under keys, each space once, and whether self was among them. ok is
// false until Crossplane has sent every key. Spaces that belong to another
// team are left out.
func teamSpaces(sent xfn.Required, pol *Policy, self *Candidate, keys []string) (others []*Candidate, selfSent, ok bool) {
	seen := map[string]bool{self.Name: true}
	for _, k := range keys {
		if k == requiredTeamQuota {
			continue
		}
		objs, ok := sent.Get(k)
		if !ok {
			return nil, false, false
		}
		for _, o := range objs {
			name := str(sub(o, "metadata"), "name")
			if name == self.Name {
				selfSent = true
			}
			if seen[name] {
				continue
			}
			c := StructCandidate(pol, o)
			if c.Team != self.Team {
				continue
			}
			seen[name] = true
			others = append(others, c)
		}
	}
	return others, selfSent, true
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
			Region:            str(spec, "region"),
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
	readVerdict(c, o)
	return c
}

// readVerdict reads from a space's status whether the composer has decided
// it, and which spaces of its second that decision saw.
func readVerdict(c *Candidate, o *structpb.Struct) {
	if _, reason, ok := xfn.ConditionOf(o, TypeQuotaAvailable); ok {
		c.Decided = !waitingReasons[reason]
	}
	// A space whose reconciles fail before any verdict composes nothing.
	synced, _, _ := xfn.ConditionOf(o, string(xpv1.TypeSynced))
	c.Failing = !c.Decided && synced == string(corev1.ConditionFalse) &&
		len(sub(o, "spec").GetFields()["resourceRefs"].GetListValue().GetValues()) == 0
	for _, v := range sub(sub(o, "status"), "teamQuota").GetFields()["peersSeen"].GetListValue().GetValues() {
		c.PeersSeen = append(c.PeersSeen, v.GetStringValue())
	}
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

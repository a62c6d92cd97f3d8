package main

import (
	"cmp"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
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
	ReasonWaitingForTeamSpaces         = "WaitingForTeamSpaces"
)

// waitingReasons are the reasons of a space that is not decided yet.
var waitingReasons = map[string]bool{ReasonWaitingForQuotaData: true, ReasonWaitingForTeamSpaces: true}

// waitTTL bounds how long a space waiting for its team's spaces goes
// before it is called again: with realtime compositions Crossplane calls
// the function again when the response's TTL expires.
const waitTTL = 5 * time.Second

// Verdict is admission's decision on one request: whether the space may be
// composed, the condition that says why, and what to report in status.
type Verdict struct {
	// Admitted spaces are composed. A space that is not admitted composes
	// nothing new and keeps what it has exactly as observed.
	Admitted bool

	// Waiting spaces are not admitted yet, and not refused: admission
	// needs a newer view of the team first.
	Waiting bool

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

// Admit decides whether the space self may be composed under the policy
// pol, given what Crossplane sent of its team. Domain problems are the
// verdict, never an error. It asks for the team's quota data and spaces
// until they have been sent.
func Admit(pol *Policy, self *Candidate, team TeamView) Verdict {
	v := Verdict{}
	problems := pol.CheckTier(self)
	e, bp := pol.CheckBudget(self)
	problems = append(problems, bp...)
	if e != nil {
		v.Estimate = e.API()
	}

	q := pol.Quota
	if q == nil {
		return v.decide(self, problems, nil)
	}
	v.TTL = q.TTL
	if team.Unsupported {
		return v.decide(self, append(problems, Problem{ReasonRequiredResourcesUnsupported, fmt.Sprintf(
			"cannot check team %s quota: this Crossplane does not send required resources to functions; upgrade Crossplane to v2.0 or later", self.Team)}), nil)
	}
	v.Requirements = TeamRequirements(q, self.Team, nil)
	if !team.QuotaSent {
		return v.waiting(self.Team)
	}
	if len(team.QuotaProblems) > 0 {
		return v.decide(self, append(problems, team.QuotaProblems...), nil)
	}
	v.Requirements = TeamRequirements(q, self.Team, team.Quota)
	if !team.SpacesSent {
		return v.waiting(self.Team)
	}
	if !team.SelfSent {
		return v.waitForSpaces(fmt.Sprintf(
			"the team's spaces Crossplane sent do not include this one yet, so they may miss spaces created before it; team %s's spaces are read again", self.Team))
	}
	d := pol.AdmitTeam(team.Quota, self, team.Others)
	v = v.decide(self, d.Problems, &teamUse{quota: team.Quota, others: d.Others})
	v.TeamQuota.PeersSeen = d.PeersSeen
	if len(d.WaitFor) > 0 {
		tq := v.TeamQuota
		v = v.waitForSpaces(fmt.Sprintf(
			"fits team %s quota, but %s, created in the same second and ordered after it, must first decide having seen it, so that the two are never admitted without seeing each other",
			self.Team, strings.Join(d.WaitFor, ", ")))
		v.TeamQuota = tq
	}
	return v
}

// waitForSpaces is the verdict of a space that waits for a newer view of
// its team's spaces: it is neither admitted nor refused, and is called
// again soon.
func (v Verdict) waitForSpaces(msg string) Verdict {
	v.Admitted, v.Waiting = false, true
	v.TTL = min(cmp.Or(v.TTL, waitTTL), waitTTL)
	v.Condition = xfn.Condition{Type: TypeQuotaAvailable, Status: xfn.False, Reason: ReasonWaitingForTeamSpaces, Message: msg}
	return v
}

// teamUse is what the team status reports: the team's quota and what its
// other spaces use.
type teamUse struct {
	quota  *TeamQuota
	others Usage
}

func (v Verdict) decide(self *Candidate, problems []Problem, tu *teamUse) Verdict {
	v.Admitted = len(problems) == 0
	if tu != nil {
		used, budget, spaces := tu.others.Amounts, tu.others.Budget, tu.others.Spaces
		switch {
		case v.Admitted:
			used = used.Add(self.Request.Amounts)
			budget = budget.Add(self.Request.Budget)
			spaces++
		case holds(self):
			used = used.Add(self.Held)
			budget = budget.Add(self.HeldBudget)
			spaces++
		}
		v.TeamQuota = &v1alpha1.TeamQuotaStatus{
			Hard:      tu.quota.Hard.API(),
			Used:      used.API(),
			Remaining: tu.quota.Hard.Sub(used).API(),
			Spaces:    spaces,
		}
		if tu.quota.HasBudget {
			v.TeamQuota.MonthlyBudget = &v1alpha1.TeamBudgetStatus{
				Hard:      tu.quota.Budget.StringFixed(2),
				Used:      budget.StringFixed(2),
				Remaining: tu.quota.Budget.Sub(budget).StringFixed(2),
				Currency:  tu.quota.Currency,
			}
		}
	}
	if !v.Admitted {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Message
		}
		v.Condition = xfn.Condition{Type: TypeQuotaAvailable, Status: xfn.False, Reason: problems[0].Reason, Message: strings.Join(msgs, "; "), Problem: true}
		return v
	}
	msg := fmt.Sprintf("fits tier %s", self.Tier)
	if tu != nil {
		msg += fmt.Sprintf(" and team %s quota (%s)", self.Team, tu.quota.Source)
	}
	if v.Estimate != nil {
		msg += fmt.Sprintf("; estimated cost %s %s a month, budget %s %s",
			v.Estimate.Monthly, v.Estimate.Currency, self.Request.Budget.StringFixed(2), self.Request.Currency)
	}
	v.Condition = xfn.Condition{Type: TypeQuotaAvailable, Status: xfn.True, Reason: ReasonAvailable, Message: msg}
	return v
}

// waiting is the verdict while Crossplane has not sent the required
// resources: within one reconcile Crossplane sends them and calls again,
// so this verdict is only seen where Crossplane never sends them.
func (v Verdict) waiting(team string) Verdict {
	v.Admitted = false
	v.Condition = xfn.Condition{Type: TypeQuotaAvailable, Status: xfn.False, Reason: ReasonWaitingForQuotaData, Problem: true, Message: fmt.Sprintf(
		"waiting for Crossplane to send team %s quota data and spaces as required resources; Crossplane before v2.0 never sends them", team)}
	return v
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
			Region:            s.Spec.Region,
			AvailabilityZones: s.Spec.Network.Zones(),
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

// A Held resource is an observed composed resource a space that is not
// admitted keeps, exactly as observed, and its readiness.
type Held struct {
	Name  resource.Name
	Ready resource.Ready
}

// Hold returns every observed composed resource, so that a rejected
// update deletes, replaces and resizes nothing. A new space has none, so
// nothing is composed.
//
// A held resource is as ready as it is: ready when its Ready condition is
// True, or, for a kind without conditions such as a Namespace, when it
// exists. Holding a running space does not make it unready.
func Hold(observed xfn.Observed) []Held {
	held := make([]Held, 0, len(observed))
	for _, name := range observed.Names() {
		ready := observed.ReadyIfExists(name) // A kind without a Ready condition.
		if s, _ := observed.ConditionStatus(name, xpv1.TypeReady); s == corev1.ConditionTrue || s == corev1.ConditionFalse {
			ready = observed.ReadyIfConditionTrue(name)
		}
		held = append(held, Held{Name: name, Ready: ready})
	}
	return held
}

// HeldStatus is the status of a space that is not admitted: everything the
// composer reported before, as observed, and admission's report afresh.
// Another pipeline step owns billing; Crossplane owns the conditions.
func HeldStatus(xr *v1alpha1.XCloudSpace, v Verdict) v1alpha1.XCloudSpaceStatus {
	st := xr.Status
	st.Billing = nil
	st.TeamQuota, st.Estimate = v.TeamQuota, v.Estimate
	st.State = v1alpha1.StateRefused
	if v.Waiting {
		st.State = v1alpha1.StateProvisioning
	}
	st.StateReason = xfn.OneLine(v.Condition.Reason+": "+v.Condition.Message, v1alpha1.MaxStateReasonLength)
	return st
}

// ReadyState returns the state of an admitted space whose desired
// resources are ds: Ready when every one is, else Provisioning, saying how
// many are.
func ReadyState(ds []Desired) (v1alpha1.State, string) {
	n := 0
	for _, d := range ds {
		if d.Ready == resource.ReadyTrue {
			n++
		}
	}
	if n == len(ds) {
		return v1alpha1.StateReady, fmt.Sprintf("All %d composed resources are ready", n)
	}
	return v1alpha1.StateProvisioning, fmt.Sprintf("%d of %d composed resources are ready", n, len(ds))
}

// TeamRequirements are the required resources admission asks for: the
// team's quota objects, and once they have been read (tq is not nil), the
// XCloudSpaces labelled with the team and those of each namespace the team
// owns.
func TeamRequirements(q *QuotaConfig, team string, tq *TeamQuota) map[string]xfn.Selector {
	rs := map[string]xfn.Selector{requiredTeamQuota: {
		APIVersion: q.APIVersion,
		Kind:       q.Kind,
		Labels:     teamLabels(q, team),
	}}
	if tq == nil {
		return rs
	}
	rs[requiredTeamSpaces] = spaceSelector(q.TeamLabel, team)
	for _, ns := range tq.Namespaces {
		rs[requiredSpacesInPfx+ns] = spaceSelector(LabelClaimNamespace, ns)
	}
	return rs
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

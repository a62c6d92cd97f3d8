package main

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
)

var (
	rePrice         = regexp.MustCompile(fnv1alpha1.PatternPrice)
	errInvalidPrice = errors.New("must be a non-negative decimal price")
)

// TierLimits are the parsed limits of one tier.
type TierLimits struct {
	// Max is the most a space of the tier may request. Pods and load
	// balancers are what the tier grants every space.
	Max quantity.Amounts

	// MaxBudget is the largest monthly budget; unset when HasMaxBudget is
	// false.
	MaxBudget    decimal.Decimal
	HasMaxBudget bool
}

// Policy is the admission policy of the function input, parsed.
type Policy struct {
	// Tiers are the limits of each tier of the catalog.
	Tiers map[v1alpha1.Tier]TierLimits

	// Prices of the estimate; nil makes no estimate.
	Prices *Prices

	// Quota configures team quota; nil admits spaces against their tier
	// and budget only.
	Quota *QuotaConfig
}

// QuotaConfig is the parsed quota section of the function input.
type QuotaConfig struct {
	TeamLabel   string
	MatchLabels map[string]string
	APIVersion  string
	Kind        string
	TTL         time.Duration
}

// ParseInput validates the function input and parses its admission
// policy. The error names every problem.
func ParseInput(in *fnv1alpha1.Composer) (*Policy, error) {
	pol, perrs := NewPolicy(in)
	if errs := append(ValidateInput(in), perrs...); len(errs) > 0 {
		return nil, fmt.Errorf("invalid function input: %w", errs.ToAggregate())
	}
	return pol, nil
}

// NewPolicy parses the admission policy of in: the tier limits, the price
// catalog and the quota configuration. It returns every problem at once.
func NewPolicy(in *fnv1alpha1.Composer) (*Policy, field.ErrorList) {
	var errs field.ErrorList
	pol := &Policy{Tiers: make(map[v1alpha1.Tier]TierLimits, len(in.Tiers))}
	for i, t := range in.Tiers {
		tp := field.NewPath("tiers").Index(i)
		var tl TierLimits
		var err error
		if tl.Max, err = quantity.Parse(t.Max); err != nil {
			errs = append(errs, field.Invalid(tp.Child("max"), t.Max, err.Error()))
		}
		if !quantity.IsWhole(tl.Max[quantity.GPU]) {
			errs = append(errs, field.Invalid(tp.Child("max", "gpu"), t.Max.GPU, "must be a whole number of GPUs"))
		}
		if t.MaxMonthlyBudget != "" {
			if tl.MaxBudget, err = parseMoney(t.MaxMonthlyBudget); err != nil {
				errs = append(errs, field.Invalid(tp.Child("maxMonthlyBudget"), t.MaxMonthlyBudget, "must be a decimal amount with at most two fraction digits"))
			}
			tl.HasMaxBudget = true
		}
		pol.Tiers[t.Name] = tl
	}

	var perrs field.ErrorList
	pol.Prices, perrs = ParsePrices(field.NewPath("pricing"), in.Pricing)
	errs = append(errs, perrs...)

	if q := in.Quota; q != nil {
		qp := field.NewPath("quota")
		c := &QuotaConfig{
			TeamLabel:   cmp.Or(q.TeamLabel, fnv1alpha1.DefaultTeamLabel),
			MatchLabels: q.MatchLabels,
			APIVersion:  fnv1alpha1.DefaultQuotaSourceAPIVersion,
			Kind:        fnv1alpha1.DefaultQuotaSourceKind,
		}
		if q.Source != nil {
			c.APIVersion, c.Kind = q.Source.APIVersion, q.Source.Kind
			if c.APIVersion == "" {
				errs = append(errs, field.Required(qp.Child("source", "apiVersion"), "must name the API version of the quota data"))
			}
			if c.Kind == "" {
				errs = append(errs, field.Required(qp.Child("source", "kind"), "must name the kind of the quota data"))
			}
		}
		ttl, err := time.ParseDuration(cmp.Or(q.TTL, fnv1alpha1.DefaultQuotaTTL))
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(qp.Child("ttl"), q.TTL, "must be a Go duration such as 1m"))
		case ttl <= 0:
			errs = append(errs, field.Invalid(qp.Child("ttl"), q.TTL, "must be positive"))
		}
		c.TTL = ttl
		for _, msg := range validation.IsQualifiedName(c.TeamLabel) {
			errs = append(errs, field.Invalid(qp.Child("teamLabel"), c.TeamLabel, msg))
		}
		errs = append(errs, validateLabels(qp.Child("matchLabels"), c.MatchLabels)...)
		if _, ok := c.MatchLabels[c.TeamLabel]; ok {
			errs = append(errs, field.Invalid(qp.Child("matchLabels").Key(c.TeamLabel), c.MatchLabels[c.TeamLabel], "must not name the team label; its value is the space's team"))
		}
		pol.Quota = c
	}
	return pol, errs
}

func parseMoney(s string) (decimal.Decimal, error) {
	if !reMoney.MatchString(s) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal amount with at most two fraction digits", s)
	}
	return decimal.NewFromString(s)
}

// TeamQuota is a team's quota data, parsed.
type TeamQuota struct {
	// Source names the object the data came from.
	Source string

	// Hard is the team's total limit. A dimension the data leaves out is
	// zero.
	Hard quantity.Amounts

	// Budget is the team's total monthly budget, when HasBudget.
	Budget    decimal.Decimal
	HasBudget bool
	Currency  string

	// Namespaces the team owns, sorted and without duplicates.
	Namespaces []string
}

// teamQuotaData is the data of a team's quota object.
type teamQuotaData struct {
	Namespaces    []string              `json:"namespaces"`
	Hard          v1alpha1.QuotaAmounts `json:"hard"`
	MonthlyBudget string                `json:"monthlyBudget"`
	Currency      string                `json:"currency"`
}

// ParseTeamQuota parses the data of the team quota object named source.
// It returns every problem at once, each naming its field.
func ParseTeamQuota(source string, data teamQuotaData) (*TeamQuota, field.ErrorList) {
	p := field.NewPath("data")
	var errs field.ErrorList
	tq := &TeamQuota{Source: source, Currency: cmp.Or(data.Currency, v1alpha1.DefaultCurrency)}
	var err error
	if tq.Hard, err = quantity.Parse(data.Hard); err != nil {
		errs = append(errs, field.Invalid(p.Child("hard"), data.Hard, err.Error()))
	}
	if data.MonthlyBudget != "" {
		if tq.Budget, err = parseMoney(data.MonthlyBudget); err != nil {
			errs = append(errs, field.Invalid(p.Child("monthlyBudget"), data.MonthlyBudget, "must be a decimal amount with at most two fraction digits, such as 5000.00"))
		}
		tq.HasBudget = true
	}
	if !reCurrency.MatchString(tq.Currency) {
		errs = append(errs, field.Invalid(p.Child("currency"), data.Currency, "must be an ISO 4217 code such as USD"))
	}
	if len(data.Namespaces) == 0 {
		errs = append(errs, field.Required(p.Child("namespaces"), "must list the namespaces the team owns"))
	}
	for i, ns := range data.Namespaces {
		errs = append(errs, validateDNSLabel(p.Child("namespaces").Index(i), ns, 63)...)
	}
	tq.Namespaces = slices.Compact(slices.Sorted(slices.Values(data.Namespaces)))
	return tq, errs
}

// Candidate is a space as admission sees it: what it asks for and what it
// already holds.
type Candidate struct {
	Name    string
	Created time.Time

	// Deleting spaces are never admitted; they count what they hold until
	// they are gone.
	Deleting bool

	Team string

	// ClaimNamespace is the namespace of the space's claim; empty for a
	// composite resource created without a claim.
	ClaimNamespace string

	Tier v1alpha1.Tier

	// Request is what the space asks for.
	Request Request

	// Invalid is why the request could not be read, if it could not. An
	// invalid space is never admitted.
	Invalid string

	// Held is what the space holds now: the quota of its tenant namespace
	// as its status reports it, zero for a space never admitted.
	Held quantity.Amounts

	// HeldBudget is the monthly budget the space holds: its requested
	// budget once it has been admitted, zero before.
	HeldBudget decimal.Decimal

	// Decided reports whether the composer has reached a verdict on the
	// space that it acts on: admitted or refused, not waiting.
	Decided bool

	// Failing spaces have no verdict because their reconciles fail (an
	// invalid spec is a Fatal result): they compose nothing while so.
	Failing bool

	// PeersSeen are the spaces created in the same second as this one
	// that its last decision saw (status.teamQuota.peersSeen).
	PeersSeen []string
}

// before orders spaces for admission: earlier creation first, ties broken
// by name.
func before(a, b *Candidate) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// Problem is one reason a space cannot be admitted.
type Problem struct {
	Reason  string
	Message string
}

// CheckTier returns the ways c exceeds its tier.
func (pol *Policy) CheckTier(c *Candidate) []Problem {
	tl, ok := pol.Tiers[c.Tier]
	if !ok {
		return []Problem{{ReasonTierLimitExceeded, fmt.Sprintf("tier %q is not offered by the platform's tier catalog", c.Tier)}}
	}
	var parts []string
	for _, d := range c.Request.Amounts.Exceeding(tl.Max) {
		if d == quantity.Pods || d == quantity.LoadBalancers {
			continue // Granted by the tier, never requested.
		}
		parts = append(parts, fmt.Sprintf("%s requested %s, tier limit %s", d, c.Request.Amounts[d].String(), tl.Max[d].String()))
	}
	if tl.HasMaxBudget && c.Request.Budget.GreaterThan(tl.MaxBudget) {
		parts = append(parts, fmt.Sprintf("monthly budget requested %s %s, tier limit %s %s",
			c.Request.Budget.StringFixed(2), c.Request.Currency, tl.MaxBudget.StringFixed(2), c.Request.Currency))
	}
	if len(parts) == 0 {
		return nil
	}
	return []Problem{{ReasonTierLimitExceeded, fmt.Sprintf("tier %s limit exceeded: %s", c.Tier, strings.Join(parts, "; "))}}
}

// CheckBudget returns the ways c's estimate does not fit its budget. It
// returns the estimate, nil without a price catalog.
func (pol *Policy) CheckBudget(c *Candidate) (*Estimate, []Problem) {
	if pol.Prices == nil {
		return nil, nil
	}
	e := pol.Prices.Estimate(c.Request)
	if c.Request.Currency != pol.Prices.Currency {
		return &e, []Problem{{ReasonCurrencyMismatch, fmt.Sprintf("budget currency %s is not the price catalog's currency %s", c.Request.Currency, pol.Prices.Currency)}}
	}
	if e.Monthly.GreaterThan(c.Request.Budget) {
		return &e, []Problem{{ReasonBudgetTooLow, fmt.Sprintf("monthly budget too low: estimated cost %s %s, budget %s %s",
			e.Monthly.StringFixed(2), e.Currency, c.Request.Budget.StringFixed(2), c.Request.Currency)}}
	}
	return &e, nil
}

// CheckNamespace returns a problem when c's claim lives in a namespace
// the team does not own. A space without a claim is not checked.
func (tq *TeamQuota) CheckNamespace(c *Candidate) []Problem {
	if c.ClaimNamespace == "" {
		return nil
	}
	if _, ok := slices.BinarySearch(tq.Namespaces, c.ClaimNamespace); ok {
		return nil
	}
	return []Problem{{ReasonNamespaceNotOwned, fmt.Sprintf("namespace %s is not one of team %s's namespaces (%s in %s)",
		c.ClaimNamespace, c.Team, strings.Join(tq.Namespaces, ", "), tq.Source)}}
}

// Usage is what a team's spaces use.
type Usage struct {
	Amounts quantity.Amounts
	Budget  decimal.Decimal

	// Spaces is how many spaces use anything.
	Spaces int
}

func (u *Usage) add(a quantity.Amounts, budget decimal.Decimal) {
	u.Amounts.AddTo(a)
	u.Budget = u.Budget.Add(budget)
}

// TeamDecision is the outcome of admitting a space against its team.
type TeamDecision struct {
	// Others is what the team's other spaces use, as the space counts them.
	Others Usage

	// Problems are the ways the space does not fit; empty when it fits.
	Problems []Problem

	// WaitFor are the spaces the space must wait for before it may be
	// admitted although it fits: spaces created in the same second and
	// ordered after it that have not yet decided having seen it.
	WaitFor []string

	// PeersSeen are the spaces created in the same second as the space
	// that this decision saw, by name.
	PeersSeen []string
}

// AdmitTeam decides whether self fits its team's quota. spaces are the
// team's other spaces.
//
// Admission follows a fixed order: earlier creation first, ties by name.
// Every space, this one included, is decided in that order by the same
// rule, so every reconcile of every space reaches the same verdict from the
// same data, and two spaces created at the same moment can never both be
// admitted when only one fits. A space counts:
//   - each space ordered before it at what that space is admitted to (its
//     request) or, when that space is not admitted, at what it holds;
//   - each space ordered after it at what that space holds now, so that an
//     older space never grows into capacity a younger one already uses.
//
// A space fits when its request plus what it counts stays within the team's
// hard limit in every dimension, and its budget plus the counted budgets
// within the team's monthly budget.
//
// Crossplane sends the team's spaces from its cache, which may lag. A view
// that holds this space holds every space created before it, so it misses
// no elder but those created later in the same second (creation times
// have whole seconds) and ordered before it by name. Such an elder, which
// may decide having seen it, must not be admitted before it: a fitting
// space that holds nothing yet waits for each younger space of its second
// until that space holds what it was admitted to, or has decided having
// seen it (its PeersSeen). Waits run from the first name of a second to
// the last, so they end.
func (pol *Policy) AdmitTeam(tq *TeamQuota, self *Candidate, spaces []*Candidate) TeamDecision {
	all := make([]*Candidate, 0, len(spaces)+1)
	all = append(all, spaces...)
	all = append(all, self)
	slices.SortFunc(all, before)

	// What every space after the one being decided holds: start with the
	// total and take each space out as the decision passes it.
	var after Usage
	for _, c := range all {
		after.add(c.Held, tq.budgetOf(c, c.HeldBudget))
	}
	var prior Usage // What the spaces decided so far count for.
	for _, c := range all {
		after.Amounts.SubFrom(c.Held)
		after.Budget = after.Budget.Sub(tq.budgetOf(c, c.HeldBudget))

		others := Usage{Amounts: prior.Amounts.Add(after.Amounts), Budget: prior.Budget.Add(after.Budget)}
		problems := pol.checkSpace(tq, c, others)
		if c == self {
			others.Spaces = prior.Spaces + countAfter(all, self)
			d := TeamDecision{Others: others, Problems: problems, PeersSeen: peersOf(all, self)}
			if len(problems) == 0 && !holds(self) {
				d.WaitFor = waitFor(all, self)
			}
			return d
		}
		if len(problems) == 0 {
			prior.add(c.Request.Amounts, tq.budgetOf(c, c.Request.Budget))
			prior.Spaces++
			continue
		}
		if holds(c) {
			prior.add(c.Held, tq.budgetOf(c, c.HeldBudget))
			prior.Spaces++
		}
	}
	panic("AdmitTeam: self is not among the spaces") // Unreachable: self was appended.
}

// checkSpace returns the ways c does not fit the team, given what the
// team's other spaces use as c counts them.
func (pol *Policy) checkSpace(tq *TeamQuota, c *Candidate, others Usage) []Problem {
	if c.Invalid != "" {
		return []Problem{{ReasonTierLimitExceeded, c.Invalid}}
	}
	if c.Deleting {
		return []Problem{{ReasonTeamQuotaExceeded, "the space is being deleted"}}
	}
	problems := pol.CheckTier(c)
	_, bp := pol.CheckBudget(c)
	problems = append(problems, bp...)
	problems = append(problems, tq.CheckNamespace(c)...)
	if len(problems) > 0 {
		return problems
	}
	return tq.checkFit(c, others)
}

// budgetOf is amount, a budget of c, when it counts towards the team's
// budget: only budgets in the team's currency can be summed.
func (tq *TeamQuota) budgetOf(c *Candidate, amount decimal.Decimal) decimal.Decimal {
	if c.Request.Currency != tq.Currency {
		return decimal.Decimal{}
	}
	return amount
}

func (tq *TeamQuota) checkFit(c *Candidate, others Usage) []Problem {
	total := others.Amounts.Add(c.Request.Amounts)
	var parts []string
	for _, d := range total.Exceeding(tq.Hard) {
		parts = append(parts, fmt.Sprintf("%s requested %s, the team's other spaces use %s, team limit %s",
			d, c.Request.Amounts[d].String(), others.Amounts[d].String(), tq.Hard[d].String()))
	}
	if tq.HasBudget && c.Request.Currency == tq.Currency && others.Budget.Add(c.Request.Budget).GreaterThan(tq.Budget) {
		parts = append(parts, fmt.Sprintf("monthly budget requested %s %s, the team's other spaces use %s %s, team limit %s %s",
			c.Request.Budget.StringFixed(2), tq.Currency, others.Budget.StringFixed(2), tq.Currency, tq.Budget.StringFixed(2), tq.Currency))
	}
	var problems []Problem
	if tq.HasBudget && c.Request.Currency != tq.Currency {
		problems = append(problems, Problem{ReasonCurrencyMismatch, fmt.Sprintf(
			"budget currency %s is not the currency %s of team %s's monthly budget", c.Request.Currency, tq.Currency, c.Team)})
	}
	if len(parts) > 0 {
		problems = append(problems, Problem{ReasonTeamQuotaExceeded, fmt.Sprintf("team %s quota exceeded: %s", c.Team, strings.Join(parts, "; "))})
	}
	return problems
}

// holds reports whether c holds anything.
func holds(c *Candidate) bool { return !isZero(c.Held) || !c.HeldBudget.IsZero() }

func isZero(a quantity.Amounts) bool {
	for _, q := range a {
		if !q.IsZero() {
			return false
		}
	}
	return true
}

// peersOf names the spaces of all created in the same second as self.
func peersOf(all []*Candidate, self *Candidate) []string {
	var names []string
	for _, c := range all {
		if c != self && c.Created.Equal(self.Created) {
			names = append(names, c.Name)
		}
	}
	return names // Sorted: all is in order, and peers are ordered by name.
}

// waitFor names the spaces of self's second ordered after it that may have
// decided without seeing it: they neither hold what they were admitted
// to nor have decided having seen self. Spaces that cannot be admitted
// now (deleting, invalid, failing) are not waited for.
func waitFor(all []*Candidate, self *Candidate) []string {
	var names []string
	for _, c := range all {
		if before(self, c) >= 0 || !c.Created.Equal(self.Created) || c.Deleting || c.Invalid != "" || c.Failing || holds(c) {
			continue
		}
		if !c.Decided || !slices.Contains(c.PeersSeen, self.Name) {
			names = append(names, c.Name)
		}
	}
	return names
}

// countAfter counts the spaces ordered after self that hold anything.
func countAfter(all []*Candidate, self *Candidate) int {
	n := 0
	for _, c := range all {
		if before(self, c) < 0 && holds(c) {
			n++
		}
	}
	return n
}

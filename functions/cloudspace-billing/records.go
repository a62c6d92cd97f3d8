package main

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/resource"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// RequirementSpend is the key under which the function asks Crossplane for
// the space's spend records.
const RequirementSpend = "spend-records"

var (
	// reAmount is a plain decimal amount as the ingester writes it: no
	// exponent, no more digits than any bill could need. A stricter rule
	// than decimal.NewFromString keeps a hostile record from making the
	// function allocate without bound.
	reAmount   = regexp.MustCompile(`^-?[0-9]{1,18}(\.[0-9]{1,18})?$`)
	rePeriod   = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	reCurrency = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Period is a calendar month billing period, in UTC.
type Period struct {
	// Name is the period as the records spell it, "YYYY-MM".
	Name string
	// Start is the first instant of the period; End the first instant of
	// the next one.
	Start, End time.Time
}

// ParsePeriod parses a "YYYY-MM" billing period.
func ParsePeriod(s string) (Period, error) {
	if !rePeriod.MatchString(s) {
		return Period{}, fmt.Errorf("%q is not a YYYY-MM billing period", s)
	}
	start, err := time.Parse("2006-01", s)
	if err != nil {
		return Period{}, fmt.Errorf("%q is not a YYYY-MM billing period: %w", s, err)
	}
	return Period{Name: s, Start: start, End: start.AddDate(0, 1, 0)}, nil
}

// Length is the duration of the period: 28 to 31 days.
func (p Period) Length() time.Duration { return p.End.Sub(p.Start) }

// Spend is one spend record of the space, parsed into exact values.
type Spend struct {
	// Record is the name of the object that holds the record.
	Record string

	Period   Period
	Currency string

	// Billed and Effective are the period's billed and effective cost.
	Billed, Effective decimal.Decimal

	// From and Through bound the charge periods the record covers, clamped
	// to the billing period. Both are zero when the record holds no charge
	// period times.
	From, Through time.Time

	// ResourceIDs are the lexically smallest billed resource IDs, sorted;
	// Truncated is how many more were billed.
	ResourceIDs []string
	Truncated   int64

	// ResourceBilled is the billed cost of each listed resource, when the
	// record carries it.
	ResourceBilled map[string]decimal.Decimal

	// Services and Days are the billed cost of each service and each UTC
	// day (YYYY-MM-DD), in the record's order, when it carries them.
	Services, Days []Cost

	// InCluster is the in-cluster share of Billed and Effective, the cost
	// of the space's pods; nil when the record has none.
	InCluster *InCluster
}

// Cost is the billed cost of one named part of a space's spend.
type Cost struct {
	Name   string
	Billed decimal.Decimal
}

// InCluster is the in-cluster share of a space's spend.
type InCluster struct {
	Billed, Effective, Idle decimal.Decimal
	IdlePolicy              string
	Namespaces              []string
}

// Cost is the period's cost on basis b: Billed or Effective.
func (s *Spend) Cost(b fnv1alpha1.CostBasis) decimal.Decimal {
	if b == fnv1alpha1.CostBasisEffective {
		return s.Effective
	}
	return s.Billed
}

// Cost is the in-cluster share's cost on basis b: Billed or Effective.
func (ic *InCluster) Cost(b fnv1alpha1.CostBasis) decimal.Decimal {
	if b == fnv1alpha1.CostBasisEffective {
		return ic.Effective
	}
	return ic.Billed
}

// Covered is how much of the period the record's charges span.
func (s *Spend) Covered() time.Duration {
	if s.Through.IsZero() {
		return 0
	}
	return s.Through.Sub(s.From)
}

// ParseSpend parses and validates a spend record of the space named
// space, stored in the object named name. The error names every invalid
// field.
func ParseSpend(name, space string, r *billingv1alpha1.SpendRecord) (*Spend, field.ErrorList) {
	var errs field.ErrorList
	s := &Spend{Record: name, Currency: r.Currency, ResourceIDs: r.ResourceIDs, Truncated: r.ResourceIDsTruncated}

	if r.Space != space {
		errs = append(errs, field.Invalid(field.NewPath("space"), r.Space, fmt.Sprintf("must be %q, the space the record is labelled with", space)))
	}
	p, perr := ParsePeriod(r.Period)
	if perr != nil {
		errs = append(errs, field.Invalid(field.NewPath("period"), r.Period, "must be a YYYY-MM billing period"))
	}
	s.Period = p
	if !reCurrency.MatchString(r.Currency) {
		errs = append(errs, field.Invalid(field.NewPath("currency"), r.Currency, "must be an ISO 4217 currency code"))
	}
	s.Billed, errs = amount(field.NewPath("billedCost"), r.BilledCost, errs)
	s.Effective, errs = amount(field.NewPath("effectiveCost"), r.EffectiveCost, errs)

	if ic := r.InCluster; ic != nil {
		p := field.NewPath("inCluster")
		s.InCluster = &InCluster{IdlePolicy: ic.IdlePolicy, Namespaces: ic.Namespaces}
		s.InCluster.Billed, errs = amount(p.Child("billedCost"), ic.BilledCost, errs)
		s.InCluster.Effective, errs = amount(p.Child("effectiveCost"), ic.EffectiveCost, errs)
		if ic.IdleCost != "" {
			s.InCluster.Idle, errs = amount(p.Child("idleCost"), ic.IdleCost, errs)
		}
	}

	from, errs := timestamp(field.NewPath("firstChargePeriodStart"), r.FirstChargePeriodStart, errs)
	through, errs := timestamp(field.NewPath("lastChargePeriodEnd"), r.LastChargePeriodEnd, errs)
	switch {
	case from.IsZero() != through.IsZero():
		errs = append(errs, field.Required(field.NewPath("firstChargePeriodStart"), "must be set together with lastChargePeriodEnd"))
	case through.Before(from):
		errs = append(errs, field.Invalid(field.NewPath("lastChargePeriodEnd"), r.LastChargePeriodEnd, "must not be before firstChargePeriodStart"))
	case !through.IsZero() && perr == nil && (!through.After(p.Start) || from.After(p.End) || from.Equal(p.End)):
		errs = append(errs, field.Invalid(field.NewPath("lastChargePeriodEnd"), r.LastChargePeriodEnd, fmt.Sprintf("charges must fall in the billing period %s", p.Name)))
	case !through.IsZero() && perr == nil:
		s.From, s.Through = maxTime(from, p.Start), minTime(through, p.End)
	}

	if !slices.IsSorted(r.ResourceIDs) {
		errs = append(errs, field.Invalid(field.NewPath("resourceIds"), len(r.ResourceIDs), "must be sorted"))
	}
	if r.ResourceIDsTruncated < 0 {
		errs = append(errs, field.Invalid(field.NewPath("resourceIdsTruncated"), r.ResourceIDsTruncated, "must not be negative"))
	}
	for i, rc := range r.CostByResource {
		p := field.NewPath("costByResource").Index(i)
		if _, found := slices.BinarySearch(r.ResourceIDs, rc.ResourceID); !found {
			errs = append(errs, field.Invalid(p.Child("resourceId"), rc.ResourceID, "must be one of resourceIds"))
			continue
		}
		var d decimal.Decimal
		d, errs = amount(p.Child("billedCost"), rc.BilledCost, errs)
		if s.ResourceBilled == nil {
			s.ResourceBilled = map[string]decimal.Decimal{}
		}
		s.ResourceBilled[rc.ResourceID] = d
	}
	for i, sc := range r.CostByService {
		var d decimal.Decimal
		d, errs = amount(field.NewPath("costByService").Index(i).Child("billedCost"), sc.BilledCost, errs)
		s.Services = append(s.Services, Cost{Name: sc.Service, Billed: d})
	}
	for i, dc := range r.CostByDay {
		p := field.NewPath("costByDay").Index(i)
		if _, err := time.Parse(time.DateOnly, dc.Day); err != nil {
			errs = append(errs, field.Invalid(p.Child("day"), dc.Day, "must be a YYYY-MM-DD date"))
		}
		var d decimal.Decimal
		d, errs = amount(p.Child("billedCost"), dc.BilledCost, errs)
		s.Days = append(s.Days, Cost{Name: dc.Day, Billed: d})
	}
	return s, errs
}

func amount(p *field.Path, s string, errs field.ErrorList) (decimal.Decimal, field.ErrorList) {
	if !reAmount.MatchString(s) {
		return decimal.Zero, append(errs, field.Invalid(p, s, "must be a decimal amount such as 12.34"))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, append(errs, field.Invalid(p, s, err.Error()))
	}
	return d, errs
}

func timestamp(p *field.Path, s string, errs field.ErrorList) (time.Time, field.ErrorList) {
	if s == "" {
		return time.Time{}, errs
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, append(errs, field.Invalid(p, s, "must be an RFC 3339 time"))
	}
	return t.UTC(), errs
}

// Selection is the outcome of choosing the record to report from the
// space's spend records.
type Selection struct {
	// Spend is the record of the latest billing period, when it is valid
	// and in the budget's currency.
	Spend *Spend

	// Reason and Message say why Spend is nil: ReasonNoSpendRecords,
	// ReasonInvalidSpendRecord or ReasonCurrencyMismatch.
	Reason, Message string
}

// SelectSpend chooses the record of the latest billing period among the
// required resources rs and parses it. Records of earlier periods are
// history and are not reported. A record in another currency than the
// budget's is reported, never summed or converted.
func SelectSpend(rs []resource.Required, space, currency string) Selection {
	if !billingv1alpha1.IsSpaceName(space) {
		return Selection{Reason: ReasonSpaceNotAttributable, Message: fmt.Sprintf("The name %q is not a valid label value, so the billing ingester cannot attribute spend to it", space)}
	}
	type candidate struct {
		name   string
		record *billingv1alpha1.SpendRecord
		err    error
	}
	cs := make([]candidate, 0, len(rs))
	for _, r := range rs {
		if r.Resource == nil {
			continue
		}
		c := candidate{name: r.Resource.GetName()}
		data, _ := r.Resource.Object["data"].(map[string]any)
		if data == nil {
			c.err = errors.New("has no data")
		} else if c.record, c.err = billingv1alpha1.FromData(data); c.err == nil && !rePeriod.MatchString(c.record.Period) {
			c.err = fmt.Errorf("period %q is not a YYYY-MM billing period", c.record.Period)
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return Selection{Reason: ReasonNoSpendRecords, Message: fmt.Sprintf("No spend records of %q yet; the billing ingester writes them once the space's charges are exported", space)}
	}
	// The latest valid period first; names break ties so the choice is stable.
	slices.SortFunc(cs, func(a, b candidate) int {
		if (a.err == nil) != (b.err == nil) {
			if a.err == nil {
				return -1
			}
			return 1
		}
		if a.err == nil {
			if c := cmp.Compare(b.record.Period, a.record.Period); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.name, b.name)
	})
	c := cs[0]
	if c.err != nil {
		return Selection{Reason: ReasonInvalidSpendRecord, Message: fmt.Sprintf("Spend record %q is invalid: %v", c.name, c.err)}
	}
	s, errs := ParseSpend(c.name, space, c.record)
	if len(errs) > 0 {
		return Selection{Reason: ReasonInvalidSpendRecord, Message: fmt.Sprintf("Spend record %q is invalid: %v", c.name, errs.ToAggregate())}
	}
	if s.Currency != currency {
		return Selection{Reason: ReasonCurrencyMismatch, Message: fmt.Sprintf("Spend record %q of %s is in %s but the budget is in %s; it is not counted", c.name, s.Period.Name, s.Currency, currency)}
	}
	return Selection{Spend: s}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Shares returns the in-cluster and cloud-resource shares of a record's
// spend for status.billing: the cost of the space's pods, and of its tagged
// resources, which is the rest. Both nil when the record has no in-cluster
// share. The budget is judged on the whole, BilledToDate.
func Shares(s *Spend) (inCluster, cloud *v1alpha1.SpendShare) {
	ic := s.InCluster
	if ic == nil {
		return nil, nil
	}
	inCluster = &v1alpha1.SpendShare{
		BilledToDate: Exact(ic.Billed), EffectiveToDate: Exact(ic.Effective),
		IdleToDate: Exact(ic.Idle), IdlePolicy: ic.IdlePolicy, Namespaces: ic.Namespaces,
	}
	cloud = &v1alpha1.SpendShare{BilledToDate: Exact(s.Billed.Sub(ic.Billed)), EffectiveToDate: Exact(s.Effective.Sub(ic.Effective))}
	return inCluster, cloud
}

// Package spend reads spend records and XCloudSpaces into exact figures: the
// spend of a space in a billing period, day by day and by service, its
// forecast and its budget. The report command draws them and the billing
// controller exports them as metrics; both compute the forecast as the
// reconciler (function-cloudspace-billing) does, so a picture, a gauge and
// the claim's status.billing agree.
//
// Every amount is an exact decimal. Only the edges that must (a plot's
// coordinates, a Prometheus sample) turn one into a float.
package spend

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/util/validation/field"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// MinCoverage is how much of a period the charges must span before a
// forecast is made, as the reconciler judges it.
const MinCoverage = 24 * time.Hour

// Day is 24 hours: billing periods and charge days are UTC, without daylight
// saving.
const Day = 24 * time.Hour

// divisionDigits is the fraction digits a division keeps, as the reconciler's.
const divisionDigits = 12

var (
	// reAmount is a plain decimal amount as the ingester writes it, the
	// reconciler's rule: no exponent, no more digits than a bill needs.
	reAmount   = regexp.MustCompile(`^-?[0-9]{1,18}(\.[0-9]{1,18})?$`)
	rePeriod   = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	reCurrency = regexp.MustCompile(`^[A-Z]{3}$`)
	reDay      = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// Period is a calendar month billing period in UTC.
type Period struct {
	// Name is the period as records spell it, "YYYY-MM".
	Name string
	// Start is its first instant, End the first instant of the next month.
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

// PeriodOf returns the billing period t falls in.
func PeriodOf(t time.Time) Period {
	t = t.UTC()
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return Period{Name: start.Format("2006-01"), Start: start, End: start.AddDate(0, 1, 0)}
}

// Days is how many days the period has: 28 to 31.
func (p Period) Days() int { return int(p.End.Sub(p.Start) / Day) }

// DayCost is the billed cost of one UTC day.
type DayCost struct {
	// Date is the first instant of the day.
	Date   time.Time
	Billed decimal.Decimal
}

// ServiceCost is the billed cost of one service.
type ServiceCost struct {
	Service string
	Billed  decimal.Decimal
}

// Spend is one spend record in exact values.
type Spend struct {
	// Space is the XCloudSpace the record is attributed to.
	Space    string
	Period   Period
	Currency string

	// Billed is the billed cost of the period, as the record sums it.
	Billed decimal.Decimal

	// From and Through bound the charge periods the record covers, clamped
	// to the billing period; both zero when the record has no charge times.
	From, Through time.Time

	// Days are the billed cost per day, sorted, and Services per service,
	// sorted by name, when the record breaks its cost down.
	Days     []DayCost
	Services []ServiceCost
}

// Parse reads a spend record into exact values. The error names every
// invalid field of the record.
func Parse(r *billingv1alpha1.SpendRecord) (*Spend, error) {
	var errs field.ErrorList
	s := &Spend{Space: r.Space, Currency: r.Currency}
	p, perr := ParsePeriod(r.Period)
	if perr != nil {
		errs = append(errs, field.Invalid(field.NewPath("period"), r.Period, "must be a YYYY-MM billing period"))
	}
	s.Period = p
	if !reCurrency.MatchString(r.Currency) {
		errs = append(errs, field.Invalid(field.NewPath("currency"), r.Currency, "must be an ISO 4217 currency code"))
	}
	s.Billed, errs = amount(field.NewPath("billedCost"), r.BilledCost, errs)

	from, errs := timestamp(field.NewPath("firstChargePeriodStart"), r.FirstChargePeriodStart, errs)
	through, errs := timestamp(field.NewPath("lastChargePeriodEnd"), r.LastChargePeriodEnd, errs)
	switch {
	case from.IsZero() != through.IsZero():
		errs = append(errs, field.Required(field.NewPath("firstChargePeriodStart"), "must be set together with lastChargePeriodEnd"))
	case through.Before(from):
		errs = append(errs, field.Invalid(field.NewPath("lastChargePeriodEnd"), r.LastChargePeriodEnd, "must not be before firstChargePeriodStart"))
	case !through.IsZero() && perr == nil && (!through.After(p.Start) || !from.Before(p.End)):
		errs = append(errs, field.Invalid(field.NewPath("lastChargePeriodEnd"), r.LastChargePeriodEnd, "charges must fall in the billing period "+p.Name))
	case !through.IsZero() && perr == nil:
		s.From, s.Through = later(from, p.Start), earlier(through, p.End)
	}

	for i, d := range r.CostByDay {
		path := field.NewPath("costByDay").Index(i)
		var date time.Time
		if !reDay.MatchString(d.Day) {
			errs = append(errs, field.Invalid(path.Child("day"), d.Day, "must be a YYYY-MM-DD date"))
		} else if t, err := time.Parse(time.DateOnly, d.Day); err != nil {
			errs = append(errs, field.Invalid(path.Child("day"), d.Day, "must be a YYYY-MM-DD date"))
		} else {
			date = t
		}
		var b decimal.Decimal
		b, errs = amount(path.Child("billedCost"), d.BilledCost, errs)
		s.Days = append(s.Days, DayCost{Date: date, Billed: b})
	}
	if !slices.IsSortedFunc(s.Days, func(a, b DayCost) int { return a.Date.Compare(b.Date) }) {
		errs = append(errs, field.Invalid(field.NewPath("costByDay"), len(s.Days), "must be sorted by day"))
	}
	for i, c := range r.CostByService {
		var b decimal.Decimal
		b, errs = amount(field.NewPath("costByService").Index(i).Child("billedCost"), c.BilledCost, errs)
		s.Services = append(s.Services, ServiceCost{Service: c.Service, Billed: b})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid spend record %q: %w", r.Name(), errs.ToAggregate())
	}
	return s, nil
}

func amount(p *field.Path, s string, errs field.ErrorList) (decimal.Decimal, field.ErrorList) {
	if !reAmount.MatchString(s) {
		return decimal.Zero, append(errs, field.Invalid(p, s, "must be a decimal amount such as 12.34"))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, append(errs, field.Invalid(p, s, "must be a decimal amount such as 12.34"))
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

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Forecast is the billed cost expected at the end of a period: the burn
// rate from the first charge (from) to the end of the data (through) carried
// on to the end of the period, exactly as the reconciler reports it in
// status.billing.forecast:
//
//	forecast = billed × (end − from) ÷ (through − from)
//
// ok is false when the data covers less than MinCoverage. The forecast is a
// straight line: drawn from (from, 0) through (through, billed) it reaches
// (end, forecast).
func Forecast(billed decimal.Decimal, from, through, end time.Time) (forecast decimal.Decimal, ok bool) {
	covered := through.Sub(from)
	if from.IsZero() || through.IsZero() || covered < MinCoverage {
		return decimal.Zero, false
	}
	return billed.Mul(seconds(end.Sub(from))).DivRound(seconds(covered), divisionDigits), true
}

// Forecast is the record's forecast for the end of its period.
func (s *Spend) Forecast() (decimal.Decimal, bool) {
	return Forecast(s.Billed, s.From, s.Through, s.Period.End)
}

// Until is the spend as it was known at now: the days before now, and the
// charges through now. A now at or after the end of the data is the record
// itself. A now before it keeps the days that start before now (a day is
// the unit the record breaks spend down by), bills their sum and lets the
// services stand for the whole record, which has them for the period only.
// A record without days is kept whole: it cannot be cut.
func (s *Spend) Until(now time.Time) *Spend {
	if s.Through.IsZero() || !now.Before(s.Through) || len(s.Days) == 0 {
		return s
	}
	c := *s
	c.Days = nil
	c.Billed = decimal.Zero
	for _, d := range s.Days {
		if d.Date.Before(now) {
			c.Days = append(c.Days, d)
			c.Billed = c.Billed.Add(d.Billed)
		}
	}
	c.Through = later(now, s.From)
	return &c
}

func seconds(d time.Duration) decimal.Decimal { return decimal.NewFromInt(int64(d / time.Second)) }

// Percent is part as a percentage of whole; ok is false when whole is not
// positive.
func Percent(part, whole decimal.Decimal) (decimal.Decimal, bool) {
	if !whole.IsPositive() {
		return decimal.Zero, false
	}
	return part.Mul(decimal.NewFromInt(100)).DivRound(whole, divisionDigits), true
}

// Latest returns, for each space, its record of the latest billing period,
// sorted by space. Unattributed records (no space) are left out.
func Latest(rs []*Spend) []*Spend {
	latest := map[string]*Spend{}
	for _, s := range rs {
		if s.Space == "" {
			continue
		}
		if l, ok := latest[s.Space]; !ok || s.Period.Start.After(l.Period.Start) {
			latest[s.Space] = s
		}
	}
	out := make([]*Spend, 0, len(latest))
	for _, s := range latest {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Spend) int { return cmp.Compare(a.Space, b.Space) })
	return out
}

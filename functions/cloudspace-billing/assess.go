package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crossplane/function-sdk-go/resource"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Observed are the observed composed resources of a request, converted
// to unstructured content: billing reads them whole.
type Observed map[resource.Name]resource.ObservedComposed

// Inputs are everything one assessment reads.
type Inputs struct {
	// XR is the observed composite resource.
	XR *v1alpha1.XCloudSpace
	// Estimate is the composer's estimate: from this reconcile's desired
	// XR when the composer ran before, else from the observed XR.
	Estimate *v1alpha1.CostEstimate
	// Observed are the observed composed resources.
	Observed Observed
	// Records are the space's spend records.
	Records []resource.Required
	// Unattributed are the unattributed spend records of the space's AWS
	// account (AccountOf the XR's status.roleArn).
	Unattributed []resource.Required
	// Config is the function input.
	Config *Config
	// Now is the wall clock. It is read by the staleness judgement and
	// nothing else, so that every other figure and message depends on the
	// request alone.
	Now time.Time
}

// Report is what an assessment concludes.
type Report struct {
	// Status is status.billing, nil when there is nothing to report.
	Status *v1alpha1.BillingStatus
	// Conditions to report, one of each type, in a stable order.
	Conditions []xfn.Condition
	// Usage of the priced quota dimensions, for the log.
	Usage []Usage
	// Skipped says why a figure that needs no billing data (the unused
	// capacity cost) was left out, for the log.
	Skipped error
}

// Assess compares the space's spend with its budget and estimate. It is
// pure: the same inputs give the same report. Problems with the data are
// conditions or figures left out, never errors: a billing report must not
// stop the pipeline.
func Assess(in Inputs) *Report {
	r := &Report{}
	currency := in.XR.Spec.Budget.Currency
	if currency == "" {
		currency = v1alpha1.DefaultCurrency
	}
	st := &v1alpha1.BillingStatus{Currency: currency}

	usage, hasUsage, err := QuotaUsage(in.Observed)
	r.Usage, r.Skipped = usage, err
	if len(usage) > 0 {
		st.Usage = UsageStatus(usage)
	}
	if hasUsage && in.Estimate != nil && in.Estimate.Currency == currency {
		cost, ok, err := UnusedCapacityCost(usage, in.Estimate)
		switch {
		case err != nil:
			r.Skipped = err
		case ok:
			st.UnusedCapacityCost = Money(cost)
		}
	}

	sel := SelectSpend(in.Records, in.XR.GetName(), currency)
	if sel.Spend == nil {
		r.Conditions = []xfn.Condition{
			{Type: TypeBudget, Status: xfn.Unknown, Reason: ReasonNoBillingData, Message: "No usable billing data to judge the budget by"},
			{Type: TypeCostDrift, Status: xfn.Unknown, Reason: ReasonNoBillingData, Message: "No usable billing data to compare with the estimate"},
			{Type: TypeBillingDataMissing, Status: xfn.True, Reason: sel.Reason, Message: sel.Message, Problem: sel.Reason != ReasonNoSpendRecords},
			{Type: TypeBillingDataStale, Status: xfn.Unknown, Reason: ReasonNoBillingData, Message: "No usable billing data to judge the age of"},
			{Type: TypeCostAttribution, Status: xfn.Unknown, Reason: ReasonNoBillingData, Message: "No usable billing data to attribute"},
		}
		if sel.Reason == ReasonNoSpendRecords {
			if c, ok := Untagged(in.Observed, in.Unattributed, AccountOf(in.XR.Status.RoleARN), in.Config.BilledKinds, in.Config.UnbilledGracePeriod); ok {
				r.Conditions[len(r.Conditions)-1] = c
			}
		}
		if st.UnusedCapacityCost != "" {
			r.Status = st
		}
		return r
	}
	s := sel.Spend

	st.Period = s.Period.Name
	st.BilledToDate = Exact(s.Billed)
	st.EffectiveToDate = Exact(s.Effective)
	st.InCluster, st.Cloud = Shares(s)
	if !s.Through.IsZero() {
		st.DataThrough = s.Through.Format(time.RFC3339)
	}
	if in.Config.CostBasis != fnv1alpha1.DefaultCostBasis {
		st.CostBasis = string(in.Config.CostBasis)
	}
	forecast, hasForecast := Forecast(s, in.Config.CostBasis)
	if hasForecast {
		st.Forecast = Money(forecast)
	}

	r.Conditions = append(r.Conditions,
		budgetCondition(in, st, s, forecast, hasForecast),
		driftCondition(in, st, s, currency),
		xfn.Condition{
			Type: TypeBillingDataMissing, Status: xfn.False, Reason: ReasonSpendRecordFound,
			Message: fmt.Sprintf("Spend record %q reports %s", s.Record, s.Period.Name),
		},
		staleCondition(in, s),
		attributionCondition(in, st, s),
	)
	r.Status = st
	return r
}

func budgetCondition(in Inputs, st *v1alpha1.BillingStatus, s *Spend, forecast decimal.Decimal, hasForecast bool) xfn.Condition {
	c := xfn.Condition{Type: TypeBudget}
	limit, err := decimal.NewFromString(in.XR.Spec.Budget.MonthlyLimit)
	if err != nil || limit.IsNegative() {
		c.Status, c.Reason, c.Problem = xfn.Unknown, ReasonInvalidBudget, true
		c.Message = fmt.Sprintf("The monthly limit %q is not a decimal amount", in.XR.Spec.Budget.MonthlyLimit)
		return c
	}
	spent := s.Cost(in.Config.CostBasis)
	used, hasUsed := Percent(spent, limit)
	if hasUsed {
		st.BudgetUsedPercent = Pct(used)
	}
	fpct, hasFpct := Percent(forecast, limit)
	if hasForecast && hasFpct {
		st.ForecastPercent = Pct(fpct)
	}

	cur := st.Currency
	basis := "billed"
	if in.Config.CostBasis == fnv1alpha1.CostBasisEffective {
		basis = "effective cost"
	}
	billed := fmt.Sprintf("%s %s %s", basis, Money(spent), cur)
	if hasUsed {
		billed += fmt.Sprintf(" (%s%%)", Pct(used))
	}
	if s.InCluster != nil {
		billed += fmt.Sprintf(", of which the tenant namespace's pods %s %s", Money(s.InCluster.Cost(in.Config.CostBasis)), cur)
	}
	fc := "no forecast yet"
	if hasForecast {
		fc = fmt.Sprintf("forecast %s %s", Money(forecast), cur)
		if hasFpct {
			fc += fmt.Sprintf(" (%s%%)", Pct(fpct))
		}
	}
	through := ""
	if !s.Through.IsZero() {
		through = " through " + s.Through.Format(time.RFC3339)
	}
	budget := fmt.Sprintf("the %s %s budget of %s", Money(limit), cur, s.Period.Name)

	switch JudgeBudget(spent, forecast, hasForecast, limit, in.Config.AtRiskPercent) {
	case BudgetExceeded:
		c.Status, c.Reason, c.Problem = xfn.False, ReasonBudgetExceeded, true
		c.Message = fmt.Sprintf("Exceeded %s: %s%s; %s", budget, billed, through, fc)
	case BudgetAtRisk:
		c.Status, c.Reason, c.Problem = xfn.False, ReasonBudgetAtRisk, true
		c.Message = fmt.Sprintf("At risk of exceeding %s: %s reaches the %s%% at-risk threshold; %s%s", budget, fc, in.Config.AtRiskPercent, billed, through)
	default:
		c.Status, c.Reason = xfn.True, ReasonBudgetHealthy
		c.Message = fmt.Sprintf("Within %s: %s%s; %s", budget, billed, through, fc)
	}
	return c
}

func driftCondition(in Inputs, st *v1alpha1.BillingStatus, s *Spend, currency string) xfn.Condition {
	c := xfn.Condition{Type: TypeCostDrift, Status: xfn.Unknown}
	if in.Estimate == nil || in.Estimate.Monthly == "" {
		c.Reason, c.Message = ReasonNoEstimate, "The composer has not estimated the space's cost"
		return c
	}
	monthly, err := decimal.NewFromString(in.Estimate.Monthly)
	if err != nil || !monthly.IsPositive() {
		c.Reason, c.Message = ReasonNoEstimate, fmt.Sprintf("The estimate %q is not a positive amount", in.Estimate.Monthly)
		return c
	}
	if in.Estimate.Currency != currency {
		c.Reason, c.Message = ReasonCurrencyMismatch, fmt.Sprintf("The estimate is in %s but the budget is in %s", in.Estimate.Currency, currency)
		return c
	}
	covered := s.Covered()
	if covered < MinCoverage {
		c.Reason = ReasonInsufficientData
		c.Message = fmt.Sprintf("The billing data covers %s of %s; drift is judged from %s", days(covered), s.Period.Name, days(MinCoverage))
		return c
	}
	pct, _ := Drift(s.Billed, monthly, covered, s.Period.Length())
	st.DriftPercent = Pct(pct)
	expected := Prorate(monthly, covered, s.Period.Length())
	what := fmt.Sprintf("billed %s %s against %s %s expected from the %s %s monthly estimate over %s of %s (%s%%, tolerance %s%%)",
		Money(s.Billed), currency, Money(expected), currency, Money(monthly), currency, days(covered), s.Period.Name, Pct(pct), in.Config.DriftTolerancePercent)
	judged := JudgeDrift(pct, in.Config.DriftTolerancePercent)
	if judged != DriftWithinTolerance {
		// A drift names where the spend went; spend within tolerance
		// needs no explaining.
		top := TopContributors(s, ComposedIDs(in.Observed))
		st.DriftContributors = top.Status()
		if d := top.Describe(currency); d != "" {
			what += "; " + d
		}
	}
	switch judged {
	case DriftAbove:
		c.Status, c.Reason, c.Problem, c.Message = xfn.True, ReasonAboveEstimate, true, "Spend is above the estimate: "+what
	case DriftBelow:
		c.Status, c.Reason, c.Problem, c.Message = xfn.True, ReasonBelowEstimate, true, "Spend is below the estimate: "+what
	default:
		c.Status, c.Reason, c.Message = xfn.False, ReasonWithinTolerance, "Spend is within tolerance of the estimate: "+what
	}
	return c
}

func staleCondition(in Inputs, s *Spend) xfn.Condition {
	c := xfn.Condition{Type: TypeBillingDataStale}
	switch {
	case in.Config.StalenessLimit == 0:
		c.Status, c.Reason, c.Message = xfn.False, ReasonCheckDisabled, "The staleness check is off (stalenessLimit 0)"
	case s.Through.IsZero():
		c.Status, c.Reason, c.Message = xfn.Unknown, ReasonNoChargePeriods, fmt.Sprintf("Spend record %q holds no charge period times", s.Record)
	case Stale(s.Through, in.Config.StalenessLimit, in.Now):
		c.Status, c.Reason, c.Problem = xfn.True, ReasonStale, true
		c.Message = fmt.Sprintf("The billing data runs through %s, more than %s ago; check the billing ingester and the billing export", s.Through.Format(time.RFC3339), fmtDuration(in.Config.StalenessLimit))
	default:
		c.Status, c.Reason = xfn.False, ReasonFresh
		c.Message = fmt.Sprintf("The billing data runs through %s, within %s", s.Through.Format(time.RFC3339), fmtDuration(in.Config.StalenessLimit))
	}
	return c
}

// Stale reports whether billing data that runs up to through is older
// than limit at now. It is the only judgement that reads the clock.
func Stale(through time.Time, limit time.Duration, now time.Time) bool {
	return now.Sub(through) > limit
}

func attributionCondition(in Inputs, st *v1alpha1.BillingStatus, s *Spend) xfn.Condition {
	c := xfn.Condition{Type: TypeCostAttribution}
	orphans, ok := Orphans(s, ComposedIDs(in.Observed))
	if !ok {
		c.Status, c.Reason, c.Message = xfn.Unknown, ReasonNoComposedIDs, "No composed resource has reported an external ID yet"
		return c
	}
	if len(orphans) > 0 {
		st.OrphanResourceIDs = orphans[:min(len(orphans), MaxOrphanIDs)]
		if spend, ok := OrphanSpend(s, orphans); ok {
			st.OrphanSpend = Exact(spend)
		}
	}
	unbilled := FindUnbilled(in.Observed, s, in.Config.BilledKinds, in.Config.UnbilledGracePeriod)
	for _, u := range unbilled[:min(len(unbilled), MaxOrphanIDs)] {
		st.UnbilledResources = append(st.UnbilledResources, string(u.Name))
	}

	var msgs []string
	if len(orphans) > 0 {
		msgs = append(msgs, fmt.Sprintf("%d billed %s not composed by the space: %s", len(orphans), plural(len(orphans), "resource is", "resources are"), list(orphans, 5)))
	}
	if s.Truncated > 0 {
		msgs = append(msgs, fmt.Sprintf("%d more billed %s not listed in the spend record and not judged", s.Truncated, plural(int(min(s.Truncated, 2)), "resource is", "resources are")))
	}
	if len(unbilled) > 0 {
		us := make([]string, len(unbilled))
		for i, u := range unbilled {
			us[i] = fmt.Sprintf("%s (%s)", u.Name, u.ID)
		}
		msgs = append(msgs, fmt.Sprintf("%d composed %s not billed %s after creation: %s", len(unbilled), plural(len(unbilled), "resource is", "resources are"), fmtDuration(in.Config.UnbilledGracePeriod), list(us, 5)))
	}
	switch {
	case len(orphans) > 0:
		c.Status, c.Reason, c.Problem = xfn.False, ReasonOrphanSpend, true
	case len(unbilled) > 0:
		c.Status, c.Reason, c.Problem = xfn.False, ReasonUnbilledResources, true
	default:
		c.Status, c.Reason = xfn.True, ReasonAttributed
		msgs = append([]string{fmt.Sprintf("Every billed resource listed in %q is composed by the space", s.Record)}, msgs...)
	}
	c.Message = strings.Join(msgs, "; ")
	return c
}

// list joins the first n of ss and says how many more there are.
func list(ss []string, n int) string {
	if len(ss) <= n {
		return strings.Join(ss, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ss[:n], ", "), len(ss)-n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// days formats a duration as days and hours, for example "19d 6h",
// rounding down to the hour.
func days(d time.Duration) string {
	h := int64(d / time.Hour)
	switch {
	case h < 24:
		return fmt.Sprintf("%dh", h)
	case h%24 == 0:
		return fmt.Sprintf("%dd", h/24)
	default:
		return fmt.Sprintf("%dd %dh", h/24, h%24)
	}
}

// duration formats a configured duration as written: "72h" rather than
// Go's "72h0m0s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

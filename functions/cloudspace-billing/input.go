package main

import (
	"cmp"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
)

var rePercent = regexp.MustCompile(fnv1alpha1.PatternPercent)

// Config is the validated function input with its defaults applied.
type Config struct {
	DriftTolerancePercent decimal.Decimal
	AtRiskPercent         decimal.Decimal
	// StalenessLimit of zero turns the staleness check off.
	StalenessLimit      time.Duration
	UnbilledGracePeriod time.Duration
	BilledKinds         []fnv1alpha1.BilledKind
	// CostBasis is the cost the budget is judged on: the composer's
	// choice, read from the XR's status (CostBasisOf).
	CostBasis fnv1alpha1.CostBasis
	TTL       time.Duration
}

// NewConfig validates the function input and applies its defaults. The
// error names every invalid field.
func NewConfig(in *fnv1alpha1.Billing) (*Config, field.ErrorList) {
	var errs field.ErrorList
	c := &Config{BilledKinds: in.BilledKinds}
	c.DriftTolerancePercent, errs = percent(field.NewPath("driftTolerancePercent"), in.DriftTolerancePercent, fnv1alpha1.DefaultDriftTolerancePercent, errs)
	c.AtRiskPercent, errs = percent(field.NewPath("atRiskPercent"), in.AtRiskPercent, fnv1alpha1.DefaultAtRiskPercent, errs)
	if c.AtRiskPercent.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("atRiskPercent"), in.AtRiskPercent, "must be greater than zero"))
	}
	c.StalenessLimit, errs = duration(field.NewPath("stalenessLimit"), in.StalenessLimit, fnv1alpha1.DefaultStalenessLimit, errs)
	c.UnbilledGracePeriod, errs = duration(field.NewPath("unbilledGracePeriod"), in.UnbilledGracePeriod, fnv1alpha1.DefaultUnbilledGracePeriod, errs)
	c.TTL, errs = duration(field.NewPath("ttl"), in.TTL, fnv1alpha1.DefaultBillingTTL, errs)
	if in.TTL != "" && c.TTL <= 0 {
		errs = append(errs, field.Invalid(field.NewPath("ttl"), in.TTL, "must be greater than zero: spend records are not watched"))
	}
	c.CostBasis = fnv1alpha1.DefaultCostBasis // The composer's policy may say otherwise (CostBasisOf).
	if in.BilledKinds == nil {
		c.BilledKinds = fnv1alpha1.DefaultBilledKinds()
	}
	for i, k := range in.BilledKinds {
		p := field.NewPath("billedKinds").Index(i)
		if k.APIGroup == "" {
			errs = append(errs, field.Required(p.Child("apiGroup"), "must name the API group of the kind, such as kms.aws.upbound.io"))
		}
		if k.Kind == "" {
			errs = append(errs, field.Required(p.Child("kind"), "must name a kind, such as Key"))
		}
	}
	return c, errs
}

func percent(p *field.Path, s, def string, errs field.ErrorList) (decimal.Decimal, field.ErrorList) {
	if s == "" {
		s = def
	}
	if !rePercent.MatchString(s) {
		return decimal.Zero, append(errs, field.Invalid(p, s, "must be a non-negative decimal percentage such as 25 or 12.5"))
	}
	return decimal.RequireFromString(s), errs
}

func duration(p *field.Path, s, def string, errs field.ErrorList) (time.Duration, field.ErrorList) {
	if s == "" {
		s = def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, append(errs, field.Invalid(p, s, "must be a non-negative Go duration such as 15m or 72h"))
	}
	return d, errs
}

// CostBasisOf returns the cost basis the composer chose for the space, as
// an earlier step of this reconcile wrote it in the desired XR's status
// (desired), or else as the observed XR's status has it: Billed when
// neither says. The status is not trusted: a value out of the enum is an
// error naming it.
func CostBasisOf(desired, observed string) (fnv1alpha1.CostBasis, field.ErrorList) {
	b := fnv1alpha1.CostBasis(cmp.Or(desired, observed, string(fnv1alpha1.DefaultCostBasis)))
	if !slices.Contains(fnv1alpha1.CostBases(), b) {
		return "", field.ErrorList{field.NotSupported(field.NewPath("status", "costBasis"), string(b), fnv1alpha1.CostBases())}
	}
	return b, nil
}

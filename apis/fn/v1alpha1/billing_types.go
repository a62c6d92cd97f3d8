package v1alpha1

import (
	"github.com/invopop/jsonschema"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BillingKind is the kind of the function-cloudspace-billing input.
const BillingKind = "Billing"

// Defaults of the Billing input. Crossplane does not default function
// inputs, so the function applies these to every field left out.
const (
	DefaultDriftTolerancePercent = "25"
	DefaultAtRiskPercent         = "100"
	DefaultStalenessLimit        = "72h"
	DefaultUnbilledGracePeriod   = "72h"
	DefaultBillingTTL            = "15m"
)

// PatternPercent is a non-negative decimal percentage.
const PatternPercent = `^[0-9]{1,6}(\.[0-9]{1,4})?$`

// PatternDuration is a Go duration such as "15m", "72h" or "1h30m", or "0".
const PatternDuration = `^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$`

// Billing is the input of function-cloudspace-billing: how the space's
// billed spend is judged against its budget and the composer's estimate.
//
// The function reads the space's spend records, which the billing ingester
// writes as EnvironmentConfigs labelled billing.cloudspace.dev/space=<XR
// name> and billing.cloudspace.dev/record=spend, as required resources.
type Billing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// DriftTolerancePercent is how far billed spend may stray above or
	// below the composer's estimate, prorated to the time the billing data
	// covers, before CostDrift is reported. Default: "25".
	DriftTolerancePercent string `json:"driftTolerancePercent,omitempty"`

	// AtRiskPercent is the forecast, as a percentage of the monthly limit,
	// from which the budget is at risk. Default: "100", a forecast to
	// overspend.
	AtRiskPercent string `json:"atRiskPercent,omitempty"`

	// StalenessLimit is how long after the end of its last charge period
	// billing data is stale, a Go duration such as "72h". Billing exports
	// lag a day or more behind usage. "0" turns the check off. Default:
	// "72h".
	StalenessLimit string `json:"stalenessLimit,omitempty"`

	// UnbilledGracePeriod is how long after its creation a composed
	// resource of a billed kind may be missing from the billing data before
	// it is reported. Default: "72h".
	UnbilledGracePeriod string `json:"unbilledGracePeriod,omitempty"`

	// BilledKinds are the composed resource kinds that always cost money,
	// and so must show up in the billing data once the grace period is
	// over. Default: KMS keys and NAT gateways of provider-aws.
	BilledKinds []BilledKind `json:"billedKinds,omitempty"`

	// TTL is how long Crossplane may cache the function's response, a Go
	// duration such as "15m". Spend records are required resources, which
	// Crossplane does not watch, so this bounds how long new billing data
	// goes unnoticed. Default: "15m".
	TTL string `json:"ttl,omitempty"`
}

// BilledKind is a kind of composed resource.
type BilledKind struct {
	// APIGroup of the kind, for example "kms.aws.upbound.io".
	APIGroup string `json:"apiGroup"`

	// Kind, for example "Key".
	Kind string `json:"kind"`
}

// DefaultBilledKinds are the kinds of a Billing input that names none.
func DefaultBilledKinds() []BilledKind {
	return []BilledKind{
		{APIGroup: "kms.aws.upbound.io", Kind: "Key"},
		{APIGroup: "ec2.aws.upbound.io", Kind: "NATGateway"},
	}
}

// JSONSchemaExtend adds patterns and defaults to the Billing schema.
func (Billing) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, p := range []struct{ name, pattern, def string }{
		{"driftTolerancePercent", PatternPercent, DefaultDriftTolerancePercent},
		{"atRiskPercent", PatternPercent, DefaultAtRiskPercent},
		{"stalenessLimit", PatternDuration, DefaultStalenessLimit},
		{"unbilledGracePeriod", PatternDuration, DefaultUnbilledGracePeriod},
		{"ttl", PatternDuration, DefaultBillingTTL},
	} {
		if f, ok := s.Properties.Get(p.name); ok {
			f.Pattern, f.Default = p.pattern, p.def
		}
	}
	if f, ok := s.Properties.Get("billedKinds"); ok {
		f.Default = DefaultBilledKinds()
	}
}

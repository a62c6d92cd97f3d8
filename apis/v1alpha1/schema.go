package v1alpha1

import (
	"github.com/invopop/jsonschema"
)

// Validation patterns of the CloudSpace API. The functions check the same
// rules, so a claim that reaches them without API server validation (for
// example through crossplane render) is rejected with the same words.
const (
	// PatternDNSLabel is a lower-case RFC 1123 label.
	PatternDNSLabel = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`

	// PatternEmail is a pragmatic e-mail address.
	PatternEmail = `^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`

	// PatternCostCenter is a cost center identifier.
	PatternCostCenter = `^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`

	// PatternRegion is an AWS region name.
	PatternRegion = `^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`

	// PatternIPv4CIDR is an IPv4 block in CIDR notation.
	PatternIPv4CIDR = `^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$`

	// PatternQuantity is a Kubernetes resource quantity.
	PatternQuantity = `^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`

	// PatternMoney is a non-negative decimal amount with at most two
	// fraction digits.
	PatternMoney = `^[0-9]{1,12}(\.[0-9]{1,2})?$`

	// PatternCurrency is an ISO 4217 currency code.
	PatternCurrency = `^[A-Z]{3}$`
)

// Defaults of the CloudSpace API.
const (
	DefaultCIDR              = "10.0.0.0/16"
	DefaultAvailabilityZones = 2
	DefaultCurrency          = "USD"
)

// DefaultAlertThresholds are the budget alert percentages of a claim that
// names none.
func DefaultAlertThresholds() []int { return []int{80, 100} }

// validation is one x-kubernetes-validations CEL rule.
type validation struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func setValidations(s *jsonschema.Schema, v ...validation) {
	if s.Extras == nil {
		s.Extras = map[string]any{}
	}
	s.Extras["x-kubernetes-validations"] = v
}

func prop(s *jsonschema.Schema, name string) *jsonschema.Schema {
	p, ok := s.Properties.Get(name)
	if !ok {
		panic("schema has no property " + name) // A programming error in this file.
	}
	return p
}

func immutable(s *jsonschema.Schema, field string) {
	setValidations(s, validation{Rule: "self == oldSelf", Message: field + " is immutable"})
}

// JSONSchemaExtend adds enums to the schema of Environment.
func (Environment) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, e := range Environments() {
		s.Enum = append(s.Enum, string(e))
	}
}

// JSONSchemaExtend adds enums to the schema of Tier.
func (Tier) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, t := range Tiers() {
		s.Enum = append(s.Enum, string(t))
	}
}

// JSONSchemaExtend adds patterns, bounds and CEL rules to the spec schema.
func (XCloudSpaceSpec) JSONSchemaExtend(s *jsonschema.Schema) {
	team := prop(s, "team")
	team.Pattern, team.MinLength, team.MaxLength = PatternDNSLabel, ptr(uint64(1)), ptr(uint64(40))
	immutable(team, "team")

	owner := prop(s, "owner")
	owner.Pattern, owner.MaxLength = PatternEmail, ptr(uint64(254))

	cc := prop(s, "costCenter")
	cc.Pattern, cc.MaxLength = PatternCostCenter, ptr(uint64(63))

	region := prop(s, "region")
	region.Pattern, region.MaxLength = PatternRegion, ptr(uint64(32))
	immutable(region, "region")

	// An omitted network still gets the defaults of its fields.
	prop(s, "network").Default = map[string]any{}

	tags := prop(s, "tags")
	tags.MaxProperties = ptr(uint64(40))
	tags.AdditionalProperties.MaxLength = ptr(uint64(256))
	// The function also refuses keys that mix scripts or hold invisible
	// characters, which CEL cannot tell.
	setValidations(tags, validation{
		Rule:    "self.all(k, k == k.trim() && !k.contains('  '))",
		Message: "tag keys must not begin or end with a space or hold two in a row",
	})

	setValidations(s,
		validation{
			Rule:    "!has(self.resources.gpu) || string(self.resources.gpu) == '0' || self.tier in ['large', 'xlarge']",
			Message: "resources.gpu needs tier large or xlarge",
		},
		validation{
			Rule:    "!has(self.resources) || !has(self.resources.cpu) || !isQuantity(string(self.resources.cpu)) || quantity(string(self.resources.cpu)).isGreaterThan(quantity('0'))",
			Message: "resources.cpu must be more than 0: a namespace without cpu runs no pod",
		},
		validation{
			Rule:    "!has(self.resources) || !has(self.resources.memory) || !isQuantity(string(self.resources.memory)) || quantity(string(self.resources.memory)).isGreaterThan(quantity('0'))",
			Message: "resources.memory must be more than 0: a namespace without memory runs no pod",
		},
		validation{
			Rule:    "self.environment != 'prod' || !has(self.network.availabilityZones) || self.network.availabilityZones >= 2",
			Message: "network.availabilityZones must be at least 2 in prod",
		},
	)
}

// JSONSchemaExtend adds patterns, bounds and defaults to the network schema.
func (NetworkSpec) JSONSchemaExtend(s *jsonschema.Schema) {
	cidr := prop(s, "cidr")
	cidr.Pattern, cidr.Default = PatternIPv4CIDR, DefaultCIDR
	immutable(cidr, "network.cidr")

	az := prop(s, "availabilityZones")
	az.Minimum, az.Maximum, az.Default = "1", "6", DefaultAvailabilityZones

	prop(s, "public").Default = false
}

// JSONSchemaExtend adds patterns, bounds and defaults to the budget schema.
func (BudgetSpec) JSONSchemaExtend(s *jsonschema.Schema) {
	limit := prop(s, "monthlyLimit")
	limit.Pattern = PatternMoney

	cur := prop(s, "currency")
	cur.Pattern, cur.Default = PatternCurrency, DefaultCurrency

	at := prop(s, "alertThresholds")
	at.Default, at.MaxItems = DefaultAlertThresholds(), ptr(uint64(5)) // AWS Budgets allows 10 notifications: ACTUAL and FORECASTED per threshold.
	at.Items.Minimum, at.Items.Maximum = "1", "1000"
	if at.Extras == nil {
		at.Extras = map[string]any{}
	}
	at.Extras["x-kubernetes-list-type"] = "set"
}

func ptr[T any](v T) *T { return &v }

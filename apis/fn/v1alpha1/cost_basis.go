package v1alpha1

import "github.com/invopop/jsonschema"

// CostBasis is the cost a space's budget is judged on: both the billing
// function's Budget condition and the AWS Budget the composer composes.
type CostBasis string

// Cost bases.
const (
	// CostBasisBilled is the invoiced cost (FOCUS BilledCost; CUR net
	// unblended cost): a commitment's upfront fee counts in the month it is
	// paid. An AWS Budget counts unblended cost.
	CostBasisBilled CostBasis = "Billed"

	// CostBasisEffective is the amortised cost after discounts and
	// commitments (FOCUS EffectiveCost): reservations' and savings plans'
	// fees are spread over the usage they cover. An AWS Budget counts
	// amortized cost (costTypes useAmortized true, useBlended false).
	CostBasisEffective CostBasis = "Effective"
)

// DefaultCostBasis is the cost basis of an input that names none.
const DefaultCostBasis = CostBasisBilled

// CostBases lists every CostBasis, the default first.
func CostBases() []CostBasis {
	return []CostBasis{CostBasisBilled, CostBasisEffective}
}

// JSONSchemaExtend adds the enum and the default of the cost bases.
func (CostBasis) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, b := range CostBases() {
		s.Enum = append(s.Enum, string(b))
	}
	s.Default = string(DefaultCostBasis)
}

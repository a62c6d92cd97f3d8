package billing

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Format is a billing export format.
type Format string

// Formats.
const (
	// FormatAuto detects the format from the column names.
	FormatAuto Format = "auto"
	// FormatFOCUS is the FinOps Open Cost and Usage Specification, 1.0 to
	// 1.2, tolerating the columns 1.3 adds.
	FormatFOCUS Format = "focus"
	// FormatCUR is an AWS Cost and Usage Report: CUR 2.0 (snake_case
	// columns, resource_tags map) or legacy CUR (lineItem/UnblendedCost
	// columns, resourceTags/user:<key> columns, or their Athena spellings).
	FormatCUR Format = "cur"
)

// ParseFormat parses a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatAuto, FormatFOCUS, FormatCUR:
		return f, nil
	case "", "detect":
		return FormatAuto, nil
	case "cur2", "cur-2.0", "legacy-cur", "cur-legacy":
		return FormatCUR, nil
	}
	return "", fmt.Errorf("cannot parse format %q: want one of auto, focus, cur", s)
}

// col is a normalised column.
type col int

const (
	cBilled col = iota
	cEffective
	cList
	cContracted
	cCurrency
	cChargeStart
	cChargeEnd
	cBillingStart
	cBillingEnd
	cCategory
	cService
	cProvider
	cResource
	cSubAccount
	cBillingAccount
	cTags   // a JSON object (FOCUS Tags, CUR 2.0 resource_tags)
	cTagCol // a column holding the attribution tag (legacy CUR)
	cItemType
	cSPEffective
	cRIEffective
	cSPTotalCommit
	cSPUsedCommit
	cRIUnusedUpfront
	cRIUnusedRecurring
	nCols
)

// mapping maps the columns of one file onto normalised columns.
type mapping struct {
	format Format
	// idx is the file column of each normalised column, -1 when absent.
	idx [nCols]int
	// names are the file's column names.
	names []string
	// custom are the indices of FOCUS x_ custom columns.
	custom []int
	// colOf is the normalised column of each file column, -1 when unused.
	colOf []col
	// withTag is the mapping with the tag resolved into cTagCol, for
	// Parquet tags maps.
	withTag *mapping
}

// name returns the file's name of a normalised column.
func (m *mapping) name(c col) string {
	if i := m.idx[c]; i >= 0 && i < len(m.names) {
		return m.names[i]
	}
	return ""
}

// Custom returns the names of the x_ custom columns.
func (m *mapping) Custom() []string {
	out := make([]string, 0, len(m.custom))
	for _, i := range m.custom {
		out = append(out, m.names[i])
	}
	return out
}

var focusColumns = map[string]col{
	"BilledCost":         cBilled,
	"EffectiveCost":      cEffective,
	"ListCost":           cList,
	"ContractedCost":     cContracted,
	"BillingCurrency":    cCurrency,
	"ChargePeriodStart":  cChargeStart,
	"ChargePeriodEnd":    cChargeEnd,
	"BillingPeriodStart": cBillingStart,
	"BillingPeriodEnd":   cBillingEnd,
	"ChargeCategory":     cCategory,
	"ServiceName":        cService,
	"ProviderName":       cProvider,
	"ResourceId":         cResource,
	"SubAccountId":       cSubAccount,
	"BillingAccountId":   cBillingAccount,
	"Tags":               cTags,
}

// focusMandatory are the FOCUS columns a file must have.
var focusMandatory = []col{cBilled, cEffective, cList, cContracted, cCurrency, cChargeStart, cChargeEnd, cBillingStart, cBillingEnd, cCategory, cService, cProvider, cBillingAccount}

var curColumns = map[string]col{
	"line_item_unblended_cost":                                    cBilled,
	"pricing_public_on_demand_cost":                               cList,
	"line_item_currency_code":                                     cCurrency,
	"line_item_usage_start_date":                                  cChargeStart,
	"line_item_usage_end_date":                                    cChargeEnd,
	"bill_billing_period_start_date":                              cBillingStart,
	"bill_billing_period_end_date":                                cBillingEnd,
	"line_item_line_item_type":                                    cItemType,
	"product_product_name":                                        cService,
	"line_item_resource_id":                                       cResource,
	"line_item_usage_account_id":                                  cSubAccount,
	"bill_payer_account_id":                                       cBillingAccount,
	"resource_tags":                                               cTags,
	"savings_plan_savings_plan_effective_cost":                    cSPEffective,
	"reservation_effective_cost":                                  cRIEffective,
	"savings_plan_total_commitment_to_date":                       cSPTotalCommit,
	"savings_plan_used_commitment":                                cSPUsedCommit,
	"reservation_unused_amortized_upfront_fee_for_billing_period": cRIUnusedUpfront,
	"reservation_unused_recurring_fee":                            cRIUnusedRecurring,
	"bill_billing_entity":                                         cProvider,
}

var curMandatory = []col{cBilled, cCurrency, cChargeStart, cChargeEnd, cBillingStart, cSubAccount, cService}

// newMapping maps a header. It returns an error naming every missing
// mandatory column.
func newMapping(f Format, header []string, tagKey string) (*mapping, error) {
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		names[i] = strings.TrimSpace(h)
	}
	if f == FormatAuto {
		f = detect(names)
		if f == FormatAuto {
			return nil, fmt.Errorf("cannot detect format: no BilledCost (FOCUS), line_item_unblended_cost or lineItem/UnblendedCost (CUR) column")
		}
	}
	m := &mapping{format: f, names: names, colOf: make([]col, len(names))}
	for i := range m.idx {
		m.idx[i] = -1
	}
	for i := range m.colOf {
		m.colOf[i] = -1
	}
	set := func(c col, i int) {
		if m.idx[c] < 0 {
			m.idx[c] = i
			m.colOf[i] = c
		}
	}
	var mandatory []col
	tagCols := []string{"resourceTags/user:" + tagKey, "resource_tags_user_" + tagKey, "resourceTags/" + tagKey, "user:" + tagKey}
	switch f {
	case FormatFOCUS:
		mandatory = focusMandatory
		for i, n := range names {
			if c, ok := focusColumns[n]; ok {
				set(c, i)
				continue
			}
			if n == "ServiceProviderName" {
				// FOCUS 1.3 renames ProviderName.
				set(cProvider, i)
				continue
			}
			if strings.HasPrefix(n, "x_") {
				m.custom = append(m.custom, i)
			}
		}
	case FormatCUR:
		mandatory = curMandatory
		for i, n := range names {
			if slices.Contains(tagCols, n) {
				continue
			}
			if c, ok := curColumns[curName(n)]; ok {
				set(c, i)
			}
		}
		if m.idx[cService] < 0 {
			for i, n := range names {
				if curName(n) == "line_item_product_code" {
					set(cService, i)
				}
			}
		}
	default:
		return nil, fmt.Errorf("cannot map columns: unknown format %q", f)
	}
	// A column holding the tag itself wins over a tags map.
	for _, t := range tagCols {
		if i := slices.Index(names, t); i >= 0 && m.idx[cTagCol] < 0 {
			set(cTagCol, i)
		}
	}
	var missing []string
	for _, c := range mandatory {
		if m.idx[c] < 0 {
			missing = append(missing, columnName(f, c))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cannot map columns: missing mandatory %s column(s) %s", f, strings.Join(quoteAll(missing), ", "))
	}
	return m, nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = fmt.Sprintf("%q", s[i])
	}
	return out
}

func columnName(f Format, c col) string {
	tbl := focusColumns
	if f == FormatCUR {
		tbl = curColumns
	}
	best := ""
	for n, cc := range tbl {
		if cc == c && (best == "" || n < best) {
			best = n
		}
	}
	return best
}

func detect(names []string) Format {
	for _, n := range names {
		switch n {
		case "BilledCost":
			return FormatFOCUS
		case "line_item_unblended_cost", "lineItem/UnblendedCost":
			return FormatCUR
		}
	}
	return FormatAuto
}

// curName turns a legacy CUR column name such as "lineItem/UnblendedCost"
// into its CUR 2.0 and Athena spelling, "line_item_unblended_cost". CUR 2.0
// names are returned as they are.
func curName(n string) string {
	if !strings.ContainsRune(n, '/') {
		return strings.ToLower(n)
	}
	cat, name, _ := strings.Cut(n, "/")
	return snake(cat) + "_" + snake(name)
}

func snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			prevLower := i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]))
			nextLower := i > 0 && i+1 < len(r) && unicode.IsUpper(r[i-1]) && unicode.IsLower(r[i+1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		if c == ':' || c == '-' || c == ' ' {
			c = '_'
		}
		b.WriteRune(c)
	}
	return b.String()
}

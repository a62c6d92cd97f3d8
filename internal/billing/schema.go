package billing

import (
	"fmt"
	"slices"
	"strconv"
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
	// 1.3.
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
	cNetBilled      // CUR line_item_net_unblended_cost
	cSPNetEffective // CUR savings_plan_net_savings_plan_effective_cost
	cRINetEffective // CUR reservation_net_effective_cost
	cSPRecurring    // CUR savings_plan_recurring_commitment_for_billing_period
	cSPNetRecurring
	cSPUpfront // CUR savings_plan_amortized_upfront_commitment_for_billing_period
	cSPNetUpfront
	cRINetUnusedUpfront
	cRINetUnusedRecurring
	cRIArn      // CUR reservation_reservation_a_r_n: an RI's upfront Fee row has one
	cProductMap // CUR 2.0 product, a map holding product_name
	cTagFold    // a column holding the tag under a key that matches only ignoring case
	cAllocTags  // FOCUS 1.3 AllocatedTags: the tags of a split cost allocation's target
	// Split cost allocation (incluster.go).
	cAllocResource   // FOCUS 1.3 AllocatedResourceId
	cAllocMethod     // FOCUS 1.3 AllocatedMethodId
	cSplitParent     // CUR split_line_item_parent_resource_id
	cSplitCost       // CUR split_line_item_split_cost
	cSplitUnused     // CUR split_line_item_unused_cost
	cSplitNetCost    // CUR split_line_item_net_split_cost
	cSplitNetUnused  // CUR split_line_item_net_unused_cost
	cSplitListCost   // CUR split_line_item_public_on_demand_split_cost
	cSplitListUnused // CUR split_line_item_public_on_demand_unused_cost
	cSplitReserved   // CUR split_line_item_reserved_usage
	cSplitActual     // CUR split_line_item_actual_usage
	cUsageType       // CUR line_item_usage_type
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
	// withTag is the mapping with the tag resolved into cTagCol (or
	// cTagFold), for Parquet tags maps.
	withTag *mapping
	// ignoreCase is tagSpec.ignoreCase.
	ignoreCase bool
	// inCluster is tagSpec.inCluster; split says the file has CUR split
	// cost allocation columns (incluster.go).
	inCluster *inClusterConfig
	split     bool
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
	"BilledCost":          cBilled,
	"EffectiveCost":       cEffective,
	"ListCost":            cList,
	"ContractedCost":      cContracted,
	"BillingCurrency":     cCurrency,
	"ChargePeriodStart":   cChargeStart,
	"ChargePeriodEnd":     cChargeEnd,
	"BillingPeriodStart":  cBillingStart,
	"BillingPeriodEnd":    cBillingEnd,
	"ChargeCategory":      cCategory,
	"ServiceName":         cService,
	"ProviderName":        cProvider,
	"ResourceId":          cResource,
	"SubAccountId":        cSubAccount,
	"BillingAccountId":    cBillingAccount,
	"Tags":                cTags,
	"AllocatedTags":       cAllocTags,
	"AllocatedResourceId": cAllocResource,
	"AllocatedMethodId":   cAllocMethod,
}

// focusRenamed are columns FOCUS renamed, by their new name: 1.3 replaces
// ProviderName (deprecated, still allowed) with ServiceProviderName. The new
// name wins when a file has both.
var focusRenamed = map[string]col{
	"ServiceProviderName": cProvider,
}

// Only what attribution needs is mandatory: the cost, its currency, the
// charge period, the billing period that names the record's month, and a
// column holding tags. Everything else is optional and reported as present
// or absent (mapping.optional).
var (
	focusMandatory = []col{cBilled, cEffective, cCurrency, cChargeStart, cChargeEnd, cBillingStart}
	focusOptional  = []col{cList, cContracted, cBillingEnd, cCategory, cService, cProvider, cResource, cSubAccount, cBillingAccount, cAllocTags}
)

var curColumns = map[string]col{
	"line_item_unblended_cost":                                         cBilled,
	"line_item_net_unblended_cost":                                     cNetBilled,
	"pricing_public_on_demand_cost":                                    cList,
	"line_item_currency_code":                                          cCurrency,
	"line_item_usage_start_date":                                       cChargeStart,
	"line_item_usage_end_date":                                         cChargeEnd,
	"bill_billing_period_start_date":                                   cBillingStart,
	"bill_billing_period_end_date":                                     cBillingEnd,
	"line_item_line_item_type":                                         cItemType,
	"product_product_name":                                             cService,
	"product":                                                          cProductMap,
	"line_item_resource_id":                                            cResource,
	"line_item_usage_account_id":                                       cSubAccount,
	"bill_payer_account_id":                                            cBillingAccount,
	"resource_tags":                                                    cTags,
	"savings_plan_savings_plan_effective_cost":                         cSPEffective,
	"savings_plan_net_savings_plan_effective_cost":                     cSPNetEffective,
	"savings_plan_total_commitment_to_date":                            cSPTotalCommit,
	"savings_plan_used_commitment":                                     cSPUsedCommit,
	"savings_plan_recurring_commitment_for_billing_period":             cSPRecurring,
	"savings_plan_net_recurring_commitment_for_billing_period":         cSPNetRecurring,
	"savings_plan_amortized_upfront_commitment_for_billing_period":     cSPUpfront,
	"savings_plan_net_amortized_upfront_commitment_for_billing_period": cSPNetUpfront,
	"reservation_effective_cost":                                       cRIEffective,
	"reservation_net_effective_cost":                                   cRINetEffective,
	"reservation_unused_amortized_upfront_fee_for_billing_period":      cRIUnusedUpfront,
	"reservation_unused_recurring_fee":                                 cRIUnusedRecurring,
	"reservation_net_unused_amortized_upfront_fee_for_billing_period":  cRINetUnusedUpfront,
	"reservation_net_unused_recurring_fee":                             cRINetUnusedRecurring,
	// Athena spells reservation/ReservationARN reservation_reservation_a_r_n;
	// curName makes reservation_reservation_arn of the legacy name.
	"reservation_reservation_a_r_n": cRIArn,
	"reservation_reservation_arn":   cRIArn,
	"bill_billing_entity":           cProvider,

	"split_line_item_parent_resource_id":           cSplitParent,
	"split_line_item_split_cost":                   cSplitCost,
	"split_line_item_unused_cost":                  cSplitUnused,
	"split_line_item_net_split_cost":               cSplitNetCost,
	"split_line_item_net_unused_cost":              cSplitNetUnused,
	"split_line_item_public_on_demand_split_cost":  cSplitListCost,
	"split_line_item_public_on_demand_unused_cost": cSplitListUnused,
	"split_line_item_reserved_usage":               cSplitReserved,
	"split_line_item_actual_usage":                 cSplitActual,
	"line_item_usage_type":                         cUsageType,
}

var (
	curMandatory = []col{cBilled, cCurrency, cChargeStart, cChargeEnd, cBillingStart}
	curOptional  = []col{cNetBilled, cList, cItemType, cBillingEnd, cService, cProvider, cResource, cSubAccount, cBillingAccount,
		cSPEffective, cSPNetEffective, cSPTotalCommit, cSPUsedCommit, cSPRecurring, cSPNetRecurring, cSPUpfront, cSPNetUpfront,
		cRIEffective, cRINetEffective, cRIUnusedUpfront, cRIUnusedRecurring, cRINetUnusedUpfront, cRINetUnusedRecurring, cRIArn}
)

// tagSpec says which tag names the space.
type tagSpec struct {
	// key is the tag key, also matched as user:<key> and user_<key>.
	key string
	// ignoreCase makes a key that matches only ignoring case count. Such
	// keys are reported either way.
	ignoreCase bool
	// inCluster attributes split cost allocation rows by namespace; nil
	// when no namespace names a space.
	inCluster *inClusterConfig
}

// tagColumns are the names of a column holding the tag itself, as legacy
// CUR and its Athena spelling have them.
func (t tagSpec) columns() []string {
	return []string{"resourceTags/user:" + t.key, "resource_tags_user_" + t.key, "resourceTags/" + t.key, "user:" + t.key}
}

// newMapping maps a header. It returns an error naming every missing
// mandatory column.
func newMapping(f Format, header []string, tag tagSpec) (*mapping, error) {
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
	m := &mapping{format: f, names: names, colOf: make([]col, len(names)), ignoreCase: tag.ignoreCase, inCluster: tag.inCluster}
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
	tagCols := tag.columns()
	switch f {
	case FormatFOCUS:
		mandatory = focusMandatory
		for i, n := range names {
			if c, ok := focusRenamed[n]; ok {
				set(c, i)
			}
		}
		for i, n := range names {
			if c, ok := focusColumns[n]; ok {
				set(c, i)
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
			// Without product_product_name, the product map's product_name
			// (CUR 2.0), else the product code.
			for i, n := range names {
				if curName(n) == "line_item_product_code" {
					set(cService, i)
				}
			}
		} else if i := m.idx[cProductMap]; i >= 0 {
			m.idx[cProductMap], m.colOf[i] = -1, -1
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
	// A tag column whose name matches only ignoring case is read too: its
	// rows are counted, and attributed when tag.ignoreCase says so.
	for i, n := range names {
		if m.colOf[i] < 0 && slices.ContainsFunc(tagCols, func(t string) bool { return strings.EqualFold(t, n) }) {
			set(cTagFold, i)
		}
	}
	m.split = f == FormatCUR && m.idx[cSplitParent] >= 0 && m.idx[cSplitCost] >= 0
	var missing []string
	for _, c := range mandatory {
		if m.idx[c] < 0 {
			missing = append(missing, strconv.Quote(columnName(f, c)))
		}
	}
	if m.idx[cTags] < 0 && m.idx[cTagCol] < 0 && m.idx[cTagFold] < 0 {
		if f == FormatFOCUS {
			missing = append(missing, `"Tags"`)
		} else {
			missing = append(missing, fmt.Sprintf("%q or %q", "resource_tags", tagCols[0]))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("cannot map columns: missing mandatory %s column(s) %s", f, strings.Join(missing, ", "))
	}
	return m, nil
}

// optional returns the names of the optional columns the file has, as the
// file spells them, and of those it lacks.
func (m *mapping) optional() (present, absent []string) {
	opt := focusOptional
	if m.format == FormatCUR {
		opt = curOptional
	}
	for _, c := range opt {
		if n := m.name(c); n != "" {
			present = append(present, n)
			continue
		}
		if c == cService && m.idx[cProductMap] >= 0 {
			continue // the product map stands in
		}
		absent = append(absent, columnName(m.format, c))
	}
	if m.idx[cProductMap] >= 0 {
		present = append(present, m.name(cProductMap))
	}
	return present, absent
}

func columnName(f Format, c col) string {
	if f == FormatFOCUS && c == cProvider {
		return "ServiceProviderName"
	}
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

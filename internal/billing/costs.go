package billing

import (
	"bytes"

	"github.com/shopspring/decimal"
)

// The cost columns of a row, by the providers' rules.
//
// FOCUS files carry them: BilledCost, EffectiveCost and ListCost are read as
// written (FOCUS 1.0-1.3, columns/billedcost.md, effectivecost.md,
// listcost.md). A FOCUS file without ListCost, or a null ListCost, takes the
// BilledCost: "ListCost of a charge unrelated to other charges MUST match the
// BilledCost" (listcost.md).
//
// A CUR row is turned into the same three figures the way AWS's own FOCUS
// export (Data Exports, "FOCUS 1.0 with AWS columns") and the FinOps
// Foundation's CUR-to-FOCUS converter do it, per line_item_line_item_type;
// the rules and their sources are in curCosts.

// costs returns the billed, effective and list cost of the row in p.vals.
func (p *rowProc) costs() (billed, effective, list Amount, ce *cellError) {
	if p.m.format == FormatCUR {
		return p.curCosts()
	}
	if billed, ce = p.amount(cBilled, true); ce != nil {
		return
	}
	if effective, ce = p.amount(cEffective, true); ce != nil {
		return
	}
	list = billed
	if p.has(cList) {
		list, ce = p.amount(cList, false)
	}
	return
}

// Line item types of the CUR (lineItem/LineItemType, CUR 2.0
// line_item_line_item_type): https://docs.aws.amazon.com/cur/latest/userguide/Lineitem-columns.html#Lineitem-details-L-LineItemType
const (
	liUsage                   = "Usage"
	liDiscountedUsage         = "DiscountedUsage"
	liSavingsPlanCoveredUsage = "SavingsPlanCoveredUsage"
	liSavingsPlanNegation     = "SavingsPlanNegation"
	liSavingsPlanUpfrontFee   = "SavingsPlanUpfrontFee"
	liSavingsPlanRecurringFee = "SavingsPlanRecurringFee"
	liRIFee                   = "RIFee"
	liFee                     = "Fee"
)

// isDiscount reports whether a line item type is a discount: BundledDiscount,
// EdpDiscount, PrivateRateDiscount, DistributorDiscount, RiVolumeDiscount,
// SppDiscount and whatever AWS names alike.
func isDiscount(t []byte) bool {
	return bytes.HasSuffix(t, []byte("Discount"))
}

// curCosts derives FOCUS BilledCost, EffectiveCost and ListCost from a CUR
// row (CUR 2.0 or legacy; the columns are named here in their CUR 2.0
// spelling, legacy lineItem/NetUnblendedCost is line_item_net_unblended_cost
// and so on).
//
// BilledCost (FinOps Foundation focus_converters, conversion_configs/aws/
// billed_cost_S001.yaml: "WHEN line_item_net_unblended_cost is not null
// THEN line_item_net_unblended_cost ELSE line_item_unblended_cost"; FOCUS
// billedcost.md: "MUST reflect all applicable pricing adjustments, including
// negotiated discounts"): the net unblended cost where the export has the
// column (AWS adds it only to accounts with discounts), else the unblended
// cost. A discount row (…Discount) with a null net cost counts 0: with net
// columns, a discount is already inside the net cost of the rows it reduces.
//
// EffectiveCost (AWS amortised cost, as the Cloud Intelligence Dashboards'
// summary_view computes it, aws-samples/aws-cudos-framework-deployment
// cid/builtin/core/data/queries/cid/summary_view_curv2.sql "amortized_cost",
// and focus_converters effective_cost_S001.yaml; with net columns, the same
// over the net columns, AWS's "net amortized cost"):
//
//   - SavingsPlanCoveredUsage: savings_plan_savings_plan_effective_cost
//     (net: savings_plan_net_savings_plan_effective_cost).
//   - DiscountedUsage: reservation_effective_cost (net:
//     reservation_net_effective_cost).
//   - SavingsPlanRecurringFee: the unused commitment,
//     savings_plan_total_commitment_to_date - savings_plan_used_commitment
//     (net: that times the plan's net to gross fee ratio, the only figure
//     AWS does not export net; the ratio is rounded to 16 decimals).
//   - RIFee: the unused reservation,
//     reservation_unused_amortized_upfront_fee_for_billing_period +
//     reservation_unused_recurring_fee (net: the reservation_net_unused_…
//     columns).
//   - SavingsPlanNegation, SavingsPlanUpfrontFee, and a Fee with a
//     reservation ARN (an RI's upfront fee): 0. A commitment purchase is
//     amortised into the usage it covers (FOCUS effectivecost.md:
//     "EffectiveCost MUST be 0 when ChargeCategory is Purchase and the
//     purchase is intended to cover related eligible charges").
//   - Usage, Fee, Credit, Refund, Tax, the discounts, anything else: the
//     billed cost (effectivecost.md: "MUST match the BilledCost in scenarios
//     where this charge is not covering other eligible charges or is not
//     covered by other eligible charges").
//
// A covered usage or commitment fee row of an export without the matching
// commitment columns takes the billed cost; with the columns, a null gross
// cell is a bad row, a null net cell falls back to the gross one.
//
// ListCost (focus_converters list_cost_S001.yaml: pricing_public_on_demand_cost;
// FOCUS listcost.md): pricing_public_on_demand_cost, except
//
//   - SavingsPlanNegation and the discounts: 0 (list cost "excludes any
//     negotiated or commitment-based discounts"; the covered usage row
//     already carries the on-demand cost, summary_view_curv2.sql
//     "public_cost" leaves negations out);
//   - a commitment purchase or fee without a public cost: 0 (listcost.md,
//     usability constraints: purchases that cover future charges are left
//     out of an accrual basis list cost, the covered usage carries it);
//   - any other row without a public cost (column absent or null, e.g. Tax,
//     Credit, Refund, Fee): the billed cost ("ListCost of a charge unrelated
//     to other charges MUST match the BilledCost"; a tax's list cost is that
//     of the charges it is levied on, which a row does not carry, so its
//     billed cost stands in).
func (p *rowProc) curCosts() (billed, effective, list Amount, ce *cellError) {
	fail := func(ce *cellError) (Amount, Amount, Amount, *cellError) { return Amount{}, Amount{}, Amount{}, ce }
	t := p.vals[cItemType]
	if billed, ce = p.curBilled(t); ce != nil {
		return fail(ce)
	}
	net := p.m.idx[cNetBilled] >= 0
	discount := isDiscount(t)

	effective = billed
	purchase := false
	switch string(t) {
	case liSavingsPlanCoveredUsage:
		effective, ce = p.commitmentCost(net, cSPEffective, cSPNetEffective, billed)
	case liDiscountedUsage:
		effective, ce = p.commitmentCost(net, cRIEffective, cRINetEffective, billed)
	case liSavingsPlanNegation:
		effective = Amount{}
	case liSavingsPlanUpfrontFee:
		effective, purchase = Amount{}, true
	case liSavingsPlanRecurringFee:
		purchase = true
		effective, ce = p.spUnused(net, billed)
	case liRIFee:
		purchase = true
		effective, ce = p.riUnused(net, billed)
	case liFee:
		if p.has(cRIArn) {
			effective, purchase = Amount{}, true
		}
	}
	if ce != nil {
		return fail(ce)
	}

	switch {
	case discount || string(t) == liSavingsPlanNegation:
		list = Amount{}
	case p.has(cList):
		list, ce = p.amount(cList, false)
	case purchase:
		list = Amount{}
	default:
		list = billed
	}
	if ce != nil {
		return fail(ce)
	}
	return billed, effective, list, nil
}

// billed returns the billed cost of the row in p.vals alone, as costs
// does, for a row that costs cannot read whole.
func (p *rowProc) billed() (Amount, *cellError) {
	if p.m.format == FormatCUR {
		return p.curBilled(p.vals[cItemType])
	}
	return p.amount(cBilled, true)
}

// curBilled returns the BilledCost of a CUR row of line item type t.
func (p *rowProc) curBilled(t []byte) (Amount, *cellError) {
	billed, ce := p.amount(cBilled, true)
	if ce != nil || p.m.idx[cNetBilled] < 0 {
		return billed, ce
	}
	switch {
	case p.has(cNetBilled):
		return p.amount(cNetBilled, false)
	case isDiscount(t):
		return Amount{}, nil
	}
	return billed, nil
}

// commitmentCost returns the effective cost of usage covered by a
// commitment: the net column when the export has net costs and the cell a
// value, else the gross column, else (without the column) the billed cost.
func (p *rowProc) commitmentCost(net bool, gross, netCol col, billed Amount) (Amount, *cellError) {
	if net && p.has(netCol) {
		return p.amount(netCol, false)
	}
	if p.m.idx[gross] < 0 {
		return billed, nil
	}
	return p.amount(gross, true)
}

// spUnused returns the effective cost of a SavingsPlanRecurringFee row: the
// commitment of the hour not used by covered usage.
func (p *rowProc) spUnused(net bool, billed Amount) (Amount, *cellError) {
	if p.m.idx[cSPTotalCommit] < 0 || p.m.idx[cSPUsedCommit] < 0 {
		return billed, nil
	}
	total, ce := p.amount(cSPTotalCommit, true)
	if ce != nil {
		return Amount{}, ce
	}
	used, ce := p.amount(cSPUsedCommit, true)
	if ce != nil {
		return Amount{}, ce
	}
	unusedAmt := total.add(used.neg())
	if !net || !p.has(cSPNetRecurring) && !p.has(cSPNetUpfront) {
		return unusedAmt, nil
	}
	unused := unusedAmt.Decimal()
	// The net unused commitment: AWS exports the net fee but not the net
	// commitment, so scale by the fee's net to gross ratio.
	var gross, netFee decimal.Decimal
	for _, pair := range [][2]col{{cSPRecurring, cSPNetRecurring}, {cSPUpfront, cSPNetUpfront}} {
		g, ce := p.amount(pair[0], false)
		if ce != nil {
			return Amount{}, ce
		}
		n := g
		if p.has(pair[1]) {
			if n, ce = p.amount(pair[1], false); ce != nil {
				return Amount{}, ce
			}
		}
		gross = gross.Add(g.Decimal())
		netFee = netFee.Add(n.Decimal())
	}
	if gross.IsZero() {
		return unusedAmt, nil
	}
	return Amount{dec: unused.Mul(netFee).DivRound(gross, 16), big: true}, nil
}

// riUnused returns the effective cost of an RIFee row: the amortised upfront
// and recurring fee of the reservation hours not used.
func (p *rowProc) riUnused(net bool, billed Amount) (Amount, *cellError) {
	if p.m.idx[cRIUnusedUpfront] < 0 || p.m.idx[cRIUnusedRecurring] < 0 {
		return billed, nil
	}
	cols := [2]col{cRIUnusedUpfront, cRIUnusedRecurring}
	required := true
	if net && (p.has(cRINetUnusedUpfront) || p.has(cRINetUnusedRecurring)) {
		cols, required = [2]col{cRINetUnusedUpfront, cRINetUnusedRecurring}, false
	}
	a, ce := p.amount(cols[0], required)
	if ce != nil {
		return Amount{}, ce
	}
	b, ce := p.amount(cols[1], required)
	if ce != nil {
		return Amount{}, ce
	}
	return a.add(b), nil
}

// neg returns -a.
func (a Amount) neg() Amount {
	if a.big || a.units == -a.units && a.units != 0 {
		return Amount{dec: a.Decimal().Neg(), big: true}
	}
	return Amount{units: -a.units}
}

// add returns a+b, exactly.
func (a Amount) add(b Amount) Amount {
	if !a.big && !b.big {
		s := a.units + b.units
		// No overflow when the signs differ, or the sum keeps their sign.
		if (a.units >= 0) != (b.units >= 0) || (s >= 0) == (a.units >= 0) {
			return Amount{units: s}
		}
	}
	return Amount{dec: a.Decimal().Add(b.Decimal()), big: true}
}

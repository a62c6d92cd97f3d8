package billing

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The CUR columns the cost rules read, in their CUR 2.0 spelling.
var curCostColumns = []string{
	"line_item_line_item_type", "line_item_unblended_cost", "pricing_public_on_demand_cost", "line_item_currency_code",
	"line_item_usage_start_date", "line_item_usage_end_date", "bill_billing_period_start_date", "resource_tags",
	"savings_plan_savings_plan_effective_cost", "savings_plan_total_commitment_to_date", "savings_plan_used_commitment",
	"savings_plan_recurring_commitment_for_billing_period", "savings_plan_amortized_upfront_commitment_for_billing_period",
	"reservation_effective_cost", "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee",
	"reservation_reservation_a_r_n",
}

// The net columns AWS adds for accounts with discounts.
var curNetColumns = []string{
	"line_item_net_unblended_cost", "savings_plan_net_savings_plan_effective_cost", "reservation_net_effective_cost",
	"savings_plan_net_recurring_commitment_for_billing_period", "savings_plan_net_amortized_upfront_commitment_for_billing_period",
	"reservation_net_unused_amortized_upfront_fee_for_billing_period", "reservation_net_unused_recurring_fee",
}

// The same columns in legacy CUR spelling.
var curLegacyColumns = []string{
	"lineItem/LineItemType", "lineItem/UnblendedCost", "lineItem/NetUnblendedCost", "pricing/publicOnDemandCost", "lineItem/CurrencyCode",
	"lineItem/UsageStartDate", "lineItem/UsageEndDate", "bill/BillingPeriodStartDate", "resourceTags/user:cloudspace",
	"savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/NetSavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment",
	"savingsPlan/RecurringCommitmentForBillingPeriod", "savingsPlan/NetRecurringCommitmentForBillingPeriod",
	"savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod", "savingsPlan/NetAmortizedUpfrontCommitmentForBillingPeriod",
	"reservation/EffectiveCost", "reservation/NetEffectiveCost", "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
	"reservation/UnusedRecurringFee", "reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/NetUnusedRecurringFee",
	"reservation/ReservationARN",
}

// TestCURCosts checks BilledCost, EffectiveCost and ListCost for every CUR
// line item type. The rules and their sources are documented on curCosts;
// each case names the rule it checks:
//
//	[B]   BilledCost: line_item_net_unblended_cost when the export has it,
//	      else line_item_unblended_cost. FinOps Foundation focus_converters,
//	      conversion_configs/aws/billed_cost_S001.yaml; FOCUS billedcost.md.
//	[E]   EffectiveCost per line item type: AWS amortised cost,
//	      aws-samples/aws-cudos-framework-deployment summary_view_curv2.sql
//	      "amortized_cost"; focus_converters effective_cost_S001.yaml; over
//	      the net columns where present (AWS "net amortized cost").
//	[E0]  A commitment purchase has EffectiveCost 0: FOCUS effectivecost.md
//	      "MUST be 0 when ChargeCategory is Purchase and the purchase is
//	      intended to cover related eligible charges".
//	[E=B] Otherwise EffectiveCost is BilledCost: effectivecost.md "MUST match
//	      the BilledCost in scenarios where this charge is not covering other
//	      eligible charges or is not covered by other eligible charges".
//	[L]   ListCost is pricing_public_on_demand_cost (focus_converters
//	      list_cost_S001.yaml); negations and discounts 0 (listcost.md: list
//	      cost excludes negotiated and commitment discounts;
//	      summary_view_curv2.sql "public_cost" leaves negations out);
//	      purchases without a public cost 0 (listcost.md usability
//	      constraints, accrual basis); other rows without one their BilledCost
//	      (listcost.md: "ListCost of a charge unrelated to other charges
//	      MUST match the BilledCost").
//
// Line item types: https://docs.aws.amazon.com/cur/latest/userguide/Lineitem-columns.html#Lineitem-details-L-LineItemType
func TestCURCosts(t *testing.T) {
	type args struct {
		header []string
		cells  map[string]string
	}
	type want struct {
		billed, effective, list string
		err                     *cellError
	}
	gross := curCostColumns
	net := append(append([]string(nil), curCostColumns...), curNetColumns...)
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"Usage": {
			reason: "[B][E=B][L] On-demand usage is billed and effective at its unblended cost, listed at the public on-demand cost.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "Usage", "line_item_unblended_cost": "1.5", "pricing_public_on_demand_cost": "2"}},
			want:   want{billed: "1.5", effective: "1.5", list: "2"},
		},
		"UsageWithoutPublicCost": {
			reason: "[L] A row without a public cost lists at its billed cost.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "Usage", "line_item_unblended_cost": "1.5"}},
			want:   want{billed: "1.5", effective: "1.5", list: "1.5"},
		},
		"DiscountedUsage": {
			reason: "[E] Usage covered by a reservation is effective at reservation_effective_cost.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "DiscountedUsage", "line_item_unblended_cost": "0", "pricing_public_on_demand_cost": "0.5", "reservation_effective_cost": "0.3"}},
			want:   want{billed: "0", effective: "0.3", list: "0.5"},
		},
		"SavingsPlanCoveredUsage": {
			reason: "[E] Usage covered by a Savings Plan is effective at savings_plan_savings_plan_effective_cost; its billed on-demand cost is cancelled by a negation.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "SavingsPlanCoveredUsage", "line_item_unblended_cost": "0.096", "pricing_public_on_demand_cost": "0.096", "savings_plan_savings_plan_effective_cost": "0.8"}},
			want:   want{billed: "0.096", effective: "0.8", list: "0.096"},
		},
		"SavingsPlanNegation": {
			reason: "[E][L] A negation cancels the covered usage's billed cost: effective 0, list 0.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "SavingsPlanNegation", "line_item_unblended_cost": "-0.096", "pricing_public_on_demand_cost": "0.096"}},
			want:   want{billed: "-0.096", effective: "0", list: "0"},
		},
		"SavingsPlanUpfrontFee": {
			reason: "[E0][L] The upfront payment of a Savings Plan is billed when bought and amortised into covered usage: effective 0.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "SavingsPlanUpfrontFee", "line_item_unblended_cost": "8760"}},
			want:   want{billed: "8760", effective: "0", list: "0"},
		},
		"SavingsPlanRecurringFee": {
			reason: "[E] The recurring fee is effective at the unused commitment, savings_plan_total_commitment_to_date - savings_plan_used_commitment.",
			args: args{header: gross, cells: map[string]string{"line_item_line_item_type": "SavingsPlanRecurringFee", "line_item_unblended_cost": "0.5",
				"savings_plan_total_commitment_to_date": "0.5", "savings_plan_used_commitment": "0.4", "savings_plan_recurring_commitment_for_billing_period": "0.5"}},
			want: want{billed: "0.5", effective: "0.1", list: "0"},
		},
		"RIFee": {
			reason: "[E] The recurring fee of a reservation is effective at its unused amortised upfront plus unused recurring fee.",
			args: args{header: gross, cells: map[string]string{"line_item_line_item_type": "RIFee", "line_item_unblended_cost": "0.2",
				"reservation_unused_amortized_upfront_fee_for_billing_period": "0.05", "reservation_unused_recurring_fee": "0.03", "reservation_reservation_a_r_n": "arn:aws:ec2:eu-west-1:1:reserved-instances/r-1"}},
			want: want{billed: "0.2", effective: "0.08", list: "0"},
		},
		"FeeReservationUpfront": {
			reason: "[E0] A Fee with a reservation ARN is an RI's upfront payment, amortised into its usage: effective 0.",
			args: args{header: gross, cells: map[string]string{"line_item_line_item_type": "Fee", "line_item_unblended_cost": "1000",
				"reservation_reservation_a_r_n": "arn:aws:ec2:eu-west-1:1:reserved-instances/r-1"}},
			want: want{billed: "1000", effective: "0", list: "0"},
		},
		"Fee": {
			reason: "[E=B][L] Any other fee (support, marketplace) is effective and listed at its billed cost.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "Fee", "line_item_unblended_cost": "29"}},
			want:   want{billed: "29", effective: "29", list: "29"},
		},
		"Credit": {
			reason: "[E=B][L] A credit is effective and listed at its billed cost.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "Credit", "line_item_unblended_cost": "-5"}},
			want:   want{billed: "-5", effective: "-5", list: "-5"},
		},
		"Refund": {
			reason: "[E=B][L] A refund is effective and listed at its billed cost.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "Refund", "line_item_unblended_cost": "-2"}},
			want:   want{billed: "-2", effective: "-2", list: "-2"},
		},
		"Tax": {
			reason: "[E=B][L] Tax is effective at its billed cost and, without a public cost, listed at it.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "Tax", "line_item_unblended_cost": "0.08"}},
			want:   want{billed: "0.08", effective: "0.08", list: "0.08"},
		},
		"BundledDiscount": {
			reason: "[E=B][L] Without net columns a discount row is billed and effective at its (negative) unblended cost; list cost excludes discounts.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "BundledDiscount", "line_item_unblended_cost": "-0.01", "pricing_public_on_demand_cost": "0"}},
			want:   want{billed: "-0.01", effective: "-0.01", list: "0"},
		},
		"EdpDiscount": {
			reason: "[E=B][L] An EDP discount row, without net columns.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "EdpDiscount", "line_item_unblended_cost": "-0.1"}},
			want:   want{billed: "-0.1", effective: "-0.1", list: "0"},
		},
		"PrivateRateDiscount": {
			reason: "[E=B][L] A private rate discount row, without net columns.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "PrivateRateDiscount", "line_item_unblended_cost": "-0.2"}},
			want:   want{billed: "-0.2", effective: "-0.2", list: "0"},
		},
		"DistributorDiscount": {
			reason: "[E=B][L] A distributor discount row, without net columns.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "DistributorDiscount", "line_item_unblended_cost": "-0.3"}},
			want:   want{billed: "-0.3", effective: "-0.3", list: "0"},
		},
		"NetUsage": {
			reason: "[B] With net columns, usage is billed at its net unblended cost, after negotiated discounts.",
			args:   args{header: net, cells: map[string]string{"line_item_line_item_type": "Usage", "line_item_unblended_cost": "1.5", "line_item_net_unblended_cost": "1.35", "pricing_public_on_demand_cost": "1.5"}},
			want:   want{billed: "1.35", effective: "1.35", list: "1.5"},
		},
		"NetNullFallsBack": {
			reason: "[B] A null net cell falls back to the unblended cost.",
			args:   args{header: net, cells: map[string]string{"line_item_line_item_type": "Credit", "line_item_unblended_cost": "-5"}},
			want:   want{billed: "-5", effective: "-5", list: "-5"},
		},
		"NetDiscountedUsage": {
			reason: "[E] With net columns, RI covered usage is effective at reservation_net_effective_cost.",
			args: args{header: net, cells: map[string]string{"line_item_line_item_type": "DiscountedUsage", "line_item_unblended_cost": "0", "line_item_net_unblended_cost": "0",
				"pricing_public_on_demand_cost": "0.5", "reservation_effective_cost": "0.3", "reservation_net_effective_cost": "0.27"}},
			want: want{billed: "0", effective: "0.27", list: "0.5"},
		},
		"NetSavingsPlanCoveredUsage": {
			reason: "[B][E] With net columns, SP covered usage is billed at its net unblended cost and effective at savings_plan_net_savings_plan_effective_cost.",
			args: args{header: net, cells: map[string]string{"line_item_line_item_type": "SavingsPlanCoveredUsage", "line_item_unblended_cost": "0.096", "line_item_net_unblended_cost": "0.0864",
				"pricing_public_on_demand_cost": "0.096", "savings_plan_savings_plan_effective_cost": "0.06", "savings_plan_net_savings_plan_effective_cost": "0.054"}},
			want: want{billed: "0.0864", effective: "0.054", list: "0.096"},
		},
		"NetSavingsPlanCoveredUsageNullNet": {
			reason: "[E] A null net effective cost falls back to the gross one.",
			args: args{header: net, cells: map[string]string{"line_item_line_item_type": "SavingsPlanCoveredUsage", "line_item_unblended_cost": "0.096",
				"savings_plan_savings_plan_effective_cost": "0.06"}},
			want: want{billed: "0.096", effective: "0.06", list: "0.096"},
		},
		"NetSavingsPlanNegation": {
			reason: "[B][E] A negation with net columns is billed at its net cost, effective 0.",
			args:   args{header: net, cells: map[string]string{"line_item_line_item_type": "SavingsPlanNegation", "line_item_unblended_cost": "-0.096", "line_item_net_unblended_cost": "-0.0864"}},
			want:   want{billed: "-0.0864", effective: "0", list: "0"},
		},
		"NetSavingsPlanUpfrontFee": {
			reason: "[B][E0] The upfront fee is billed net, effective 0.",
			args:   args{header: net, cells: map[string]string{"line_item_line_item_type": "SavingsPlanUpfrontFee", "line_item_unblended_cost": "8760", "line_item_net_unblended_cost": "7884"}},
			want:   want{billed: "7884", effective: "0", list: "0"},
		},
		"NetSavingsPlanRecurringFee": {
			reason: "[E] With net columns, the unused commitment is scaled by the plan's net to gross fee ratio: 0.1 * 0.45 / 0.5.",
			args: args{header: net, cells: map[string]string{"line_item_line_item_type": "SavingsPlanRecurringFee", "line_item_unblended_cost": "0.5", "line_item_net_unblended_cost": "0.45",
				"savings_plan_total_commitment_to_date": "0.5", "savings_plan_used_commitment": "0.4",
				"savings_plan_recurring_commitment_for_billing_period": "0.5", "savings_plan_net_recurring_commitment_for_billing_period": "0.45",
				"savings_plan_amortized_upfront_commitment_for_billing_period": "0", "savings_plan_net_amortized_upfront_commitment_for_billing_period": "0"}},
			want: want{billed: "0.45", effective: "0.09", list: "0"},
		},
		"NetRIFee": {
			reason: "[E] With net columns, an RIFee is effective at the net unused amortised upfront plus net unused recurring fee.",
			args: args{header: net, cells: map[string]string{"line_item_line_item_type": "RIFee", "line_item_unblended_cost": "0.2", "line_item_net_unblended_cost": "0.18",
				"reservation_unused_amortized_upfront_fee_for_billing_period": "0.05", "reservation_unused_recurring_fee": "0.03",
				"reservation_net_unused_amortized_upfront_fee_for_billing_period": "0.045", "reservation_net_unused_recurring_fee": "0.027"}},
			want: want{billed: "0.18", effective: "0.072", list: "0"},
		},
		"NetEdpDiscount": {
			reason: "[B] With net columns a discount is already inside the net cost of the rows it reduces: a discount row without a net cost counts 0.",
			args:   args{header: net, cells: map[string]string{"line_item_line_item_type": "EdpDiscount", "line_item_unblended_cost": "-0.15"}},
			want:   want{billed: "0", effective: "0", list: "0"},
		},
		"NetBundledDiscountZero": {
			reason: "[B] A discount row's net cost, as AWS writes it (0), is taken.",
			args:   args{header: net, cells: map[string]string{"line_item_line_item_type": "BundledDiscount", "line_item_unblended_cost": "-0.01", "line_item_net_unblended_cost": "0"}},
			want:   want{billed: "0", effective: "0", list: "0"},
		},
		"NetTax": {
			reason: "[B][E=B][L] Tax with net columns.",
			args:   args{header: net, cells: map[string]string{"line_item_line_item_type": "Tax", "line_item_unblended_cost": "0.08", "line_item_net_unblended_cost": "0.08"}},
			want:   want{billed: "0.08", effective: "0.08", list: "0.08"},
		},
		"LegacySavingsPlanCoveredUsage": {
			reason: "[B][E] Legacy CUR spellings: lineItem/NetUnblendedCost, savingsPlan/NetSavingsPlanEffectiveCost.",
			args: args{header: curLegacyColumns, cells: map[string]string{"lineItem/LineItemType": "SavingsPlanCoveredUsage", "lineItem/UnblendedCost": "0.096", "lineItem/NetUnblendedCost": "0.0864",
				"pricing/publicOnDemandCost": "0.096", "savingsPlan/SavingsPlanEffectiveCost": "0.06", "savingsPlan/NetSavingsPlanEffectiveCost": "0.054"}},
			want: want{billed: "0.0864", effective: "0.054", list: "0.096"},
		},
		"LegacyDiscountedUsage": {
			reason: "[E] Legacy reservation/EffectiveCost, reservation/NetEffectiveCost.",
			args: args{header: curLegacyColumns, cells: map[string]string{"lineItem/LineItemType": "DiscountedUsage", "lineItem/UnblendedCost": "0",
				"reservation/EffectiveCost": "0.3", "reservation/NetEffectiveCost": "0.27"}},
			want: want{billed: "0", effective: "0.27", list: "0"},
		},
		"LegacyFeeReservationUpfront": {
			reason: "[E0] Legacy reservation/ReservationARN marks an RI's upfront Fee.",
			args: args{header: curLegacyColumns, cells: map[string]string{"lineItem/LineItemType": "Fee", "lineItem/UnblendedCost": "8760", "lineItem/NetUnblendedCost": "8760",
				"reservation/ReservationARN": "arn:aws:ec2:eu-west-1:1:reserved-instances/r-1"}},
			want: want{billed: "8760", effective: "0", list: "0"},
		},
		"LegacyRIFee": {
			reason: "[E] Legacy reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod and reservation/NetUnusedRecurringFee.",
			args: args{header: curLegacyColumns, cells: map[string]string{"lineItem/LineItemType": "RIFee", "lineItem/UnblendedCost": "0.2", "lineItem/NetUnblendedCost": "0.18",
				"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "0.05", "reservation/UnusedRecurringFee": "0.03",
				"reservation/NetUnusedAmortizedUpfrontFeeForBillingPeriod": "0.045", "reservation/NetUnusedRecurringFee": "0.027"}},
			want: want{billed: "0.18", effective: "0.072", list: "0"},
		},
		"LegacySavingsPlanRecurringFee": {
			reason: "[E] Legacy savingsPlan/TotalCommitmentToDate and savingsPlan/UsedCommitment.",
			args: args{header: curLegacyColumns, cells: map[string]string{"lineItem/LineItemType": "SavingsPlanRecurringFee", "lineItem/UnblendedCost": "0.5",
				"savingsPlan/TotalCommitmentToDate": "0.5", "savingsPlan/UsedCommitment": "0.5"}},
			want: want{billed: "0.5", effective: "0", list: "0"},
		},
		"CoveredUsageWithoutCommitmentColumns": {
			reason: "An export without the Savings Plan columns cannot amortise: covered usage takes its billed cost.",
			args:   args{header: []string{"line_item_line_item_type", "line_item_unblended_cost"}, cells: map[string]string{"line_item_line_item_type": "SavingsPlanCoveredUsage", "line_item_unblended_cost": "0.096"}},
			want:   want{billed: "0.096", effective: "0.096", list: "0.096"},
		},
		"NullCommitmentCost": {
			reason: "A covered usage row with a null savings_plan_savings_plan_effective_cost is a bad row, not a silent 0.",
			args:   args{header: gross, cells: map[string]string{"line_item_line_item_type": "SavingsPlanCoveredUsage", "line_item_unblended_cost": "0.096"}},
			want:   want{err: &cellError{col: cSPEffective, err: errNull}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			header := tc.args.header
			if len(header) < 5 {
				// Enough for the mapping's mandatory columns.
				header = append(append([]string(nil), header...), "line_item_currency_code", "line_item_usage_start_date", "line_item_usage_end_date", "bill_billing_period_start_date", "resource_tags")
			}
			m, err := newMapping(FormatCUR, header, tagSpec{key: "cloudspace"})
			if err != nil {
				t.Fatal(err)
			}
			p := newRowProc(m, nil, tagSpec{key: "cloudspace"})
			for i, n := range header {
				if c := m.colOf[i]; c >= 0 {
					p.vals[c] = []byte(tc.args.cells[n])
				}
			}
			b, e, l, ce := p.costs()
			if ce != nil {
				ce.val = nil
			}
			if diff := cmp.Diff(tc.want.err, ce, cmp.AllowUnexported(cellError{}), cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("\n%s\ncosts(): -want error, +got:\n%s", tc.reason, diff)
			}
			if ce != nil {
				return
			}
			got := want{billed: b.Decimal().String(), effective: e.Decimal().String(), list: l.Decimal().String()}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\ncosts(): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestIngestCURCommitmentPurchase is the case of issue 12: a Savings Plan
// bought all upfront (8760) and one hour of usage it covers (effective 0.80).
// The purchase is billed, and amortised into the usage, not counted again.
func TestIngestCURCommitmentPurchase(t *testing.T) {
	data := "line_item_line_item_type,line_item_unblended_cost,line_item_net_unblended_cost,savings_plan_savings_plan_effective_cost,savings_plan_net_savings_plan_effective_cost,reservation_reservation_a_r_n,line_item_currency_code,line_item_usage_start_date,line_item_usage_end_date,bill_billing_period_start_date,resource_tags\n" +
		`SavingsPlanUpfrontFee,8760,8760,,,,USD,2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,"{""user_cloudspace"":""team-a""}"` + "\n" +
		`SavingsPlanCoveredUsage,1.20,1.20,0.80,0.80,,USD,2026-11-01T01:00:00Z,2026-11-01T02:00:00Z,2026-11-01T00:00:00Z,"{""user_cloudspace"":""team-a""}"` + "\n" +
		`SavingsPlanNegation,-1.20,-1.20,,,,USD,2026-11-01T01:00:00Z,2026-11-01T02:00:00Z,2026-11-01T00:00:00Z,"{""user_cloudspace"":""team-a""}"` + "\n" +
		`Fee,100,95,,,arn:aws:ec2:eu-west-1:1:reserved-instances/r-1,USD,2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,"{""user_cloudspace"":""team-a""}"` + "\n"
	res, err := Ingest(t.Context(), []Source{bytesSource{name: "cur.csv", b: []byte(data)}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Records[0]
	if diff := cmp.Diff([]string{"team-a", "8855", "0.8"}, []string{r.Space, r.BilledCost, r.EffectiveCost}); diff != "" {
		t.Errorf("Ingest(...): -want space, billed, effective, +got:\n%s", diff)
	}
}

// Package synth writes large synthetic billing exports, FOCUS 1.2 and CUR
// 2.0 CSV, for benchmarks. Output is deterministic for a seed and streams:
// any size can be written in constant memory. Generated files are never
// committed.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Format of the generated export.
type Format string

// Formats.
const (
	FOCUS Format = "focus"
	CUR   Format = "cur"
)

// Config of a generated export.
type Config struct {
	Format Format
	// Bytes is the approximate size to write; writing stops at the first
	// row boundary past it.
	Bytes int64
	// Spaces is how many distinct CloudSpaces the tags name.
	Spaces int
	// Untagged is the share of rows without the space tag, 0 to 1.
	Untagged float64
	// Seed makes the output deterministic.
	Seed uint64
	// Period is the first day of the billing month.
	Period time.Time
}

// Stats of a written export.
type Stats struct {
	Bytes int64
	Rows  int64
}

var focusHeader = []string{
	"AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency",
	"BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
	"ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountId", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
	"ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
	"PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId",
	"ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuPriceId",
	"SubAccountId", "SubAccountName", "SubAccountType", "Tags", "x_Operation", "x_UsageType",
}

var curHeader = []string{
	"bill_bill_type", "bill_billing_entity", "bill_billing_period_end_date", "bill_billing_period_start_date", "bill_invoice_id",
	"bill_payer_account_id", "identity_line_item_id", "identity_time_interval", "line_item_availability_zone",
	"line_item_currency_code", "line_item_line_item_description", "line_item_line_item_type", "line_item_net_unblended_cost",
	"line_item_operation", "line_item_product_code", "line_item_resource_id", "line_item_unblended_cost",
	"line_item_unblended_rate", "line_item_usage_account_id", "line_item_usage_amount", "line_item_usage_end_date",
	"line_item_usage_start_date", "line_item_usage_type", "pricing_public_on_demand_cost", "pricing_public_on_demand_rate",
	"pricing_unit", "product_region_code", "product_servicecode", "resource_tags", "savings_plan_savings_plan_effective_cost",
}

// Service categories of FOCUS (ServiceCategory), some of them also the
// names of CUR product families.
const (
	catCompute    = "Compute"
	catStorage    = "Storage"
	catNetworking = "Networking"
	unitHours     = "Hrs" // the pricing unit of hourly usage
)

type service struct {
	name, code, category, sub, unit, usage, op, rtype string
}

var services = []service{
	{"Amazon Elastic Compute Cloud", "AmazonEC2", catCompute, "Virtual Machines", unitHours, "BoxUsage:m5.large", "RunInstances", "Instance"},
	{"Amazon Simple Storage Service", "AmazonS3", catStorage, "Object Storage", "GB-Mo", "TimedStorage-ByteHrs", "StandardStorage", "Bucket"},
	{"Amazon Relational Database Service", "AmazonRDS", "Databases", "Relational Databases", unitHours, "InstanceUsage:db.r5.large", "CreateDBInstance", "DBInstance"},
	{"Amazon Virtual Private Cloud", "AmazonVPC", catNetworking, "Network Infrastructure", unitHours, "NatGateway-Hours", "NatGateway", "NatGateway"},
	{"AWS Lambda", "AWSLambda", catCompute, "Serverless Compute", "Lambda-GB-Second", "Lambda-GB-Second", "Invoke", "Function"},
	{"Amazon CloudWatch", "AmazonCloudWatch", "Management and Governance", "Observability", "Metrics", "CW:MetricMonitorUsage", "MetricStorage", "Metric"},
}

var regions = []struct{ id, name string }{
	{"eu-west-1", "Europe (Ireland)"}, {"us-east-1", "US East (N. Virginia)"}, {"eu-central-1", "Europe (Frankfurt)"},
}

// Write writes a synthetic export to w.
func Write(w io.Writer, c Config) (Stats, error) {
	if c.Spaces <= 0 {
		c.Spaces = 50
	}
	if c.Period.IsZero() {
		c.Period = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15)) //nolint:gosec // Synthetic data needs no crypto.
	bw := bufio.NewWriterSize(w, 1<<20)
	var st Stats
	header := focusHeader
	if c.Format == CUR {
		header = curHeader
	}
	n, err := bw.WriteString(strings.Join(header, ",") + "\n")
	st.Bytes += int64(n)
	if err != nil {
		return st, fmt.Errorf("cannot write header: %w", err)
	}
	start := c.Period
	end := start.AddDate(0, 1, 0)
	hours := int(end.Sub(start).Hours())
	bpStart := start.Format(time.RFC3339)
	bpEnd := end.Format(time.RFC3339)
	hourStr := make([]string, hours+1)
	for h := range hourStr {
		hourStr[h] = start.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
	}
	spaces := make([]string, c.Spaces)
	for i := range spaces {
		spaces[i] = fmt.Sprintf("space-%04d", i)
	}
	accounts := []string{"210987654321", "123456789012", "345678901234", "456789012345"}
	resources := 100 * c.Spaces
	row := make([]byte, 0, 4096)
	for st.Bytes < c.Bytes {
		row = row[:0]
		// A resource belongs to one service, region, account and space, as
		// in a real export; rows come in random order.
		res := r.IntN(resources)
		svc := &services[res%len(services)]
		reg := &regions[(res/len(services))%len(regions)]
		acct := accounts[(res/7)%len(accounts)]
		h := r.IntN(hours)
		qty := r.Float64() * 10
		rate := []int64{96, 230, 2400, 450, 17, 30}[res%6]
		// Costs as exporters write them: up to 10 fraction digits.
		units := int64(qty*float64(rate)*1e6) + 1
		space := ""
		if float64(res%1000)/1000 >= c.Untagged {
			space = spaces[res%len(spaces)]
		}
		if c.Format == CUR {
			row = curRow(row, svc, reg, acct, res, units, qty, bpStart, bpEnd, hourStr[h], hourStr[h+1], space, st.Rows)
		} else {
			row = focusRow(row, svc, reg, acct, res, units, qty, bpStart, bpEnd, hourStr[h], hourStr[h+1], space)
		}
		n, err := bw.Write(row)
		st.Bytes += int64(n)
		if err != nil {
			return st, fmt.Errorf("cannot write row %d: %w", st.Rows, err)
		}
		st.Rows++
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("cannot flush: %w", err)
	}
	return st, nil
}

// money appends units of 1e-10 as a decimal.
func money(b []byte, units int64) []byte {
	if units < 0 {
		b = append(b, '-')
		units = -units
	}
	b = strconv.AppendInt(b, units/1e10, 10)
	frac := units % 1e10
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	s := strconv.FormatInt(frac+1e10, 10)[1:]
	return append(b, strings.TrimRight(s, "0")...)
}

func focusRow(b []byte, svc *service, reg *struct{ id, name string }, acct string, res int, units int64, qty float64, bpStart, bpEnd, cpStart, cpEnd, space string) []byte {
	list := units + units/5
	eff := units - units/10
	b = append(b, reg.id...)
	b = append(b, "a,"...)
	b = money(b, units)
	b = append(b, ",987654321098,Example Org,Management Account,USD,"...)
	b = append(b, bpEnd...)
	b = append(b, ',')
	b = append(b, bpStart...)
	b = append(b, ",Usage,,"...)
	b = append(b, svc.usage...)
	b = append(b, " in "...)
	b = append(b, reg.name...)
	b = append(b, ",Usage-Based,"...)
	b = append(b, cpEnd...)
	b = append(b, ',')
	b = append(b, cpStart...)
	b = append(b, ",,"...)
	b = strconv.AppendFloat(b, qty, 'f', 6, 64)
	b = append(b, ',')
	b = append(b, svc.unit...)
	b = append(b, ',')
	b = money(b, units)
	b = append(b, ",0.096,"...)
	b = money(b, eff)
	b = append(b, ",Amazon Web Services,"...)
	b = money(b, list)
	b = append(b, ",0.115,Standard,"...)
	b = strconv.AppendFloat(b, qty, 'f', 6, 64)
	b = append(b, ',')
	b = append(b, svc.unit...)
	b = append(b, ",AWS,Amazon Web Services,"...)
	b = append(b, reg.id...)
	b = append(b, ',')
	b = append(b, reg.name...)
	b = append(b, ",arn:aws:"...)
	b = append(b, strings.ToLower(svc.code)...)
	b = append(b, ':')
	b = append(b, reg.id...)
	b = append(b, ':')
	b = append(b, acct...)
	b = append(b, ':')
	b = append(b, strings.ToLower(svc.rtype)...)
	b = append(b, "/r-"...)
	b = strconv.AppendInt(b, int64(res), 16)
	b = append(b, ",r-"...)
	b = strconv.AppendInt(b, int64(res), 16)
	b = append(b, ',')
	b = append(b, svc.rtype...)
	b = append(b, ',')
	b = append(b, svc.category...)
	b = append(b, ',')
	b = append(b, svc.name...)
	b = append(b, ',')
	b = append(b, svc.sub...)
	b = append(b, ",SKU"...)
	b = strconv.AppendInt(b, int64(len(svc.usage)*7919), 10)
	b = append(b, ",PRICE"...)
	b = strconv.AppendInt(b, int64(len(svc.usage)*104729), 10)
	b = append(b, ',')
	b = append(b, acct...)
	b = append(b, ",Workload Account,Member Account,"...)
	if space != "" {
		b = append(b, `"{""cloudspace"":""`...)
		b = append(b, space...)
		b = append(b, `"",""env"":""prod"",""owner"":""platform-team""}"`...)
	} else {
		b = append(b, `"{""env"":""dev""}"`...)
	}
	b = append(b, ',')
	b = append(b, svc.op...)
	b = append(b, ',')
	b = append(b, svc.usage...)
	return append(b, '\n')
}

func curRow(b []byte, svc *service, reg *struct{ id, name string }, acct string, res int, units int64, qty float64, bpStart, bpEnd, cpStart, cpEnd, space string, id int64) []byte {
	b = append(b, "Anniversary,AWS,"...)
	b = append(b, bpEnd...)
	b = append(b, ',')
	b = append(b, bpStart...)
	b = append(b, ",,987654321098,"...)
	b = strconv.AppendInt(b, id, 36)
	b = append(b, ',')
	b = append(b, cpStart...)
	b = append(b, '/')
	b = append(b, cpEnd...)
	b = append(b, ',')
	b = append(b, reg.id...)
	b = append(b, "a,USD,"...)
	b = append(b, svc.usage...)
	b = append(b, ",Usage,"...)
	b = money(b, units)
	b = append(b, ',')
	b = append(b, svc.op...)
	b = append(b, ',')
	b = append(b, svc.code...)
	b = append(b, ",arn:aws:"...)
	b = append(b, strings.ToLower(svc.code)...)
	b = append(b, ':')
	b = append(b, reg.id...)
	b = append(b, ':')
	b = append(b, acct...)
	b = append(b, ":r-"...)
	b = strconv.AppendInt(b, int64(res), 16)
	b = append(b, ',')
	b = money(b, units)
	b = append(b, ",0.096,"...)
	b = append(b, acct...)
	b = append(b, ',')
	b = strconv.AppendFloat(b, qty, 'f', 6, 64)
	b = append(b, ',')
	b = append(b, cpEnd...)
	b = append(b, ',')
	b = append(b, cpStart...)
	b = append(b, ',')
	b = append(b, svc.usage...)
	b = append(b, ',')
	b = money(b, units+units/5)
	b = append(b, ",0.115,"...)
	b = append(b, svc.unit...)
	b = append(b, ',')
	b = append(b, reg.id...)
	b = append(b, ',')
	b = append(b, svc.code...)
	b = append(b, ',')
	if space != "" {
		b = append(b, `"{""user_cloudspace"":""`...)
		b = append(b, space...)
		b = append(b, `"",""user_env"":""prod""}"`...)
	} else {
		b = append(b, `"{""user_env"":""dev""}"`...)
	}
	b = append(b, ",\n"...)
	return b
}

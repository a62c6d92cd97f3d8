package main

import (
	"cmp"
	"time"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
)

// Prices is a parsed price catalog: exact monthly prices in Currency, by
// region.
type Prices struct {
	Currency string

	// Default holds the prices of any region Regions lacks.
	Default PriceSet
	// Regions holds the prices of the regions the catalog lists, each
	// with the default's prices where the region sets none.
	Regions map[string]PriceSet
}

// PriceSet is the monthly price of each line of an estimate.
type PriceSet struct {
	CPUCore      decimal.Decimal
	MemoryGiB    decimal.Decimal
	StorageGiB   decimal.Decimal
	GPU          decimal.Decimal
	LoadBalancer decimal.Decimal
	PublicIPv4   decimal.Decimal
	KMSKey       decimal.Decimal
	Bucket       decimal.Decimal
	Budget       decimal.Decimal
}

// For returns the prices of region.
func (p *Prices) For(region string) PriceSet {
	if r, ok := p.Regions[region]; ok {
		return r
	}
	return p.Default
}

// ParsePrices parses the price catalog c. A nil catalog gives nil prices:
// no estimate is made. A price left out is zero, or in a region the
// catalog's.
func ParsePrices(p *field.Path, c *fnv1alpha1.PriceCatalog) (*Prices, field.ErrorList) {
	if c == nil {
		return nil, nil
	}
	out := &Prices{Currency: cmp.Or(c.Currency, v1alpha1.DefaultCurrency)}
	var errs field.ErrorList
	if !reCurrency.MatchString(out.Currency) {
		errs = append(errs, field.Invalid(p.Child("currency"), c.Currency, "must be an ISO 4217 code such as USD"))
	}
	if c.AsOf != "" {
		if _, err := time.Parse(time.DateOnly, c.AsOf); err != nil {
			errs = append(errs, field.Invalid(p.Child("asOf"), c.AsOf, "must be a date, YYYY-MM-DD"))
		}
	}
	errs = append(errs, out.Default.parse(p, c.PriceList)...)
	seen := map[string]bool{}
	for i, r := range c.Regions {
		rp := p.Child("regions").Index(i)
		errs = append(errs, validateRegion(rp.Child("name"), r.Name)...)
		if seen[r.Name] {
			errs = append(errs, field.Duplicate(rp.Child("name"), r.Name))
		}
		seen[r.Name] = true
		set := out.Default
		errs = append(errs, set.parse(rp, r.PriceList)...)
		if out.Regions == nil {
			out.Regions = map[string]PriceSet{}
		}
		out.Regions[r.Name] = set
	}
	return out, errs
}

// parse sets the prices l sets, leaving the others as they are.
func (ps *PriceSet) parse(p *field.Path, l fnv1alpha1.PriceList) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		v    string
		into *decimal.Decimal
	}{
		{"cpuCoreMonth", l.CPUCoreMonth, &ps.CPUCore},
		{"memoryGiBMonth", l.MemoryGiBMonth, &ps.MemoryGiB},
		{"storageGiBMonth", l.StorageGiBMonth, &ps.StorageGiB},
		{"gpuMonth", l.GPUMonth, &ps.GPU},
		{"loadBalancerMonth", l.LoadBalancerMonth, &ps.LoadBalancer},
		{"publicIPv4Month", l.PublicIPv4Month, &ps.PublicIPv4},
		{"kmsKeyMonth", l.KMSKeyMonth, &ps.KMSKey},
		{"bucketMonth", l.BucketMonth, &ps.Bucket},
		{"budgetMonth", l.BudgetMonth, &ps.Budget},
	} {
		if f.v == "" {
			continue
		}
		d, err := parsePrice(f.v)
		if err != nil {
			errs = append(errs, field.Invalid(p.Child(f.name), f.v, "must be a non-negative decimal price with at most six fraction digits, such as 21.90"))
			continue
		}
		*f.into = d
	}
	return errs
}

func parsePrice(s string) (decimal.Decimal, error) {
	if !rePrice.MatchString(s) {
		return decimal.Decimal{}, errInvalidPrice
	}
	return decimal.NewFromString(s)
}

// Request is what a space asks for, as the estimate and admission see it.
type Request struct {
	// Amounts are the requested cpu, memory, storage and gpu, and the pods
	// and load balancers the tier grants every space.
	Amounts quantity.Amounts

	// Region the space lives in.
	Region string

	// AvailabilityZones the network spans.
	AvailabilityZones int

	// Public reports whether the network is public.
	Public bool

	// Budget is the space's monthly limit, in Currency.
	Budget   decimal.Decimal
	Currency string
}

// CostItem is one priced line of an estimate.
type CostItem struct {
	Name    string
	Monthly decimal.Decimal
}

// Estimate is the expected monthly cost of a request. Each item is rounded
// to the cent and Monthly is the sum of the items, so the breakdown adds up.
type Estimate struct {
	Currency string
	Monthly  decimal.Decimal
	Items    []CostItem
}

// The names of the estimate's lines: the quota dimensions and the
// composed kinds AWS bills by the month (EstimatedKinds).
const (
	ItemBucket        = "bucket"
	ItemBudget        = "budget"
	ItemCPU           = "cpu"
	ItemGPU           = "gpu"
	ItemKMSKey        = "kms-key"
	ItemLoadBalancers = "load-balancers"
	ItemMemory        = "memory"
	ItemPublicIPv4    = "public-ipv4"
	ItemStorage       = "storage"
)

// EstimatedKinds maps the estimate's line of each composed kind to that
// kind, <group>/<Kind>: every space composes one of each. The composed
// kinds without a line cost nothing by the month (VPC, subnets, routes,
// the S3 gateway endpoint, the internet gateway, IAM, the tenant objects).
func EstimatedKinds() map[string]string {
	return map[string]string{
		ItemBucket: "s3.aws.upbound.io/Bucket",
		ItemBudget: "budgets.aws.upbound.io/Budget",
		ItemKMSKey: "kms.aws.upbound.io/Key",
	}
}

// Estimate prices r at the prices of its region. Items that cost nothing
// are left out; the rest are sorted by name.
func (p *Prices) Estimate(r Request) Estimate {
	ps := p.For(r.Region)
	lbs := quantity.Decimal(r.Amounts[quantity.LoadBalancers])
	items := []CostItem{
		{ItemBucket, ps.Bucket.Round(2)},
		{ItemBudget, ps.Budget.Round(2)},
		{ItemCPU, quantity.Decimal(r.Amounts[quantity.CPU]).Mul(ps.CPUCore).Round(2)},
		{ItemGPU, quantity.Decimal(r.Amounts[quantity.GPU]).Mul(ps.GPU).Round(2)},
		{ItemKMSKey, ps.KMSKey.Round(2)},
		{ItemLoadBalancers, lbs.Mul(ps.LoadBalancer).Round(2)},
		{ItemMemory, quantity.GiB(r.Amounts[quantity.Memory]).Mul(ps.MemoryGiB).Round(2)},
		{ItemPublicIPv4, publicIPv4s(r, lbs).Mul(ps.PublicIPv4).Round(2)},
		{ItemStorage, quantity.GiB(r.Amounts[quantity.Storage]).Mul(ps.StorageGiB).Round(2)},
	}
	e := Estimate{Currency: p.Currency}
	for _, it := range items { // Sorted by name.
		if it.Monthly.IsZero() {
			continue
		}
		e.Items = append(e.Items, it)
		e.Monthly = e.Monthly.Add(it.Monthly)
	}
	return e
}

// publicIPv4s is how many public IPv4 addresses r's load balancers hold:
// on a public network, one in each availability zone for each; none on a
// private one, whose load balancers are internal.
func publicIPv4s(r Request, lbs decimal.Decimal) decimal.Decimal {
	if !r.Public {
		return decimal.Zero
	}
	return lbs.Mul(decimal.NewFromInt(int64(r.AvailabilityZones)))
}

// API returns e in the API's form, every amount with two fraction digits.
func (e Estimate) API() *v1alpha1.CostEstimate {
	out := &v1alpha1.CostEstimate{Monthly: e.Monthly.StringFixed(2), Currency: e.Currency}
	for _, it := range e.Items {
		out.Items = append(out.Items, v1alpha1.CostItem{Name: it.Name, Monthly: it.Monthly.StringFixed(2)})
	}
	return out
}

package main

import (
	"cmp"
	"slices"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
)

// Prices is a parsed price catalog: exact monthly prices in Currency.
type Prices struct {
	Currency        string
	CPUCore         decimal.Decimal
	MemoryGiB       decimal.Decimal
	StorageGiB      decimal.Decimal
	GPU             decimal.Decimal
	NetworkAZ       decimal.Decimal
	PublicNetworkAZ decimal.Decimal
	KMSKey          decimal.Decimal
	Bucket          decimal.Decimal
	Budget          decimal.Decimal
}

// ParsePrices parses the price catalog c. A nil catalog gives nil prices:
// no estimate is made. A price left out is zero.
func ParsePrices(p *field.Path, c *fnv1alpha1.PriceCatalog) (*Prices, field.ErrorList) {
	if c == nil {
		return nil, nil
	}
	out := &Prices{Currency: cmp.Or(c.Currency, v1alpha1.DefaultCurrency)}
	var errs field.ErrorList
	if !reCurrency.MatchString(out.Currency) {
		errs = append(errs, field.Invalid(p.Child("currency"), c.Currency, "must be an ISO 4217 code such as USD"))
	}
	for _, f := range []struct {
		name string
		v    string
		into *decimal.Decimal
	}{
		{"cpuCoreMonth", c.CPUCoreMonth, &out.CPUCore},
		{"memoryGiBMonth", c.MemoryGiBMonth, &out.MemoryGiB},
		{"storageGiBMonth", c.StorageGiBMonth, &out.StorageGiB},
		{"gpuMonth", c.GPUMonth, &out.GPU},
		{"networkAZMonth", c.NetworkAZMonth, &out.NetworkAZ},
		{"publicNetworkAZMonth", c.PublicNetworkAZMonth, &out.PublicNetworkAZ},
		{"kmsKeyMonth", c.KMSKeyMonth, &out.KMSKey},
		{"bucketMonth", c.BucketMonth, &out.Bucket},
		{"budgetMonth", c.BudgetMonth, &out.Budget},
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
	return out, errs
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

// Estimate prices r. Items that cost nothing are left out; the rest are
// sorted by name.
func (p *Prices) Estimate(r Request) Estimate {
	azs := decimal.NewFromInt(int64(r.AvailabilityZones))
	items := []CostItem{
		{"cpu", quantity.Decimal(r.Amounts[quantity.CPU]).Mul(p.CPUCore)},
		{"memory", quantity.GiB(r.Amounts[quantity.Memory]).Mul(p.MemoryGiB)},
		{"storage", quantity.GiB(r.Amounts[quantity.Storage]).Mul(p.StorageGiB)},
		{"gpu", quantity.Decimal(r.Amounts[quantity.GPU]).Mul(p.GPU)},
		{"network", azs.Mul(p.NetworkAZ)},
		{"kms-key", p.KMSKey},
		{"bucket", p.Bucket},
		{"budget", p.Budget},
	}
	if r.Public {
		items = append(items, CostItem{"public-network", azs.Mul(p.PublicNetworkAZ)})
	}
	e := Estimate{Currency: p.Currency}
	for _, it := range items {
		it.Monthly = it.Monthly.Round(2)
		if it.Monthly.IsZero() {
			continue
		}
		e.Items = append(e.Items, it)
		e.Monthly = e.Monthly.Add(it.Monthly)
	}
	slices.SortFunc(e.Items, func(a, b CostItem) int { return cmp.Compare(a.Name, b.Name) })
	return e
}

// API returns e in the API's form, every amount with two fraction digits.
func (e Estimate) API() *v1alpha1.CostEstimate {
	out := &v1alpha1.CostEstimate{Monthly: e.Monthly.StringFixed(2), Currency: e.Currency}
	for _, it := range e.Items {
		out.Items = append(out.Items, v1alpha1.CostItem{Name: it.Name, Monthly: it.Monthly.StringFixed(2)})
	}
	return out
}

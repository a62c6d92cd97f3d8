package main

import (
	"cmp"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/api/resource"
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
	items := []CostItem{
		{"bucket", p.Bucket.Round(2)},
		{"budget", p.Budget.Round(2)},
		{"cpu", p.cpu(r.Amounts[quantity.CPU])},
		{"gpu", p.gpu(r.Amounts[quantity.GPU])},
		{"kms-key", p.KMSKey.Round(2)},
		{"memory", p.memory(r.Amounts[quantity.Memory])},
		{"network", p.network(r.AvailabilityZones, false)},
		{"public-network", p.publicNetwork(r)},
		{"storage", p.storage(r.Amounts[quantity.Storage])},
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

// The price of each item, rounded to the cent.
func (p *Prices) cpu(q resource.Quantity) decimal.Decimal {
	return quantity.Decimal(q).Mul(p.CPUCore).Round(2)
}

func (p *Prices) memory(q resource.Quantity) decimal.Decimal {
	return quantity.GiB(q).Mul(p.MemoryGiB).Round(2)
}

func (p *Prices) storage(q resource.Quantity) decimal.Decimal {
	return quantity.GiB(q).Mul(p.StorageGiB).Round(2)
}

func (p *Prices) gpu(q resource.Quantity) decimal.Decimal {
	return quantity.Decimal(q).Mul(p.GPU).Round(2)
}

// network is the private network of azs zones, or, when public, what a
// public network adds.
func (p *Prices) network(azs int, public bool) decimal.Decimal {
	price := p.NetworkAZ
	if public {
		price = p.PublicNetworkAZ
	}
	return decimal.NewFromInt(int64(azs)).Mul(price).Round(2)
}

// publicNetwork is what a public network adds to r, zero for a private
// one.
func (p *Prices) publicNetwork(r Request) decimal.Decimal {
	if !r.Public {
		return decimal.Decimal{}
	}
	return p.network(r.AvailabilityZones, true)
}

// API returns e in the API's form, every amount with two fraction digits.
func (e Estimate) API() *v1alpha1.CostEstimate {
	out := &v1alpha1.CostEstimate{Monthly: e.Monthly.StringFixed(2), Currency: e.Currency}
	for _, it := range e.Items {
		out.Items = append(out.Items, v1alpha1.CostItem{Name: it.Name, Monthly: it.Monthly.StringFixed(2)})
	}
	return out
}

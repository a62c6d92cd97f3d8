// Package quantity is exact arithmetic over the quota dimensions of a
// CloudSpace: Kubernetes resource quantities summed, compared and priced
// without floating point. The composer admits spaces with it; the billing
// reconciler prices requested capacity with it.
package quantity

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Dimension is one quota dimension.
type Dimension int

// The quota dimensions, in the order they are reported.
const (
	CPU Dimension = iota
	Memory
	Storage
	GPU
	Pods
	LoadBalancers

	// NumDimensions is the number of quota dimensions.
	NumDimensions
)

var names = [NumDimensions]string{"cpu", "memory", "storage", "gpu", "pods", "loadBalancers"}

// String is the dimension's field name in the API, for example "cpu".
func (d Dimension) String() string {
	if d < 0 || d >= NumDimensions {
		return fmt.Sprintf("Dimension(%d)", int(d))
	}
	return names[d]
}

// Dimensions lists every dimension in report order.
func Dimensions() []Dimension {
	ds := make([]Dimension, NumDimensions)
	for i := range ds {
		ds[i] = Dimension(i)
	}
	return ds
}

// Amounts is an amount of every quota dimension. The zero value is zero in
// every dimension.
type Amounts [NumDimensions]resource.Quantity

// Parse parses every dimension of a. An empty dimension is zero. The error
// names every dimension that is not a non-negative quantity.
func Parse(a v1alpha1.QuotaAmounts) (Amounts, error) {
	var out Amounts
	var bad []string
	for d, v := range apiFields(a) {
		if v == "" {
			continue
		}
		q, err := resource.ParseQuantity(string(v))
		if err != nil || q.Sign() < 0 {
			bad = append(bad, fmt.Sprintf("%s %q", Dimension(d), v))
			continue
		}
		out[Dimension(d)] = q
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("%s: must be non-negative Kubernetes quantities such as 500m, 4 or 8Gi", strings.Join(bad, ", "))
	}
	return out, nil
}

func apiFields(a v1alpha1.QuotaAmounts) [NumDimensions]v1alpha1.Quantity {
	return [NumDimensions]v1alpha1.Quantity{a.CPU, a.Memory, a.Storage, a.GPU, a.Pods, a.LoadBalancers}
}

// Add returns a + b. Neither operand is changed.
func (a Amounts) Add(b Amounts) Amounts {
	var out Amounts
	for d := range NumDimensions {
		out[d] = a[d].DeepCopy()
		out[d].Add(b[d])
	}
	return out
}

// Sub returns a - b, which may be negative. Neither operand is changed.
func (a Amounts) Sub(b Amounts) Amounts {
	var out Amounts
	for d := range NumDimensions {
		out[d] = a[d].DeepCopy()
		out[d].Sub(b[d])
	}
	return out
}

// AddTo adds b to a in place. It is Add without the allocation of a
// result, for summing many amounts.
func (a *Amounts) AddTo(b Amounts) {
	for d := range NumDimensions {
		if b[d].IsZero() {
			continue
		}
		if a[d].IsZero() {
			a[d] = b[d].DeepCopy()
			continue
		}
		a[d].Add(b[d])
	}
}

// Exceeding returns the dimensions in which a is more than limit, in report
// order.
func (a Amounts) Exceeding(limit Amounts) []Dimension {
	var out []Dimension
	for d := range NumDimensions {
		if a[d].Cmp(limit[d]) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// API returns a in the API's form, each quantity as Kubernetes formats it:
// as written when parsed, canonical when computed.
func (a Amounts) API() *v1alpha1.QuotaAmounts {
	s := func(d Dimension) v1alpha1.Quantity { return v1alpha1.Quantity(a[d].String()) }
	return &v1alpha1.QuotaAmounts{
		CPU: s(CPU), Memory: s(Memory), Storage: s(Storage), GPU: s(GPU), Pods: s(Pods), LoadBalancers: s(LoadBalancers),
	}
}

// IsWhole reports whether q is a whole number, as a count of GPUs must be.
func IsWhole(q resource.Quantity) bool {
	return Decimal(q).IsInteger()
}

// Decimal returns q as an exact decimal: cores for cpu, bytes for memory
// and storage, a count otherwise.
func Decimal(q resource.Quantity) decimal.Decimal {
	if v, ok := q.AsInt64(); ok {
		return decimal.NewFromInt(v)
	}
	d := q.AsDec()
	return decimal.NewFromBigInt(d.UnscaledBig(), -int32(d.Scale()))
}

// fiveTo30 is 5^30: x / 2^30 = x * 5^30 / 10^30.
var fiveTo30 = decimal.RequireFromString("931322574615478515625")

// GiB returns a byte quantity in GiB, exactly: x / 2^30 is x * 5^30 / 10^30,
// a terminating decimal.
func GiB(q resource.Quantity) decimal.Decimal {
	return Decimal(q).Mul(fiveTo30).Shift(-30)
}

// SubFrom subtracts b from a in place.
func (a *Amounts) SubFrom(b Amounts) {
	for d := range NumDimensions {
		if b[d].IsZero() {
			continue
		}
		a[d].Sub(b[d])
	}
}

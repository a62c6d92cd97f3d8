package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
)

// quotaPricing is the price catalog of the quota tests, the example
// Composition's.
func quotaPricing() *fnv1alpha1.PriceCatalog {
	return &fnv1alpha1.PriceCatalog{
		Currency:             "USD",
		CPUCoreMonth:         "21.90",
		MemoryGiBMonth:       "2.92",
		StorageGiBMonth:      "0.08",
		GPUMonth:             "1100.00",
		NetworkAZMonth:       "7.30",
		PublicNetworkAZMonth: "32.85",
		KMSKeyMonth:          "1.00",
		BucketMonth:          "0.50",
		BudgetMonth:          "0.60",
	}
}

func mustPrices(t testing.TB, c *fnv1alpha1.PriceCatalog) *Prices {
	t.Helper()
	p, errs := ParsePrices(field.NewPath("pricing"), c)
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	return p
}

func amounts(cpu, memory, storage, gpu string) quantity.Amounts {
	var a quantity.Amounts
	for d, v := range map[quantity.Dimension]string{quantity.CPU: cpu, quantity.Memory: memory, quantity.Storage: storage, quantity.GPU: gpu} {
		if v != "" {
			a[d] = resource.MustParse(v)
		}
	}
	return a
}

func TestParsePrices(t *testing.T) {
	cases := map[string]struct {
		reason string
		c      *fnv1alpha1.PriceCatalog
		want   []string
		nilOut bool
	}{
		"NoCatalog": {
			reason: "Without a catalog no estimate is made.",
			nilOut: true,
		},
		"Valid": {
			reason: "The example catalog is valid.",
			c:      quotaPricing(),
		},
		"EveryBadPriceNamed": {
			reason: "Negative, float-formatted and over-precise prices are each reported with their field.",
			c:      &fnv1alpha1.PriceCatalog{Currency: "usd", CPUCoreMonth: "-1", MemoryGiBMonth: "1e3", GPUMonth: "0.0000001"},
			want: []string{
				`pricing.currency: Invalid value: "usd": must be an ISO 4217 code such as USD`,
				`pricing.cpuCoreMonth: Invalid value: "-1": must be a non-negative decimal price with at most six fraction digits, such as 21.90`,
				`pricing.memoryGiBMonth: Invalid value: "1e3": must be a non-negative decimal price with at most six fraction digits, such as 21.90`,
				`pricing.gpuMonth: Invalid value: "0.0000001": must be a non-negative decimal price with at most six fraction digits, such as 21.90`,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, errs := ParsePrices(field.NewPath("pricing"), tc.c)
			if diff := cmp.Diff(tc.want, errStrings(errs)); diff != "" {
				t.Errorf("%s\nParsePrices(...): -want +got errors:\n%s", tc.reason, diff)
			}
			if (p == nil) != tc.nilOut {
				t.Errorf("%s\nParsePrices(...): want nil prices %t, got %v", tc.reason, tc.nilOut, p)
			}
		})
	}
}

func TestEstimate(t *testing.T) {
	cases := map[string]struct {
		reason string
		r      Request
		want   *v1alpha1.CostEstimate
	}{
		"ExampleSpace": {
			reason: "The example space: 8 cores, 16Gi, 100Gi, two private zones.",
			r:      Request{Amounts: amounts("8", "16Gi", "100Gi", ""), AvailabilityZones: 2},
			want: &v1alpha1.CostEstimate{Monthly: "246.62", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "175.20"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "memory", Monthly: "46.72"},
				{Name: "network", Monthly: "14.60"},
				{Name: "storage", Monthly: "8.00"},
			}},
		},
		"PublicNetworkAndGPU": {
			reason: "A public network adds a NAT gateway per zone; GPUs are priced per GPU.",
			r:      Request{Amounts: amounts("16", "64Gi", "", "2"), AvailabilityZones: 3, Public: true},
			want: &v1alpha1.CostEstimate{Monthly: "2859.83", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "350.40"},
				{Name: "gpu", Monthly: "2200.00"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "memory", Monthly: "186.88"},
				{Name: "network", Monthly: "21.90"},
				{Name: "public-network", Monthly: "98.55"},
			}},
		},
		"DecimalSuffixesExact": {
			reason: "Millicores and decimal megabytes are priced exactly, then rounded per item to the cent: 0.5 x 21.90 = 10.95; 500M = 0.4656612873 GiB x 2.92 = 1.3597309589 -> 1.36.",
			r:      Request{Amounts: amounts("500m", "500M", "", ""), AvailabilityZones: 1},
			want: &v1alpha1.CostEstimate{Monthly: "21.71", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "10.95"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "memory", Monthly: "1.36"},
				{Name: "network", Monthly: "7.30"},
			}},
		},
	}
	p := mustPrices(t, quotaPricing())
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := p.Estimate(tc.r).API()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nEstimate(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

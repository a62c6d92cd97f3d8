package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/resource/composed"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/quantity"
)

// quotaPricing is the price catalog of the quota tests, the example
// Composition's.
func quotaPricing() *fnv1alpha1.PriceCatalog {
	return &fnv1alpha1.PriceCatalog{
		Currency: "USD",
		PriceList: fnv1alpha1.PriceList{
			CPUCoreMonth:      "21.90",
			MemoryGiBMonth:    "2.92",
			StorageGiBMonth:   "0.08",
			GPUMonth:          "1100.00",
			LoadBalancerMonth: "16.43",
			PublicIPv4Month:   "3.65",
			KMSKeyMonth:       "1.00",
			BucketMonth:       "0.50",
			BudgetMonth:       "0.60",
		},
	}
}

// regionalPricing is quotaPricing with prices of its own for eu-west-1.
func regionalPricing() *fnv1alpha1.PriceCatalog {
	c := quotaPricing()
	c.Regions = []fnv1alpha1.RegionPriceList{{Name: "eu-west-1", PriceList: fnv1alpha1.PriceList{
		CPUCoreMonth: "24.41", MemoryGiBMonth: "3.25", LoadBalancerMonth: "18.40",
	}}}
	return c
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
			reason: "Negative, float-formatted and over-precise prices are each reported with their field, in a region too, as are a bad date and a region named twice.",
			c: &fnv1alpha1.PriceCatalog{
				Currency: "usd", AsOf: "Nov 2026",
				PriceList: fnv1alpha1.PriceList{CPUCoreMonth: "-1", MemoryGiBMonth: "1e3", GPUMonth: "0.0000001"},
				Regions: []fnv1alpha1.RegionPriceList{
					{Name: "eu-west-1", PriceList: fnv1alpha1.PriceList{PublicIPv4Month: "cheap"}},
					{Name: "eu-west-1"},
					{Name: "Mars"},
				},
			},
			want: []string{
				`pricing.currency: Invalid value: "usd": must be an ISO 4217 code such as USD`,
				`pricing.asOf: Invalid value: "Nov 2026": must be a date, YYYY-MM-DD`,
				`pricing.cpuCoreMonth: Invalid value: "-1": must be a non-negative decimal price with at most six fraction digits, such as 21.90`,
				`pricing.memoryGiBMonth: Invalid value: "1e3": must be a non-negative decimal price with at most six fraction digits, such as 21.90`,
				`pricing.gpuMonth: Invalid value: "0.0000001": must be a non-negative decimal price with at most six fraction digits, such as 21.90`,
				`pricing.regions[0].publicIPv4Month: Invalid value: "cheap": must be a non-negative decimal price with at most six fraction digits, such as 21.90`,
				`pricing.regions[1].name: Duplicate value: "eu-west-1"`,
				`pricing.regions[2].name: Invalid value: "Mars": must be an AWS region such as eu-west-1`,
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

// withLBs is a amounts with the load balancers a tier grants.
func withLBs(a quantity.Amounts, lbs string) quantity.Amounts {
	a[quantity.LoadBalancers] = resource.MustParse(lbs)
	return a
}

func TestEstimate(t *testing.T) {
	cases := map[string]struct {
		reason string
		r      Request
		want   *v1alpha1.CostEstimate
	}{
		"ExampleSpaceOtherRegion": {
			reason: "A region the catalog lists no prices for is priced at the catalog's own.",
			r:      Request{Amounts: withLBs(amounts("8", "16Gi", "100Gi", ""), "2"), Region: "us-east-1", AvailabilityZones: 2},
			want: &v1alpha1.CostEstimate{Monthly: "264.88", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "175.20"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "load-balancers", Monthly: "32.86"},
				{Name: "memory", Monthly: "46.72"},
				{Name: "storage", Monthly: "8.00"},
			}},
		},
		"ExampleSpace": {
			reason: "The example space: 8 cores, 16Gi, 100Gi, two load balancers, two private zones, no region. The private network costs nothing: AWS bills neither subnets nor routes nor the gateway endpoint.",
			r:      Request{Amounts: withLBs(amounts("8", "16Gi", "100Gi", ""), "2"), AvailabilityZones: 2},
			want: &v1alpha1.CostEstimate{Monthly: "264.88", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "175.20"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "load-balancers", Monthly: "32.86"},
				{Name: "memory", Monthly: "46.72"},
				{Name: "storage", Monthly: "8.00"},
			}},
		},
		"RegionalPrices": {
			reason: "A region's own prices replace the catalog's where it sets them (cpu, memory, load balancers); the others (storage, the key, bucket and budget) are the catalog's.",
			r:      Request{Amounts: withLBs(amounts("8", "16Gi", "100Gi", ""), "2"), Region: "eu-west-1", AvailabilityZones: 2},
			want: &v1alpha1.CostEstimate{Monthly: "294.18", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "195.28"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "load-balancers", Monthly: "36.80"},
				{Name: "memory", Monthly: "52.00"},
				{Name: "storage", Monthly: "8.00"},
			}},
		},
		"PublicNetworkAndGPU": {
			reason: "On a public network each load balancer holds a public IPv4 address in each zone: 2 x 3 x 3.65; GPUs are priced per GPU. No NAT gateway is composed, so none is priced.",
			r:      Request{Amounts: withLBs(amounts("16", "64Gi", "", "2"), "2"), AvailabilityZones: 3, Public: true},
			want: &v1alpha1.CostEstimate{Monthly: "2794.14", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "350.40"},
				{Name: "gpu", Monthly: "2200.00"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "load-balancers", Monthly: "32.86"},
				{Name: "memory", Monthly: "186.88"},
				{Name: "public-ipv4", Monthly: "21.90"},
			}},
		},
		"DecimalSuffixesExact": {
			reason: "Millicores and decimal megabytes are priced exactly, then rounded per item to the cent: 0.5 x 21.90 = 10.95; 500M = 0.4656612873 GiB x 2.92 = 1.3597309589 -> 1.36.",
			r:      Request{Amounts: amounts("500m", "500M", "", ""), AvailabilityZones: 1},
			want: &v1alpha1.CostEstimate{Monthly: "14.41", Currency: "USD", Items: []v1alpha1.CostItem{
				{Name: "bucket", Monthly: "0.50"},
				{Name: "budget", Monthly: "0.60"},
				{Name: "cpu", Monthly: "10.95"},
				{Name: "kms-key", Monthly: "1.00"},
				{Name: "memory", Monthly: "1.36"},
			}},
		},
	}
	p := mustPrices(t, regionalPricing())
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := p.Estimate(tc.r).API()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nEstimate(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestEstimatePricesWhatIsComposed checks the estimate against the plan of
// several spaces: each line is a quota dimension or a kind the space
// composes, and each composed kind AWS bills by the month has its line.
func TestEstimatePricesWhatIsComposed(t *testing.T) {
	dimensions := map[string]bool{ItemCPU: true, ItemMemory: true, ItemStorage: true, ItemGPU: true, ItemLoadBalancers: true, ItemPublicIPv4: true}
	cases := map[string]struct {
		xr *v1alpha1.XCloudSpace
		in *fnv1alpha1.Composer
	}{
		"Private": {xr: composeXR(), in: composeInput()},
		"PublicGPU": {xr: withXR(func(xr *v1alpha1.XCloudSpace) {
			xr.Spec.Tier = v1alpha1.TierLarge
			xr.Spec.Network.Public = true
			xr.Spec.Resources.GPU = "2"
		}), in: composeInput()},
		"Remote": {xr: composeXR(), in: withInput(func(in *fnv1alpha1.Composer) {
			in.Tenant.Target = fnv1alpha1.TenantTargetRemote
			in.Tenant.ProviderConfigName = "tenant-cluster"
		})},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.in.Pricing = quotaPricing()
			pol, err := ParseInput(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			s := composeSpace(t, tc.xr, tc.in)
			plan, errs := NewPlan(s)
			if len(errs) > 0 {
				t.Fatal(errs.ToAggregate())
			}
			kinds := map[string]int{}
			for _, pt := range plan.Parts {
				gvk := pt.Object.GetObjectKind().GroupVersionKind()
				if gvk.Empty() {
					gvks, _, err := composed.Scheme.ObjectKinds(pt.Object)
					if err != nil || len(gvks) == 0 {
						t.Fatalf("cannot tell the kind of %s: %v", pt.Name, err)
					}
					gvk = gvks[0]
				}
				kinds[gvk.Group+"/"+gvk.Kind]++
			}
			for _, k := range []string{"ec2.aws.upbound.io/NATGateway", "ec2.aws.upbound.io/EIP"} {
				if kinds[k] > 0 {
					t.Errorf("the plan composes %s, which the estimate does not price", k)
				}
			}
			e := pol.Prices.Estimate(SpaceCandidate(pol, s, tc.xr).Request)
			lines := map[string]bool{}
			for _, it := range e.Items {
				lines[it.Name] = true
				if dimensions[it.Name] {
					continue
				}
				kind, ok := EstimatedKinds()[it.Name]
				if !ok {
					t.Errorf("line %s is neither a quota dimension nor a composed kind", it.Name)
					continue
				}
				if kinds[kind] != 1 {
					t.Errorf("line %s prices one %s, but the plan composes %d", it.Name, kind, kinds[kind])
				}
			}
			for line, kind := range EstimatedKinds() {
				if kinds[kind] > 0 && !lines[line] {
					t.Errorf("the plan composes %s, but the estimate has no line %s", kind, line)
				}
			}
		})
	}
}

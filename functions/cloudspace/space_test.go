package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestNewSpace(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(xr *v1alpha1.XCloudSpace)
		want   []string // Every field error, in order.
	}{
		"Valid": {
			reason: "a well-formed claim is accepted",
			mutate: func(*v1alpha1.XCloudSpace) {},
		},
		"EveryProblemAtOnce": {
			reason: "all problems of one claim are listed together, each naming field, value and rule",
			mutate: func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Team = "Payments_Team"
				xr.Spec.Owner = "nobody"
				xr.Spec.Resources.CPU = "four"
				xr.Spec.Budget.MonthlyLimit = "12.345"
			},
			want: []string{
				`spec.team: Invalid value: "Payments_Team": must be a lower-case DNS label`,
				`spec.owner: Invalid value: "nobody": must be an e-mail address`,
				`spec.resources.cpu: Invalid value: "four": must be a Kubernetes quantity`,
				`spec.budget.monthlyLimit: Invalid value: "12.345": must be a decimal amount with at most two fraction digits`,
			},
		},
		"TooManyTags": {
			reason: "a claim may set at most 40 tags, as the XRD's maxProperties says",
			mutate: func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Tags = map[string]string{}
				for i := range 41 {
					xr.Spec.Tags[fmt.Sprintf("k%02d", i)] = "v"
				}
			},
			want: []string{`spec.tags: Too many: 41: must have at most 40 items`},
		},
		"LookAlikeTagKeys": {
			reason: "a key that could pass for an enforced one is refused: another script's letter, spaces at an end, an invisible character",
			mutate: func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Tags = map[string]string{"cost-\u0441enter": "x", "cost-center ": "x", "team\u200b": "x", "Projekt Zürich": "ok"}
			},
			want: []string{
				`spec.tags[cost-center ]: Invalid value: "cost-center ": the key must not begin or end with a space`,
				"spec.tags[cost-\u0441enter]: Invalid value: \"cost-\u0441enter\": the key must not mix letters of two scripts",
				"spec.tags[team\u200b]: Invalid value: \"team\\u200b\": the key must not hold the invisible character U+200B",
			},
		},
		"DirectComposite": {
			reason: "a composite created without a claim would name its tenant namespace after itself (kube-system, another team's namespace)",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.SetName("kube-system"); xr.SetLabels(nil) },
			want: []string{
				`metadata.labels[crossplane.io/claim-namespace]: Required value: an XCloudSpace must be created through a CloudSpace claim`,
				`metadata.labels[crossplane.io/claim-name]: Required value: an XCloudSpace must be created through a CloudSpace claim`,
			},
		},
		"ClaimNameWithDot": {
			reason: "a claim name with a dot would give an invalid tenant namespace and KMS alias",
			mutate: func(xr *v1alpha1.XCloudSpace) {
				xr.SetLabels(map[string]string{LabelClaimName: "checkout.v2", LabelClaimNamespace: "team-payments"})
			},
			want: []string{`metadata.labels[crossplane.io/claim-name]: Invalid value: "checkout.v2": the claim's name must be a lower-case DNS label`},
		},
		"ReservedTenantNamespace": {
			reason: "a claim whose namespace and name spell a system namespace (kube-*) is refused, whether that namespace exists yet or not",
			mutate: func(xr *v1alpha1.XCloudSpace) {
				xr.SetLabels(map[string]string{LabelClaimName: "system-logs", LabelClaimNamespace: "kube"})
			},
			want: []string{`metadata.labels[crossplane.io/claim-name]: Invalid value: "system-logs": the tenant namespace kube-system-logs, the claim's namespace and name joined, is reserved by the platform (tenant.reservedNamespaces: kube-*): rename the claim`},
		},
		"HugeOwnerAndRegion": {
			reason: "strings past the schema's maxLength are refused without echoing them",
			mutate: func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Owner = strings.Repeat("a", 1<<20) + "@example.com"
				xr.Spec.Region = strings.Repeat("x", 1<<20)
			},
			want: []string{
				`spec.owner: Too long: may not be more than 254 bytes`,
				`spec.region: Too long: may not be more than 32 bytes`,
			},
		},
		"GPUZeroPointZeroOnMedium": {
			reason: "as the XRD's CEL rule, any GPU string but \"0\" needs a GPU tier",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.GPU = "0.0" },
			want:   []string{`spec.resources.gpu: Invalid value: "0.0": needs tier large or xlarge`},
		},
		"ProdOneZone": {
			reason: "prod needs two zones, as the XRD's CEL rule says",
			mutate: func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Environment = v1alpha1.EnvironmentProd
				xr.Spec.Network.AvailabilityZones = ptr(1)
			},
			want: []string{`spec.network.availabilityZones: Invalid value: 1: must be at least 2 in prod`},
		},
		"UnknownTier": {
			reason: "a tier outside the enum is not supported",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tier = "huge" },
			want:   []string{`spec.tier: Unsupported value: "huge": supported values: "small", "medium", "large", "xlarge"`},
		},
		"TierNotInCatalog": {
			reason: "a valid tier the platform does not offer is rejected",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tier = v1alpha1.TierSmall },
			want:   []string{`spec.tier: Invalid value: "small": is not offered by the platform's tier catalog`},
		},
		"PublicCIDR": {
			reason: "a VPC must use private address space",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.CIDR = "8.8.8.0/24" },
			want:   []string{`spec.network.cidr: Invalid value: "8.8.8.0/24": must be a private (RFC 1918) block`},
		},
		"MalformedCIDR": {
			reason: "a malformed CIDR is named",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.CIDR = "10.0.0.0/33" },
			want:   []string{`spec.network.cidr: Invalid value: "10.0.0.0/33": must be an IPv4 block in CIDR notation`},
		},
		"HostBitsCIDR": {
			reason: "host bits in a CIDR suggest a typo and are rejected with the likely intent",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.CIDR = "10.20.1.0/16" },
			want:   []string{`spec.network.cidr: Invalid value: "10.20.1.0/16": must have no host bits set (did you mean 10.20.0.0/16?)`},
		},
		"TooLargeCIDR": {
			reason: "AWS VPCs are /16 to /28; subnets need at most /24",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.CIDR = "10.0.0.0/8" },
			want:   []string{`spec.network.cidr: Invalid value: "10.0.0.0/8": prefix length must be from /16 to /24`},
		},
		"FractionalGPU": {
			reason: "GPUs are whole devices",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tier = v1alpha1.TierLarge; xr.Spec.Resources.GPU = "500m" },
			want:   []string{`spec.resources.gpu: Invalid value: "500m": must be a whole number of GPUs`},
		},
		"GPUNeedsLargeTier": {
			reason: "GPUs are offered from tier large up",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.GPU = "1" },
			want:   []string{`spec.resources.gpu: Invalid value: "1": needs tier large or xlarge`},
		},
		"NegativeMemory": {
			reason: "a negative request is invalid",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.Memory = "-1Gi" },
			want:   []string{`spec.resources.memory: Invalid value: "-1Gi": must not be negative`},
		},
		"MissingCPU": {
			reason: "cpu is required",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.CPU = "" },
			want:   []string{`spec.resources.cpu: Required value`},
		},
		"DuplicateThreshold": {
			reason: "alert thresholds are a set within 1..1000",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.AlertThresholds = []int{80, 80, 0} },
			want: []string{
				`spec.budget.alertThresholds[1]: Duplicate value: 80`,
				`spec.budget.alertThresholds[2]: Invalid value: 0: must be a percentage from 1 to 1000`,
			},
		},
		"ExplicitZeroZones": {
			reason: "an explicit availabilityZones: 0 is refused as the XRD's minimum says, not defaulted to 2",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.AvailabilityZones = ptr(0) },
			want:   []string{`spec.network.availabilityZones: Invalid value: 0: must be from 1 to 6`},
		},
		"ZeroCPU": {
			reason: "a namespace without cpu runs no pod, as the XRD's CEL rule says",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.CPU = "0m" },
			want:   []string{`spec.resources.cpu: Invalid value: "0m": must be more than 0: a namespace without cpu runs no pod`},
		},
		"ReservedTagPrefix": {
			reason: "AWS reserves the aws: prefix",
			mutate: func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tags = map[string]string{"aws:owner": "x"} },
			want:   []string{`spec.tags[aws:owner]: Invalid value: "aws:owner": breaks AWS's tag rules: the key must not start with the prefix aws:`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := composeXR()
			tc.mutate(xr)
			_, errs := NewSpace(xr, composeInput())
			got := make([]string, 0, len(errs))
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%s\nNewSpace(...): want %d errors, got %d: %q", tc.reason, len(tc.want), len(got), got)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("%s\nNewSpace(...) error %d: want prefix %q, got %q", tc.reason, i, tc.want[i], got[i])
				}
			}
		})
	}
}

func TestNewSpaceDefaults(t *testing.T) {
	xr := composeXR()
	xr.Spec.Network = v1alpha1.NetworkSpec{}
	xr.Spec.Budget.AlertThresholds = nil
	s, errs := NewSpace(xr, composeInput())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := v1alpha1.NetworkSpec{CIDR: v1alpha1.DefaultCIDR, AvailabilityZones: ptr(v1alpha1.DefaultAvailabilityZones)}
	if diff := cmp.Diff(want, s.Spec.Network); diff != "" {
		t.Errorf("defaults of an omitted network: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff(v1alpha1.BudgetSpec{MonthlyLimit: "1200.00", Currency: "USD", AlertThresholds: []int{80, 100}}, s.Spec.Budget); diff != "" {
		t.Errorf("defaults of the budget: -want +got:\n%s", diff)
	}
	if s.Namespace != "team-payments-checkout" {
		t.Errorf("tenant namespace: want %q, got %q", "team-payments-checkout", s.Namespace)
	}
}

func TestTenantNamespace(t *testing.T) {
	cases := map[string]struct {
		reason string
		labels map[string]string
		want   string
	}{
		"Claim":       {reason: "claim namespace and name", labels: map[string]string{LabelClaimName: "web", LabelClaimNamespace: "team-a"}, want: "team-a-web"},
		"NoClaim":     {reason: "a bare XR uses its own name", want: "checkout-7x9kq"},
		"LongIsBound": {reason: "long names are cut and hashed to 63 characters, stably", labels: map[string]string{LabelClaimName: strings.Repeat("a", 60), LabelClaimNamespace: "team-a"}, want: "team-a-" + strings.Repeat("a", 47) + "-" + sha8("team-a-"+strings.Repeat("a", 60))},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := composeXR()
			xr.Labels = tc.labels
			got := TenantNamespace(xr)
			if len(got) > 63 {
				t.Errorf("%s\nTenantNamespace(...) = %q: longer than 63", tc.reason, got)
			}
			if got != tc.want {
				t.Errorf("%s\nTenantNamespace(...): want %q, got %q", tc.reason, tc.want, got)
			}
		})
	}
}

func sha8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

// FuzzNewSpace feeds arbitrary claim specs to validation: it must never
// panic, and whatever it accepts must be fully parsed.
func FuzzNewSpace(f *testing.F) {
	seed, err := json.Marshal(composeXR().Spec)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"team":"","network":{"cidr":"::1/128","availabilityZones":-3},"resources":{"cpu":"1e400","gpu":"0.5"}}`))
	f.Add([]byte(`{"budget":{"monthlyLimit":"1e9","alertThresholds":[0,1001,5,5]},"tags":{"":"x"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		xr := composeXR()
		if err := json.Unmarshal(b, &xr.Spec); err != nil {
			return
		}
		s, errs := NewSpace(xr, composeInput())
		if len(errs) > 0 {
			return
		}
		if !s.CIDR.IsValid() || s.CPU.IsZero() && xr.Spec.Resources.CPU != "0" && xr.Spec.Resources.CPU != "" {
			t.Errorf("accepted space with unparsed values: %+v", s)
		}
	})
}

// TestRegionCatalog: with a region catalog in the input, a claim's region
// must be listed and its zones fit the region's, whose letters the subnets
// take in order.
func TestRegionCatalog(t *testing.T) {
	catalog := []fnv1alpha1.RegionSpec{{Name: "eu-west-1", Zones: []string{"a", "b", "c"}}, {Name: "ap-northeast-1", Zones: []string{"a", "c", "d"}}}
	cases := map[string]struct {
		reason  string
		catalog []fnv1alpha1.RegionSpec
		region  string
		zones   int
		want    []string
		errs    []string
	}{
		"NoCatalog":     {"Without a catalog, any region the pattern allows, zones a, b, c.", nil, "xx-mars-1", 3, []string{"a", "b", "c"}, nil},
		"Listed":        {"A listed region gets its zones.", catalog, "eu-west-1", 2, []string{"a", "b"}, nil},
		"ZoneLetters":   {"The catalog's letters, in its order.", catalog, "ap-northeast-1", 3, []string{"a", "c", "d"}, nil},
		"NotListed":     {"A region the catalog does not list is refused, naming the listed ones.", catalog, "xx-mars-1", 2, nil, []string{`spec.region: Unsupported value: "xx-mars-1": supported values: "ap-northeast-1", "eu-west-1"`}},
		"TooManyZones":  {"More zones than the region has are refused, naming the region's.", catalog, "eu-west-1", 6, nil, []string{`spec.network.availabilityZones: Invalid value: 6: must be at most 3: the platform's region catalog has 3 zones of eu-west-1 (a, b, c)`}},
		"BadPatternToo": {"A region the pattern refuses is refused once.", catalog, "EU", 2, nil, []string{`spec.region: Invalid value: "EU": must be an AWS region such as eu-west-1`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := composeInput()
			in.Regions = tc.catalog
			xr := composeXR()
			xr.Spec.Region, xr.Spec.Network.AvailabilityZones = tc.region, ptr(tc.zones)
			s, errs := NewSpace(xr, in)
			got := make([]string, 0, len(errs))
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tc.errs, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("%s\nNewSpace(...) errors: -want, +got:\n%s", tc.reason, diff)
			}
			if len(errs) == 0 {
				if diff := cmp.Diff(tc.want, s.Zones); diff != "" {
					t.Errorf("%s\nzones: -want, +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

func TestValidateRegions(t *testing.T) {
	in := composeInput()
	in.Regions = []fnv1alpha1.RegionSpec{{Name: "eu-west-1", Zones: []string{"a", "a", "B"}}, {Name: "eu-west-1", Zones: nil}}
	got := errFields(ValidateInput(in))
	want := []string{"Duplicate value: regions[0].zones[1]", "Invalid value: regions[0].zones[2]", "Duplicate value: regions[1].name", "Invalid value: regions[1].zones"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ValidateInput(...): -want, +got:\n%s", diff)
	}
}

func TestValidateTenantPolicy(t *testing.T) {
	in := composeInput()
	in.Tenant.PodSecurity = "strict"
	in.Tenant.AllowIngressFrom = []string{"monitoring", "Ingress_Nginx"}
	in.Tenant.ReservedNamespaces = []string{"platform-*", "[", ""}
	got := errFields(ValidateInput(in))
	want := []string{"Unsupported value: tenant.podSecurity", "Invalid value: tenant.reservedNamespaces[1]", "Invalid value: tenant.reservedNamespaces[2]", "Invalid value: tenant.allowIngressFrom[1]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ValidateInput(...): -want, +got:\n%s", diff)
	}
}

func TestValidateCostBasis(t *testing.T) {
	in := composeInput()
	in.CostBasis = "effective"
	got := ValidateInput(in).ToAggregate()
	want := `costBasis: Unsupported value: "effective": supported values: "Billed", "Effective"`
	if got == nil || got.Error() != want {
		t.Errorf("ValidateInput(...): want %q, got %v", want, got)
	}
}

func TestReservedNamespaces(t *testing.T) {
	cases := map[string]struct {
		reason   string
		patterns []string
		ns       string
		want     string
	}{
		"DefaultSystem":  {"without a policy list, Kubernetes' namespaces are reserved", nil, "kube-system-logs", "kube-*"},
		"DefaultDefault": {"the default namespace is reserved by name", nil, "default", "default"},
		"DefaultTenant":  {"a team's namespace and claim name are free", nil, "team-payments-checkout", ""},
		"PolicyPattern":  {"the policy's own list replaces the defaults", []string{"platform-*"}, "platform-ops", "platform-*"},
		"PolicyReplaces": {"a policy list that omits kube-* frees it: the platform decided", []string{"platform-*"}, "kube-x", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got, _ := reserved(tc.patterns, tc.ns); got != tc.want {
				t.Errorf("%s\nreserved(%q, %q) = %q, want %q", tc.reason, tc.patterns, tc.ns, got, tc.want)
			}
		})
	}
}

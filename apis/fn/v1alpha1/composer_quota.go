package v1alpha1

import (
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Defaults of the quota configuration.
const (
	// DefaultTeamLabel is the label that names the team on its quota data.
	DefaultTeamLabel = "platform.cloudspace.dev/team"

	// DefaultQuotaSourceAPIVersion and DefaultQuotaSourceKind name the kind
	// that holds team quota data: a Crossplane EnvironmentConfig.
	DefaultQuotaSourceAPIVersion = "apiextensions.crossplane.io/v1beta1"
	DefaultQuotaSourceKind       = "EnvironmentConfig"

	// DefaultQuotaTTL is how long Crossplane may cache a response that
	// depends on team quota data.
	DefaultQuotaTTL = "1m"
)

// PatternPrice is a non-negative exact decimal price with at most six
// fraction digits.
const PatternPrice = `^[0-9]{1,12}(\.[0-9]{1,6})?$`

// QuotaSpec configures where team quota data is read from. When it is set,
// every space is admitted against its team's total quota, counting the
// team's other spaces; the function asks Crossplane for both as required
// resources.
//
// A team's quota data is a cluster-scoped object (by default a Crossplane
// EnvironmentConfig) carrying the team label and, under data, the team's
// hard limits and the namespaces it owns:
//
//	data:
//	  namespaces: [team-payments]
//	  hard: {cpu: "32", memory: 128Gi, storage: 1Ti, gpu: "0", pods: "300", loadBalancers: "4"}
//	  monthlyBudget: "5000.00"
//	  currency: USD
//
// A dimension hard omits is zero: the team may use none of it. An omitted
// monthlyBudget leaves the team's total budget unlimited; each space's
// budget is still bounded by its tier.
type QuotaSpec struct {
	// TeamLabel is the label whose value names the team on its quota data
	// and on spaces created without a claim. Default:
	// "platform.cloudspace.dev/team".
	TeamLabel string `json:"teamLabel,omitempty"`

	// MatchLabels are further labels the team's quota data must carry, for
	// example {"platform.cloudspace.dev/config": "team-quota"}, so that
	// other objects labelled with the team are not mistaken for it.
	MatchLabels map[string]string `json:"matchLabels,omitempty"`

	// Source is the kind of the quota data. Default: the Crossplane
	// EnvironmentConfig, apiextensions.crossplane.io/v1beta1.
	Source *QuotaSource `json:"source,omitempty"`

	// TTL is how long Crossplane may cache the function's response, a Go
	// duration such as "1m". Required resources are not watched, so this
	// bounds how long a quota edit by the platform team goes unnoticed.
	// Default: "1m".
	TTL string `json:"ttl,omitempty"`
}

// QuotaSource is the kind of the team quota data. The object is cluster
// scoped and holds the quota under data.
type QuotaSource struct {
	// APIVersion of the quota data.
	APIVersion string `json:"apiVersion"`

	// Kind of the quota data.
	Kind string `json:"kind"`
}

// PriceCatalog is the price list for the claim-time estimate. Every price
// is an exact decimal per month, in Currency. A price left out is zero.
//
// The estimate has one line per quota dimension a space is granted (cpu,
// memory, storage, gpu, load balancers and, on a public network, their
// public IPv4 addresses) and one per composed resource kind AWS bills
// for a month (the KMS key, the bucket, the budget). What AWS does not
// bill (VPC, subnets, route tables, the S3 gateway endpoint, the internet
// gateway, IAM) has no line, and the composer composes no NAT gateway.
type PriceCatalog struct {
	// Currency of every price, an ISO 4217 code. A claim whose budget is in
	// another currency is rejected. Default: "USD".
	Currency string `json:"currency,omitempty"`

	// Source says where the prices come from, such as "AWS price list,
	// on-demand, Linux" or your contract.
	Source string `json:"source,omitempty"`

	// AsOf is the date the prices were read, YYYY-MM-DD.
	AsOf string `json:"asOf,omitempty"`

	// The prices of any region Regions does not list.
	PriceList `json:",inline"`

	// Regions lists prices that differ by region: a region's price list
	// replaces the prices it sets, for the spaces of that region.
	Regions []RegionPriceList `json:"regions,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
}

// PriceList is the monthly price of each line of the estimate.
type PriceList struct {
	// CPUCoreMonth is the price of one requested CPU core for a month.
	CPUCoreMonth string `json:"cpuCoreMonth,omitempty"`

	// MemoryGiBMonth is the price of one requested GiB of memory for a
	// month.
	MemoryGiBMonth string `json:"memoryGiBMonth,omitempty"`

	// StorageGiBMonth is the price of one requested GiB of persistent
	// volume storage for a month.
	StorageGiBMonth string `json:"storageGiBMonth,omitempty"`

	// GPUMonth is the price of one GPU for a month.
	GPUMonth string `json:"gpuMonth,omitempty"`

	// LoadBalancerMonth is the fixed price of one load balancer for a
	// month; the tier grants each space its loadBalancers.
	LoadBalancerMonth string `json:"loadBalancerMonth,omitempty"`

	// PublicIPv4Month is the price of one public IPv4 address for a month.
	// On a public network, each of the space's load balancers holds one in
	// each of its availability zones.
	PublicIPv4Month string `json:"publicIPv4Month,omitempty"`

	// KMSKeyMonth is the price of the space's KMS key for a month.
	KMSKeyMonth string `json:"kmsKeyMonth,omitempty"`

	// BucketMonth is the fixed price of the space's S3 bucket for a month,
	// beyond its storage.
	BucketMonth string `json:"bucketMonth,omitempty"`

	// BudgetMonth is the price of the space's AWS budget and its alerts
	// for a month.
	BudgetMonth string `json:"budgetMonth,omitempty"`
}

// RegionPriceList is the price list of one region.
type RegionPriceList struct {
	// Name of the region, such as eu-west-1.
	Name string `json:"name"`

	// The region's prices; a price left out is the catalog's.
	PriceList `json:",inline"`
}

// JSONSchemaExtend adds the patterns of the catalog's fields.
func (PriceCatalog) JSONSchemaExtend(s *jsonschema.Schema) {
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		switch {
		case pair.Key == "currency":
			pair.Value.Pattern = `^[A-Z]{3}$`
		case pair.Key == "asOf":
			pair.Value.Pattern = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
		case strings.HasSuffix(pair.Key, "Month"):
			pair.Value.Pattern = PatternPrice
		}
	}
	if r, ok := s.Properties.Get("regions"); ok {
		if r.Extras == nil {
			r.Extras = map[string]any{}
		}
		r.Extras["x-kubernetes-list-type"] = "map"
		r.Extras["x-kubernetes-list-map-keys"] = []string{"name"}
	}
}

// JSONSchemaExtend adds the patterns of a region's fields.
func (RegionPriceList) JSONSchemaExtend(s *jsonschema.Schema) {
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		switch {
		case pair.Key == "name":
			pair.Value.Pattern = v1alpha1.PatternRegion
		case strings.HasSuffix(pair.Key, "Month"):
			pair.Value.Pattern = PatternPrice
		}
	}
}

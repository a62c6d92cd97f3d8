package v1alpha1

import (
	"github.com/invopop/jsonschema"
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
type PriceCatalog struct {
	// Currency of every price, an ISO 4217 code. A claim whose budget is in
	// another currency is rejected. Default: "USD".
	Currency string `json:"currency,omitempty"`

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

	// NetworkAZMonth is the price of the network in one availability zone
	// for a month: its subnets, endpoints and routing.
	NetworkAZMonth string `json:"networkAZMonth,omitempty"`

	// PublicNetworkAZMonth is added per availability zone when the network
	// is public: a NAT gateway and its public address.
	PublicNetworkAZMonth string `json:"publicNetworkAZMonth,omitempty"`

	// KMSKeyMonth is the price of the space's KMS key for a month.
	KMSKeyMonth string `json:"kmsKeyMonth,omitempty"`

	// BucketMonth is the fixed price of the space's S3 bucket for a month,
	// beyond its storage.
	BucketMonth string `json:"bucketMonth,omitempty"`

	// BudgetMonth is the price of the space's AWS budget and its alerts
	// for a month.
	BudgetMonth string `json:"budgetMonth,omitempty"`
}

// JSONSchemaExtend adds the price pattern to every price.
func (PriceCatalog) JSONSchemaExtend(s *jsonschema.Schema) {
	for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
		if pair.Key == "currency" {
			pair.Value.Pattern = `^[A-Z]{3}$`
			continue
		}
		pair.Value.Pattern = PatternPrice
	}
}

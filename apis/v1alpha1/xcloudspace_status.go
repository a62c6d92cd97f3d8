package v1alpha1

import (
	"maps"
	"slices"

	"github.com/invopop/jsonschema"
)

// XCloudSpaceStatus is what the CloudSpace functions report. Crossplane adds
// the conditions.
type XCloudSpaceStatus struct {
	// State sums the space up in one word, for kubectl get: Provisioning
	// (admitted, its resources not all ready), Ready, Refused (not
	// admitted: quota, budget or tag policy), AtRisk (forecast over the
	// budget's alert threshold) or OverBudget.
	State State `json:"state,omitempty"`

	// StateReason says why, in one line.
	StateReason string `json:"stateReason,omitempty"`

	// Namespace is the tenant namespace of the space.
	Namespace string `json:"namespace,omitempty"`

	// CostBasis is Effective when the platform's policy (the Composer
	// input's costBasis) counts the space's budget in effective, amortised
	// cost: its AWS Budget does, and the billing step judges budget use,
	// forecast and the Budget condition on it. Unset, both count billed
	// cost.
	CostBasis string `json:"costBasis,omitempty"`

	// Network reports the observed cloud network.
	Network *NetworkStatus `json:"network,omitempty"`

	// Bucket reports the observed S3 bucket.
	Bucket *BucketStatus `json:"bucket,omitempty"`

	// RoleARN is the ARN of the team's IAM role.
	RoleARN string `json:"roleArn,omitempty"`

	// KMSKeyARN is the ARN of the space's KMS key.
	KMSKeyARN string `json:"kmsKeyArn,omitempty"`

	// CostTags are the resolved cost tags every taggable resource carries,
	// sorted by key: a list of pairs, so that kubectl describe shows each
	// key as it is (it title-cases the keys of a map: cost-center would
	// read "Cost - Center").
	CostTags []Tag `json:"costTags,omitempty"`

	// Quota is the resolved ResourceQuota of the tenant namespace.
	Quota *QuotaAmounts `json:"quota,omitempty"`

	// Limits are the resolved LimitRange values of the tenant namespace.
	Limits *LimitRangeSpec `json:"limits,omitempty"`

	// TeamQuota reports the team's total quota across all its spaces.
	TeamQuota *TeamQuotaStatus `json:"teamQuota,omitempty"`

	// Estimate is the expected monthly cost of the space.
	Estimate *CostEstimate `json:"estimate,omitempty"`

	// Billing compares the space's billed spend with its budget.
	Billing *BillingStatus `json:"billing,omitempty"`
}

// NetworkStatus reports cloud network identifiers.
type NetworkStatus struct {
	// VPCID is the ID of the VPC.
	VPCID string `json:"vpcId,omitempty"`

	// SubnetIDs are the IDs of the subnets, private first, ordered by zone.
	SubnetIDs []string `json:"subnetIds,omitempty"`

	// SecurityGroupID is the ID of the default security group of the space.
	SecurityGroupID string `json:"securityGroupId,omitempty"`
}

// BucketStatus reports the S3 bucket of a space.
type BucketStatus struct {
	// Name of the bucket.
	Name string `json:"name,omitempty"`

	// ARN of the bucket.
	ARN string `json:"arn,omitempty"`
}

// Tag is one cost tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TagsOf returns the tags of m as pairs sorted by key; nil for none.
func TagsOf(m map[string]string) []Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Tag{Key: k, Value: m[k]})
	}
	return out
}

// JSONSchemaExtend makes the list of tags a map keyed by key, as
// server-side apply merges it.
func (XCloudSpaceStatus) JSONSchemaExtend(s *jsonschema.Schema) {
	t, ok := s.Properties.Get("costTags")
	if !ok {
		return
	}
	if t.Extras == nil {
		t.Extras = map[string]any{}
	}
	t.MaxItems = ptr(uint64(50)) // AWS allows 50 tags on a resource.
	if k, ok := t.Items.Properties.Get("key"); ok {
		k.MaxLength = ptr(uint64(128))
	}
	if v, ok := t.Items.Properties.Get("value"); ok {
		v.MaxLength = ptr(uint64(256))
	}
	t.Extras["x-kubernetes-list-type"] = "map"
	t.Extras["x-kubernetes-list-map-keys"] = []string{"key"}
}

// QuotaAmounts are amounts of each quota dimension, as Kubernetes quantities.
type QuotaAmounts struct {
	// CPU cores.
	CPU Quantity `json:"cpu,omitempty"`

	// Memory bytes.
	Memory Quantity `json:"memory,omitempty"`

	// Storage bytes of persistent volume claims.
	Storage Quantity `json:"storage,omitempty"`

	// GPU count.
	GPU Quantity `json:"gpu,omitempty"`

	// Pods count.
	Pods Quantity `json:"pods,omitempty"`

	// LoadBalancers count.
	LoadBalancers Quantity `json:"loadBalancers,omitempty"`
}

// TeamQuotaStatus is the team's quota: what it may use, what its admitted
// spaces use, and what remains.
type TeamQuotaStatus struct {
	// Hard is the team's total limit.
	Hard *QuotaAmounts `json:"hard,omitempty"`

	// Used is what the team's admitted spaces request, this one included.
	Used *QuotaAmounts `json:"used,omitempty"`

	// Remaining is Hard minus Used.
	Remaining *QuotaAmounts `json:"remaining,omitempty"`

	// Spaces is how many spaces of the team count towards Used.
	Spaces int `json:"spaces,omitempty"`

	// MonthlyBudget is the team's total monthly budget and what its spaces'
	// budgets take of it, when the team's quota data sets one.
	MonthlyBudget *TeamBudgetStatus `json:"monthlyBudget,omitempty"`

	// PeersSeen are the team's spaces created in the same second as this
	// one that admission saw when it last decided. Spaces of one second
	// are admitted in name order; a space waits for those after it until
	// each has decided having seen it.
	PeersSeen []string `json:"peersSeen,omitempty"`
}

// TeamBudgetStatus is a team's monthly budget: its limit, the sum of the
// monthly budgets of its admitted spaces, and what remains. Amounts are
// exact decimals.
type TeamBudgetStatus struct {
	// Hard is the team's total monthly budget.
	Hard string `json:"hard"`

	// Used is the sum of the monthly budgets of the team's spaces.
	Used string `json:"used"`

	// Remaining is Hard minus Used.
	Remaining string `json:"remaining"`

	// Currency of the amounts.
	Currency string `json:"currency"`
}

// QuotaUsage is the use of one quota dimension.
type QuotaUsage struct {
	// Dimension of the quota: cpu, memory, storage or gpu.
	Dimension string `json:"dimension"`

	// Used amount, a Kubernetes quantity.
	Used Quantity `json:"used"`

	// Hard limit, a Kubernetes quantity.
	Hard Quantity `json:"hard"`

	// UsedPercent is Used as a percentage of Hard, an exact decimal.
	UsedPercent string `json:"usedPercent,omitempty"`
}

// CostEstimate is the expected monthly cost of a space, from the platform's
// price catalog.
type CostEstimate struct {
	// Monthly is the total expected monthly cost, an exact decimal.
	Monthly string `json:"monthly,omitempty"`

	// Currency of every amount.
	Currency string `json:"currency,omitempty"`

	// Items break the total down, sorted by name.
	Items []CostItem `json:"items,omitempty"`
}

// CostItem is one line of a cost estimate.
type CostItem struct {
	// Name of the priced item, for example "cpu".
	Name string `json:"name"`

	// Monthly cost of the item, an exact decimal.
	Monthly string `json:"monthly"`
}

// BillingStatus compares billed spend with the budget and the estimate.
type BillingStatus struct {
	// Period is the billing period reported, for example "2026-11".
	Period string `json:"period,omitempty"`

	// Currency of every amount.
	Currency string `json:"currency,omitempty"`

	// BilledToDate is the billed cost of the period so far, an exact decimal.
	BilledToDate string `json:"billedToDate,omitempty"`

	// EffectiveToDate is the effective (amortised) cost of the period so far.
	EffectiveToDate string `json:"effectiveToDate,omitempty"`

	// Forecast is the expected cost at the end of the period: billed cost,
	// or effective cost when CostBasis says Effective.
	Forecast string `json:"forecast,omitempty"`

	// BudgetUsedPercent is BilledToDate, or EffectiveToDate when CostBasis
	// says Effective, as a percentage of the monthly limit.
	BudgetUsedPercent string `json:"budgetUsedPercent,omitempty"`

	// CostBasis is Effective when the budget is judged on the effective
	// (amortised) cost; empty when it is judged on the billed cost.
	CostBasis string `json:"costBasis,omitempty"`

	// ForecastPercent is Forecast as a percentage of the monthly limit.
	ForecastPercent string `json:"forecastPercent,omitempty"`

	// DriftPercent is actual spend against the prorated estimate, in percent.
	DriftPercent string `json:"driftPercent,omitempty"`

	// OrphanSpend is spend on billed resources the space does not compose.
	OrphanSpend string `json:"orphanSpend,omitempty"`

	// OrphanResourceIDs are billed resources the space does not compose,
	// sorted, at most 20.
	OrphanResourceIDs []string `json:"orphanResourceIds,omitempty"`

	// UnusedCapacityCost is the monthly cost of requested but unused quota.
	UnusedCapacityCost string `json:"unusedCapacityCost,omitempty"`

	// Usage is what the tenant namespace uses of each priced quota
	// dimension, from its ResourceQuota's status.
	Usage []QuotaUsage `json:"usage,omitempty"`

	// UnbilledResources are composed resources of a billed kind that the
	// billing data has not shown after the grace period, by resource name,
	// sorted, at most 20.
	UnbilledResources []string `json:"unbilledResources,omitempty"`

	// DataThrough is the end of the last charge period in the billing data,
	// RFC 3339.
	DataThrough string `json:"dataThrough,omitempty"`

	// InCluster is the in-cluster share of BilledToDate: what the pods of
	// the tenant namespace cost, from the split cost allocation data of the
	// billing export. Absent when the export allocates no pods to the space.
	InCluster *SpendShare `json:"inCluster,omitempty"`

	// Cloud is the cloud-resource share of BilledToDate: the space's tagged
	// resources. Set together with InCluster.
	Cloud *SpendShare `json:"cloud,omitempty"`

	// DriftContributors name where the spend went while it drifts from the
	// estimate: the services, billed resources and days with the largest
	// billed cost of the period so far. Set only while CostDrift is True.
	DriftContributors *CostContributors `json:"driftContributors,omitempty"`
}

// MaxCostContributors is the most entries each list of CostContributors
// holds.
const MaxCostContributors = 3

// CostContributors are the largest parts of a space's billed spend in the
// billing period, from the spend record's cost by service, by resource and
// by day. Each list is sorted by billed cost, largest first, then by name,
// holds at most MaxCostContributors entries and only positive costs.
type CostContributors struct {
	// Services are the services with the largest billed cost.
	Services []CostContributor `json:"services,omitempty"`

	// Resources are the billed resources with the largest billed cost,
	// among those the spend record lists.
	Resources []CostContributor `json:"resources,omitempty"`

	// Days are the UTC days with the largest billed cost.
	Days []CostContributor `json:"days,omitempty"`
}

// JSONSchemaExtend bounds the lists of contributors.
func (CostContributors) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, name := range []string{"services", "resources", "days"} {
		if l, ok := s.Properties.Get(name); ok {
			l.MaxItems = ptr(uint64(MaxCostContributors))
		}
	}
}

// CostContributor is one part of a space's billed spend.
type CostContributor struct {
	// Name is the service name, the billed resource ID or the UTC day
	// (YYYY-MM-DD).
	Name string `json:"name"`

	// Resource is the name of the composed resource a billed resource is,
	// when the space composes it.
	Resource string `json:"resource,omitempty"`

	// BilledToDate is its billed cost of the period so far, an exact
	// decimal.
	BilledToDate string `json:"billedToDate"`
}

// SpendShare is one share of a space's spend in the billing period.
type SpendShare struct {
	// BilledToDate is the billed cost of the share, an exact decimal.
	BilledToDate string `json:"billedToDate"`

	// EffectiveToDate is the effective (amortised) cost of the share.
	EffectiveToDate string `json:"effectiveToDate"`

	// IdleToDate is the part of an in-cluster BilledToDate that is the
	// space's share of its nodes' idle capacity, under IdlePolicy.
	IdleToDate string `json:"idleToDate,omitempty"`

	// IdlePolicy is how the platform shares idle node capacity: none,
	// split, requests or usage.
	IdlePolicy string `json:"idlePolicy,omitempty"`

	// Namespaces are the namespaces whose pods the in-cluster share is.
	Namespaces []string `json:"namespaces,omitempty"`
}

// State is the one-word summary of a space.
type State string

// States of a space. The composer sets Provisioning, Ready and Refused; the
// billing function turns Provisioning or Ready into AtRisk or OverBudget
// from its Budget condition.
const (
	StateProvisioning State = "Provisioning"
	StateReady        State = "Ready"
	StateRefused      State = "Refused"
	StateAtRisk       State = "AtRisk"
	StateOverBudget   State = "OverBudget"
)

// MaxStateReasonLength bounds status.stateReason, which kubectl get -o
// wide shows on one line.
const MaxStateReasonLength = 200

// States lists every State, in order.
func States() []State {
	return []State{StateProvisioning, StateReady, StateRefused, StateAtRisk, StateOverBudget}
}

// JSONSchemaExtend adds enums to the schema of State.
func (State) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, st := range States() {
		s.Enum = append(s.Enum, string(st))
	}
}

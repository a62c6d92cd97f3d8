package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// The kind of object a spend record is stored in. Crossplane core serves it,
// so a Configuration package needs no CRD of its own.
const (
	RecordAPIVersion = "apiextensions.crossplane.io/v1beta1"
	RecordGroup      = "apiextensions.crossplane.io"
	RecordVersion    = "v1beta1"
	RecordKind       = "EnvironmentConfig"
)

// Labels on every record object. A reconciler selects the records of one
// space with LabelSpace and LabelRecord=RecordSpend, and one month with
// LabelPeriod in addition.
const (
	// LabelSpace is the name of the XCloudSpace composite resource the
	// spend is attributed to. Absent on unattributed records.
	LabelSpace = "billing.cloudspace.dev/space"
	// LabelPeriod is the billing period, "YYYY-MM".
	LabelPeriod = "billing.cloudspace.dev/period"
	// LabelRecord is the kind of record: RecordSpend or RecordUnattributed.
	LabelRecord = "billing.cloudspace.dev/record"
	// LabelAccount is the billing sub account of an unattributed record,
	// when it is a valid label value.
	LabelAccount = "billing.cloudspace.dev/account"
	// LabelScope is the scope of the ingest that wrote the record. Several
	// ingests may feed one cluster (one per billing export, say); each
	// replaces only the records of its own scope. A record without the
	// label is of DefaultScope.
	LabelScope = "billing.cloudspace.dev/scope"
)

// DefaultScope is the scope of an ingest that names none.
const DefaultScope = "default"

// Values of LabelRecord.
const (
	RecordSpend        = "spend"
	RecordUnattributed = "unattributed"
)

// DefaultTagKey is the resource tag whose value names the XCloudSpace
// composite resource a charge belongs to.
const DefaultTagKey = "cloudspace"

// MaxNameLength is the longest valid Kubernetes object name (a DNS subdomain).
const MaxNameLength = 253

// A SpendRecord is the exact spend of one CloudSpace, or the unattributed
// spend of one account, in one billing period. Every amount is a decimal
// string in Currency with no rounding applied; parse it with an exact decimal
// type, never a float.
type SpendRecord struct {
	// Space is the name of the XCloudSpace composite resource, taken from
	// the value of the attribution tag. Empty on unattributed records.
	Space string `json:"space,omitempty"`

	// Account is the billing sub account (FOCUS SubAccountId, CUR
	// line_item_usage_account_id) of an unattributed record.
	Account string `json:"account,omitempty"`

	// Period is the billing period, "YYYY-MM", from the start of the
	// billing period of the charges.
	Period string `json:"period"`

	// Currency is the ISO 4217 billing currency of every amount.
	Currency string `json:"currency"`

	// BilledCost is the sum of the invoiced cost (FOCUS BilledCost; CUR
	// line_item_net_unblended_cost where the export has it, else
	// line_item_unblended_cost).
	BilledCost string `json:"billedCost"`

	// EffectiveCost is the sum of the amortised cost after discounts and
	// commitments (FOCUS EffectiveCost; for CUR, derived per line item type:
	// commitment purchases amortised into the usage they cover).
	EffectiveCost string `json:"effectiveCost"`

	// ListCost is the sum of the public list price cost (FOCUS ListCost,
	// CUR pricing_public_on_demand_cost); the billed cost of a charge
	// without a list price.
	ListCost string `json:"listCost"`

	// ContractedCost is the sum of the negotiated price cost (FOCUS
	// ContractedCost). Empty when the source has no such column.
	ContractedCost string `json:"contractedCost,omitempty"`

	// Rows is how many billing rows were summed.
	Rows int64 `json:"rows"`

	// CostByService is the billed and effective cost per service, sorted by
	// service name.
	CostByService []ServiceCost `json:"costByService,omitempty"`

	// CostByDay is the billed and effective cost per UTC day of the charge
	// period start, sorted by day.
	CostByDay []DayCost `json:"costByDay,omitempty"`

	// ResourceIDs are the lexically smallest distinct billed resource IDs,
	// sorted, at most a bounded number of them.
	ResourceIDs []string `json:"resourceIds,omitempty"`

	// ResourceCount is how many distinct resource IDs were billed.
	ResourceCount int64 `json:"resourceCount,omitempty"`

	// ResourceIDsTruncated is how many distinct resource IDs are not listed
	// in ResourceIDs: ResourceCount minus the length of ResourceIDs.
	ResourceIDsTruncated int64 `json:"resourceIdsTruncated,omitempty"`

	// ResourceCountEstimated is true when ResourceCount, and so
	// ResourceIDsTruncated, is an estimate. Up to 1024 distinct resource
	// IDs are counted exactly; past that they are counted with a
	// HyperLogLog sketch (standard error 0.81 %), so that the ingester's
	// memory does not grow with the export. ResourceIDs and CostByResource
	// are always exact.
	ResourceCountEstimated bool `json:"resourceCountEstimated,omitempty"`

	// CostByResource is the cost of each resource listed in ResourceIDs,
	// in the same order.
	CostByResource []ResourceCost `json:"costByResource,omitempty"`

	// FirstChargePeriodStart is the earliest charge period start seen,
	// RFC 3339 in UTC.
	FirstChargePeriodStart string `json:"firstChargePeriodStart,omitempty"`

	// LastChargePeriodEnd is the latest charge period end seen, RFC 3339 in
	// UTC. A reconciler judges the staleness of the data by it.
	LastChargePeriodEnd string `json:"lastChargePeriodEnd,omitempty"`

	// Sources are the billing export files the record was computed from,
	// sorted by URI.
	Sources []Source `json:"sources,omitempty"`

	// InCluster is the in-cluster share of a space's cost: what the pods of
	// its tenant namespace cost, from the split cost allocation data of the
	// export (CUR split_line_item_*, FOCUS 1.3 allocated charges). It is
	// part of BilledCost, EffectiveCost and ListCost. Absent when the space
	// ran no pods the export allocates.
	InCluster *InClusterCost `json:"inCluster,omitempty"`

	// Cloud is the cloud-resource share of a space's cost, the rows tagged
	// with the space: BilledCost, EffectiveCost and ListCost minus
	// InCluster. Set together with InCluster.
	Cloud *CostShare `json:"cloud,omitempty"`

	// AllocatedToSpaces is, on the record that holds the cost of the nodes
	// pods ran on (EC2 instances that split cost allocation divides among
	// pods), the cost moved from them to the spaces whose namespaces ran
	// the pods, so that it is counted once. BilledCost, EffectiveCost and
	// ListCost are net of it.
	AllocatedToSpaces *CostShare `json:"allocatedToSpaces,omitempty"`
}

// CostShare is one share of a record's cost.
type CostShare struct {
	// BilledCost is the billed cost of the share.
	BilledCost string `json:"billedCost"`
	// EffectiveCost is the effective cost of the share.
	EffectiveCost string `json:"effectiveCost"`
	// ListCost is the list cost of the share.
	ListCost string `json:"listCost"`
}

// Idle cost policies: how the cost of a node's capacity that no pod used
// or reserved (split_line_item_unused_cost) is shared among the spaces whose
// pods ran on it.
const (
	// IdleNone shares no idle cost: it stays on the record of the node's
	// account, the platform's cost.
	IdleNone = "none"
	// IdleSplit shares it as AWS allocated it, in proportion to each pod's
	// split usage, the larger of its reserved and actual usage
	// (split_line_item_unused_cost as exported).
	IdleSplit = "split"
	// IdleRequests shares it in proportion to each pod's reserved usage,
	// its requests (split_line_item_reserved_usage), per node, hour and
	// resource (vCPU or memory).
	IdleRequests = "requests"
	// IdleUsage shares it in proportion to each pod's actual usage
	// (split_line_item_actual_usage), per node, hour and resource.
	IdleUsage = "usage"
)

// InClusterCost is the in-cluster share of a space's cost.
type InClusterCost struct {
	// BilledCost is the billed cost of the space's pods. AWS splits the
	// amortised cost of a node only, so for CUR split rows it is the split
	// cost (net of discounts where the export has net columns), as is
	// EffectiveCost.
	BilledCost string `json:"billedCost"`
	// EffectiveCost is the effective cost of the space's pods.
	EffectiveCost string `json:"effectiveCost"`
	// ListCost is the list cost of the space's pods (CUR
	// split_line_item_public_on_demand_split_cost).
	ListCost string `json:"listCost"`
	// IdleCost is the part of BilledCost that is the space's share of its
	// nodes' idle capacity under IdlePolicy; "0" under IdleNone.
	IdleCost string `json:"idleCost"`
	// IdlePolicy is how idle node cost was shared: IdleNone, IdleSplit,
	// IdleRequests or IdleUsage.
	IdlePolicy string `json:"idlePolicy"`
	// Rows is how many split rows were summed.
	Rows int64 `json:"rows"`
	// Namespaces are the tenant namespaces the pods ran in, sorted.
	Namespaces []string `json:"namespaces,omitempty"`
}

// ServiceCost is the cost of one service.
type ServiceCost struct {
	// Service is the service name (FOCUS ServiceName, CUR
	// product_product_name or line_item_product_code).
	Service string `json:"service"`
	// BilledCost is the billed cost of the service.
	BilledCost string `json:"billedCost"`
	// EffectiveCost is the effective cost of the service.
	EffectiveCost string `json:"effectiveCost"`
}

// ResourceCost is the cost of one billed resource.
type ResourceCost struct {
	// ResourceID is the billed resource ID (FOCUS ResourceId, CUR
	// line_item_resource_id).
	ResourceID string `json:"resourceId"`
	// BilledCost is the billed cost of the resource.
	BilledCost string `json:"billedCost"`
	// EffectiveCost is the effective cost of the resource.
	EffectiveCost string `json:"effectiveCost"`
}

// DayCost is the cost of one UTC day.
type DayCost struct {
	// Day is the UTC date, "YYYY-MM-DD".
	Day string `json:"day"`
	// BilledCost is the billed cost of the day.
	BilledCost string `json:"billedCost"`
	// EffectiveCost is the effective cost of the day.
	EffectiveCost string `json:"effectiveCost"`
}

// Source is one billing export file.
type Source struct {
	// URI is where the file was read from: a path, an HTTP(S) URL or an
	// s3:// URL.
	URI string `json:"uri"`
	// Format is the format detected: focus or cur.
	Format string `json:"format"`
	// SHA256 is the hex SHA-256 digest of the bytes read (compressed bytes
	// for a compressed file). Empty when the ingester was told not to
	// compute digests.
	SHA256 string `json:"sha256,omitempty"`
	// XXH64 is the hex 64-bit xxHash of the bytes read, when the ingester
	// was told to use it instead of SHA-256.
	XXH64 string `json:"xxh64,omitempty"`
}

// Data returns the record as the data of an EnvironmentConfig.
func (r *SpendRecord) Data() (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal spend record: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("cannot unmarshal spend record: %w", err)
	}
	return m, nil
}

// FromData reads a record back from the data of an EnvironmentConfig, as a
// reconciler finds it among its required resources.
func FromData(data map[string]any) (*SpendRecord, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal environment config data: %w", err)
	}
	r := &SpendRecord{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("cannot unmarshal spend record: %w", err)
	}
	return r, nil
}

// Name returns the name of the object that stores the record.
func (r *SpendRecord) Name() string {
	if r.Space == "" {
		return UnattributedRecordName(r.Account, r.Period)
	}
	return RecordName(r.Space, r.Period)
}

// Labels returns the labels of the object that stores the record.
func (r *SpendRecord) Labels() map[string]string {
	if r.Space == "" {
		l := map[string]string{LabelPeriod: r.Period, LabelRecord: RecordUnattributed}
		if IsLabelValue(r.Account) {
			l[LabelAccount] = r.Account
		}
		return l
	}
	return map[string]string{LabelSpace: r.Space, LabelPeriod: r.Period, LabelRecord: RecordSpend}
}

// NameInScope returns the name of the object that stores the record when an
// ingest of the given scope writes it. A spend record has one name whatever
// the scope: the reconciler reads one record per space and period, so two
// scopes must never both hold one (the ingester refuses to). An unattributed
// record of a scope other than DefaultScope is suffixed with ".<scope>":
// the same account, or no account at all, may well appear in the exports of
// two scopes, and nothing sums unattributed records.
func (r *SpendRecord) NameInScope(scope string) string {
	if r.Space != "" || scope == "" || scope == DefaultScope {
		return r.Name()
	}
	account := r.Account
	if account == "" {
		account = "none"
	}
	// Every unscoped name ends in "-YYYY-MM", so ".<scope>", whose scope
	// holds no dot, cannot make the name of another record.
	return objectName("unattributed", account, r.Period+"."+scope)
}

// IsScopeName reports whether s can name an ingest scope: a DNS label (lower
// case letters, digits and '-', at most 63 characters), so that it is both
// a label value and a part of an object name.
func IsScopeName(s string) bool {
	if s == "" || len(s) > 63 || strings.Contains(s, ".") {
		return false
	}
	return isDNSSubdomain(s)
}

// RecordName returns the name of the object holding the spend of a space in
// a period: "spend-<space>-<period>". A space that would not make a valid
// DNS subdomain, or make one too long, is sanitised and suffixed with a short
// digest of the original, so the name is deterministic and unique.
func RecordName(space, period string) string {
	return objectName("spend", space, period)
}

// UnattributedRecordName returns the name of the object holding the
// unattributed spend of an account in a period.
func UnattributedRecordName(account, period string) string {
	if account == "" {
		account = "none"
	}
	return objectName("unattributed", account, period)
}

func objectName(prefix, id, period string) string {
	name := prefix + "-" + id + "-" + period
	if len(name) <= MaxNameLength && isDNSSubdomain(name) {
		return name
	}
	sum := sha256.Sum256([]byte(id))
	digest := hex.EncodeToString(sum[:])[:10]
	clean := sanitise(id)
	// prefix-clean-digest-period
	room := MaxNameLength - len(prefix) - len(digest) - len(period) - 3
	if len(clean) > room {
		clean = strings.Trim(clean[:room], "-.")
	}
	if clean == "" {
		return prefix + "-" + digest + "-" + period
	}
	return prefix + "-" + clean + "-" + digest + "-" + period
}

// sanitise lowercases s and replaces every byte that may not appear in a
// DNS subdomain with '-'.
func sanitise(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), "-")
}

// isDNSSubdomain is validation.IsDNS1123Subdomain without its regular
// expression, which is too slow to run for every billing row.
func isDNSSubdomain(s string) bool {
	if s == "" || len(s) > MaxNameLength {
		return false
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if c := s[i]; !alnum(c) && c != '-' {
				return false
			}
			continue
		}
		// s[start:i] is one dot-separated part.
		if i == start || !alnum(s[start]) || !alnum(s[i-1]) {
			return false
		}
		start = i + 1
	}
	return true
}

// IsSpaceName reports whether s can name an XCloudSpace: a valid label
// value that is also a valid object name (lower case DNS subdomain). Spend
// tagged with anything else stays unattributed.
func IsSpaceName(s string) bool {
	return IsLabelValue(s) && isDNSSubdomain(s)
}

// IsLabelValue reports whether s is a valid, non-empty Kubernetes label
// value. A space tag whose value is not one cannot name an XCloudSpace, so
// its spend stays unattributed.
func IsLabelValue(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	if !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

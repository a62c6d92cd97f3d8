package v1alpha1

import (
	"github.com/invopop/jsonschema"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// ComposerKind is the kind of the function-cloudspace input.
const ComposerKind = "Composer"

// Composer is the input of function-cloudspace: the platform team's policy
// for turning a CloudSpace claim into a tenant environment.
type Composer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Tiers is the tier catalog. Every tier a claim may name must be listed.
	Tiers []TierSpec `json:"tiers" patchStrategy:"merge" patchMergeKey:"name"`

	// Tenant configures the Kubernetes objects of the tenant namespace.
	Tenant TenantSpec `json:"tenant,omitempty"`

	// Identity configures the team's IAM role.
	Identity IdentitySpec `json:"identity,omitempty"`

	// TagPolicy declares the cost tags every taggable resource carries.
	TagPolicy *TagPolicy `json:"tagPolicy,omitempty"`

	// Quota configures where team quota data is read from.
	Quota *QuotaSpec `json:"quota,omitempty"`

	// Pricing is the price catalog for the claim-time cost estimate.
	Pricing *PriceCatalog `json:"pricing,omitempty"`

	// CostBasis is the cost the space's AWS Budget counts: Billed
	// (unblended) or Effective (amortized). Give the Billing input the same
	// costBasis. Default: "Billed".
	CostBasis CostBasis `json:"costBasis,omitempty"`

	// Regions is the region catalog: the regions a claim may name and
	// the letters of their zones, in the order the subnets use them (zone
	// letters differ from account to account; list the zones your
	// accounts have). Empty, any region the XRD's pattern allows is
	// accepted and the zones are a, b, c and on.
	Regions []RegionSpec `json:"regions,omitempty" patchStrategy:"merge" patchMergeKey:"name"`

	// PolicyFrom selects EnvironmentConfigs whose data amend this input
	// for the install, so that a platform team sets its account, tiers,
	// prices and tag policy without forking the Composition. Unset, the
	// input is the whole policy.
	PolicyFrom *PolicySource `json:"policyFrom,omitempty"`
}

// RegionSpec is one region of the catalog.
type RegionSpec struct {
	// Name of the region, such as eu-west-1.
	Name string `json:"name"`
	// Zones are the letters of the region's zones the spaces may use,
	// such as [a, b, c].
	Zones []string `json:"zones"`
}

// JSONSchemaExtend adds patterns and bounds to the schema of a region.
func (RegionSpec) JSONSchemaExtend(s *jsonschema.Schema) {
	if n, ok := s.Properties.Get("name"); ok {
		n.Pattern = v1alpha1.PatternRegion
	}
	if z, ok := s.Properties.Get("zones"); ok {
		lo, hi := uint64(1), uint64(6)
		z.MinItems, z.MaxItems = &lo, &hi
		z.Items.Pattern = "^[a-z]$"
		if z.Extras == nil {
			z.Extras = map[string]any{}
		}
		z.Extras["x-kubernetes-list-type"] = "set"
	}
}

// TierSpec is the limits and defaults of one tier.
type TierSpec struct {
	// Name of the tier.
	Name v1alpha1.Tier `json:"name"`

	// Max is the most a space of this tier may request.
	Max v1alpha1.QuotaAmounts `json:"max"`

	// MaxMonthlyBudget is the largest monthly budget of a space of this
	// tier, an exact decimal.
	MaxMonthlyBudget string `json:"maxMonthlyBudget,omitempty"`

	// LimitRange holds the tier's container and volume limits: defaults
	// and the bounds a claim's overrides must stay within.
	LimitRange v1alpha1.LimitRangeSpec `json:"limitRange,omitempty"`
}

// TenantTarget is where the tenant's Kubernetes objects are created.
type TenantTarget string

// Tenant targets.
const (
	// TenantTargetLocal composes the tenant objects directly, in the
	// cluster Crossplane runs in.
	TenantTargetLocal TenantTarget = "Local"

	// TenantTargetRemote wraps each tenant object in a provider-kubernetes
	// Object for a remote cluster.
	TenantTargetRemote TenantTarget = "Remote"
)

// TenantSpec configures the Kubernetes tenant objects.
type TenantSpec struct {
	// Target is where tenant objects are created: Local or Remote.
	Target TenantTarget `json:"target,omitempty"`

	// ProviderConfigName is the provider-kubernetes ProviderConfig used when
	// Target is Remote.
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// ClusterRole bound to the team's group in the tenant namespace.
	ClusterRole string `json:"clusterRole,omitempty"`

	// GroupPrefix is prepended to the team name to form the group subject of
	// the RoleBinding, for example "team:".
	GroupPrefix string `json:"groupPrefix,omitempty"`

	// DenyCrossNamespaceIngress adds a NetworkPolicy that admits ingress
	// only from pods of the tenant namespace. Default: true.
	DenyCrossNamespaceIngress *bool `json:"denyCrossNamespaceIngress,omitempty"`

	// AllowIngressFrom names the namespaces whose pods that NetworkPolicy
	// admits too, such as the ingress controller's and monitoring's.
	AllowIngressFrom []string `json:"allowIngressFrom,omitempty"`

	// PodSecurity is the Pod Security Standard the tenant namespace
	// enforces, warns of and audits: privileged, baseline or restricted.
	// Default: restricted.
	PodSecurity PodSecurityLevel `json:"podSecurity,omitempty"`

	// ReservedNamespaces are the namespaces no tenant namespace may be,
	// as names or shell patterns (kube-*), whether they exist yet or not:
	// the system's and the platform's own. A claim whose tenant namespace
	// one matches is refused. Default: DefaultReservedNamespaces.
	ReservedNamespaces []string `json:"reservedNamespaces,omitempty"`
}

// DefaultReservedNamespaces are the namespaces no tenant namespace may be
// when the policy names none: Kubernetes' and Crossplane's.
func DefaultReservedNamespaces() []string {
	return []string{"default", "kube-*", "crossplane-*", "upbound-*"}
}

// PodSecurityLevel is a Pod Security Standard.
type PodSecurityLevel string

// Pod Security Standards.
const (
	PodSecurityPrivileged PodSecurityLevel = "privileged"
	PodSecurityBaseline   PodSecurityLevel = "baseline"
	PodSecurityRestricted PodSecurityLevel = "restricted"
)

// PodSecurityLevels are the Pod Security Standards, loosest first.
func PodSecurityLevels() []PodSecurityLevel {
	return []PodSecurityLevel{PodSecurityPrivileged, PodSecurityBaseline, PodSecurityRestricted}
}

// JSONSchemaExtend adds the enum of the levels.
func (PodSecurityLevel) JSONSchemaExtend(s *jsonschema.Schema) {
	for _, l := range PodSecurityLevels() {
		s.Enum = append(s.Enum, string(l))
	}
}

// IdentitySpec configures the team's IAM role.
type IdentitySpec struct {
	// WorkloadIdentity lets the pods of the tenant namespace, and only
	// those, assume the team's role through EKS Pod Identity. A space needs
	// it or TrustPrincipal.
	WorkloadIdentity *WorkloadIdentitySpec `json:"workloadIdentity,omitempty"`

	// TrustPrincipal is an IAM role or user ARN that may also assume the
	// team's role, such as the team's SSO role,
	// "arn:aws:iam::123456789012:role/team-payments". An account root is
	// refused: it would let every principal of the account in.
	TrustPrincipal string `json:"trustPrincipal,omitempty"`

	// PermissionsBoundary is the ARN of the managed policy that bounds what
	// the team's role can ever be granted, such as
	// "arn:aws:iam::123456789012:policy/cloudspace-boundary".
	PermissionsBoundary string `json:"permissionsBoundary,omitempty"`

	// ProviderConfigName is the provider-aws ProviderConfig of every cloud
	// resource.
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// AccountID is the 12-digit AWS account the cloud resources live in.
	// Default: the account of TrustPrincipal; required without it.
	AccountID string `json:"accountId,omitempty"`

	// BucketPrefix starts the name of every space's S3 bucket; the tenant
	// namespace and a hash of the account, region and space follow.
	// Default: "cloudspace".
	BucketPrefix string `json:"bucketPrefix,omitempty"`
}

// WorkloadIdentitySpec is the EKS Pod Identity of a space's tenant: a
// service account in the tenant namespace, associated with the team's role
// on the cluster the tenant's pods run on.
type WorkloadIdentitySpec struct {
	// ClusterName is the EKS cluster whose Pod Identity agent gives the
	// tenant's pods the team's role.
	ClusterName string `json:"clusterName"`

	// ClusterRegion is the cluster's AWS region. Default: the space's
	// region.
	ClusterRegion string `json:"clusterRegion,omitempty"`

	// ServiceAccount is the name of the service account the composer
	// creates in the tenant namespace; pods that run as it get the team's
	// role. Default: "cloudspace".
	ServiceAccount string `json:"serviceAccount,omitempty"`
}

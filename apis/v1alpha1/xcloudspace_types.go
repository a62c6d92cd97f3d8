package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Environment is the stage a CloudSpace serves.
type Environment string

// Environments a CloudSpace may declare.
const (
	EnvironmentDev     Environment = "dev"
	EnvironmentStaging Environment = "staging"
	EnvironmentProd    Environment = "prod"
)

// Tier is a size class. The platform team's tier catalog (function input)
// sets the limits of each tier.
type Tier string

// Tiers a CloudSpace may request.
const (
	TierSmall  Tier = "small"
	TierMedium Tier = "medium"
	TierLarge  Tier = "large"
	TierXLarge Tier = "xlarge"
)

// Environments lists every valid environment, in order.
func Environments() []Environment {
	return []Environment{EnvironmentDev, EnvironmentStaging, EnvironmentProd}
}

// Tiers lists every valid tier, smallest first.
func Tiers() []Tier { return []Tier{TierSmall, TierMedium, TierLarge, TierXLarge} }

// XCloudSpace is a self-service cloud environment for one team: a tenant
// namespace with quota and limits, an AWS network, identity, storage and
// encryption key, and a budget with alerts. Developers request it through the
// namespaced CloudSpace claim.
type XCloudSpace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   XCloudSpaceSpec   `json:"spec"`
	Status XCloudSpaceStatus `json:"status,omitempty"`
}

// XCloudSpaceSpec is what a developer requests.
type XCloudSpaceSpec struct {
	// Team that owns the space. Lower-case DNS label; it names the tenant
	// namespace and attributes cost. Immutable.
	Team string `json:"team"`

	// Environment the space serves: dev, staging or prod.
	Environment Environment `json:"environment"`

	// Owner is the e-mail address that receives budget alerts.
	Owner string `json:"owner"`

	// CostCenter that pays for the space, for example "cc-1234".
	CostCenter string `json:"costCenter"`

	// Tier is the size class whose limits bound the requested resources.
	Tier Tier `json:"tier"`

	// Region is the AWS region the cloud resources live in, for example
	// "eu-west-1". Immutable.
	Region string `json:"region"`

	// Network of the space.
	Network NetworkSpec `json:"network,omitempty"`

	// Resources requested for the tenant namespace. They become its
	// ResourceQuota and count against the tier and the team's quota.
	Resources ResourcesSpec `json:"resources"`

	// Budget of the space per calendar month.
	Budget BudgetSpec `json:"budget"`

	// Tags are extra cost tags for every taggable cloud resource. Tags the
	// platform enforces cannot be overridden here.
	Tags map[string]string `json:"tags,omitempty"`

	// LimitRange overrides the tier's default container limits, within the
	// tier's bounds.
	LimitRange *LimitRangeSpec `json:"limitRange,omitempty"`
}

// NetworkSpec describes the VPC of a space.
type NetworkSpec struct {
	// CIDR of the VPC: a private (RFC 1918) IPv4 block from /16 to /24.
	// Immutable.
	CIDR string `json:"cidr,omitempty"`

	// AvailabilityZones is how many zones the subnets are spread across.
	// Omitted, it is 2; an explicit value is from 1 to 6.
	AvailabilityZones *int `json:"availabilityZones,omitempty"`

	// Public adds public subnets, an internet gateway and a public route table.
	Public bool `json:"public,omitempty"`
}

// ResourcesSpec is the compute and storage a space requests, as Kubernetes
// quantities.
type ResourcesSpec struct {
	// CPU for all pods of the namespace, for example "4" or "500m".
	CPU Quantity `json:"cpu"`

	// Memory for all pods of the namespace, for example "8Gi".
	Memory Quantity `json:"memory"`

	// Storage for all persistent volume claims of the namespace, for example "100Gi".
	Storage Quantity `json:"storage,omitempty"`

	// GPU is the number of NVIDIA GPUs, a whole number.
	GPU Quantity `json:"gpu,omitempty"`
}

// BudgetSpec is the monthly budget of a space.
type BudgetSpec struct {
	// MonthlyLimit is the most the space may cost per calendar month, an
	// exact decimal amount with at most two fraction digits, for example
	// "1500.00".
	MonthlyLimit string `json:"monthlyLimit"`

	// Currency of the limit, an ISO 4217 code.
	Currency string `json:"currency,omitempty"`

	// AlertThresholds are percentages of the limit at which the owner is
	// alerted, for both actual and forecasted spend.
	AlertThresholds []int `json:"alertThresholds,omitempty"`
}

// ComputeResources names a cpu and memory quantity.
type ComputeResources struct {
	// CPU quantity, for example "500m".
	CPU Quantity `json:"cpu,omitempty"`

	// Memory quantity, for example "512Mi".
	Memory Quantity `json:"memory,omitempty"`
}

// LimitRangeSpec holds the container and volume limits of a namespace.
// Every field is optional; an unset field keeps the tier's value.
type LimitRangeSpec struct {
	// Default limits of a container that sets none.
	Default *ComputeResources `json:"default,omitempty"`

	// DefaultRequest of a container that sets none.
	DefaultRequest *ComputeResources `json:"defaultRequest,omitempty"`

	// Min a container may request.
	Min *ComputeResources `json:"min,omitempty"`

	// Max a container may be limited to.
	Max *ComputeResources `json:"max,omitempty"`

	// MaxLimitRequestRatio is the largest limit to request ratio, for example "4".
	MaxLimitRequestRatio *ComputeResources `json:"maxLimitRequestRatio,omitempty"`

	// MinStorage is the smallest persistent volume claim, for example "1Gi".
	MinStorage Quantity `json:"minStorage,omitempty"`

	// MaxStorage is the largest persistent volume claim, for example "100Gi".
	MaxStorage Quantity `json:"maxStorage,omitempty"`
}

// Zones returns how many zones the network spans: AvailabilityZones, or
// the default when it is not set.
func (n NetworkSpec) Zones() int {
	if n.AvailabilityZones == nil {
		return DefaultAvailabilityZones
	}
	return *n.AvailabilityZones
}

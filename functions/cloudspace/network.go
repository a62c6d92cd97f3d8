package main

import (
	"fmt"
	"net/netip"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	xpv1 "github.com/crossplane/crossplane-runtime/v2/apis/common/v1"
	"github.com/crossplane/function-sdk-go/resource"

	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
)

// Labels that tell sibling network resources apart, so that selectors can
// pick one of several resources of a kind.
const (
	LabelSubnet     = "platform.cloudspace.dev/subnet"
	LabelRouteTable = "platform.cloudspace.dev/route-table"
)

// Subnet tiers.
const (
	SubnetPrivate = "private"
	SubnetPublic  = "public"
)

// Subnet layout: the VPC is cut into 2^SubnetSlotBits equal blocks. Private
// subnets take the blocks from 0, one per zone, public subnets the blocks
// from publicSlotBase. The layout never depends on the zone count or on
// whether the network is public, so growing either never moves a subnet.
const (
	SubnetSlotBits = 4
	publicSlotBase = 8
	maxZones       = 6
	// minSubnetBits is the smallest subnet AWS allows, /28.
	minSubnetBits = 28
)

// Subnet is one subnet of the space.
type Subnet struct {
	// Tier is private or public.
	Tier string
	// Zone letter, such as "a".
	Zone string
	// AvailabilityZone, such as "eu-west-1a".
	AvailabilityZone string
	// CIDR of the subnet.
	CIDR netip.Prefix
}

// ID is the subnet's label value and name suffix, such as "private-a".
func (sn Subnet) ID() string { return sn.Tier + "-" + sn.Zone }

// CarveSubnets returns the subnets of a VPC with the given CIDR: one
// private subnet per zone and, when public, one public subnet per zone, in
// that order. A VPC too small for subnets of at least /28 is rejected.
func CarveSubnets(p *field.Path, region string, vpc netip.Prefix, letters []string, public bool) ([]Subnet, field.ErrorList) {
	zones := len(letters)
	if !vpc.IsValid() || !vpc.Addr().Is4() {
		return nil, field.ErrorList{field.Invalid(p.Child("cidr"), vpc.String(), "must be an IPv4 block in CIDR notation")}
	}
	if zones < 1 || zones > maxZones {
		return nil, field.ErrorList{field.Invalid(p.Child("availabilityZones"), zones, fmt.Sprintf("must be from 1 to %d", maxZones))}
	}
	bits := vpc.Bits() + SubnetSlotBits
	if bits > minSubnetBits {
		return nil, field.ErrorList{field.Invalid(p.Child("cidr"), vpc.String(), fmt.Sprintf("is too small: the subnets are the VPC cut into %d blocks, which must be /%d or larger, so the VPC must be /%d or larger", 1<<SubnetSlotBits, minSubnetBits, minSubnetBits-SubnetSlotBits))}
	}
	tiers := []string{SubnetPrivate}
	if public {
		tiers = append(tiers, SubnetPublic)
	}
	base := vpc.Masked().Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	size := uint32(1) << (32 - bits)
	out := make([]Subnet, 0, zones*len(tiers))
	for _, t := range tiers {
		slot := 0
		if t == SubnetPublic {
			slot = publicSlotBase
		}
		for z := range zones {
			a := start + uint32(slot+z)*size
			letter := letters[z]
			out = append(out, Subnet{
				Tier:             t,
				Zone:             letter,
				AvailabilityZone: region + letter,
				CIDR:             netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), bits),
			})
		}
	}
	return out, nil
}

// Names of the network resources.
const (
	NameVPC               resource.Name = "vpc"
	NameInternetGateway   resource.Name = "internet-gateway"
	NameRouteTablePrivate resource.Name = "route-table-private"
	NameRouteTablePublic  resource.Name = "route-table-public"
	NameDefaultRoute      resource.Name = "route-public-default"
	NameSecurityGroup     resource.Name = "security-group"
	NameEgressRule        resource.Name = "security-group-egress"
	NameS3Endpoint        resource.Name = "s3-endpoint"
)

// NameSubnet is the resource name of a subnet.
func NameSubnet(sn Subnet) resource.Name { return resource.Name("subnet-" + sn.ID()) }

// NameSubnetAssociation is the resource name of a subnet's route table
// association.
func NameSubnetAssociation(sn Subnet) resource.Name {
	return resource.Name("route-table-association-" + sn.ID())
}

// NameEndpointAssociation is the resource name of the S3 endpoint's
// association with a route table tier.
func NameEndpointAssociation(tier string) resource.Name {
	return resource.Name("s3-endpoint-" + tier)
}

// selectController selects the sibling composed resource with labels.
func selectController(labels map[string]string) *xpv1.Selector {
	return &xpv1.Selector{MatchControllerRef: ptr(true), MatchLabels: labels}
}

// labelled is the metadata of a resource that selectors tell apart by
// labels.
func labelled(labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: labels}
}

// Network returns the network resources of s with the given subnets, by
// resource name. Tags are set later, from the type.
func Network(s *Space, subnets []Subnet) []Part {
	region := ptr(s.Spec.Region)
	vpc := selectController(nil)
	parts := []Part{{Name: NameVPC, Object: VPC(s)}}

	rt := func(tier string) *ec2v1beta1.RouteTable {
		return &ec2v1beta1.RouteTable{ObjectMeta: labelled(map[string]string{LabelRouteTable: tier}), Spec: ec2v1beta1.RouteTableSpec{
			ResourceSpec: providerSpec(s),
			ForProvider:  ec2v1beta1.RouteTableParameters_2{Region: region, VPCIDSelector: vpc},
		}}
	}
	parts = append(parts, Part{Name: NameRouteTablePrivate, Object: rt(SubnetPrivate)})
	if s.Spec.Network.Public {
		parts = append(parts,
			Part{Name: NameInternetGateway, Object: &ec2v1beta1.InternetGateway{Spec: ec2v1beta1.InternetGatewaySpec{
				ResourceSpec: providerSpec(s),
				ForProvider:  ec2v1beta1.InternetGatewayParameters_2{Region: region, VPCIDSelector: vpc},
			}}},
			Part{Name: NameRouteTablePublic, Object: rt(SubnetPublic)},
			Part{Name: NameDefaultRoute, Object: &ec2v1beta1.Route{Spec: ec2v1beta1.RouteSpec{
				ResourceSpec: providerSpec(s),
				ForProvider: ec2v1beta1.RouteParameters_2{
					Region:               region,
					DestinationCidrBlock: ptr("0.0.0.0/0"),
					GatewayIDSelector:    selectController(nil),
					RouteTableIDSelector: selectController(map[string]string{LabelRouteTable: SubnetPublic}),
				},
			}}},
		)
	}

	for _, sn := range subnets {
		parts = append(parts, Part{Name: NameSubnet(sn), Object: &ec2v1beta1.Subnet{ObjectMeta: labelled(map[string]string{LabelSubnet: sn.ID()}), Spec: ec2v1beta1.SubnetSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: ec2v1beta1.SubnetParameters_2{
				Region:              region,
				AvailabilityZone:    ptr(sn.AvailabilityZone),
				CidrBlock:           ptr(sn.CIDR.String()),
				MapPublicIPOnLaunch: ptr(sn.Tier == SubnetPublic),
				VPCIDSelector:       vpc,
			},
		}}})
		parts = append(parts, Part{Name: NameSubnetAssociation(sn), Object: &ec2v1beta1.RouteTableAssociation{Spec: ec2v1beta1.RouteTableAssociationSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: ec2v1beta1.RouteTableAssociationParameters{
				Region:               region,
				SubnetIDSelector:     selectController(map[string]string{LabelSubnet: sn.ID()}),
				RouteTableIDSelector: selectController(map[string]string{LabelRouteTable: sn.Tier}),
			},
		}}})
	}

	parts = append(parts, Part{Name: NameSecurityGroup, Object: &ec2v1beta1.SecurityGroup{Spec: ec2v1beta1.SecurityGroupSpec{
		ResourceSpec: providerSpec(s),
		ForProvider: ec2v1beta1.SecurityGroupParameters_2{
			Region:              region,
			Description:         ptr(fmt.Sprintf("CloudSpace %s: no ingress, all egress", s.Name)),
			RevokeRulesOnDelete: ptr(true),
			VPCIDSelector:       vpc,
		},
	}}})
	parts = append(parts, Part{Name: NameEgressRule, Object: &ec2v1beta1.SecurityGroupEgressRule{Spec: ec2v1beta1.SecurityGroupEgressRuleSpec{
		ResourceSpec: providerSpec(s),
		ForProvider: ec2v1beta1.SecurityGroupEgressRuleParameters{
			Region:                  region,
			Description:             ptr("all egress"),
			IPProtocol:              ptr("-1"),
			CidrIPv4:                ptr("0.0.0.0/0"),
			SecurityGroupIDSelector: selectController(nil),
		},
	}}})

	parts = append(parts, Part{Name: NameS3Endpoint, Object: &ec2v1beta1.VPCEndpoint{Spec: ec2v1beta1.VPCEndpointSpec{
		ResourceSpec: providerSpec(s),
		ForProvider: ec2v1beta1.VPCEndpointParameters_2{
			Region:          region,
			ServiceName:     ptr("com.amazonaws." + s.Spec.Region + ".s3"),
			VPCEndpointType: ptr("Gateway"),
			VPCIDSelector:   vpc,
		},
	}}})
	tiers := []string{SubnetPrivate}
	if s.Spec.Network.Public {
		tiers = append(tiers, SubnetPublic)
	}
	for _, t := range tiers {
		parts = append(parts, Part{Name: NameEndpointAssociation(t), Object: &ec2v1beta1.VPCEndpointRouteTableAssociation{Spec: ec2v1beta1.VPCEndpointRouteTableAssociationSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: ec2v1beta1.VPCEndpointRouteTableAssociationParameters{
				Region:                region,
				RouteTableIDSelector:  selectController(map[string]string{LabelRouteTable: t}),
				VPCEndpointIDSelector: selectController(nil),
			},
		}}})
	}
	return parts
}

// VPC is the space's VPC.
func VPC(s *Space) *ec2v1beta1.VPC {
	return &ec2v1beta1.VPC{
		Spec: ec2v1beta1.VPCSpec{
			ResourceSpec: providerSpec(s),
			ForProvider: ec2v1beta1.VPCParameters_2{
				Region:             ptr(s.Spec.Region),
				CidrBlock:          ptr(s.CIDR.String()),
				EnableDNSHostnames: ptr(true),
				EnableDNSSupport:   ptr(true),
			},
		},
	}
}

// providerSpec is the ResourceSpec every provider-aws resource of s shares.
func providerSpec(s *Space) xpv1.ResourceSpec {
	rs := xpv1.ResourceSpec{}
	if s.Input != nil && s.Input.Identity.ProviderConfigName != "" {
		rs.ProviderConfigReference = &xpv1.Reference{Name: s.Input.Identity.ProviderConfigName}
	}
	return rs
}

package main

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"

	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestCarveSubnets(t *testing.T) {
	type args struct {
		cidr   string
		zones  int
		public bool
	}
	type want struct {
		subnets []string
		errs    []string
	}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"PrivateTwoZones": {
			reason: "A /16 is cut into /20s; private subnets take the first blocks.",
			args:   args{cidr: "10.20.0.0/16", zones: 2},
			want:   want{subnets: []string{"private-a eu-west-1a 10.20.0.0/20", "private-b eu-west-1b 10.20.16.0/20"}},
		},
		"PublicThreeZones": {
			reason: "Public subnets start at the ninth block, so adding them never moves a private subnet.",
			args:   args{cidr: "10.40.0.0/16", zones: 3, public: true},
			want: want{subnets: []string{
				"private-a eu-west-1a 10.40.0.0/20", "private-b eu-west-1b 10.40.16.0/20", "private-c eu-west-1c 10.40.32.0/20",
				"public-a eu-west-1a 10.40.128.0/20", "public-b eu-west-1b 10.40.144.0/20", "public-c eu-west-1c 10.40.160.0/20",
			}},
		},
		"SmallestVPC": {
			reason: "A /24 gives /28 subnets, the smallest AWS allows.",
			args:   args{cidr: "192.168.7.0/24", zones: 6, public: true},
			want: want{subnets: []string{
				"private-a eu-west-1a 192.168.7.0/28", "private-b eu-west-1b 192.168.7.16/28", "private-c eu-west-1c 192.168.7.32/28",
				"private-d eu-west-1d 192.168.7.48/28", "private-e eu-west-1e 192.168.7.64/28", "private-f eu-west-1f 192.168.7.80/28",
				"public-a eu-west-1a 192.168.7.128/28", "public-b eu-west-1b 192.168.7.144/28", "public-c eu-west-1c 192.168.7.160/28",
				"public-d eu-west-1d 192.168.7.176/28", "public-e eu-west-1e 192.168.7.192/28", "public-f eu-west-1f 192.168.7.208/28",
			}},
		},
		"TooSmall": {
			reason: "A /25 cannot hold sixteen /28 subnets.",
			args:   args{cidr: "10.0.0.0/25", zones: 2},
			want:   want{errs: []string{"Invalid value: spec.network.cidr"}},
		},
		"TooManyZones": {
			reason: "At most six zones.",
			args:   args{cidr: "10.0.0.0/16", zones: 7},
			want:   want{errs: []string{"Invalid value: spec.network.availabilityZones"}},
		},
		"NotIPv4": {
			reason: "Only IPv4 blocks.",
			args:   args{cidr: "fd00::/48", zones: 1},
			want:   want{errs: []string{"Invalid value: spec.network.cidr"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pfx, _ := netip.ParsePrefix(tc.args.cidr)
			sns, errs := CarveSubnets(field.NewPath("spec", "network"), "eu-west-1", pfx, letters(tc.args.zones), tc.args.public)
			got := want{errs: errFields(errs)}
			for _, sn := range sns {
				got.subnets = append(got.subnets, sn.ID()+" "+sn.AvailabilityZone+" "+sn.CIDR.String())
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nCarveSubnets(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNetwork(t *testing.T) {
	cases := map[string]struct {
		reason string
		public bool
		want   []string
	}{
		"Private": {
			reason: "A private network has no internet gateway and no public route table.",
			want: []string{
				"vpc", "route-table-private", "subnet-private-a", "route-table-association-private-a", "subnet-private-b", "route-table-association-private-b",
				"security-group", "security-group-egress", "s3-endpoint", "s3-endpoint-private",
			},
		},
		"Public": {
			reason: "A public network adds public subnets, an internet gateway, a public route table with a default route, and their associations.",
			public: true,
			want: []string{
				"vpc", "route-table-private", "internet-gateway", "route-table-public", "route-public-default",
				"subnet-private-a", "route-table-association-private-a", "subnet-private-b", "route-table-association-private-b",
				"subnet-public-a", "route-table-association-public-a", "subnet-public-b", "route-table-association-public-b",
				"security-group", "security-group-egress", "s3-endpoint", "s3-endpoint-private", "s3-endpoint-public",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.Public = tc.public }), composeInput())
			sns, _ := CarveSubnets(field.NewPath("spec", "network"), s.Spec.Region, s.CIDR, letters(2), tc.public)
			var got []string
			for _, p := range Network(s, sns) {
				got = append(got, string(p.Name))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nNetwork(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestRouteSelectsByLabel(t *testing.T) {
	s := composeSpace(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.Public = true }), composeInput())
	sns, _ := CarveSubnets(field.NewPath("spec", "network"), s.Spec.Region, s.CIDR, letters(2), true)
	for _, p := range Network(s, sns) {
		if p.Name != NameSubnetAssociation(sns[3]) {
			continue
		}
		rta := p.Object.(*ec2v1beta1.RouteTableAssociation)
		want := &ec2v1beta1.RouteTableAssociationParameters{
			Region:               ptr("eu-west-1"),
			SubnetIDSelector:     selectController(map[string]string{LabelSubnet: "public-b"}),
			RouteTableIDSelector: selectController(map[string]string{LabelRouteTable: "public"}),
		}
		if diff := cmp.Diff(want, &rta.Spec.ForProvider); diff != "" {
			t.Errorf("The public subnet's association selects its subnet and the public route table by label and controller.\n-want, +got:\n%s", diff)
		}
		return
	}
	t.Fatal("no association of subnet public-b")
}

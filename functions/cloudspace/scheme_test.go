package main

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/function-sdk-go/resource/composed"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

func TestAddToScheme(t *testing.T) {
	xr := withXR(func(xr *v1alpha1.XCloudSpace) {
		xr.Spec.Environment = v1alpha1.EnvironmentProd
		xr.Spec.Network.Public = true
	})
	p, errs := NewPlan(composeSpace(t, xr, composeInput()))
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	for _, pt := range p.Parts {
		if _, ok := pt.Object.(*unstructured.Unstructured); ok {
			continue
		}
		if _, _, err := composed.Scheme.ObjectKinds(pt.Object); err != nil {
			t.Errorf("%s: %T is not registered in composed.Scheme: %v", pt.Name, pt.Object, err)
		}
	}
}

// TestComposedStructOfEveryKind converts every kind the composer emits, as
// composed, both with xfn.ComposedStruct and as the SDK's composed.From
// and structpb.NewStruct convert it, which go through JSON: the results
// must be the same, and typed objects must convert without JSON, or the
// conversion loses most of its speed.
func TestComposedStructOfEveryKind(t *testing.T) {
	cases := map[string]struct {
		reason string
		xr     *v1alpha1.XCloudSpace
		in     *fnv1alpha1.Composer
	}{
		"PrivateDev": {
			reason: "A private dev space composes the private network, identity, storage, key, budget and the tenant objects.",
			xr:     composeXR(),
			in:     composeInput(),
		},
		"PublicProdGPU": {
			reason: "A public prod space adds a gateway, a route and versioning; a GPU quota goes into the ResourceQuota.",
			xr: withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.Environment = v1alpha1.EnvironmentProd
				xr.Spec.Tier = v1alpha1.TierLarge
				xr.Spec.Network = v1alpha1.NetworkSpec{CIDR: "10.40.0.0/16", AvailabilityZones: ptr(3), Public: true}
				xr.Spec.Resources = v1alpha1.ResourcesSpec{CPU: "32", Memory: "128Gi", Storage: "1Ti", GPU: "2"}
			}),
			in: composeInput(),
		},
		"Remote": {
			reason: "Remote tenant objects are wrapped in provider-kubernetes Objects, which are unstructured.",
			xr:     composeXR(),
			in: withInput(func(in *fnv1alpha1.Composer) {
				in.Tenant.Target = fnv1alpha1.TenantTargetRemote
				in.Tenant.ProviderConfigName = "tenant"
			}),
		},
	}
	observed := xfn.Observed{NameNamespace: &structpb.Struct{}}
	kinds := map[string]bool{}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := composeSpace(t, tc.xr, tc.in)
			// Each path gets objects of its own: both set the kind.
			viaJSON, err := Compose(s, observed)
			if err != nil {
				t.Fatal(err)
			}
			direct, err := Compose(s, observed)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range direct.Resources {
				u, err := composed.From(viaJSON.Resources[i].Object)
				if err != nil {
					t.Fatalf("composed.From(%s): %v", r.Name, err)
				}
				delete(u.Object, "status")
				want, err := structpb.NewStruct(u.Object)
				if err != nil {
					t.Fatalf("structpb.NewStruct(%s): %v", r.Name, err)
				}
				if _, ok := r.Object.(*unstructured.Unstructured); !ok {
					if err := xfn.ConvertsDirectly(r.Object); err != nil {
						t.Errorf("%s\n%s: %v", tc.reason, r.Name, err)
					}
				}
				got, err := xfn.ComposedStruct(r.Object)
				if err != nil {
					t.Fatalf("xfn.ComposedStruct(%s): %v", r.Name, err)
				}
				if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
					t.Errorf("%s\nxfn.ComposedStruct(%s): -composed.From +got:\n%s", tc.reason, r.Name, diff)
				}
				kinds[u.GetAPIVersion()+" "+u.GetKind()] = true
			}
		})
	}
	want := []string{
		"budgets.aws.upbound.io/v1beta1 Budget",
		"ec2.aws.upbound.io/v1beta1 InternetGateway",
		"ec2.aws.upbound.io/v1beta1 Route",
		"ec2.aws.upbound.io/v1beta1 RouteTable",
		"ec2.aws.upbound.io/v1beta1 RouteTableAssociation",
		"ec2.aws.upbound.io/v1beta1 SecurityGroup",
		"ec2.aws.upbound.io/v1beta1 SecurityGroupEgressRule",
		"ec2.aws.upbound.io/v1beta1 Subnet",
		"ec2.aws.upbound.io/v1beta1 VPC",
		"ec2.aws.upbound.io/v1beta1 VPCEndpoint",
		"ec2.aws.upbound.io/v1beta1 VPCEndpointRouteTableAssociation",
		"iam.aws.upbound.io/v1beta1 Policy",
		"iam.aws.upbound.io/v1beta1 Role",
		"iam.aws.upbound.io/v1beta1 RolePolicyAttachment",
		"kms.aws.upbound.io/v1beta1 Alias",
		"kms.aws.upbound.io/v1beta1 Key",
		"kubernetes.crossplane.io/v1alpha2 Object",
		"networking.k8s.io/v1 NetworkPolicy",
		"rbac.authorization.k8s.io/v1 RoleBinding",
		"s3.aws.upbound.io/v1beta1 Bucket",
		"s3.aws.upbound.io/v1beta1 BucketPolicy",
		"s3.aws.upbound.io/v1beta1 BucketPublicAccessBlock",
		"s3.aws.upbound.io/v1beta1 BucketServerSideEncryptionConfiguration",
		"s3.aws.upbound.io/v1beta1 BucketVersioning",
		"v1 LimitRange",
		"v1 Namespace",
		"v1 ResourceQuota",
	}
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(kinds))); diff != "" {
		t.Errorf("The cases must cover every kind the composer emits: -want +got:\n%s", diff)
	}
}

package main

import (
	"maps"
	"os"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// composeXR is the claim of the composer's tests: a dev space of tier
// medium with a private network in two zones.
func composeXR() *v1alpha1.XCloudSpace {
	return &v1alpha1.XCloudSpace{
		ObjectMeta: metav1.ObjectMeta{Name: "checkout-7x9kq", Labels: map[string]string{
			LabelClaimName: "checkout", LabelClaimNamespace: "team-payments",
		}},
		Spec: v1alpha1.XCloudSpaceSpec{
			Team: "payments", Environment: v1alpha1.EnvironmentDev, Owner: "lead@example.com",
			CostCenter: "cc-4711", Tier: v1alpha1.TierMedium, Region: "eu-west-1",
			Network:   v1alpha1.NetworkSpec{CIDR: "10.20.0.0/16", AvailabilityZones: ptr(2)},
			Resources: v1alpha1.ResourcesSpec{CPU: "8", Memory: "16Gi", Storage: "100Gi"},
			Budget:    v1alpha1.BudgetSpec{MonthlyLimit: "1200.00", AlertThresholds: []int{50, 80, 100}},
			Tags:      map[string]string{"project": "checkout"},
		},
	}
}

// composeInput is the function input of the composer's tests.
func composeInput() *fnv1alpha1.Composer {
	return &fnv1alpha1.Composer{
		Tenant:   fnv1alpha1.TenantSpec{Target: fnv1alpha1.TenantTargetLocal, ClusterRole: "edit", GroupPrefix: "team:"},
		Identity: fnv1alpha1.IdentitySpec{TrustPrincipal: "arn:aws:iam::123456789012:role/platform-admins", ProviderConfigName: "default"},
		Tiers: []fnv1alpha1.TierSpec{
			{
				Name:             v1alpha1.TierMedium,
				MaxMonthlyBudget: "2000.00",
				Max:              v1alpha1.QuotaAmounts{CPU: "16", Memory: "64Gi", Storage: "500Gi", GPU: "0", Pods: "150", LoadBalancers: "2"},
				LimitRange: v1alpha1.LimitRangeSpec{
					Default:              &v1alpha1.ComputeResources{CPU: "1", Memory: "1Gi"},
					DefaultRequest:       &v1alpha1.ComputeResources{CPU: "250m", Memory: "256Mi"},
					Min:                  &v1alpha1.ComputeResources{CPU: "10m", Memory: "16Mi"},
					Max:                  &v1alpha1.ComputeResources{CPU: "8", Memory: "32Gi"},
					MaxLimitRequestRatio: &v1alpha1.ComputeResources{CPU: "10", Memory: "4"},
					MinStorage:           "1Gi",
					MaxStorage:           "200Gi",
				},
			},
			{
				Name:             v1alpha1.TierLarge,
				MaxMonthlyBudget: "10000.00",
				Max:              v1alpha1.QuotaAmounts{CPU: "64", Memory: "256Gi", Storage: "2Ti", GPU: "4", Pods: "500", LoadBalancers: "5"},
				LimitRange: v1alpha1.LimitRangeSpec{
					Default:              &v1alpha1.ComputeResources{CPU: "2", Memory: "4Gi"},
					DefaultRequest:       &v1alpha1.ComputeResources{CPU: "500m", Memory: "1Gi"},
					Min:                  &v1alpha1.ComputeResources{CPU: "10m", Memory: "16Mi"},
					Max:                  &v1alpha1.ComputeResources{CPU: "32", Memory: "128Gi"},
					MaxLimitRequestRatio: &v1alpha1.ComputeResources{CPU: "10", Memory: "4"},
					MinStorage:           "1Gi",
					MaxStorage:           "1Ti",
				},
			},
		},
	}
}

// TestMain registers the composed types once, as main does.
func TestMain(m *testing.M) {
	if err := AddToScheme(composed.Scheme); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// composeSpace returns the validated space of xr and in, failing the test
// when they are invalid.
func composeSpace(t testing.TB, xr *v1alpha1.XCloudSpace, in *fnv1alpha1.Composer) *Space {
	t.Helper()
	s, errs := NewSpace(xr, in)
	if len(errs) > 0 {
		t.Fatalf("NewSpace(...): %v", errs.ToAggregate())
	}
	return s
}

// withXR returns composeXR changed by fn.
func withXR(fn func(xr *v1alpha1.XCloudSpace)) *v1alpha1.XCloudSpace {
	xr := composeXR()
	fn(xr)
	return xr
}

// withInput returns composeInput changed by fn.
func withInput(fn func(in *fnv1alpha1.Composer)) *fnv1alpha1.Composer {
	in := composeInput()
	fn(in)
	return in
}

// errStrings returns the messages of errs, for comparison.
func errStrings(errs field.ErrorList) []string {
	if len(errs) == 0 {
		return nil
	}
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// errFields returns the type and field of each error, such as
// "Invalid value: spec.tags[team]", for comparison.
func errFields(errs field.ErrorList) []string {
	if len(errs) == 0 {
		return nil
	}
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Type.String()+": "+e.Field)
	}
	return out
}

// runRequest is a RunFunctionRequest for xr and in as Crossplane sends it
// to the first step of the pipeline, with observed composed resources by
// name, and opts.
func runRequest(xr *v1alpha1.XCloudSpace, in *fnv1alpha1.Composer, observed map[string]map[string]any, opts ...xfntest.Option) *fnv1.RunFunctionRequest {
	xr.APIVersion, xr.Kind = v1alpha1.SchemeGroupVersion.String(), v1alpha1.CompositeKind
	in.APIVersion, in.Kind = fnv1alpha1.SchemeGroupVersion.String(), fnv1alpha1.ComposerKind
	o := []xfntest.Option{
		xfntest.WithTag("test"),
		xfntest.WithInput(in),
		xfntest.WithObservedComposite(xr),
		xfntest.WithDesiredComposite(map[string]any{"apiVersion": xr.APIVersion, "kind": xr.Kind}, fnv1.Ready_READY_UNSPECIFIED),
	}
	for _, name := range slices.Sorted(maps.Keys(observed)) {
		o = append(o, xfntest.WithObserved(name, observed[name]))
	}
	return xfntest.Request(append(o, opts...)...)
}

// letters returns the zone letters a, b, c and on, n of them.
func letters(n int) []string {
	out := make([]string, max(n, 0))
	for i := range out {
		out[i] = string(rune('a' + i))
	}
	return out
}

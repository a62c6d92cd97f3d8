package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestResolveLimitRange(t *testing.T) {
	type want struct {
		lr   *v1alpha1.LimitRangeSpec
		errs []string
	}
	medium := composeInput().Tiers[0].LimitRange
	capped := medium
	capped.Max = &v1alpha1.ComputeResources{CPU: "8", Memory: "16Gi"}
	capped.MaxStorage = "100Gi"
	cases := map[string]struct {
		reason string
		lr     *v1alpha1.LimitRangeSpec
		res    *v1alpha1.ResourcesSpec
		want   want
	}{
		"TierDefaultsCappedAtQuota": {
			reason: "The tier's values apply; its memory and storage maximums are capped at the namespace quota.",
			want:   want{lr: &capped},
		},
		"OverrideWithinBounds": {
			reason: "The claim may override values within the tier's bounds.",
			lr: &v1alpha1.LimitRangeSpec{
				Default:        &v1alpha1.ComputeResources{CPU: "2"},
				DefaultRequest: &v1alpha1.ComputeResources{CPU: "500m"},
				MaxStorage:     "50Gi",
			},
			want: want{lr: func() *v1alpha1.LimitRangeSpec {
				l := capped
				l.Default = &v1alpha1.ComputeResources{CPU: "2", Memory: "1Gi"}
				l.DefaultRequest = &v1alpha1.ComputeResources{CPU: "500m", Memory: "256Mi"}
				l.MaxStorage = "50Gi"
				return &l
			}()},
		},
		"OutsideTierBounds": {
			reason: "Overrides outside the tier's min and max, ratio or storage bounds are rejected, each naming its field.",
			lr: &v1alpha1.LimitRangeSpec{
				Min:                  &v1alpha1.ComputeResources{CPU: "1m"},
				Max:                  &v1alpha1.ComputeResources{Memory: "64Gi"},
				MaxLimitRequestRatio: &v1alpha1.ComputeResources{CPU: "20"},
				MaxStorage:           "300Gi",
			},
			want: want{errs: []string{
				"Invalid value: spec.limitRange.min.cpu",
				"Invalid value: spec.limitRange.max.memory",
				"Invalid value: spec.limitRange.maxLimitRequestRatio.cpu",
				"Invalid value: spec.limitRange.maxStorage",
				"Invalid value: spec.limitRange.max.memory",
				"Invalid value: spec.limitRange.maxStorage",
			}},
		},
		"Inconsistent": {
			reason: "min <= defaultRequest <= default <= max must hold; the field the claim set is named.",
			lr: &v1alpha1.LimitRangeSpec{
				DefaultRequest: &v1alpha1.ComputeResources{CPU: "2"},
				Default:        &v1alpha1.ComputeResources{Memory: "8Gi"},
			},
			want: want{errs: []string{
				"Invalid value: spec.limitRange.defaultRequest.cpu",
				"Invalid value: spec.limitRange.maxLimitRequestRatio.memory",
			}},
		},
		"RatioBroken": {
			reason: "The default limit over the default request may not exceed the ratio.",
			lr: &v1alpha1.LimitRangeSpec{
				Default:        &v1alpha1.ComputeResources{CPU: "4"},
				DefaultRequest: &v1alpha1.ComputeResources{CPU: "100m"},
			},
			want: want{errs: []string{"Invalid value: spec.limitRange.maxLimitRequestRatio.cpu"}},
		},
		"MaxAboveQuota": {
			reason: "A claim's container maximum may not exceed the namespace quota.",
			lr:     &v1alpha1.LimitRangeSpec{Max: &v1alpha1.ComputeResources{CPU: "6"}},
			res:    &v1alpha1.ResourcesSpec{CPU: "4", Memory: "16Gi"},
			want:   want{errs: []string{"Invalid value: spec.limitRange.max.cpu"}},
		},
		"QuotaBelowDefault": {
			reason: "A quota below the tier's default limit caps the default and the maximum at the quota, as the maximum alone was.",
			res:    &v1alpha1.ResourcesSpec{CPU: "500m", Memory: "16Gi", Storage: "100Gi"},
			want: want{lr: func() *v1alpha1.LimitRangeSpec {
				l := capped
				l.Default = &v1alpha1.ComputeResources{CPU: "500m", Memory: "1Gi"}
				l.Max = &v1alpha1.ComputeResources{CPU: "500m", Memory: "16Gi"}
				return &l
			}()},
		},
		"QuotaBelowDefaultRequest": {
			reason: "A quota below the tier's default request caps it too.",
			res:    &v1alpha1.ResourcesSpec{CPU: "100m", Memory: "16Gi", Storage: "100Gi"},
			want: want{lr: func() *v1alpha1.LimitRangeSpec {
				l := capped
				l.Default = &v1alpha1.ComputeResources{CPU: "100m", Memory: "1Gi"}
				l.DefaultRequest = &v1alpha1.ComputeResources{CPU: "100m", Memory: "256Mi"}
				l.Max = &v1alpha1.ComputeResources{CPU: "100m", Memory: "16Gi"}
				return &l
			}()},
		},
		"ClaimDefaultAboveQuota": {
			reason: "A default the claim sets above the namespace quota is refused, naming the quota the claim can raise.",
			lr:     &v1alpha1.LimitRangeSpec{Default: &v1alpha1.ComputeResources{CPU: "2"}},
			res:    &v1alpha1.ResourcesSpec{CPU: "1", Memory: "16Gi"},
			want:   want{errs: []string{"Invalid value: spec.limitRange.default.cpu"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Spec.LimitRange = tc.lr
				if tc.res != nil {
					xr.Spec.Resources = *tc.res
				}
			})
			s := composeSpace(t, xr, composeInput())
			lr, errs := ResolveLimitRange(s)
			got := want{errs: errFields(errs)}
			if len(errs) == 0 {
				got.lr = &lr
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nResolveLimitRange(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestHugeQuantitiesRejectedFast(t *testing.T) {
	// Comparing quantities with huge exponents takes time that grows faster
	// than the exponent; validation must reject them before any comparison.
	for _, v := range []v1alpha1.Quantity{"1e99999999", "1e-99999999", v1alpha1.Quantity("1" + strings.Repeat("0", 100))} {
		xr := withXR(func(xr *v1alpha1.XCloudSpace) {
			xr.Spec.Resources.CPU = v
			xr.Spec.LimitRange = &v1alpha1.LimitRangeSpec{Max: &v1alpha1.ComputeResources{CPU: v}}
		})
		start := time.Now()
		_, errs := NewSpace(xr, composeInput())
		if d := time.Since(start); d > time.Second {
			t.Errorf("NewSpace(cpu %.20s...): took %v", v, d)
		}
		if got := errFields(errs); !slices.Contains(got, "Invalid value: spec.resources.cpu") && !slices.Contains(got, "Too long: spec.resources.cpu") {
			t.Errorf("NewSpace(cpu %.20s...): want spec.resources.cpu rejected, got %v", v, got)
		}
	}
}

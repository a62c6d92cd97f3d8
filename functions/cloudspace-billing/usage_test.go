package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestQuotaUsage(t *testing.T) {
	type want struct {
		usage []Usage
		ok    bool
	}
	cases := map[string]struct {
		reason string
		objs   map[resource.Name]runtime.Object
		want   want
	}{
		"UsedAndHard": {
			reason: "priced dimensions are read in order, as exact numbers of cores and bytes",
			objs: map[resource.Name]runtime.Object{"resource-quota": quota(
				map[string]string{"requests.cpu": "8", "requests.memory": "16Gi", "requests.storage": "100Gi", "pods": "150"},
				map[string]string{"requests.cpu": "6500m", "requests.memory": "12Gi", "pods": "37"},
			)},
			want: want{ok: true, usage: []Usage{
				{Dimension: "cpu", Used: dec("6.5"), Hard: dec("8"), UsedQuantity: "6500m", HardQuantity: "8"},
				{Dimension: "memory", Used: dec("12884901888"), Hard: dec("17179869184"), UsedQuantity: "12Gi", HardQuantity: "16Gi"},
				{Dimension: "storage", Used: dec("0"), Hard: dec("107374182400"), UsedQuantity: "0", HardQuantity: "100Gi"},
			}},
		},
		"Remote": {
			reason: "a ResourceQuota in a remote cluster is read from its provider-kubernetes Object's observed manifest",
			objs:   map[resource.Name]runtime.Object{"remote-resource-quota": remoteObject(quota(map[string]string{"requests.cpu": "8"}, map[string]string{"requests.cpu": "2"}))},
			want:   want{ok: true, usage: []Usage{{Dimension: "cpu", Used: dec("2"), Hard: dec("8"), UsedQuantity: "2", HardQuantity: "8"}}},
		},
		"NoQuota": {
			reason: "no observed ResourceQuota, no usage",
			objs:   map[resource.Name]runtime.Object{"vpc": vpc("vpc-0a1")},
		},
		"NoStatusYet": {
			reason: "a quota the API server has not filled in yet has no usage",
			objs:   map[resource.Name]runtime.Object{"resource-quota": quota(nil, nil)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			usage, ok, err := QuotaUsage(observedOf(t, tc.objs))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, want{usage: usage, ok: ok}, cmp.AllowUnexported(want{}), equateDecimals, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nQuotaUsage(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestUnusedCapacityCost(t *testing.T) {
	est := &v1alpha1.CostEstimate{Monthly: "900.00", Currency: "USD", Items: []v1alpha1.CostItem{
		{Name: "cpu", Monthly: "480.00"}, {Name: "memory", Monthly: "64.00"}, {Name: "network", Monthly: "340.00"}, {Name: "storage", Monthly: "10.00"},
	}}
	type want struct {
		cost string
		ok   bool
	}
	cases := map[string]struct {
		reason string
		usage  []Usage
		est    *v1alpha1.CostEstimate
		want   want
	}{
		"Unused": {
			reason: "a quarter of cpu, a quarter of memory and four fifths of storage unused",
			usage: []Usage{
				{Dimension: "cpu", Used: dec("6"), Hard: dec("8")},
				{Dimension: "memory", Used: dec("12"), Hard: dec("16")},
				{Dimension: "storage", Used: dec("20"), Hard: dec("100")},
			},
			est:  est,
			want: want{cost: "144", ok: true},
		},
		"OverUseIsNotCredit": {
			reason: "using more than the quota (possible while it shrinks) leaves nothing unused",
			usage:  []Usage{{Dimension: "cpu", Used: dec("9"), Hard: dec("8")}},
			est:    est,
			want:   want{cost: "0", ok: true},
		},
		"Unpriced": {
			reason: "a dimension the estimate does not price costs nothing and says nothing",
			usage:  []Usage{{Dimension: "gpu", Used: dec("0"), Hard: dec("2")}},
			est:    est,
			want:   want{cost: "0", ok: false},
		},
		"ZeroHard": {
			reason: "a dimension with no quota has no unused share",
			usage:  []Usage{{Dimension: "cpu", Used: dec("0"), Hard: dec("0")}},
			est:    est,
			want:   want{cost: "0", ok: false},
		},
		"NoEstimate": {
			reason: "without the composer's estimate there are no prices",
			usage:  []Usage{{Dimension: "cpu", Used: dec("6"), Hard: dec("8")}},
			want:   want{cost: "0", ok: false},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cost, ok, err := UnusedCapacityCost(tc.usage, tc.est)
			if err != nil {
				t.Fatal(err)
			}
			if !cost.Equal(dec(tc.want.cost)) || ok != tc.want.ok {
				t.Errorf("%s\nUnusedCapacityCost(...): want %s %t, got %s %t", tc.reason, tc.want.cost, tc.want.ok, cost, ok)
			}
		})
	}
}

func TestQuotaUsageMalformed(t *testing.T) {
	q := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ResourceQuota", "metadata": map[string]any{"name": "cloudspace"},
		"status": map[string]any{"hard": map[string]any{"requests.cpu": "eight"}},
	}}
	_, _, err := QuotaUsage(observedOf(t, map[resource.Name]runtime.Object{"resource-quota": q}))
	want := `cannot parse status.hard["requests.cpu"] of ResourceQuota "cloudspace": "eight" is not a quantity: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`
	if err == nil || err.Error() != want {
		t.Errorf("QuotaUsage(...): a quantity that does not parse names its field: want error %q, got %v", want, err)
	}
	r := Assess(Inputs{XR: &v1alpha1.XCloudSpace{}, Observed: observedOf(t, map[resource.Name]runtime.Object{"resource-quota": q}), Config: &Config{}})
	if r.Skipped == nil || r.Status != nil {
		t.Errorf("Assess(...): a malformed quota leaves the unused capacity cost out and goes on, got status %+v, skipped %v", r.Status, r.Skipped)
	}
}

func TestUsageStatus(t *testing.T) {
	usage := []Usage{
		{Dimension: "cpu", Used: decimal.RequireFromString("2.5"), Hard: decimal.RequireFromString("8"), UsedQuantity: "2500m", HardQuantity: "8"},
		{Dimension: "gpu", Used: decimal.Zero, Hard: decimal.Zero, UsedQuantity: "0", HardQuantity: "0"},
	}
	want := []v1alpha1.QuotaUsage{
		{Dimension: "cpu", Used: "2500m", Hard: "8", UsedPercent: "31.3"},
		{Dimension: "gpu", Used: "0", Hard: "0"},
	}
	if diff := cmp.Diff(want, UsageStatus(usage)); diff != "" {
		t.Errorf("UsageStatus: quantities as written, percent of non-zero limits only: -want +got:\n%s", diff)
	}
}

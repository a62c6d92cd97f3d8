package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Dimension is a quota dimension that the composer's estimate prices: its
// name is both the estimate item's name and the status.quota field, and
// Key the ResourceQuota resource name that bounds it.
type Dimension struct {
	Name string
	Key  string
}

// PricedDimensions are the requested capacity dimensions whose unused part
// has a cost. Pods and load balancers are counted, not priced per unit of
// capacity.
func PricedDimensions() []Dimension {
	return []Dimension{
		{Name: "cpu", Key: "requests.cpu"},
		{Name: "memory", Key: "requests.memory"},
		{Name: "storage", Key: "requests.storage"},
		{Name: "gpu", Key: "requests.nvidia.com/gpu"},
	}
}

// Usage is how much of one quota dimension the tenant namespace uses.
type Usage struct {
	Dimension  string
	Used, Hard decimal.Decimal
	// As the ResourceQuota reports them, for status.
	UsedQuantity, HardQuantity string
}

// QuotaUsage reads the used and hard amounts of the priced dimensions from
// the observed ResourceQuota of the tenant namespace, composed directly or
// wrapped in a provider-kubernetes Object for a remote cluster. ok is false
// when no ResourceQuota has been observed or it reports no status yet.
func QuotaUsage(observed Observed) (usage []Usage, ok bool, err error) {
	name, status := findQuota(observed)
	hard, _ := status["hard"].(map[string]any)
	used, _ := status["used"].(map[string]any)
	if len(hard) == 0 {
		return nil, false, nil
	}
	for _, d := range PricedDimensions() {
		h, ok := hard[d.Key]
		if !ok {
			continue
		}
		hq, err := quantityDecimal(h)
		if err != nil {
			return nil, false, fmt.Errorf("cannot parse status.hard[%q] of ResourceQuota %q: %w", d.Key, name, err)
		}
		uq := decimal.Zero
		if u, ok := used[d.Key]; ok {
			if uq, err = quantityDecimal(u); err != nil {
				return nil, false, fmt.Errorf("cannot parse status.used[%q] of ResourceQuota %q: %w", d.Key, name, err)
			}
		}
		us, _ := used[d.Key].(string)
		if us == "" {
			us = "0"
		}
		hs, _ := h.(string)
		usage = append(usage, Usage{Dimension: d.Name, Used: uq, Hard: hq, UsedQuantity: us, HardQuantity: hs})
	}
	return usage, true, nil
}

// findQuota returns the name and status of the observed ResourceQuota with
// the smallest resource name, or a nil status.
func findQuota(observed Observed) (name string, status map[string]any) {
	for _, rn := range slices.Sorted(maps.Keys(observed)) {
		r := observed[rn].Resource
		if r == nil {
			continue
		}
		gvk := r.GetObjectKind().GroupVersionKind()
		switch {
		case gvk.Group == "" && gvk.Kind == "ResourceQuota":
			st, _ := r.Object["status"].(map[string]any)
			return r.GetName(), st
		case strings.HasPrefix(gvk.Group, "kubernetes.") && strings.HasSuffix(gvk.Group, "crossplane.io") && gvk.Kind == "Object":
			// provider-kubernetes reports the remote object as observed
			// under status.atProvider.manifest.
			var m map[string]any
			if err := r.GetValueInto("status.atProvider.manifest", &m); err != nil {
				continue
			}
			if m["apiVersion"] != "v1" || m["kind"] != "ResourceQuota" {
				continue
			}
			st, _ := m["status"].(map[string]any)
			meta, _ := m["metadata"].(map[string]any)
			n, _ := meta["name"].(string)
			return n, st
		}
	}
	return "", nil
}

func quantityDecimal(v any) (decimal.Decimal, error) {
	s, ok := v.(string)
	if !ok {
		return decimal.Zero, fmt.Errorf("%v is not a quantity", v)
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not a quantity: %w", s, err)
	}
	return decimal.NewFromString(q.AsDec().String())
}

// UnusedCapacityCost is the monthly cost of the requested but unused
// capacity: for each priced dimension, the estimate item's monthly cost
// times the unused share of the hard limit. Over-use counts as no unused
// capacity. ok is false when the estimate prices none of the dimensions
// used.
func UnusedCapacityCost(usage []Usage, est *v1alpha1.CostEstimate) (cost decimal.Decimal, ok bool, err error) {
	if est == nil {
		return decimal.Zero, false, nil
	}
	prices := map[string]decimal.Decimal{}
	for _, it := range est.Items {
		p, err := decimal.NewFromString(it.Monthly)
		if err != nil {
			return decimal.Zero, false, fmt.Errorf("cannot parse status.estimate item %q monthly cost %q: %w", it.Name, it.Monthly, err)
		}
		prices[it.Name] = p
	}
	for _, u := range usage {
		p, priced := prices[u.Dimension]
		if !priced || !u.Hard.IsPositive() {
			continue
		}
		ok = true
		unused := u.Hard.Sub(u.Used)
		if !unused.IsPositive() {
			continue
		}
		cost = cost.Add(p.Mul(unused).DivRound(u.Hard, divisionDigits))
	}
	return cost, ok, nil
}

// UsageStatus reports usage as status takes it: quantities as the
// ResourceQuota wrote them, and the used share of each non-zero limit in
// percent with one fraction digit.
func UsageStatus(usage []Usage) []v1alpha1.QuotaUsage {
	out := make([]v1alpha1.QuotaUsage, 0, len(usage))
	for _, u := range usage {
		q := v1alpha1.QuotaUsage{Dimension: u.Dimension, Used: v1alpha1.Quantity(u.UsedQuantity), Hard: v1alpha1.Quantity(u.HardQuantity)}
		if u.Hard.IsPositive() {
			q.UsedPercent = u.Used.Mul(decimal.NewFromInt(100)).DivRound(u.Hard, 1).StringFixed(1)
		}
		out = append(out, q)
	}
	return out
}

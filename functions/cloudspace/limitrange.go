package main

import (
	"fmt"

	"gopkg.in/inf.v0"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// ResolveLimitRange returns the LimitRange values of s: the tier's,
// overridden by the claim's within the tier's bounds, with the container
// and volume maximums capped at the namespace quota unless the claim set
// them. It checks that min <= defaultRequest <= default <= max, that the
// defaults keep the limit to request ratio, and that no maximum exceeds the
// quota. Every problem names its field under spec.limitRange; a value the
// tier supplied says so.
func ResolveLimitRange(s *Space) (v1alpha1.LimitRangeSpec, field.ErrorList) {
	p := field.NewPath("spec", "limitRange")
	tier := s.Tier.LimitRange
	o := s.Spec.LimitRange
	if o == nil {
		o = &v1alpha1.LimitRangeSpec{}
	}
	var errs field.ErrorList

	// Overrides stay within the tier's bounds.
	for _, c := range []struct {
		name string
		v    *v1alpha1.ComputeResources
	}{{"default", o.Default}, {"defaultRequest", o.DefaultRequest}, {"min", o.Min}, {"max", o.Max}} {
		for _, r := range computeNames {
			v, ok := parseQty(compute(c.v, r))
			if !ok {
				continue
			}
			fp := p.Child(c.name, string(r))
			if lo, ok := parseQty(compute(tier.Min, r)); ok && v.Cmp(lo) < 0 {
				errs = append(errs, field.Invalid(fp, v.String(), fmt.Sprintf("must be at least the tier's min %s", lo.String())))
			}
			if hi, ok := parseQty(compute(tier.Max, r)); ok && v.Cmp(hi) > 0 {
				errs = append(errs, field.Invalid(fp, v.String(), fmt.Sprintf("must be at most the tier's max %s", hi.String())))
			}
		}
	}
	for _, r := range computeNames {
		v, ok := parseQty(compute(o.MaxLimitRequestRatio, r))
		if !ok {
			continue
		}
		if hi, ok := parseQty(compute(tier.MaxLimitRequestRatio, r)); ok && v.Cmp(hi) > 0 {
			errs = append(errs, field.Invalid(p.Child("maxLimitRequestRatio", string(r)), v.String(), fmt.Sprintf("must be at most the tier's ratio %s", hi.String())))
		}
	}
	for _, c := range []struct {
		name string
		v    v1alpha1.Quantity
	}{{"minStorage", o.MinStorage}, {"maxStorage", o.MaxStorage}} {
		v, ok := parseQty(c.v)
		if !ok {
			continue
		}
		if lo, ok := parseQty(tier.MinStorage); ok && v.Cmp(lo) < 0 {
			errs = append(errs, field.Invalid(p.Child(c.name), v.String(), fmt.Sprintf("must be at least the tier's minStorage %s", lo.String())))
		}
		if hi, ok := parseQty(tier.MaxStorage); ok && v.Cmp(hi) > 0 {
			errs = append(errs, field.Invalid(p.Child(c.name), v.String(), fmt.Sprintf("must be at most the tier's maxStorage %s", hi.String())))
		}
	}

	lr := v1alpha1.LimitRangeSpec{
		Default:              mergeCompute(tier.Default, o.Default),
		DefaultRequest:       mergeCompute(tier.DefaultRequest, o.DefaultRequest),
		Min:                  mergeCompute(tier.Min, o.Min),
		Max:                  mergeCompute(tier.Max, o.Max),
		MaxLimitRequestRatio: mergeCompute(tier.MaxLimitRequestRatio, o.MaxLimitRequestRatio),
		MinStorage:           tier.MinStorage,
		MaxStorage:           tier.MaxStorage,
	}
	if o.MinStorage != "" {
		lr.MinStorage = o.MinStorage
	}
	if o.MaxStorage != "" {
		lr.MaxStorage = o.MaxStorage
	}

	// No container default or maximum above the namespace quota: cap the
	// tier's (a claim of half a core on a tier whose default limit is one
	// gets a default of half a core), and reject the claim's, naming the
	// quota the claim can raise.
	quota := map[corev1.ResourceName]resource.Quantity{corev1.ResourceCPU: s.CPU, corev1.ResourceMemory: s.Memory}
	for _, r := range computeNames {
		q := quota[r]
		if q.IsZero() {
			continue
		}
		for _, c := range []struct {
			name  string
			claim *v1alpha1.ComputeResources
			v     **v1alpha1.ComputeResources
		}{{"defaultRequest", o.DefaultRequest, &lr.DefaultRequest}, {"default", o.Default, &lr.Default}, {"max", o.Max, &lr.Max}} {
			v, ok := parseQty(compute(*c.v, r))
			if !ok || v.Cmp(q) <= 0 {
				continue
			}
			if compute(c.claim, r) != "" {
				errs = append(errs, field.Invalid(p.Child(c.name, string(r)), v.String(),
					fmt.Sprintf("must be at most the namespace quota spec.resources.%s %s", r, q.String())))
				continue
			}
			*c.v = setCompute(*c.v, r, v1alpha1.Quantity(q.String()))
		}
	}
	if v, ok := parseQty(lr.MaxStorage); ok && !s.Storage.IsZero() && v.Cmp(s.Storage) > 0 {
		if o.MaxStorage != "" {
			errs = append(errs, field.Invalid(p.Child("maxStorage"), v.String(), "must be at most the namespace quota spec.resources.storage "+s.Storage.String()))
		} else {
			lr.MaxStorage = v1alpha1.Quantity(s.Storage.String())
		}
	}

	// min <= defaultRequest <= default <= max, and the ratio holds.
	for _, r := range computeNames {
		chain := []struct {
			name string
			v    v1alpha1.Quantity
			set  bool
		}{
			{"min", compute(lr.Min, r), compute(o.Min, r) != ""},
			{"defaultRequest", compute(lr.DefaultRequest, r), compute(o.DefaultRequest, r) != ""},
			{"default", compute(lr.Default, r), compute(o.Default, r) != ""},
			{"max", compute(lr.Max, r), compute(o.Max, r) != ""},
		}
		for i := range chain {
			a, ok := parseQty(chain[i].v)
			if !ok {
				continue
			}
			for j := i + 1; j < len(chain); j++ {
				b, ok := parseQty(chain[j].v)
				if !ok || a.Cmp(b) <= 0 {
					continue
				}
				// Name the field the claim set; the later one when both or neither.
				at := chain[j]
				if chain[i].set && !chain[j].set {
					at = chain[i]
				}
				if reported(errs, p.Child(at.name, string(r))) {
					continue // Already refused, against the quota: one error a field.
				}
				errs = append(errs, field.Invalid(p.Child(at.name, string(r)), string(at.v)+source(at.set),
					fmt.Sprintf("%s %s must be at most %s %s", chain[i].name, a.String(), chain[j].name, b.String())))
			}
		}
		ratio, ok := parseQty(compute(lr.MaxLimitRequestRatio, r))
		if !ok {
			continue
		}
		lim, lok := parseQty(compute(lr.Default, r))
		req, rok := parseQty(compute(lr.DefaultRequest, r))
		if !lok || !rok || req.IsZero() {
			continue
		}
		// lim / req <= ratio, exactly: lim <= ratio * req.
		if lim.AsDec().Cmp(new(inf.Dec).Mul(ratio.AsDec(), req.AsDec())) > 0 {
			set := compute(o.MaxLimitRequestRatio, r) != ""
			errs = append(errs, field.Invalid(p.Child("maxLimitRequestRatio", string(r)), string(compute(lr.MaxLimitRequestRatio, r))+source(set),
				fmt.Sprintf("default %s over defaultRequest %s exceeds the ratio", lim.String(), req.String())))
		}
	}
	if lo, ok := parseQty(lr.MinStorage); ok {
		if hi, ok := parseQty(lr.MaxStorage); ok && lo.Cmp(hi) > 0 {
			errs = append(errs, field.Invalid(p.Child("minStorage"), string(lr.MinStorage)+source(o.MinStorage != ""), "must be at most maxStorage "+hi.String()))
		}
	}
	return lr, errs
}

// reported reports whether errs has an error on path p.
func reported(errs field.ErrorList, p *field.Path) bool {
	for _, e := range errs {
		if e.Field == p.String() {
			return true
		}
	}
	return false
}

var computeNames = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

// source marks a value the tier supplied rather than the claim.
func source(claim bool) string {
	if claim {
		return ""
	}
	return " (the tier's value)"
}

func compute(c *v1alpha1.ComputeResources, r corev1.ResourceName) v1alpha1.Quantity {
	if c == nil {
		return ""
	}
	if r == corev1.ResourceCPU {
		return c.CPU
	}
	return c.Memory
}

func setCompute(c *v1alpha1.ComputeResources, r corev1.ResourceName, v v1alpha1.Quantity) *v1alpha1.ComputeResources {
	out := &v1alpha1.ComputeResources{}
	if c != nil {
		*out = *c
	}
	if r == corev1.ResourceCPU {
		out.CPU = v
	} else {
		out.Memory = v
	}
	return out
}

// parseQty parses a validated quantity; ok is false when it is empty or,
// defensively, malformed.
func parseQty(v v1alpha1.Quantity) (resource.Quantity, bool) {
	if v == "" {
		return resource.Quantity{}, false
	}
	q, err := resource.ParseQuantity(string(v))
	if err != nil {
		return resource.Quantity{}, false
	}
	return q, true
}

func mergeCompute(base, over *v1alpha1.ComputeResources) *v1alpha1.ComputeResources {
	if over == nil {
		return base
	}
	out := &v1alpha1.ComputeResources{}
	if base != nil {
		*out = *base
	}
	if over.CPU != "" {
		out.CPU = over.CPU
	}
	if over.Memory != "" {
		out.Memory = over.Memory
	}
	return out
}

// computeList turns cpu and memory quantities into a ResourceList.
func computeList(c *v1alpha1.ComputeResources) corev1.ResourceList {
	if c == nil {
		return nil
	}
	l := corev1.ResourceList{}
	for _, r := range computeNames {
		if q, ok := parseQty(compute(c, r)); ok {
			l[r] = q
		}
	}
	if len(l) == 0 {
		return nil
	}
	return l
}

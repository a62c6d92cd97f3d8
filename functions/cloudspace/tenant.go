package main

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Extended resource name of NVIDIA GPUs in a ResourceQuota.
const resourceGPU corev1.ResourceName = "requests.nvidia.com/gpu"

func toObject(o any) runtime.Object { return o.(runtime.Object) } //nolint:forcetypeassert // Every builder returns a runtime.Object.

// TenantNamespaceObject is the tenant namespace, labelled with the cost labels.
func TenantNamespaceObject(s *Space) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: s.Namespace, Labels: s.Labels()},
	}
}

// ResourceQuota is the quota of the tenant namespace: the requested
// resources, and the tier's pod and load balancer counts.
func ResourceQuota(s *Space) *corev1.ResourceQuota {
	hard := corev1.ResourceList{
		corev1.ResourceRequestsCPU:    s.CPU,
		corev1.ResourceLimitsCPU:      s.CPU,
		corev1.ResourceRequestsMemory: s.Memory,
		corev1.ResourceLimitsMemory:   s.Memory,
	}
	if !s.Storage.IsZero() {
		hard[corev1.ResourceRequestsStorage] = s.Storage
	}
	// GPUs are an extended resource: quota them always, so that a space
	// without GPUs cannot schedule any.
	hard[resourceGPU] = s.GPU
	if q, err := resource.ParseQuantity(string(s.Tier.Max.Pods)); err == nil {
		hard[corev1.ResourcePods] = q
	}
	if q, err := resource.ParseQuantity(string(s.Tier.Max.LoadBalancers)); err == nil {
		hard[corev1.ResourceServicesLoadBalancers] = q
	}
	return &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: metav1.ObjectMeta{Name: "cloudspace", Namespace: s.Namespace, Labels: s.Labels()},
		Spec:       corev1.ResourceQuotaSpec{Hard: hard},
	}
}

// ResolveLimitRange merges the claim's overrides over the tier's values.
func ResolveLimitRange(s *Space) (v1alpha1.LimitRangeSpec, error) {
	lr := s.Tier.LimitRange // Merging replaces pointers and never writes through them.
	o := s.Spec.LimitRange
	if o == nil {
		return lr, nil
	}
	lr.Default = mergeCompute(lr.Default, o.Default)
	lr.DefaultRequest = mergeCompute(lr.DefaultRequest, o.DefaultRequest)
	lr.Min = mergeCompute(lr.Min, o.Min)
	lr.Max = mergeCompute(lr.Max, o.Max)
	lr.MaxLimitRequestRatio = mergeCompute(lr.MaxLimitRequestRatio, o.MaxLimitRequestRatio)
	if o.MinStorage != "" {
		lr.MinStorage = o.MinStorage
	}
	if o.MaxStorage != "" {
		lr.MaxStorage = o.MaxStorage
	}
	return lr, nil
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

// LimitRange is the LimitRange of the tenant namespace.
func LimitRange(s *Space, lr v1alpha1.LimitRangeSpec) *corev1.LimitRange {
	container := corev1.LimitRangeItem{
		Type:                 corev1.LimitTypeContainer,
		Default:              computeList(lr.Default),
		DefaultRequest:       computeList(lr.DefaultRequest),
		Min:                  computeList(lr.Min),
		Max:                  computeList(lr.Max),
		MaxLimitRequestRatio: computeList(lr.MaxLimitRequestRatio),
	}
	items := []corev1.LimitRangeItem{container}
	if lr.MinStorage != "" || lr.MaxStorage != "" {
		pvc := corev1.LimitRangeItem{Type: corev1.LimitTypePersistentVolumeClaim}
		if lr.MinStorage != "" {
			pvc.Min = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(string(lr.MinStorage))}
		}
		if lr.MaxStorage != "" {
			pvc.Max = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(string(lr.MaxStorage))}
		}
		items = append(items, pvc)
	}
	return &corev1.LimitRange{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
		ObjectMeta: metav1.ObjectMeta{Name: "cloudspace", Namespace: s.Namespace, Labels: s.Labels()},
		Spec:       corev1.LimitRangeSpec{Limits: items},
	}
}

// computeList turns validated cpu and memory quantities into a ResourceList.
func computeList(c *v1alpha1.ComputeResources) corev1.ResourceList {
	if c == nil {
		return nil
	}
	l := corev1.ResourceList{}
	if c.CPU != "" {
		l[corev1.ResourceCPU] = resource.MustParse(string(c.CPU))
	}
	if c.Memory != "" {
		l[corev1.ResourceMemory] = resource.MustParse(string(c.Memory))
	}
	if len(l) == 0 {
		return nil
	}
	return l
}

package main

import (
	"cmp"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnresource "github.com/crossplane/function-sdk-go/resource"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// Names of the tenant Kubernetes objects.
const (
	NameNamespace      fnresource.Name = "namespace"
	NameResourceQuota  fnresource.Name = "resource-quota"
	NameLimitRange     fnresource.Name = "limit-range"
	NameRoleBinding    fnresource.Name = "role-binding"
	NameNetworkPolicy  fnresource.Name = "network-policy"
	NameServiceAccount fnresource.Name = "service-account"
)

// Defaults of the tenant settings.
const (
	DefaultClusterRole = "edit"
	tenantObjectName   = "cloudspace"
)

// Extended resource name of NVIDIA GPUs in a ResourceQuota.
const resourceGPU corev1.ResourceName = "requests.nvidia.com/gpu"

// TenantLabels are the labels of every tenant Kubernetes object: the
// platform's labels and the cost tags in label syntax.
func TenantLabels(s *Space, tags map[string]string) map[string]string {
	l := TagLabels(labelPrefix(s), tags)
	maps.Copy(l, s.Labels())
	return l
}

// Tenant returns the Kubernetes objects of the tenant namespace, with the
// service account of the workload identity w when it is not nil.
func Tenant(s *Space, lr v1alpha1.LimitRangeSpec, labels map[string]string, w *Workload) []Part {
	role := s.Input.Tenant.ClusterRole
	if role == "" {
		role = DefaultClusterRole
	}
	parts := []Part{
		{Name: NameNamespace, Object: TenantNamespaceObject(s, labels), Tenant: true},
		{Name: NameResourceQuota, Object: ResourceQuota(s, labels), Tenant: true},
		{Name: NameLimitRange, Object: LimitRange(s, lr, labels), Tenant: true},
		{Name: NameRoleBinding, Tenant: true, Object: &rbacv1.RoleBinding{
			ObjectMeta: tenantObjectMeta(s, labels),
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: s.Input.Tenant.GroupPrefix + s.Spec.Team}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		}},
	}
	if d := s.Input.Tenant.DenyCrossNamespaceIngress; d == nil || *d {
		parts = append(parts, Part{Name: NameNetworkPolicy, Tenant: true, Object: NetworkPolicy(s, labels)})
	}
	if w != nil {
		meta := tenantObjectMeta(s, labels)
		meta.Name = w.ServiceAccount
		parts = append(parts, Part{Name: NameServiceAccount, Tenant: true, Object: &corev1.ServiceAccount{ObjectMeta: meta}})
	}
	return parts
}

// tenantObjectMeta is the metadata of a tenant object in the tenant
// namespace.
func tenantObjectMeta(s *Space, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: tenantObjectName, Namespace: s.Namespace, Labels: labels}
}

// NetworkPolicy admits ingress to every pod of the tenant namespace only
// from pods of the same namespace. It is unstructured because the typed
// conversion drops the empty podSelector of the peer, and a peer without
// selectors is invalid.
func NetworkPolicy(s *Space, labels map[string]string) *unstructured.Unstructured {
	l := make(map[string]any, len(labels))
	for k, v := range labels {
		l[k] = v
	}
	peers := make([]any, 0, 1+len(s.Input.Tenant.AllowIngressFrom))
	peers = append(peers, map[string]any{"podSelector": map[string]any{}})
	for _, ns := range slices.Sorted(slices.Values(s.Input.Tenant.AllowIngressFrom)) {
		peers = append(peers, map[string]any{"namespaceSelector": map[string]any{
			"matchLabels": map[string]any{corev1.LabelMetadataName: ns},
		}})
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": networkingv1.SchemeGroupVersion.String(),
		"kind":       "NetworkPolicy",
		"metadata": map[string]any{
			"name":      "cloudspace-deny-other-namespaces",
			"namespace": s.Namespace,
			"labels":    l,
		},
		"spec": map[string]any{
			"podSelector": map[string]any{},
			"policyTypes": []any{string(networkingv1.PolicyTypeIngress)},
			"ingress":     []any{map[string]any{"from": peers}},
		},
	}}
}

// TenantNamespaceObject is the tenant namespace, with the Pod Security
// Admission labels of the policy's level (restricted by default): enforced,
// warned of and audited, at the cluster's latest version of the standard.
func TenantNamespaceObject(s *Space, labels map[string]string) *corev1.Namespace {
	l := make(map[string]string, len(labels)+6)
	maps.Copy(l, labels)
	level := cmp.Or(s.Input.Tenant.PodSecurity, fnv1alpha1.PodSecurityRestricted)
	for _, mode := range []string{"enforce", "warn", "audit"} {
		l["pod-security.kubernetes.io/"+mode] = string(level)
		l["pod-security.kubernetes.io/"+mode+"-version"] = "latest"
	}
	return &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: s.Namespace, Labels: l},
	}
}

// ResourceQuota is the quota of the tenant namespace: the requested
// resources, and the tier's pod and load balancer counts.
func ResourceQuota(s *Space, labels map[string]string) *corev1.ResourceQuota {
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
		ObjectMeta: tenantObjectMeta(s, labels),
		Spec:       corev1.ResourceQuotaSpec{Hard: hard},
	}
}

// LimitRange is the LimitRange of the tenant namespace.
func LimitRange(s *Space, lr v1alpha1.LimitRangeSpec, labels map[string]string) *corev1.LimitRange {
	items := []corev1.LimitRangeItem{{
		Type:                 corev1.LimitTypeContainer,
		Default:              computeList(lr.Default),
		DefaultRequest:       computeList(lr.DefaultRequest),
		Min:                  computeList(lr.Min),
		Max:                  computeList(lr.Max),
		MaxLimitRequestRatio: computeList(lr.MaxLimitRequestRatio),
	}}
	minS, minOK := parseQty(lr.MinStorage)
	maxS, maxOK := parseQty(lr.MaxStorage)
	if minOK || maxOK {
		pvc := corev1.LimitRangeItem{Type: corev1.LimitTypePersistentVolumeClaim}
		if minOK {
			pvc.Min = corev1.ResourceList{corev1.ResourceStorage: minS}
		}
		if maxOK {
			pvc.Max = corev1.ResourceList{corev1.ResourceStorage: maxS}
		}
		items = append(items, pvc)
	}
	return &corev1.LimitRange{
		ObjectMeta: tenantObjectMeta(s, labels),
		Spec:       corev1.LimitRangeSpec{Limits: items},
	}
}

package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/resource"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Part is one composed resource of a space.
type Part struct {
	// Name is the stable resource name.
	Name resource.Name
	// Object is a typed object registered in composed.Scheme, or
	// unstructured content.
	Object runtime.Object
	// Tenant marks a Kubernetes object of the tenant namespace, which has
	// no Ready condition: it is ready once observed.
	Tenant bool
}

// Plan is everything a space composes, validated.
type Plan struct {
	// Parts in a stable order: network, identity, storage, encryption,
	// budget, tenant.
	Parts []Part
	// Tags every taggable provider-aws resource carries.
	Tags map[string]string
	// Limits of the tenant namespace.
	Limits v1alpha1.LimitRangeSpec
	// Subnets of the VPC.
	Subnets []Subnet
	// Identity of the space's cloud resources.
	Identity Identity
	// Taggable counts the resources that carry the tags.
	Taggable int
}

// NewPlan builds every resource of s. It returns every problem of the
// claim and the input at once, each naming its field.
func NewPlan(s *Space) (*Plan, field.ErrorList) {
	if s == nil || s.Input == nil {
		return nil, field.ErrorList{field.InternalError(nil, errors.New("no space to compose"))}
	}
	var errs field.ErrorList
	p := &Plan{}

	var terrs field.ErrorList
	p.Tags, terrs = ResolveTags(s)
	errs = append(errs, terrs...)
	var lerrs field.ErrorList
	p.Limits, lerrs = ResolveLimitRange(s)
	errs = append(errs, lerrs...)
	var serrs field.ErrorList
	p.Subnets, serrs = CarveSubnets(field.NewPath("spec", "network"), s.Spec.Region, s.CIDR, s.Zones, s.Spec.Network.Public)
	errs = append(errs, serrs...)
	var ierrs field.ErrorList
	p.Identity, ierrs = ResolveIdentity(s)
	errs = append(errs, ierrs...)
	budget, berrs := Budget(s, p.Identity, p.Tags)
	errs = append(errs, berrs...)
	if tt := s.Input.Tenant.Target; tt != "" && tt != fnv1alpha1.TenantTargetLocal && tt != fnv1alpha1.TenantTargetRemote {
		errs = append(errs, field.NotSupported(field.NewPath("tenant", "target"), tt, []fnv1alpha1.TenantTarget{fnv1alpha1.TenantTargetLocal, fnv1alpha1.TenantTargetRemote}))
	}
	if len(errs) > 0 {
		return nil, errs
	}

	iam, err := IAM(s, p.Identity)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(nil, err)}
	}
	storage, err := Storage(s, p.Identity)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(nil, err)}
	}
	p.Parts = Network(s, p.Subnets)
	p.Parts = append(p.Parts, iam...)
	p.Parts = append(p.Parts, storage...)
	p.Parts = append(p.Parts, KMS(s, p.Identity)...)
	p.Parts = append(p.Parts, budget)

	// Tag every taggable resource, as its type decides, and check the tags
	// against AWS's rules before emitting anything.
	var taggable []Part
	tags := AWSTags(p.Tags)
	for _, pt := range p.Parts {
		if SetTags(pt.Object, tags) {
			taggable = append(taggable, pt)
		}
	}
	p.Taggable = len(taggable)
	if len(taggable) > 0 {
		if vs := ValidateAWSTags(p.Tags); len(vs) > 0 {
			on := describe(taggable[0])
			if n := len(taggable) - 1; n > 0 {
				on += fmt.Sprintf(" and %d other taggable resources", n)
			}
			return nil, tagErrors(vs, on)
		}
	}

	tenant := Tenant(s, p.Limits, TenantLabels(s, p.Tags), p.Identity.Workload)
	if s.Input.Tenant.Target == fnv1alpha1.TenantTargetRemote {
		for i, pt := range tenant {
			u, err := Remote(pt.Object, s.Input.Tenant.ProviderConfigName)
			if err != nil {
				return nil, field.ErrorList{field.InternalError(nil, err)}
			}
			// A remote Object reports Ready like any managed resource.
			tenant[i] = Part{Name: RemoteName(pt.Name), Object: u}
		}
	}
	p.Parts = append(p.Parts, tenant...)
	return p, nil
}

// tagErrors names each violated rule, the tag and the resources on.
func tagErrors(vs []TagViolation, on string) field.ErrorList {
	errs := make(field.ErrorList, 0, len(vs))
	for _, v := range vs {
		if v.Key == "" {
			errs = append(errs, field.Forbidden(field.NewPath("tags"), fmt.Sprintf("breaks AWS's tag rules on %s: %s", on, v.Rule)))
			continue
		}
		errs = append(errs, field.Invalid(field.NewPath("tags").Key(v.Key), v.Key, fmt.Sprintf("breaks AWS's tag rules on %s: %s", on, v.Rule)))
	}
	return errs
}

func describe(pt Part) string {
	t := reflect.TypeOf(pt.Object)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return fmt.Sprintf("%s (%s)", pt.Name, t.Name())
}

// Desired is a composed resource to desire.
type Desired struct {
	Name resource.Name
	// Object is a typed object registered in composed.Scheme, or
	// unstructured content.
	Object runtime.Object
	Ready  resource.Ready
}

// Composed is what an admitted space composes.
type Composed struct {
	// Resources to desire, in the plan's order.
	Resources []Desired
	// Status of the composite resource: what the composer knows of the
	// space.
	Status v1alpha1.XCloudSpaceStatus
	// Conditions to report: TagsCompliant.
	Conditions []xfn.Condition
}

// Compose plans every resource of s and reports its status. Readiness
// comes from observed: a provider resource or remote Object is ready when
// its Ready condition is True, a tenant object once it exists. The error
// names every problem of the claim and the input.
func Compose(s *Space, observed xfn.Observed) (*Composed, error) {
	p, errs := NewPlan(s)
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid %s %q: %s", v1alpha1.CompositeKind, spaceName(s), strings.TrimSpace(errs.ToAggregate().Error()))
	}
	c := &Composed{
		Resources:  make([]Desired, 0, len(p.Parts)),
		Status:     Status(s, p, observed),
		Conditions: []xfn.Condition{TagsCompliantCondition(len(p.Tags))},
	}
	// Crossplane applies desired resources in no particular order and stops
	// at the first that fails, so a namespaced tenant object applied before
	// its Namespace exists fails every reconcile (seen on a real control
	// plane). Namespaced tenant objects are desired once the Namespace has
	// been observed; the Namespace is composed on the first reconcile.
	nsObserved := observed.Has(NameNamespace)
	for _, pt := range p.Parts {
		if pt.Tenant && pt.Name != NameNamespace && !nsObserved {
			continue
		}
		ready := observed.ReadyIfConditionTrue(pt.Name)
		if pt.Tenant {
			ready = observed.ReadyIfExists(pt.Name)
		}
		c.Resources = append(c.Resources, Desired{Name: pt.Name, Object: pt.Object, Ready: ready})
	}
	return c, nil
}

func spaceName(s *Space) string {
	if s == nil {
		return ""
	}
	return s.Name
}

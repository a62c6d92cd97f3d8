package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// Crossplane calls the composer again and again with the same function
// input and, for a space in its steady state, the same composite resource:
// on every poll, every watch event of a composed resource, every change of
// the team's quota data. What the composer derives from them alone, the
// decoded input and policy, the decoded and validated space and its
// converted resources, is a pure function of their content. It is kept in
// least recently used caches keyed by that content's digest, so that a
// call converts only what changed. Cached values are shared by concurrent
// calls and never changed after they are built.

// Cache sizes. A cached space holds its composite resource, decoded, and
// its plan, about 30 kB for a private space of 24 resources.
const (
	DefaultInputCacheSize = 16
	DefaultSpaceCacheSize = 1024
	DefaultPlanCacheSize  = 256
)

var (
	inputs = mustLRU[xfn.Digest, *Input](DefaultInputCacheSize)
	spaces = mustLRU[[2]xfn.Digest, *SpaceState](DefaultSpaceCacheSize)
	plans  = NewPlanCache(DefaultPlanCacheSize)
)

func mustLRU[K comparable, V any](size int) *lru.Cache[K, V] {
	c, err := lru.New[K, V](size)
	if err != nil {
		panic(err) // Only for a size below one.
	}
	return c
}

// An Input is a decoded, validated function input.
type Input struct {
	// Digest of the input's content.
	Digest xfn.Digest
	// Composer is the input, decoded strictly.
	Composer *fnv1alpha1.Composer
	// Policy is the admission policy the input declares.
	Policy *Policy
	// Err says why the input cannot be used: the Fatal result.
	Err error
}

// InputOf decodes and validates the function input of req, or returns the
// cached result for an input of the same content. A missing input, whose
// digest is an empty one's, is not cached.
func InputOf(req *fnv1.RunFunctionRequest) *Input {
	if req.GetInput() == nil {
		return newInput(req, xfn.Digest{})
	}
	d := xfn.DigestOf(req.GetInput())
	if in, ok := inputs.Get(d); ok {
		return in
	}
	in := newInput(req, d)
	inputs.Add(d, in)
	return in
}

func newInput(req *fnv1.RunFunctionRequest, d xfn.Digest) *Input {
	in := &fnv1alpha1.Composer{}
	if err := xfn.DecodeInput(req, in); err != nil {
		return &Input{Digest: d, Err: err}
	}
	pol, perrs := NewPolicy(in)
	if errs := append(ValidateInput(in), perrs...); len(errs) > 0 {
		return &Input{Digest: d, Err: errors.Errorf("invalid function input: %s", errs.ToAggregate())}
	}
	return &Input{Digest: d, Composer: in, Policy: pol}
}

// SpaceState is a composite resource decoded and validated under an
// input.
type SpaceState struct {
	// XR is the observed composite resource, decoded leniently.
	XR *v1alpha1.XCloudSpace
	// Space is the space XR asks for; nil when Err is set.
	Space *Space
	// Err says why XR cannot be composed: the Fatal result.
	Err error
	// Invalid are the claim's problems when Err is a validation error.
	Invalid field.ErrorList
}

// SpaceOf decodes and validates the observed composite resource of req
// under in, or returns the cached result for the same input and composite
// resource. A missing composite resource is not cached.
func SpaceOf(req *fnv1.RunFunctionRequest, in *Input) *SpaceState {
	xr := req.GetObserved().GetComposite().GetResource()
	if xr == nil {
		return newSpaceState(req, in)
	}
	k := [2]xfn.Digest{in.Digest, xfn.DigestOf(xr)}
	if st, ok := spaces.Get(k); ok {
		return st
	}
	st := newSpaceState(req, in)
	spaces.Add(k, st)
	return st
}

func newSpaceState(req *fnv1.RunFunctionRequest, in *Input) *SpaceState {
	xr := &v1alpha1.XCloudSpace{}
	if err := xfn.DecodeComposite(req, xr); err != nil {
		return &SpaceState{XR: xr, Err: err}
	}
	s, errs := NewSpace(xr, in.Composer)
	if len(errs) > 0 {
		return &SpaceState{XR: xr, Invalid: errs, Err: errors.Errorf("invalid %s %q: %s", v1alpha1.CompositeKind, xr.GetName(), errs.ToAggregate())}
	}
	return &SpaceState{XR: xr, Space: s}
}

// statusMemo is the status fields of a space for the identifiers its
// observed resources reported.
type statusMemo struct {
	ids    []string
	fields map[string]*structpb.Value
}

// spaceMemo is what is derived from a space: its plan, built once, and
// its status values, for the identifiers last observed and the last
// admission.
type spaceMemo struct {
	once sync.Once
	cp   *ComposedPlan
	errs field.ErrorList

	status    atomic.Pointer[statusMemo]
	admission atomic.Pointer[admissionMemo]
}

// Plan returns the plan of s with its resources converted, built once per
// space and shared with equal spaces through the plan cache.
func (s *Space) Plan() (*ComposedPlan, field.ErrorList) {
	if s.memo == nil {
		return plans.For(s)
	}
	s.memo.once.Do(func() { s.memo.cp, s.memo.errs = plans.For(s) })
	return s.memo.cp, s.memo.errs
}

// A ComposedPlan is a plan with its resources converted, read only.
type ComposedPlan struct {
	*Plan
	// Resources are the parts' objects converted to the form a response
	// carries, in the order of Parts, encoded (see xfn.Encoded). They are
	// shared by every response that desires them and must not be changed.
	// The Parts of a composed plan carry no objects.
	Resources []*structpb.Struct
}

// PlanCache is a least recently used cache of composed plans, keyed by
// everything a plan depends on. Rejected spaces are not cached.
type PlanCache struct {
	c *lru.Cache[[sha256.Size]byte, *ComposedPlan]
}

// NewPlanCache returns a cache of at most max plans.
func NewPlanCache(maxPlans int) *PlanCache {
	return &PlanCache{c: mustLRU[[sha256.Size]byte, *ComposedPlan](max(maxPlans, 1))}
}

// Len is the number of cached plans.
func (c *PlanCache) Len() int { return c.c.Len() }

// For returns the composed plan of s, from the cache or built anew.
func (c *PlanCache) For(s *Space) (*ComposedPlan, field.ErrorList) {
	key, ok := planKey(s)
	if ok {
		if cp, hit := c.c.Get(key); hit {
			return cp, nil
		}
	}
	cp, errs := composePlan(s)
	if len(errs) > 0 || !ok {
		return cp, errs
	}
	// Another call may have built an equal plan meanwhile: keep the first,
	// so that every space shares one.
	if prev, hit, _ := c.c.PeekOrAdd(key, cp); hit {
		return prev, nil
	}
	return cp, nil
}

// composePlan builds the plan of s and converts its resources. The plan
// it returns keeps the converted resources only, as their encodings: the
// typed objects and the converted ones would take ten times the memory.
func composePlan(s *Space) (*ComposedPlan, field.ErrorList) {
	p, errs := NewPlan(s)
	if len(errs) > 0 {
		return nil, errs
	}
	cp := &ComposedPlan{Plan: p, Resources: make([]*structpb.Struct, len(p.Parts))}
	slim := *p
	slim.Parts = make([]Part, len(p.Parts))
	for i, pt := range p.Parts {
		slim.Parts[i] = Part{Name: pt.Name, Tenant: pt.Tenant}
		u, err := ToComposed(pt.Object)
		var s *structpb.Struct
		if err == nil {
			s, err = resource.AsStruct(u)
		}
		if err == nil {
			cp.Resources[i], err = xfn.Encoded(s)
		}
		if err != nil {
			return nil, field.ErrorList{field.InternalError(nil, fmt.Errorf("cannot convert %T %q to a composed resource: %w", pt.Object, pt.Name, err))}
		}
	}
	cp.Plan = &slim
	return cp, nil
}

// planKey is a hash of everything a plan depends on: the space's name,
// namespace and defaulted spec, and the function input. ok is false when
// they cannot be hashed; the plan is then not cached.
func planKey(s *Space) (key [sha256.Size]byte, ok bool) {
	if s == nil {
		return key, false
	}
	b, err := json.Marshal(struct {
		Name      string                   `json:"name"`
		Namespace string                   `json:"namespace"`
		Spec      v1alpha1.XCloudSpaceSpec `json:"spec"`
		Input     *fnv1alpha1.Composer     `json:"input"`
	}{s.Name, s.Namespace, s.Spec, s.Input})
	if err != nil {
		return key, false
	}
	return sha256.Sum256(b), true
}

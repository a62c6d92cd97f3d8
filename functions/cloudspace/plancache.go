package main

import (
	"container/list"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/resource/composed"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// DefaultPlanCacheSize is how many spaces' plans the composer remembers.
const DefaultPlanCacheSize = 256

// plans remembers the plans of recently composed spaces. Crossplane calls
// the function again and again for the same space, and a plan depends only
// on the space and the input, so converting its typed resources, which is
// most of the cost of a call, happens once per change of either.
var plans = NewPlanCache(DefaultPlanCacheSize)

// A ComposedPlan is a plan with its resources converted, read only.
type ComposedPlan struct {
	*Plan
	// Resources are the parts' objects converted, in the order of Parts.
	Resources []*composed.Unstructured
}

// Resource returns a copy of the i-th converted resource, for the caller
// to own.
func (cp *ComposedPlan) Resource(i int) *composed.Unstructured {
	return &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: copyJSON(cp.Resources[i].Object)}}
}

// PlanCache is a least recently used cache of composed plans, safe for
// concurrent use. Rejected spaces are not cached.
type PlanCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[[sha256.Size]byte]*list.Element
}

type planEntry struct {
	key [sha256.Size]byte
	cp  *ComposedPlan
}

// NewPlanCache returns a cache of at most max plans.
func NewPlanCache(maxPlans int) *PlanCache {
	return &PlanCache{max: max(maxPlans, 1), ll: list.New(), items: map[[sha256.Size]byte]*list.Element{}}
}

// Len is the number of cached plans.
func (c *PlanCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// For returns the composed plan of s, from the cache or built anew.
func (c *PlanCache) For(s *Space) (*ComposedPlan, field.ErrorList) {
	key, ok := planKey(s)
	if ok {
		c.mu.Lock()
		if e, hit := c.items[key]; hit {
			c.ll.MoveToFront(e)
			cp := e.Value.(*planEntry).cp //nolint:forcetypeassert // Only *planEntry is stored.
			c.mu.Unlock()
			return cp, nil
		}
		c.mu.Unlock()
	}
	cp, errs := composePlan(s)
	if len(errs) > 0 || !ok {
		return cp, errs
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, hit := c.items[key]; hit { // Another call built it meanwhile.
		c.ll.MoveToFront(e)
		return e.Value.(*planEntry).cp, nil //nolint:forcetypeassert // Only *planEntry is stored.
	}
	c.items[key] = c.ll.PushFront(&planEntry{key: key, cp: cp})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*planEntry).key) //nolint:forcetypeassert // Only *planEntry is stored.
	}
	return cp, nil
}

// composePlan builds the plan of s and converts its resources.
func composePlan(s *Space) (*ComposedPlan, field.ErrorList) {
	p, errs := NewPlan(s)
	if len(errs) > 0 {
		return nil, errs
	}
	cp := &ComposedPlan{Plan: p, Resources: make([]*composed.Unstructured, len(p.Parts))}
	for i, pt := range p.Parts {
		u, err := ToComposed(pt.Object)
		if err != nil {
			return nil, field.ErrorList{field.InternalError(nil, fmt.Errorf("cannot convert %T %q to a composed resource: %w", pt.Object, pt.Name, err))}
		}
		cp.Resources[i] = u
	}
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

// copyJSON deep-copies JSON-like content: maps, lists and scalars. Unlike
// runtime.DeepCopyJSON it never panics; other values are immutable
// scalars in practice and are shared.
func copyJSON(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, e := range v {
		out[k] = copyValue(e)
	}
	return out
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return copyJSON(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func TestPlanCache(t *testing.T) {
	c := NewPlanCache(2)
	a := composeSpace(t, composeXR(), composeInput())
	b := composeSpace(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.Public = true }), composeInput())
	d := composeSpace(t, composeXR(), withInput(func(in *fnv1alpha1.Composer) { in.Tenant.ClusterRole = "admin" }))

	first, errs := c.For(a)
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	again, _ := c.For(composeSpace(t, composeXR(), composeInput()))
	if again != first {
		t.Errorf("For(...): an equal space and input built a new plan; want the cached one")
	}
	if other, _ := c.For(d); other == first {
		t.Errorf("For(...): a different input gave the cached plan of another")
	}
	if _, errs := c.For(b); len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	if n := c.Len(); n != 2 {
		t.Errorf("Len(): want 2 plans, the most a cache of 2 holds; got %d", n)
	}
	if evicted, _ := c.For(a); evicted == first {
		t.Errorf("For(...): the least recently used plan was not evicted")
	}

	// A rejected space is not cached.
	bad := composeSpace(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tags = map[string]string{"team": "x"} }), composeInput())
	if _, errs := c.For(bad); len(errs) == 0 {
		t.Fatal("For(...): want errors for a claim that sets an enforced tag")
	}
	if n := c.Len(); n != 2 {
		t.Errorf("Len(): a rejected space changed the cache to %d plans", n)
	}
}

func TestComposedPlanResourceIsACopy(t *testing.T) {
	cp, errs := NewPlanCache(1).For(composeSpace(t, composeXR(), composeInput()))
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	want := copyJSON(cp.Resources[0].Object)
	u := cp.Resource(0)
	if err := u.SetValue("spec.forProvider.cidrBlock", "changed"); err != nil {
		t.Fatal(err)
	}
	u.Object["spec"].(map[string]any)["forProvider"].(map[string]any)["tags"].(map[string]any)["team"] = "changed"
	if diff := cmp.Diff(want, cp.Resources[0].Object); diff != "" {
		t.Errorf("Resource(0): changing the copy changed the cached plan: -want, +got:\n%s", diff)
	}
}

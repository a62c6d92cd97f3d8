package main

import (
	"bytes"
	"reflect"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

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

func TestInputOf(t *testing.T) {
	a := runRequest(t, composeXR(), composeInput(), nil)
	b := runRequest(t, composeXR(), composeInput(), nil) // Equal content, built anew.
	c := runRequest(t, composeXR(), withInput(func(in *fnv1alpha1.Composer) { in.Tenant.ClusterRole = "admin" }), nil)
	bad := runRequest(t, composeXR(), withInput(func(in *fnv1alpha1.Composer) { in.Tiers = nil }), nil)

	ia := InputOf(a)
	if ia.Err != nil {
		t.Fatal(ia.Err)
	}
	if ib := InputOf(b); ib != ia {
		t.Errorf("InputOf(...): an input of equal content was decoded again; want the cached one")
	}
	if ic := InputOf(c); ic == ia || ic.Composer.Tenant.ClusterRole != "admin" {
		t.Errorf("InputOf(...): a different input gave the cached decoding of another")
	}
	first, again := InputOf(bad), InputOf(bad)
	if first.Err == nil || !strings.Contains(first.Err.Error(), "tiers: Required value") {
		t.Fatalf("InputOf(...): want an error naming tiers for an input without tiers, got %v", first.Err)
	}
	if again != first {
		t.Errorf("InputOf(...): a bad input was decoded again; its error is a pure function of it, want the cached one")
	}

	// A missing input and an empty one digest alike but fail differently.
	empty := runRequest(t, composeXR(), composeInput(), nil)
	empty.Input = &structpb.Struct{}
	missing := runRequest(t, composeXR(), composeInput(), nil)
	missing.Input = nil
	for _, req := range []*fnv1.RunFunctionRequest{empty, missing, empty, missing} {
		want := "tiers: Required value"
		if req.GetInput() == nil {
			want = "the Composition step has no input"
		}
		if err := InputOf(req).Err; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("InputOf(...): want an error saying %q, got %v", want, err)
		}
	}
}

func TestSpaceOf(t *testing.T) {
	req := runRequest(t, composeXR(), composeInput(), nil)
	in := InputOf(req)
	st := SpaceOf(req, in)
	if st.Err != nil {
		t.Fatal(st.Err)
	}
	if again := SpaceOf(runRequest(t, composeXR(), composeInput(), nil), in); again != st {
		t.Errorf("SpaceOf(...): an equal composite resource was decoded again; want the cached one")
	}

	// A composite resource whose status changed is another request, but its
	// space, and so its plan, is the same.
	moved := runRequest(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Status.Namespace = "team-payments-checkout" }), composeInput(), nil)
	other := SpaceOf(moved, in)
	if other == st {
		t.Fatal("SpaceOf(...): a composite resource with another status gave the cached state of the first")
	}
	cp1, errs := st.Space.Plan()
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	if cp2, _ := other.Space.Plan(); cp2 != cp1 {
		t.Errorf("Plan(): a space that differs only in status built a new plan; want the cached one")
	}

	invalid := runRequest(t, withXR(func(xr *v1alpha1.XCloudSpace) { xr.Spec.Team = "Not A Label" }), composeInput(), nil)
	if bad := SpaceOf(invalid, in); bad.Err == nil || len(bad.Invalid) == 0 || !strings.Contains(bad.Err.Error(), "spec.team") {
		t.Errorf("SpaceOf(...): want an error naming spec.team, got %v", bad.Err)
	}
}

// TestRunFunctionConcurrent runs the composer from many goroutines on
// requests that share cached inputs, spaces and plans, as a server does.
// Every response must equal the one a lone call gives, and the cached
// resources must be unchanged afterwards. Run with -race to check that
// sharing them is safe.
func TestRunFunctionConcurrent(t *testing.T) {
	f := &Function{log: logging.NewNopLogger()}
	det := proto.MarshalOptions{Deterministic: true}
	reqs := []*fnv1.RunFunctionRequest{
		runRequest(t, composeXR(), composeInput(), nil),
		runRequest(t, withXR(func(xr *v1alpha1.XCloudSpace) {
			xr.Spec.Environment = v1alpha1.EnvironmentProd
			xr.Spec.Network = v1alpha1.NetworkSpec{CIDR: "10.40.0.0/16", AvailabilityZones: 3, Public: true}
		}), composeInput(), nil),
	}
	reqs = append(reqs, secondReconcile(t, reqs[0]), secondReconcile(t, reqs[1]))
	// A space admitted under its team's quota, next to two others.
	team := runRequest(t, spaceXR("space-3", 3, "2", ""), quotaInput(), nil)
	team.Meta.Capabilities = capabilities
	team.RequiredResources = map[string]*fnv1.Resources{
		requiredTeamQuota:  {Items: []*fnv1.Resource{{Resource: teamQuotaObject(t)}}},
		requiredTeamSpaces: {},
		requiredSpacesInPfx + "team-payments": {Items: []*fnv1.Resource{
			{Resource: structOf(t, spaceXR("space-1", 1, "4", "4"))}, {Resource: structOf(t, spaceXR("space-2", 2, "4", "4"))},
		}},
	}
	reqs = append(reqs, team)
	want := make([][]byte, len(reqs))
	for i, req := range reqs {
		rsp, err := f.RunFunction(t.Context(), proto.Clone(req).(*fnv1.RunFunctionRequest))
		if err != nil {
			t.Fatal(err)
		}
		if o := outcomeOf(rsp, 1, 0); !o.Composed {
			t.Fatalf("RunFunction(...): request %d composed nothing: %+v", i, o)
		}
		if want[i], err = det.Marshal(rsp); err != nil {
			t.Fatal(err)
		}
	}
	cp, errs := SpaceOf(reqs[0], InputOf(reqs[0])).Space.Plan()
	if len(errs) > 0 {
		t.Fatal(errs.ToAggregate())
	}
	before, err := det.Marshal(&structpb.ListValue{Values: structValuesOf(cp.Resources)})
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	got := make([][][]byte, 8)
	for g := range got {
		wg.Go(func() {
			for n := range 40 {
				i := (g + n) % len(reqs)
				rsp, err := f.RunFunction(t.Context(), proto.Clone(reqs[i]).(*fnv1.RunFunctionRequest))
				if err != nil {
					t.Error(err)
					return
				}
				// Marshal as the server does, concurrently with other
				// calls marshalling the same shared resources, then
				// compare in one canonical form.
				wire, err := proto.Marshal(rsp)
				if err != nil {
					t.Error(err)
					return
				}
				back := &fnv1.RunFunctionResponse{}
				if err := proto.Unmarshal(wire, back); err != nil {
					t.Error(err)
					return
				}
				b, err := det.Marshal(back)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(b, want[i]) {
					t.Errorf("RunFunction(...): request %d gave a response that differs from a lone call's", i)
					return
				}
			}
		})
	}
	wg.Wait()
	after, err := det.Marshal(&structpb.ListValue{Values: structValuesOf(cp.Resources)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("RunFunction(...): the cached plan's resources changed")
	}
}

func structValuesOf(ss []*structpb.Struct) []*structpb.Value {
	vs := make([]*structpb.Value, len(ss))
	for i, s := range ss {
		vs[i] = structpb.NewStructValue(s)
	}
	return vs
}

func TestAdmissionStatusValues(t *testing.T) {
	s := composeSpace(t, composeXR(), composeInput())
	estimate := func(monthly string) *Admission {
		return &Admission{Estimate: &v1alpha1.CostEstimate{Monthly: monthly, Currency: "USD"}}
	}
	first, err := estimate("10.00").StatusValues(s)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := estimate("10.00").StatusValues(s)
	if reflect.ValueOf(same).Pointer() != reflect.ValueOf(first).Pointer() {
		t.Errorf("StatusValues(...): an equal admission converted its status again; want the values of the first")
	}
	other, _ := estimate("11.00").StatusValues(s)
	if got := other["estimate"].GetStructValue().GetFields()["monthly"].GetStringValue(); got != "11.00" {
		t.Errorf("StatusValues(...): a changed estimate reports monthly %q, want 11.00", got)
	}
	if got := first["estimate"].GetStructValue().GetFields()["monthly"].GetStringValue(); got != "10.00" {
		t.Errorf("StatusValues(...): converting another estimate changed the values of the first to %q", got)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// raceCluster models what admission meets in a control plane: a team's
// spaces created at about the same time, each reconciled one call at a
// time, with required resources read from a cache that lags by a random
// number of writes, and a reconcile's composed resources and status
// written some steps after the function answered.
type raceCluster struct {
	t    *testing.T
	f    *Function
	rng  *rand.Rand
	seq  int // Writes so far.
	quot *structpb.Struct

	spaces []*raceSpace
	// maxComposed is the most spaces that held composed resources at once.
	maxComposed int
}

type raceSpace struct {
	name    string
	created time.Time
	// versions of the stored object, by the write that stored each.
	versions []raceVersion
	composed bool
	// pending are the writes of the reconcile in flight, applied in turn.
	pending []func()
}

type raceVersion struct {
	seq int
	obj *structpb.Struct
}

func (s *raceSpace) current() *structpb.Struct { return s.versions[len(s.versions)-1].obj }

// at returns the object as a cache that has seen the first seq writes
// holds it, or nil.
func (s *raceSpace) at(seq int) *structpb.Struct {
	var o *structpb.Struct
	for _, v := range s.versions {
		if v.seq <= seq {
			o = v.obj
		}
	}
	return o
}

func (c *raceCluster) write(s *raceSpace, o *structpb.Struct) {
	c.seq++
	s.versions = append(s.versions, raceVersion{seq: c.seq, obj: o})
}

func (c *raceCluster) create(s *raceSpace) {
	xr := spaceXR(s.name, 0, "4", "")
	xr.CreationTimestamp = metav1.NewTime(s.created)
	c.write(s, mustStruct(c.t, xr))
}

// reconcile calls the function for s with a view of the team as the cache
// held it after write seq, and queues what Crossplane writes of the
// answer: the composed resources first, then the status.
func (c *raceCluster) reconcile(s *raceSpace, seq int) {
	c.t.Helper()
	xr := &v1alpha1.XCloudSpace{}
	fromStruct(c.t, s.current(), xr)
	var observed map[string]map[string]any
	if s.composed {
		observed = map[string]map[string]any{"namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{
			"name": "team-payments-" + s.name, "labels": map[string]any{LabelSpace: s.name},
		}}}
	}
	req := runRequest(xr, quotaInput(), observed)
	req.Meta.Capabilities = capabilities
	pool := []*structpb.Struct{c.quot}
	for _, o := range c.spaces {
		if v := o.at(seq); v != nil {
			pool = append(pool, v)
		}
	}
	rsp, _ := crossplane(c.t, c.f, req, pool)
	composes := len(rsp.GetDesired().GetResources()) > 0
	st := proto.CloneOf(sub(rsp.GetDesired().GetComposite().GetResource(), "status"))
	if st == nil {
		st = &structpb.Struct{Fields: map[string]*structpb.Value{}}
	}
	var conds []any
	for _, cd := range rsp.GetConditions() {
		status := map[fnv1.Status]string{fnv1.Status_STATUS_CONDITION_TRUE: "True", fnv1.Status_STATUS_CONDITION_FALSE: "False"}[cd.GetStatus()]
		conds = append(conds, map[string]any{"type": cd.GetType(), "status": status, "reason": cd.GetReason(), "message": cd.GetMessage()})
	}
	st.Fields["conditions"] = structpb.NewListValue(mustList(c.t, conds))
	if composes {
		s.pending = append(s.pending, func() {
			if !s.composed {
				s.composed = true
				c.maxComposed = max(c.maxComposed, c.composed())
			}
		})
	} else if s.composed {
		c.t.Errorf("space %s held composed resources and its reconcile desires none: they would be deleted", s.name)
	}
	s.pending = append(s.pending, func() {
		o := proto.CloneOf(s.current())
		o.Fields["status"] = structpb.NewStructValue(st)
		c.write(s, o)
	})
}

func (c *raceCluster) composed() int {
	n := 0
	for _, s := range c.spaces {
		if s.composed {
			n++
		}
	}
	return n
}

// verdict is the reason of s's QuotaAvailable condition and its message.
func (s *raceSpace) verdict() (string, string) {
	for _, v := range sub(s.current(), "status").GetFields()["conditions"].GetListValue().GetValues() {
		if cd := v.GetStructValue(); str(cd, "type") == TypeQuotaAvailable {
			return str(cd, "reason"), str(cd, "message")
		}
	}
	return "", ""
}

// TestAdmissionRace applies ten claims at once against a team quota that
// fits three, under many interleavings of creations, lagging views and
// late writes: at no moment do more than three spaces hold composed
// resources, nothing composed is ever let go, and once the views catch up
// exactly three are admitted and seven refused for cpu.
func TestAdmissionRace(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 4
	}
	quota := teamQuotaObject(t)
	sub(sub(quota, "data"), "hard").Fields["cpu"] = structpb.NewStringValue("12")
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			c := &raceCluster{t: t, f: &Function{log: logging.NewNopLogger()}, rng: rng, quot: quota}
			// Ten spaces, four to a second, whose names do not follow
			// their creation order.
			base := time.Date(2026, time.November, 2, 10, 0, 0, 0, time.UTC)
			for i := range 10 {
				c.spaces = append(c.spaces, &raceSpace{
					name:    fmt.Sprintf("s%02d-%04x", i, rng.IntN(1<<16)),
					created: base.Add(time.Duration(i/4) * time.Second),
				})
			}
			order := rng.Perm(10)
			slices.SortStableFunc(order, func(a, b int) int { return c.spaces[a].created.Compare(c.spaces[b].created) })
			c.run(order)
			c.settle()
			c.check()
		})
	}
}

// TestAdmissionSameSecond follows two spaces created in the same second
// when only one fits: the first by name waits until the second has decided
// having seen it, and only then is admitted.
func TestAdmissionSameSecond(t *testing.T) {
	quota := teamQuotaObject(t)
	sub(sub(quota, "data"), "hard").Fields["cpu"] = structpb.NewStringValue("4")
	c := &raceCluster{t: t, f: &Function{log: logging.NewNopLogger()}, quot: quota}
	at := time.Date(2026, time.November, 2, 10, 0, 0, 0, time.UTC)
	alpha, beta := &raceSpace{name: "alpha", created: at}, &raceSpace{name: "beta", created: at}
	c.spaces = []*raceSpace{alpha, beta}
	c.create(beta)
	c.create(alpha)
	var got []string
	for _, s := range []*raceSpace{alpha, beta, alpha} {
		c.reconcile(s, c.seq)
		c.flush(s)
		reason, _ := s.verdict()
		got = append(got, fmt.Sprintf("%s %s composed=%t", s.name, reason, s.composed))
	}
	want := []string{
		"alpha WaitingForTeamSpaces composed=false",
		"beta TeamQuotaExceeded composed=false",
		"alpha Available composed=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Two spaces of one second, one fits: -want +got verdicts in turn:\n%s", diff)
	}
	_, msg := alpha.verdict()
	if want := "team payments quota (EnvironmentConfig team-payments-quota)"; !strings.Contains(msg, want) {
		t.Errorf("alpha's verdict %q does not name %q", msg, want)
	}
}

// run interleaves the creations in order with reconciles and writes.
func (c *raceCluster) run(order []int) {
	next := 0
	for range 400 {
		var live []*raceSpace
		for _, s := range c.spaces {
			if len(s.versions) > 0 {
				live = append(live, s)
			}
		}
		switch r := c.rng.IntN(10); {
		case r < 2 && next < len(order):
			c.create(c.spaces[order[next]])
			next++
		case r < 5:
			// Deliver one pending write of a reconcile in flight.
			var busy []*raceSpace
			for _, s := range live {
				if len(s.pending) > 0 {
					busy = append(busy, s)
				}
			}
			if len(busy) > 0 {
				s := busy[c.rng.IntN(len(busy))]
				w := s.pending[0]
				s.pending = s.pending[1:]
				w()
			}
		default:
			var idle []*raceSpace
			for _, s := range live {
				if len(s.pending) == 0 {
					idle = append(idle, s)
				}
			}
			if len(idle) == 0 {
				continue
			}
			s := idle[c.rng.IntN(len(idle))]
			// The cache lags the writes by up to eight, and may not hold
			// the space yet.
			c.reconcile(s, max(0, c.seq-c.rng.IntN(9)))
		}
		if c.t.Failed() {
			return
		}
	}
	for next < len(order) {
		c.create(c.spaces[order[next]])
		next++
	}
}

// settle lets the views catch up: every space is reconciled with the
// latest view, its writes applied at once, until nothing changes.
func (c *raceCluster) settle() {
	for _, s := range c.spaces {
		c.flush(s)
	}
	for round := range 30 {
		changed := false
		for _, s := range c.spaces {
			r0, m0 := s.verdict()
			c.reconcile(s, c.seq)
			c.flush(s)
			if r, m := s.verdict(); r != r0 || m != m0 {
				changed = true
			}
		}
		if !changed && round > 0 {
			return
		}
	}
	c.t.Fatal("the verdicts did not settle in 30 rounds of fresh views")
}

func (c *raceCluster) flush(s *raceSpace) {
	for len(s.pending) > 0 {
		w := s.pending[0]
		s.pending = s.pending[1:]
		w()
	}
}

func (c *raceCluster) check() {
	t := c.t
	if c.maxComposed > 3 {
		t.Errorf("%d spaces held composed resources at once, the team's quota fits 3", c.maxComposed)
	}
	var admitted, refused []string
	for _, s := range c.spaces {
		reason, msg := s.verdict()
		switch {
		case reason == ReasonAvailable && s.composed:
			admitted = append(admitted, s.name)
		case reason == ReasonTeamQuotaExceeded && strings.Contains(msg, "cpu requested 4") && !s.composed:
			refused = append(refused, s.name)
		default:
			t.Errorf("space %s: composed %t, verdict %s: %s", s.name, s.composed, reason, msg)
		}
	}
	if len(admitted) != 3 || len(refused) != 7 {
		t.Errorf("%d admitted (%v) and %d refused for cpu, want 3 and 7", len(admitted), admitted, len(refused))
	}
}

func mustStruct(t testing.TB, v any) *structpb.Struct {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(b, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func mustList(t testing.TB, v []any) *structpb.ListValue {
	t.Helper()
	l, err := structpb.NewList(v)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func fromStruct(t testing.TB, s *structpb.Struct, v any) {
	t.Helper()
	b, err := protojson.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The race: raceClaims claims applied at once against a team quota that
// fits raceFits of them.
const (
	raceNamespace = "team-race"
	raceClaims    = 10
	raceFits      = 3
)

// raceWords name the claims, in the order they are applied: neither the
// order of their names nor that of their creation tells which is first.
var raceWords = []string{"kilo", "alpha", "juliet", "delta", "hotel", "bravo", "india", "echo", "golf", "charlie"}

// raceKinds are the composed kinds watched for what a space holds: the
// tenant Namespace, a namespaced tenant object and three managed
// resources of three provider groups.
var raceKinds = []string{"namespaces", "resourcequotas", "vpcs.ec2.aws.upbound.io", "buckets.s3.aws.upbound.io", "roles.iam.aws.upbound.io"}

// scenarioRace applies ten claims at once against a team quota that fits
// three, E2E_RACE_ROUNDS times (default 5), each round with new claims.
// At no moment may more than three spaces hold composed resources; once
// settled exactly three are admitted and seven refused for cpu, and no
// composed resource was deleted.
func (e *env) scenarioRace(t *testing.T) {
	e.run(t, "create", "namespace", raceNamespace)
	e.apply(t, fmt.Sprintf(`apiVersion: apiextensions.crossplane.io/v1beta1
kind: EnvironmentConfig
metadata:
  name: team-race-quota
  labels:
    platform.cloudspace.dev/team: race
    platform.cloudspace.dev/config: team-quota
data:
  namespaces: [%s]
  hard: {cpu: "%d", memory: 512Gi, storage: 10Ti, gpu: "0", pods: "5000", loadBalancers: "100"}
  monthlyBudget: "100000.00"
  currency: USD
`, raceNamespace, 4*raceFits))
	rounds, _ := strconv.Atoi(getenv("E2E_RACE_ROUNDS", "5"))
	for r := 1; r <= max(rounds, 1); r++ {
		start := time.Now()
		e.raceRound(t, r)
		t.Logf("race round %d of %d: settled and cleaned up in %s", r, rounds, time.Since(start).Round(time.Millisecond))
		if t.Failed() {
			return
		}
	}
}

func (e *env) raceRound(t *testing.T, round int) {
	t.Helper()
	prefix := fmt.Sprintf("r%d-", round)
	w := newHoldWatch(prefix)
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	for _, k := range raceKinds {
		e.watchComposed(ctx, t, k, w)
	}
	// Each watch lists before it watches; let the lists land first.
	eventually(t, "the watches of composed resources to start", 30*time.Second, func() error {
		if n := w.started(); n < len(raceKinds) {
			return fmt.Errorf("%d of %d watches answered", n, len(raceKinds))
		}
		return nil
	})

	var claims strings.Builder
	for _, word := range raceWords[:raceClaims] {
		fmt.Fprintf(&claims, `---
apiVersion: platform.cloudspace.dev/v1alpha1
kind: CloudSpace
metadata:
  name: %s%s
  namespace: %s
spec:
  team: race
  environment: dev
  owner: race-lead@example.com
  costCenter: cc-4242
  tier: medium
  region: eu-west-1
  network: {cidr: 10.50.0.0/16}
  resources: {cpu: "4", memory: 8Gi, storage: 20Gi}
  budget: {monthlyLimit: "400.00"}
`, prefix, word, raceNamespace)
	}
	applied := time.Now()
	e.apply(t, claims.String())

	type verdict struct{ status, reason, message, xr string }
	var got map[string]verdict
	var settledAt time.Time
	eventually(t, "every claim to be decided: 3 admitted, 7 refused", 3*time.Minute, func() error {
		out, err := e.try("-n", raceNamespace, "get", "cloudspace", "-o", "json")
		if err != nil {
			return err
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			return err
		}
		got = map[string]verdict{}
		admitted := 0
		for _, o := range list.Items {
			name, _ := field(o, "metadata.name").(string)
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			c := condition(o, "QuotaAvailable")
			if c == nil {
				return fmt.Errorf("claim %s has no QuotaAvailable condition yet", name)
			}
			v := verdict{fmt.Sprint(c["status"]), fmt.Sprint(c["reason"]), fmt.Sprint(c["message"]), fmt.Sprint(field(o, "spec.resourceRef.name"))}
			got[name] = v
			switch {
			case v.status == "True" && v.reason == "Available":
				admitted++
			case v.status == "False" && v.reason == "TeamQuotaExceeded":
			default:
				return fmt.Errorf("claim %s: QuotaAvailable %s %s: %s", name, v.status, v.reason, v.message)
			}
		}
		if len(got) != raceClaims || admitted != raceFits {
			return fmt.Errorf("%d claims seen, %d admitted", len(got), admitted)
		}
		// Admitted spaces hold their composed resources once Crossplane has
		// applied them.
		if held := w.holding(); len(held) != raceFits {
			return fmt.Errorf("%d spaces hold composed resources: %v", len(held), held)
		}
		settledAt = time.Now()
		return nil
	})
	t.Logf("round %d: %d claims decided %s after the apply", round, len(got), settledAt.Sub(applied).Round(time.Millisecond))

	// A few more reconciles (the composer's wait TTL is 5 s) must change
	// nothing.
	time.Sleep(12 * time.Second)
	var admitted []string
	for _, name := range slices.Sorted(maps.Keys(got)) {
		v := got[name]
		if v.status == "True" {
			admitted = append(admitted, v.xr)
			continue
		}
		if !strings.Contains(v.message, "cpu requested 4") || !strings.Contains(v.message, "team limit 12") {
			t.Errorf("claim %s is refused without naming the cpu it asks, and the team's limit: %q", name, v.message)
		}
	}
	slices.Sort(admitted)
	held := w.holding()
	if !slices.Equal(admitted, held) {
		t.Errorf("the admitted spaces %v are not the spaces that hold composed resources %v", admitted, held)
	}
	if n := w.peak(); n > raceFits {
		t.Errorf("%d spaces held composed resources at one moment; the team's quota fits %d", n, raceFits)
	}
	if d := w.deletions(); len(d) > 0 {
		t.Errorf("composed resources of admitted spaces were deleted: %v", d)
	}
	for _, xr := range admitted {
		x, err := e.getJSON("xcloudspace", xr)
		if err != nil {
			t.Fatal(err)
		}
		if c := condition(x, "QuotaAvailable"); c == nil || c["status"] != "True" {
			t.Errorf("admitted space %s changed its verdict after settling: %v", xr, c)
		}
	}
	t.Logf("round %d: admitted %v; at most %d spaces held composed resources at once", round, admitted, w.peak())

	stop()
	e.run(t, "-n", raceNamespace, "delete", "cloudspace", "--all", "--wait=false")
	eventually(t, "the race's spaces to be deleted", 3*time.Minute, func() error {
		out, err := e.try("get", "xcloudspaces", "-l", "crossplane.io/claim-namespace="+raceNamespace, "-o", "name")
		if err != nil {
			return err
		}
		if s := strings.TrimSpace(out); s != "" {
			return fmt.Errorf("composite resources remain: %s", strings.ReplaceAll(s, "\n", " "))
		}
		return nil
	})
}

// holdWatch follows, from watch events, which spaces of a round hold
// composed resources: the most at one moment, and any deletion.
type holdWatch struct {
	prefix string

	mu      sync.Mutex
	lists   int
	live    map[string]map[string]bool // composite -> kind/namespace/name
	max     int
	deleted []string
}

func newHoldWatch(prefix string) *holdWatch {
	return &holdWatch{prefix: prefix, live: map[string]map[string]bool{}}
}

func (w *holdWatch) event(kind, typ string, obj map[string]any) {
	xr, _ := field(obj, "metadata.labels").(map[string]any)["crossplane.io/composite"].(string)
	if !strings.HasPrefix(xr, w.prefix) {
		return
	}
	id := fmt.Sprintf("%s/%v/%v", kind, field(obj, "metadata.namespace"), field(obj, "metadata.name"))
	w.mu.Lock()
	defer w.mu.Unlock()
	switch typ {
	case "ADDED", "MODIFIED":
		if w.live[xr] == nil {
			w.live[xr] = map[string]bool{}
		}
		w.live[xr][id] = true
		w.max = max(w.max, len(w.live))
	case "DELETED":
		w.deleted = append(w.deleted, id)
		delete(w.live[xr], id)
		if len(w.live[xr]) == 0 {
			delete(w.live, xr)
		}
	}
}

func (w *holdWatch) started() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lists
}

// holding names the spaces that hold composed resources now, sorted.
func (w *holdWatch) holding() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	names := make([]string, 0, len(w.live))
	for xr := range w.live {
		names = append(names, xr)
	}
	slices.Sort(names)
	return names
}

func (w *holdWatch) peak() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.max
}

func (w *holdWatch) deletions() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.deleted)
}

// watchComposed runs kubectl get --watch on every object of kind that a
// composite resource composed, until ctx ends, and feeds its events to w.
func (e *env) watchComposed(ctx context.Context, t *testing.T, kind string, w *holdWatch) {
	t.Helper()
	cmd := exec.CommandContext(ctx, e.kubectl, "--kubeconfig", e.kubeconfig, "get", kind, "--all-namespaces",
		"-l", "crossplane.io/composite", "--watch", "--output-watch-events", "-o", "json")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("cannot watch %s: %v", kind, err)
	}
	// kubectl starts with the list as ADDED events, or nothing when there
	// is none; either way the watch counts as started once kubectl runs
	// and the first second has passed.
	go func() {
		time.Sleep(time.Second)
		w.mu.Lock()
		w.lists++
		w.mu.Unlock()
	}()
	go func() {
		defer func() { _ = cmd.Wait() }()
		dec := json.NewDecoder(out)
		for {
			var ev struct {
				Type   string         `json:"type"`
				Object map[string]any `json:"object"`
			}
			if err := dec.Decode(&ev); err != nil {
				if err != io.EOF && ctx.Err() == nil {
					t.Errorf("watch of %s ended: %v", kind, err)
				}
				return
			}
			w.event(kind, ev.Type, ev.Object)
		}
	}()
}

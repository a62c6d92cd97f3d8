package billing

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// referenceSplit is an independent computation, with Python's csv, json and
// decimal modules, of the records of a CUR 2.0 export with EKS split cost
// allocation data, as AWS documents the columns: every row's
// line_item_unblended_cost goes to the space its user_cloudspace tag names,
// else to its account; a split row (split_line_item_parent_resource_id set)
// whose namespace (the pod ARN's fourth part) maps to a space, or whose tag
// names one, moves split_line_item_split_cost (plus its idle share under the
// policy) from the group holding its node's EC2 rows (else its own account)
// to that space. Idle shares by requests or usage are the node's unused cost
// of the hour and resource times the space's weight over every pod's weight,
// rounded half away from zero to 16 decimals.
//
// It prints, per space|account, [billed, in-cluster billed, idle, allocated
// to spaces], and under "total" the billed cost of every row.
const referenceSplit = `
import csv, json, sys
from decimal import Decimal as D, ROUND_HALF_UP, getcontext
getcontext().prec = 80
path, policy, nsmap = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
rows = list(csv.DictReader(open(path, newline="")))
def tagged(r):
    t = json.loads(r["resource_tags"] or "{}")
    return t.get("user_cloudspace")
def key(r):
    s = tagged(r)
    return ("space", s) if s else ("account", r["line_item_usage_account_id"])
rec = {}
def get(k):
    return rec.setdefault(k, [D(0), D(0), D(0), D(0)])
home = {}
for r in rows:
    get(key(r))[0] += D(r["line_item_unblended_cost"])
    if not r["split_line_item_parent_resource_id"] and r["line_item_resource_id"].startswith("i-"):
        home.setdefault(r["line_item_resource_id"], key(r))
def move(space, parent, acct, amount, idle):
    s = get(("space", space))
    s[0] += amount; s[1] += amount; s[2] += idle
    h = get(home.get(parent, ("account", acct)))
    h[0] -= amount; h[3] += amount
pools = {}
for r in rows:
    parent = r["split_line_item_parent_resource_id"]
    if not parent:
        continue
    ns = r["line_item_resource_id"].split("/")[2]
    space = nsmap.get(ns) or tagged(r)
    cost, unused = D(r["split_line_item_split_cost"]), D(r["split_line_item_unused_cost"])
    if policy in ("requests", "usage"):
        w = D(r["split_line_item_reserved_usage" if policy == "requests" else "split_line_item_actual_usage"])
        p = pools.setdefault((parent, r["line_item_usage_start_date"], r["line_item_usage_type"]), [D(0), D(0), {}, r["line_item_usage_account_id"]])
        p[0] += unused; p[1] += w
        if space:
            p[2][space] = p[2].get(space, D(0)) + w
    if not space:
        continue
    idle = unused if policy == "split" else D(0)
    move(space, parent, r["line_item_usage_account_id"], cost + idle, idle)
for (parent, _, _), (unused, total, spaces, acct) in pools.items():
    for space, w in spaces.items():
        share = (unused * w / total).quantize(D("1e-16"), rounding=ROUND_HALF_UP)
        move(space, parent, acct, share, share)
out = {k[0] + ":" + k[1]: [str(v) for v in vals] for k, vals in rec.items()}
out["total"] = [str(sum(D(r["line_item_unblended_cost"]) for r in rows))]
json.dump(out, sys.stdout)
`

// TestSplitCostAllocation ingests a CUR 2.0 export with EKS split cost
// allocation data (two nodes shared by two tenant namespaces, kube-system
// and a namespace of no space whose pod is labelled with a space, a node
// whose EC2 row the export does not hold) under every idle policy, and
// checks each record against Python's decimal module over the same file,
// and that moving the pods' cost off the nodes leaves the run's total as
// the rows' total, exactly.
func TestSplitCostAllocation(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the independent check needs Python's decimal module")
	}
	const file = "testdata/cur-2.0-split.csv"
	namespaces := map[string]string{"tenant-team-a": "team-a", "shared-eu/tenant-team-b": "team-b"}
	nsJSON, _ := json.Marshal(map[string]string{"tenant-team-a": "team-a", "tenant-team-b": "team-b"})
	type want struct {
		// teamAIdle is team-a's idle share, a check of the fixture itself
		// (by hand, by requests: node 1 per hour 3/5.35 of 2.15 idle vCPU
		// at 9x0.384/104 plus 6/14.57 of 16.43 idle GB at 0.384/104, twice;
		// node 3 all of its idle 1.5 vCPU and 6.5 GB at 0.096/26: 0.20394).
		teamAIdle string
	}
	cases := map[string]struct {
		reason string
		policy string
		want   want
	}{
		"NotShared": {
			reason: "Idle node capacity stays with the node: each space pays its pods' split cost only.",
			policy: v1alpha1.IdleNone,
			want:   want{teamAIdle: "0"},
		},
		"AsSplit": {
			reason: "Idle capacity is shared as AWS allocated it, split_line_item_unused_cost as exported.",
			policy: v1alpha1.IdleSplit,
			want:   want{teamAIdle: "0.2138847807"},
		},
		"ByRequests": {
			reason: "Idle capacity is shared per node, hour and resource by reserved usage (requests).",
			policy: v1alpha1.IdleRequests,
			want:   want{teamAIdle: "0.203936674977429"},
		},
		"ByUsage": {
			reason: "Idle capacity is shared per node, hour and resource by actual usage.",
			policy: v1alpha1.IdleUsage,
			want:   want{teamAIdle: "0.2674587117464038"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.CommandContext(t.Context(), python, "-c", referenceSplit, file, tc.policy, string(nsJSON))
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("python3: %v\n%s", err, stderr.String())
			}
			var ref map[string][]string
			if err := json.Unmarshal(out, &ref); err != nil {
				t.Fatal(err)
			}
			total := ref["total"][0]
			delete(ref, "total")

			res, err := Ingest(t.Context(), []Source{FileSource{Path: file}}, Options{InCluster: InCluster{Namespaces: namespaces, IdlePolicy: tc.policy}})
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			got := map[string][]string{}
			sum := decimal.Zero
			for _, r := range res.Records {
				k := "account:" + r.Account
				if r.Space != "" {
					k = "space:" + r.Space
				}
				v := []string{r.BilledCost, "0", "0", "0"}
				if r.InCluster != nil {
					v[1], v[2] = r.InCluster.BilledCost, r.InCluster.IdleCost
					if r.InCluster.IdlePolicy != tc.policy {
						t.Errorf("\n%s\n%s: inCluster.idlePolicy %q, want %q", tc.reason, k, r.InCluster.IdlePolicy, tc.policy)
					}
					cloud := decimal.RequireFromString(r.Cloud.BilledCost).Add(decimal.RequireFromString(r.InCluster.BilledCost))
					if !cloud.Equal(decimal.RequireFromString(r.BilledCost)) {
						t.Errorf("\n%s\n%s: cloud %s + inCluster %s != billed %s", tc.reason, k, r.Cloud.BilledCost, r.InCluster.BilledCost, r.BilledCost)
					}
				}
				if r.AllocatedToSpaces != nil {
					v[3] = r.AllocatedToSpaces.BilledCost
				}
				got[k] = v
				sum = sum.Add(decimal.RequireFromString(r.BilledCost))
			}
			equal := cmp.Comparer(func(a, b string) bool {
				return decimal.RequireFromString(a).Equal(decimal.RequireFromString(b))
			})
			if diff := cmp.Diff(ref, got, equal); diff != "" {
				t.Errorf("\n%s\nIngest(...): -Python decimal, +got ([billed, in-cluster, idle, allocated to spaces] per record):\n%s", tc.reason, diff)
			}
			if !sum.Equal(decimal.RequireFromString(total)) {
				t.Errorf("\n%s\nIngest(...): records sum to %s, the rows to %s: moving in-cluster cost must not change the total", tc.reason, sum, total)
			}
			if a := got["space:team-a"]; a != nil && !decimal.RequireFromString(a[2]).Equal(decimal.RequireFromString(tc.want.teamAIdle)) {
				t.Errorf("\n%s\nIngest(...): team-a idle %s, want %s", tc.reason, a[2], tc.want.teamAIdle)
			}
		})
	}
}

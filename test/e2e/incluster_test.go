//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	billingv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// inClusterClaim is a space whose cost is mostly its pods: a small budget
// so that the figures are easy to follow.
const inClusterClaim = `apiVersion: platform.cloudspace.dev/v1alpha1
kind: CloudSpace
metadata:
  name: ledger
  namespace: team-payments
spec:
  team: payments
  environment: dev
  owner: ledger-lead@example.com
  costCenter: cc-4711
  tier: small
  region: eu-west-1
  network: {cidr: 10.70.0.0/16}
  resources: {cpu: "2", memory: 4Gi, storage: 10Gi}
  budget: {monthlyLimit: "100.00"}
`

const (
	inClusterName   = "ledger"
	inClusterTenant = "team-payments-ledger"
	// inClusterScope is the scope of this step's ingests: its records
	// stand apart from those of the default scope the other steps write.
	inClusterScope = "incluster"
	inClusterEKS   = "shared-eu"
	inClusterNode  = "i-0e2e5c1a9b7d3f4a6"
)

// The daily figures of the split cost CUR, USD. The tenant namespace's pod
// takes 1.75 (vCPU) and 0.65 (memory) of its node a day, and 0.45 and 0.15
// of the node's idle capacity, which --idle-policy split gives the space;
// its tagged bucket and key cost 0.15 and 0.07. 3.22 a day is 90.16 to
// 99.82 USD a month of 28 to 31 days: at risk of the 100 USD budget
// (threshold 90 %) and never over it, whatever the day.
var (
	icSplitCPU    = decimal.RequireFromString("1.75")
	icSplitMemory = decimal.RequireFromString("0.65")
	icUnusedCPU   = decimal.RequireFromString("0.45")
	icUnusedMem   = decimal.RequireFromString("0.15")
	icBucket      = decimal.RequireFromString("0.15")
	icKey         = decimal.RequireFromString("0.07")
	icNode        = decimal.RequireFromString("4.608")
	icKubeSystem  = decimal.RequireFromString("0.20")
	// icOpenCost is what OpenCost says the namespace's pods cost in the
	// month so far, once a batch job ran: past the budget on its own.
	icOpenCost = decimal.RequireFromString("104.5")
	// What OpenCost says kube-system and the cluster's idle capacity cost:
	// the cluster's, no space's.
	icOpenCostKubeSystem = decimal.RequireFromString("2")
	icOpenCostIdle       = decimal.RequireFromString("26.75")
	icBudget             = decimal.RequireFromString("100.00")
)

// scenarioInCluster creates a space of its own whose tenant namespace
// spends most of its budget on pods. From a CUR 2.0 with EKS split cost
// allocation data (the namespace read from the XCloudSpace's
// status.namespace), the claim's Budget turns AtRisk; from OpenCost's
// allocation API on a loopback server, with the space's tagged resources
// from a CUR without split data, Exceeded. Each time status.billing holds
// the in-cluster and cloud shares, worked out here from the rows written.
// The claim and this scope's records are deleted at the end.
func (e *env) scenarioInCluster(t *testing.T) {
	billing := filepath.Join(e.bin, "function-cloudspace-billing")
	if !exists(billing) {
		t.Skip("function-cloudspace-billing is not built")
	}
	e.apply(t, inClusterClaim)
	var xr string
	eventually(t, "the claim's space to be composed", 3*time.Minute, func() error {
		obj, err := e.getJSON("-n", claimNamespace, "cloudspace", inClusterName)
		if err != nil {
			return err
		}
		name, _ := field(obj, "spec.resourceRef.name").(string)
		if name == "" {
			return fmt.Errorf("no resourceRef yet")
		}
		x, err := e.getJSON("xcloudspace", name)
		if err != nil {
			return err
		}
		// The ingester maps the namespace to the space by this field.
		if ns := field(x, "status.namespace"); ns != inClusterTenant {
			return fmt.Errorf("status.namespace %v, want %s", ns, inClusterTenant)
		}
		if _, err := e.getJSON("namespace", inClusterTenant); err != nil {
			return err
		}
		xr = name
		return nil
	})
	// The export bills the space's bucket by its name, the external name
	// the composer gives it.
	var bucket string
	eventually(t, "the space's bucket", 2*time.Minute, func() error {
		out, err := e.try("get", "buckets.s3.aws.upbound.io", "-l", "crossplane.io/composite="+xr, "-o", `jsonpath={.items[*].metadata.annotations.crossplane\.io/external-name}`)
		if err != nil {
			return err
		}
		if bucket = strings.TrimSpace(out); bucket == "" || strings.Contains(bucket, " ") {
			return fmt.Errorf("bucket external names %q, want one", bucket)
		}
		return nil
	})
	defer func() {
		e.run(t, "-n", claimNamespace, "delete", "cloudspace", inClusterName, "--wait=false")
		eventually(t, "the space to be deleted", 2*time.Minute, func() error {
			if _, err := e.getJSON("xcloudspace", xr); err == nil {
				return fmt.Errorf("XR %s still exists", xr)
			}
			return nil
		})
		e.run(t, "delete", "environmentconfigs", "-l", "billing.cloudspace.dev/scope="+inClusterScope)
	}()

	// This month's data up to today 00:00 UTC (on the 1st, last month's).
	through := time.Now().UTC().Truncate(24 * time.Hour)
	from := time.Date(through.Year(), through.Month(), 1, 0, 0, 0, 0, time.UTC)
	if from.Equal(through) {
		from = from.AddDate(0, -1, 0)
	}
	end := from.AddDate(0, 1, 0)
	period := from.Format("2006-01")
	days := decimal.NewFromInt(int64(through.Sub(from) / (24 * time.Hour)))
	length := decimal.NewFromInt(int64(end.Sub(from) / (24 * time.Hour)))
	dir := t.TempDir()

	ingest := func(args ...string) {
		t.Helper()
		args = append([]string{"ingest", "--kubeconfig", e.kubeconfig, "--scope", inClusterScope}, args...)
		out, err := exec.Command(billing, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("%s:\n%s", strings.Join(args, " "), out)
	}
	// expect waits for the claim's Budget reason and status.billing, and
	// for the Budget message to name the pods' share.
	expect := func(reason string, want map[string]string, wantNS []string) {
		t.Helper()
		var obj map[string]any
		start := time.Now()
		eventually(t, "the claim's Budget to be "+reason, 3*time.Minute, func() error {
			var err error
			if obj, err = e.getJSON("-n", claimNamespace, "cloudspace", inClusterName); err != nil {
				return err
			}
			c := condition(obj, "Budget")
			if c == nil || c["reason"] != reason || c["status"] != "False" {
				return fmt.Errorf("Budget condition: %v", c)
			}
			var diffs []string
			for _, k := range slices.Sorted(maps.Keys(want)) {
				if got := field(obj, "status.billing."+k); got != want[k] {
					diffs = append(diffs, fmt.Sprintf("%s = %v, want %s", k, got, want[k]))
				}
			}
			if len(diffs) > 0 {
				return fmt.Errorf("status.billing: %s", strings.Join(diffs, "; "))
			}
			var ns []string
			list, _ := field(obj, "status.billing.inCluster.namespaces").([]any)
			for _, n := range list {
				ns = append(ns, fmt.Sprint(n))
			}
			if !slices.Equal(ns, wantNS) {
				return fmt.Errorf("status.billing.inCluster.namespaces %v, want %v", ns, wantNS)
			}
			pods := "of which the tenant namespace's pods " + want["inCluster.billedToDate"]
			if m := fmt.Sprint(c["message"]); !strings.Contains(m, pods) {
				return fmt.Errorf("Budget message %q does not say %q", m, pods)
			}
			return nil
		})
		t.Logf("%s after %s: %v", reason, time.Since(start).Round(time.Second), field(obj, "status.billing"))
	}
	// cost reads a cost field of a record object exactly.
	cost := func(obj map[string]any, path string) decimal.Decimal {
		t.Helper()
		s, _ := field(obj, path).(string)
		d, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatalf("%s: %s %q: %v", field(obj, "metadata.name"), path, s, err)
		}
		return d
	}
	money := func(d decimal.Decimal) string { return d.StringFixed(2) }
	pct := func(d decimal.Decimal) string {
		return d.Mul(decimal.NewFromInt(100)).DivRound(icBudget, 12).StringFixed(1)
	}
	// wantBilling is the status.billing the space must report: its totals and
	// the in-cluster and cloud shares.
	wantBilling := func(billed, forecast, pods, idle decimal.Decimal, idlePolicy string, cloud decimal.Decimal) map[string]string {
		return map[string]string{
			"period":                    period,
			"billedToDate":              money(billed),
			"effectiveToDate":           money(billed),
			"forecast":                  money(forecast),
			"budgetUsedPercent":         pct(billed),
			"forecastPercent":           pct(forecast),
			"dataThrough":               through.Format(time.RFC3339),
			"inCluster.billedToDate":    money(pods),
			"inCluster.effectiveToDate": money(pods),
			"inCluster.idleToDate":      money(idle),
			"inCluster.idlePolicy":      idlePolicy,
			"cloud.billedToDate":        money(cloud),
			"cloud.effectiveToDate":     money(cloud),
			// The key's ARN, which only its provider reports, is not known.
			"orphanSpend": money(icKey.Mul(days)),
		}
	}

	// The split cost CUR: the pods of the tenant namespace in the EKS
	// cluster cost the space, moved off the node they ran on.
	cur := filepath.Join(dir, "cur-split.csv")
	writeFile(t, cur, splitCUR(xr, bucket, from, through))
	ingest("--format", "cur", "--idle-policy", "split", cur)

	pods := icSplitCPU.Add(icSplitMemory).Add(icUnusedCPU).Add(icUnusedMem).Mul(days)
	idle := icUnusedCPU.Add(icUnusedMem).Mul(days)
	cloud := icBucket.Add(icKey).Mul(days)
	billed := pods.Add(cloud)
	forecast := billed.Mul(length).DivRound(days, 12)
	if !forecast.Mul(decimal.NewFromInt(100)).GreaterThanOrEqual(icBudget.Mul(decimal.NewFromInt(90))) || billed.GreaterThan(icBudget) {
		t.Fatalf("the split cost figures do not put the space at risk: billed %s, forecast %s", billed, forecast)
	}
	expect("BudgetAtRisk", wantBilling(billed, forecast, pods, idle, "split", cloud), []string{inClusterTenant})
	if !pods.GreaterThan(cloud) {
		t.Errorf("the pods (%s) must cost more than the cloud resources (%s)", pods, cloud)
	}
	// The pods' cost moved off the node, whose account keeps the rest of
	// it (kube-system's pod, the capacity no pod used): nothing is counted
	// twice.
	node := e.unattributed(t, "222222222222", period)
	if got, want := cost(node, "data.billedCost"), icNode.Mul(days).Sub(pods); !got.Equal(want) {
		t.Errorf("the node's record: billedCost %s, want %s", got, want)
	}
	if got := cost(node, "data.allocatedToSpaces.billedCost"); !got.Equal(pods) {
		t.Errorf("the node's record: allocatedToSpaces.billedCost %s, want the pods' %s", got, pods)
	}

	// OpenCost, for the cluster without split cost data: the namespace's
	// pods now cost more than the budget. The space's tagged resources come
	// from a CUR of the same month without split rows, in the same run, or
	// the run would replace them with nothing.
	oc := newOpenCost(t, from, through)
	tagged := filepath.Join(dir, "cur-tagged.csv")
	writeFile(t, tagged, taggedCUR(xr, bucket, from, through))
	window := from.Format(time.RFC3339) + "," + through.Format(time.RFC3339)
	src := "opencost+" + oc.url + "/allocation/compute?window=" + window + "&aggregate=namespace"
	ingest("--opencost-currency", "USD", tagged, src)
	if q := oc.queries(); len(q) != 1 || q[0] != "window="+window+"&aggregate=namespace" {
		t.Errorf("OpenCost queries: %q, want one of window=%s&aggregate=namespace", q, window)
	}

	pods = icOpenCost
	billed = pods.Add(cloud)
	forecast = billed.Mul(length).DivRound(days, 12)
	if !billed.GreaterThan(icBudget) {
		t.Fatalf("the OpenCost figures do not exceed the budget: billed %s", billed)
	}
	expect("BudgetExceeded", wantBilling(billed, forecast, pods, decimal.Zero, "none", cloud), []string{inClusterTenant})
	// OpenCost's kube-system and idle cost are the cluster's.
	if got, want := cost(e.unattributed(t, "opencost/onprem-e2e", period), "data.billedCost"), icOpenCostKubeSystem.Add(icOpenCostIdle); !got.Equal(want) {
		t.Errorf("the OpenCost cluster's record: billedCost %s, want %s", got, want)
	}
	row := e.run(t, "-n", claimNamespace, "get", "cloudspace", inClusterName, "--no-headers", "-o", "custom-columns=STATE:.status.state")
	if strings.TrimSpace(row) != "OverBudget" {
		t.Errorf("kubectl get: state %q, want OverBudget", strings.TrimSpace(row))
	}
}

// curHeader is the header of the CUR 2.0 exports of this step: the
// columns of an export with INCLUDE_SPLIT_COST_ALLOCATION_DATA, as AWS
// documents them, that the ingester reads.
const curHeader = "identity_line_item_id,identity_time_interval,bill_billing_entity,bill_billing_period_start_date,bill_billing_period_end_date," +
	"bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date," +
	"line_item_product_code,line_item_usage_type,line_item_operation,line_item_resource_id,line_item_usage_amount,line_item_currency_code," +
	"line_item_unblended_cost,pricing_public_on_demand_cost,product,resource_tags"

const splitHeader = ",split_line_item_parent_resource_id,split_line_item_split_usage,split_line_item_reserved_usage," +
	"split_line_item_actual_usage,split_line_item_split_usage_ratio,split_line_item_split_cost,split_line_item_unused_cost," +
	"split_line_item_public_on_demand_split_cost,split_line_item_public_on_demand_unused_cost"

// curLine is one CUR 2.0 line item of a day, its tags and product a JSON
// map each.
type curLine struct {
	product, usageType, operation, resource, usage string
	cost                                           decimal.Decimal
	service                                        string
	tags                                           map[string]string
	// split are the split cost cells, empty for a line that is no pod's.
	split []string
}

func (l curLine) csv(n int, day time.Time, split bool) string {
	const ts = "2006-01-02T15:04:05.000Z"
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	quote := func(m map[string]string) string {
		return `"` + strings.ReplaceAll(string(must(json.Marshal(m))), `"`, `""`) + `"`
	}
	next := day.AddDate(0, 0, 1)
	cells := []string{
		fmt.Sprintf("e2e-%s-%04d", day.Format("20060102"), n), day.Format(time.RFC3339) + "/" + next.Format(time.RFC3339), "AWS",
		month.Format(ts), month.AddDate(0, 1, 0).Format(ts), "111111111111", "222222222222", "Usage",
		day.Format(ts), next.Format(ts), l.product, l.usageType, l.operation, l.resource, l.usage, "USD",
		l.cost.String(), l.cost.String(),
		quote(map[string]string{"product_name": l.service, "region": "eu-west-1"}), quote(l.tags),
	}
	if split {
		s := l.split
		if s == nil {
			s = make([]string, 9)
		}
		cells = append(cells, s...)
	}
	return strings.Join(cells, ",") + "\n"
}

// cloudLines are the space's tagged resources: its bucket and a KMS key.
func cloudLines(xr, bucket string) []curLine {
	tags := map[string]string{"user_cloudspace": xr}
	return []curLine{
		{"AmazonS3", "EUW1-TimedStorage-ByteHrs", "StandardStorage", bucket, "6.5", icBucket, "Amazon Simple Storage Service", tags, nil},
		{"awskms", "eu-west-1-KMS-Keys", "Unknown", "arn:aws:kms:eu-west-1:222222222222:key/" + xr, "0.0333333333", icKey, "AWS Key Management Service", tags, nil},
	}
}

// splitCUR is a CUR 2.0 export with EKS split cost allocation data, for
// each day between from and through: a node of the EKS cluster, untagged,
// on which a pod of the space's tenant namespace and one of kube-system
// ran, and the space's tagged resources.
func splitCUR(xr, bucket string, from, through time.Time) []byte {
	eks := func(ns, pod string) map[string]string {
		return map[string]string{"aws_eks_cluster_name": inClusterEKS, "aws_eks_namespace": ns, "aws_eks_node": "ip-10-70-1-17.eu-west-1.compute.internal", "aws_eks_workload_name": pod}
	}
	arn := func(ns, pod string) string {
		return fmt.Sprintf("arn:aws:eks:eu-west-1:222222222222:pod/%s/%s/%s/uid-%s", inClusterEKS, ns, pod, pod)
	}
	// The split cells: parent, split, reserved and actual usage, ratio,
	// split and unused cost, and both at on-demand rates.
	cells := func(usage, ratio string, split, unused decimal.Decimal) []string {
		return []string{inClusterNode, usage, usage, usage, ratio, split.String(), unused.String(), split.String(), unused.String()}
	}
	zero := decimal.Zero
	lines := []curLine{
		{"AmazonEC2", "EUW1-BoxUsage:m6i.xlarge", "RunInstances", inClusterNode, "24", icNode, "Amazon Elastic Compute Cloud", map[string]string{"aws_eks_cluster_name": inClusterEKS}, nil},
		{"AmazonEKS", "EUW1-EKS-EC2-vCPU-Hours", "EKSPod-EC2", arn(inClusterTenant, "ledger-api-7f9c"), "48", zero, "Amazon Elastic Kubernetes Service",
			eks(inClusterTenant, "ledger-api"), cells("48", "0.5", icSplitCPU, icUnusedCPU)},
		{"AmazonEKS", "EUW1-EKS-EC2-GB-Hours", "EKSPod-EC2", arn(inClusterTenant, "ledger-api-7f9c"), "192", zero, "Amazon Elastic Kubernetes Service",
			eks(inClusterTenant, "ledger-api"), cells("192", "0.5", icSplitMemory, icUnusedMem)},
		{"AmazonEKS", "EUW1-EKS-EC2-vCPU-Hours", "EKSPod-EC2", arn("kube-system", "coredns-5d78"), "4.8", zero, "Amazon Elastic Kubernetes Service",
			eks("kube-system", "coredns"), cells("4.8", "0.05", icKubeSystem, zero)},
	}
	lines = append(lines, cloudLines(xr, bucket)...)
	var b strings.Builder
	b.WriteString(curHeader + splitHeader + "\n")
	for day := from; day.Before(through); day = day.AddDate(0, 0, 1) {
		for i, l := range lines {
			b.WriteString(l.csv(i, day, true))
		}
	}
	return []byte(b.String())
}

// taggedCUR is a CUR 2.0 export without split cost data, for each day
// between from and through: only the space's tagged resources.
func taggedCUR(xr, bucket string, from, through time.Time) []byte {
	var b strings.Builder
	b.WriteString(curHeader + "\n")
	for day := from; day.Before(through); day = day.AddDate(0, 0, 1) {
		for i, l := range cloudLines(xr, bucket) {
			b.WriteString(l.csv(i, day, false))
		}
	}
	return []byte(b.String())
}

// openCost is a loopback server answering OpenCost's allocation API,
// /allocation/compute aggregated by namespace, in its documented response
// shape: one set for the window, with the tenant namespace, kube-system and
// the cluster's idle cost.
type openCost struct {
	url string
	mu  sync.Mutex
	qs  []string
}

func newOpenCost(t *testing.T, from, through time.Time) *openCost {
	t.Helper()
	oc := &openCost{}
	window := map[string]string{"start": from.Format(time.RFC3339), "end": through.Format(time.RFC3339)}
	minutes := through.Sub(from).Minutes()
	alloc := func(ns string, cpu, ram, total string) map[string]any {
		a := map[string]any{
			"name": ns, "window": window, "start": window["start"], "end": window["end"], "minutes": minutes,
			"properties": map[string]string{"cluster": "onprem-e2e", "namespace": ns},
			"cpuCost":    json.Number(cpu), "ramCost": json.Number(ram), "gpuCost": 0, "pvCost": 0, "networkCost": 0,
			"loadBalancerCost": 0, "sharedCost": 0, "externalCost": 0, "totalCost": json.Number(total),
		}
		if strings.HasPrefix(ns, "__") {
			a["properties"] = map[string]string{"cluster": "onprem-e2e"}
		}
		return a
	}
	cpu := icOpenCost.Mul(decimal.RequireFromString("0.8"))
	body, err := json.Marshal(map[string]any{
		"code": 200, "status": "success",
		"data": []map[string]any{{
			inClusterTenant: alloc(inClusterTenant, cpu.String(), icOpenCost.Sub(cpu).String(), icOpenCost.String()),
			"kube-system":   alloc("kube-system", "1.2", "0.8", icOpenCostKubeSystem.String()),
			"__idle__":      alloc("__idle__", "20.5", "6.25", icOpenCostIdle.String()),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		oc.mu.Lock()
		oc.qs = append(oc.qs, r.URL.RawQuery)
		oc.mu.Unlock()
		q := r.URL.Query()
		if r.URL.Path != "/allocation/compute" || q.Get("aggregate") != "namespace" || q.Get("window") == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code": 400, "message": "want /allocation/compute with a window, aggregated by namespace"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	oc.url = srv.URL
	return oc
}

func (oc *openCost) queries() []string {
	oc.mu.Lock()
	defer oc.mu.Unlock()
	return slices.Clone(oc.qs)
}

// unattributed returns the object of the unattributed record of an account
// in a period that this step's scope writes.
func (e *env) unattributed(t *testing.T, account, period string) map[string]any {
	t.Helper()
	r := billingv1alpha1.SpendRecord{Account: account, Period: period}
	obj, err := e.getJSON("environmentconfig", r.NameInScope(inClusterScope))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

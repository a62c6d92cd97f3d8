package billing

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// In-cluster spend: what the pods of a space's tenant namespace cost.
//
// Most of a space's cost is its pods, which run on nodes shared by every
// tenant of the cluster and tagged with no space. AWS's split cost
// allocation data (CUR 2.0 and Data Exports with INCLUDE_SPLIT_COST_ALLOCATION_DATA,
// legacy CUR with split cost allocation) divides the amortised cost of each
// node among the pods that ran on it: two rows per pod and hour (vCPU and
// memory, line_item_usage_type *-EKS-EC2-vCPU-Hours and *-EKS-EC2-GB-Hours),
// whose line_item_resource_id is the pod's ARN,
// arn:aws:eks:<region>:<account>:pod/<cluster>/<namespace>/<pod>/<uid>,
// with the parent node in split_line_item_parent_resource_id and the cost in
// split_line_item_split_cost (the pod's share of the node, by its split
// usage, the larger of its reserved and actual usage) and
// split_line_item_unused_cost (its share of the node's idle capacity);
// split_line_item_net_* after discounts, split_line_item_public_on_demand_*
// at on-demand rates (https://docs.aws.amazon.com/cur/latest/userguide/split-line-item-columns.html,
// example-split-cost-allocation-data.html).
//
// The node's own EC2 row still carries the whole cost of the instance, so
// adding the split costs to it would count the node twice. Ingest moves
// the cost instead: a split row whose namespace is a space's tenant
// namespace (InCluster.Namespaces; else a row tagged with the space) adds
// its split cost to that space's record, as its in-cluster share, and
// takes the same amount off the record holding the node's rows (the
// unattributed record of the node's account, typically), noted there as
// AllocatedToSpaces. Whatever is not moved (pods of kube-system and other
// namespaces of no space, and idle capacity the policy does not share)
// stays with the node. Every figure moved is exact, so the run's total
// cost is unchanged to the last digit.
//
// FOCUS 1.3 allocated charges (AllocatedMethodId set) replace their origin
// charge rather than repeat it (FOCUS, "Data Generator-Calculated Split
// Cost Allocation Handling"), so nothing is moved: an allocated charge whose
// AllocatedTags name a space, or whose namespace (AllocatedTags
// k8s:namespace, aws:eks:namespace, or the pod ARN in AllocatedResourceId)
// is a space's tenant namespace, is that space's in-cluster share as
// written.

// InCluster says how in-cluster spend is attributed.
type InCluster struct {
	// Namespaces maps a tenant namespace to the XCloudSpace it belongs to
	// (the XCloudSpace's status.namespace). A key "<cluster>/<namespace>"
	// holds for that EKS cluster only, and wins over the bare namespace.
	Namespaces map[string]string
	// Clusters, when set, are the only EKS clusters whose pods are
	// attributed by namespace.
	Clusters []string
	// IdlePolicy is how the idle capacity of nodes is shared among the
	// spaces whose pods ran on them: v1alpha1.IdleNone (the default: it
	// stays with the node, the platform's cost), IdleSplit, IdleRequests or
	// IdleUsage.
	IdlePolicy string
}

// ParseIdlePolicy parses an idle cost policy.
func ParseIdlePolicy(s string) (string, error) {
	switch s {
	case "":
		return v1alpha1.IdleNone, nil
	case v1alpha1.IdleNone, v1alpha1.IdleSplit, v1alpha1.IdleRequests, v1alpha1.IdleUsage:
		return s, nil
	}
	return "", fmt.Errorf("cannot parse idle policy %q: want one of %s, %s, %s, %s", s, v1alpha1.IdleNone, v1alpha1.IdleSplit, v1alpha1.IdleRequests, v1alpha1.IdleUsage)
}

// inClusterConfig is InCluster, validated.
type inClusterConfig struct {
	// namespaces maps a bare namespace, scoped a cluster's namespaces.
	namespaces map[string]string
	scoped     map[string]map[string]string
	clusters   map[string]bool
	idle       string
}

func newInClusterConfig(o InCluster) (*inClusterConfig, error) {
	idle, err := ParseIdlePolicy(o.IdlePolicy)
	if err != nil {
		return nil, err
	}
	c := &inClusterConfig{namespaces: map[string]string{}, idle: idle}
	var errs []string
	for _, k := range slices.Sorted(maps.Keys(o.Namespaces)) {
		sp := o.Namespaces[k]
		cluster, ns, scoped := strings.Cut(k, "/")
		if !scoped {
			ns, cluster = cluster, ""
		}
		switch {
		case !v1alpha1.IsLabelValue(ns) || scoped && cluster == "":
			errs = append(errs, fmt.Sprintf("namespace %q: must be a namespace or <cluster>/<namespace>", k))
		case !v1alpha1.IsSpaceName(sp):
			errs = append(errs, fmt.Sprintf("namespace %q: space %q: must be a lower case DNS name of at most 63 characters", k, sp))
		case scoped:
			if c.scoped == nil {
				c.scoped = map[string]map[string]string{}
			}
			if c.scoped[cluster] == nil {
				c.scoped[cluster] = map[string]string{}
			}
			c.scoped[cluster][ns] = sp
		default:
			c.namespaces[ns] = sp
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("cannot map namespaces to spaces: %s", strings.Join(errs, "; "))
	}
	if len(o.Clusters) > 0 {
		c.clusters = map[string]bool{}
		for _, cl := range o.Clusters {
			c.clusters[cl] = true
		}
	}
	return c, nil
}

// space returns the space whose tenant namespace ns is in cluster, or "".
func (c *inClusterConfig) space(cluster, ns []byte) string {
	if c == nil || len(ns) == 0 {
		return ""
	}
	if c.clusters != nil && !c.clusters[string(cluster)] {
		return ""
	}
	if sp, ok := c.scoped[string(cluster)][string(ns)]; ok && len(cluster) > 0 {
		return sp
	}
	return c.namespaces[string(ns)]
}

// podARN returns the cluster and namespace of a pod ARN,
// arn:aws:eks:<region>:<account>:pod/<cluster>/<namespace>/<pod>/<uid>.
func podARN(arn []byte) (cluster, ns []byte) {
	i := bytes.Index(arn, []byte(":pod/"))
	if i < 0 || !bytes.HasPrefix(arn, []byte("arn:")) {
		return nil, nil
	}
	rest := arn[i+len(":pod/"):]
	j := bytes.IndexByte(rest, '/')
	if j <= 0 {
		return nil, nil
	}
	cluster, rest = rest[:j], rest[j+1:]
	if k := bytes.IndexByte(rest, '/'); k >= 0 {
		rest = rest[:k]
	}
	if len(rest) == 0 {
		return nil, nil
	}
	return cluster, rest
}

// Tag keys that carry a pod's namespace and cluster: AWS's EKS split cost
// allocation tags (aws:eks:namespace, aws:eks:cluster-name; CUR 2.0 spells
// them aws_eks_namespace in resource_tags) and the k8s:namespace key of
// FOCUS AllocatedTags.
var (
	namespaceKeys = [][]byte{[]byte("aws:eks:namespace"), []byte("aws_eks_namespace"), []byte("k8s:namespace")}
	clusterKeys   = [][]byte{[]byte("aws:eks:cluster-name"), []byte("aws_eks_cluster_name"), []byte("k8s:cluster")}
)

// tagValue returns a copy of the value of the first of keys in the JSON
// object of column c, or nil.
func (p *rowProc) tagValue(c col, keys [][]byte) []byte {
	if p.m.idx[c] < 0 || isNull(p.vals[c]) {
		return nil
	}
	m := &tagMatcher{keys: keys}
	find := m.find
	if c == cTags && p.tagsDQ {
		// The cell as in the CSV file, quotes doubled (rowProc.jsonTag).
		find = m.findEscaped
	}
	v, kind, err := find(p.vals[c])
	if err != nil || kind != matchExact || isNull(v) {
		return nil
	}
	return bytes.Clone(v)
}

// podNamespace returns the cluster and namespace of the pod of a CUR split
// row: from its ARN in line_item_resource_id, else from its tags.
func (p *rowProc) podNamespace() (cluster, ns []byte) {
	if cluster, ns = podARN(p.vals[cResource]); ns != nil {
		return cluster, ns
	}
	return p.tagValue(cTags, clusterKeys), p.tagValue(cTags, namespaceKeys)
}

// allocNamespace returns the cluster and namespace of the target of a FOCUS
// allocated charge: from its AllocatedTags, else the pod ARN in
// AllocatedResourceId.
func (p *rowProc) allocNamespace() (cluster, ns []byte) {
	if ns = p.tagValue(cAllocTags, namespaceKeys); ns != nil {
		return p.tagValue(cAllocTags, clusterKeys), ns
	}
	return podARN(p.vals[cAllocResource])
}

// allocated reports whether the row is a FOCUS allocated charge.
func (p *rowProc) allocated() bool {
	return p.m.format == FormatFOCUS && (p.has(cAllocMethod) || p.has(cAllocResource))
}

// allocatedSpace returns the space of a FOCUS allocated charge by the
// namespace of its target.
func (p *rowProc) allocatedSpace() (tagHit, bool) {
	if c := p.m.inCluster; c == nil || len(c.namespaces) == 0 && len(c.scoped) == 0 || !p.allocated() {
		return tagHit{}, false
	}
	sp := p.m.inCluster.space(p.allocNamespace())
	if sp == "" {
		return tagHit{}, false
	}
	return tagHit{space: []byte(sp)}, true
}

// costTriple is a billed, effective and list sum.
type costTriple struct {
	billed, effective, list Sum
}

func (t *costTriple) add(b, e, l Amount) {
	t.billed.Add(b)
	t.effective.Add(e)
	t.list.Add(l)
}

func (t *costTriple) merge(o *costTriple) {
	t.billed.Merge(&o.billed)
	t.effective.Merge(&o.effective)
	t.list.Merge(&o.list)
}

func (t *costTriple) share() *v1alpha1.CostShare {
	return &v1alpha1.CostShare{BilledCost: t.billed.String(), EffectiveCost: t.effective.String(), ListCost: t.list.String()}
}

// groupInCluster is the in-cluster share of a space's group.
type groupInCluster struct {
	costTriple
	idle       Sum
	rows       int64
	namespaces map[string]struct{}
}

// setCurrency notes that the group has a row of currency c at at.
func (g *group) setCurrency(c []byte, at rowAt) {
	if !g.seenCurrency(c, at) {
		g.addCurrency(currencySeen{code: string(c), at: at})
	}
}

// rowAt returns where the row in p.vals is, its line counted.
func (p *rowProc) rowAt() rowAt {
	at := p.at
	if p.rowLine != nil {
		at.line = p.rowLine()
	}
	return at
}

// credit adds an in-cluster cost to a space's group: to its totals, its
// service and day, and its in-cluster share, of which idle is idle cost.
// The caller holds g.mu where workers share the group.
func (g *group) credit(b, e, l, idle Amount, svc []byte, day int32) {
	if g.ic == nil {
		g.ic = &groupInCluster{namespaces: map[string]struct{}{}}
	}
	g.billed.Add(b)
	g.effective.Add(e)
	g.list.Add(l)
	g.ic.add(b, e, l)
	g.ic.idle.Add(idle)
	g.addService(svc, b, e)
	g.addDay(day, b, e)
}

// debit takes cost moved to spaces off the group holding a node's rows,
// and off the costs of the node's resource ID where the record lists it.
func (g *group) debit(b, e, l Amount, svc []byte, day int32, resource string) {
	if g.alloc == nil {
		g.alloc = &costTriple{}
	}
	g.alloc.add(b, e, l)
	nb, ne := b.neg(), e.neg()
	g.billed.Add(nb)
	g.effective.Add(ne)
	g.list.Add(l.neg())
	g.addService(svc, nb, ne)
	g.addDay(day, nb, ne)
	if i, ok := searchIDs(g.ids, []byte(resource)); ok && resource != "" {
		g.idCost[i].billed.Add(nb)
		g.idCost[i].effective.Add(ne)
	}
}

func (g *group) mergeInCluster(o *group) {
	if o.ic != nil {
		if g.ic == nil {
			g.ic = o.ic
		} else {
			g.ic.merge(&o.ic.costTriple)
			g.ic.idle.Merge(&o.ic.idle)
			g.ic.rows += o.ic.rows
			for ns := range o.ic.namespaces {
				g.ic.namespaces[ns] = struct{}{}
			}
		}
	}
	if o.alloc != nil {
		if g.alloc == nil {
			g.alloc = o.alloc
		} else {
			g.alloc.merge(o.alloc)
		}
	}
}

// maxNamespaces is how many namespaces a record lists, the lexically
// smallest.
const maxNamespaces = 20

// inClusterRecord fills the in-cluster and cloud shares of a record.
func (g *group) inClusterRecord(r *v1alpha1.SpendRecord, policy string) {
	if g.alloc != nil {
		r.AllocatedToSpaces = g.alloc.share()
	}
	if g.ic == nil {
		return
	}
	r.InCluster = &v1alpha1.InClusterCost{
		BilledCost: g.ic.billed.String(), EffectiveCost: g.ic.effective.String(), ListCost: g.ic.list.String(),
		IdleCost: g.ic.idle.String(), IdlePolicy: policy, Rows: g.ic.rows,
		Namespaces: slices.Sorted(maps.Keys(g.ic.namespaces)),
	}
	// Pods labelled with a space may run in many namespaces: keep the
	// record small.
	if len(r.InCluster.Namespaces) > maxNamespaces {
		r.InCluster.Namespaces = r.InCluster.Namespaces[:maxNamespaces]
	}
	sub := func(total, part *Sum) string { return total.Decimal().Sub(part.Decimal()).String() }
	r.Cloud = &v1alpha1.CostShare{
		BilledCost: sub(&g.billed, &g.ic.billed), EffectiveCost: sub(&g.effective, &g.ic.effective), ListCost: sub(&g.list, &g.ic.list),
	}
}

// inClusterAgg is the state of split cost allocation of one aggregate: where
// the nodes' rows went, the cost to take off them, and the idle capacity to
// share by requests or usage.
type inClusterAgg struct {
	policy string
	homes  map[homeKey]home
	debits map[debitKey]*debitSum
	pools  map[poolKey]*idlePool
}

// homeKey is a node (an EC2 instance ID) in a period.
type homeKey struct {
	id     string
	period period
}

// home is the group a node's rows went to, and their service.
type home struct {
	space, account, service string
}

func (h home) less(o home) bool {
	return cmp.Or(cmp.Compare(h.space, o.space), cmp.Compare(h.account, o.account), cmp.Compare(h.service, o.service)) < 0
}

type debitKey struct {
	parent string
	period period
	day    int32
}

// debitSum is the cost moved off a node on a day, with the account and
// currency of the split rows that moved it.
type debitSum struct {
	costTriple
	account string
	service string // of the split rows, for a node whose rows the run did not read
	cur     currencySeen
}

type poolKey struct {
	parent string
	period period
	start  int64
	usage  string
}

// idlePool is the idle capacity of a node in an hour for one resource
// (vCPU or memory): the unused cost of every pod on it, and the weight
// (reserved or actual usage) of every pod, in total and per space.
type idlePool struct {
	costTriple
	weight  Sum
	spaces  map[string]*Sum
	account string
	service string
	cur     currencySeen
}

func (a *aggregate) inCluster() *inClusterAgg {
	if a.ic == nil {
		a.ic = &inClusterAgg{homes: map[homeKey]home{}, debits: map[debitKey]*debitSum{}, pools: map[poolKey]*idlePool{}}
	}
	return a.ic
}

func (ic *inClusterAgg) note(k homeKey, h home) {
	if old, ok := ic.homes[k]; ok && !h.less(old) {
		return
	}
	ic.homes[k] = h
}

func (ic *inClusterAgg) debit(k debitKey, account, service string, cur currencySeen, b, e, l Amount) {
	d := ic.debits[k]
	if d == nil {
		d = &debitSum{account: account, service: service, cur: cur}
		ic.debits[k] = d
	}
	d.add(b, e, l)
	d.note(account, service, cur)
}

func (d *debitSum) note(account, service string, cur currencySeen) {
	if account < d.account {
		d.account = account
	}
	if service < d.service {
		d.service = service
	}
	if cur.at.before(d.cur.at) {
		d.cur = cur
	}
}

func (ic *inClusterAgg) merge(o *inClusterAgg) {
	if ic.policy == "" {
		ic.policy = o.policy
	}
	for k, h := range o.homes {
		if old, ok := ic.homes[k]; !ok || h.less(old) {
			ic.homes[k] = h
		}
	}
	for k, d := range o.debits {
		if x := ic.debits[k]; x != nil {
			x.merge(&d.costTriple)
			x.note(d.account, d.service, d.cur)
			continue
		}
		ic.debits[k] = d
	}
	for k, pl := range o.pools {
		x := ic.pools[k]
		if x == nil {
			ic.pools[k] = pl
			continue
		}
		x.merge(&pl.costTriple)
		x.weight.Merge(&pl.weight)
		for sp, w := range pl.spaces {
			if y := x.spaces[sp]; y != nil {
				y.Merge(w)
			} else {
				x.spaces[sp] = w
			}
		}
		if pl.account < x.account {
			x.account = pl.account
		}
		if pl.service < x.service {
			x.service = pl.service
		}
		if pl.cur.at.before(x.cur.at) {
			x.cur = pl.cur
		}
	}
}

func (ic *inClusterAgg) setFile(i int) {
	for _, d := range ic.debits {
		d.cur.at.file = i
	}
	for _, pl := range ic.pools {
		pl.cur.at.file = i
	}
}

// splitRow moves the cost of the pod of a CUR split row from its node to the
// space of its namespace. p.vals holds the row; hit is what its tag
// resolved to.
func (p *rowProc) splitRow(hit tagHit, per period, start, end int64, cur, svc []byte, c splitCells) {
	account := p.vals[cSubAccount]
	if isNull(account) {
		account = p.vals[cBillingAccount]
	}
	if isNull(account) {
		account = nil
	}
	cfg := p.m.inCluster
	cluster, ns := p.podNamespace()
	space := cfg.space(cluster, ns)
	if space == "" && hit.space != nil {
		space = string(hit.space)
	}
	cost, unused, list, listUnused := c.cost, c.unused, c.list, c.listUnused
	parent := p.intern(nodeID(p.vals[cSplitParent]))
	seen := currencySeen{code: p.intern(cur), at: p.rowAt()}
	acct, service := p.intern(account), p.intern(svc)
	day := unixDay(start)
	var usage string
	if cfg.idle == v1alpha1.IdleRequests || cfg.idle == v1alpha1.IdleUsage {
		usage = p.intern(p.vals[cUsageType])
	}
	idle := Amount{}
	if space != "" && cfg.idle == v1alpha1.IdleSplit {
		idle = unused
		cost, list = cost.add(unused), list.add(listUnused)
	}
	if space != "" {
		// The space's group, under its lock; the row's own group is
		// unlocked (it may be this one).
		g := p.group([]byte(space), per)
		g.mu.Lock()
		g.setCurrency(cur, seen.at)
		g.credit(cost, cost, list, idle, svc, day)
		g.addTime(start, end)
		g.ic.rows++
		g.ic.addNamespace(ns)
		g.mu.Unlock()
	}
	p.agg.icMu.Lock()
	defer p.agg.icMu.Unlock()
	ic := p.agg.inCluster()
	ic.policy = cfg.idle
	if usage != "" {
		w := c.weight
		k := poolKey{parent: parent, period: per, start: start, usage: usage}
		pl := ic.pools[k]
		if pl == nil {
			pl = &idlePool{spaces: map[string]*Sum{}, account: acct, service: service, cur: seen}
			ic.pools[k] = pl
		}
		pl.add(unused, unused, listUnused)
		pl.weight.Add(w)
		if space != "" {
			s := pl.spaces[space]
			if s == nil {
				s = &Sum{}
				pl.spaces[space] = s
			}
			s.Add(w)
		}
	}
	if space == "" {
		return
	}
	ic.debit(debitKey{parent: parent, period: per, day: day}, acct, service, seen, cost, cost, list)
}

// splitCells are the figures of a split row.
type splitCells struct {
	cost, unused, list, listUnused, weight Amount
}

// splitCells reads the figures of the split row in p.vals, before any of
// the row is summed: a bad cell makes a bad row, left out whole.
func (p *rowProc) splitCells() (splitCells, *cellError) {
	var c splitCells
	var ce *cellError
	net := p.m.idx[cSplitNetCost] >= 0
	if c.cost, ce = p.splitAmount(cSplitCost, cSplitNetCost, net); ce != nil {
		return c, ce
	}
	if c.unused, ce = p.splitAmount(cSplitUnused, cSplitNetUnused, net); ce != nil {
		return c, ce
	}
	c.list, c.listUnused = c.cost, c.unused
	if p.has(cSplitListCost) {
		if c.list, ce = p.amount(cSplitListCost, false); ce != nil {
			return c, ce
		}
	}
	if p.has(cSplitListUnused) {
		if c.listUnused, ce = p.amount(cSplitListUnused, false); ce != nil {
			return c, ce
		}
	}
	switch p.m.inCluster.idle {
	case v1alpha1.IdleRequests:
		c.weight, ce = p.amount(cSplitReserved, false)
	case v1alpha1.IdleUsage:
		c.weight, ce = p.amount(cSplitActual, false)
	}
	return c, ce
}

// splitAmount returns a split cost: the net column where the export has
// net columns and the cell a value, else the gross one; null is 0.
func (p *rowProc) splitAmount(gross, net col, hasNet bool) (Amount, *cellError) {
	if hasNet && p.has(net) {
		return p.amount(net, false)
	}
	return p.amount(gross, false)
}

// allocatedRow adds a FOCUS allocated charge attributed to a space to the
// space's in-cluster share.
func (p *rowProc) allocatedRow(g *group, billed, effective, list Amount) {
	if p.m.inCluster != nil {
		p.agg.icMu.Lock()
		p.agg.inCluster().policy = p.m.inCluster.idle
		p.agg.icMu.Unlock()
	}
	_, ns := p.allocNamespace()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ic == nil {
		g.ic = &groupInCluster{namespaces: map[string]struct{}{}}
	}
	g.ic.add(billed, effective, list)
	g.ic.rows++
	g.ic.addNamespace(ns)
}

func (ic *groupInCluster) addNamespace(ns []byte) {
	if ns == nil {
		return
	}
	if _, ok := ic.namespaces[string(ns)]; !ok {
		ic.namespaces[string(ns)] = struct{}{}
	}
}

// space returns the group of a space and period, creating it.
func (a *aggregate) space(space string, per period) *group {
	return a.get([]byte(space), nil, per)
}

// intern returns b as a string, the same string for the same bytes, so
// that the keys of split rows, which repeat row after row, are allocated
// once.
func (p *rowProc) intern(b []byte) string {
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(p.strs) < maxValidCache {
		p.strs[s] = s
	}
	return s
}

// noteNode notes the group of a row of an EC2 instance, which split rows
// may name as their parent.
func (p *rowProc) noteNode(g *group, per period, svc []byte) {
	r := nodeID(p.vals[cResource])
	if len(r) < 3 || r[0] != 'i' || r[1] != '-' {
		return
	}
	h := home{space: g.space, account: g.account, service: p.intern(svc)}
	// Every row of a node notes it: take the aggregate's lock only for a
	// home that changes what this processor noted.
	k := homeKey{id: p.intern(r), period: per}
	if old, ok := p.homes[k]; ok && !h.less(old) {
		return
	}
	if len(p.homes) < maxValidCache {
		p.homes[k] = h
	}
	p.agg.icMu.Lock()
	p.agg.inCluster().note(k, h)
	p.agg.icMu.Unlock()
}

// settleInCluster shares the idle pools by weight and takes the cost moved
// to spaces off the groups holding the nodes' rows. A node whose rows the
// run did not read is debited in the unattributed record of the account of
// its split rows.
func (a *aggregate) settleInCluster() {
	ic := a.ic
	if ic == nil {
		return
	}
	for _, k := range slices.SortedFunc(maps.Keys(ic.pools), comparePoolKeys) {
		pl := ic.pools[k]
		total := pl.weight.Decimal()
		if !total.IsPositive() {
			continue
		}
		day := unixDay(k.start)
		svc := []byte(pl.service)
		// The unused cost is most often the billed, effective and list
		// figure alike: divide once.
		bd, ed, ld := pl.billed.Decimal(), pl.effective.Decimal(), pl.list.Decimal()
		sameE, sameL := bd.Equal(ed), bd.Equal(ld)
		for _, sp := range slices.Sorted(maps.Keys(pl.spaces)) {
			ws := pl.spaces[sp]
			w := ws.Decimal()
			share := func(s *Sum, d decimal.Decimal) Amount {
				if a, ok := shareFixed(s, ws, &pl.weight); ok {
					return a
				}
				return amountOf(d.Mul(w).DivRound(total, fixedScale))
			}
			b := share(&pl.billed, bd)
			e, l := b, b
			if !sameE {
				e = share(&pl.effective, ed)
			}
			if !sameL {
				l = share(&pl.list, ld)
			}
			g := a.space(sp, k.period)
			g.addCurrency(pl.cur)
			g.credit(b, e, l, b, svc, day)
			ic.debit(debitKey{parent: k.parent, period: k.period, day: day}, pl.account, pl.service, pl.cur, b, e, l)
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(ic.debits), compareDebitKeys) {
		d := ic.debits[k]
		h, ok := ic.homes[homeKey{id: k.parent, period: k.period}]
		var g *group
		switch {
		case ok && h.space != "":
			g = a.get([]byte(h.space), nil, k.period)
		case ok:
			g = a.get(nil, []byte(h.account), k.period)
		default:
			g = a.get(nil, []byte(d.account), k.period)
			h.service = d.service
		}
		g.addCurrency(d.cur)
		g.debit(sumAmount(&d.billed), sumAmount(&d.effective), sumAmount(&d.list), []byte(h.service), k.day, k.parent)
	}
	ic.pools, ic.debits = nil, nil
}

func sumAmount(s *Sum) Amount {
	return Amount{dec: s.Decimal(), big: true}
}

func comparePoolKeys(x, y poolKey) int {
	return cmp.Or(cmp.Compare(x.parent, y.parent), cmp.Compare(x.period, y.period), cmp.Compare(x.start, y.start), cmp.Compare(x.usage, y.usage))
}

func compareDebitKeys(x, y debitKey) int {
	return cmp.Or(cmp.Compare(x.parent, y.parent), cmp.Compare(x.period, y.period), cmp.Compare(x.day, y.day))
}

// nodeID returns the instance ID of an EC2 instance resource: the CUR's
// bare "i-0123" or the end of an ARN "arn:aws:ec2:…:instance/i-0123".
func nodeID(r []byte) []byte {
	if i := bytes.LastIndex(r, []byte(":instance/")); i >= 0 {
		return r[i+len(":instance/"):]
	}
	return r
}

// amountOf returns d as an Amount, in fixed point when it fits.
func amountOf(d decimal.Decimal) Amount {
	if d.Exponent() >= -fixedScale {
		if u := d.Shift(fixedScale); u.IsInteger() && u.BigInt().IsInt64() {
			return Amount{units: u.IntPart()}
		}
	}
	return Amount{dec: d, big: true}
}

// shareFixed returns x*w/total rounded half away from zero to a fixed point
// unit, as decimal's DivRound(…, fixedScale) does, in 128-bit integer
// arithmetic, when all three are non-negative fixed point sums that fit in
// an int64 and the share does too; else false.
func shareFixed(x, w, total *Sum) (Amount, bool) {
	xu, ok1 := x.small()
	wu, ok2 := w.small()
	tu, ok3 := total.small()
	if !ok1 || !ok2 || !ok3 || tu == 0 {
		return Amount{}, false
	}
	hi, lo := bits.Mul64(xu, wu)
	if hi >= tu {
		return Amount{}, false
	}
	q, r := bits.Div64(hi, lo, tu)
	if 2*r >= tu {
		q++
	}
	if q > math.MaxInt64 {
		return Amount{}, false
	}
	return Amount{units: int64(q)}, true
}

// small returns a sum of fixed point units that is non-negative and fits
// in an int64.
func (s *Sum) small() (uint64, bool) {
	if s.extra != nil || s.hi != 0 || s.lo > math.MaxInt64 {
		return 0, false
	}
	return s.lo, true
}

// unixDay returns the UTC day of a Unix time, in days since the epoch.
func unixDay(t int64) int32 {
	return int32(floorDiv(t, 86400))
}

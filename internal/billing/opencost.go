package billing

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// OpenCost's allocation API as a source of in-cluster spend, for clusters
// that are not EKS or whose export has no split cost allocation data.
//
// The source is the URL of the API with "opencost+" in front:
//
//	opencost+http://opencost.opencost:9003/allocation/compute?window=month&aggregate=namespace&step=1d
//
// The response (https://opencost.io/docs/integrations/api, /allocation and
// /allocation/compute) is {"code": 200, "data": [set, ...]}, one set per
// step, each a JSON object from the aggregate's name to an allocation with
// its "properties" ("cluster", "namespace", ...), "window" ("start",
// "end", RFC 3339) and costs ("cpuCost", "ramCost", ..., "totalCost").
// Each allocation is a row: its totalCost, read exactly from the JSON
// number, is the billed, effective and list cost of the namespace's pods in
// the window, billed in the billing period of the window's start (UTC), in
// Options.OpenCostCurrency (OpenCost reports no currency). An allocation
// whose namespace is a space's tenant namespace is the space's in-cluster
// share; the others, OpenCost's "__idle__" and "__unallocated__" among
// them, are the unattributed spend of the cluster (account
// "opencost/<cluster>"). OpenCost shares idle cost itself when the URL says
// shareIdle=true; or, with the idle policy requests or usage, the ingester
// shares the "__idle__" allocation's CPU and RAM cost by the allocations'
// requests or usage (idleShare).
// OpenCost estimates what the pods cost from the nodes' prices, so ingest
// it for clusters whose nodes no other export of the run bills by pod, or
// the nodes count twice.

// OpenCostScheme prefixes the URL of an OpenCost source.
const OpenCostScheme = "opencost+"

// formatOpenCost is the format of an OpenCost source. It is no Format: an
// OpenCost source is known by its URL, never detected or chosen.
const formatOpenCost = "opencost"

// DefaultOpenCostCurrency is the currency of OpenCost's figures unless
// Options.OpenCostCurrency says.
const DefaultOpenCostCurrency = "USD"

// maxOpenCostBytes bounds the response of an OpenCost query.
const maxOpenCostBytes = 256 << 20

// OpenCostSource is a query of OpenCost's allocation API.
type OpenCostSource struct {
	HTTPSource
}

// URI returns "opencost+" and the URL without credentials. The query, the
// window and aggregation of the allocations, is part of what was read.
func (s OpenCostSource) URI() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return OpenCostScheme + s.URL
	}
	u.User = nil
	return OpenCostScheme + u.String()
}

// openCostResponse is the documented response of /allocation.
type openCostResponse struct {
	Code    int                              `json:"code"`
	Message string                           `json:"message"`
	Data    []map[string]*openCostAllocation `json:"data"`
}

type openCostAllocation struct {
	Name       string `json:"name"`
	Properties struct {
		Cluster   string `json:"cluster"`
		Namespace string `json:"namespace"`
	} `json:"properties"`
	Window struct {
		Start string `json:"start"`
		End   string `json:"end"`
	} `json:"window"`
	Start     string       `json:"start"`
	End       string       `json:"end"`
	TotalCost *json.Number `json:"totalCost"`

	// What idle cost is shared by (idleshare below).
	Minutes               *json.Number `json:"minutes"`
	CPUCost               *json.Number `json:"cpuCost"`
	RAMCost               *json.Number `json:"ramCost"`
	CPUCoreRequestAverage *json.Number `json:"cpuCoreRequestAverage"`
	CPUCoreUsageAverage   *json.Number `json:"cpuCoreUsageAverage"`
	RAMByteRequestAverage *json.Number `json:"ramByteRequestAverage"`
	RAMByteUsageAverage   *json.Number `json:"ramByteUsageAverage"`
}

// openCostService is the service of OpenCost's rows in CostByService.
const openCostService = "Kubernetes (OpenCost)"

// ingestOpenCost reads an OpenCost query into an aggregate.
func ingestOpenCost(ctx context.Context, s OpenCostSource, o Options) (*aggregate, FileStats, error) {
	st := FileStats{URI: s.URI(), Format: formatOpenCost}
	fail := func(err error) (*aggregate, FileStats, error) {
		return nil, st, &FileError{File: st.URI, Err: err, MaxErrors: o.MaxErrors}
	}
	rc, err := openBody(ctx, s)
	if err != nil {
		return fail(err)
	}
	defer rc.Close()
	h, kind := newDigest(o)
	b, err := io.ReadAll(io.LimitReader(io.TeeReader(rc, h), maxOpenCostBytes+1))
	if err != nil {
		return fail(fmt.Errorf("cannot read response: %w", err))
	}
	if len(b) > maxOpenCostBytes {
		return fail(fmt.Errorf("cannot read response: larger than %d bytes", maxOpenCostBytes))
	}
	st.Bytes = int64(len(b))
	if rc.want >= 0 && st.Bytes != rc.want {
		return fail(&TruncatedError{URI: st.URI, Read: st.Bytes, Want: rc.want})
	}
	sum := hex.EncodeToString(h.Sum(nil))
	st.Digest = kind + ":" + sum
	switch {
	case o.NoDigest:
	case o.DigestXXH64:
		st.XXH64 = sum
	default:
		st.SHA256 = sum
	}
	cur := o.OpenCostCurrency
	if cur == "" {
		cur = DefaultOpenCostCurrency
	}
	if !validCurrency([]byte(cur)) {
		return fail(fmt.Errorf("cannot read allocations: currency %q: %w", cur, errCurrency))
	}
	agg := newAggregate(o.MaxResourceIDs)
	rows, err := readOpenCost(b, o.inCluster, cur, agg)
	st.Rows = rows
	if err != nil {
		return fail(err)
	}
	return agg, st, nil
}

// readOpenCost adds the allocations of an OpenCost response to agg and
// returns how many it read.
func readOpenCost(b []byte, cfg *inClusterConfig, cur string, agg *aggregate) (int64, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var rsp openCostResponse
	if err := d.Decode(&rsp); err != nil {
		return 0, fmt.Errorf("cannot parse allocations: %w", err)
	}
	if rsp.Code != 200 {
		return 0, fmt.Errorf("cannot read allocations: OpenCost answered code %d: %s", rsp.Code, rsp.Message)
	}
	if cfg != nil {
		agg.inCluster().policy = cfg.idle
	}
	var rows int64
	var errs []string
	for i, set := range rsp.Data {
		share := newIdleShare(cfg)
		for _, name := range slices.Sorted(maps.Keys(set)) {
			a := set[name]
			if a == nil {
				continue
			}
			rows++
			r, err := addOpenCost(agg, cfg, cur, name, a, rowAt{line: int64(i), rowGroup: -1})
			if err == nil {
				err = share.add(name, a, r)
			}
			if err != nil {
				errs = append(errs, fmt.Sprintf("set %d allocation %q: %v", i, name, err))
			}
		}
		if len(errs) == 0 {
			share.settle(agg)
		}
	}
	if len(errs) > 0 {
		return rows, fmt.Errorf("cannot read allocations: %s", strings.Join(errs, "; "))
	}
	return rows, nil
}

var errNoTotal = errors.New("no totalCost")

// openCostRow is where an allocation went.
type openCostRow struct {
	space, account string
	per            period
	day            int32
}

// addOpenCost adds one allocation.
func addOpenCost(agg *aggregate, cfg *inClusterConfig, cur, name string, a *openCostAllocation, at rowAt) (openCostRow, error) {
	var r openCostRow
	if a.TotalCost == nil {
		return r, errNoTotal
	}
	cost, err := parseAmount([]byte(a.TotalCost.String()))
	if err != nil {
		return r, fmt.Errorf("totalCost %q: %w", a.TotalCost.String(), err)
	}
	start, end := a.Window.Start, a.Window.End
	if start == "" {
		start, end = a.Start, a.End
	}
	from, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return r, fmt.Errorf("window start %q: must be an RFC 3339 time", start)
	}
	to, err := time.Parse(time.RFC3339, end)
	if err != nil {
		return r, fmt.Errorf("window end %q: must be an RFC 3339 time", end)
	}
	if to.Before(from) {
		return r, fmt.Errorf("window end %q: %w", end, errOrder)
	}
	from, to = from.UTC(), to.UTC()
	per := period(from.Year()*12 + int(from.Month()) - 1)
	ns, cluster := a.Properties.Namespace, a.Properties.Cluster
	if ns == "" && !strings.HasPrefix(name, "__") {
		// Aggregated by namespace, the name is the namespace; by
		// cluster,namespace it is "<cluster>/<namespace>".
		ns = name
		if c, n, ok := strings.Cut(name, "/"); ok {
			cluster, ns = c, n
		}
	}
	space := ""
	if !strings.HasPrefix(name, "__") {
		space = cfg.space([]byte(cluster), []byte(ns))
	}
	day := unixDay(from.Unix())
	svc := []byte(openCostService)
	account := "opencost"
	if cluster != "" {
		account += "/" + cluster
	}
	r = openCostRow{space: space, account: account, per: per, day: day}
	var g *group
	if space != "" {
		g = agg.space(space, per)
		g.setCurrency([]byte(cur), at)
		g.credit(cost, cost, cost, Amount{}, svc, day)
		g.ic.rows++
		g.ic.addNamespace([]byte(ns))
	} else {
		g = agg.get(nil, []byte(account), per)
		g.setCurrency([]byte(cur), at)
		g.billed.Add(cost)
		g.effective.Add(cost)
		g.list.Add(cost)
		g.addService(svc, cost, cost)
		g.addDay(day, cost, cost)
	}
	g.rows++
	g.addTime(from.Unix(), to.Unix())
	return r, nil
}

// idleShare shares the idle cost of a set's clusters, OpenCost's "__idle__"
// allocation, among the spaces by the policy: its cpuCost by each
// allocation's CPU core-minutes (cpuCoreRequestAverage, or
// cpuCoreUsageAverage, times minutes), its ramCost by RAM byte-minutes,
// rounded half away from zero to 10 decimals, moved off the cluster's
// record. Under IdleNone and IdleSplit (which names AWS's allocation), and
// for its other costs (GPU), idle stays with the cluster.
type idleShare struct {
	by       string
	clusters map[string]*clusterIdle
}

// clusterIdle is the idle cost and the weights of one cluster in a set.
type clusterIdle struct {
	idle       *openCostAllocation
	row        openCostRow
	cpu, ram   decimal.Decimal
	cpuW, ramW map[string]decimal.Decimal // per space
}

func newIdleShare(cfg *inClusterConfig) *idleShare {
	s := &idleShare{clusters: map[string]*clusterIdle{}}
	if cfg != nil && (cfg.idle == "requests" || cfg.idle == "usage") {
		s.by = cfg.idle
	}
	return s
}

func (s *idleShare) cluster(account string) *clusterIdle {
	c := s.clusters[account]
	if c == nil {
		c = &clusterIdle{cpuW: map[string]decimal.Decimal{}, ramW: map[string]decimal.Decimal{}}
		s.clusters[account] = c
	}
	return c
}

// add notes the idle cost or the weights of an allocation.
func (s *idleShare) add(name string, a *openCostAllocation, r openCostRow) error {
	if s.by == "" || name == "__unallocated__" || strings.HasSuffix(name, "/__unallocated__") {
		return nil
	}
	c := s.cluster(r.account)
	if name == "__idle__" || strings.HasSuffix(name, "/__idle__") {
		c.idle, c.row = a, r
		return nil
	}
	cpuAvg, ramAvg := a.CPUCoreRequestAverage, a.RAMByteRequestAverage
	if s.by == "usage" {
		cpuAvg, ramAvg = a.CPUCoreUsageAverage, a.RAMByteUsageAverage
	}
	minutes, err := jsonDecimal("minutes", a.Minutes)
	if err != nil {
		return err
	}
	cpu, err := jsonDecimal("cpu average", cpuAvg)
	if err != nil {
		return err
	}
	ram, err := jsonDecimal("ram average", ramAvg)
	if err != nil {
		return err
	}
	cw, rw := cpu.Mul(minutes), ram.Mul(minutes)
	c.cpu, c.ram = c.cpu.Add(cw), c.ram.Add(rw)
	if r.space != "" {
		c.cpuW[r.space] = c.cpuW[r.space].Add(cw)
		c.ramW[r.space] = c.ramW[r.space].Add(rw)
	}
	return nil
}

// settle moves the spaces' shares of idle cost off the clusters' records.
func (s *idleShare) settle(agg *aggregate) {
	svc := []byte(openCostService)
	for _, account := range slices.Sorted(maps.Keys(s.clusters)) {
		c := s.clusters[account]
		if c.idle == nil {
			continue
		}
		cpuIdle, err1 := jsonDecimal("cpuCost", c.idle.CPUCost)
		ramIdle, err2 := jsonDecimal("ramCost", c.idle.RAMCost)
		if err1 != nil || err2 != nil {
			continue
		}
		spaces := map[string]bool{}
		for sp := range c.cpuW {
			spaces[sp] = true
		}
		cluster := agg.get(nil, []byte(c.row.account), c.row.per)
		for _, sp := range slices.Sorted(maps.Keys(spaces)) {
			share := decimal.Zero
			if c.cpu.IsPositive() {
				share = share.Add(cpuIdle.Mul(c.cpuW[sp]).DivRound(c.cpu, fixedScale))
			}
			if c.ram.IsPositive() {
				share = share.Add(ramIdle.Mul(c.ramW[sp]).DivRound(c.ram, fixedScale))
			}
			if share.IsZero() {
				continue
			}
			a := amountOf(share)
			g := agg.space(sp, c.row.per)
			g.addCurrency(cluster.curs[0])
			g.credit(a, a, a, a, svc, c.row.day)
			cluster.debit(a, a, a, svc, c.row.day, "")
		}
	}
}

// jsonDecimal reads a JSON number exactly; absent is 0.
func jsonDecimal(what string, n *json.Number) (decimal.Decimal, error) {
	if n == nil {
		return decimal.Zero, nil
	}
	a, err := parseAmount([]byte(n.String()))
	if err != nil {
		return decimal.Zero, fmt.Errorf("%s %q: %w", what, n.String(), err)
	}
	return a.Decimal(), nil
}

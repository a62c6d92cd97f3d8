package billing

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
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
// shareIdle=true; the idle policy of split cost allocation does not apply.
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
}

// openCostService is the service of OpenCost's rows in CostByService.
const openCostService = "Kubernetes (OpenCost)"

// ingestOpenCost reads an OpenCost query into an aggregate.
func ingestOpenCost(ctx context.Context, s OpenCostSource, o Options, seed maphash.Seed) (*aggregate, FileStats, error) {
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
	agg := newAggregate(seed, o.MaxResourceIDs)
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
		for _, name := range slices.Sorted(maps.Keys(set)) {
			a := set[name]
			if a == nil {
				continue
			}
			rows++
			if err := addOpenCost(agg, cfg, cur, name, a, rowAt{line: int64(i), rowGroup: -1}); err != nil {
				errs = append(errs, fmt.Sprintf("set %d allocation %q: %v", i, name, err))
			}
		}
	}
	if len(errs) > 0 {
		return rows, fmt.Errorf("cannot read allocations: %s", strings.Join(errs, "; "))
	}
	return rows, nil
}

var errNoTotal = errors.New("no totalCost")

// addOpenCost adds one allocation.
func addOpenCost(agg *aggregate, cfg *inClusterConfig, cur, name string, a *openCostAllocation, at rowAt) error {
	if a.TotalCost == nil {
		return errNoTotal
	}
	cost, err := parseAmount([]byte(a.TotalCost.String()))
	if err != nil {
		return fmt.Errorf("totalCost %q: %w", a.TotalCost.String(), err)
	}
	start, end := a.Window.Start, a.Window.End
	if start == "" {
		start, end = a.Start, a.End
	}
	from, err := time.Parse(time.RFC3339, start)
	if err != nil {
		return fmt.Errorf("window start %q: must be an RFC 3339 time", start)
	}
	to, err := time.Parse(time.RFC3339, end)
	if err != nil {
		return fmt.Errorf("window end %q: must be an RFC 3339 time", end)
	}
	if to.Before(from) {
		return fmt.Errorf("window end %q: %w", end, errOrder)
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
	var g *group
	if space != "" {
		g = agg.space(space, per)
		g.setCurrency([]byte(cur), at)
		g.credit(cost, cost, cost, Amount{}, svc, day)
		g.ic.rows++
		g.ic.addNamespace([]byte(ns))
	} else {
		account := "opencost"
		if cluster != "" {
			account += "/" + cluster
		}
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
	return nil
}

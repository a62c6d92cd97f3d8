package billing

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// DefaultMaxResourceIDs is how many resource IDs a record lists by default.
const DefaultMaxResourceIDs = 100

// costPair is a billed and an effective sum.
type costPair struct {
	billed, effective Sum
}

// group is the running aggregate of one space (or one account's unattributed
// spend) in one period.
type group struct {
	// mu guards the group while the workers reading a file fill it.
	mu sync.Mutex

	space, account string
	period         period

	// curs are the currencies seen, each with its first row; more than
	// one is an error.
	curs []currencySeen

	billed, effective, list, contracted Sum
	hasContracted                       bool
	rows                                int64

	// Rows whose tag value cannot name a space, and rows whose tag key
	// matched only ignoring case, with their billed cost.
	invalidRows, foldRows     int64
	invalidBilled, foldBilled Sum

	services map[string]*costPair
	lastSvc  []byte
	lastSvcP *costPair
	// svcByID are the costs in services by the aggregate's number of the
	// service (aggregate.serviceID), nil where not yet looked up.
	svcByID []*costPair

	days     map[int32]*costPair
	lastDay  int32
	lastDayP *costPair
	// dayArr holds the days near the period, indexed from dayBase, so that
	// most rows need no map lookup; flushDays moves them into days.
	dayArr  [dayWindow]*costPair
	dayBase int32

	// resources counts the distinct resource IDs in bounded memory, and ids
	// are the smallest maxIDs of them, sorted, with their costs. An ID
	// evicted from ids can never return (only smaller IDs enter once the
	// list is full), and an ID among the smallest maxIDs of all rows is
	// among the smallest of every worker's share, so the costs of the
	// listed IDs are exact after a merge.
	resources distinct
	ids       []string // sorted
	idCost    []*costPair
	first     int64
	last      int64
	hasTime   bool

	sources map[int]struct{}

	// ic is the in-cluster share of a space, alloc the cost moved off the
	// nodes of an account to spaces (incluster.go).
	ic    *groupInCluster
	alloc *costTriple
}

// currencySeen is a currency and the first row that has it.
type currencySeen struct {
	code string
	at   rowAt
}

// before reports whether a is earlier in the ingest than b.
func (a rowAt) before(b rowAt) bool {
	switch {
	case a.file != b.file:
		return a.file < b.file
	case a.rowGroup != b.rowGroup:
		return a.rowGroup < b.rowGroup
	case a.off != b.off:
		return a.off < b.off
	case a.line != b.line:
		return a.line < b.line
	}
	return a.row < b.row
}

// where says where the row is, as RowError.Where does, and the column
// when cols (per file, as uris) names it.
func (a rowAt) where(uris, cols []string) string {
	uri, col := "", ""
	if a.file >= 0 && a.file < len(uris) {
		uri = uris[a.file]
	}
	if a.file >= 0 && a.file < len(cols) && cols[a.file] != "" {
		col = fmt.Sprintf(" column %q", cols[a.file])
	}
	if a.rowGroup >= 0 {
		return fmt.Sprintf("%q row group %d row %d%s", uri, a.rowGroup, a.row, col)
	}
	return fmt.Sprintf("%q line %d%s", uri, a.line, col)
}

// dayWindow is how many days around a billing period dayArr covers.
const dayWindow = 128

func newGroup(space, account string, p period) *group {
	y, m := int64(p)/12, int64(p)%12+1
	return &group{
		dayBase: int32(daysFromCivil(y, m, 1)) - 32,
		space:   space, account: account, period: p,
		services: map[string]*costPair{},
		days:     map[int32]*costPair{},
		sources:  map[int]struct{}{},
	}
}

// aggregate is a set of groups. The workers reading a file fill one
// aggregate together, so that memory does not grow with the number of
// workers; the aggregates of files are merged at the end. Sums, the listed
// IDs and the distinct count are the same whatever order rows come in, so
// the result does not depend on how rows were split.
type aggregate struct {
	maxIDs int

	mu         sync.Mutex // guards the maps and services while workers share the aggregate
	spaces     map[string][]*group
	unassigned map[string][]*group
	services   []string // the numbers of services, for group.svcByID

	// The first few tag values that cannot name a space, and tag keys that
	// matched only ignoring case; under mu while workers share the
	// aggregate.
	invalidValues, foldKeys fewValues

	// ic is the split cost allocation state, nil without split rows;
	// under icMu while workers share the aggregate.
	icMu sync.Mutex
	ic   *inClusterAgg
}

// serviceID returns the number of a service name.
func (a *aggregate) serviceID(svc []byte) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, s := range a.services {
		if s == string(svc) {
			return i
		}
	}
	a.services = append(a.services, string(svc))
	return len(a.services) - 1
}

func newAggregate(maxIDs int) *aggregate {
	return &aggregate{maxIDs: maxIDs, spaces: map[string][]*group{}, unassigned: map[string][]*group{}}
}

// maxFewValues is how many distinct values a fewValues keeps.
const maxFewValues = 5

// fewValues keeps the lexically smallest distinct values added, at most
// maxFewValues of them, so that what is kept does not depend on how rows
// were split between workers.
type fewValues struct {
	v []string
}

func (f *fewValues) add(b []byte) {
	if len(f.v) == maxFewValues && string(b) >= f.v[len(f.v)-1] {
		return
	}
	i, found := slices.BinarySearch(f.v, string(b))
	if found {
		return
	}
	f.v = slices.Insert(f.v, i, string(b))
	if len(f.v) > maxFewValues {
		f.v = f.v[:maxFewValues]
	}
}

func (f *fewValues) merge(o *fewValues) {
	for _, v := range o.v {
		f.add([]byte(v))
	}
}

// setFile says which source of the ingest the aggregate was read from.
func (a *aggregate) setFile(i int) {
	for _, g := range a.groups() {
		g.sources[i] = struct{}{}
		for j := range g.curs {
			g.curs[j].at.file = i
		}
	}
	if a.ic != nil {
		a.ic.setFile(i)
	}
}

// get returns the group of a space (or, with space nil, of an account's
// unattributed spend) and period, creating it.
func (a *aggregate) get(space, account []byte, p period) *group {
	a.mu.Lock()
	defer a.mu.Unlock()
	tbl, key := a.spaces, space
	if space == nil {
		tbl, key = a.unassigned, account
	}
	gs := tbl[string(key)]
	for _, g := range gs {
		if g.period == p {
			return g
		}
	}
	var g *group
	if space == nil {
		g = newGroup("", string(account), p)
	} else {
		g = newGroup(string(space), "", p)
	}
	tbl[string(key)] = append(gs, g)
	return g
}

func (g *group) addService(svc []byte, billed, effective Amount) {
	p := g.lastSvcP
	if p == nil || !bytes.Equal(svc, g.lastSvc) {
		p = g.services[string(svc)]
		if p == nil {
			p = &costPair{}
			g.services[string(svc)] = p
		}
		g.lastSvc = append(g.lastSvc[:0], svc...)
		g.lastSvcP = p
	}
	p.billed.Add(billed)
	p.effective.Add(effective)
}

// addServiceID adds to the costs of a service numbered id by the row
// processor filling this group, or by name when id is -1.
func (g *group) addServiceID(id int, svc []byte, billed, effective Amount) {
	if id < 0 {
		g.addService(svc, billed, effective)
		return
	}
	if id >= len(g.svcByID) {
		g.svcByID = append(g.svcByID, make([]*costPair, id+1-len(g.svcByID))...)
	}
	p := g.svcByID[id]
	if p == nil {
		p = g.services[string(svc)]
		if p == nil {
			p = &costPair{}
			g.services[string(svc)] = p
		}
		g.svcByID[id] = p
	}
	p.billed.Add(billed)
	p.effective.Add(effective)
}

func (g *group) addDay(day int32, billed, effective Amount) {
	if i := uint32(day - g.dayBase); i < dayWindow {
		p := g.dayArr[i]
		if p == nil {
			p = &costPair{}
			g.dayArr[i] = p
		}
		p.billed.Add(billed)
		p.effective.Add(effective)
		return
	}
	p := g.lastDayP
	if p == nil || day != g.lastDay {
		p = g.days[day]
		if p == nil {
			p = &costPair{}
			g.days[day] = p
		}
		g.lastDay = day
		g.lastDayP = p
	}
	p.billed.Add(billed)
	p.effective.Add(effective)
}

// addResource adds the cost of a resource ID whose hashID is h.
func (g *group) addResource(maxIDs int, h uint64, id []byte, billed, effective Amount) {
	g.resources.add(h)
	n := len(g.ids)
	if maxIDs <= 0 || (n == maxIDs && string(id) > g.ids[n-1]) {
		return
	}
	p := g.listID(maxIDs, id)
	p.billed.Add(billed)
	p.effective.Add(effective)
}

// listID returns the costs of a listed ID, listing it: id is smaller than
// the largest listed one, or the list is not full.
func (g *group) listID(maxIDs int, id []byte) *costPair {
	i, found := searchIDs(g.ids, id)
	if found {
		return g.idCost[i]
	}
	var p *costPair
	if len(g.ids) == maxIDs {
		// The largest listed ID is evicted: its costs are reused.
		p = g.idCost[maxIDs-1]
		*p = costPair{}
	} else {
		p = &costPair{}
	}
	g.ids = slices.Insert(g.ids, i, string(id))
	g.idCost = slices.Insert(g.idCost, i, p)
	if len(g.ids) > maxIDs {
		g.ids, g.idCost = g.ids[:maxIDs], g.idCost[:maxIDs]
	}
	return p
}

// searchIDs finds id in the sorted ids.
func searchIDs(ids []string, id []byte) (int, bool) {
	lo, hi := 0, len(ids)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ids[mid] < string(id) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(ids) && ids[lo] == string(id)
}

// mergeIDs adds the listed IDs of o, keeping the smallest maxIDs.
func (g *group) mergeIDs(o *group, maxIDs int) {
	for i, id := range o.ids {
		if n := len(g.ids); n == maxIDs && id > g.ids[n-1] {
			break // o.ids is sorted: no later one can enter
		}
		p := g.listID(maxIDs, []byte(id))
		p.billed.Merge(&o.idCost[i].billed)
		p.effective.Merge(&o.idCost[i].effective)
	}
}

func (g *group) addTime(start, end int64) {
	if !g.hasTime {
		g.first, g.last, g.hasTime = start, end, true
		return
	}
	g.first = min(g.first, start)
	g.last = max(g.last, end)
}

// seenCurrency reports whether the group has seen currency c at or before
// at. The workers reading a file share its groups and take its blocks in
// any order, so a row of a currency already seen is noted when it is the
// earliest yet; readers feed each worker rows in file order, so that is
// rare.
func (g *group) seenCurrency(c []byte, at rowAt) bool {
	for i := range g.curs {
		if g.curs[i].code == string(c) {
			return !at.before(g.curs[i].at)
		}
	}
	return false
}

func (g *group) addCurrency(c currencySeen) {
	for i := range g.curs {
		if g.curs[i].code == c.code {
			if c.at.before(g.curs[i].at) {
				g.curs[i].at = c.at
			}
			return
		}
	}
	g.curs = append(g.curs, c)
}

// currency returns the currency of the group: its only one, or, when it
// mixes currencies (an error check reports), the first seen.
func (g *group) currency() string {
	if len(g.curs) == 0 {
		return ""
	}
	first := g.curs[0]
	for _, c := range g.curs[1:] {
		if c.at.before(first.at) {
			first = c
		}
	}
	return first.code
}

// flushDays moves the days of dayArr into days.
func (g *group) flushDays() {
	for i, p := range g.dayArr {
		if p == nil {
			continue
		}
		g.dayArr[i] = nil
		day := g.dayBase + int32(i)
		if q := g.days[day]; q != nil {
			q.billed.Merge(&p.billed)
			q.effective.Merge(&p.effective)
			continue
		}
		g.days[day] = p
	}
	g.lastDayP = nil
}

// mergeCosts adds the costs of src into dst, key by key.
func mergeCosts[K comparable](dst, src map[K]*costPair) {
	for k, v := range src {
		p := dst[k]
		if p == nil {
			dst[k] = v
			continue
		}
		p.billed.Merge(&v.billed)
		p.effective.Merge(&v.effective)
	}
}

func (g *group) merge(o *group, maxIDs int) {
	g.flushDays()
	o.flushDays()
	for _, c := range o.curs {
		g.addCurrency(c)
	}
	g.invalidRows += o.invalidRows
	g.foldRows += o.foldRows
	g.invalidBilled.Merge(&o.invalidBilled)
	g.foldBilled.Merge(&o.foldBilled)
	g.billed.Merge(&o.billed)
	g.effective.Merge(&o.effective)
	g.list.Merge(&o.list)
	g.contracted.Merge(&o.contracted)
	g.hasContracted = g.hasContracted || o.hasContracted
	g.rows += o.rows
	mergeCosts(g.services, o.services)
	g.lastSvcP, g.svcByID = nil, nil
	mergeCosts(g.days, o.days)
	g.lastDayP = nil
	g.mergeIDs(o, maxIDs)
	g.resources.merge(&o.resources)
	if o.hasTime {
		g.addTime(o.first, o.last)
	}
	for s := range o.sources {
		g.sources[s] = struct{}{}
	}
	g.mergeInCluster(o)
}

// merge adds another aggregate into a.
func (a *aggregate) merge(o *aggregate) {
	mergeTable(a.spaces, o.spaces, a.maxIDs)
	mergeTable(a.unassigned, o.unassigned, a.maxIDs)
	a.invalidValues.merge(&o.invalidValues)
	a.foldKeys.merge(&o.foldKeys)
	if o.ic != nil {
		a.inCluster().merge(o.ic)
	}
}

func mergeTable(dst, src map[string][]*group, maxIDs int) {
	for k, gs := range src {
	next:
		for _, g := range gs {
			for _, d := range dst[k] {
				if d.period == g.period {
					d.merge(g, maxIDs)
					continue next
				}
			}
			dst[k] = append(dst[k], g)
		}
	}
}

// groups returns every group, sorted: spaces by name then period, then
// unattributed accounts by account then period.
func (a *aggregate) groups() []*group {
	var out []*group
	for _, tbl := range []map[string][]*group{a.spaces, a.unassigned} {
		for _, k := range slices.Sorted(maps.Keys(tbl)) {
			gs := slices.Clone(tbl[k])
			slices.SortFunc(gs, func(x, y *group) int { return int(x.period) - int(y.period) })
			out = append(out, gs...)
		}
	}
	return out
}

// check returns an error for every group that mixes currencies, naming the
// first row of each currency. uris are the sources of the ingest, cols the
// names of their currency columns.
func (a *aggregate) check(uris, cols []string) error {
	var msgs []string
	for _, g := range a.groups() {
		if len(g.curs) < 2 {
			continue
		}
		who := fmt.Sprintf("space %q", g.space)
		if g.space == "" {
			who = fmt.Sprintf("unattributed account %q", g.account)
		}
		curs := slices.Clone(g.curs)
		slices.SortFunc(curs, func(x, y currencySeen) int { return strings.Compare(x.code, y.code) })
		var each []string
		for _, c := range curs {
			each = append(each, fmt.Sprintf("%q (first at %s)", c.code, c.at.where(uris, cols)))
		}
		msgs = append(msgs, fmt.Sprintf("%s period %s mixes currencies %s", who, g.period, strings.Join(each, " and ")))
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("cannot aggregate spend: %s", strings.Join(msgs, "; "))
}

// records returns the spend records, sorted as groups are. It takes the
// groups' detail (releaseDetail): call it once.
func (a *aggregate) records(sources []v1alpha1.Source) []v1alpha1.SpendRecord {
	a.settleInCluster()
	policy := ""
	if a.ic != nil {
		policy = a.ic.policy
	}
	gs := a.groups()
	out := make([]v1alpha1.SpendRecord, 0, len(gs))
	for _, g := range gs {
		g.flushDays()
		r := v1alpha1.SpendRecord{
			Space:         g.space,
			Account:       g.account,
			Period:        g.period.String(),
			Currency:      g.currency(),
			BilledCost:    g.billed.String(),
			EffectiveCost: g.effective.String(),
			ListCost:      g.list.String(),
			Rows:          g.rows,
		}
		if g.hasContracted {
			r.ContractedCost = g.contracted.String()
		}
		r.ResourceCount, r.ResourceCountEstimated = g.resources.count()
		r.ResourceCount = max(r.ResourceCount, int64(len(g.ids)))
		r.ResourceIDsTruncated = r.ResourceCount - int64(len(g.ids))
		r.ResourceIDs = slices.Clone(g.ids)
		for i, id := range g.ids {
			p := g.idCost[i]
			r.CostByResource = append(r.CostByResource, v1alpha1.ResourceCost{ResourceID: id, BilledCost: p.billed.String(), EffectiveCost: p.effective.String()})
		}
		for _, s := range slices.Sorted(maps.Keys(g.services)) {
			p := g.services[s]
			r.CostByService = append(r.CostByService, v1alpha1.ServiceCost{Service: s, BilledCost: p.billed.String(), EffectiveCost: p.effective.String()})
		}
		for _, d := range slices.Sorted(maps.Keys(g.days)) {
			p := g.days[d]
			r.CostByDay = append(r.CostByDay, v1alpha1.DayCost{Day: dayString(d), BilledCost: p.billed.String(), EffectiveCost: p.effective.String()})
		}
		if g.hasTime {
			r.FirstChargePeriodStart = rfc3339(g.first)
			r.LastChargePeriodEnd = rfc3339(g.last)
		}
		for _, i := range slices.Sorted(maps.Keys(g.sources)) {
			if i < len(sources) {
				r.Sources = append(r.Sources, sources[i])
			}
		}
		slices.SortStableFunc(r.Sources, func(x, y v1alpha1.Source) int { return strings.Compare(x.URI, y.URI) })
		g.inClusterRecord(&r, policy)
		out = append(out, r)
		g.releaseDetail()
	}
	return out
}

// releaseDetail drops what only a record lists, once it is built: the
// resources, services and days. The sums the run's summary reads stay. The
// records and the aggregate they come from would otherwise be held at once,
// the ingester's peak memory.
func (g *group) releaseDetail() {
	g.ids, g.idCost = nil, nil
	g.services, g.svcByID, g.lastSvc, g.lastSvcP = nil, nil, nil, nil
	g.days, g.lastDayP = nil, nil
	g.resources = distinct{}
}

// Total returns the sum of the billed cost of records, per currency.
func Total(rs []v1alpha1.SpendRecord) map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for _, r := range rs {
		d, err := decimal.NewFromString(r.BilledCost)
		if err != nil {
			continue
		}
		out[r.Currency] = out[r.Currency].Add(d)
	}
	return out
}

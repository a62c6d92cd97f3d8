package billing

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strings"

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

	days     map[int32]*costPair
	lastDay  int32
	lastDayP *costPair
	// dayArr holds the days near the period, indexed from dayBase, so that
	// most rows need no map lookup; flushDays moves them into days.
	dayArr  [dayWindow]*costPair
	dayBase int32

	// seen holds the hash of every distinct resource ID, and the cost of
	// the IDs in ids (nil for the others), so that a row costs one lookup.
	// An ID evicted from ids can never return (only smaller IDs enter), and
	// an ID among the smallest maxIDs of all rows is among the smallest of
	// every worker's share, so the costs of the listed IDs are exact after
	// a merge.
	seen    map[uint64]*costPair
	ids     []string // sorted, the smallest maxIDs distinct IDs
	first   int64
	last    int64
	hasTime bool

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
		seen:     map[uint64]*costPair{},
		sources:  map[int]struct{}{},
	}
}

// aggregate is a set of groups. Each ingest worker fills its own; they are
// merged at the end, so the result does not depend on how rows were split.
type aggregate struct {
	seed   maphash.Seed
	maxIDs int

	spaces     map[string][]*group
	unassigned map[string][]*group

	// The first few tag values that cannot name a space, and tag keys that
	// matched only ignoring case.
	invalidValues, foldKeys fewValues

	// ic is the split cost allocation state, nil without split rows.
	ic *inClusterAgg
}

func newAggregate(seed maphash.Seed, maxIDs int) *aggregate {
	return &aggregate{seed: seed, maxIDs: maxIDs, spaces: map[string][]*group{}, unassigned: map[string][]*group{}}
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

func (g *group) addResource(seed maphash.Seed, maxIDs int, id []byte, billed, effective Amount) {
	h := maphash.Bytes(seed, id)
	p, ok := g.seen[h]
	if !ok {
		p = g.keepID(seed, maxIDs, string(id))
		g.seen[h] = p
	}
	if p != nil {
		p.billed.Add(billed)
		p.effective.Add(effective)
	}
}

// keepID lists id if it is among the smallest maxIDs IDs, and returns its
// cost, or nil when it is not listed. An ID it evicts keeps its hash in
// seen, without a cost.
func (g *group) keepID(seed maphash.Seed, maxIDs int, id string) *costPair {
	if maxIDs <= 0 {
		return nil
	}
	if len(g.ids) == maxIDs && id >= g.ids[len(g.ids)-1] {
		return nil
	}
	i, found := slices.BinarySearch(g.ids, id)
	if found {
		return g.seen[maphash.String(seed, id)]
	}
	g.ids = slices.Insert(g.ids, i, id)
	if len(g.ids) > maxIDs {
		for _, evicted := range g.ids[maxIDs:] {
			g.seen[maphash.String(seed, evicted)] = nil
		}
		g.ids = g.ids[:maxIDs]
	}
	return &costPair{}
}

func (g *group) addTime(start, end int64) {
	if !g.hasTime {
		g.first, g.last, g.hasTime = start, end, true
		return
	}
	g.first = min(g.first, start)
	g.last = max(g.last, end)
}

// setCurrency notes the currency of a row. Readers feed each worker rows in
// file order, so the first row seen is the first of the worker's share.
func (g *group) setCurrency(c []byte, at rowAt) {
	if len(g.curs) > 0 && g.curs[0].code == string(c) {
		return
	}
	g.addCurrency(currencySeen{code: string(c), at: at})
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

func (g *group) merge(o *group, seed maphash.Seed, maxIDs int) {
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
	g.lastSvcP = nil
	mergeCosts(g.days, o.days)
	g.lastDayP = nil
	for _, id := range o.ids {
		h := maphash.String(seed, id)
		p := g.seen[h]
		if p == nil {
			if p = g.keepID(seed, maxIDs, id); p == nil {
				continue
			}
			g.seen[h] = p
		}
		oc := o.seen[h]
		p.billed.Merge(&oc.billed)
		p.effective.Merge(&oc.effective)
	}
	for h := range o.seen {
		if _, ok := g.seen[h]; !ok {
			g.seen[h] = nil
		}
	}
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
	mergeTable(a.spaces, o.spaces, a.seed, a.maxIDs)
	mergeTable(a.unassigned, o.unassigned, a.seed, a.maxIDs)
	a.invalidValues.merge(&o.invalidValues)
	a.foldKeys.merge(&o.foldKeys)
	if o.ic != nil {
		a.inCluster().merge(o.ic)
	}
}

func mergeTable(dst, src map[string][]*group, seed maphash.Seed, maxIDs int) {
	for k, gs := range src {
	next:
		for _, g := range gs {
			for _, d := range dst[k] {
				if d.period == g.period {
					d.merge(g, seed, maxIDs)
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

// records returns the spend records, sorted as groups are.
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
			ResourceIDs:   slices.Clone(g.ids),
			ResourceCount: int64(len(g.seen)),
		}
		if g.hasContracted {
			r.ContractedCost = g.contracted.String()
		}
		r.ResourceIDsTruncated = r.ResourceCount - int64(len(r.ResourceIDs))
		for _, id := range g.ids {
			p := g.seen[maphash.String(a.seed, id)]
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
	}
	return out
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

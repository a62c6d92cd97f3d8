package billing

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

var (
	errNull     = errors.New("must not be null")
	errCurrency = errors.New("not an ISO 4217 currency code")
	errOrder    = errors.New("ends before it starts")
)

// maxValidCache bounds the cache of tag values checked as space names.
const maxValidCache = 1 << 14

// cellError is a bad cell, before the file and line are known.
type cellError struct {
	col col
	val []byte
	err error
}

// rowAt locates a row in its file: a CSV line, or a Parquet row group and
// row. file is the index of the source in the ingest, filled in when the
// aggregate of the file is merged.
type rowAt struct {
	file     int
	line     int64
	rowGroup int
	row      int64
	// off is the offset of a CSV row in its file, which orders rows as
	// line does.
	off int64
}

// tagState says what became of a row's attribution tag.
type tagState uint8

const (
	// tagFold is set when the tag key matched only ignoring case.
	tagFold tagState = 1 << iota
	// tagInvalid is set when a tag value was used but cannot name a space.
	tagInvalid
)

// tagHit is what a Tags cell resolved to.
type tagHit struct {
	space []byte // nil for none
	st    tagState
}

// rowProc turns normalised cells into aggregate updates. One per worker.
type rowProc struct {
	m   *mapping
	agg *aggregate
	tag *tagMatcher

	vals [nCols][]byte
	// tagsDQ says vals[cTags] is the content of a quoted CSV cell as in
	// the file, quotes doubled.
	tagsDQ bool
	// at is the location of the row in vals; the reader sets it. A CSV
	// reader sets its offset, and rowLine, which counts the lines before
	// the row only when a row's line is needed.
	at      rowAt
	rowLine func() int64
	// foldKey is the tag key of a Parquet tags map that matched only
	// ignoring case; the reader sets it with cTagFold.
	foldKey []byte

	// Caches of the last timestamps parsed: exports repeat them row after row.
	tsRaw [3][]byte
	tsVal [3]int64
	bpRaw []byte
	bpVal period
	// The last space tag seen and what it resolved to.
	lastSpace []byte
	lastHit   tagHit
	valid     map[string]*spaceCache // whether tag values name a space
	lastSC    *spaceCache
	// The last fold key noted in the aggregate.
	lastFold    []byte
	hasLastFold bool
	// Services seen, and their numbers in the aggregate, so that a row
	// finds its service's costs in its group by index rather than by a map
	// lookup: exports have a few dozen.
	svcNames  [][]byte
	svcIDs    []int
	lastSvc   int
	groups    map[string]*group // by groupKey, a cache of the aggregate's
	keyBuf    []byte
	lastGroup *group
	lastKey   []byte // space or account of lastGroup
	lastAcct  bool

	product      *tagMatcher
	productCache map[string][]byte // the product_name of a CUR 2.0 product map

	strs  map[string]string // interned keys of split rows (incluster.go)
	homes map[homeKey]home  // the nodes this processor noted (incluster.go)
}

func newRowProc(m *mapping, agg *aggregate, tag tagSpec) *rowProc {
	return &rowProc{
		m: m, agg: agg, tag: newTagMatcher(tag.key), valid: map[string]*spaceCache{}, groups: map[string]*group{},
		product: &tagMatcher{keys: [][]byte{[]byte("product_name")}}, productCache: map[string][]byte{},
		strs: map[string]string{}, homes: map[homeKey]home{},
	}
}

// isNull reports whether a cell is null: empty or the literal NULL.
func isNull(b []byte) bool {
	return len(b) == 0 || (len(b) == 4 && string(b) == "NULL")
}

func (p *rowProc) amount(c col, required bool) (Amount, *cellError) {
	b := p.vals[c]
	if isNull(b) {
		if required && p.m.idx[c] >= 0 {
			return Amount{}, &cellError{col: c, val: b, err: errNull}
		}
		return Amount{}, nil
	}
	a, err := parseAmount(b)
	if err != nil {
		return Amount{}, &cellError{col: c, val: b, err: err}
	}
	return a, nil
}

// has reports whether the file has column c and the row a value in it.
func (p *rowProc) has(c col) bool {
	return p.m.idx[c] >= 0 && !isNull(p.vals[c])
}

func (p *rowProc) timestamp(c col, slot int) (int64, *cellError) {
	b := p.vals[c]
	if bytes.Equal(b, p.tsRaw[slot]) && p.tsRaw[slot] != nil {
		return p.tsVal[slot], nil
	}
	if isNull(b) {
		return 0, &cellError{col: c, val: b, err: errNull}
	}
	v, err := parseTimestamp(b)
	if err != nil {
		return 0, &cellError{col: c, val: b, err: err}
	}
	p.tsRaw[slot] = append(p.tsRaw[slot][:0], b...)
	p.tsVal[slot] = v
	return v, nil
}

// process aggregates the row in p.vals.
func (p *rowProc) process() *cellError {
	billed, effective, list, ce := p.costs()
	if ce != nil {
		return ce
	}
	contracted, ce := p.amount(cContracted, false)
	if ce != nil {
		return ce
	}
	cur := p.vals[cCurrency]
	if !validCurrency(cur) {
		return &cellError{col: cCurrency, val: cur, err: errCurrency}
	}
	start, ce := p.timestamp(cChargeStart, 0)
	if ce != nil {
		return ce
	}
	end, ce := p.timestamp(cChargeEnd, 1)
	if ce != nil {
		return ce
	}
	if end < start {
		return &cellError{col: cChargeEnd, val: p.vals[cChargeEnd], err: errOrder}
	}
	var per period
	if b := p.vals[cBillingStart]; p.bpRaw != nil && bytes.Equal(b, p.bpRaw) {
		per = p.bpVal
	} else {
		if _, ce := p.timestamp(cBillingStart, 2); ce != nil {
			return ce
		}
		// The month as written: a billing period starting at midnight in a
		// zone east of UTC must not fall into the month before.
		y, _ := digits(b[0:4])
		mo, _ := digits(b[5:7])
		per = period(y*12 + mo - 1)
		p.bpRaw = append(p.bpRaw[:0], b...)
		p.bpVal = per
	}
	if p.m.idx[cBillingEnd] >= 0 && !isNull(p.vals[cBillingEnd]) {
		if _, err := parseTimestamp(p.vals[cBillingEnd]); err != nil {
			return &cellError{col: cBillingEnd, val: p.vals[cBillingEnd], err: err}
		}
	}

	hit, ce := p.space()
	if ce != nil {
		return ce
	}
	svc := p.vals[cService]
	if p.has(cProductMap) {
		if name, ce := p.productName(); ce != nil {
			return ce
		} else if name != nil {
			svc = name
		}
	}
	if isNull(svc) {
		svc = nil
	}

	split := p.m.split && p.has(cSplitParent)
	var sc splitCells
	if split {
		if sc, ce = p.splitCells(); ce != nil {
			return ce
		}
	}
	svcID := p.serviceID(svc)
	var res uint64
	r := p.vals[cResource]
	if !isNull(r) && !split {
		// A split row's resource is a pod, which no space composes.
		res = hashID(r)
	}
	// The workers reading a file share its aggregate, so that its memory
	// does not grow with the number of cores: a row updates its group
	// under the group's lock.
	g := p.group(hit.space, per)
	g.mu.Lock()
	p.addRow(g, rowCosts{cur: cur, billed: billed, effective: effective, list: list, contracted: contracted},
		hit.st, svcID, svc, start, end, res, r)
	g.mu.Unlock()
	// In-cluster spend (incluster.go), after the row's group is unlocked:
	// the pod of a split row may cost the very space the row is tagged
	// with, whose group splitRow locks.
	switch {
	case split:
		p.splitRow(hit, per, start, end, cur, svc, sc)
	case p.m.split:
		p.noteNode(g, per, svc)
	case hit.space != nil && p.allocated():
		p.allocatedRow(g, billed, effective, list)
	}
	return nil
}

// skipped records the billed cost of a bad row in p.vals, as far as it can
// be read, for the summary. A row whose cost or currency cannot be read
// counts as a row of unknown cost.
func (p *rowProc) skipped(s *skippedRows) {
	s.rows++
	billed, ce := p.billed()
	cur := p.vals[cCurrency]
	if ce != nil || !validCurrency(cur) {
		s.unknown++
		return
	}
	s.add(cur, billed)
}

// space resolves the attribution tag of the row: the space it names, nil
// for none, and whether the key matched only ignoring case or the value
// cannot name a space.
func (p *rowProc) space() (tagHit, *cellError) {
	if p.m.idx[cAllocTags] >= 0 && !isNull(p.vals[cAllocTags]) {
		// FOCUS 1.3 split cost allocation: the tags of the allocation's
		// target (AllocatedResourceId) add to the row's Tags, and name the
		// space of the allocated charge when they have the tag.
		hit, ce := p.jsonTag(cAllocTags)
		if ce != nil || hit.space != nil || hit.st != 0 {
			return hit, ce
		}
	}
	// Else the namespace of the allocation's target (incluster.go).
	if hit, ok := p.allocatedSpace(); ok {
		return hit, nil
	}
	var v []byte
	if p.m.idx[cTagCol] >= 0 {
		v = p.vals[cTagCol]
	}
	if isNull(v) && p.m.idx[cTags] >= 0 && !isNull(p.vals[cTags]) {
		return p.jsonTag(cTags)
	}
	var st tagState
	if isNull(v) && p.m.idx[cTagFold] >= 0 && !isNull(p.vals[cTagFold]) {
		// Legacy CUR resourceTags/user:CloudSpace, or a Parquet tags map
		// key that matched only ignoring case.
		st = tagFold
		key := p.foldKey
		if key == nil {
			key = []byte(p.m.name(cTagFold))
		}
		p.noteFoldKey(key)
		if !p.m.ignoreCase {
			return tagHit{st: st}, nil
		}
		v = p.vals[cTagFold]
	}
	if isNull(v) {
		return tagHit{}, nil
	}
	hit := p.valueHit(v)
	hit.st |= st
	return hit, nil
}

// valueHit returns what the tag value v names: a space, or an invalid
// value. The rows of a space come together, so the last value's verdict
// is kept and reused while the value repeats.
func (p *rowProc) valueHit(v []byte) tagHit {
	if p.lastSpace == nil || !bytes.Equal(v, p.lastSpace) {
		p.lastSpace = append(p.lastSpace[:0], v...)
		p.lastHit = tagHit{}
		if p.validSpace(v) {
			p.lastHit.space = p.lastSpace
		} else {
			p.lastHit.st = tagInvalid
		}
	}
	return p.lastHit
}

// jsonTag resolves the tag in a JSON object cell (Tags, AllocatedTags).
func (p *rowProc) jsonTag(c col) (tagHit, *cellError) {
	// Most rows of a real export name a resource of their own, so a cache
	// of Tags cells would miss: the cell is scanned as it is in the file,
	// quotes doubled, without unescaping it first.
	raw := p.vals[c]
	dq := c == cTags && p.tagsDQ
	var t []byte
	var kind matchKind
	var err error
	if dq {
		t, kind, err = p.tag.findEscaped(raw)
	} else {
		t, kind, err = p.tag.find(raw)
	}
	if err != nil {
		if dq {
			raw = cellBytes(raw, span{end: len(raw), esc: true}, nil)
		}
		return tagHit{}, &cellError{col: c, val: raw, err: err}
	}
	var hit tagHit
	if kind == matchFold {
		hit.st |= tagFold
		p.noteFoldKey(p.tag.foldKey)
	}
	if kind == matchExact || kind == matchFold && p.m.ignoreCase {
		// t is valid until the next search of the tag matcher, after the
		// row has found its group.
		if p.validSpace(t) {
			hit.space = t
		} else {
			hit.st |= tagInvalid
		}
	}
	return hit, nil
}

// noteFoldKey notes in the aggregate a tag key that matched only ignoring
// case, taking the aggregate's lock only when the key is not the last one
// noted.
func (p *rowProc) noteFoldKey(k []byte) {
	if p.hasLastFold && bytes.Equal(k, p.lastFold) {
		return
	}
	p.lastFold, p.hasLastFold = append(p.lastFold[:0], k...), true
	p.agg.mu.Lock()
	defer p.agg.mu.Unlock()
	p.agg.foldKeys.add(k)
}

// maxServiceIDs bounds the services a row processor numbers; rows of any
// other service find their costs by name.
const maxServiceIDs = 64

// serviceID returns the aggregate's number of a service name, or -1.
func (p *rowProc) serviceID(svc []byte) int {
	if i := p.lastSvc; i < len(p.svcNames) && bytes.Equal(p.svcNames[i], svc) {
		return p.svcIDs[i]
	}
	for i, n := range p.svcNames {
		if bytes.Equal(n, svc) {
			p.lastSvc = i
			return p.svcIDs[i]
		}
	}
	if len(p.svcNames) == maxServiceIDs {
		return -1
	}
	p.svcNames = append(p.svcNames, bytes.Clone(svc))
	p.svcIDs = append(p.svcIDs, p.agg.serviceID(svc))
	p.lastSvc = len(p.svcNames) - 1
	return p.svcIDs[p.lastSvc]
}

// spaceCache is what a row processor knows of a tag value: whether it
// names a space, and the space's groups, so that a row finds its group with
// the lookup that checked its tag.
type spaceCache struct {
	name   string
	valid  bool
	groups []*group
}

// validSpace reports whether a tag value names a space, with a cache.
func (p *rowProc) validSpace(v []byte) bool {
	sc := p.valid[string(v)]
	if sc == nil {
		sc = &spaceCache{name: string(v), valid: v1alpha1.IsSpaceName(string(v))}
		if len(p.valid) < maxValidCache {
			p.valid[string(v)] = sc
		}
		if !sc.valid {
			// The summary names the first few values that cannot name a
			// space; a value is noted once per row processor while the
			// cache holds it.
			p.agg.mu.Lock()
			p.agg.invalidValues.add(v)
			p.agg.mu.Unlock()
		}
	}
	p.lastSC = sc
	return sc.valid
}

// productName returns the product_name of the CUR 2.0 product map in the
// row, or nil.
func (p *rowProc) productName() ([]byte, *cellError) {
	raw := p.vals[cProductMap]
	if name, ok := p.productCache[string(raw)]; ok {
		return name, nil
	}
	v, kind, err := p.product.find(raw)
	if err != nil {
		return nil, &cellError{col: cProductMap, val: raw, err: err}
	}
	var name []byte
	if kind == matchExact && !isNull(v) {
		name = bytes.Clone(v)
	}
	if len(p.productCache) < maxValidCache {
		p.productCache[string(raw)] = name
	}
	return name, nil
}

func (p *rowProc) group(space []byte, per period) *group {
	key, isAcct := space, false
	if space == nil {
		isAcct = true
		key = p.vals[cSubAccount]
		if isNull(key) {
			key = p.vals[cBillingAccount]
		}
		if isNull(key) {
			key = []byte{}
		}
	}
	if g := p.lastGroup; g != nil && g.period == per && p.lastAcct == isAcct && bytes.Equal(key, p.lastKey) {
		return g
	}
	if sc := p.lastSC; !isAcct && sc != nil && sc.name == string(space) {
		for _, g := range sc.groups {
			if g.period == per {
				p.lastGroup, p.lastAcct = g, false
				p.lastKey = append(p.lastKey[:0], key...)
				return g
			}
		}
		g := p.agg.get(space, nil, per)
		sc.groups = append(sc.groups, g)
		p.lastGroup, p.lastAcct = g, false
		p.lastKey = append(p.lastKey[:0], key...)
		return g
	}
	// The groups this processor has seen, by kind, period and key, so that
	// it takes the aggregate's lock only for a group new to it.
	p.keyBuf = append(p.keyBuf[:0], 's', byte(per>>24), byte(per>>16), byte(per>>8), byte(per))
	if isAcct {
		p.keyBuf[0] = 'a'
	}
	p.keyBuf = append(p.keyBuf, key...)
	k := p.keyBuf
	g := p.groups[string(k)]
	if g == nil {
		if isAcct {
			g = p.agg.get(nil, key, per)
		} else {
			g = p.agg.get(space, nil, per)
		}
		p.groups[string(k)] = g
	}
	p.lastGroup, p.lastAcct = g, isAcct
	p.lastKey = append(p.lastKey[:0], key...)
	return g
}

func validCurrency(b []byte) bool {
	if len(b) != 3 {
		return false
	}
	for _, c := range b {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func (ce *cellError) describe(m *mapping) string {
	v := ce.val
	if len(v) > 64 {
		v = append(v[:61:61], "..."...)
	}
	return fmt.Sprintf("column %q: value %q: %v", m.name(ce.col), v, ce.err)
}

// rowCosts are a row's currency and costs.
type rowCosts struct {
	cur                                 []byte
	billed, effective, list, contracted Amount
}

// addRow counts the row in p.vals in g, whose lock the caller holds: its
// costs, tag status st, service (svcID, svc), charge period, and resource
// (res, the hash of r; 0 for none).
func (p *rowProc) addRow(g *group, c rowCosts, st tagState, svcID int, svc []byte, start, end int64, res uint64, r []byte) {
	if !g.seenCurrency(c.cur, p.at) {
		g.addCurrency(currencySeen{code: string(c.cur), at: p.rowAt()})
	}
	g.billed.Add(c.billed)
	g.effective.Add(c.effective)
	g.list.Add(c.list)
	if p.m.idx[cContracted] >= 0 {
		g.contracted.Add(c.contracted)
		g.hasContracted = true
	}
	g.rows++
	if st&tagInvalid != 0 {
		g.invalidRows++
		g.invalidBilled.Add(c.billed)
	}
	if st&tagFold != 0 {
		g.foldRows++
		g.foldBilled.Add(c.billed)
	}
	g.addServiceID(svcID, svc, c.billed, c.effective)
	g.addDay(unixDay(start), c.billed, c.effective)
	g.addTime(start, end)
	if res != 0 {
		g.addResource(p.agg.maxIDs, res, r, c.billed, c.effective)
	}
}

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

// rowProc turns normalised cells into aggregate updates. One per worker.
type rowProc struct {
	m   *mapping
	agg *aggregate
	tag *tagMatcher

	vals [nCols][]byte
	// tagsDQ says vals[cTags] is the content of a quoted CSV cell as in
	// the file, quotes doubled.
	tagsDQ bool

	// Caches of the last timestamps parsed: exports repeat them row after row.
	tsRaw [3][]byte
	tsVal [3]int64
	bpRaw []byte
	bpVal period
	// The last space tag seen and whether it names a space.
	lastSpace []byte
	lastValid bool
	valid     map[string]*spaceCache // whether tag values name a space
	lastSC    *spaceCache
	// Services seen, and their numbers in the aggregate, so that a row
	// finds its service's costs in its group by index rather than by a map
	// lookup: exports have a few dozen.
	svcNames   [][]byte
	svcIDs     []int
	lastSvc    int
	groups     map[string]*group // by groupKey, a cache of the aggregate's
	keyBuf     []byte
	lastGroup  *group
	lastKeyRaw []byte // space or account of lastGroup
	lastIsAcct bool
}

func newRowProc(m *mapping, agg *aggregate, tagKey string) *rowProc {
	return &rowProc{m: m, agg: agg, tag: newTagMatcher(tagKey), valid: map[string]*spaceCache{}, groups: map[string]*group{}}
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
	billed, ce := p.amount(cBilled, true)
	if ce != nil {
		return ce
	}
	var effective Amount
	if p.m.format == FormatFOCUS {
		if effective, ce = p.amount(cEffective, true); ce != nil {
			return ce
		}
	} else if effective, ce = p.curEffective(billed); ce != nil {
		return ce
	}
	list, ce := p.amount(cList, false)
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

	space, ce := p.space()
	if ce != nil {
		return ce
	}
	svc := p.vals[cService]
	if isNull(svc) {
		svc = nil
	}
	svcID := p.serviceID(svc)
	var res uint64
	r := p.vals[cResource]
	if !isNull(r) {
		res = hashID(r)
	}
	// The workers reading a file share its aggregate, so that its memory
	// does not grow with the number of cores: a row updates its group
	// under the group's lock.
	g := p.group(space, per)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.setCurrency(cur)
	g.billed.Add(billed)
	g.effective.Add(effective)
	g.list.Add(list)
	if p.m.idx[cContracted] >= 0 {
		g.contracted.Add(contracted)
		g.hasContracted = true
	}
	g.rows++
	g.addServiceID(svcID, svc, billed, effective)
	g.addDay(int32(floorDiv(start, 86400)), billed, effective)
	g.addTime(start, end)
	if res != 0 {
		g.addResource(p.agg.maxIDs, res, r, billed, effective)
	}
	return nil
}

// space returns the attribution tag's value when it names a space, or nil.
func (p *rowProc) space() ([]byte, *cellError) {
	var v []byte
	if p.m.idx[cTagCol] >= 0 {
		v = p.vals[cTagCol]
	}
	if isNull(v) && p.m.idx[cTags] >= 0 && !isNull(p.vals[cTags]) {
		// Most rows of a real export name a resource of their own, so a
		// cache of Tags cells would miss: the cell is scanned as it is in
		// the file, quotes doubled, without unescaping it first.
		raw := p.vals[cTags]
		var t []byte
		var ok bool
		var err error
		if p.tagsDQ {
			t, ok, err = p.tag.findEscaped(raw)
		} else {
			t, ok, err = p.tag.find(raw)
		}
		if err != nil {
			if p.tagsDQ {
				raw = cellBytes(raw, span{end: len(raw), esc: true}, nil)
			}
			return nil, &cellError{col: cTags, val: raw, err: err}
		}
		if ok && !isNull(t) && p.validSpace(t) {
			return t, nil
		}
		return nil, nil
	}
	if isNull(v) {
		return nil, nil
	}
	if p.lastSpace != nil && bytes.Equal(v, p.lastSpace) {
		if p.lastValid {
			return v, nil
		}
		return nil, nil
	}
	p.lastSpace = append(p.lastSpace[:0], v...)
	p.lastValid = p.validSpace(v)
	if p.lastValid {
		return v, nil
	}
	return nil, nil
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
	}
	p.lastSC = sc
	return sc.valid
}

func (p *rowProc) group(space []byte, per period) *group {
	key, isAcct := space, false
	if space == nil {
		isAcct = true
		key = p.vals[cSubAccount]
		if isNull(key) {
			key = p.vals[cBillingAccount]
		}
		if key == nil {
			key = []byte{}
		}
	}
	if g := p.lastGroup; g != nil && g.period == per && p.lastIsAcct == isAcct && bytes.Equal(key, p.lastKeyRaw) {
		return g
	}
	if sc := p.lastSC; !isAcct && sc != nil && sc.name == string(space) {
		for _, g := range sc.groups {
			if g.period == per {
				p.lastGroup, p.lastIsAcct = g, false
				p.lastKeyRaw = append(p.lastKeyRaw[:0], key...)
				return g
			}
		}
		g := p.agg.get(space, nil, per)
		sc.groups = append(sc.groups, g)
		p.lastGroup, p.lastIsAcct = g, false
		p.lastKeyRaw = append(p.lastKeyRaw[:0], key...)
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
	p.lastGroup, p.lastIsAcct = g, isAcct
	p.lastKeyRaw = append(p.lastKeyRaw[:0], key...)
	return g
}

// curEffective derives FOCUS EffectiveCost from CUR columns, as AWS's own
// FOCUS export does: commitment covered usage at its amortised rate,
// commitment fees and negations at their unused share, anything else at
// its unblended cost. A CUR without the commitment columns has effective
// cost equal to billed cost.
func (p *rowProc) curEffective(billed Amount) (Amount, *cellError) {
	t := p.vals[cItemType]
	switch string(t) {
	case "SavingsPlanCoveredUsage":
		if p.m.idx[cSPEffective] >= 0 {
			return p.amount(cSPEffective, false)
		}
	case "DiscountedUsage":
		if p.m.idx[cRIEffective] >= 0 {
			return p.amount(cRIEffective, false)
		}
	case "SavingsPlanNegation":
		return Amount{}, nil
	case "SavingsPlanRecurringFee":
		if p.m.idx[cSPTotalCommit] >= 0 && p.m.idx[cSPUsedCommit] >= 0 {
			total, ce := p.amount(cSPTotalCommit, false)
			if ce != nil {
				return Amount{}, ce
			}
			used, ce := p.amount(cSPUsedCommit, false)
			if ce != nil {
				return Amount{}, ce
			}
			return Amount{dec: total.Decimal().Sub(used.Decimal()), big: true}, nil
		}
	case "RIFee":
		if p.m.idx[cRIUnusedUpfront] >= 0 && p.m.idx[cRIUnusedRecurring] >= 0 {
			a, ce := p.amount(cRIUnusedUpfront, false)
			if ce != nil {
				return Amount{}, ce
			}
			b, ce := p.amount(cRIUnusedRecurring, false)
			if ce != nil {
				return Amount{}, ce
			}
			return Amount{dec: a.Decimal().Add(b.Decimal()), big: true}, nil
		}
	}
	return billed, nil
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

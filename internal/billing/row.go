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

	// Caches of the last timestamps parsed: exports repeat them row after row.
	tsRaw [3][]byte
	tsVal [3]int64
	bpRaw []byte
	bpVal period
	// The last space tag seen and whether it names a space.
	lastSpace  []byte
	lastValid  bool
	valid      map[string]bool   // whether tag values name a space
	tagsCache  map[string][]byte // the space a Tags cell names, nil for none
	lastGroup  *group
	lastKeyRaw []byte // space or account of lastGroup
	lastIsAcct bool
}

func newRowProc(m *mapping, agg *aggregate, tagKey string) *rowProc {
	return &rowProc{m: m, agg: agg, tag: newTagMatcher(tagKey), valid: map[string]bool{}, tagsCache: map[string][]byte{}}
}

// isNull reports whether a cell is null: empty or the literal NULL.
func isNull(b []byte) bool {
	return len(b) == 0 || (len(b) == 4 && string(b) == "NULL")
}

func (p *rowProc) reset() {
	for i := range p.vals {
		p.vals[i] = nil
	}
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
	g := p.group(space, per)
	g.setCurrency(cur)
	g.billed.Add(billed)
	g.effective.Add(effective)
	g.list.Add(list)
	if p.m.idx[cContracted] >= 0 {
		g.contracted.Add(contracted)
		g.hasContracted = true
	}
	g.rows++
	svc := p.vals[cService]
	if isNull(svc) {
		svc = nil
	}
	g.addService(svc, billed, effective)
	g.addDay(int32(floorDiv(start, 86400)), billed, effective)
	g.addTime(start, end)
	if r := p.vals[cResource]; !isNull(r) {
		g.addResource(p.agg.seed, p.agg.maxIDs, r, billed, effective)
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
		// Rows of one resource repeat their tags: remember what a Tags
		// cell resolved to.
		raw := p.vals[cTags]
		if sp, ok := p.tagsCache[string(raw)]; ok {
			return sp, nil
		}
		t, ok, err := p.tag.find(raw)
		if err != nil {
			return nil, &cellError{col: cTags, val: raw, err: err}
		}
		var sp []byte
		if ok && !isNull(t) && p.validSpace(t) {
			sp = bytes.Clone(t)
		}
		if len(p.tagsCache) < maxValidCache {
			p.tagsCache[string(raw)] = sp
		}
		return sp, nil
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

// validSpace reports whether a tag value names a space, with a cache.
func (p *rowProc) validSpace(v []byte) bool {
	valid, ok := p.valid[string(v)]
	if !ok {
		valid = v1alpha1.IsSpaceName(string(v))
		if len(p.valid) < maxValidCache {
			p.valid[string(v)] = valid
		}
	}
	return valid
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
	var g *group
	if isAcct {
		g = p.agg.get(nil, key, per)
	} else {
		g = p.agg.get(space, nil, per)
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

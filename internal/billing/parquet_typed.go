package billing

import (
	"github.com/parquet-go/parquet-go/format"
)

// The typed path of the columnar reader: a FOCUS row of the common shape
// is aggregated from the typed arrays as rowProc.process aggregates its
// cells, without the money and timestamps turned into text and parsed
// back. A row of any other shape (a null or bad cell, money that 1e-10
// units do not hold, a tag key that matches only ignoring case, a date
// outside 1970-9999) is left to rowProc.process, with its cells, before
// anything of it is aggregated. TestColumnarReader holds the two together.

// typedPlan is where the typed path finds the columns of a row: the index
// in columnarPlan.flat of each, -1 when the file lacks it.
type typedPlan struct {
	leaf [nCols]int
}

// maxTypedSec is 9999-12-31T23:59:59Z, the last second appendRFC3339 writes.
const maxTypedSec = 253402300799

// newTypedPlan returns the typed plan of a file, or nil when its rows are
// not of the shape the typed path reads: FOCUS, tags in a map, money as
// DOUBLE, periods as TIMESTAMP, nothing of split cost allocation.
func newTypedPlan(p *columnarPlan, m *mapping) *typedPlan {
	if m.format != FormatFOCUS || m.split || m.withTag == nil || p.tagKey < 0 {
		return nil
	}
	for _, c := range []col{cAllocTags, cAllocMethod, cAllocResource, cProductMap, cTagCol, cTagFold, cSplitParent} {
		if m.idx[c] >= 0 {
			return nil
		}
	}
	t := &typedPlan{}
	for i := range t.leaf {
		t.leaf[i] = -1
	}
	kinds := map[col]int{
		cBilled: ccDouble, cEffective: ccDouble, cList: ccDouble, cContracted: ccDouble,
		cChargeStart: ccTimestamp, cChargeEnd: ccTimestamp, cBillingStart: ccTimestamp, cBillingEnd: ccTimestamp,
		cCurrency: ccBytes, cService: ccBytes, cResource: ccBytes, cSubAccount: ccBytes, cBillingAccount: ccBytes,
	}
	for i, l := range p.flat {
		if kinds[l.col] != l.kind || t.leaf[l.col] >= 0 {
			return nil
		}
		t.leaf[l.col] = i
	}
	for c := range nCols {
		if (m.idx[c] >= 0) != (t.leaf[c] >= 0) && kinds[c] != 0 {
			return nil // a column of the mapping read otherwise
		}
	}
	for _, c := range []col{cBilled, cEffective, cCurrency, cChargeStart, cChargeEnd, cBillingStart} {
		if t.leaf[c] < 0 {
			return nil
		}
	}
	return t
}

// typedRow aggregates row i when it is of the common shape, and reports
// whether it did; when it did not, nothing of the row is aggregated.
func (cw *columnarWorker) typedRow(p *rowProc, hf *ccHalf, gi, i int) bool {
	tp := cw.typed
	money := func(c col) (Amount, bool, bool) { // amount, present, ok
		k := tp.leaf[c]
		if k < 0 {
			return Amount{}, false, true
		}
		cc := &cw.cols[k]
		if cc.null != nil && cc.null[i] {
			return Amount{}, false, true
		}
		u, ok := doubleUnits(cc.dbl[i])
		return Amount{units: u}, true, ok
	}
	sec := func(c col) (int64, bool, bool) { // seconds, present, ok
		k := tp.leaf[c]
		if k < 0 {
			return 0, false, true
		}
		cc := &cw.cols[k]
		if cc.null != nil && cc.null[i] {
			return 0, false, true
		}
		s := cc.sec(i)
		return s, true, s >= 0 && s <= maxTypedSec
	}
	str := func(c col) []byte {
		k := tp.leaf[c]
		if k < 0 {
			return nil
		}
		cc := &cw.cols[k]
		if cc.stream {
			return hf.svals[k]
		}
		if e := cc.ids[i]; e >= 0 {
			return cc.entry(e)
		}
		return nil
	}
	billed, has, ok := money(cBilled)
	if !has || !ok {
		return false
	}
	effective, has, ok := money(cEffective)
	if !has || !ok {
		return false
	}
	list, has, ok := money(cList)
	if !ok {
		return false
	}
	if !has {
		list = billed
	}
	contracted, _, ok := money(cContracted)
	if !ok {
		return false
	}
	cur := str(cCurrency)
	if !validCurrency(cur) {
		return false
	}
	start, has, ok := sec(cChargeStart)
	if !has || !ok {
		return false
	}
	end, has, ok := sec(cChargeEnd)
	if !has || !ok || end < start {
		return false
	}
	bs, has, ok := sec(cBillingStart)
	if !has || !ok {
		return false
	}
	if _, _, ok := sec(cBillingEnd); !ok {
		return false
	}
	t := &cw.tags
	if t.exact[i] <= -2 { // a key that matches only ignoring case
		return false
	}
	// The row is of the common shape: from here on it is aggregated.
	if !hf.hasPer || bs != hf.perSec {
		// The month as rowProc.process reads it from the text.
		b, _ := appendRFC3339(hf.perText[:0], bs)
		y, _ := digits(b[0:4])
		mo, _ := digits(b[5:7])
		hf.per, hf.perSec, hf.hasPer, hf.perText = period(y*12+mo-1), bs, true, b
	}
	per := hf.per
	// The tag, as rowProc.space resolves the value the reader put in
	// cTagCol.
	var hit tagHit
	if e := t.exact[i]; e >= 0 {
		if v := t.vals.entry(e); !isNull(v) {
			hit = p.valueHit(v)
		}
	}
	svc := str(cService)
	if isNull(svc) {
		svc = nil
	}
	svcID := p.serviceID(svc)
	var res uint64
	r := str(cResource)
	if !isNull(r) {
		res = hashID(r)
	}
	p.vals[cSubAccount], p.vals[cBillingAccount] = str(cSubAccount), str(cBillingAccount)
	p.at = rowAt{rowGroup: gi, row: int64(i)}
	g := p.group(hit.space, per)
	g.mu.Lock()
	p.addRow(g, rowCosts{cur: cur, billed: billed, effective: effective, list: list, contracted: contracted},
		hit.st, svcID, svc, start, end, res, r)
	g.mu.Unlock()
	return true
}

// tsPerSecond returns the units of a TIMESTAMP column in a second.
func tsPerSecond(r *leafRole) int64 {
	lt, _ := r.logical.(*format.TimestampType)
	switch lt.Unit.Value.(type) {
	case *format.MilliSeconds:
		return 1e3
	case *format.NanoSeconds:
		return 1e9
	}
	return 1e6
}

package billing

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// The columnar reader reads a row group a column chunk at a time into typed
// arrays (issue 12): money as DOUBLE, timestamps as INT64, strings as the
// entries of a table, a dictionary's entries once, and the attribution tag
// of a tags map resolved per row. Two goroutines decode the column chunks,
// then two process the rows, each half of them, with the row processor of
// every Parquet and CSV row: the cells it gets are the ones the reader of
// every shape (parquet.go) makes, byte for byte, so the two read the same.
// Only a page of a column is held at a time, instead of a page of each
// column in use: what is held is the typed arrays of one row group.
//
// It reads files whose columns in use are DOUBLE without a logical type,
// INT64 TIMESTAMP, byte arrays read as they are, and a tags map of byte
// arrays: AWS's FOCUS and CUR 2.0 Parquet without the product map, and the
// exports the synth package writes. Other files, and any file it fails on,
// are read by the reader of every shape.

// Columnar leaf kinds.
const (
	ccDouble = iota + 1
	ccTimestamp
	ccBytes
)

// minSplitRows is the least rows of a row group whose rows are processed
// by two goroutines.
const minSplitRows = 8192

// columnarPlan says how the columnar reader reads the leaves of a file.
type columnarPlan struct {
	flat   []ccLeaf // in leaf order
	tagKey int      // leaf of the tags map's keys, or -1
	tagVal int      // leaf of its values, or -1
	// The definition level of a key and a value that are not null.
	keyDef, valDef int
}

// ccLeaf is a flat leaf column the columnar reader reads.
type ccLeaf struct {
	leaf   int
	col    col
	kind   int
	maxDef int
	div    int64 // of a TIMESTAMP, its units in a second
	role   *leafRole
}

// newColumnarPlan returns the plan of a file the columnar reader can read,
// or nil.
func newColumnarPlan(schema *parquet.Schema, roles []leafRole) *columnarPlan {
	p := &columnarPlan{tagKey: -1, tagVal: -1}
	paths := schema.Columns()
	for i := range roles {
		r := &roles[i]
		if i >= len(paths) {
			return nil
		}
		leaf, ok := schema.Lookup(paths[i]...)
		if !ok {
			if r.col >= 0 || r.tagKey || r.tagVal || r.prodKey || r.prodVal {
				return nil
			}
			continue
		}
		switch {
		case r.prodKey || r.prodVal:
			return nil
		case r.tagKey || r.tagVal:
			if !r.rawBytes(r.kind) || r.kind != parquet.ByteArray || leaf.MaxRepetitionLevel != 1 {
				return nil
			}
			if r.tagKey {
				p.tagKey, p.keyDef = i, leaf.MaxDefinitionLevel
			} else {
				p.tagVal, p.valDef = i, leaf.MaxDefinitionLevel
			}
		case r.col < 0:
		case r.col == cCategory || r.col == cProvider:
			// Optional columns the row processor does not read.
		case leaf.MaxRepetitionLevel > 0:
			return nil
		default:
			l := ccLeaf{leaf: i, col: r.col, maxDef: leaf.MaxDefinitionLevel, role: r}
			switch lt := r.logical.(type) {
			case nil:
				switch r.kind {
				case parquet.Double:
					l.kind = ccDouble
				case parquet.ByteArray:
					l.kind = ccBytes
				default:
					return nil
				}
			case *format.TimestampType:
				if r.kind != parquet.Int64 || lt.Unit.Value == nil {
					return nil
				}
				l.kind, l.div = ccTimestamp, tsPerSecond(r)
			default:
				if r.kind != parquet.ByteArray || !r.rawBytes(r.kind) {
					return nil
				}
				l.kind = ccBytes
			}
			p.flat = append(p.flat, l)
		}
	}
	if (p.tagKey < 0) != (p.tagVal < 0) {
		return nil
	}
	return p
}

// errColumnar is a column chunk the columnar reader cannot read; the
// reader of every shape reads the file instead, and says why.
var errColumnar = errors.New("column chunk not of the columnar reader's shape")

// ccColumn holds the values of a flat leaf in a row group.
type ccColumn struct {
	dbl []float64
	// Timestamps: the second of each row, from base. A cell's text
	// (RFC 3339, appendValue's too) holds seconds only.
	secs    []int32
	base    int64
	hasBase bool
	null    []bool
	// Bytes: the entry of each row, -1 for null; entry e is
	// arena[offs[e]:offs[e+1]].
	ids   []int32
	arena []byte
	offs  []uint32
	// The dictionary whose entries were last added, and its first entry.
	dict     parquet.Dictionary
	dictBase int32
	// stream says the chunk's byte arrays are not held but read again, a
	// page at a time, by the goroutines processing the rows: a chunk
	// without a dictionary, such as ResourceId, distinct on most rows.
	stream bool
	chunk  parquet.ColumnChunk
}

func (c *ccColumn) reset(l *ccLeaf, n int) {
	if l.maxDef > 0 && l.kind != ccBytes {
		c.null = resize(c.null, n)
	}
	switch l.kind {
	case ccDouble:
		c.dbl = resize(c.dbl, n)
	case ccTimestamp:
		c.secs, c.hasBase = resize(c.secs, n), false
	case ccBytes:
		c.ids = resize(c.ids, n)
		c.resetEntries()
	}
	c.dict, c.stream, c.chunk = nil, false, nil
}

func (c *ccColumn) resetEntries() {
	if c.arena == nil {
		c.arena = make([]byte, 0, 4096)
	}
	c.arena, c.offs = c.arena[:0], append(c.offs[:0], 0)
}

func (c *ccColumn) addEntry(b []byte) int32 {
	c.arena = append(c.arena, b...)
	c.offs = append(c.offs, uint32(len(c.arena)))
	return int32(len(c.offs) - 2)
}

// entry returns entry e, never nil.
func (c *ccColumn) entry(e int32) []byte {
	a, b := c.offs[e], c.offs[e+1]
	return c.arena[a:b:b]
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// ccTags holds the attribution tag of each row of a row group, resolved
// from its tags map as pqWorker.rowGroup resolves it.
type ccTags struct {
	// Of each row: the entry of the value of the best exact key; -1 for
	// none; -2-f for folds[f], the best key that matches ignoring case.
	exact []int32
	folds [][2]int32       // the entries of a value and of its key
	vals  ccColumn         // the values
	keys  ccColumn         // the keys of folds
	seen  map[string]int32 // the entries of vals
}

// columnarWorker is the columnar reader of a pqWorker.
type columnarWorker struct {
	plan   *columnarPlan
	w      *pqWorker
	procs  [2]*rowProc
	typed  *typedPlan // nil when the file's rows are not of its shape
	cols   []ccColumn // of plan.flat
	tags   ccTags
	halves [2]ccHalf
}

// ccHalf is what one of the goroutines processing rows keeps.
type ccHalf struct {
	scratch []byte
	offs    [nCols][2]int
	set     [nCols]bool
	ts      []tsText     // of plan.flat
	streams []*levelIter // of plan.flat, of the streamed chunks
	svals   [][]byte     // of plan.flat, the streamed chunks' values of the row
	n       int64
	// The billing period of the typed path's last row, and its start.
	per     period
	perSec  int64
	hasPer  bool
	perText []byte
}

// tsText is the text of the timestamp of a column last written: billing
// periods, and charge periods of consecutive rows, repeat.
type tsText struct {
	t    int64
	text []byte
	ok   bool
}

func newColumnarWorker(plan *columnarPlan, w *pqWorker, second *rowProc) *columnarWorker {
	cw := &columnarWorker{plan: plan, w: w, procs: [2]*rowProc{w.proc, second}, cols: make([]ccColumn, len(plan.flat)), typed: newTypedPlan(plan, w.m)}
	for i := range cw.halves {
		cw.halves[i].ts = make([]tsText, len(plan.flat))
		cw.halves[i].streams = make([]*levelIter, len(plan.flat))
		cw.halves[i].svals = make([][]byte, len(plan.flat))
	}
	return cw
}

// safeRowGroup reads a row group; parquet-go may panic on corrupt input.
func (cw *columnarWorker) safeRowGroup(ctx context.Context, gi int, rg parquet.RowGroup) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot read Parquet row group %d: corrupt file: %v", gi, p)
		}
	}()
	return cw.rowGroup(ctx, gi, rg)
}

func (cw *columnarWorker) rowGroup(ctx context.Context, gi int, rg parquet.RowGroup) error {
	n := rg.NumRows()
	if n > 1<<31-1 {
		return errColumnar
	}
	if err := cw.decode(ctx, rg, int(n)); err != nil {
		return err
	}
	if n < minSplitRows {
		err := cw.process(ctx, gi, 0, 0, int(n))
		cw.w.n += cw.halves[0].n
		cw.halves[0].n = 0
		return err
	}
	var errs [2]error
	var wg sync.WaitGroup
	mid := int(n / 2)
	wg.Go(func() { errs[1] = cw.safeProcess(ctx, gi, 1, mid, int(n)) })
	errs[0] = cw.safeProcess(ctx, gi, 0, 0, mid)
	wg.Wait()
	cw.w.n += cw.halves[0].n + cw.halves[1].n
	cw.halves[0].n, cw.halves[1].n = 0, 0
	return cmp.Or(errs[0], errs[1])
}

// decode reads the column chunks in use into cw's arrays, by two
// goroutines, the largest chunks first.
func (cw *columnarWorker) decode(ctx context.Context, rg parquet.RowGroup, n int) error {
	chunks := rg.ColumnChunks()
	type job struct {
		size int64
		run  func() error
	}
	var jobs []job
	// The work of a chunk: its values, byte arrays counting twice.
	size := func(leaf, kind int) int64 {
		v := chunks[leaf].NumValues()
		if kind == ccBytes {
			v *= 2
		}
		return v
	}
	for i := range cw.plan.flat {
		l := &cw.plan.flat[i]
		if l.leaf >= len(chunks) || chunks[l.leaf].Column() != l.leaf {
			return errColumnar
		}
		cc := chunks[l.leaf]
		jobs = append(jobs, job{size(l.leaf, l.kind), func() error { return cw.decodeFlat(ctx, cc, l, &cw.cols[i], n) }})
	}
	if k, v := cw.plan.tagKey, cw.plan.tagVal; k >= 0 {
		if k >= len(chunks) || v >= len(chunks) || chunks[k].Column() != k || chunks[v].Column() != v {
			return errColumnar
		}
		jobs = append(jobs, job{size(k, ccBytes) + size(v, ccBytes), func() error { return cw.decodeTags(ctx, chunks[k], chunks[v], n) }})
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return cmp.Compare(b.size, a.size) })
	// Greedy: each job to the goroutine with less to do.
	var mine, theirs []func() error
	var a, b int64
	for _, j := range jobs {
		if a <= b {
			mine, a = append(mine, j.run), a+j.size
		} else {
			theirs, b = append(theirs, j.run), b+j.size
		}
	}
	run := func(fs []func() error) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("corrupt file: %v", p)
			}
		}()
		for _, f := range fs {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	}
	var other error
	var wg sync.WaitGroup
	wg.Go(func() { other = run(theirs) })
	err := run(mine)
	wg.Wait()
	return cmp.Or(err, other)
}

// pageLevels returns the definition levels of a page and its count of
// levels: nil levels for a column that cannot be null.
func pageLevels(p parquet.Page) ([]byte, int) {
	defs := p.DefinitionLevels()
	if defs != nil {
		return defs, len(defs)
	}
	return nil, int(p.NumValues())
}

// forPages calls f with each page of a column chunk, releasing it after.
func forPages(ctx context.Context, cc parquet.ColumnChunk, f func(parquet.Page) error) error {
	pages := cc.Pages()
	defer pages.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		err = f(p)
		parquet.Release(p)
		if err != nil {
			return err
		}
	}
}

func (cw *columnarWorker) decodeFlat(ctx context.Context, cc parquet.ColumnChunk, l *ccLeaf, c *ccColumn, n int) error {
	c.reset(l, n)
	row := 0
	err := forPages(ctx, cc, func(p parquet.Page) error {
		if row == 0 && l.kind == ccBytes && p.Dictionary() == nil {
			c.stream, c.chunk = true, cc
			return errStream
		}
		defs, levels := pageLevels(p)
		if row+levels > n {
			return errColumnar
		}
		data := p.Data()
		var idx []int32
		if d := p.Dictionary(); d != nil {
			if data.Kind() != encoding.Int32 {
				return errColumnar
			}
			idx = data.Int32()
			if l.kind == ccBytes && d != c.dict {
				// A dictionary's entries are added once.
				dd := d.Page().Data()
				if dd.Kind() != encoding.ByteArray {
					return errColumnar
				}
				bin, offs := dd.ByteArray()
				c.dict, c.dictBase = d, int32(len(c.offs)-1)
				for j := 0; j+1 < len(offs); j++ {
					if offs[j] > offs[j+1] || int(offs[j+1]) > len(bin) {
						return errColumnar
					}
					c.addEntry(bin[offs[j]:offs[j+1]])
				}
			}
			data = d.Page().Data()
		}
		var dbl []float64
		var i64 []int64
		var bin []byte
		var offs []uint32
		var count int
		switch l.kind {
		case ccDouble:
			if data.Kind() != encoding.Double {
				return errColumnar
			}
			dbl = data.Double()
			count = len(dbl)
		case ccTimestamp:
			if data.Kind() != encoding.Int64 {
				return errColumnar
			}
			i64 = data.Int64()
			count = len(i64)
		case ccBytes:
			if data.Kind() != encoding.ByteArray {
				return errColumnar
			}
			bin, offs = data.ByteArray()
			count = max(len(offs)-1, 0)
		}
		k := 0 // the next value
		for i := range levels {
			r := row + i
			if defs != nil && int(defs[i]) < l.maxDef {
				if l.kind == ccBytes {
					c.ids[r] = -1
				} else {
					c.null[r] = true
				}
				continue
			}
			if c.null != nil {
				c.null[r] = false
			}
			j := k
			k++
			if idx != nil {
				if j >= len(idx) {
					return errColumnar
				}
				j = int(idx[j])
			}
			if j < 0 || j >= count {
				return errColumnar
			}
			switch l.kind {
			case ccDouble:
				c.dbl[r] = dbl[j]
			case ccTimestamp:
				sec := floorDiv(i64[j], l.div)
				if !c.hasBase {
					c.base, c.hasBase = sec, true
				}
				d := sec - c.base
				if d != int64(int32(d)) {
					return errColumnar
				}
				c.secs[r] = int32(d)
			case ccBytes:
				if idx != nil {
					c.ids[r] = c.dictBase + int32(j)
					break
				}
				if offs[j] > offs[j+1] || int(offs[j+1]) > len(bin) {
					return errColumnar
				}
				c.ids[r] = c.addEntry(bin[offs[j]:offs[j+1]])
			}
		}
		row += levels
		return nil
	})
	if errors.Is(err, errStream) {
		return nil
	}
	if err == nil && row != n {
		err = errColumnar
	}
	return err
}

// errStream stops the decoding of a chunk that is streamed.
var errStream = errors.New("streamed")

// decodeTags resolves the attribution tag of each row from the tags map,
// as pqWorker.rowGroup does: the value (not null) of the key that comes
// first in the tag matcher's keys, the first such entry of the row; else,
// the same of the keys that match ignoring case. The keys and the values
// are read side by side, a page of each at a time.
func (cw *columnarWorker) decodeTags(ctx context.Context, kc, vc parquet.ColumnChunk, n int) error {
	t := &cw.tags
	keys := cw.w.keys
	if len(keys) > 1<<14 {
		return errColumnar
	}
	t.exact, t.folds = resize(t.exact, n), t.folds[:0]
	t.vals.resetEntries()
	t.keys.resetEntries()
	clear(t.seen)
	if t.seen == nil {
		t.seen = map[string]int32{}
	}
	ki := levelIter{pages: kc.Pages(), maxDef: cw.plan.keyDef}
	defer ki.close()
	vi := levelIter{pages: vc.Pages(), maxDef: cw.plan.valDef}
	defer vi.close()
	// The ranks of a key, exactly and ignoring case, -1 for none; of a
	// dictionary's keys, once per entry.
	rank := func(k []byte) [2]int16 {
		r := [2]int16{-1, -1}
		for j, want := range keys {
			if r[0] < 0 && bytes.Equal(k, want) {
				r[0] = int16(j)
			}
			if r[1] < 0 && bytes.EqualFold(k, want) {
				r[1] = int16(j)
			}
		}
		return r
	}
	var dictRanks [][2]int16
	var dict parquet.Dictionary
	row := -1
	bestExact, bestFold := len(keys), len(keys)
	var exactVal, foldVal, foldKey []byte
	hasExact, hasFold := false, false
	// An entry of the row group's values, one per distinct value: most
	// rows name one of a few hundred spaces.
	value := func(b []byte) int32 {
		if e, ok := t.seen[string(b)]; ok {
			return e
		}
		e := t.vals.addEntry(b)
		if len(t.seen) < 1<<16 {
			t.seen[string(b)] = e
		}
		return e
	}
	endRow := func() {
		if row < 0 {
			return
		}
		t.exact[row] = -1
		switch {
		case hasExact:
			t.exact[row] = value(exactVal)
		case hasFold:
			t.exact[row] = int32(-2 - len(t.folds))
			t.folds = append(t.folds, [2]int32{value(foldVal), t.keys.addEntry(foldKey)})
		}
	}
	for {
		kok, err := ki.next(ctx)
		if err != nil {
			return err
		}
		vok, err := vi.next(ctx)
		if err != nil {
			return err
		}
		if kok != vok || kok && ki.rep != vi.rep {
			return errColumnar
		}
		if !kok {
			break
		}
		if ki.rep == 0 {
			endRow()
			row++
			if row >= n {
				return errColumnar
			}
			bestExact, bestFold = len(keys), len(keys)
			hasExact, hasFold = false, false
		} else if row < 0 {
			return errColumnar
		}
		if ki.null || vi.null {
			continue // a null key matches nothing; a null value is no tag
		}
		var r [2]int16
		if ki.dict != nil {
			if ki.dict != dict {
				dict, dictRanks = ki.dict, dictRanks[:0]
				bin, offs := ki.dictData()
				for j := 0; j+1 < len(offs); j++ {
					dictRanks = append(dictRanks, rank(bin[offs[j]:offs[j+1]]))
				}
			}
			r = dictRanks[ki.j]
		} else {
			r = rank(ki.val)
		}
		if r[0] >= 0 && int(r[0]) < bestExact {
			bestExact, hasExact = int(r[0]), true
			exactVal = append(exactVal[:0], vi.val...)
		}
		if !hasExact && r[1] >= 0 && int(r[1]) < bestFold {
			bestFold, hasFold = int(r[1]), true
			foldVal = append(foldVal[:0], vi.val...)
			foldKey = append(foldKey[:0], ki.val...)
		}
	}
	if row != n-1 {
		return errColumnar
	}
	endRow()
	return nil
}

// levelIter reads the levels and byte array values of a column chunk, one
// at a time, holding one page.
type levelIter struct {
	pages  parquet.Pages
	page   parquet.Page
	maxDef int
	flat   bool // a column that is not repeated: a level per row
	defs   []byte
	reps   []byte
	n, i   int // levels of the page, the next
	k      int // the next value
	idx    []int32
	bin    []byte
	offs   []uint32
	dict   parquet.Dictionary // of the page, nil without
	// The level read: its repetition level, whether it is null, its
	// value (valid until the next) and, of a dictionary, its entry.
	rep  int
	null bool
	val  []byte
	j    int
}

func (it *levelIter) close() {
	if it.page != nil {
		parquet.Release(it.page)
		it.page = nil
	}
	_ = it.pages.Close()
}

// next reads the next level, and reports false past the last.
func (it *levelIter) next(ctx context.Context) (bool, error) {
	for it.i >= it.n {
		if it.page != nil {
			parquet.Release(it.page)
			it.page = nil
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		p, err := it.pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		it.page = p
		it.defs, it.n = pageLevels(p)
		it.reps = p.RepetitionLevels()
		if it.reps != nil && len(it.reps) != it.n || it.reps == nil && !it.flat {
			return false, errColumnar
		}
		it.i, it.k, it.idx, it.dict = 0, 0, nil, nil
		data := p.Data()
		if d := p.Dictionary(); d != nil {
			if data.Kind() != encoding.Int32 {
				return false, errColumnar
			}
			it.idx, it.dict = data.Int32(), d
			data = d.Page().Data()
		}
		if data.Kind() != encoding.ByteArray {
			return false, errColumnar
		}
		it.bin, it.offs = data.ByteArray()
	}
	it.rep = 0
	if it.reps != nil {
		it.rep = int(it.reps[it.i])
	}
	it.null = it.defs != nil && int(it.defs[it.i]) < it.maxDef
	it.i++
	it.val = nil
	if it.null {
		return true, nil
	}
	j := it.k
	it.k++
	if it.idx != nil {
		if j >= len(it.idx) {
			return false, errColumnar
		}
		j = int(it.idx[j])
	}
	if j < 0 || j+1 >= len(it.offs) || it.offs[j] > it.offs[j+1] || int(it.offs[j+1]) > len(it.bin) {
		return false, errColumnar
	}
	it.j = j
	it.val = it.bin[it.offs[j]:it.offs[j+1]:it.offs[j+1]]
	return true, nil
}

// dictData is the dictionary of the page read.
func (it *levelIter) dictData() ([]byte, []uint32) {
	data := it.dict.Page().Data()
	return data.ByteArray()
}

func (cw *columnarWorker) safeProcess(ctx context.Context, gi, h, lo, hi int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot read Parquet row group %d: corrupt file: %v", gi, p)
		}
	}()
	return cw.process(ctx, gi, h, lo, hi)
}

// process runs row processor h on rows lo to hi of the row group decoded,
// with the cells pqWorker.rowGroup and processBatch give it.
func (cw *columnarWorker) process(ctx context.Context, gi, h, lo, hi int) error {
	w, p, hf := cw.w, cw.procs[h], &cw.halves[h]
	defer func() { p.m = w.m }()
	for k := range cw.plan.flat {
		c := &cw.cols[k]
		if !c.stream {
			continue
		}
		it := &levelIter{pages: c.chunk.Pages(), maxDef: cw.plan.flat[k].maxDef, flat: true}
		hf.streams[k] = it
		defer func() {
			it.close()
			hf.streams[k] = nil
		}()
		// The rows of the other half are skipped.
		for range lo {
			if ok, err := it.next(ctx); err != nil || !ok {
				return cmp.Or(err, errColumnar)
			}
		}
	}
	clear(p.vals[:])
	t := &cw.tags
	tagMap := w.tagMap
	var streamed []int
	for k := range cw.plan.flat {
		if cw.cols[k].stream {
			streamed = append(streamed, k)
		}
	}
	for i := lo; i < hi; i++ {
		if (i-lo)%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, k := range streamed {
			it := hf.streams[k]
			if ok, err := it.next(ctx); err != nil || !ok {
				return cmp.Or(err, errColumnar)
			}
			hf.svals[k] = it.val // nil for a null
		}
		if cw.typed != nil && cw.typedRow(p, hf, gi, i) {
			hf.n++
			continue
		}
		for _, c := range w.used {
			p.vals[c] = nil
			hf.set[c] = false
		}
		hf.scratch = hf.scratch[:0]
		for k := range cw.plan.flat {
			l, c := &cw.plan.flat[k], &cw.cols[k]
			if l.kind == ccBytes && c.stream {
				if v := hf.svals[k]; v != nil {
					p.vals[l.col], hf.set[l.col] = v, false
				}
				continue
			}
			if l.kind == ccBytes {
				if e := c.ids[i]; e >= 0 {
					p.vals[l.col], hf.set[l.col] = c.entry(e), false
				}
				continue
			}
			if c.null != nil && c.null[i] {
				continue
			}
			start := len(hf.scratch)
			switch l.kind {
			case ccDouble:
				f := c.dbl[i]
				if u, ok := doubleUnits(f); ok {
					hf.scratch = appendUnits(hf.scratch, u)
				} else {
					hf.scratch = appendValue(hf.scratch, parquet.DoubleValue(f), l.role)
				}
			case ccTimestamp:
				hf.scratch = hf.ts[k].append(hf.scratch, c.sec(i), l)
			}
			hf.offs[l.col] = [2]int{start, len(hf.scratch)}
			hf.set[l.col] = true
		}
		for _, c := range w.used {
			if hf.set[c] {
				o := hf.offs[c]
				p.vals[c] = hf.scratch[o[0]:o[1]:o[1]]
			}
		}
		useWithTag := false
		p.foldKey = nil
		if tagMap {
			p.vals[cTags] = nil
			if cw.plan.tagKey >= 0 {
				switch {
				case p.vals[cTagCol] != nil:
				case t.exact[i] >= 0:
					p.vals[cTagCol] = t.vals.entry(t.exact[i])
					useWithTag = true
				case t.exact[i] <= -2:
					f := t.folds[-2-t.exact[i]]
					p.vals[cTagFold] = t.vals.entry(f[0])
					p.foldKey = t.keys.entry(f[1])
					useWithTag = true
				}
			}
		}
		p.m = w.m
		if useWithTag {
			p.m = w.withTag
		}
		p.at = rowAt{rowGroup: gi, row: int64(i)}
		if ce := p.process(); ce != nil {
			if w.f.fail(&RowError{File: w.f.uri, RowGroup: gi, Row: int64(i), Column: w.m.name(ce.col), Message: ce.describe(w.m)}, p) {
				return errTooManyErrors
			}
		} else {
			hf.n++
		}
	}
	return nil
}

// sec is the second of row i's timestamp.
func (c *ccColumn) sec(i int) int64 { return c.base + int64(c.secs[i]) }

// append appends the text of a TIMESTAMP of second sec as appendCell
// appends the text of any value of that second.
func (c *tsText) append(dst []byte, sec int64, l *ccLeaf) []byte {
	if c.ok && sec == c.t {
		return append(dst, c.text...)
	}
	if b, ok := appendRFC3339(dst, sec); ok {
		c.t, c.ok = sec, true
		c.text = append(c.text[:0], b[len(dst):]...)
		return b
	}
	return appendValue(dst, parquet.Int64Value(sec*l.div), l.role)
}

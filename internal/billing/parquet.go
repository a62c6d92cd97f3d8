package billing

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// Parquet files are read row group by row group, a batch of rows at a time,
// with only the values of the columns in use turned into the same cells the
// CSV reader produces. Money in DOUBLE columns (as AWS writes CUR) is taken
// at its shortest decimal representation, which is the decimal the exporter
// wrote; DECIMAL columns are exact.

// rawBytes reports whether values of kind in the column are cells as they
// are (appendValue copies them): byte arrays of no logical type appendValue
// converts (STRING, ENUM, JSON and the like).
func (r *leafRole) rawBytes(kind parquet.Kind) bool {
	if kind != parquet.ByteArray && kind != parquet.FixedLenByteArray {
		return false
	}
	switch r.logical.(type) {
	case *format.DecimalType, *format.TimestampType, *format.DateType:
		return false
	}
	return true
}

// leafRole says what a Parquet leaf column is to the row processor.
type leafRole struct {
	col     col  // normalised column, or -1
	tagKey  bool // key of a tags map
	tagVal  bool // value of a tags map
	prodKey bool // key of a CUR 2.0 product map
	prodVal bool // value of a CUR 2.0 product map
	logical format.LogicalTypeValue
	kind    parquet.Kind
	scale   int32
}

func ingestParquetStream(ctx context.Context, s Source, r io.Reader, _ int64, o Options, st *FileStats) (*aggregate, error) {
	var ra io.ReaderAt
	var size int64
	if rs, ok := s.(ReaderAtSource); ok {
		f, n, c, err := rs.OpenReaderAt(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		ra, size = f, n
	} else {
		// Parquet needs random access: spool the stream to a temporary file.
		f, err := os.CreateTemp(o.TempDir, "cloudspace-billing-*.parquet")
		if err != nil {
			return nil, fmt.Errorf("cannot create temporary file: %w", err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		n, err := io.Copy(f, r)
		if err != nil {
			return nil, fmt.Errorf("cannot spool Parquet to %q: %w", f.Name(), err)
		}
		ra, size = f, n
	}
	return readParquet(ctx, ra, size, o, st)
}

func readParquet(ctx context.Context, ra io.ReaderAt, size int64, o Options, st *FileStats) (*aggregate, error) {
	return readParquetWith(ctx, ra, size, o, st, pqAuto)
}

// pqReader says which reader reads a Parquet file's row groups.
type pqReader int

const (
	// pqAuto reads with the columnar reader the files of its shape, and
	// with the reader of every shape the others and those it fails on.
	pqAuto pqReader = iota
	// pqGeneral reads with the reader of every shape.
	pqGeneral
	// pqColumnar reads with the columnar reader only, and fails on files
	// not of its shape: for the tests that hold the two readers together.
	pqColumnar
)

var errNotColumnar = errors.New("not a file of the columnar reader's shape")

func readParquetWith(ctx context.Context, ra io.ReaderAt, size int64, o Options, st *FileStats, reader pqReader) (agg *aggregate, err error) {
	// parquet-go may panic on corrupt input; a corrupt file is an error.
	defer func() {
		if p := recover(); p != nil {
			agg, err = nil, fmt.Errorf("cannot read Parquet: corrupt file: %v", p)
		}
	}()
	f, err := parquet.OpenFile(ra, size)
	if err != nil {
		return nil, fmt.Errorf("cannot open Parquet: %w", err)
	}
	schema := f.Schema()
	leaves := schema.Columns()
	// Top level names, in order, as the mapping's header.
	var names []string
	top := map[string]int{}
	for _, p := range leaves {
		if _, ok := top[p[0]]; !ok {
			top[p[0]] = len(names)
			names = append(names, p[0])
		}
	}
	m, err := newMapping(o.Format, names, o.tag())
	if err != nil {
		return nil, err
	}
	st.Format = m.format
	st.Custom = m.Custom()
	st.OptionalColumns, st.MissingOptionalColumns = m.optional()
	st.currencyColumn = m.name(cCurrency)

	roles := make([]leafRole, len(leaves))
	for i, p := range leaves {
		roles[i].col = -1
		leaf, ok := schema.Lookup(p...)
		if !ok {
			continue
		}
		t := leaf.Node.Type()
		roles[i].kind = t.Kind()
		if lt := t.LogicalType(); lt != nil {
			roles[i].logical = lt.Value
			if d, ok := lt.Value.(*format.DecimalType); ok {
				roles[i].scale = d.Scale
			}
		}
		c := m.colOf[top[p[0]]]
		switch {
		case c < 0:
		case c == cTags && len(p) > 1:
			roles[i].tagKey = p[len(p)-1] == "key"
			roles[i].tagVal = p[len(p)-1] == "value"
		case c == cProductMap && len(p) > 1:
			roles[i].prodKey = p[len(p)-1] == "key"
			roles[i].prodVal = p[len(p)-1] == "value"
		case len(p) == 1:
			roles[i].col = c
		}
	}

	if tagMap := m.idx[cTags] >= 0 && hasNested(leaves, names[m.idx[cTags]]); tagMap {
		mapWithTagCol(m) // Before the workers share m.
	}
	if reader != pqGeneral {
		// The columnar reader (parquet_columnar.go) reads the files of
		// the usual shape; a file it fails on, for whatever reason (a bad
		// row too many, a corrupt page), is read again from the start by
		// the reader of every shape, whose errors are the ones reported.
		plan := newColumnarPlan(schema, roles)
		switch {
		case plan == nil && reader == pqColumnar:
			return nil, errNotColumnar
		case plan != nil:
			agg, err := readRowGroups(ctx, f, m, roles, plan, o, st)
			if err == nil || ctx.Err() != nil || reader == pqColumnar {
				return agg, err
			}
		}
	}
	return readRowGroups(ctx, f, m, roles, nil, o, st)
}

// readRowGroups reads the row groups of f into a new aggregate, with the
// columnar reader when plan is not nil.
func readRowGroups(ctx context.Context, f *parquet.File, m *mapping, roles []leafRole, plan *columnarPlan, o Options, st *FileStats) (*aggregate, error) {
	st.Rows, st.BadRows, st.skipped, st.Warnings = 0, 0, skippedRows{}, nil
	pf := &pqFile{uri: st.URI, maxErrors: o.MaxErrors}
	groups := f.RowGroups()
	next := make(chan int, len(groups))
	for i := range groups {
		next <- i
	}
	close(next)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := make([]*pqWorker, min(o.ParquetWorkers, max(len(groups), 1)))
	shared := newAggregate(o.MaxResourceIDs) // the workers share one aggregate
	errc := make(chan error, len(workers))
	var wg sync.WaitGroup
	for i := range workers {
		w := &pqWorker{
			f: pf, m: m, roles: roles, keys: newTagMatcher(o.TagKey).keys,
			tagMap: m.withTag != nil, withTag: m.withTag,
			agg: shared, used: usedCols(roles),
		}
		w.proc = newRowProc(m, w.agg, o.tag())
		read := w.safeRowGroup
		if plan != nil {
			w.col = newColumnarWorker(plan, w, newRowProc(m, w.agg, o.tag()))
			read = w.col.safeRowGroup
		}
		workers[i] = w
		wg.Go(func() {
			for gi := range next {
				if err := read(ctx, gi, groups[gi]); err != nil {
					errc <- err
					cancel()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for _, w := range workers {
		st.Rows += w.n
	}
	st.BadRows = pf.bad.Load()
	st.skipped = pf.skipped
	slices.SortFunc(pf.errs, compareRowErrors)
	if st.BadRows > o.MaxErrors {
		return nil, &FileError{File: st.URI, Rows: sortedErrors(pf.errs, o.MaxErrors), BadRows: st.BadRows, MaxErrors: o.MaxErrors}
	}
	if err := <-errc; err != nil {
		return nil, err
	}
	st.Warnings = pf.errs
	return shared, nil
}

var errTooManyErrors = errors.New("too many bad rows")

// pqFile is the state shared by the workers reading one Parquet file.
type pqFile struct {
	uri       string
	maxErrors int64
	bad       atomic.Int64
	mu        sync.Mutex
	errs      []*RowError
	skipped   skippedRows
}

// fail records a bad row, whose cells are in p, and reports whether there
// are now too many.
func (f *pqFile) fail(e *RowError, p *rowProc) bool {
	n := f.bad.Add(1)
	f.mu.Lock()
	p.skipped(&f.skipped)
	if int64(len(f.errs)) <= f.maxErrors {
		f.errs = append(f.errs, e)
	}
	f.mu.Unlock()
	return n > f.maxErrors
}

// pqWorker reads whole row groups into the aggregate the workers share.
type pqWorker struct {
	f       *pqFile
	m       *mapping
	roles   []leafRole
	keys    [][]byte
	tagMap  bool
	withTag *mapping
	agg     *aggregate
	proc    *rowProc
	n       int64

	scratch            []byte
	tagKeys, tagVals   [][]byte
	prodKeys, prodVals [][]byte
	vals               [nCols][]byte // the cells of the row being read
	batches            [2]*pqBatch
	col                *columnarWorker // the columnar reader, when the file has its shape
	// used lists the columns a row of the file can set in vals, in order:
	// a file sets a dozen of the nCols, and clearing and copying only those
	// is a good part of the reader's time per row.
	used []col
	// The cells of the row being read, before they are sliced into vals:
	// offsets into scratch, or bytes aliasing the page.
	offs        [nCols][2]int
	set, direct [nCols]bool
	strs        [nCols][]byte
}

// usedCols returns the columns a row of the file can set in a worker's
// vals: those of the leaves read, and the ones rowGroup fills from a map.
func usedCols(roles []leafRole) []col {
	var in [nCols]bool
	for _, c := range []col{cTags, cTagCol, cTagFold, cProductMap, cService} {
		in[c] = true
	}
	for _, r := range roles {
		if r.col >= 0 {
			in[r.col] = true
		}
	}
	var used []col
	for c := range nCols {
		if in[c] {
			used = append(used, c)
		}
	}
	return used
}

// safeRowGroup reads a row group; parquet-go may panic on corrupt input,
// and a corrupt file is an error.
func (w *pqWorker) safeRowGroup(ctx context.Context, gi int, rg parquet.RowGroup) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot read Parquet row group %d: corrupt file: %v", gi, p)
		}
	}()
	return w.rowGroup(ctx, gi, rg)
}

func (w *pqWorker) rowGroup(ctx context.Context, gi int, rg parquet.RowGroup) (err error) {
	roles, keys, tagMap := w.roles, w.keys, w.tagMap
	// Only the column chunks of the columns in use are read, page by page:
	// an export has dozens of columns and the ingester needs a dozen, and
	// memory stays at a page per column whatever the row group's size.
	rr := newProjectedRows(rg, roles)
	defer rr.close()
	// The rows are processed by a goroutine of their own, in batches of
	// copied cells, while this one reads the pages: two cores at work on
	// one row group, whose pages are held once.
	p := w.startProcessing(gi)
	defer func() {
		// An error of the rows processed comes from an earlier row.
		if perr := p.stop(); perr != nil {
			err = perr
		}
	}()
	b, err := p.next()
	if err != nil {
		return err
	}
	n := rg.NumRows()
	for rowIdx := int64(0); rowIdx < n; {
		if rowIdx%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, c := range rr.cursors {
			c.releaseRetired()
		}
		for _, c := range w.used {
			w.vals[c] = nil
			w.set[c], w.direct[c] = false, false
		}
		w.scratch = w.scratch[:0]
		w.tagKeys = w.tagKeys[:0]
		w.tagVals = w.tagVals[:0]
		w.prodKeys = w.prodKeys[:0]
		w.prodVals = w.prodVals[:0]
		// Cells are appended to w.scratch; record offsets, then slice.
		// Strings are the page's bytes, valid until the next row is read.
		offs, set, direct, strs := &w.offs, &w.set, &w.direct, &w.strs
		for _, c := range rr.cursors {
			r := &roles[c.col]
			for first := true; ; first = false {
				if !first {
					rep, more, err := c.nextRep()
					if err != nil {
						return fmt.Errorf("cannot read row group %d row %d: %w", gi, rowIdx, err)
					}
					if !more || rep == 0 {
						break
					}
				}
				x, err := c.advance()
				if err != nil {
					return fmt.Errorf("cannot read row group %d row %d: %w", gi, rowIdx, err)
				}
				switch {
				case r.col >= 0:
					if x.null {
						break
					}
					if !x.generic && r.rawBytes(c.kind) {
						strs[r.col], direct[r.col] = c.bytesAt(x.j), true
						break
					}
					start := len(w.scratch)
					w.scratch = c.appendCell(w.scratch, x, r)
					offs[r.col] = [2]int{start, len(w.scratch)}
					set[r.col] = true
				case r.tagKey:
					// Keys come before values: all of a column's values
					// are together in a row.
					w.tagKeys = append(w.tagKeys, c.cellBytes(x))
				case r.tagVal:
					if x.null {
						w.tagVals = append(w.tagVals, nil)
					} else {
						w.tagVals = append(w.tagVals, c.cellBytes(x))
					}
				case r.prodKey:
					w.prodKeys = append(w.prodKeys, c.cellBytes(x))
				case r.prodVal:
					if x.null {
						w.prodVals = append(w.prodVals, nil)
					} else {
						w.prodVals = append(w.prodVals, c.cellBytes(x))
					}
				}
				if !c.repeated {
					break
				}
			}
		}
		var tagVal []byte
		best := len(keys)
		for i, k := range w.tagKeys {
			if i >= len(w.tagVals) || w.tagVals[i] == nil {
				continue
			}
			for j, want := range keys[:best] {
				if bytes.Equal(k, want) {
					best, tagVal = j, w.tagVals[i]
					break
				}
			}
		}
		for _, c := range w.used {
			switch {
			case direct[c]:
				w.vals[c] = strs[c]
			case set[c]:
				w.vals[c] = w.scratch[offs[c][0]:offs[c][1]]
			}
		}
		var foldKey, foldVal []byte
		if tagVal == nil {
			// A key that matches only ignoring case ("CloudSpace").
			bestFold := len(keys)
			for i, k := range w.tagKeys {
				if i >= len(w.tagVals) || w.tagVals[i] == nil {
					continue
				}
				for j, want := range keys[:bestFold] {
					if bytes.EqualFold(k, want) {
						bestFold, foldKey, foldVal = j, k, w.tagVals[i]
						break
					}
				}
			}
		}
		useWithTag := false
		var rowFold []byte
		if tagMap {
			// Resolve the tag here; the row processor reads it as a column.
			w.vals[cTags] = nil
			switch {
			case w.vals[cTagCol] != nil:
			case tagVal != nil:
				w.vals[cTagCol] = tagVal
				useWithTag = true
			case foldVal != nil:
				w.vals[cTagFold] = foldVal
				rowFold = foldKey
				useWithTag = true
			}
		}
		if len(w.prodKeys) > 0 {
			// The product name of a CUR 2.0 product map.
			w.vals[cProductMap] = nil
			for i, k := range w.prodKeys {
				if i < len(w.prodVals) && w.prodVals[i] != nil && string(k) == "product_name" {
					w.vals[cService] = w.prodVals[i]
					break
				}
			}
		}
		if b.add(&w.vals, w.used, useWithTag, rowFold, rowIdx) {
			if b, err = p.send(b); err != nil {
				return err
			}
		}
		rowIdx++
	}
	return p.flush(b)
}

func hasNested(leaves [][]string, name string) bool {
	for _, p := range leaves {
		if p[0] == name && len(p) > 1 {
			return true
		}
	}
	return false
}

// mapWithTagCol returns m with the tag read from cTagCol, for a tags map
// resolved by the Parquet reader.
func mapWithTagCol(m *mapping) *mapping {
	if m.withTag == nil {
		c := *m
		c.idx[cTagCol] = 0
		c.idx[cTags] = -1
		if c.idx[cTagFold] < 0 {
			c.idx[cTagFold] = 0
		}
		m.withTag = &c
	}
	return m.withTag
}

// appendValue appends the text of a Parquet value.
func appendValue(dst []byte, v parquet.Value, r *leafRole) []byte {
	switch lt := r.logical.(type) {
	case *format.DecimalType:
		var tmp [24]byte
		switch v.Kind() {
		case parquet.Int32:
			return appendScaled(dst, strconv.AppendInt(tmp[:0], int64(v.Int32()), 10), int(lt.Scale))
		case parquet.Int64:
			return appendScaled(dst, strconv.AppendInt(tmp[:0], v.Int64(), 10), int(lt.Scale))
		default: // A decimal in a byte array: two's complement, big-endian.
		}
		b := v.ByteArray()
		unscaled := new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			unscaled.Sub(unscaled, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		return appendScaled(dst, unscaled.Append(tmp[:0], 10), int(lt.Scale))
	case *format.TimestampType:
		t := v.Int64()
		var ts time.Time
		var sec int64
		switch lt.Unit.Value.(type) {
		case *format.MilliSeconds:
			ts, sec = time.UnixMilli(t), floorDiv(t, 1e3)
		case *format.NanoSeconds:
			ts, sec = time.Unix(0, t), floorDiv(t, 1e9)
		default:
			ts, sec = time.UnixMicro(t), floorDiv(t, 1e6)
		}
		if b, ok := appendRFC3339(dst, sec); ok {
			return b
		}
		return ts.UTC().AppendFormat(dst, time.RFC3339)
	case *format.DateType:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().AppendFormat(dst, time.DateOnly)
	}
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return append(dst, v.ByteArray()...)
	case parquet.Double:
		f := v.Double()
		if u, ok := doubleUnits(f); ok {
			return appendUnits(dst, u)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "NaN"...)
		}
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	case parquet.Float:
		f := float64(v.Float())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(dst, "NaN"...)
		}
		return strconv.AppendFloat(dst, f, 'f', -1, 32)
	case parquet.Int32:
		return strconv.AppendInt(dst, int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.AppendInt(dst, v.Int64(), 10)
	case parquet.Int96:
		// Legacy Spark and Athena timestamps: nanoseconds of the day, then
		// the Julian day.
		i := v.Int96()
		var b [12]byte
		binary.LittleEndian.PutUint32(b[0:], i[0])
		binary.LittleEndian.PutUint32(b[4:], i[1])
		binary.LittleEndian.PutUint32(b[8:], i[2])
		nanos := int64(binary.LittleEndian.Uint64(b[0:8]))
		day := int64(binary.LittleEndian.Uint32(b[8:12]))
		return time.Unix((day-2440588)*86400, nanos).UTC().AppendFormat(dst, time.RFC3339)
	case parquet.Boolean:
		return strconv.AppendBool(dst, v.Boolean())
	}
	return append(dst, v.String()...)
}

// doubleUnits returns a DOUBLE as 1e-10 units when its shortest decimal
// form, the one strconv writes and the exporter wrote, has at most 10
// fraction digits: the money of every real export. It is that decimal when
// the nearest count of units converts back to the same double and the
// double is below 2^18, where doubles are closer together than 1e-10, so
// that no other decimal of 10 fraction digits converts to it
// (FuzzDoubleUnits checks it against strconv and parseAmount).
func doubleUnits(f float64) (int64, bool) {
	if !(math.Abs(f) < 1<<18) {
		return 0, false // also NaN
	}
	u := int64(math.Round(f * 1e10))
	if float64(u)/1e10 != f {
		return 0, false
	}
	return u, true
}

// appendRFC3339 appends Unix seconds as time.Time.AppendFormat writes them
// in UTC with time.RFC3339, for the years 0 to 9999, without a time.Time.
func appendRFC3339(b []byte, sec int64) ([]byte, bool) {
	days := floorDiv(sec, 86400)
	s := sec - days*86400
	// Civil from days (Howard Hinnant's algorithm).
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	if y < 0 || y > 9999 {
		return b, false
	}
	two := func(b []byte, v int64) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	b = two(b, y/100)
	b = two(b, y%100)
	b = append(b, '-')
	b = two(b, m)
	b = append(b, '-')
	b = two(b, d)
	b = append(b, 'T')
	b = two(b, s/3600)
	b = append(b, ':')
	b = two(b, s/60%60)
	b = append(b, ':')
	b = two(b, s%60)
	return append(b, 'Z'), true
}

// appendScaled appends an unscaled integer's decimal digits with scale
// fraction digits.
func appendScaled(dst, digits []byte, scale int) []byte {
	if scale <= 0 {
		dst = append(dst, digits...)
		for range -scale {
			dst = append(dst, '0')
		}
		return dst
	}
	if len(digits) > 0 && digits[0] == '-' {
		dst = append(dst, '-')
		digits = digits[1:]
	}
	if len(digits) <= scale {
		dst = append(dst, '0', '.')
		for range scale - len(digits) {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

// projectedRows reads the rows of a row group, only the leaf columns whose
// role is to be read, in leaf order, as parquet-go's rows would hold them.
type projectedRows struct {
	cursors []*pqCursor
}

func newProjectedRows(rg parquet.RowGroup, roles []leafRole) *projectedRows {
	r := &projectedRows{}
	schema := rg.Schema()
	paths := schema.Columns()
	for _, cc := range rg.ColumnChunks() {
		ci := cc.Column()
		if ci < 0 || ci >= len(roles) || ci >= len(paths) {
			continue
		}
		ro := &roles[ci]
		if ro.col < 0 && !ro.tagKey && !ro.tagVal && !ro.prodKey && !ro.prodVal {
			continue
		}
		leaf, ok := schema.Lookup(paths[ci]...)
		if !ok {
			continue
		}
		r.cursors = append(r.cursors, &pqCursor{pages: cc.Pages(), col: ci, maxDef: leaf.MaxDefinitionLevel, repeated: leaf.MaxRepetitionLevel > 0})
	}
	return r
}

// next appends the values of the next row to row. Values of byte arrays
// alias pages, which are released when the row after it is read.
func (r *projectedRows) next(row []parquet.Value) ([]parquet.Value, error) {
	for _, c := range r.cursors {
		c.releaseRetired()
	}
	for _, c := range r.cursors {
		var err error
		if row, err = c.take(row); err != nil {
			return row, err
		}
	}
	return row, nil
}

func (r *projectedRows) close() {
	for _, c := range r.cursors {
		c.releaseRetired()
		if c.page != nil {
			parquet.Release(c.page)
		}
		_ = c.pages.Close()
	}
}

// pqCursor reads the values of one column chunk from the typed arrays of
// its pages (parquet-go's generic value readers cost several times as
// much), resolving dictionary indexes and definition levels itself. Kinds
// without typed arrays (BOOLEAN, INT96) are read with the page's value
// reader.
type pqCursor struct {
	pages    parquet.Pages
	col      int
	maxDef   int
	repeated bool
	page     parquet.Page
	retired  []parquet.Page // pages read to the end, whose bytes rows may still alias

	defs, reps []byte
	n, i       int // levels of the page, the next one
	k          int // the next of the page's non-null values
	kind       parquet.Kind
	idx        []int32 // dictionary indexes, nil without a dictionary
	dbl        []float64
	f32        []float32
	i64        []int64
	i32        []int32
	bin        []byte
	offs       []uint32
	flen       int
	generic    []parquet.Value // the values of a page of another kind

	lastTs     int64 // the last timestamp appendCell wrote, and its text
	lastTsText []byte
	hasTs      bool
}

func (c *pqCursor) releaseRetired() {
	for _, p := range c.retired {
		parquet.Release(p)
	}
	c.retired = c.retired[:0]
}

// load makes the next page the cursor's. It returns io.ErrUnexpectedEOF past
// the last page.
func (c *pqCursor) load() error {
	if c.page != nil {
		c.retired = append(c.retired, c.page)
		c.page = nil
	}
	p, err := c.pages.ReadPage()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	c.page = p
	c.defs, c.reps = p.DefinitionLevels(), p.RepetitionLevels()
	c.i, c.k, c.idx, c.generic = 0, 0, nil, c.generic[:0]
	c.n = int(p.NumValues())
	if c.defs != nil {
		c.n = len(c.defs)
	}
	data := p.Data()
	if d := p.Dictionary(); d != nil {
		if data.Kind() != encoding.Int32 {
			return c.loadGeneric(p)
		}
		c.idx = data.Int32()
		data = d.Page().Data()
	}
	switch data.Kind() {
	case encoding.Double:
		c.kind, c.dbl = parquet.Double, data.Double()
	case encoding.Float:
		c.kind, c.f32 = parquet.Float, data.Float()
	case encoding.Int64:
		c.kind, c.i64 = parquet.Int64, data.Int64()
	case encoding.Int32:
		c.kind, c.i32 = parquet.Int32, data.Int32()
	case encoding.ByteArray:
		c.kind = parquet.ByteArray
		c.bin, c.offs = data.ByteArray()
	case encoding.FixedLenByteArray:
		c.kind = parquet.FixedLenByteArray
		c.bin, c.flen = data.FixedLenByteArray()
		if c.flen <= 0 {
			return c.loadGeneric(p)
		}
	default:
		return c.loadGeneric(p)
	}
	return nil
}

func (c *pqCursor) loadGeneric(p parquet.Page) error {
	c.idx, c.defs, c.reps = nil, nil, nil
	c.generic = c.generic[:0]
	buf := make([]parquet.Value, 256)
	vr := p.Values()
	for {
		n, err := vr.ReadValues(buf)
		for _, v := range buf[:n] {
			c.generic = append(c.generic, v.Clone())
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrNoProgress
		}
	}
	c.n = len(c.generic)
	c.kind = -1
	return nil
}

var errPageValues = errors.New("page has fewer values than its levels say")

// pqVal is a value a cursor advanced to: the index j of its typed value
// (into the page's arrays, a dictionary resolved), or a generic value.
type pqVal struct {
	j        int
	rep, def int
	null     bool
	gv       parquet.Value // of a generic page
	generic  bool
}

// advance moves to the next value.
func (c *pqCursor) advance() (pqVal, error) {
	for c.i >= c.n {
		if err := c.load(); err != nil {
			return pqVal{}, err
		}
	}
	if c.generic != nil && c.kind < 0 {
		v := c.generic[c.i]
		c.i++
		return pqVal{gv: v, generic: true, null: v.IsNull(), rep: v.RepetitionLevel(), def: v.DefinitionLevel()}, nil
	}
	x := pqVal{def: c.maxDef}
	if c.defs != nil {
		x.def = int(c.defs[c.i])
	}
	if c.reps != nil {
		x.rep = int(c.reps[c.i])
	}
	c.i++
	if x.def < c.maxDef {
		x.null = true
		return x, nil
	}
	x.j = c.k
	c.k++
	if c.idx != nil {
		if x.j >= len(c.idx) {
			return x, errPageValues
		}
		x.j = int(c.idx[x.j])
	}
	if !c.valid(x.j) {
		return x, errPageValues
	}
	return x, nil
}

// valid reports whether the page has a typed value j.
func (c *pqCursor) valid(j int) bool {
	switch c.kind {
	case parquet.Double:
		return j < len(c.dbl)
	case parquet.Float:
		return j < len(c.f32)
	case parquet.Int64:
		return j < len(c.i64)
	case parquet.Int32:
		return j < len(c.i32)
	case parquet.ByteArray:
		return j >= 0 && j+1 < len(c.offs) && c.offs[j] <= c.offs[j+1] && int(c.offs[j+1]) <= len(c.bin)
	case parquet.FixedLenByteArray:
		return j >= 0 && (j+1)*c.flen <= len(c.bin)
	default:
		return false
	}
}

// cellBytes is the bytes of a byte array value, nil for a null.
func (c *pqCursor) cellBytes(x pqVal) []byte {
	switch {
	case x.null:
		return nil
	case x.generic:
		return x.gv.ByteArray()
	case c.kind == parquet.ByteArray || c.kind == parquet.FixedLenByteArray:
		return c.bytesAt(x.j)
	}
	return c.valueOf(x).ByteArray()
}

// bytesAt is byte array value j, aliasing the page.
func (c *pqCursor) bytesAt(j int) []byte {
	if c.kind == parquet.FixedLenByteArray {
		return c.bin[j*c.flen : (j+1)*c.flen : (j+1)*c.flen]
	}
	return c.bin[c.offs[j]:c.offs[j+1]:c.offs[j+1]]
}

// valueOf returns x as a parquet.Value, with its levels and column.
func (c *pqCursor) valueOf(x pqVal) parquet.Value {
	switch {
	case x.generic:
		return x.gv
	case x.null:
		return parquet.NullValue().Level(x.rep, x.def, c.col)
	}
	var v parquet.Value
	switch c.kind {
	case parquet.Double:
		v = parquet.DoubleValue(c.dbl[x.j])
	case parquet.Float:
		v = parquet.FloatValue(c.f32[x.j])
	case parquet.Int64:
		v = parquet.Int64Value(c.i64[x.j])
	case parquet.Int32:
		v = parquet.Int32Value(c.i32[x.j])
	case parquet.FixedLenByteArray:
		v = parquet.FixedLenByteArrayValue(c.bytesAt(x.j))
	default:
		v = parquet.ByteArrayValue(c.bytesAt(x.j))
	}
	return v.Level(x.rep, x.def, c.col)
}

// appendCell appends the text of x, as appendValue writes it, from the
// page's typed arrays: money and timestamps without strconv's float
// formatting or package time.
func (c *pqCursor) appendCell(dst []byte, x pqVal, r *leafRole) []byte {
	if x.generic {
		return appendValue(dst, x.gv, r)
	}
	switch lt := r.logical.(type) {
	case nil:
		switch c.kind {
		case parquet.Double:
			if u, ok := doubleUnits(c.dbl[x.j]); ok {
				return appendUnits(dst, u)
			}
		case parquet.Int64:
			return strconv.AppendInt(dst, c.i64[x.j], 10)
		case parquet.Int32:
			return strconv.AppendInt(dst, int64(c.i32[x.j]), 10)
		case parquet.ByteArray, parquet.FixedLenByteArray:
			return append(dst, c.bytesAt(x.j)...)
		default:
		}
	case *format.TimestampType:
		if c.kind == parquet.Int64 {
			t := c.i64[x.j]
			// Billing periods, and charge periods of consecutive rows,
			// repeat: the last text is kept.
			if c.hasTs && t == c.lastTs {
				return append(dst, c.lastTsText...)
			}
			var sec int64
			switch lt.Unit.Value.(type) {
			case *format.MilliSeconds:
				sec = floorDiv(t, 1e3)
			case *format.NanoSeconds:
				sec = floorDiv(t, 1e9)
			default:
				sec = floorDiv(t, 1e6)
			}
			if b, ok := appendRFC3339(dst, sec); ok {
				c.lastTs, c.hasTs = t, true
				c.lastTsText = append(c.lastTsText[:0], b[len(dst):]...)
				return b
			}
		}
	case *format.DecimalType:
		var tmp [24]byte
		switch c.kind {
		case parquet.Int64:
			return appendScaled(dst, strconv.AppendInt(tmp[:0], c.i64[x.j], 10), int(lt.Scale))
		case parquet.Int32:
			return appendScaled(dst, strconv.AppendInt(tmp[:0], int64(c.i32[x.j]), 10), int(lt.Scale))
		default:
		}
	}
	return appendValue(dst, c.valueOf(x), r)
}

// next returns the next value, with its levels and column.
func (c *pqCursor) next() (parquet.Value, error) {
	x, err := c.advance()
	if err != nil {
		return parquet.Value{}, err
	}
	return c.valueOf(x), nil
}

// nextRep returns the repetition level of the next value, and false at the
// end of the column chunk.
func (c *pqCursor) nextRep() (int, bool, error) {
	for c.i >= c.n {
		if err := c.load(); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, false, nil
			}
			return 0, false, err
		}
	}
	switch {
	case c.generic != nil && c.kind < 0:
		return c.generic[c.i].RepetitionLevel(), true, nil
	case c.reps != nil:
		return int(c.reps[c.i]), true, nil
	}
	return 0, true, nil
}

// take appends the values of the cursor's column in the next row: one for a
// flat column, all the values up to the next row's first for a repeated
// one.
func (c *pqCursor) take(row []parquet.Value) ([]parquet.Value, error) {
	v, err := c.next()
	if err != nil {
		return row, err
	}
	row = append(row, v)
	for c.repeated {
		rep, ok, err := c.nextRep()
		if err != nil {
			return row, err
		}
		if !ok || rep == 0 {
			return row, nil
		}
		if v, err = c.next(); err != nil {
			return row, err
		}
		row = append(row, v)
	}
	return row, nil
}

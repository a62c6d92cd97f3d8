package billing

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
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
	"github.com/parquet-go/parquet-go/format"
)

// Parquet files are read row group by row group, a batch of rows at a time,
// with only the values of the columns in use turned into the same cells the
// CSV reader produces. Money in DOUBLE columns (as AWS writes CUR) is taken
// at its shortest decimal representation, which is the decimal the exporter
// wrote; DECIMAL columns are exact.

const parquetBatch = 512

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

func ingestParquetStream(ctx context.Context, s Source, r io.Reader, _ int64, o Options, seed maphash.Seed, st *FileStats) (*aggregate, error) {
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
	return readParquet(ctx, ra, size, o, seed, st)
}

func readParquet(ctx context.Context, ra io.ReaderAt, size int64, o Options, seed maphash.Seed, st *FileStats) (agg *aggregate, err error) {
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
	pf := &pqFile{uri: st.URI, maxErrors: o.MaxErrors}
	groups := f.RowGroups()
	next := make(chan int, len(groups))
	for i := range groups {
		next <- i
	}
	close(next)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := make([]*pqWorker, min(o.Workers, max(len(groups), 1)))
	errc := make(chan error, len(workers))
	var wg sync.WaitGroup
	for i := range workers {
		w := &pqWorker{
			f: pf, m: m, roles: roles, keys: newTagMatcher(o.TagKey).keys,
			tagMap: m.withTag != nil, withTag: m.withTag,
			agg: newAggregate(seed, o.MaxResourceIDs), rows: make([]parquet.Row, parquetBatch),
		}
		w.proc = newRowProc(m, w.agg, o.tag())
		workers[i] = w
		wg.Go(func() {
			for gi := range next {
				if err := w.safeRowGroup(ctx, gi, groups[gi]); err != nil {
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
	agg = workers[0].agg
	for _, w := range workers[1:] {
		agg.merge(w.agg)
	}
	st.Warnings = pf.errs
	return agg, nil
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

// pqWorker reads whole row groups into its own aggregate.
type pqWorker struct {
	f       *pqFile
	m       *mapping
	roles   []leafRole
	keys    [][]byte
	tagMap  bool
	withTag *mapping
	agg     *aggregate
	proc    *rowProc
	rows    []parquet.Row
	n       int64

	scratch            []byte
	tagKeys, tagVals   [][]byte
	prodKeys, prodVals [][]byte
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

func (w *pqWorker) rowGroup(ctx context.Context, gi int, rg parquet.RowGroup) error {
	m, roles, keys, tagMap, withTag := w.m, w.roles, w.keys, w.tagMap, w.withTag
	rr := rg.Rows()
	var rowIdx int64
	for {
		if err := ctx.Err(); err != nil {
			_ = rr.Close()
			return err
		}
		n, rerr := rr.ReadRows(w.rows)
		for _, row := range w.rows[:n] {
			w.proc.reset()
			w.scratch = w.scratch[:0]
			w.tagKeys = w.tagKeys[:0]
			w.tagVals = w.tagVals[:0]
			w.prodKeys = w.prodKeys[:0]
			w.prodVals = w.prodVals[:0]
			// Cells are appended to w.scratch; record offsets, then slice.
			var offs [nCols][2]int
			var set [nCols]bool
			for _, v := range row {
				ci := v.Column()
				if ci < 0 || ci >= len(roles) {
					continue
				}
				r := &roles[ci]
				switch {
				case r.col >= 0:
					if v.IsNull() {
						continue
					}
					start := len(w.scratch)
					w.scratch = appendValue(w.scratch, v, r)
					offs[r.col] = [2]int{start, len(w.scratch)}
					set[r.col] = true
				case r.tagKey:
					// Keys come before values: all of a column's values
					// are together in a row.
					w.tagKeys = append(w.tagKeys, v.ByteArray())
				case r.tagVal:
					if v.IsNull() {
						w.tagVals = append(w.tagVals, nil)
					} else {
						w.tagVals = append(w.tagVals, v.ByteArray())
					}
				case r.prodKey:
					w.prodKeys = append(w.prodKeys, v.ByteArray())
				case r.prodVal:
					if v.IsNull() {
						w.prodVals = append(w.prodVals, nil)
					} else {
						w.prodVals = append(w.prodVals, v.ByteArray())
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
			for c := range nCols {
				if set[c] {
					w.proc.vals[c] = w.scratch[offs[c][0]:offs[c][1]]
				}
			}
			if tagMap {
				// Resolve the tag here; the row processor reads it as a column.
				w.proc.vals[cTags] = nil
				switch {
				case w.proc.vals[cTagCol] != nil:
				case tagVal != nil:
					w.proc.vals[cTagCol] = tagVal
					w.proc.m = withTag
				case foldVal != nil:
					w.proc.vals[cTagFold] = foldVal
					w.proc.foldKey = foldKey
					w.proc.m = withTag
				}
			}
			if len(w.prodKeys) > 0 {
				// The product name of a CUR 2.0 product map.
				w.proc.vals[cProductMap] = nil
				for i, k := range w.prodKeys {
					if i < len(w.prodVals) && w.prodVals[i] != nil && string(k) == "product_name" {
						w.proc.vals[cService] = w.prodVals[i]
						break
					}
				}
			}
			w.proc.at = rowAt{rowGroup: gi, row: rowIdx}
			if ce := w.proc.process(); ce != nil {
				if w.f.fail(&RowError{File: w.f.uri, RowGroup: gi, Row: rowIdx, Column: m.name(ce.col), Message: ce.describe(m)}, w.proc) {
					_ = rr.Close()
					return errTooManyErrors
				}
			} else {
				w.n++
			}
			w.proc.m = m
			rowIdx++
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			_ = rr.Close()
			return fmt.Errorf("cannot read row group %d after row %d: %w", gi, rowIdx, rerr)
		}
		if n == 0 {
			break
		}
	}
	_ = rr.Close()
	return nil
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
		switch lt.Unit.Value.(type) {
		case *format.MilliSeconds:
			ts = time.UnixMilli(t)
		case *format.NanoSeconds:
			ts = time.Unix(0, t)
		default:
			ts = time.UnixMicro(t)
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

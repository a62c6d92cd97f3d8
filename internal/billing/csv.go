package billing

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync"
	"sync/atomic"
)

// The CSV reader streams: one goroutine reads blocks of blockSize bytes,
// cuts each at the last record boundary (a newline outside quotes, found
// with SIMD byte counts rather than a byte loop) and hands it to a worker
// per core, which splits records into cells and aggregates them into the
// aggregate the workers share. At most maxBlocks blocks of 1 MiB exist at
// once, so memory is bounded whatever the size of the file.
const maxRecordBytes = 8 << 20

// blockSize is a variable so that tests can exercise record boundaries.
var blockSize = 1 << 20

var (
	errUnterminated = errors.New("quoted cell is not terminated")
	errAfterQuote   = errors.New("unexpected character after closing quote")
	errBareQuote    = errors.New("quote inside an unquoted cell")
	errRecordLong   = fmt.Errorf("record longer than %d bytes", maxRecordBytes)
	errIncomplete   = errors.New("record continues past the data read")
)

// span is one cell of a record.
type span struct {
	start, end int
	esc        bool // quoted with doubled quotes inside
}

type chunk struct {
	buf  []byte // the whole block, returned to the pool
	data []byte
	line int64 // line of the first record
	off  int64 // offset of data in the file, after any byte order mark
}

// csvFile is the state of one CSV file being read.
type csvFile struct {
	uri       string
	m         *mapping
	maxErrors int64
	bad       atomic.Int64
	cancel    context.CancelFunc

	mu      sync.Mutex
	errs    []*RowError
	skipped skippedRows
	rows    atomic.Int64
	// fatal is the first bad record that stops the file being read.
	fatal     error
	fatalLine int64
}

// stop records a bad record after which the file cannot be read, and
// cancels the reading. The earliest in the file wins.
func (f *csvFile) stop(line int64, qe *quoteError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fatal == nil || line < f.fatalLine {
		f.fatal = fmt.Errorf("cannot read line %d: column %q: %w", line, f.column(qe.cell), qe)
		f.fatalLine = line
	}
	f.cancel()
}

// column returns the name of the i-th column, or its number.
func (f *csvFile) column(i int) string {
	if f.m != nil && i >= 0 && i < len(f.m.names) {
		return f.m.names[i]
	}
	return fmt.Sprintf("#%d", i+1)
}

// fail records a bad row. p holds its cells, nil when they could not be
// split into the file's columns.
func (f *csvFile) fail(line int64, column, msg string, p *rowProc) {
	n := f.bad.Add(1)
	if n > f.maxErrors {
		f.cancel()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if p != nil {
		p.skipped(&f.skipped)
	} else {
		f.skipped.rows++
		f.skipped.unknown++
	}
	if int64(len(f.errs)) <= f.maxErrors+10 {
		f.errs = append(f.errs, &RowError{File: f.uri, Line: line, RowGroup: -1, Column: column, Message: msg})
	}
}

// readCSV reads a CSV stream with workers goroutines, aggregating into one
// aggregate from newAgg, and returns it (as a slice of one). The mapping of
// the header is left in f.m, bad rows in f.errs.
func readCSV(ctx context.Context, r io.Reader, f *csvFile, format Format, tag tagSpec, workers int, newAgg func() *aggregate) ([]*aggregate, error) {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f.cancel = cancel

	maxBlocks := workers*2 + 2
	free := make(chan []byte, maxBlocks)
	for range maxBlocks {
		free <- nil
	}
	work := make(chan chunk, workers)

	// Blocks are reused across files, so that ingesting many files does not
	// make the garbage collector stop workers in their tight loops.
	defer func() {
		for {
			select {
			case b := <-free:
				putBlock(b)
			default:
				return
			}
		}
	}()

	// The header.
	buf := getBlock(blockSize)
	n, eof, err := fill(r, buf, 0)
	if err != nil {
		return nil, err
	}
	data := buf[:n]
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var hdr []span
	next, herr := nextRecord(data, 0, &hdr, eof)
	for (errors.Is(herr, errUnterminated) || errors.Is(herr, errIncomplete)) && !eof && len(buf) < maxRecordBytes {
		buf = append(buf[:n], make([]byte, len(buf))...)
		n, eof, err = fill(r, buf, n)
		if err != nil {
			return nil, err
		}
		data = bytes.TrimPrefix(buf[:n], []byte("\ufeff"))
		next, herr = nextRecord(data, 0, &hdr, eof)
	}
	if herr != nil {
		return nil, fmt.Errorf("cannot read header: %w", herr)
	}
	if len(hdr) == 0 || (len(hdr) == 1 && hdr[0].end == hdr[0].start) {
		return nil, errors.New("cannot read header: file is empty")
	}
	names := make([]string, len(hdr))
	for i, s := range hdr {
		names[i] = string(cellBytes(data, s, nil))
	}
	m, err := newMapping(format, names, tag)
	if err != nil {
		return nil, err
	}
	f.m = m

	// The workers share one aggregate.
	aggs := []*aggregate{newAgg()}
	var wg sync.WaitGroup
	for range workers {
		w := newCSVWorker(f, m, newRowProc(m, aggs[0], tag))
		wg.Go(func() {
			for c := range work {
				if ctx.Err() == nil {
					w.parse(c.data, c.line, c.off)
				}
				select {
				case free <- c.buf:
				default: // The last chunk was not taken from the pool.
				}
			}
		})
	}

	readErr := func() error {
		defer close(work)
		line := int64(1 + bytes.Count(data[:next], []byte{'\n'}))
		off := int64(next)
		// The rest of the header block is the first chunk.
		var carry []byte
		rest := data[next:]
		if cut := boundary(rest); eof || cut >= 0 {
			if eof {
				cut = len(rest)
			}
			carry = append([]byte(nil), rest[cut:]...)
			<-free // the header block takes a token
			c := chunk{buf: buf, data: rest[:cut], line: line, off: int64(next)}
			line += int64(bytes.Count(c.data, []byte{'\n'}))
			off = int64(next + cut)
			select {
			case work <- c:
			case <-ctx.Done():
				return nil
			}
			if eof {
				return nil
			}
		} else {
			carry = append([]byte(nil), rest...)
		}
		for {
			if eof {
				if len(carry) > 0 {
					work <- chunk{buf: nil, data: carry, line: line, off: off}
				}
				return nil
			}
			var b []byte
			select {
			case b = <-free:
			case <-ctx.Done():
				return nil
			}
			size := blockSize
			if len(carry) >= size/2 {
				size = len(carry) * 2
			}
			if cap(b) < size {
				putBlock(b)
				b = getBlock(size)
			}
			b = b[:cap(b)]
			copy(b, carry)
			n, eof, err = fill(r, b, len(carry))
			if err != nil {
				return fmt.Errorf("cannot read after line %d: %w", line, err)
			}
			d := b[:n]
			cut := boundary(d)
			if eof {
				cut = len(d)
			}
			if cut < 0 {
				if len(d) >= maxRecordBytes {
					// A bad quote whose record never balances makes every
					// block after it end inside quotes: say so, as a
					// worker would have in a smaller file.
					var cells []span
					_, err := nextRecord(d, 0, &cells, false)
					if qe := (*quoteError)(nil); errors.As(err, &qe) && qe.fatal {
						f.stop(line+int64(qe.line), qe)
						return nil
					}
					return fmt.Errorf("cannot read line %d: %w", line, errRecordLong)
				}
				// No record ends in this block: read more into a bigger one.
				carry = append(carry[:0], d...)
				free <- b
				continue
			}
			carry = append(carry[:0], d[cut:]...)
			c := chunk{buf: b, data: d[:cut], line: line, off: off}
			line += int64(bytes.Count(c.data, []byte{'\n'}))
			off += int64(cut)
			select {
			case work <- c:
			case <-ctx.Done():
				return nil
			}
		}
	}()
	wg.Wait()
	if f.fatal != nil {
		return nil, f.fatal
	}
	if readErr != nil {
		return nil, readErr
	}
	return aggs, nil
}

// fill reads into buf from off until buf is full or the stream ends.
func fill(r io.Reader, buf []byte, off int) (int, bool, error) {
	n := off
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if errors.Is(err, io.EOF) {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil
}

// boundary returns the index just after the last newline of data that is
// outside a quoted cell, or -1. data starts at a record boundary.
func boundary(data []byte) int {
	pos := bytes.LastIndexByte(data, '\n')
	if pos < 0 {
		return -1
	}
	odd := bytes.Count(data[:pos], []byte{'"'})&1 == 1
	for odd {
		prev := bytes.LastIndexByte(data[:pos], '\n')
		if prev < 0 {
			return -1
		}
		odd = odd != (bytes.Count(data[prev:pos], []byte{'"'})&1 == 1)
		pos = prev
	}
	return pos + 1
}

// nextRecord splits the record at data[i:] into cells. It returns the index
// after the record. At the end of data, a record without newline is
// complete only when eof is true. Lines are not counted here, so that a
// quoted cell costs one search per quote: a caller that needs the line of
// a record counts the newlines before it.
//
// The grammar is RFC 4180, as encoding/csv reads it with LazyQuotes false: a
// quote inside an unquoted cell and anything but a comma or a line end after
// a closing quote are errors (encoding/csv's ErrBareQuote and ErrQuote).
// encoding/csv with LazyQuotes true would read such quotes literally; this
// reader cannot, because boundary cuts blocks for the workers by counting
// quotes, and a literal quote would make a large file read otherwise than a
// small one. A bad record (a *quoteError) ends instead at the first newline
// after the bad quote where the record's quotes balance, where boundary
// would cut too, so every file reads the same whatever its size and block
// size. When the quotes do not balance at the end of the bad quote's line,
// the rest of the file cannot be read reliably: the error is fatal, and the
// file is rejected naming the line.
func nextRecord(data []byte, i int, cells *[]span, eof bool) (int, error) {
	rs := i
	fs := (*cells)[:0]
	for {
		if i < len(data) && data[i] == '"' {
			q := i
			i++
			start := i
			esc := false
			for {
				seg := i
				// The next quote, eight bytes at a time, inline: most
				// quoted cells are short, and a Tags cell has a doubled
				// quote every few bytes.
				for i+8 <= len(data) {
					x := binary.LittleEndian.Uint64(data[i:]) ^ quotes
					if m := (x - lows) &^ x & highs; m != 0 {
						i += bits.TrailingZeros64(m) / 8
						goto quote
					}
					i += 8
				}
				for i < len(data) && data[i] != '"' {
					i++
				}
				if i >= len(data) {
					*cells = fs
					qe := &quoteError{err: errUnterminated, line: bytes.Count(data[rs:seg], []byte{'\n'}), cell: len(fs)}
					// The cell would swallow every line after it.
					qe.fatal = eof && bytes.IndexByte(data[q:], '\n') >= 0
					return len(data), qe
				}
			quote:
				i++
				if i < len(data) && data[i] == '"' {
					esc = true
					i++
					continue
				}
				break
			}
			fs = append(fs, span{start: start, end: i - 1, esc: esc})
			if i < len(data) && data[i] == '\r' && (i+1 == len(data) || data[i+1] == '\n') {
				i++
			}
			if i >= len(data) {
				*cells = fs
				if !eof {
					return i, errIncomplete
				}
				return i, nil
			}
			switch data[i] {
			case ',':
				i++
				continue
			case '\n':
				*cells = fs
				return i + 1, nil
			default:
				*cells = fs
				return badRecord(data, rs, i, len(fs)-1, errAfterQuote, eof)
			}
		}
		start := i
		// scanUnquoted, inlined: this loop is the hottest of the ingester.
		for i+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[i:])
			a := x ^ commas
			b := x ^ nls
			c := x ^ quotes
			if m := ((a - lows) &^ a & highs) | ((b - lows) &^ b & highs) | ((c - lows) &^ c & highs); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				goto found
			}
			i += 8
		}
		for i < len(data) && data[i] != ',' && data[i] != '\n' && data[i] != '"' {
			i++
		}
	found:
		if i < len(data) && data[i] == '"' {
			*cells = fs
			return badRecord(data, rs, i, len(fs), errBareQuote, eof)
		}
		end := i
		if end > start && data[end-1] == '\r' && (i >= len(data) || data[i] == '\n') {
			end--
		}
		fs = append(fs, span{start: start, end: end})
		if i >= len(data) {
			*cells = fs
			if !eof {
				return i, errIncomplete
			}
			return i, nil
		}
		if data[i] == '\n' {
			*cells = fs
			return i + 1, nil
		}
		i++ // ','
	}
}

// A quoteError is a record whose quotes break the grammar.
type quoteError struct {
	err error
	// line is how many lines after the record's first the bad quote is,
	// cell the index of its cell.
	line, cell int
	// fatal is set when the record's quotes do not balance at the end of
	// the bad quote's line, so that no later line can be read reliably.
	fatal bool
}

func (e *quoteError) Error() string {
	if e.fatal {
		return e.err.Error() + ", and the quotes do not balance at the end of its line, so the rest of the file cannot be read (quote the cell and double its quotes)"
	}
	return e.err.Error()
}

func (e *quoteError) Unwrap() error { return e.err }

// badRecord ends a record that starts at rs and has a bad quote at e, in
// its cell-th cell: at the first newline after e, where boundary would cut
// too when the record's quotes balance there. Without a newline it ends
// with the data.
func badRecord(data []byte, rs, e, cell int, cause error, eof bool) (int, error) {
	n := bytes.IndexByte(data[e:], '\n')
	if n < 0 && !eof {
		return len(data), errIncomplete
	}
	qe := &quoteError{err: cause, line: bytes.Count(data[rs:e], []byte{'\n'}), cell: cell}
	if n < 0 {
		return len(data), qe
	}
	n += e
	qe.fatal = bytes.Count(data[rs:n], []byte{'"'})&1 == 1
	return n + 1, qe
}

// cellBytes returns the content of a cell, unescaping doubled quotes into
// scratch when needed.
func cellBytes(data []byte, s span, scratch *[]byte) []byte {
	v := data[s.start:s.end]
	if !s.esc {
		return v
	}
	var dst []byte
	if scratch != nil {
		dst = *scratch
	}
	from := len(dst)
	for {
		j := bytes.IndexByte(v, '"')
		if j < 0 {
			dst = append(dst, v...)
			break
		}
		dst = append(dst, v[:j+1]...)
		v = v[j+1:]
		if len(v) > 0 && v[0] == '"' {
			v = v[1:]
		}
	}
	if scratch != nil {
		*scratch = dst
	}
	return dst[from:]
}

type csvWorker struct {
	f       *csvFile
	proc    *rowProc
	cells   []span
	scratch []byte
	// used are the file columns the row processor reads, and the tags
	// column, whose escaped content the tag matcher reads as it is.
	used    []usedCol
	tagsCol int
	// The chunk being parsed, the line of data[counted], and the start of
	// the record being processed.
	data           []byte
	line           int64
	counted, start int
}

type usedCol struct {
	file int
	col  col
}

func newCSVWorker(f *csvFile, m *mapping, proc *rowProc) *csvWorker {
	w := &csvWorker{f: f, proc: proc, tagsCol: -1}
	proc.rowLine = func() int64 { return w.lineOf(w.start) }
	for fi, c := range m.colOf {
		switch {
		case c == cTags:
			w.tagsCol = fi
		case c >= 0:
			w.used = append(w.used, usedCol{file: fi, col: c})
		}
	}
	return w
}

// lineOf returns the line of the record at data[pos] of the chunk being
// parsed, pos at or after that of the last call. Lines are counted only
// for the records that need one: those that fail, and the first of a
// currency in a group.
func (w *csvWorker) lineOf(pos int) int64 {
	w.line += int64(bytes.Count(w.data[w.counted:pos], []byte{'\n'}))
	w.counted = pos
	return w.line
}

func (w *csvWorker) parse(data []byte, line, off int64) {
	m := w.f.m
	ncols := len(m.names)
	var rows int64
	w.data, w.line, w.counted = data, line, 0
	lineOf := w.lineOf
	i := 0
	for i < len(data) {
		start := i
		next, err := nextRecord(data, i, &w.cells, true)
		i = next
		if err != nil {
			if qe := (*quoteError)(nil); errors.As(err, &qe) {
				at := lineOf(start) + int64(qe.line)
				if qe.fatal {
					w.f.stop(at, qe)
					break
				}
				col := w.f.column(qe.cell)
				w.f.fail(at, col, fmt.Sprintf("column %q: %v", col, qe), nil)
				continue
			}
			w.f.fail(lineOf(start), "", err.Error(), nil)
			continue
		}
		if len(w.cells) == 1 && w.cells[0].end == w.cells[0].start {
			continue // an empty line
		}
		if len(w.cells) != ncols {
			w.f.fail(lineOf(start), "", fmt.Sprintf("has %d columns, want %d", len(w.cells), ncols), nil)
			continue
		}
		if n := next - start; cap(w.scratch) < n {
			w.scratch = make([]byte, 0, 2*n)
		}
		w.scratch = w.scratch[:0]
		p := w.proc
		for _, u := range w.used {
			if sp := w.cells[u.file]; !sp.esc {
				p.vals[u.col] = data[sp.start:sp.end]
			} else {
				p.vals[u.col] = cellBytes(data, sp, &w.scratch)
			}
		}
		if w.tagsCol >= 0 {
			sp := w.cells[w.tagsCol]
			p.vals[cTags] = data[sp.start:sp.end]
			p.tagsDQ = sp.esc
		}
		w.start = start
		p.at = rowAt{off: off + int64(start), rowGroup: -1}
		if ce := p.process(); ce != nil {
			w.f.fail(lineOf(start), m.name(ce.col), ce.describe(m), p)
			continue
		}
		rows++
	}
	w.f.rows.Add(rows)
	w.data = nil
}

const (
	lows   = 0x0101010101010101
	highs  = 0x8080808080808080
	commas = ',' * lows
	nls    = '\n' * lows
)

// scanUnquoted returns the index of the first ',', '\n' or '"' at or after
// i, or len(data). It tests eight bytes at a time: (y-lows) &^ y & highs has
// the high bit set in the lowest byte of y that is zero, and possibly in
// higher bytes, so its lowest set bit is exact. nextRecord inlines it.
func scanUnquoted(data []byte, i int) int {
	for i+8 <= len(data) {
		x := binary.LittleEndian.Uint64(data[i:])
		a := x ^ commas
		b := x ^ nls
		c := x ^ quotes
		m := ((a - lows) &^ a & highs) | ((b - lows) &^ b & highs) | ((c - lows) &^ c & highs)
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for i < len(data) {
		if c := data[i]; c == ',' || c == '\n' || c == '"' {
			return i
		}
		i++
	}
	return i
}

var blockPool sync.Pool

func getBlock(size int) []byte {
	if size == blockSize {
		if b, ok := blockPool.Get().(*[]byte); ok && cap(*b) == blockSize {
			return (*b)[:blockSize]
		}
	}
	return make([]byte, size)
}

func putBlock(b []byte) {
	if cap(b) == blockSize {
		blockPool.Put(&b)
	}
}

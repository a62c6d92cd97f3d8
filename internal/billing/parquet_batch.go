package billing

import (
	"fmt"
	"sync/atomic"
)

// The reader of a Parquet row group hands its rows to a goroutine of their
// own, which runs the row processor: reading the pages (decompressing,
// decoding, assembling the cells) and processing the rows take about as
// long as each other, so that one row group at a time, whose pages are held
// once, keeps two cores at work (issue 12). Cells are copied into batches,
// as pages are released while the rows are read.

const (
	pqBatchRows  = 256
	pqBatchBytes = 256 << 10
)

// pqRow is a row of a batch: its cells as offsets into the batch's bytes.
type pqRow struct {
	offs    [nCols][2]int
	set     [nCols]bool // false: the cell is nil
	withTag bool        // the tag was resolved into cTagCol or cTagFold
	idx     int64       // the row in its row group
	// fold is the tags map key that matched only ignoring case, when set.
	fold    [2]int
	hasFold bool
}

// pqBatch holds rows read, for the row processor.
type pqBatch struct {
	buf  []byte
	rows [pqBatchRows]pqRow
	n    int
}

func (b *pqBatch) reset() {
	if b.buf == nil {
		b.buf = make([]byte, 0, pqBatchBytes)
	}
	b.buf, b.n = b.buf[:0], 0
}

// add copies the cells of a row into b, those of the columns in used (the
// others are nil in every row of the file). It reports whether b is full.
func (b *pqBatch) add(vals *[nCols][]byte, used []col, withTag bool, foldKey []byte, idx int64) bool {
	r := &b.rows[b.n]
	r.withTag, r.idx = withTag, idx
	r.hasFold = foldKey != nil
	if foldKey != nil {
		start := len(b.buf)
		b.buf = append(b.buf, foldKey...)
		r.fold = [2]int{start, len(b.buf)}
	}
	for _, c := range used {
		v := vals[c]
		r.set[c] = v != nil
		if v != nil {
			start := len(b.buf)
			b.buf = append(b.buf, v...)
			r.offs[c] = [2]int{start, len(b.buf)}
		}
	}
	b.n++
	return b.n == len(b.rows) || len(b.buf) >= pqBatchBytes
}

// pqPipe connects the reader of a row group to its row processor.
type pqPipe struct {
	w      *pqWorker
	gi     int
	full   chan *pqBatch
	free   chan *pqBatch
	done   chan struct{} // closed when the processor has ended; err is then set
	failed atomic.Bool   // the processor has failed
	abort  atomic.Bool   // the reader has stopped early: batches left are dropped
	closed bool
	err    error
}

func (w *pqWorker) startProcessing(gi int) *pqPipe {
	p := &pqPipe{w: w, gi: gi, full: make(chan *pqBatch, 1), free: make(chan *pqBatch, len(w.batches)), done: make(chan struct{})}
	for i, b := range w.batches {
		if b == nil {
			b = &pqBatch{}
			w.batches[i] = b
		}
		p.free <- b
	}
	go p.process()
	return p
}

func (p *pqPipe) process() {
	defer close(p.done)
	defer func() {
		if r := recover(); r != nil {
			p.err = fmt.Errorf("cannot read Parquet row group %d: corrupt file: %v", p.gi, r)
			p.failed.Store(true)
		}
	}()
	for b := range p.full {
		if p.err == nil && !p.abort.Load() {
			if p.err = p.w.processBatch(p.gi, b); p.err != nil {
				p.failed.Store(true)
			}
		}
		p.free <- b // never blocks: free holds every batch
	}
}

// next returns an empty batch.
func (p *pqPipe) next() (*pqBatch, error) {
	select {
	case b := <-p.free:
		b.reset()
		return b, nil
	case <-p.done:
		return nil, p.err
	}
}

// send hands b to the processor and returns an empty batch.
func (p *pqPipe) send(b *pqBatch) (*pqBatch, error) {
	if p.failed.Load() {
		return nil, p.finish()
	}
	select {
	case p.full <- b:
	case <-p.done:
		return nil, p.err
	}
	return p.next()
}

// flush hands the last batch to the processor, waits for it to end and
// returns its error.
func (p *pqPipe) flush(b *pqBatch) error {
	if b.n > 0 && !p.failed.Load() {
		select {
		case p.full <- b:
		case <-p.done:
		}
	}
	return p.finish()
}

// finish sends no more batches, waits for the processor to end and returns
// its error.
func (p *pqPipe) finish() error {
	if !p.closed {
		p.closed = true
		close(p.full)
	}
	<-p.done
	return p.err
}

// stop ends the processor when the reader returns, early or not; rows of
// batches it has not processed yet are dropped. It returns the processor's
// error.
func (p *pqPipe) stop() error {
	p.abort.Store(true)
	return p.finish()
}

// processBatch runs the row processor on the rows of b, in order.
func (w *pqWorker) processBatch(gi int, b *pqBatch) error {
	defer func() { w.proc.m = w.m }()
	clear(w.proc.vals[:]) // only the columns in used are set below
	for i := range b.n {
		r := &b.rows[i]
		for _, c := range w.used {
			w.proc.vals[c] = nil
			if r.set[c] {
				o := r.offs[c]
				w.proc.vals[c] = b.buf[o[0]:o[1]:o[1]]
			}
		}
		w.proc.foldKey = nil
		if r.hasFold {
			w.proc.foldKey = b.buf[r.fold[0]:r.fold[1]:r.fold[1]]
		}
		w.proc.m = w.m
		if r.withTag {
			w.proc.m = w.withTag
		}
		w.proc.at = rowAt{rowGroup: gi, row: r.idx}
		if ce := w.proc.process(); ce != nil {
			if w.f.fail(&RowError{File: w.f.uri, RowGroup: gi, Row: r.idx, Column: w.m.name(ce.col), Message: ce.describe(w.m)}, w.proc) {
				return errTooManyErrors
			}
		} else {
			w.n++
		}
	}
	return nil
}

package billing

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/go-logr/logr"
	"github.com/klauspost/compress/gzip"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// Options configure an ingest.
type Options struct {
	// Format of the files; FormatAuto detects it per file.
	Format Format
	// TagKey is the tag whose value names the space. Default
	// v1alpha1.DefaultTagKey.
	TagKey string
	// TagKeyIgnoreCase makes a tag key that matches TagKey only ignoring
	// case ("CloudSpace") attribute. Such rows are counted in the summary
	// either way.
	TagKeyIgnoreCase bool
	// MaxErrors is how many bad rows a file may have; one more rejects it.
	MaxErrors int64
	// MaxResourceIDs bounds the resource IDs listed per record. Default
	// DefaultMaxResourceIDs; negative lists none.
	MaxResourceIDs int
	// Workers is how many goroutines parse a CSV file. Default GOMAXPROCS.
	Workers int
	// ParquetWorkers is how many row groups of a Parquet file are read at
	// once, each holding a page of every column in use. Default Workers.
	ParquetWorkers int
	// Progress, when set, is called with the number of bytes read so far
	// (compressed bytes for a compressed file) of the file being read.
	Progress func(uri string, read, size int64)
	// Log receives one line per file. Default discards.
	Log logr.Logger
	// TempDir is where remote Parquet files are spooled. Default os.TempDir.
	TempDir string
	// NoDigest skips the digest of each file. Records then name their
	// sources without digests.
	NoDigest bool
	// DigestXXH64 digests each file with the 64-bit xxHash instead of
	// SHA-256: not cryptographic, but enough to tell one export from
	// another, and far cheaper (SHA-256 is about a third of the CPU time of
	// a CSV ingest).
	DigestXXH64 bool
	// Deliveries says what to do with two deliveries of one period folder
	// that no manifest chose between. Default DeliveriesError.
	Deliveries Deliveries
	// InCluster attributes split cost allocation rows, the cost of pods,
	// to the spaces of their namespaces (incluster.go).
	InCluster InCluster
	// OpenCostCurrency is the currency of the figures of OpenCost sources
	// (opencost.go). Default DefaultOpenCostCurrency.
	OpenCostCurrency string

	inCluster *inClusterConfig
}

// FileStats are the figures of one file.
type FileStats struct {
	URI     string
	Format  Format
	SHA256  string
	XXH64   string
	Bytes   int64
	Rows    int64
	BadRows int64
	Custom  []string // FOCUS x_ columns seen
	// Digest is "sha256:<hex>" or "xxh64:<hex>" of the bytes read, computed
	// whatever the digest options, to read the same content only once.
	Digest string
	// LengthUnverified is a body that nothing announced the length of (see
	// HTTPSource.Open).
	LengthUnverified bool
	// OptionalColumns are the optional columns the file has, as it names
	// them; MissingOptionalColumns those it lacks. Only the cost, the
	// currency, the charge and billing periods and the tags are mandatory.
	OptionalColumns        []string
	MissingOptionalColumns []string
	// Warnings are the bad rows tolerated by MaxErrors, skipped from the
	// sums.
	Warnings []*RowError
	// Skipped are the rows skipped and their cost, as far as it could be
	// read.
	Skipped Skipped
	skipped skippedRows
	// currencyColumn is the file's name of the currency column.
	currencyColumn string
}

// Result is what an ingest produced.
type Result struct {
	// Records are the spend records, sorted by space, then unattributed
	// account, then period.
	Records []v1alpha1.SpendRecord
	// Files are the figures of every file, in input order, duplicates
	// left out.
	Files []FileStats
	// Warnings are what the run found suspect but did not reject: sources
	// given twice or with the same content (read once), deliveries chosen
	// by --deliveries, bodies whose length could not be verified.
	Warnings []string
	// Summary says where every row went. It is filled in whether or not
	// the ingest succeeds, from the files that could be read.
	Summary Summary
}

// Ingest reads every source and aggregates them into spend records. A source
// that cannot be read, or has more bad rows than o.MaxErrors, rejects the
// whole ingest: Ingest returns its *FileError (joined with any others) and
// no records, so that nothing is written for any period. Mixed currencies for
// one space and period reject it too.
func Ingest(ctx context.Context, srcs []Source, o Options) (*Result, error) {
	o = o.defaults()
	ic, err := newInClusterConfig(o.InCluster)
	if err != nil {
		return &Result{}, err
	}
	o.inCluster = ic
	total := newAggregate(o.MaxResourceIDs)
	res := &Result{}
	srcs, warns, err := prepareSources(srcs, o.Deliveries)
	res.Warnings = warns
	if err != nil {
		return res, err
	}
	var errs []error
	sources := make([]v1alpha1.Source, len(srcs))
	seen := duplicates{}
	uris, curCols := make([]string, len(srcs)), make([]string, len(srcs))
	defer func() { res.Summary = summarize(total, res.Files, o.TagKeyIgnoreCase) }()
	for i, s := range srcs {
		uris[i] = s.URI()
		agg, st, err := ingestOne(ctx, s, o)
		st.Skipped = st.skipped.public()
		curCols[i] = st.currencyColumn
		if err == nil {
			if first, dup := seen.add(st); dup {
				res.Warnings = append(res.Warnings, duplicateWarning(st.URI, first))
				continue
			}
			if st.LengthUnverified {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%q: the server sent neither a Content-Length nor chunked encoding, so a cut at a line end would go unnoticed", st.URI))
			}
		}
		res.Files = append(res.Files, st)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			o.Log.Info("Rejected file", "uri", s.URI(), "bad-rows", st.BadRows, "error", err)
			errs = append(errs, err)
			continue
		}
		o.Log.V(1).Info("Read file", "uri", s.URI(), "format", st.Format, "bytes", st.Bytes, "rows", st.Rows, "bad-rows", st.BadRows, "sha256", st.SHA256, "custom-columns", st.Custom)
		sources[i] = v1alpha1.Source{URI: st.URI, Format: string(st.Format), SHA256: st.SHA256, XXH64: st.XXH64}
		agg.setFile(i)
		total.merge(agg)
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	// Move the pods' cost off their nodes first: a node billed in another
	// currency than its pods mixes currencies too.
	total.settleInCluster()
	if err := total.check(uris, curCols); err != nil {
		return res, err
	}
	res.Records = total.records(sources)
	return res, nil
}

func (o Options) defaults() Options {
	if o.Format == "" {
		o.Format = FormatAuto
	}
	if o.TagKey == "" {
		o.TagKey = v1alpha1.DefaultTagKey
	}
	if o.MaxResourceIDs == 0 {
		o.MaxResourceIDs = DefaultMaxResourceIDs
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ParquetWorkers <= 0 {
		o.ParquetWorkers = o.Workers
	}
	if o.Log.GetSink() == nil {
		o.Log = logr.Discard()
	}
	if o.Deliveries == "" {
		o.Deliveries = DeliveriesError
	}
	return o
}

func (o Options) tag() tagSpec {
	return tagSpec{key: o.TagKey, ignoreCase: o.TagKeyIgnoreCase, inCluster: o.inCluster}
}

// countingReader hashes and counts what it reads.
type countingReader struct {
	r        io.Reader
	h        hash.Hash
	n        atomic.Int64
	uri      string
	size     int64
	progress func(uri string, read, size int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		if c.h != nil {
			c.h.Write(p[:n])
		}
		read := c.n.Add(int64(n))
		if c.progress != nil {
			c.progress(c.uri, read, c.size)
		}
	}
	return n, err
}

var gzipMagic = []byte{0x1f, 0x8b}

func ingestOne(ctx context.Context, s Source, o Options) (*aggregate, FileStats, error) {
	st := FileStats{URI: s.URI()}
	fail := func(err error) (*aggregate, FileStats, error) {
		var fe *FileError
		if !errors.As(err, &fe) {
			err = &FileError{File: st.URI, Err: err, MaxErrors: o.MaxErrors}
		}
		return nil, st, err
	}
	if oc, ok := s.(OpenCostSource); ok {
		return ingestOpenCost(ctx, oc, o)
	}
	rc, err := openBody(ctx, s)
	if err != nil {
		return fail(err)
	}
	defer rc.Close()
	size := rc.want
	st.LengthUnverified = rc.unverified
	cr := &countingReader{r: rc, uri: st.URI, size: size, progress: o.Progress}
	h, kind := newDigest(o)
	cr.h = h
	br := bufio.NewReaderSize(cr, 64<<10)
	magic, _ := br.Peek(4)
	finish := func() error {
		// Hash whatever the parser did not read, so the digest covers the
		// file, and the body is checked to its end.
		_, err := io.Copy(io.Discard, br)
		st.Bytes = cr.n.Load()
		sum := hex.EncodeToString(cr.h.Sum(nil))
		st.Digest = kind + ":" + sum
		switch {
		case o.NoDigest:
		case o.DigestXXH64:
			st.XXH64 = sum
		default:
			st.SHA256 = sum
		}
		return err
	}

	if string(magic) == "PAR1" {
		agg, err := ingestParquetStream(ctx, s, br, size, o, &st)
		if ferr := finish(); err == nil {
			err = ferr
		}
		if err != nil {
			return fail(err)
		}
		return agg, st, nil
	}

	var r io.Reader = br
	plain := false
	switch {
	case isZip(magic):
		zr, release, err := openZip(ctx, s, br, o)
		if err != nil {
			return fail(err)
		}
		defer release()
		r = zr
	case len(magic) >= 2 && magic[0] == gzipMagic[0] && magic[1] == gzipMagic[1]:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fail(fmt.Errorf("cannot read gzip header: %w", err))
		}
		defer zr.Close()
		r = zr
	default:
		plain = true
	}
	f := &csvFile{uri: st.URI, maxErrors: o.MaxErrors}
	newAgg := func() *aggregate { return newAggregate(o.MaxResourceIDs) }
	aggs, err := readCSV(ctx, r, f, o.Format, o.tag(), o.Workers, newAgg)
	if f.m != nil {
		st.Format = f.m.format
		st.Custom = f.m.Custom()
		st.OptionalColumns, st.MissingOptionalColumns = f.m.optional()
		st.currencyColumn = f.m.name(cCurrency)
	}
	st.skipped = f.skipped
	st.Rows = f.rows.Load()
	st.BadRows = f.bad.Load()
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err == nil {
		err = finish()
	}
	if err == nil && plain {
		err = rc.checkEnd()
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w (truncated file?)", err)
		}
		st.Bytes = cr.n.Load()
		return fail(err)
	}
	if st.BadRows > o.MaxErrors {
		return nil, st, &FileError{File: st.URI, Rows: sortedErrors(f.errs, o.MaxErrors), BadRows: st.BadRows, MaxErrors: o.MaxErrors}
	}
	if st.BadRows > 0 {
		st.Warnings = sortedErrors(f.errs, o.MaxErrors)
	}
	agg := aggs[0]
	for _, a := range aggs[1:] {
		agg.merge(a)
	}
	return agg, st, nil
}

func compareRowErrors(a, b *RowError) int {
	if a.RowGroup != b.RowGroup {
		return a.RowGroup - b.RowGroup
	}
	if a.Line != b.Line {
		return int(a.Line - b.Line)
	}
	return int(a.Row - b.Row)
}

func sortedErrors(errs []*RowError, maxErrors int64) []*RowError {
	slices.SortFunc(errs, compareRowErrors)
	if int64(len(errs)) > maxErrors+1 {
		errs = errs[:maxErrors+1]
	}
	return errs
}

// openLocal is used by tests and the file source.
func openLocal(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot open %q: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("cannot stat %q: %w", path, err)
	}
	return f, fi.Size(), nil
}

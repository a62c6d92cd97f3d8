package billing

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/internal/billing/synth"
)

// Benchmarks read a generated export of BILLING_BENCH_BYTES bytes (default
// 16 MiB, so that `go test -bench` is quick; set 1073741824 for the 1 GB
// figure). Files are generated once into BILLING_BENCH_DIR (default the
// system temporary directory) and reused.
//
//	BILLING_BENCH_BYTES=1073741824 go test -run '^$' -bench . -benchtime 3x ./internal/billing/

func benchBytes() int64 {
	if s := os.Getenv("BILLING_BENCH_BYTES"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return 16 << 20
}

// benchFile returns the path of a generated export, generating it once.
func benchFile(tb testing.TB, f synth.Format, size int64, gz bool) string {
	tb.Helper()
	dir := os.Getenv("BILLING_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	name := fmt.Sprintf("cloudspace-billing-bench-v2-%s-%d.csv", f, size)
	if gz {
		name += ".gz"
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		tb.Fatal(err)
	}
	var w io.Writer = tmp
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(tmp)
		w = zw
	}
	if _, err := synth.Write(w, synth.Config{Format: f, Bytes: size, Seed: 42, Untagged: 0.1}); err != nil {
		tb.Fatal(err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tmp.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		tb.Fatal(err)
	}
	return path
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchIngest(b *testing.B, f synth.Format, gz bool, opts ...func(*Options)) {
	path := benchFile(b, f, benchBytes(), gz)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var rows int64
	start := time.Now()
	cpu := cpuTime()
	for b.Loop() {
		o := Options{}
		for _, fn := range opts {
			fn(&o)
		}
		res, err := Ingest(b.Context(), []Source{FileSource{Path: path}}, o)
		if err != nil {
			b.Fatal(err)
		}
		rows += res.Files[0].Rows
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	// On a shared machine wall time understates what the code can do: also
	// report throughput per CPU second (user and system time of the process).
	if d := (cpuTime() - cpu).Seconds(); d > 0 {
		b.ReportMetric(float64(fi.Size())*float64(b.N)/1e6/d, "MB/cpu-s")
	}
}

// exportFile returns the path of an export of the shape of a real one
// (synth.WriteExport: every string quoted, JSON Tags, a resource of its own
// on most rows, 500 spaces), CSV or Parquet, generating it once.
func exportFile(tb testing.TB, size int64, parquet bool) string {
	tb.Helper()
	dir := os.Getenv("BILLING_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	write, ext := synth.WriteExport, "csv"
	if parquet {
		write, ext = synth.WriteExportParquet, "parquet"
	}
	path := filepath.Join(dir, fmt.Sprintf("focus-export-v%d-%d.%s", synth.ExportVersion, size, ext))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := write(tmp, synth.ExportConfig{Bytes: size, Seed: 42, Untagged: 0.1}); err != nil {
		tb.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// benchPath ingests one file and reports rows/s, MB per CPU second and, for
// the steadier comparison on a shared machine, CPU ns per row.
func benchPath(b *testing.B, path string, o Options) {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var rows int64
	start := time.Now()
	cpu := cpuTime()
	for b.Loop() {
		res, err := Ingest(b.Context(), []Source{FileSource{Path: path}}, o)
		if err != nil {
			b.Fatal(err)
		}
		rows += res.Files[0].Rows
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	if d := cpuTime() - cpu; d > 0 && rows > 0 {
		b.ReportMetric(float64(fi.Size())*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
		b.ReportMetric(float64(d.Nanoseconds())/float64(rows), "cpu-ns/row")
	}
}

// BenchmarkIngestExportCSV reads a FOCUS CSV shaped like a real export, the
// workload of issue 12; make bench-duckdb compares it with DuckDB.
func BenchmarkIngestExportCSV(b *testing.B) {
	benchPath(b, exportFile(b, benchBytes(), false), Options{DigestXXH64: true})
}

// BenchmarkIngestExportParquet reads the same rows as Parquet, typed as AWS
// Data Exports write FOCUS (DOUBLE money, a MAP of tags, snappy).
func BenchmarkIngestExportParquet(b *testing.B) {
	benchPath(b, exportFile(b, benchBytes(), true), Options{DigestXXH64: true})
}

// BenchmarkIngestExportParquetOneWorker reads it as the CLI does under its
// default memory limit: a row group at a time (cli.parquetWorkers). Run it
// with GOMEMLIMIT=64MiB GOGC=25 for the CLI's collector too.
func BenchmarkIngestExportParquetOneWorker(b *testing.B) {
	benchPath(b, exportFile(b, benchBytes(), true), Options{DigestXXH64: true, ParquetWorkers: 1})
}

func BenchmarkIngestFOCUSCSV(b *testing.B)     { benchIngest(b, synth.FOCUS, false) }
func BenchmarkIngestCURCSV(b *testing.B)       { benchIngest(b, synth.CUR, false) }
func BenchmarkIngestFOCUSCSVGzip(b *testing.B) { benchIngest(b, synth.FOCUS, true) }

// BenchmarkIngestFOCUSCSVXXH64 is the CLI's default: files digested with
// xxHash rather than SHA-256.
func BenchmarkIngestFOCUSCSVXXH64(b *testing.B) {
	benchIngest(b, synth.FOCUS, false, func(o *Options) { o.DigestXXH64 = true })
}

// BenchmarkPeakRSS ingests the FOCUS file in a child process, so that the
// peak resident set size (VmHWM) is that of an ingest alone.
func BenchmarkPeakRSS(b *testing.B) {
	path := benchFile(b, synth.FOCUS, benchBytes(), false)
	for b.Loop() {
		cmd := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestPeakRSSHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BILLING_RSS_HELPER_FILE="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("helper: %v\n%s", err, out)
		}
		var kb, rows int64
		for l := range strings.Lines(string(out)) {
			if _, err := fmt.Sscanf(l, "peak-rss-kb=%d rows=%d", &kb, &rows); err == nil {
				break
			}
		}
		if kb == 0 {
			b.Fatalf("helper printed no peak RSS:\n%s", out)
		}
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
		b.ReportMetric(float64(rows), "rows")
	}
}

// TestPeakRSSHelper is the child process of BenchmarkPeakRSS.
func TestPeakRSSHelper(t *testing.T) {
	path := os.Getenv("BILLING_RSS_HELPER_FILE")
	if path == "" {
		t.Skip("only run by BenchmarkPeakRSS")
	}
	res, err := Ingest(t.Context(), []Source{FileSource{Path: path}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("peak-rss-kb=%d rows=%d\n", peakRSSKB(t), res.Files[0].Rows)
}

func peakRSSKB(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// TestSynthAgainstReference checks the fast path against a slow reference
// (encoding/csv, encoding/json and decimal) on a generated file.
func TestSynthAgainstReference(t *testing.T) {
	for _, f := range []synth.Format{synth.FOCUS, synth.CUR} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			st, err := synth.Write(&buf, synth.Config{Format: f, Bytes: 1 << 20, Seed: 7, Untagged: 0.2, Spaces: 5})
			if err != nil {
				t.Fatal(err)
			}
			old := blockSize
			blockSize = 64 << 10
			t.Cleanup(func() { blockSize = old })
			res, err := Ingest(t.Context(), []Source{bytesSource{name: "synth.csv", b: buf.Bytes()}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Files[0].Rows != st.Rows {
				t.Errorf("Ingest(...): want %d rows, got %d", st.Rows, res.Files[0].Rows)
			}
			got := map[string]string{}
			for _, r := range res.Records {
				got[r.Space+"/"+r.Account] = r.BilledCost
			}
			if diff := cmp.Diff(referenceSums(t, buf.Bytes(), f), got); diff != "" {
				t.Errorf("Ingest(...): -reference, +got:\n%s", diff)
			}
		})
	}
}

func referenceSums(t *testing.T, data []byte, f synth.Format) map[string]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
	}
	cost, tags, acct, key := "BilledCost", "Tags", "SubAccountId", "cloudspace"
	if f == synth.CUR {
		cost, tags, acct, key = "line_item_unblended_cost", "resource_tags", "line_item_usage_account_id", "user_cloudspace"
	}
	sums := map[string]decimal.Decimal{}
	for _, r := range recs[1:] {
		var m map[string]string
		if err := json.Unmarshal([]byte(r[col[tags]]), &m); err != nil {
			t.Fatal(err)
		}
		k := m[key] + "/"
		if m[key] == "" {
			k = "/" + r[col[acct]]
		}
		sums[k] = sums[k].Add(decimal.RequireFromString(r[col[cost]]))
	}
	out := map[string]string{}
	for k, v := range sums {
		out[k] = v.String()
	}
	return out
}

// benchParquet converts a generated FOCUS CSV into Parquet, typed as
// focusParquet, with row groups of 8k rows.
func benchParquet(b *testing.B, size int64) string {
	b.Helper()
	path := strings.TrimSuffix(benchFile(b, synth.FOCUS, size, false), ".csv") + ".parquet"
	if _, err := os.Stat(path); err == nil {
		return path
	}
	in, err := os.Open(benchFile(b, synth.FOCUS, size, false))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(path), "parquet-*.tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[focusParquet](out, parquet.MaxRowsPerRowGroup(8<<10))
	r := csv.NewReader(bufio.NewReaderSize(in, 1<<20))
	r.ReuseRecord = true
	hdr, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range hdr {
		col[n] = i
	}
	batch := make([]focusParquet, 0, 1024)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		get := func(n string) string { return rec[col[n]] }
		billed, _ := strconv.ParseFloat(get("BilledCost"), 64)
		eff, _ := decimal.NewFromString(get("EffectiveCost"))
		var tags map[string]string
		if err := json.Unmarshal([]byte(get("Tags")), &tags); err != nil {
			b.Fatal(err)
		}
		batch = append(batch, focusParquet{
			BilledCost: billed, BillingAccountID: get("BillingAccountId"), BillingCurrency: get("BillingCurrency"),
			BillingPeriodEnd: mustTime(b, get("BillingPeriodEnd")), BillingPeriodStart: mustTime(b, get("BillingPeriodStart")),
			ChargeCategory: get("ChargeCategory"), ChargePeriodEnd: mustTime(b, get("ChargePeriodEnd")), ChargePeriodStart: mustTime(b, get("ChargePeriodStart")),
			ContractedCost: optional(get("ContractedCost")), EffectiveCost: eff.Shift(13).IntPart(), ListCost: get("ListCost"),
			ProviderName: get("ProviderName"), ResourceID: optional(get("ResourceId")), ServiceName: get("ServiceName"),
			SubAccountID: get("SubAccountId"), Tags: tags,
		})
		if len(batch) == cap(batch) {
			if _, err := w.Write(batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := w.Write(batch); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(out.Name(), path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkIngestFOCUSParquet reads the FOCUS export as Parquet. The
// Parquet file holds the same rows as the CSV of BILLING_BENCH_BYTES, at
// most 256 MiB of CSV; MB/s are of the Parquet file.
func BenchmarkIngestFOCUSParquet(b *testing.B) {
	path := benchParquet(b, min(benchBytes(), 256<<20))
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	var rows int64
	start := time.Now()
	cpu := cpuTime()
	for b.Loop() {
		res, err := Ingest(b.Context(), []Source{FileSource{Path: path}}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows += res.Files[0].Rows
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	if d := (cpuTime() - cpu).Seconds(); d > 0 {
		b.ReportMetric(float64(rows)/d, "rows/cpu-s")
	}
}

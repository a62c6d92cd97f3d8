// Package cli holds the billing subcommands of the function-cloudspace-billing
// binary as kong command structs: IngestCmd ("ingest") and ControllerCmd
// ("controller"). Mount them in the binary's CLI struct:
//
//	type CLI struct {
//		Ingest     cli.IngestCmd     `cmd:"" help:"Ingest billing exports into spend records."`
//		Controller cli.ControllerCmd `cmd:"" help:"Re-ingest billing exports on a schedule."`
//	}
//
// and call ctx.Run(). Both Run methods take no arguments; they write to
// os.Stdout and os.Stderr unless Stdout and Stderr are set (tests do).
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"golang.org/x/term"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/config"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

// Options are the flags shared by ingest and controller.
type Options struct {
	Format         string `default:"auto" enum:"auto,focus,cur" help:"Format of the exports: auto (detect per file from the header), focus (FOCUS 1.0-1.3) or cur (CUR 2.0 or legacy CUR)."`
	TagKey         string `default:"cloudspace" help:"Tag whose value names the XCloudSpace. CUR spellings user:<key> and resource_tags_user_<key> are matched too."`
	MaxErrors      int64  `default:"0" help:"Bad rows tolerated per file; one more rejects the file, and with it the whole ingest."`
	MaxResourceIDs int    `name:"max-resource-ids" default:"100" help:"Resource IDs listed per record (the lexically smallest); the rest are only counted."`
	Workers        int    `default:"0" help:"Goroutines parsing a CSV file, and Parquet row groups read at once; 0 is one per CPU, and one row group at a time under a memory limit below 128 MiB."`
	S3Region       string `name:"s3-region" env:"AWS_REGION" help:"AWS region of the S3 sources."`
	S3Endpoint     string `name:"s3-endpoint" help:"S3-compatible endpoint URL; selects path-style addressing."`
	Kubeconfig     string `type:"path" help:"Kubeconfig file; else $KUBECONFIG, ~/.kube/config or the in-cluster configuration."`
	Digest         string `default:"xxh64" enum:"xxh64,sha256,none" help:"Digest of each file recorded in the records' sources: xxh64 (fast, not cryptographic), sha256 (audit grade, about a third of the CPU time of a CSV ingest) or none."`
	Debug          bool   `help:"Log every file read."`

	// Set by tests; nil means the real thing.
	Stdout     io.Writer                                        `kong:"-"`
	Stderr     io.Writer                                        `kong:"-"`
	NewClient  func() (client.Client, error)                    `kong:"-"`
	NewS3      func(ctx context.Context) (billing.S3API, error) `kong:"-"`
	HTTPClient *http.Client                                     `kong:"-"`
}

func (o *Options) stdout() io.Writer {
	if o.Stdout != nil {
		return o.Stdout
	}
	return os.Stdout
}

func (o *Options) stderr() io.Writer {
	if o.Stderr != nil {
		return o.Stderr
	}
	return os.Stderr
}

func (o *Options) logger() logr.Logger {
	v := 0
	if o.Debug {
		v = 1
	}
	w := o.stderr()
	return funcr.New(func(prefix, args string) {
		fmt.Fprintln(w, prefix, args)
	}, funcr.Options{Verbosity: v})
}

func (o *Options) ingestOptions(log logr.Logger) (billing.Options, error) {
	f, err := billing.ParseFormat(o.Format)
	if err != nil {
		return billing.Options{}, err
	}
	ids := o.MaxResourceIDs
	if ids == 0 {
		ids = -1 // zero on the command line means none
	}
	return billing.Options{
		Format: f, TagKey: o.TagKey, MaxErrors: o.MaxErrors, MaxResourceIDs: ids,
		Workers: o.Workers, ParquetWorkers: parquetWorkers(o.Workers, debug.SetMemoryLimit(-1)),
		Log: log, NoDigest: o.Digest == "none", DigestXXH64: o.Digest == "xxh64",
	}, nil
}

// parquetWorkers returns how many Parquet row groups are read at once. A
// row group being read holds a page of each column in use, about 20 MB on
// exports with 1 MiB pages: two at once under a soft memory limit below
// 128 MiB leave the garbage collector no room, and it runs without pause
// (on the 1 GiB export of issue 12, 11 s of CPU instead of 3.5 s). Under
// such a limit, and unless --workers says otherwise, row groups are read
// one at a time (each on two cores: one goroutine reads the pages, another
// processes the rows).
func parquetWorkers(workers int, memLimit int64) int {
	if workers <= 0 && memLimit < 128<<20 {
		return 1
	}
	return workers
}

func (o *Options) sources(ctx context.Context, args []string) ([]billing.Source, error) {
	var s3c billing.S3API
	var out []billing.Source
	for _, a := range args {
		if strings.HasPrefix(a, "s3://") && s3c == nil {
			var err error
			if o.NewS3 != nil {
				s3c, err = o.NewS3(ctx)
			} else {
				s3c, err = billing.NewS3Client(ctx, o.S3Region, o.S3Endpoint)
			}
			if err != nil {
				return nil, err
			}
		}
		srcs, err := billing.ParseSource(ctx, a, s3c, o.HTTPClient)
		if err != nil {
			return nil, err
		}
		out = append(out, srcs...)
	}
	if len(out) == 0 {
		return nil, errors.New("cannot ingest: no source files found")
	}
	return out, nil
}

func (o *Options) client() (client.Client, error) {
	if o.NewClient != nil {
		return o.NewClient()
	}
	cfg, err := o.restConfig()
	if err != nil {
		return nil, fmt.Errorf("cannot load kubeconfig: %w", err)
	}
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		return nil, fmt.Errorf("cannot create Kubernetes client: %w", err)
	}
	return c, nil
}

func (o *Options) restConfig() (*rest.Config, error) {
	if o.Kubeconfig != "" {
		return clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	}
	return config.GetConfig()
}

// IngestCmd reads billing exports and writes one spend record per space and
// billing period into the cluster, or prints them with --dry-run.
type IngestCmd struct {
	Options `embed:""`

	Sources []string `arg:"" name:"source" help:"Export file: a path, an http(s):// URL, an s3://bucket/key URL, or s3://bucket/prefix/ for every CSV, gzip and Parquet object under it. Pass every file of a billing period in one run: each run replaces the records of the periods it reads."`
	DryRun  bool     `help:"Print the records instead of writing them to the cluster."`
	Output  string   `short:"o" default:"table" enum:"table,json" help:"Output of --dry-run: table or json."`
	// The ingester's memory does not grow with the files (blocks of 1 MiB,
	// one aggregate per file, about 32 KiB per space and period, a page per
	// Parquet column in use): a soft limit keeps the garbage collector from
	// letting the heap grow to twice what is live. 64 MiB, not less: a
	// Parquet row group with 1 MiB pages and the aggregate of 500 spaces
	// hold about 45 MB, and a limit close to what is live makes the
	// collector run without pause.
	MemoryLimitMiB int64 `name:"memory-limit-mib" default:"64" help:"Soft memory limit of the Go runtime in MiB (heap and runtime, not the binary's own pages); GOMEMLIMIT in the environment wins, 0 means none."`
}

// Run ingests. It returns an error, and writes nothing, when any file is
// rejected.
func (c *IngestCmd) Run() error {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set && c.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(c.MemoryLimitMiB << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.run(ctx)
}

func (c *IngestCmd) run(ctx context.Context) error {
	log := c.logger()
	opts, err := c.ingestOptions(log)
	if err != nil {
		return err
	}
	srcs, err := c.sources(ctx, c.Sources)
	if err != nil {
		return err
	}
	var p *progress
	if f, ok := c.stderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p = &progress{w: f}
		opts.Progress = p.update
	}
	start := time.Now()
	res, err := billing.Ingest(ctx, srcs, opts)
	p.done()
	if res != nil {
		for _, f := range res.Files {
			log.Info("Read file", "uri", f.URI, "format", f.Format, "bytes", f.Bytes, "rows", f.Rows, "bad-rows", f.BadRows)
			for _, w := range f.Warnings {
				log.Info("Skipped bad row", "error", w.Error())
			}
		}
	}
	if err != nil {
		return err
	}
	log.V(1).Info("Ingested", "files", len(res.Files), "records", len(res.Records), "duration", time.Since(start).String())
	if c.DryRun {
		return printRecords(c.stdout(), c.Output, res.Records)
	}
	kc, err := c.client()
	if err != nil {
		return err
	}
	st, err := (&billing.Writer{Client: kc}).Write(ctx, res.Records)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout(), "%d records: %d applied, %d unchanged\n", len(res.Records), st.Applied, st.Unchanged)
	return nil
}

func printRecords(w io.Writer, format string, rs []v1alpha1.SpendRecord) error {
	if format == "json" {
		if err := writeJSONArray(w, rs); err != nil {
			return fmt.Errorf("cannot write records: %w", err)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SPACE\tACCOUNT\tPERIOD\tCURRENCY\tBILLED\tEFFECTIVE\tLIST\tROWS\tRESOURCES\tLAST CHARGE END")
	for _, r := range rs {
		space := r.Space
		if space == "" {
			space = "(unattributed)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", space, dash(r.Account), r.Period, r.Currency, r.BilledCost, r.EffectiveCost, r.ListCost, r.Rows, r.ResourceCount, dash(r.LastChargePeriodEnd))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("cannot write records: %w", err)
	}
	return nil
}

// writeJSONArray writes rs as an indented JSON array, the bytes
// json.Encoder with SetIndent("", "  ") writes, one element at a time, so
// that the output of a large ingest is never held in memory whole.
func writeJSONArray[T any](w io.Writer, rs []T) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if len(rs) == 0 {
		_, _ = bw.WriteString("[]\n")
		return bw.Flush()
	}
	_, _ = bw.WriteString("[\n")
	for i := range rs {
		b, err := json.MarshalIndent(&rs[i], "  ", "  ")
		if err != nil {
			return err
		}
		_, _ = bw.WriteString("  ")
		_, _ = bw.Write(b)
		if i < len(rs)-1 {
			_ = bw.WriteByte(',')
		}
		_ = bw.WriteByte('\n')
	}
	_, _ = bw.WriteString("]\n")
	return bw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// progress draws a one line progress bar on a terminal.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	last  time.Time
	start time.Time
	drawn bool
}

func (p *progress) update(uri string, read, size int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	rate := ""
	if d := now.Sub(p.start); d >= 100*time.Millisecond {
		rate = fmt.Sprintf("%.0f MB/s ", float64(read)/d.Seconds()/1e6)
	}
	if size > 0 {
		const width = 30
		n := int(min(width, width*read/size))
		fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %s", uri, strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*read/size, rate)
	} else {
		fmt.Fprintf(p.w, "\r%s %d MB %s", uri, read>>20, rate)
	}
	p.drawn = true
}

func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

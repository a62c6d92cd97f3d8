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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
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
	"github.com/cloudspace-dev/cloudspace/internal/version"
)

// Options are the flags shared by ingest and controller.
type Options struct {
	Format           string `default:"auto" enum:"auto,focus,cur" help:"Format of the exports: auto (detect per file from the header), focus (FOCUS 1.0-1.3) or cur (CUR 2.0 or legacy CUR)."`
	TagKey           string `default:"cloudspace" help:"Tag whose value names the XCloudSpace. CUR spellings user:<key> and resource_tags_user_<key> are matched too."`
	TagKeyIgnoreCase bool   `name:"tag-key-ignore-case" help:"Attribute by a tag key that matches --tag-key only ignoring case (CloudSpace). Such rows are counted and warned about either way; without this flag they stay unattributed."`
	MaxErrors        int64  `default:"0" help:"Bad rows tolerated per file; one more rejects the file, and with it the whole ingest."`
	MaxResourceIDs   int    `name:"max-resource-ids" default:"100" help:"Resource IDs listed per record (the lexically smallest); the rest are only counted."`
	Workers          int    `default:"0" help:"Goroutines parsing a CSV file, and Parquet row groups read at once; 0 is one per CPU, and one row group at a time under a memory limit below 128 MiB."`
	S3Region         string `name:"s3-region" env:"AWS_REGION" help:"AWS region of the S3 sources."`
	S3Endpoint       string `name:"s3-endpoint" help:"S3-compatible endpoint URL; selects path-style addressing."`
	Kubeconfig       string `type:"path" help:"Kubeconfig file; else $KUBECONFIG, ~/.kube/config or the in-cluster configuration."`
	Digest           string `default:"xxh64" enum:"xxh64,sha256,none" help:"Digest of each file recorded in the records' sources: xxh64 (fast, not cryptographic), sha256 (audit grade, about a third of the CPU time of a CSV ingest) or none. Whatever it says, files with the same content are read once."`
	Deliveries       string `default:"error" enum:"error,latest,all" help:"What to do when a period folder holds two deliveries (two CUR assemblyId folders, two Data Exports executions) and no manifest names the current one: error (the default: summing them would count the period twice), latest (read the delivery modified last) or all (sum them)."`
	Scope            string `default:"default" help:"Scope of the run, a DNS label set as the records' billing.cloudspace.dev/scope label. A run replaces only the records of its scope in the periods it reads; give each export that feeds the cluster its own scope (one per payer, say) so that no run removes another's records. A space's spend in one period belongs to one scope: a run that would write a spend record another scope holds fails."`
	Debug            bool   `help:"Log every file read, and every manifest honoured or file it ruled out."`
	LogFormat        string `name:"log-format" default:"text" enum:"text,json" help:"Format of the logs on stderr: text (key=value pairs) or json (one object a line, as log collectors read them). Both carry an RFC 3339 timestamp."`

	Version version.Flag `help:"Print the version, commit and Go version of the build, and exit."`

	NamespaceSpace        map[string]string `name:"namespace-space" placeholder:"NAMESPACE=SPACE" help:"Tenant namespace of a space, for in-cluster spend: the pods of split cost allocation rows (CUR split_line_item_*, FOCUS 1.3 allocated charges) in that namespace cost the space, and their cost is moved off the node they ran on. CLUSTER/NAMESPACE=SPACE holds for one EKS cluster. Repeat, or separate with ';'. Adds to, and wins over, the namespaces read from the cluster."`
	NamespacesFromCluster bool              `name:"namespaces-from-cluster" default:"true" negatable:"" help:"Map the tenant namespaces of the XCloudSpaces of the cluster (status.namespace) to their spaces, when a cluster is configured."`
	ClusterName           []string          `name:"cluster-name" help:"Only attribute the pods of these EKS clusters by namespace. Repeat for more; default every cluster."`
	OpenCostCurrency      string            `name:"opencost-currency" default:"USD" help:"Currency of the figures of opencost+http(s):// sources (OpenCost reports none)."`
	IdlePolicy            string            `name:"idle-policy" default:"none" enum:"none,split,requests,usage" help:"How the cost of idle node capacity (split_line_item_unused_cost) is shared among the spaces whose pods ran on the node: none (it stays with the node, the platform's cost), split (as AWS allocated it, by split usage), requests (by reserved usage, per node, hour and resource) or usage (by actual usage)."`

	ConnectTimeout        time.Duration `default:"10s" help:"Timeout of the TCP connect and TLS handshake of HTTP(S) and S3 sources."`
	ResponseHeaderTimeout time.Duration `default:"1m" help:"Timeout waiting for the response headers of HTTP(S) and S3 requests."`
	IdleTimeout           time.Duration `default:"1m" help:"A body that sends nothing for this long fails (per read: a large file may take longer as a whole)."`
	Retries               int           `default:"4" help:"Retries of a failed open of an HTTP(S) or S3 source or S3 listing page (connection errors and timeouts, HTTP 408, 429, 5xx, S3 SlowDown), with exponential backoff and jitter; Retry-After is honoured. A body is never retried midway. 0 disables."`
	RetryMaxDelay         time.Duration `default:"30s" help:"Longest wait between two attempts; a server asking for longer (Retry-After) fails the source."`

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
	fo := funcr.Options{Verbosity: v, LogTimestamp: true, TimestampFormat: time.RFC3339Nano}
	if o.LogFormat == "json" {
		return funcr.NewJSON(func(obj string) { fmt.Fprintln(w, obj) }, fo)
	}
	return funcr.New(func(prefix, args string) {
		if prefix != "" {
			args = prefix + " " + args
		}
		fmt.Fprintln(w, args)
	}, fo)
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
	d, err := billing.ParseDeliveries(o.Deliveries)
	if err != nil {
		return billing.Options{}, err
	}
	return billing.Options{
		Format: f, TagKey: o.TagKey, TagKeyIgnoreCase: o.TagKeyIgnoreCase, MaxErrors: o.MaxErrors, MaxResourceIDs: ids,
		Workers: o.Workers, ParquetWorkers: parquetWorkers(o.Workers, debug.SetMemoryLimit(-1)),
		Log: log, NoDigest: o.Digest == "none", DigestXXH64: o.Digest == "xxh64", Deliveries: d,
		InCluster:        billing.InCluster{Namespaces: o.NamespaceSpace, Clusters: o.ClusterName, IdlePolicy: o.IdlePolicy},
		OpenCostCurrency: o.OpenCostCurrency,
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

// net returns the network bounds of the flags.
func (o *Options) net() billing.NetOptions {
	return billing.NetOptions{
		ConnectTimeout:        o.ConnectTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		IdleTimeout:           o.IdleTimeout,
		MaxAttempts:           max(0, o.Retries) + 1,
		MaxRetryDelay:         o.RetryMaxDelay,
	}
}

func (o *Options) sources(ctx context.Context, args []string) ([]billing.Source, error) {
	so := billing.SourceOptions{HTTP: o.HTTPClient, Net: o.net(), Log: o.logger()}
	if so.HTTP == nil {
		so.HTTP = billing.NewHTTPClient(so.Net)
	}
	var out []billing.Source
	for _, a := range args {
		if strings.HasPrefix(a, "s3://") && so.S3 == nil {
			var err error
			if o.NewS3 != nil {
				so.S3, err = o.NewS3(ctx)
			} else {
				so.S3, err = billing.NewS3Client(ctx, o.S3Region, o.S3Endpoint, so.Net)
			}
			if err != nil {
				return nil, err
			}
		}
		srcs, err := billing.ParseSource(ctx, a, so)
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

// errNoCluster is the error of client when no cluster is configured at all.
var errNoCluster = errors.New("no cluster is configured")

func (o *Options) client() (client.Client, error) {
	if o.NewClient != nil {
		return o.NewClient()
	}
	cfg, err := o.restConfig()
	if clientcmd.IsEmptyConfig(err) {
		return nil, fmt.Errorf("cannot load kubeconfig: %w: %w", errNoCluster, err)
	}
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

	Sources []string `arg:"" name:"source" help:"Export file: a path, a directory, an http(s):// URL, an s3://bucket/key URL, s3://bucket/prefix/, or opencost+http(s)://host:9003/allocation/compute?window=...&aggregate=namespace, a query of OpenCost's allocation API (the in-cluster spend of a cluster without split cost allocation data). A directory or prefix is read recursively: every CSV, gzip, zip and Parquet file under it, except that where AWS delivered a manifest (legacy CUR <report>-Manifest.json, Data Exports metadata/BILLING_PERIOD=.../Manifest.json) only the files of the current delivery it names are read. A source given twice, or files with the same content, are read once. Pass every file of a billing period in one run: each run replaces the records of its scope in the periods it reads, writing zero spend for a space it no longer bills there and deleting the unattributed record of an account it no longer sees."`
	DryRun  bool     `help:"Print the plan instead of writing: each record to create, update, leave unchanged, zero or delete. Reads the cluster when one is configured (--kubeconfig, $KUBECONFIG, ~/.kube/config or in-cluster); with none, every record is a creation."`
	Output  string   `short:"o" default:"table" enum:"table,json" help:"Output of --dry-run: table, or json (an object with the plan, the records and the run's summary)."`
	// The ingester's memory does not grow with the files (blocks of 1 MiB,
	// one aggregate per file, about 32 KiB per space and period, a page per
	// Parquet column in use): a soft limit keeps the garbage collector from
	// letting the heap grow to twice what is live. 64 MiB, not less: a
	// Parquet row group with 1 MiB pages and the aggregate of 500 spaces
	// hold about 45 MB, and a limit close to what is live makes the
	// collector run without pause.
	MemoryLimitMiB int64 `name:"memory-limit-mib" default:"64" help:"Soft memory limit of the Go runtime in MiB (heap and runtime, not the binary's own pages); GOMEMLIMIT in the environment wins, 0 means none."`
	// An ingest makes little garbage (blocks and pages are reused; on the
	// 1 GiB CSV of issue 12 about 14 MB a second against some 20 MB
	// live), so collecting when the heap has grown by a quarter, not
	// doubled, costs a few more cycles of a few milliseconds each and
	// keeps the peak heap near what is live: 7 MB less peak RSS on that
	// file, the same CPU time.
	GCPercent int `name:"gc-percent" default:"25" help:"Garbage collection target of the Go runtime (GOGC): collect when the heap has grown by this percentage of what is live; GOGC in the environment wins."`
}

// Validate checks the flags.
func (c *IngestCmd) Validate() error {
	return c.validateScope("ingest")
}

func (o *Options) validateScope(cmd string) error {
	if !v1alpha1.IsScopeName(o.Scope) {
		return fmt.Errorf("cannot run %s: --scope %q is not a DNS label (lower case letters, digits and '-', at most 63 characters)", cmd, o.Scope)
	}
	return nil
}

// Run ingests. It returns an error, and writes nothing, when any file is
// rejected.
func (c *IngestCmd) Run() error {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set && c.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(c.MemoryLimitMiB << 20)
	}
	if _, set := os.LookupEnv("GOGC"); !set && c.GCPercent > 0 {
		debug.SetGCPercent(c.GCPercent)
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
	if err := c.clusterNamespaces(ctx, log, &opts); err != nil {
		return err
	}
	start := time.Now()
	res, err := billing.Ingest(ctx, srcs, opts)
	p.done()
	if res != nil {
		for _, f := range res.Files {
			log.Info("Read file", "uri", f.URI, "format", f.Format, "bytes", f.Bytes, "rows", f.Rows, "bad-rows", f.BadRows,
				"optional-columns", f.OptionalColumns, "missing-optional-columns", f.MissingOptionalColumns)
			for _, w := range f.Warnings {
				log.Info("Skipped bad row", "error", w.Error())
			}
		}
		for _, w := range res.Warnings {
			log.Info("WARNING", "warning", w)
		}
	}
	if err != nil {
		if res != nil {
			printSummary(c.stderr(), res.Summary, c.TagKey)
		}
		return err
	}
	log.V(1).Info("Ingested", "files", len(res.Files), "records", len(res.Records), "duration", time.Since(start).String())
	w := &billing.Writer{Scope: c.Scope}
	if c.DryRun {
		plan, err := c.dryRun(ctx, log, w, res.Records)
		if err != nil {
			printSummary(c.stderr(), res.Summary, c.TagKey)
			return err
		}
		if err := printPlan(c.stdout(), c.Output, plan, res.Records, res.Summary); err != nil {
			return err
		}
		printSummary(c.stderr(), res.Summary, c.TagKey)
		return nil
	}
	if w.Client, err = c.client(); err != nil {
		return err
	}
	plan, err := w.Plan(ctx, res.Records)
	if err != nil {
		printSummary(c.stderr(), res.Summary, c.TagKey)
		return err
	}
	st, err := w.Apply(ctx, plan)
	if we := (*billing.WriteError)(nil); errors.As(err, &we) {
		printWritten(c.stdout(), we)
	}
	if err != nil {
		printSummary(c.stderr(), res.Summary, c.TagKey)
		return err
	}
	noun := "records"
	if len(res.Records) == 1 {
		noun = "record"
	}
	fmt.Fprintf(c.stdout(), "%d %s of %s, scope %s: %s\n", len(res.Records), noun, periods(plan), plan.Scope, st)
	printSummary(c.stderr(), res.Summary, c.TagKey)
	return nil
}

// clusterNamespaces adds the tenant namespaces of the cluster's
// XCloudSpaces to opts, unless --no-namespaces-from-cluster or no cluster
// is configured at all.
func (o *Options) clusterNamespaces(ctx context.Context, log logr.Logger, opts *billing.Options) error {
	if !o.NamespacesFromCluster {
		return nil
	}
	kc, err := o.client()
	if errors.Is(err, errNoCluster) {
		log.V(1).Info("No cluster is configured: only --namespace-space maps namespaces to spaces")
		return nil
	}
	if err != nil {
		return err
	}
	ns, warns, err := billing.NamespacesFrom(kc)(ctx)
	if err != nil {
		return err
	}
	for _, w := range warns {
		log.Info("WARNING", "warning", w)
	}
	opts.InCluster.Namespaces = billing.MergeNamespaces(opts.InCluster.Namespaces, ns)
	return nil
}

// printSummary writes the summary of a run: where every row went, and a
// warning for each kind of row that did not attribute as it seems meant to.
func printSummary(w io.Writer, s billing.Summary, tagKey string) {
	fmt.Fprintf(w, "Summary: %s summed from %s; billed %s; attributed %s; unattributed %s\n",
		plural(s.Rows, "row"), plural(int64(s.Files), "file"), money(s.BilledCost), money(s.AttributedCost), money(s.UnattributedCost))
	if len(s.InClusterCost) > 0 {
		fmt.Fprintf(w, "In-cluster: %s of the attributed cost is the spaces' pods, moved off the nodes they ran on\n", money(s.InClusterCost))
	}
	if p := s.InvalidTag; p.Rows > 0 {
		fmt.Fprintf(w, "Warning: %s (%s) %s a %s tag whose value cannot name a space (a lower case DNS name of at most 63 characters), so %s unattributed: %s\n",
			plural(p.Rows, "row"), money(p.BilledCost), has(p.Rows), tagKey, isAre(p.Rows), quoted(p.Values))
	}
	if p := s.TagKeyCase; p.Rows > 0 {
		if s.TagKeyIgnoreCase {
			fmt.Fprintf(w, "Warning: %s (%s) %s attributed by a tag key that matches %q only ignoring case (--tag-key-ignore-case): %s\n",
				plural(p.Rows, "row"), money(p.BilledCost), wasWere(p.Rows), tagKey, quoted(p.Values))
		} else {
			fmt.Fprintf(w, "Warning: %s (%s) %s a tag key that matches %q only ignoring case, so %s unattributed; pass --tag-key-ignore-case to attribute them: %s\n",
				plural(p.Rows, "row"), money(p.BilledCost), has(p.Rows), tagKey, isAre(p.Rows), quoted(p.Values))
		}
	}
	if k := s.Skipped; k.Rows > 0 {
		unknown := ""
		if k.UnknownCostRows > 0 {
			unknown = fmt.Sprintf("; %s of unknown cost", plural(k.UnknownCostRows, "row"))
		}
		fmt.Fprintf(w, "Warning: %s skipped under --max-errors, left out of the records: %s known%s\n", plural(k.Rows, "row"), money(k.BilledCost), unknown)
	}
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func has(n int64) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

func isAre(n int64) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}

func wasWere(n int64) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// money writes a sum per currency, "USD 1.5, EUR 2"; "0" for none.
func money(m billing.Money) string {
	if len(m) == 0 {
		return "0"
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, c+" "+m[c])
	}
	return strings.Join(parts, ", ")
}

func quoted(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// dryRun plans against the cluster, or against an empty one when no
// cluster is configured at all.
func (c *IngestCmd) dryRun(ctx context.Context, log logr.Logger, w *billing.Writer, rs []v1alpha1.SpendRecord) (*billing.Plan, error) {
	kc, err := c.client()
	if errors.Is(err, errNoCluster) {
		log.Info("No cluster is configured: planning against an empty one, so every record is a creation")
		return w.PlanOffline(rs)
	}
	if err != nil {
		return nil, err
	}
	w.Client = kc
	return w.Plan(ctx, rs)
}

func periods(p *billing.Plan) string {
	if len(p.Periods) == 0 {
		return "no period"
	}
	return strings.Join(p.Periods, ", ")
}

// jsonOutput is what --dry-run -o json prints: the plan, the records of
// the run (what the report command reads) and its summary.
type jsonOutput struct {
	*billing.Plan
	Records []v1alpha1.SpendRecord `json:"records"`
	Summary billing.Summary        `json:"summary"`
}

// printPlan prints a plan as a table, one change a line, or as JSON with
// the run's records and summary.
func printPlan(w io.Writer, format string, p *billing.Plan, rs []v1alpha1.SpendRecord, s billing.Summary) error {
	if format == "json" {
		if rs == nil {
			rs = []v1alpha1.SpendRecord{}
		}
		if err := writeJSONOutput(w, jsonOutput{Plan: p, Records: rs, Summary: s}); err != nil {
			return fmt.Errorf("cannot write the plan: %w", err)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tSPACE\tACCOUNT\tPERIOD\tCURRENCY\tBILLED\tPREVIOUS\tEFFECTIVE\tLIST\tROWS\tRESOURCES\tLAST CHARGE END")
	for i := range p.Changes {
		ch := &p.Changes[i]
		r, prev := ch.Record, "-"
		if ch.Previous != nil {
			prev = ch.Previous.BilledCost
		}
		if r == nil {
			// A deletion: the identity of what goes, no new figures.
			id := ch.Previous
			if id == nil {
				id = &v1alpha1.SpendRecord{}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t-\t%s\t-\t-\t-\t-\t-\n", ch.Action, spaceOf(id), dash(id.Account), dash(id.Period), dash(id.Currency), prev)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", ch.Action, spaceOf(r), dash(r.Account), r.Period, r.Currency, r.BilledCost, prev, r.EffectiveCost, r.ListCost, r.Rows, r.ResourceCount, dash(r.LastChargePeriodEnd))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("cannot write the plan: %w", err)
	}
	against := "against the cluster"
	if p.Offline {
		against = "against an empty cluster (none is configured)"
	}
	fmt.Fprintf(w, "Plan of %s, scope %s, %s: %s\n", periods(p), p.Scope, against, p.Stats())
	return nil
}

// writeJSONOutput writes o as json.Encoder with SetIndent("", "  ") does,
// the bytes the report command and scripts read, but the changes of the
// plan and the records one at a time, so that the output of a large ingest
// is never held in memory whole. The object is encoded with those two
// arrays empty, and each is streamed where its empty array stands: a line
// that starts with two spaces and a quote is a key of the object itself,
// as no JSON string holds a raw newline.
func writeJSONOutput(w io.Writer, o jsonOutput) error {
	plan := *o.Plan
	changes, records := plan.Changes, o.Records
	if changes != nil {
		plan.Changes = []billing.Change{}
	}
	if records != nil {
		o.Records = []v1alpha1.SpendRecord{}
	}
	o.Plan = &plan
	skel, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	// A nil array is null in the skeleton, and no key is found.
	if skel, err = streamAt(bw, skel, "changes", changes); err != nil {
		return err
	}
	if skel, err = streamAt(bw, skel, "records", records); err != nil {
		return err
	}
	_, _ = bw.Write(skel)
	_ = bw.WriteByte('\n')
	return bw.Flush()
}

// streamAt writes skel up to the empty array of key, then vs in its place,
// and returns the rest of skel. Without the key it writes nothing.
func streamAt[T any](bw *bufio.Writer, skel []byte, key string, vs []T) ([]byte, error) {
	mark := []byte("\n  \"" + key + "\": []")
	i := bytes.Index(skel, mark)
	if i < 0 {
		return skel, nil
	}
	_, _ = bw.Write(skel[:i+len(mark)-len("[]")])
	if err := writeJSONElements(bw, vs); err != nil {
		return nil, err
	}
	return skel[i+len(mark):], nil
}

// writeJSONElements writes the elements of an array that is the value of a
// key of the top object, indented as json.MarshalIndent does.
func writeJSONElements[T any](bw *bufio.Writer, vs []T) error {
	if len(vs) == 0 {
		_, _ = bw.WriteString("[]")
		return nil
	}
	_, _ = bw.WriteString("[\n")
	var buf []byte
	for i := range vs {
		b, err := json.Marshal(&vs[i])
		if err != nil {
			return err
		}
		buf = appendIndent(append(buf[:0], "    "...), b, "    ", "  ")
		_, _ = bw.Write(buf)
		if i < len(vs)-1 {
			_ = bw.WriteByte(',')
		}
		_ = bw.WriteByte('\n')
	}
	_, _ = bw.WriteString("  ]")
	return nil
}

// printWritten prints what a write that failed midway did and did not do.
func printWritten(w io.Writer, we *billing.WriteError) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tACTION\tNAME")
	for _, c := range we.Written {
		fmt.Fprintf(tw, "written\t%s\t%s\n", c.Action, c.Name)
	}
	for _, c := range we.Pending {
		result := "not written"
		if c == we.Failed {
			result = "failed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", result, c.Action, c.Name)
	}
	_ = tw.Flush()
}

func spaceOf(r *v1alpha1.SpendRecord) string {
	if r.Space == "" {
		return "(unattributed)"
	}
	return r.Space
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

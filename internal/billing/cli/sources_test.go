package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/billing"
)

// These tests drive the ingest command as a user would, over the layouts
// AWS delivers and over misbehaving servers, and look at the money.

const curHeader = "identity/LineItemId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/ResourceId,lineItem/UnblendedCost,lineItem/CurrencyCode,pricing/publicOnDemandCost,product/ProductName,resourceTags/user:cloudspace\n"

// curFile is a legacy CUR CSV of November 2026 billing team-a the costs.
func curFile(id string, costs ...string) []byte {
	var b strings.Builder
	b.WriteString(curHeader)
	for i, c := range costs {
		fmt.Fprintf(&b, "%s-%d,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,111111111111,222222222222,Usage,2026-11-02T00:00:00Z,2026-11-02T01:00:00Z,AmazonEC2,i-%s%d,%s,USD,%s,Amazon Elastic Compute Cloud,team-a\n", id, i, id, i, c, c)
	}
	return []byte(b.String())
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// versioned is a legacy CUR period delivered twice with "create new report
// version": asm-1, then asm-2, each billing team-a 375.55, and the period
// manifest naming asm-2.
func versioned(t *testing.T) map[string][]byte {
	const p = "cur/r/20261101-20261201"
	manifest, err := json.Marshal(map[string]any{
		"assemblyId":    "asm-2",
		"billingPeriod": map[string]string{"start": "20261101T000000.000Z", "end": "20261201T000000.000Z"},
		"bucket":        "billing",
		"reportKeys":    []string{p + "/asm-2/r-1.csv.gz"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		p + "/asm-1/r-1.csv.gz":      gz(t, curFile("a", "300.50", "75.05")),
		p + "/asm-2/r-1.csv.gz":      gz(t, curFile("b", "300.00", "75.55")),
		p + "/asm-2/r-Manifest.json": manifest,
		p + "/r-Manifest.json":       manifest,
	}
}

// memS3 is an in-memory billing.S3API over one bucket.
type memS3 struct {
	objects map[string][]byte
	modTime map[string]time.Time
	gets    atomic.Int32
}

func (m *memS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out := &s3.ListObjectsV2Output{}
	var keys []string
	for k := range m.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		sum := md5.Sum(m.objects[k])
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		if t, ok := m.modTime[k]; ok {
			at = t
		}
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k), Size: aws.Int64(int64(len(m.objects[k]))), ETag: aws.String(`"` + hex.EncodeToString(sum[:]) + `"`), LastModified: aws.Time(at)})
	}
	return out, nil
}

func (m *memS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b, ok := m.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, errors.New("NoSuchKey")
	}
	m.gets.Add(1)
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b)), ContentLength: aws.Int64(int64(len(b)))}, nil
}

// dryRun runs ingest --dry-run -o json with args and returns the records,
// stderr and the error. ctx bounds it, so that a hang fails the test.
func dryRun(t *testing.T, s3c billing.S3API, args ...string) ([]v1alpha1.SpendRecord, string, error) {
	t.Helper()
	ctx, c := parse(t, append([]string{"ingest", "--dry-run", "-o", "json"}, args...)...)
	_ = ctx
	var out, errOut bytes.Buffer
	c.Ingest.Stdout, c.Ingest.Stderr = &out, &errOut
	if s3c != nil {
		c.Ingest.NewS3 = func(context.Context) (billing.S3API, error) { return s3c, nil }
	}
	rctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err := c.Ingest.run(rctx)
	var got struct {
		Records []v1alpha1.SpendRecord `json:"records"`
	}
	if err == nil {
		if jerr := json.Unmarshal(out.Bytes(), &got); jerr != nil {
			t.Fatalf("ingest -o json: %v: %q", jerr, out.String())
		}
	}
	return got.Records, errOut.String(), err
}

func billed(rs []v1alpha1.SpendRecord, space string) string {
	for _, r := range rs {
		if r.Space == space {
			return r.BilledCost
		}
	}
	return ""
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for k, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIngestVersionedCUR(t *testing.T) {
	files := versioned(t)
	s3c := &memS3{objects: files}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	noManifest := &memS3{objects: map[string][]byte{}, modTime: map[string]time.Time{}}
	for k, b := range files {
		if !strings.HasSuffix(k, "Manifest.json") {
			noManifest.objects[k] = b
		}
	}
	noManifest.modTime["cur/r/20261101-20261201/asm-1/r-1.csv.gz"] = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

	type want struct {
		billed string
		err    string
		stderr string
	}
	cases := map[string]struct {
		reason string
		s3     billing.S3API
		args   []string
		want   want
	}{
		"S3PrefixManifest": {
			reason: "The issue's case: the prefix holds two versions of the period; the manifest names the current one: 375.55, not 751.1.",
			s3:     s3c,
			args:   []string{"s3://billing/cur/"},
			want:   want{billed: "375.55"},
		},
		"DirectoryManifest": {
			reason: "A local copy of the bucket reads like the prefix.",
			args:   []string{dir},
			want:   want{billed: "375.55"},
		},
		"NoManifestError": {
			reason: "Without a manifest two versions of one period are an error, and nothing is printed.",
			s3:     noManifest,
			args:   []string{"s3://billing/cur/"},
			want:   want{err: `holds 2 deliveries of 2026-11 ("asm-1": 1 file, "asm-2": 1 file) and no manifest names the current one`},
		},
		"NoManifestLatest": {
			reason: "--deliveries=latest reads the newer version and says so on stderr.",
			s3:     noManifest,
			args:   []string{"--deliveries", "latest", "s3://billing/cur/"},
			want:   want{billed: "375.55", stderr: `reading only \"asm-2\", modified last (--deliveries=latest)`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, stderr, err := dryRun(t, tc.s3, tc.args...)
			var got want
			if err != nil {
				got.err = err.Error()
				if tc.want.err != "" && strings.Contains(got.err, tc.want.err) {
					got.err = tc.want.err
				}
			}
			got.billed = billed(rs, "team-a")
			if tc.want.stderr != "" && strings.Contains(stderr, tc.want.stderr) {
				got.stderr = tc.want.stderr
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\ningest %v: -want, +got:\n%s\nstderr: %s", tc.reason, tc.args, diff, stderr)
			}
		})
	}
}

func TestIngestCountsEachFileOnce(t *testing.T) {
	dir := t.TempDir()
	a := curFile("a", "375.55")
	writeFiles(t, dir, map[string][]byte{"a.csv": a, "b.csv": a})
	cases := map[string]struct {
		reason string
		args   []string
	}{
		"SamePathTwice": {reason: "A path given twice is one source.", args: []string{filepath.Join(dir, "a.csv"), filepath.Join(dir, "a.csv")}},
		"SameContent":   {reason: "Two files with the same content are one.", args: []string{filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")}},
		"SameContentSHA256": {
			reason: "The same with SHA-256 digests.",
			args:   []string{"--digest", "sha256", filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")},
		},
		"SameContentNoDigest": {
			reason: "The same without digests in the records.",
			args:   []string{"--digest", "none", filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rs, stderr, err := dryRun(t, nil, tc.args...)
			if err != nil {
				t.Fatalf("\n%s\ningest: %v", tc.reason, err)
			}
			if got := billed(rs, "team-a"); got != "375.55" {
				t.Errorf("\n%s\ningest %v: want team-a billed 375.55, got %q", tc.reason, tc.args, got)
			}
			if !strings.Contains(stderr, "WARNING") {
				t.Errorf("\n%s\ningest %v: want a warning naming the duplicate on stderr, got %q", tc.reason, tc.args, stderr)
			}
		})
	}
}

func TestIngestZipCUR(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("r-1.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(curFile("z", "300.50", "75.05")); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"r-1.csv.zip": buf.Bytes()})
	s3c := &memS3{objects: map[string][]byte{"cur/r/20261101-20261201/r-1.csv.zip": buf.Bytes()}}
	for name, args := range map[string][]string{"File": {filepath.Join(dir, "r-1.csv.zip")}, "S3Prefix": {"s3://billing/cur/"}} {
		t.Run(name, func(t *testing.T) {
			rs, _, err := dryRun(t, s3c, args...)
			if err != nil {
				t.Fatalf("ingest %v: %v", args, err)
			}
			if got := billed(rs, "team-a"); got != "375.55" {
				t.Errorf("ingest %v: want team-a billed 375.55, got %q", args, got)
			}
		})
	}
}

func TestIngestNetworkSources(t *testing.T) {
	var rows strings.Builder
	rows.WriteString(curHeader)
	for i := range 54 {
		fmt.Fprintf(&rows, "r%d,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,111111111111,222222222222,Usage,2026-11-02T00:00:00Z,2026-11-02T01:00:00Z,AmazonEC2,i-%d,1,USD,1,Amazon Elastic Compute Cloud,team-a\n", i, i)
	}
	data := rows.String()
	// Inside the last cell of row 37 (its tag): the row keeps all its
	// columns, so only the missing final newline tells the cut.
	cut := strings.Index(data, "r37,") - len("am-a\n")
	lineEnd := strings.Index(data, "r36,")
	var unavailable atomic.Int32
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	mux := http.NewServeMux()
	closeAfter := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			conn, bw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = bw.WriteString("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
			_ = bw.Flush()
			_ = conn.Close()
		}
	}
	mux.HandleFunc("/cut.csv", closeAfter(data[:cut]))
	mux.HandleFunc("/cut-at-line-end.csv", closeAfter(data[:lineEnd]))
	mux.HandleFunc("/never.csv", func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/stall.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = io.WriteString(w, data[:cut])
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/busy.csv", func(w http.ResponseWriter, _ *http.Request) {
		if unavailable.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, data)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	fast := []string{"--response-header-timeout", "300ms", "--idle-timeout", "300ms", "--retries", "2", "--retry-max-delay", "10ms"}

	type want struct {
		billed  string
		err     string
		warning bool
	}
	cases := map[string]struct {
		reason string
		args   []string
		want   want
	}{
		"CutWithoutLength": {
			reason: "The issue's case: a body cut without Content-Length is an error, not 36 of 54 rows (and a space named by a cut tag).",
			args:   []string{srv.URL + "/cut.csv"},
			want:   want{err: "without a final newline: truncated?"},
		},
		"CutAtLineEndWithoutLength": {
			reason: "A cut exactly at a line end, without a length, cannot be told from the end: it is read, with a warning that says so.",
			args:   []string{srv.URL + "/cut-at-line-end.csv"},
			want:   want{billed: "36", warning: true},
		},
		"NeverAnswers": {
			reason: "A server that never answers fails within the timeouts, not never.",
			args:   append(slices.Clone(fast), srv.URL+"/never.csv"),
			want:   want{err: "timeout awaiting response headers (gave up after 3 attempts)"},
		},
		"Stalls": {
			reason: "A body that stalls fails by the idle timeout.",
			args:   append(slices.Clone(fast), srv.URL+"/stall.csv"),
			want:   want{err: "(idle timeout)"},
		},
		"Unavailable": {
			reason: "503 twice, then the file: retried and read whole.",
			args:   append(slices.Clone(fast), srv.URL+"/busy.csv"),
			want:   want{billed: "54"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			rs, stderr, err := dryRun(t, nil, tc.args...)
			got := want{warning: strings.Contains(stderr, `"msg"="WARNING" "warning"="\"`+srv.URL+`/cut-at-line-end.csv\": the server sent neither`)}
			if err != nil {
				got.err = err.Error()
				if tc.want.err != "" && strings.Contains(got.err, tc.want.err) {
					got.err = tc.want.err
				}
			}
			got.billed = billed(rs, "team-a")
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\ningest %v: -want, +got:\n%s", tc.reason, tc.args, diff)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("\n%s\ningest %v took %s", tc.reason, tc.args, d)
			}
		})
	}
}

func TestControllerSourcesHaveTimeouts(t *testing.T) {
	// The controller lists and reads its sources with the same code and
	// flags as ingest: a stalled server fails a run, it does not hang the
	// controller.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = io.WriteString(w, curHeader)
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	_, c := parse(t, "controller", "--source", srv.URL+"/cur.csv", "--idle-timeout", "200ms", "--retries", "0")
	cc := &c.Controller
	cc.Stderr = &bytes.Buffer{}
	opts, err := cc.ingestOptions(cc.logger())
	if err != nil {
		t.Fatal(err)
	}
	s := runtime.NewScheme()
	if err := billing.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	sched, err := cc.scheduler(opts, &billing.Writer{Client: fake.NewClientBuilder().WithScheme(s).Build()}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err = sched.RunOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "(idle timeout)") {
		t.Errorf("RunOnce(stalled source): want an idle timeout error, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("RunOnce(stalled source) took %s", d)
	}
}

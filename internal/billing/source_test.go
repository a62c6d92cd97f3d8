package billing

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cloudspace-dev/cloudspace/apis/billing/v1alpha1"
)

// fakeS3 is a minimal in-process S3: path-style GetObject and ListObjectsV2
// over objects held in memory. It listens on loopback only.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte    // "bucket/key"
	modTime map[string]time.Time // "bucket/key"; default fakeS3Time
	auth    []string             // Authorization headers seen
	gets    map[string]int       // GETs of each object
	// intercept, when set, may answer a request itself (returning true)
	// before the store does. It runs without the lock held.
	intercept func(w http.ResponseWriter, r *http.Request) bool
}

var fakeS3Time = time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)

type listObject struct {
	Key          string `xml:"Key"`
	Size         int    `xml:"Size"`
	ETag         string `xml:"ETag"`
	LastModified string `xml:"LastModified"`
}

type listResult struct {
	XMLName     xml.Name     `xml:"ListBucketResult"`
	Name        string       `xml:"Name"`
	Prefix      string       `xml:"Prefix"`
	KeyCount    int          `xml:"KeyCount"`
	IsTruncated bool         `xml:"IsTruncated"`
	Contents    []listObject `xml:"Contents"`
}

func etag(b []byte) string {
	s := md5.Sum(b)
	return `"` + hex.EncodeToString(s[:]) + `"`
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.intercept != nil && f.intercept(w, r) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	if r.Method != http.MethodGet {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	if key == "" && r.URL.Query().Get("list-type") == "2" {
		prefix := r.URL.Query().Get("prefix")
		res := listResult{Name: bucket, Prefix: prefix}
		var keys []string
		for k := range f.objects {
			b, o, _ := strings.Cut(k, "/")
			if b == bucket && strings.HasPrefix(o, prefix) {
				keys = append(keys, o)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			b := f.objects[bucket+"/"+k]
			res.Contents = append(res.Contents, listObject{Key: k, Size: len(b), ETag: etag(b), LastModified: f.mtime(bucket + "/" + k).Format(time.RFC3339)})
		}
		res.KeyCount = len(keys)
		w.Header().Set("Content-Type", "application/xml")
		_ = xml.NewEncoder(w).Encode(res)
		return
	}
	b, ok := f.objects[path]
	if !ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>`))
		return
	}
	if f.gets == nil {
		f.gets = map[string]int{}
	}
	f.gets[path]++
	w.Header().Set("ETag", etag(b))
	w.Header().Set("Last-Modified", f.mtime(path).Format(http.TimeFormat))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (f *fakeS3) mtime(k string) time.Time {
	if t, ok := f.modTime[k]; ok {
		return t
	}
	return fakeS3Time
}

// newFakeS3Client returns the real SDK client, with the default credential
// chain fed from the environment, talking to f.
func newFakeS3Client(t *testing.T, f *fakeS3, n NetOptions) (S3API, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	c, err := NewS3Client(t.Context(), "eu-west-1", srv.URL, n)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestS3Source(t *testing.T) {
	plain := readFile(t, "testdata/focus-1.2.csv")
	fs := &fakeS3{objects: map[string][]byte{
		"billing/focus/2026-11/part-1.csv.gz": gzipBytes(t, plain),
		"billing/focus/2026-11/manifest.json": []byte("{}"),
		"billing/other/x.csv":                 []byte("junk"),
	}}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	// The default credential chain, from the environment.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	c, err := NewS3Client(t.Context(), "eu-west-1", srv.URL, NetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	srcs, err := ParseSource(t.Context(), "s3://billing/focus/", SourceOptions{S3: c})
	if err != nil {
		t.Fatalf("ParseSource(prefix): %v", err)
	}
	var uris []string
	for _, s := range srcs {
		uris = append(uris, s.URI())
	}
	if diff := cmp.Diff([]string{"s3://billing/focus/2026-11/part-1.csv.gz"}, uris); diff != "" {
		t.Errorf("ParseSource(prefix): -want data objects only, +got:\n%s", diff)
	}
	res, err := Ingest(t.Context(), srcs, Options{})
	if err != nil {
		t.Fatalf("Ingest(s3): %v", err)
	}
	want := focusWant(v1alpha1.Source{URI: "s3://billing/focus/2026-11/part-1.csv.gz", Format: "focus", SHA256: digest(t, fs.objects["billing/focus/2026-11/part-1.csv.gz"])})
	if diff := cmp.Diff(want, res.Records); diff != "" {
		t.Errorf("Ingest(s3): -want, +got:\n%s", diff)
	}
	if !strings.Contains(fs.auth[0], "Credential=AKIDEXAMPLE/") {
		t.Errorf("S3 requests must be signed with the default chain's credentials, got %q", fs.auth[0])
	}

	_, err = Ingest(t.Context(), []Source{S3Source{Client: c, Bucket: "billing", Key: "missing.csv"}}, Options{})
	if err == nil || !strings.Contains(err.Error(), `cannot get "s3://billing/missing.csv"`) {
		t.Errorf("Ingest(missing object): want a get error, got %v", err)
	}
}

func TestHTTPSource(t *testing.T) {
	plain := readFile(t, "testdata/focus-1.2.csv")
	par := focusFixtureAsParquet(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/focus.csv", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(plain) })
	mux.HandleFunc("/focus.parquet", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(par) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	cases := map[string]struct {
		reason string
		url    string
		want   []v1alpha1.SpendRecord
		err    string
	}{
		"CSV": {
			reason: "A CSV over HTTP streams; the URI drops the query, which may hold a signature.",
			url:    srv.URL + "/focus.csv?X-Amz-Signature=secret",
			want:   focusWant(v1alpha1.Source{URI: srv.URL + "/focus.csv", Format: "focus", SHA256: digest(t, plain)}),
		},
		"Parquet": {
			reason: "A Parquet file over HTTP is spooled to a temporary file and read.",
			url:    srv.URL + "/focus.parquet",
			want:   focusWant(v1alpha1.Source{URI: srv.URL + "/focus.parquet", Format: "focus", SHA256: digest(t, par)}),
		},
		"NotFound": {
			reason: "A status other than 200 rejects the file.",
			url:    srv.URL + "/missing.csv",
			err:    "404 Not Found",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srcs, err := ParseSource(t.Context(), tc.url, SourceOptions{HTTP: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Ingest(t.Context(), srcs, Options{TempDir: t.TempDir()})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("\n%s\nIngest(...): want error containing %q, got %v", tc.reason, tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, res.Records, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

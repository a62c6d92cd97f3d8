package billing

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The servers below listen on loopback only. Timeouts are short so that a
// hang shows as a failure within seconds; the waits between attempts are
// recorded, not slept.

// netFixture is a FOCUS file of 54 rows, billing team-a 1.5 each.
func netFixture() []byte {
	var b strings.Builder
	b.WriteString(focusHeader)
	for i := range 54 {
		b.WriteString(focusRow(map[int]string{12: fmt.Sprintf("i-%02d", i)}))
	}
	return []byte(b.String())
}

// waits records the waits between attempts instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return nil
}

func fastNet(w *waits) NetOptions {
	return NetOptions{
		ConnectTimeout:        time.Second,
		ResponseHeaderTimeout: 300 * time.Millisecond,
		IdleTimeout:           300 * time.Millisecond,
		MaxAttempts:           4,
		MaxRetryDelay:         5 * time.Second,
		BaseRetryDelay:        time.Millisecond,
		sleep:                 w.sleep,
	}
}

// hijack writes raw bytes on the connection and closes it.
func hijack(t *testing.T, w http.ResponseWriter, raw string) {
	conn, bw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	_, _ = bw.WriteString(raw)
	_ = bw.Flush()
	_ = conn.Close()
}

func TestHTTPSourceNetwork(t *testing.T) {
	data := netFixture()
	cut := len(data) * 2 / 3
	var hits sync.Map // path: *atomic.Int32
	count := func(r *http.Request) int32 {
		v, _ := hits.LoadOrStore(r.URL.Path, &atomic.Int32{})
		c, _ := v.(*atomic.Int32)
		return c.Add(1)
	}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	mux := http.NewServeMux()
	mux.HandleFunc("/never-answers.csv", func(_ http.ResponseWriter, r *http.Request) {
		count(r)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/stalls.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data[:cut])
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/throttled.csv", func(w http.ResponseWriter, r *http.Request) {
		if count(r) == 1 {
			w.Header().Set("Retry-After", "2")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write(data)
	})
	mux.HandleFunc("/unavailable.csv", func(w http.ResponseWriter, r *http.Request) {
		if count(r) <= 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write(data)
	})
	mux.HandleFunc("/down.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/long-retry-after.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "come back later", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/missing.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		http.NotFound(w, r)
	})
	mux.HandleFunc("/cut-with-length.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		hijack(t, w, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(data), data[:cut]))
	})
	mux.HandleFunc("/cut-chunked.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		_, _ = w.Write(data[:cut])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // the connection closes without the last chunk
	})
	mux.HandleFunc("/cut-no-length.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		hijack(t, w, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"+string(data[:cut]))
	})
	mux.HandleFunc("/whole-no-length.csv", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		hijack(t, w, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"+string(data))
	})
	mux.HandleFunc("/cut-no-length.csv.gz", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		gz := gzipBytes(t, data)
		hijack(t, w, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"+string(gz[:len(gz)-20]))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	type want struct {
		billed   string
		err      string
		requests int32
		waits    int
		minWait  time.Duration
		warnings int
	}
	cases := map[string]struct {
		reason string
		path   string
		want   want
	}{
		"NeverAnswers": {
			reason: "A server that accepts and never answers fails by the response header timeout, after every attempt.",
			path:   "/never-answers.csv",
			want:   want{err: `cannot ingest "%s/never-answers.csv": cannot get "%[1]s/never-answers.csv": net/http: timeout awaiting response headers (gave up after 4 attempts)`, requests: 4, waits: 3},
		},
		"StallsMidBody": {
			reason: "A body that stops sending fails by the idle timeout, naming the bytes read; it is not retried midway.",
			path:   "/stalls.csv",
			want:   want{err: `cannot ingest "%s/stalls.csv": cannot read "%[1]s/stalls.csv": no data for 300ms after ` + strconv.Itoa(cut) + ` bytes (idle timeout)`, requests: 1},
		},
		"TooManyRequests": {
			reason: "429 with Retry-After is retried after the wait the server asked for.",
			path:   "/throttled.csv",
			want:   want{billed: "81", requests: 2, waits: 1, minWait: 2 * time.Second},
		},
		"Unavailable": {
			reason: "503 three times, then 200: read whole.",
			path:   "/unavailable.csv",
			want:   want{billed: "81", requests: 4, waits: 3},
		},
		"Down": {
			reason: "503 on every attempt fails after the bounded attempts.",
			path:   "/down.csv",
			want:   want{err: `cannot ingest "%s/down.csv": cannot get "%[1]s/down.csv": 503 Service Unavailable (gave up after 4 attempts)`, requests: 4, waits: 3},
		},
		"RetryAfterTooLong": {
			reason: "A Retry-After longer than the retry max delay fails at once rather than hang for an hour.",
			path:   "/long-retry-after.csv",
			want:   want{err: `cannot ingest "%s/long-retry-after.csv": cannot get "%[1]s/long-retry-after.csv": 503 Service Unavailable: the server asks to retry after 1h0m0s, longer than the retry max delay 5s`, requests: 1},
		},
		"NotFound": {
			reason: "404 is not retried.",
			path:   "/missing.csv",
			want:   want{err: `cannot ingest "%s/missing.csv": cannot get "%[1]s/missing.csv": 404 Not Found`, requests: 1},
		},
		"CutWithContentLength": {
			reason: "A body shorter than its Content-Length fails, naming the bytes read and expected.",
			path:   "/cut-with-length.csv",
			want:   want{err: `cannot ingest "%s/cut-with-length.csv": cannot read "%[1]s/cut-with-length.csv": truncated: read ` + strconv.Itoa(cut) + ` of ` + strconv.Itoa(len(data)) + ` bytes (truncated file?)`, requests: 1},
		},
		"CutChunked": {
			reason: "A chunked body closed without its last chunk fails (Go's client sees io.ErrUnexpectedEOF).",
			path:   "/cut-chunked.csv",
			want:   want{err: `cannot ingest "%s/cut-chunked.csv": cannot read "%[1]s/cut-chunked.csv": truncated after ` + strconv.Itoa(cut) + ` bytes: unexpected EOF (truncated file?)`, requests: 1},
		},
		"CutWithoutLength": {
			reason: "A body ended by closing the connection, with no length, fails when its last line has no newline.",
			path:   "/cut-no-length.csv",
			want:   want{err: `cannot ingest "%s/cut-no-length.csv": cannot read "%[1]s/cut-no-length.csv": the server sent neither a Content-Length nor chunked encoding, and the body ends after ` + strconv.Itoa(cut) + ` bytes without a final newline: truncated?`, requests: 1},
		},
		"WholeWithoutLength": {
			reason: "A whole body without a length is read, with a warning that its length could not be verified.",
			path:   "/whole-no-length.csv",
			want:   want{billed: "81", requests: 1, warnings: 1},
		},
		"GzipCutWithoutLength": {
			reason: "A gzip body cut without a length fails by its missing trailer.",
			path:   "/cut-no-length.csv.gz",
			want:   want{err: `cannot ingest "%s/cut-no-length.csv.gz": unexpected EOF (truncated file?)`, requests: 1},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			w := &waits{}
			srcs, err := ParseSource(t.Context(), srv.URL+tc.path, SourceOptions{Net: fastNet(w)})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := Ingest(t.Context(), srcs, Options{})
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("\n%s\nIngest(...) took %s: the timeouts do not bound it", tc.reason, d)
			}
			var got want
			if err != nil {
				got.err = err.Error()
			} else {
				got.billed = spaceOf(res, nil, "team-a").billed
				got.warnings = len(res.Warnings)
			}
			if v, ok := hits.Load(tc.path); ok {
				c, _ := v.(*atomic.Int32)
				got.requests = c.Load()
			}
			got.waits = len(w.d)
			for _, d := range w.d {
				if d >= tc.want.minWait {
					got.minWait = tc.want.minWait
				}
			}
			if tc.want.err != "" {
				tc.want.err = fmt.Sprintf(tc.want.err, srv.URL)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nIngest(%s): -want, +got:\n%s", tc.reason, tc.path, diff)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		reason string
		h      string
		want   time.Duration
	}{
		"Seconds":  {reason: "Delay-seconds.", h: "120", want: 2 * time.Minute},
		"Date":     {reason: "An HTTP date.", h: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second},
		"PastDate": {reason: "A date past is no wait.", h: now.Add(-time.Hour).Format(http.TimeFormat), want: 0},
		"Garbage":  {reason: "An unreadable header is no wait.", h: "soon", want: 0},
		"Negative": {reason: "A negative delay is no wait.", h: "-5", want: 0},
		"Absent":   {reason: "No header, no wait.", want: 0},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, retryAfter(tc.h, now)); diff != "" {
				t.Errorf("\n%s\nretryAfter(%q): -want, +got:\n%s", tc.reason, tc.h, diff)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	o := NetOptions{BaseRetryDelay: 100 * time.Millisecond, MaxRetryDelay: time.Second}.withDefaults()
	for attempt, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		for range 100 {
			if d := o.backoff(attempt); d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, d, ceiling/2, ceiling)
			}
		}
	}
}

func TestS3SourceNetwork(t *testing.T) {
	data := gzipBytes(t, netFixture())
	cut := len(data) / 2
	const key = "billing/cur/r/20261101-20261201/r-1.csv.gz"
	var gets atomic.Int32
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	type want struct {
		billed string
		err    string
		gets   int32
	}
	cases := map[string]struct {
		reason    string
		intercept func(w http.ResponseWriter, r *http.Request, n int32) bool
		want      want
	}{
		"SlowDown": {
			reason: "S3 SlowDown (503) twice, then the object: the SDK's retryer retries the GET.",
			intercept: func(w http.ResponseWriter, _ *http.Request, n int32) bool {
				if n > 2 {
					return false
				}
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
				return true
			},
			want: want{billed: "81", gets: 3},
		},
		"AlwaysSlowDown": {
			reason: "Throttled on every attempt: the GET fails after the bounded attempts.",
			intercept: func(w http.ResponseWriter, _ *http.Request, _ int32) bool {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
				return true
			},
			want: want{err: "SlowDown", gets: 4},
		},
		"NeverAnswers": {
			reason: "A GET that never gets its headers fails by the response header timeout.",
			intercept: func(_ http.ResponseWriter, r *http.Request, _ int32) bool {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return true
			},
			want: want{err: "timeout awaiting response headers", gets: 4},
		},
		"StallsMidBody": {
			reason: "A body that stops sending fails by the idle timeout.",
			intercept: func(w http.ResponseWriter, r *http.Request, _ int32) bool {
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				_, _ = w.Write(data[:cut])
				_ = http.NewResponseController(w).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return true
			},
			want: want{err: `cannot read "s3://` + key + `": no data for 300ms after ` + strconv.Itoa(cut) + ` bytes (idle timeout)`, gets: 1},
		},
		"Truncated": {
			reason: "A body shorter than the object's size fails, naming the bytes read and expected.",
			intercept: func(w http.ResponseWriter, _ *http.Request, _ int32) bool {
				hijack(t, w, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(data), data[:cut]))
				return true
			},
			want: want{err: `cannot read "s3://` + key + `": truncated: read ` + strconv.Itoa(cut) + ` of ` + strconv.Itoa(len(data)) + ` bytes`, gets: 1},
		},
		"ChangedSinceListed": {
			reason: "An object whose size differs from the listing's changed since: a delivery in progress is not read half.",
			intercept: func(w http.ResponseWriter, _ *http.Request, _ int32) bool {
				w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
				_, _ = w.Write(append(data, 0))
				return true
			},
			want: want{err: `cannot read "s3://` + key + `": it is ` + strconv.Itoa(len(data)+1) + ` bytes but was listed with ` + strconv.Itoa(len(data)) + `: it changed since it was listed (a delivery in progress?)`, gets: 1},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			gets.Store(0)
			fs := &fakeS3{objects: map[string][]byte{key: data}}
			fs.intercept = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Query().Get("list-type") != "" {
					return false
				}
				return tc.intercept(w, r, gets.Add(1))
			}
			o := fastNet(&waits{})
			c, _ := newFakeS3Client(t, fs, o)
			srcs, err := ParseSource(t.Context(), "s3://billing/cur/", SourceOptions{S3: c, Net: o})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := Ingest(t.Context(), srcs, Options{})
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("\n%s\nIngest(...) took %s: the timeouts do not bound it", tc.reason, d)
			}
			got := want{gets: gets.Load()}
			if err != nil {
				got.err = err.Error()
				if strings.Contains(got.err, tc.want.err) {
					got.err = tc.want.err
				}
			} else {
				got.billed = spaceOf(res, nil, "team-a").billed
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("\n%s\nIngest(s3://billing/cur/): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestS3ListingRetried(t *testing.T) {
	// A listing page throttled once is retried.
	data := []byte(focusHeader + focusRow(nil))
	var lists atomic.Int32
	fs := &fakeS3{objects: map[string][]byte{"billing/focus/a.csv": data}}
	fs.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("list-type") == "" || lists.Add(1) > 1 {
			return false
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = bufio.NewWriter(w).WriteString("")
		return true
	}
	o := fastNet(&waits{})
	c, _ := newFakeS3Client(t, fs, o)
	srcs, err := ParseSource(t.Context(), "s3://billing/focus/", SourceOptions{S3: c, Net: o})
	if err != nil || len(srcs) != 1 || lists.Load() != 2 {
		t.Errorf("ParseSource(s3 prefix throttled once): want 1 source after 2 listings, got %d sources, %d listings, error %v", len(srcs), lists.Load(), err)
	}
}

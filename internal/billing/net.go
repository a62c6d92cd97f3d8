package billing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Network sources (HTTP(S) and S3) must neither hang nor end early without
// an error. Each has three timeouts: connecting (TCP and TLS), waiting for
// the response headers, and waiting for the next bytes of the body (the
// idle timeout, per read: a large export may take long as a whole, but it
// never stalls). Opening a source is retried with exponential backoff and
// jitter when the failure may pass: a connection error or timeout before
// the response, HTTP 408, 429, 500, 502, 503 and 504, S3 SlowDown and the
// other throttling codes of the AWS SDK. A Retry-After header is honoured
// up to MaxRetryDelay. A body is never retried once it has started: a read
// that fails midway fails the file, and with it the whole ingest. Every
// body is checked against the size it should have (see openBody).

// Defaults of NetOptions.
const (
	DefaultConnectTimeout        = 10 * time.Second
	DefaultResponseHeaderTimeout = time.Minute
	DefaultIdleTimeout           = time.Minute
	DefaultMaxAttempts           = 5
	DefaultMaxRetryDelay         = 30 * time.Second
	DefaultBaseRetryDelay        = 500 * time.Millisecond
)

// NetOptions bound the time a network source may take and how often opening
// it is tried. Zero values take the defaults.
type NetOptions struct {
	// ConnectTimeout bounds the TCP connect and the TLS handshake.
	ConnectTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers once
	// the request is sent.
	ResponseHeaderTimeout time.Duration
	// IdleTimeout bounds each read of a response body: a body that sends
	// nothing for that long fails.
	IdleTimeout time.Duration
	// MaxAttempts is how many times opening a source (or listing a page of
	// an S3 prefix) is tried, the first try included; 1 never retries.
	MaxAttempts int
	// MaxRetryDelay caps the wait between two attempts. A server asking to
	// wait longer (Retry-After) fails the source at once.
	MaxRetryDelay time.Duration
	// BaseRetryDelay is the wait ceiling before the second attempt; it
	// doubles with every attempt up to MaxRetryDelay. The wait is drawn
	// between half the ceiling and the ceiling.
	BaseRetryDelay time.Duration

	// sleep replaces the wait between attempts in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

func (o NetOptions) withDefaults() NetOptions {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxRetryDelay <= 0 {
		o.MaxRetryDelay = DefaultMaxRetryDelay
	}
	if o.BaseRetryDelay <= 0 {
		o.BaseRetryDelay = min(DefaultBaseRetryDelay, o.MaxRetryDelay)
	}
	if o.sleep == nil {
		o.sleep = sleepCtx
	}
	return o
}

// backoff returns the wait before attempt+1, attempt counting from 1.
func (o NetOptions) backoff(attempt int) time.Duration {
	ceiling := o.MaxRetryDelay
	if attempt < 32 {
		ceiling = min(o.MaxRetryDelay, o.BaseRetryDelay<<(attempt-1))
	}
	half := ceiling / 2
	return half + rand.N(ceiling-half+1) //nolint:gosec // G404: retry jitter needs no cryptographic randomness.
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewHTTPClient returns an HTTP client with the connect and response header
// timeouts of o and the proxy of the environment. It has no overall
// timeout: the idle timeout bounds a body read by read.
func NewHTTPClient(o NetOptions) *http.Client {
	o = o.withDefaults()
	d := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          16,
	}}
}

// retryable marks an error of one attempt that a later attempt may not
// meet. after is the wait the server asked for, 0 when it did not.
type retryable struct {
	err   error
	after time.Duration
}

func (e *retryable) Error() string { return e.err.Error() }
func (e *retryable) Unwrap() error { return e.err }

// withRetries calls op until it succeeds, fails with an error that is not
// retryable, or has been tried o.MaxAttempts times.
func withRetries(ctx context.Context, o NetOptions, op func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		var re *retryable
		if err == nil || !errors.As(err, &re) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt >= o.MaxAttempts {
			if attempt == 1 {
				return re.err
			}
			return fmt.Errorf("%w (gave up after %d attempts)", re.err, attempt)
		}
		d := o.backoff(attempt)
		if re.after > o.MaxRetryDelay {
			return fmt.Errorf("%w: the server asks to retry after %s, longer than the retry max delay %s", re.err, re.after, o.MaxRetryDelay)
		}
		d = max(d, re.after)
		if err := o.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// retryableStatus reports whether an HTTP status may pass on a retry.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header: seconds or an HTTP date. now is
// the clock for dates.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// retryableNetError reports whether an error of a request that got no
// response may pass on a retry: a timeout, a refused or reset connection,
// or a connection closed before the response.
func retryableNetError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// IdleTimeoutError is a body that sent nothing for the idle timeout.
type IdleTimeoutError struct {
	URI  string
	Idle time.Duration
	Read int64
}

func (e *IdleTimeoutError) Error() string {
	return fmt.Sprintf("cannot read %q: no data for %s after %d bytes (idle timeout)", e.URI, e.Idle, e.Read)
}

// Timeout reports that the error is a timeout.
func (e *IdleTimeoutError) Timeout() bool { return true }

// idleReader fails a body whose Read blocks longer than d, by cancelling
// the context of its request: the transport then closes the connection
// and the blocked Read returns. Only time spent inside Read counts, so a
// slow consumer is not mistaken for a stalled server.
type idleReader struct {
	r      io.ReadCloser
	d      time.Duration
	uri    string
	cancel context.CancelFunc
	timer  *time.Timer
	fired  atomic.Bool
	n      int64
}

func newIdleReader(r io.ReadCloser, d time.Duration, cancel context.CancelFunc, uri string) *idleReader {
	ir := &idleReader{r: r, d: d, uri: uri, cancel: cancel}
	ir.timer = time.AfterFunc(d, func() {
		ir.fired.Store(true)
		cancel()
	})
	ir.timer.Stop()
	return ir
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if ir.fired.Load() {
		return 0, &IdleTimeoutError{URI: ir.uri, Idle: ir.d, Read: ir.n}
	}
	ir.timer.Reset(ir.d)
	n, err := ir.r.Read(p)
	ir.timer.Stop()
	ir.n += int64(n)
	if ir.fired.Load() {
		return n, &IdleTimeoutError{URI: ir.uri, Idle: ir.d, Read: ir.n}
	}
	return n, err
}

func (ir *idleReader) Close() error {
	ir.timer.Stop()
	err := ir.r.Close()
	ir.cancel()
	return err
}

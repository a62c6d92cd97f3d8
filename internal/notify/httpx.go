package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Policy bounds the calls of a channel.
type Policy struct {
	// Timeout of one HTTP request. Default 10s.
	Timeout time.Duration
	// MaxElapsed bounds all attempts of one operation, waits included.
	// Default 2m.
	MaxElapsed time.Duration
	// InitialInterval and MaxInterval of the exponential backoff between
	// attempts (randomised by half either way). Default 500ms and 30s.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxRetryAfter is the longest wait a rate limit (429 with
	// Retry-After) is honoured for within an operation; a longer one ends
	// the operation, and the controller comes back after it. Default 1m.
	MaxRetryAfter time.Duration
	// SearchLag is how long a channel's search may lag behind its writes
	// (Jira's JQL search is eventually consistent): a create that may have
	// taken effect (a timeout, a 5xx) is searched for again only after it.
	// Default 30s.
	SearchLag time.Duration
}

func (p Policy) withDefaults() Policy {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&p.Timeout, 10*time.Second)
	def(&p.MaxElapsed, 2*time.Minute)
	def(&p.InitialInterval, 500*time.Millisecond)
	def(&p.MaxInterval, 30*time.Second)
	def(&p.MaxRetryAfter, time.Minute)
	def(&p.SearchLag, 30*time.Second)
	return p
}

// ErrGone is the error of an operation on a ticket that no longer exists
// at the channel (deleted by hand).
var ErrGone = errors.New("ticket not found at the channel")

// Error is a failed call to a channel.
type Error struct {
	// Op is the operation: create, comment, search, ...
	Op string
	// Status is the HTTP status, zero when there was no response.
	Status int
	// Code and Msg are the provider's error code and message, if any.
	Code int
	Msg  string
	// Retryable: the call may succeed when repeated (timeouts, 429, 5xx).
	Retryable bool
	// RetryAfter is how long the channel asked to wait.
	RetryAfter time.Duration
	// Auth: the channel refused the credentials.
	Auth bool
	// Gone: the ticket does not exist.
	Gone bool
	// Err is the cause.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot %s", e.Op)
	switch {
	case e.Status != 0:
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
		if e.Code != 0 {
			fmt.Fprintf(&b, " code %d", e.Code)
		}
		if e.Msg != "" {
			fmt.Fprintf(&b, ": %s", e.Msg)
		}
	case e.Code != 0:
		fmt.Fprintf(&b, ": code %d: %s", e.Code, e.Msg)
	case e.Msg != "":
		fmt.Fprintf(&b, ": %s", e.Msg)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes a Gone error ErrGone.
func (e *Error) Is(target error) bool { return target == ErrGone && e.Gone }

// Ambiguous reports whether a failed call may have taken effect: it timed
// out, the connection broke, or the server failed.
func (e *Error) Ambiguous() bool {
	return e.Retryable && (e.Status == 0 || e.Status >= 500 || e.Status == http.StatusRequestTimeout)
}

// RetryAfterOf returns how long a failed operation asked to wait, zero when
// it did not.
func RetryAfterOf(err error) time.Duration {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.RetryAfter
	}
	return 0
}

// response is an HTTP response, read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// maxBody bounds the response bodies read.
const maxBody = 1 << 20

// caller makes the HTTP requests of one channel: it times them, bounds
// them and retries them.
type caller struct {
	// channel is the channel type, the metrics' label.
	channel string
	http    *http.Client
	policy  Policy
	metrics *Metrics
}

func newCaller(channel string, hc *http.Client, p Policy, m *Metrics) caller {
	if hc == nil {
		hc = http.DefaultClient
	}
	return caller{channel: channel, http: hc, policy: p.withDefaults(), metrics: m}
}

// request sends one request with the per-request timeout and reads the
// response. A transport failure (connection refused, reset, timeout) is a
// retryable *Error; any response is returned as it is.
func (c *caller) request(ctx context.Context, op, method, url string, header http.Header, body []byte) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.policy.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	maps.Copy(req.Header, header)
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	rsp, err := c.http.Do(req)
	if c.metrics != nil {
		c.metrics.Duration.WithLabelValues(c.channel, op).Observe(time.Since(start).Seconds())
	}
	if err != nil {
		return nil, &Error{Op: op, Retryable: true, Err: err}
	}
	defer rsp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(rsp.Body, maxBody))
	if err != nil {
		return nil, &Error{Op: op, Status: rsp.StatusCode, Retryable: true, Err: fmt.Errorf("cannot read response: %w", err)}
	}
	return &response{Status: rsp.StatusCode, Header: rsp.Header, Body: b}, nil
}

// statusError classifies a response by its HTTP status: nil for 2xx;
// retryable for 408, 429 and 5xx (with the wait the channel asked for);
// Auth for 401 and 403; Gone for 404 and 410; else permanent.
func statusError(op string, r *response, msg string) error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	e := &Error{Op: op, Status: r.Status, Msg: msg}
	switch {
	case r.Status == http.StatusTooManyRequests || r.Status == http.StatusRequestTimeout || r.Status >= 500:
		e.Retryable, e.RetryAfter = true, retryAfter(r.Header, time.Now())
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		e.Auth = true
	case r.Status == http.StatusNotFound || r.Status == http.StatusGone:
		e.Gone = true
	}
	return e
}

// retryAfter reads the wait a response asks for: Retry-After in seconds or
// as an HTTP date, or Feishu's x-ogw-ratelimit-reset in seconds.
func retryAfter(h http.Header, now time.Time) time.Duration {
	for _, k := range []string{"Retry-After", "X-Ogw-Ratelimit-Reset"} {
		v := strings.TrimSpace(h.Get(k))
		if v == "" {
			continue
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	return 0
}

// waitThenError makes backoff wait d before the next attempt while keeping the
// cause.
type waitThenError struct {
	d   time.Duration
	err error
}

func (w *waitThenError) Error() string { return w.err.Error() }
func (w *waitThenError) Unwrap() []error {
	return []error{&backoff.RetryAfterError{Duration: w.d}, w.err}
}

// retry runs op until it succeeds, fails for good or the policy's
// MaxElapsed passes, with exponential backoff and jitter between attempts
// and the waits rate limits ask for. op is told its attempt number, from 1.
func (c *caller) retry(ctx context.Context, op func(attempt int) error) error {
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval, eb.MaxInterval = c.policy.InitialInterval, c.policy.MaxInterval
	attempt := 0
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		attempt++
		err := op(attempt)
		if err == nil {
			return struct{}{}, nil
		}
		var e *Error
		if !errors.As(err, &e) || !e.Retryable || e.RetryAfter > c.policy.MaxRetryAfter {
			return struct{}{}, backoff.Permanent(err)
		}
		if e.RetryAfter > 0 {
			return struct{}{}, &waitThenError{d: e.RetryAfter, err: err}
		}
		return struct{}{}, err
	}, backoff.WithBackOff(eb), backoff.WithMaxElapsedTime(c.policy.MaxElapsed))
	if w, ok := errors.AsType[*waitThenError](err); ok {
		return w.err
	}
	return err
}

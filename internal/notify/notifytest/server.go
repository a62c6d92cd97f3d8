// Package notifytest serves loopback stand-ins for the channels of package
// notify: Jira Cloud's REST API v3, Feishu's open API (auth v3 and task
// v2) and a webhook receiver. Each speaks the documented request and
// response shapes, checks what it receives (paths, authentication,
// bodies) and answers as the real service does, errors included; each
// records every request and can be told to fail the next ones (throttling,
// server errors, timeouts, lost responses).
package notifytest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Request is a request a server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Fault is true when the server answered with an injected fault.
	Fault bool
}

// JSON decodes the request's body.
func (r Request) JSON() map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// Fault is an injected answer.
type Fault struct {
	// Status and Header and Body of the answer.
	Status int
	Header http.Header
	Body   string
	// Delay before answering, or until the client gives up.
	Delay time.Duration
	// Apply: the request takes effect before the fault is answered, as
	// when a response is lost.
	Apply bool
}

type faultRule struct {
	method, prefix string
	f              Fault
}

// base is what every server shares: the request log and the faults.
type base struct {
	*httptest.Server

	mu       sync.Mutex
	requests []Request
	faults   []faultRule
}

// Fail makes the next request of method (any when empty) whose path starts
// with prefix answer f instead; call it n times to fail n requests.
func (b *base) Fail(method, prefix string, f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.faults = append(b.faults, faultRule{method: method, prefix: prefix, f: f})
}

// Requests returns the requests received so far.
func (b *base) Requests() []Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Request(nil), b.requests...)
}

// Calls returns the requests of method whose path starts with prefix.
func (b *base) Calls(method, prefix string) []Request {
	var out []Request
	for _, r := range b.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// serve wraps h: it logs the request and applies the first matching
// fault.
func (b *base) serve(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
		b.mu.Lock()
		var f *Fault
		for i, fr := range b.faults {
			if (fr.method == "" || fr.method == r.Method) && strings.HasPrefix(r.URL.Path, fr.prefix) {
				f = &fr.f
				b.faults = append(b.faults[:i], b.faults[i+1:]...)
				break
			}
		}
		req.Fault = f != nil
		b.requests = append(b.requests, req)
		b.mu.Unlock()
		if f == nil {
			h(w, r)
			return
		}
		if f.Apply {
			h(httptest.NewRecorder(), r)
		}
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		maps.Copy(w.Header(), f.Header)
		if f.Status == 0 {
			f.Status = http.StatusInternalServerError
		}
		if f.Body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

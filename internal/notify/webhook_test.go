package notify

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/internal/notify/notifytest"
)

func TestWebhook(t *testing.T) {
	secret := []byte("hmac-key")
	srv := notifytest.NewWebhook(secret)
	srv.RespondID = true
	defer srv.Close()
	w := NewWebhook(srv.URL, secret, srv.Client(), testPolicy, newTestMetrics(t))
	tk := testTicket()

	// The first delivery is throttled, the second answered with a 500
	// after it was accepted: the receiver drops the third by its key.
	srv.Fail("", "/", notifytest.Fault{Status: http.StatusTooManyRequests, Header: header("Retry-After", "1")})
	srv.Fail("", "/", notifytest.Fault{Status: http.StatusInternalServerError, Apply: true})
	ref, err := w.Open(t.Context(), tk)
	if err != nil {
		t.Fatalf("Open(): %v", err)
	}
	if ref.ID == "" || ref.ID == tk.Key {
		t.Errorf("Open(): ref %+v, want the receiver's id", ref)
	}
	tk.Level = Critical
	if err := w.Comment(t.Context(), ref, tk, Worsened(tk, Warning)); err != nil {
		t.Fatalf("Comment(): %v", err)
	}
	if err := w.Resolve(t.Context(), ref, tk, Resolved(tk, ReasonHealthy)); err != nil {
		t.Fatalf("Resolve(): %v", err)
	}
	ds := srv.Deliveries()
	got := make([][2]string, len(ds))
	for i, d := range ds {
		got[i] = [2]string{d.Event, d.Key}
	}
	want := [][2]string{{EventOpened, tk.Key + "/open"}, {EventUpdated, tk.Key + "/comment/Critical"}, {EventResolved, tk.Key + "/resolve"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deliveries: -want, +got:\n%s", diff)
	}
	if srv.Duplicates() != 1 {
		t.Errorf("duplicates dropped: %d, want 1 (the retry of the delivery whose answer was lost)", srv.Duplicates())
	}
	reqs := srv.Requests()
	if len(reqs) != 5 {
		t.Errorf("%d requests, want 5", len(reqs))
	}
	for _, r := range reqs {
		ts := r.Header.Get(HeaderTimestamp)
		if _, err := strconv.ParseInt(ts, 10, 64); err != nil || r.Header.Get(HeaderSignature) != Sign(secret, ts, r.Body) {
			t.Errorf("request not signed: timestamp %q, signature %q", ts, r.Header.Get(HeaderSignature))
		}
	}
	cs, _ := ds[0].Payload["cloudspace"].(map[string]any)
	if text, _ := ds[0].Payload["text"].(string); !contains(text, "*[CloudSpace] Budget at risk: team-payments/checkout (2026-12)*", "Billed to date: 40.00 USD") ||
		cs["space"] != "checkout-x1" || cs["level"] != "Warning" || cs["describe"] != tk.Describe {
		t.Errorf("payload: %v", ds[0].Payload)
	}
	if cs, _ := ds[1].Payload["cloudspace"].(map[string]any); cs["ref"] != ref.ID {
		t.Errorf("the update must name the receiver's ref %q: %v", ref.ID, cs)
	}
}

func TestWebhookFailures(t *testing.T) {
	t.Run("BadSignature", func(t *testing.T) {
		srv := notifytest.NewWebhook([]byte("right"))
		defer srv.Close()
		w := NewWebhook(srv.URL, []byte("wrong"), srv.Client(), testPolicy, newTestMetrics(t))
		_, err := w.Open(t.Context(), testTicket())
		var e *Error
		if !errors.As(err, &e) || !e.Auth || len(srv.Requests()) != 1 {
			t.Fatalf("Open() with a wrong signing secret: %v after %d requests, want one refusal", err, len(srv.Requests()))
		}
	})
	t.Run("Gone", func(t *testing.T) {
		srv := notifytest.NewWebhook(nil)
		defer srv.Close()
		w := NewWebhook(srv.URL, nil, srv.Client(), testPolicy, newTestMetrics(t))
		tk := testTicket()
		srv.Forget(tk.Key)
		if _, err := w.Open(t.Context(), tk); err == nil || errors.Is(err, ErrGone) {
			t.Errorf("Open() answered 410: got %v, want a plain failure: a first delivery cannot be of a deleted ticket", err)
		}
		if err := w.Comment(t.Context(), Ref{ID: tk.Key}, tk, Worsened(tk, Warning)); !errors.Is(err, ErrGone) {
			t.Errorf("Comment() answered 410: got %v, want ErrGone", err)
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		srv := notifytest.NewWebhook(nil)
		defer srv.Close()
		srv.Fail("", "/", notifytest.Fault{Delay: 5 * time.Second})
		w := NewWebhook(srv.URL, nil, srv.Client(), testPolicy, newTestMetrics(t))
		if _, err := w.Open(t.Context(), testTicket()); err != nil {
			t.Fatalf("Open() after one timeout: %v", err)
		}
		if n := len(srv.Deliveries()); n != 1 {
			t.Errorf("%d deliveries, want 1", n)
		}
	})
}

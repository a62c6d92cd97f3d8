package notify

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/notify/notifytest"
)

func newJira(t *testing.T) (*notifytest.Jira, *Jira, *Metrics) {
	t.Helper()
	srv := notifytest.NewJira("bot@example.com", "api-token", "PAY")
	t.Cleanup(srv.Close)
	m := newTestMetrics(t)
	j := NewJira(v1alpha1.JiraChannel{URL: srv.URL, Project: "PAY", Labels: []string{"finops"}}, "bot@example.com", "api-token", srv.Client(), testPolicy, m)
	return srv, j, m
}

func methodPaths(rs []notifytest.Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Method + " " + r.Path
		if r.Fault {
			out[i] += " (fault)"
		}
	}
	return out
}

func TestJiraOpen(t *testing.T) {
	srv, j, m := newJira(t)
	tk := testTicket()
	ref, err := j.Open(t.Context(), tk)
	if err != nil {
		t.Fatalf("Open(): %v", err)
	}
	if ref.ID != "PAY-1" || ref.URL != srv.URL+"/browse/PAY-1" {
		t.Errorf("Open(): got %+v, want PAY-1 and its browse URL", ref)
	}
	// The same ticket again: found by its label, not created twice.
	ref2, err := j.Open(t.Context(), tk)
	if err != nil || ref2 != ref {
		t.Fatalf("Open() again: got %+v, %v; want %+v", ref2, err, ref)
	}
	want := []string{"POST /rest/api/3/search/jql", "POST /rest/api/3/issue", "POST /rest/api/3/search/jql"}
	if diff := cmp.Diff(want, methodPaths(srv.Requests())); diff != "" {
		t.Errorf("requests: -want, +got:\n%s", diff)
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("bot@example.com:api-token"))
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != auth || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: Authorization %q, Content-Type %q", r.Method, r.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"))
		}
	}
	search := srv.Calls(http.MethodPost, "/rest/api/3/search/jql")[0].JSON()
	if search["jql"] != `labels = "`+Label(tk.Key)+`"` {
		t.Errorf("search jql = %v, want the ticket's label", search["jql"])
	}
	is := srv.Issues()["PAY-1"]
	if diff := cmp.Diff([]string{Label(tk.Key), "cloudspace", "finops"}, is.Labels); diff != "" {
		t.Errorf("labels: -want, +got:\n%s", diff)
	}
	if is.Summary != "[CloudSpace] Budget at risk: team-payments/checkout (2026-12)" || is.IssueType != "Task" {
		t.Errorf("summary %q, issue type %q", is.Summary, is.IssueType)
	}
	desc := string(srv.Calls(http.MethodPost, "/rest/api/3/issue")[0].Body)
	if !contains(desc, `"type":"doc"`, `"version":1`, "Billed to date", "Amazon Elastic Compute Cloud", "kubectl describe cloudspace -n team-payments checkout", `"href":"https://console.example.com/spaces/team-payments/checkout"`) {
		t.Errorf("description lacks the figures, contributors or links: %s", desc)
	}
	if got := observations(t, m.Duration, "jira", "create"); got != 1 {
		t.Errorf("create requests timed: %d, want 1", got)
	}
}

func TestJiraOpenRetries(t *testing.T) {
	cases := map[string]struct {
		reason string
		faults []notifytest.Fault
		want   []string
	}{
		"Throttled": {
			reason: "A 429 is retried after its Retry-After.",
			faults: []notifytest.Fault{{Status: http.StatusTooManyRequests, Header: header("Retry-After", "1"), Body: `{"errorMessages":["Rate limit exceeded."]}`}},
			want:   []string{"POST /rest/api/3/search/jql", "POST /rest/api/3/issue (fault)", "POST /rest/api/3/search/jql", "POST /rest/api/3/issue"},
		},
		"ServerErrorsThenSuccess": {
			reason: "5xx answers are retried with backoff.",
			faults: []notifytest.Fault{{Status: http.StatusServiceUnavailable}, {Status: http.StatusBadGateway}},
			want: []string{"POST /rest/api/3/search/jql", "POST /rest/api/3/issue (fault)", "POST /rest/api/3/search/jql", "POST /rest/api/3/issue (fault)",
				"POST /rest/api/3/search/jql", "POST /rest/api/3/issue"},
		},
		"LostResponse": {
			reason: "A create that took effect but whose answer was lost is found by its label, not made twice.",
			faults: []notifytest.Fault{{Status: http.StatusGatewayTimeout, Apply: true}},
			want:   []string{"POST /rest/api/3/search/jql", "POST /rest/api/3/issue (fault)", "POST /rest/api/3/search/jql"},
		},
		"Timeout": {
			reason: "A create that times out (and took effect) is found on the next attempt.",
			faults: []notifytest.Fault{{Delay: 5 * time.Second, Apply: true}},
			want:   []string{"POST /rest/api/3/search/jql", "POST /rest/api/3/issue (fault)", "POST /rest/api/3/search/jql"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, j, _ := newJira(t)
			for _, f := range tc.faults {
				srv.Fail(http.MethodPost, "/rest/api/3/issue", f)
			}
			ref, err := j.Open(t.Context(), testTicket())
			if err != nil || ref.ID != "PAY-1" {
				t.Fatalf("%s\nOpen(): %+v, %v", tc.reason, ref, err)
			}
			if diff := cmp.Diff(tc.want, methodPaths(srv.Requests())); diff != "" {
				t.Errorf("%s\nrequests: -want, +got:\n%s", tc.reason, diff)
			}
			if n := len(srv.Issues()); n != 1 {
				t.Errorf("%s\n%d issues, want exactly 1", tc.reason, n)
			}
		})
	}
}

func TestJiraFailures(t *testing.T) {
	t.Run("AuthFailure", func(t *testing.T) {
		srv, _, m := newJira(t)
		j := NewJira(v1alpha1.JiraChannel{URL: srv.URL, Project: "PAY"}, "bot@example.com", "wrong", srv.Client(), testPolicy, m)
		_, err := j.Open(t.Context(), testTicket())
		var e *Error
		if !errors.As(err, &e) || !e.Auth || e.Status != http.StatusUnauthorized || !strings.Contains(e.Msg, "authenticated") {
			t.Fatalf("Open() with a wrong token: got %v, want an authentication error", err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("an authentication failure is not retried: %d requests", n)
		}
	})
	t.Run("BadProject", func(t *testing.T) {
		srv, _, m := newJira(t)
		j := NewJira(v1alpha1.JiraChannel{URL: srv.URL, Project: "NOPE"}, "bot@example.com", "api-token", srv.Client(), testPolicy, m)
		_, err := j.Open(t.Context(), testTicket())
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusBadRequest || !strings.Contains(e.Msg, "project: valid project is required") || e.Retryable {
			t.Fatalf("Open() in a missing project: got %v, want Jira's 400 with its field error", err)
		}
	})
	t.Run("GivesUp", func(t *testing.T) {
		srv, _, m := newJira(t)
		p := testPolicy
		p.MaxElapsed = 200 * time.Millisecond
		j := NewJira(v1alpha1.JiraChannel{URL: srv.URL, Project: "PAY"}, "bot@example.com", "api-token", srv.Client(), p, m)
		for range 1000 {
			srv.Fail(http.MethodPost, "/rest/api/3/search/jql", notifytest.Fault{Status: http.StatusInternalServerError})
		}
		_, err := j.Open(t.Context(), testTicket())
		var e *Error
		if !errors.As(err, &e) || !e.Retryable || e.Status != http.StatusInternalServerError {
			t.Fatalf("Open() against a failing server: got %v, want the last 500", err)
		}
		if n := len(srv.Requests()); n < 2 {
			t.Errorf("want retries before giving up, got %d requests", n)
		}
	})
	t.Run("LongRetryAfter", func(t *testing.T) {
		srv, j, _ := newJira(t)
		srv.Fail(http.MethodPost, "/rest/api/3/search/jql", notifytest.Fault{Status: http.StatusTooManyRequests, Header: header("Retry-After", "3600")})
		_, err := j.Open(t.Context(), testTicket())
		if RetryAfterOf(err) != time.Hour || len(srv.Requests()) != 1 {
			t.Fatalf("Open() told to wait an hour: got %v after %d requests, want to give up at once with the wait", err, len(srv.Requests()))
		}
	})
}

func TestJiraCommentAndResolve(t *testing.T) {
	srv, j, _ := newJira(t)
	tk := testTicket()
	ref, err := j.Open(t.Context(), tk)
	if err != nil {
		t.Fatal(err)
	}
	tk.Level = Critical
	n := Worsened(tk, Warning)
	// The first comment's answer is lost: the retry finds it by its
	// property and adds no second one.
	srv.Fail(http.MethodPost, "/rest/api/3/issue/PAY-1/comment", notifytest.Fault{Status: http.StatusBadGateway, Apply: true})
	if err := j.Comment(t.Context(), ref, tk, n); err != nil {
		t.Fatalf("Comment(): %v", err)
	}
	if err := j.Comment(t.Context(), ref, tk, n); err != nil {
		t.Fatalf("Comment() again: %v", err)
	}
	is := srv.Issues()["PAY-1"]
	if len(is.Comments) != 1 {
		t.Fatalf("%d comments, want 1", len(is.Comments))
	}
	if diff := cmp.Diff([]map[string]any{{"key": "cloudspace", "value": map[string]any{"key": n.Key}}}, is.Comments[0].Properties); diff != "" {
		t.Errorf("comment properties: -want, +got:\n%s", diff)
	}
	for _, r := range srv.Calls(http.MethodGet, "/rest/api/3/issue/PAY-1/comment") {
		if r.Query.Get("expand") != "properties" {
			t.Errorf("comments listed without their properties: %v", r.Query)
		}
	}

	res := Resolved(tk, ReasonHealthy)
	if err := j.Resolve(t.Context(), ref, tk, res); err != nil {
		t.Fatalf("Resolve(): %v", err)
	}
	if err := j.Resolve(t.Context(), ref, tk, res); err != nil {
		t.Fatalf("Resolve() again: %v", err)
	}
	is = srv.Issues()["PAY-1"]
	if is.Status != "Done" || len(is.Comments) != 2 {
		t.Errorf("after Resolve: status %q, %d comments; want Done and 2", is.Status, len(is.Comments))
	}
	tr := srv.Calls(http.MethodPost, "/rest/api/3/issue/PAY-1/transitions")
	if len(tr) != 1 || !slices.Equal([]byte(`{"transition":{"id":"31"}}`), tr[0].Body) {
		t.Errorf("transitions posted: %v, want one to Done (31)", methodPaths(tr))
	}
}

func TestJiraGone(t *testing.T) {
	srv, j, _ := newJira(t)
	tk := testTicket()
	ref, err := j.Open(t.Context(), tk)
	if err != nil {
		t.Fatal(err)
	}
	srv.Delete(ref.ID)
	if err := j.Comment(t.Context(), ref, tk, Worsened(tk, Warning)); !errors.Is(err, ErrGone) {
		t.Errorf("Comment() on a deleted issue: got %v, want ErrGone", err)
	}
	if err := j.Resolve(t.Context(), ref, tk, Resolved(tk, ReasonHealthy)); !errors.Is(err, ErrGone) {
		t.Errorf("Resolve() on a deleted issue: got %v, want ErrGone", err)
	}
}

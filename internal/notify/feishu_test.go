package notify

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/notify/notifytest"
)

func newFeishu(t *testing.T, secret string) (*notifytest.Feishu, *Feishu) {
	t.Helper()
	srv := notifytest.NewFeishu("cli_a1b2c3", "s3cret")
	t.Cleanup(srv.Close)
	f := NewFeishu(v1alpha1.FeishuChannel{URL: srv.URL, Tasklist: "tl-1", Assignees: []string{"ou_lead"}, Followers: []string{"ou_finops"}},
		"cli_a1b2c3", secret, &TokenCache{}, srv.Client(), testPolicy, newTestMetrics(t))
	return srv, f
}

func TestFeishuOpen(t *testing.T) {
	srv, f := newFeishu(t, "s3cret")
	tk := testTicket()
	ref, err := f.Open(t.Context(), tk)
	if err != nil {
		t.Fatalf("Open(): %v", err)
	}
	// A redo after a restart: the client_token returns the same task.
	ref2, err := f.Open(t.Context(), tk)
	if err != nil || ref2 != ref {
		t.Fatalf("Open() again: %+v, %v; want %+v", ref2, err, ref)
	}
	if n := len(srv.Tasks()); n != 1 {
		t.Fatalf("%d tasks, want 1", n)
	}
	want := []string{"POST /open-apis/auth/v3/tenant_access_token/internal", "POST /open-apis/task/v2/tasks", "POST /open-apis/task/v2/tasks"}
	if diff := cmp.Diff(want, methodPaths(srv.Requests())); diff != "" {
		t.Errorf("requests (one token for both calls): -want, +got:\n%s", diff)
	}
	tok := srv.Calls(http.MethodPost, "/open-apis/auth/v3/tenant_access_token/internal")[0].JSON()
	if diff := cmp.Diff(map[string]any{"app_id": "cli_a1b2c3", "app_secret": "s3cret"}, tok); diff != "" {
		t.Errorf("token request: -want, +got:\n%s", diff)
	}
	create := srv.Calls(http.MethodPost, "/open-apis/task/v2/tasks")[0]
	if !strings.HasPrefix(create.Header.Get("Authorization"), "Bearer t-") || create.Query.Get("user_id_type") != "open_id" {
		t.Errorf("create: Authorization %q, query %v", create.Header.Get("Authorization"), create.Query)
	}
	task := srv.Tasks()[ref.ID]
	if task.ClientToken != ClientToken(tk.Key) || task.Summary != tk.Title() || !strings.Contains(task.Description, "Billed to date: 40.00 USD") {
		t.Errorf("task: client_token %q, summary %q, description %q", task.ClientToken, task.Summary, task.Description)
	}
	wantMembers := []map[string]any{{"id": "ou_lead", "type": "user", "role": "assignee"}, {"id": "ou_finops", "type": "user", "role": "follower"}}
	if diff := cmp.Diff(wantMembers, task.Members); diff != "" {
		t.Errorf("members: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]map[string]any{{"tasklist_guid": "tl-1"}}, task.Tasklists); diff != "" {
		t.Errorf("tasklists: -want, +got:\n%s", diff)
	}
	if href, _ := task.Origin["href"].(map[string]any); href["url"] != tk.ClaimURL {
		t.Errorf("origin: %v, want a link to the claim", task.Origin)
	}
}

func TestFeishuRetries(t *testing.T) {
	cases := map[string]struct {
		reason string
		setup  func(*notifytest.Feishu)
		want   []string
	}{
		"RateLimited": {
			reason: "A 429 with code 99991400 waits x-ogw-ratelimit-reset and retries.",
			setup: func(s *notifytest.Feishu) {
				s.Fail(http.MethodPost, "/open-apis/task/v2/tasks", notifytest.RateLimited(1))
			},
			want: []string{"POST /open-apis/auth/v3/tenant_access_token/internal", "POST /open-apis/task/v2/tasks (fault)", "POST /open-apis/task/v2/tasks"},
		},
		"TaskTooFast": {
			reason: "The task API's own rate limit (HTTP 400, code 1470451) is retried too.",
			setup: func(s *notifytest.Feishu) {
				s.Fail(http.MethodPost, "/open-apis/task/v2/tasks", notifytest.Fault{Status: http.StatusBadRequest, Body: `{"code":1470451,"msg":"Operation requests for the same task are too frequent."}`})
			},
			want: []string{"POST /open-apis/auth/v3/tenant_access_token/internal", "POST /open-apis/task/v2/tasks (fault)", "POST /open-apis/task/v2/tasks"},
		},
		"ServerErrorThenSuccess": {
			reason: "A 500 that took effect is retried; the client_token makes the retry return the same task.",
			setup: func(s *notifytest.Feishu) {
				s.Fail(http.MethodPost, "/open-apis/task/v2/tasks", notifytest.Fault{Status: http.StatusInternalServerError, Apply: true, Body: `{"code":1470500,"msg":"internal error"}`})
			},
			want: []string{"POST /open-apis/auth/v3/tenant_access_token/internal", "POST /open-apis/task/v2/tasks (fault)", "POST /open-apis/task/v2/tasks"},
		},
		"TokenExpired": {
			reason: "An expired token (99991663) is renewed and the call retried.",
			setup:  func(s *notifytest.Feishu) {},
			want: []string{"POST /open-apis/auth/v3/tenant_access_token/internal", "POST /open-apis/task/v2/tasks",
				"POST /open-apis/task/v2/tasks", "POST /open-apis/auth/v3/tenant_access_token/internal", "POST /open-apis/task/v2/tasks"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv, f := newFeishu(t, "s3cret")
			tc.setup(srv)
			tk := testTicket()
			if name == "TokenExpired" {
				if _, err := f.Open(t.Context(), tk); err != nil {
					t.Fatal(err)
				}
				srv.ExpireTokens()
			}
			if _, err := f.Open(t.Context(), tk); err != nil {
				t.Fatalf("%s\nOpen(): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, methodPaths(srv.Requests())); diff != "" {
				t.Errorf("%s\nrequests: -want, +got:\n%s", tc.reason, diff)
			}
			if n := len(srv.Tasks()); n != 1 {
				t.Errorf("%s\n%d tasks, want 1", tc.reason, n)
			}
		})
	}
}

func TestFeishuAuthFailure(t *testing.T) {
	srv, f := newFeishu(t, "wrong")
	_, err := f.Open(t.Context(), testTicket())
	var e *Error
	if !errors.As(err, &e) || !e.Auth || e.Code != 10014 {
		t.Fatalf("Open() with a wrong app secret: got %v, want an authentication error with code 10014", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("an authentication failure is not retried: %d requests", n)
	}
}

func TestFeishuCommentResolveGone(t *testing.T) {
	srv, f := newFeishu(t, "s3cret")
	tk := testTicket()
	ref, err := f.Open(t.Context(), tk)
	if err != nil {
		t.Fatal(err)
	}
	tk.Level = Critical
	n := Worsened(tk, Warning)
	srv.Fail(http.MethodPost, "/open-apis/task/v2/comments", notifytest.Fault{Status: http.StatusBadGateway, Apply: true})
	for range 2 {
		if err := f.Comment(t.Context(), ref, tk, n); err != nil {
			t.Fatalf("Comment(): %v", err)
		}
	}
	task := srv.Tasks()[ref.ID]
	if len(task.Comments) != 1 || !strings.Contains(task.Comments[0].Content, marker(n.Key)) || !strings.HasPrefix(task.Comments[0].Content, "Worsened: Budget exceeded") {
		t.Fatalf("comments %+v, want one with the note and its marker", task.Comments)
	}
	for range 2 {
		if err := f.Resolve(t.Context(), ref, tk, Resolved(tk, ReasonMonthEnded)); err != nil {
			t.Fatalf("Resolve(): %v", err)
		}
	}
	task = srv.Tasks()[ref.ID]
	if task.CompletedAt == "0" || len(task.Comments) != 2 {
		t.Errorf("after Resolve: completed_at %q, %d comments; want completed and 2 comments", task.CompletedAt, len(task.Comments))
	}
	patches := srv.Calls(http.MethodPatch, "/open-apis/task/v2/tasks/")
	if len(patches) != 1 || !strings.Contains(string(patches[0].Body), `"update_fields":["completed_at"]`) {
		t.Errorf("patches: %d, want one of completed_at: %v", len(patches), methodPaths(patches))
	}
	srv.Delete(ref.ID)
	if err := f.Comment(t.Context(), ref, tk, Worsened(tk, Warning)); !errors.Is(err, ErrGone) {
		t.Errorf("Comment() on a deleted task: got %v, want ErrGone", err)
	}
}

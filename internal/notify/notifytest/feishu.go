package notifytest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Feishu is a Feishu open platform for one custom app, serving the
// endpoints the notifier uses: tenant_access_token (auth v3), and tasks
// and comments (task v2). Task creation is idempotent by client_token;
// every task API call needs a valid bearer token.
type Feishu struct {
	base

	AppID     string
	AppSecret string

	next     int
	tokens   map[string]bool
	tasks    map[string]*FeishuTask
	byClient map[string]string
}

const keyTask = "task"

// FeishuTask is a task of the fake platform.
type FeishuTask struct {
	GUID        string
	Summary     string
	Description string
	ClientToken string
	Extra       string
	Members     []map[string]any
	Tasklists   []map[string]any
	Origin      map[string]any
	// CompletedAt is "0" until the task is completed.
	CompletedAt string
	Comments    []FeishuComment
}

// FeishuComment is a comment on a task.
type FeishuComment struct {
	ID      string
	Content string
}

// NewFeishu starts an open platform on loopback for one app. Close it
// when done.
func NewFeishu(appID, appSecret string) *Feishu {
	f := &Feishu{AppID: appID, AppSecret: appSecret, tokens: map[string]bool{}, tasks: map[string]*FeishuTask{}, byClient: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /open-apis/auth/v3/tenant_access_token/internal", f.token)
	mux.HandleFunc("POST /open-apis/task/v2/tasks", f.auth(f.create))
	mux.HandleFunc("GET /open-apis/task/v2/tasks/{guid}", f.auth(f.get))
	mux.HandleFunc("PATCH /open-apis/task/v2/tasks/{guid}", f.auth(f.patch))
	mux.HandleFunc("POST /open-apis/task/v2/comments", f.auth(f.comment))
	mux.HandleFunc("GET /open-apis/task/v2/comments", f.auth(f.comments))
	f.Server = httptest.NewServer(f.serve(mux.ServeHTTP))
	return f
}

// RateLimited is the gateway's answer to a request over the rate limit.
func RateLimited(resetSeconds int) Fault {
	h := http.Header{}
	h.Set("X-Ogw-Ratelimit-Limit", "50")
	h.Set("X-Ogw-Ratelimit-Reset", fmt.Sprint(resetSeconds))
	return Fault{Status: http.StatusTooManyRequests, Header: h, Body: `{"code":99991400,"msg":"request trigger frequency limit"}`}
}

func feishuReply(w http.ResponseWriter, status, code int, msg string, data any) {
	rep := map[string]any{"code": code, "msg": msg}
	if data != nil {
		rep["data"] = data
	}
	writeJSON(w, status, rep)
}

func (f *Feishu) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		feishuReply(w, http.StatusBadRequest, 9499, "Bad Request", nil)
		return
	}
	if in.AppID != f.AppID || in.AppSecret != f.AppSecret {
		feishuReply(w, http.StatusBadRequest, 10014, "app secret invalid", nil)
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "t-" + hex.EncodeToString(b)
	f.mu.Lock()
	f.tokens[tok] = true
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": tok, "expire": 7200})
}

// ExpireTokens invalidates every token issued so far, as their expiry
// would.
func (f *Feishu) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

func (f *Feishu) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		valid := ok && f.tokens[tok]
		f.mu.Unlock()
		switch {
		case !ok || tok == "":
			feishuReply(w, http.StatusBadRequest, 99991661, "Missing access token for authorization. Please make a request with token attached.", nil)
		case !valid:
			feishuReply(w, http.StatusBadRequest, 99991663, "Invalid access token for authorization. Please make a request with token attached.", nil)
		case r.Method != http.MethodGet && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
			feishuReply(w, http.StatusBadRequest, 1470400, "invalid content type", nil)
		default:
			h(w, r)
		}
	}
}

func (f *Feishu) view(t *FeishuTask) map[string]any {
	return map[string]any{
		"guid": t.GUID, "task_id": "t" + t.GUID[:8], "summary": t.Summary, "description": t.Description,
		"completed_at": t.CompletedAt, "extra": t.Extra, "members": t.Members,
		"url": "https://applink.feishu.cn/client/todo/detail?guid=" + t.GUID,
	}
}

func (f *Feishu) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Summary     string           `json:"summary"`
		Description string           `json:"description"`
		ClientToken string           `json:"client_token"`
		Extra       string           `json:"extra"`
		Members     []map[string]any `json:"members"`
		Tasklists   []map[string]any `json:"tasklists"`
		Origin      map[string]any   `json:"origin"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		feishuReply(w, http.StatusBadRequest, 1470400, "invalid request body", nil)
		return
	}
	switch {
	case r.URL.Query().Get("user_id_type") != "open_id":
		feishuReply(w, http.StatusBadRequest, 1470400, "user_id_type must be open_id here", nil)
		return
	case in.Summary == "" || len([]rune(in.Summary)) > 256 || len([]rune(in.Description)) > 3000:
		feishuReply(w, http.StatusBadRequest, 1470437, "summary or description length exceed limit", nil)
		return
	}
	for _, m := range in.Members {
		if m["id"] == "" || (m["role"] != "assignee" && m["role"] != "follower") {
			feishuReply(w, http.StatusBadRequest, 1470400, "invalid member", nil)
			return
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if guid, ok := f.byClient[in.ClientToken]; ok && in.ClientToken != "" {
		feishuReply(w, http.StatusOK, 0, "success", map[string]any{keyTask: f.view(f.tasks[guid])})
		return
	}
	f.next++
	t := &FeishuTask{
		GUID: fmt.Sprintf("%08x-0000-4000-8000-%012x", f.next, f.next), Summary: in.Summary, Description: in.Description,
		ClientToken: in.ClientToken, Extra: in.Extra, Members: in.Members, Tasklists: in.Tasklists, Origin: in.Origin, CompletedAt: "0",
	}
	f.tasks[t.GUID] = t
	if in.ClientToken != "" {
		f.byClient[in.ClientToken] = t.GUID
	}
	feishuReply(w, http.StatusOK, 0, "success", map[string]any{keyTask: f.view(t)})
}

func (f *Feishu) task(w http.ResponseWriter, guid string) *FeishuTask {
	t := f.tasks[guid]
	if t == nil {
		feishuReply(w, http.StatusNotFound, 1470404, "task not found", nil)
	}
	return t
}

func (f *Feishu) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t := f.task(w, r.PathValue("guid")); t != nil {
		feishuReply(w, http.StatusOK, 0, "success", map[string]any{keyTask: f.view(t)})
	}
}

func (f *Feishu) patch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Task struct {
			CompletedAt *string `json:"completed_at"`
		} `json:"task"`
		UpdateFields []string `json:"update_fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		feishuReply(w, http.StatusBadRequest, 1470400, "invalid request body", nil)
		return
	}
	if len(in.UpdateFields) == 0 {
		feishuReply(w, http.StatusBadRequest, 1470426, "expected one or more update field", nil)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.task(w, r.PathValue("guid"))
	if t == nil {
		return
	}
	for _, u := range in.UpdateFields {
		if u != "completed_at" {
			feishuReply(w, http.StatusBadRequest, 1470424, "update_fields include unknown field", nil)
			return
		}
	}
	if in.Task.CompletedAt != nil {
		t.CompletedAt = *in.Task.CompletedAt
	}
	feishuReply(w, http.StatusOK, 0, "success", map[string]any{keyTask: f.view(t)})
}

func (f *Feishu) comment(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Content      string `json:"content"`
		ResourceType string `json:"resource_type"`
		ResourceID   string `json:"resource_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Content == "" || in.ResourceType != "task" || len([]rune(in.Content)) > 3000 {
		feishuReply(w, http.StatusBadRequest, 1470400, "invalid comment", nil)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.task(w, in.ResourceID)
	if t == nil {
		return
	}
	f.next++
	c := FeishuComment{ID: fmt.Sprint(7000000 + f.next), Content: in.Content}
	t.Comments = append(t.Comments, c)
	feishuReply(w, http.StatusOK, 0, "success", map[string]any{"comment": map[string]any{
		"id": c.ID, "content": c.Content, "resource_type": "task", "resource_id": t.GUID, "created_at": fmt.Sprint(time.Now().UnixMilli()),
	}})
}

func (f *Feishu) comments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("resource_type") != "task" {
		feishuReply(w, http.StatusBadRequest, 1470400, "resource_type must be task", nil)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.task(w, q.Get("resource_id"))
	if t == nil {
		return
	}
	items := []map[string]any{}
	for _, c := range t.Comments {
		items = append(items, map[string]any{"id": c.ID, "content": c.Content})
	}
	feishuReply(w, http.StatusOK, 0, "success", map[string]any{"items": items, "has_more": false, "page_token": ""})
}

// Tasks returns a copy of every task, by GUID.
func (f *Feishu) Tasks() map[string]FeishuTask {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]FeishuTask{}
	for k, t := range f.tasks {
		c := *t
		c.Comments = append([]FeishuComment(nil), t.Comments...)
		out[k] = c
	}
	return out
}

// Delete deletes a task, as a person would by hand.
func (f *Feishu) Delete(guid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.tasks, guid)
}

package notify

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// DefaultFeishuURL is the Feishu open platform.
const DefaultFeishuURL = "https://open.feishu.cn"

// Feishu error codes the client acts on.
const (
	// Rate limits: the gateway's (HTTP 429, or 400 on older APIs) and the
	// task API's own.
	feishuRateLimited    = 99991400
	feishuTaskTooFast    = 1470450
	feishuTaskSameTooOft = 1470451
)

// feishuTokenInvalid are the codes of a tenant_access_token that is
// missing, invalid or expired: the client gets a new one and tries again.
var feishuTokenInvalid = map[int]bool{99991661: true, 99991663: true, 99991668: true, 99991671: true}

// Feishu opens tickets as Feishu (Lark) tasks through the task v2 open
// API, as a custom app with a tenant_access_token.
//
// A task is created (POST /open-apis/task/v2/tasks) with a client_token
// derived from the ticket's key, which makes the create idempotent: a
// retry, or a redo after a restart, returns the task created before.
// Comments (POST /open-apis/task/v2/comments) end with a marker of the
// note's key and are looked for among the task's comments before being
// added. Resolve comments, then completes the task (PATCH completed_at)
// unless it is completed already.
type Feishu struct {
	URL       string
	AppID     string
	AppSecret string
	Tasklist  string
	Assignees []string
	Followers []string
	Tokens    *TokenCache

	caller
}

// NewFeishu returns a Feishu channel. tokens may be shared by channels of
// the same app.
func NewFeishu(c v1alpha1.FeishuChannel, appID, appSecret string, tokens *TokenCache, hc *http.Client, p Policy, m *Metrics) *Feishu {
	u := c.URL
	if u == "" {
		u = DefaultFeishuURL
	}
	if tokens == nil {
		tokens = &TokenCache{}
	}
	return &Feishu{
		URL: strings.TrimRight(u, "/"), AppID: appID, AppSecret: appSecret, Tasklist: c.Tasklist,
		Assignees: c.Assignees, Followers: c.Followers, Tokens: tokens, caller: newCaller(v1alpha1.ChannelFeishu, hc, p, m),
	}
}

// Type returns "feishu".
func (f *Feishu) Type() string { return v1alpha1.ChannelFeishu }

// TokenCache keeps tenant_access_tokens by open platform and app until
// shortly before they expire.
type TokenCache struct {
	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	token   string
	expires time.Time
}

// tokenMargin is how long before its expiry a token is renewed.
const tokenMargin = 5 * time.Minute

func (c *TokenCache) get(key string, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[key]
	if !ok || !now.Before(t.expires.Add(-tokenMargin)) {
		return ""
	}
	return t.token
}

func (c *TokenCache) put(key, token string, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokens == nil {
		c.tokens = map[string]cachedToken{}
	}
	c.tokens[key] = cachedToken{token: token, expires: expires}
}

func (c *TokenCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tokens, key)
}

type feishuReply struct {
	Code int             `json:"code"`
	Msg  string          `json:"msg"`
	Data json.RawMessage `json:"data"`
}

// classify turns a Feishu reply into an error: rate limits and token
// problems are retryable, a missing task is Gone.
func (f *Feishu) classify(op string, r *response) (*feishuReply, error) {
	var rep feishuReply
	decodeErr := json.Unmarshal(r.Body, &rep)
	e := &Error{Op: op, Status: r.Status, Code: rep.Code, Msg: rep.Msg}
	switch {
	case r.Status == http.StatusTooManyRequests || rep.Code == feishuRateLimited || rep.Code == feishuTaskTooFast || rep.Code == feishuTaskSameTooOft:
		e.Retryable, e.RetryAfter = true, retryAfter(r.Header, time.Now())
		return nil, e
	case feishuTokenInvalid[rep.Code]:
		f.Tokens.drop(f.tokenKey())
		e.Retryable = true
		return nil, e
	}
	if err := statusError(op, r, rep.Msg); err != nil {
		if se, ok := err.(*Error); ok {
			se.Code = rep.Code
		}
		return nil, err
	}
	if decodeErr != nil {
		return nil, &Error{Op: op, Status: r.Status, Err: fmt.Errorf("cannot decode response: %w", decodeErr)}
	}
	if rep.Code != 0 {
		return nil, e
	}
	return &rep, nil
}

func (f *Feishu) tokenKey() string { return f.URL + "\x00" + f.AppID }

// token returns a tenant_access_token, from the cache or freshly.
func (f *Feishu) token(ctx context.Context) (string, error) {
	if t := f.Tokens.get(f.tokenKey(), time.Now()); t != "" {
		return t, nil
	}
	body, err := json.Marshal(map[string]string{"app_id": f.AppID, "app_secret": f.AppSecret})
	if err != nil {
		return "", &Error{Op: "token", Err: err}
	}
	r, err := f.request(ctx, "token", http.MethodPost, f.URL+"/open-apis/auth/v3/tenant_access_token/internal", nil, body)
	if err != nil {
		return "", err
	}
	var rep struct {
		Code   int    `json:"code"`
		Msg    string `json:"msg"`
		Token  string `json:"tenant_access_token"`
		Expire int    `json:"expire"`
	}
	decodeErr := json.Unmarshal(r.Body, &rep)
	e := &Error{Op: "token", Status: r.Status, Code: rep.Code, Msg: rep.Msg}
	switch {
	case r.Status == http.StatusTooManyRequests || r.Status >= 500 || rep.Code == feishuRateLimited:
		e.Retryable, e.RetryAfter = true, retryAfter(r.Header, time.Now())
		return "", e
	case r.Status >= 300 || rep.Code != 0:
		// A wrong app ID or secret (10003, 10014), or an app not enabled.
		e.Auth = true
		return "", e
	case decodeErr != nil || rep.Token == "":
		e.Err = fmt.Errorf("cannot decode response: %w", cmp.Or(decodeErr, errors.New("no tenant_access_token")))
		return "", e
	}
	f.Tokens.put(f.tokenKey(), rep.Token, time.Now().Add(time.Duration(rep.Expire)*time.Second))
	return rep.Token, nil
}

// call makes one authenticated call and decodes its data into out.
func (f *Feishu) call(ctx context.Context, op, method, path string, in, out any) error {
	tok, err := f.token(ctx)
	if err != nil {
		return err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return &Error{Op: op, Err: err}
		}
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	r, err := f.request(ctx, op, method, f.URL+path, h, body)
	if err != nil {
		return err
	}
	rep, err := f.classify(op, r)
	if err != nil {
		return err
	}
	if out != nil && len(rep.Data) > 0 {
		if err := json.Unmarshal(rep.Data, out); err != nil {
			return &Error{Op: op, Status: r.Status, Err: fmt.Errorf("cannot decode data: %w", err)}
		}
	}
	return nil
}

// ClientToken is the client_token of a ticket's create: a digest of its
// key in the shape of a UUID.
func ClientToken(key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

type feishuTask struct {
	GUID        string `json:"guid"`
	URL         string `json:"url"`
	CompletedAt string `json:"completed_at"`
}

// Open creates the ticket's task, idempotently by its client_token.
func (f *Feishu) Open(ctx context.Context, t *Ticket) (Ref, error) {
	in := map[string]any{
		"summary":      truncate(t.Title(), 256),
		"description":  truncate(t.Text(), 3000),
		"client_token": ClientToken(t.Key),
		"extra":        t.Key,
	}
	origin := map[string]any{"platform_i18n_name": `{"en_us":"CloudSpace","zh_cn":"CloudSpace"}`}
	if strings.HasPrefix(t.ClaimURL, "http://") || strings.HasPrefix(t.ClaimURL, "https://") {
		origin["href"] = map[string]string{"url": t.ClaimURL, "title": t.Who()}
	}
	in["origin"] = origin
	members := make([]map[string]string, 0, len(f.Assignees)+len(f.Followers))
	for _, id := range f.Assignees {
		members = append(members, map[string]string{"id": id, "type": "user", "role": "assignee"})
	}
	for _, id := range f.Followers {
		members = append(members, map[string]string{"id": id, "type": "user", "role": "follower"})
	}
	if len(members) > 0 {
		in["members"] = members
	}
	if f.Tasklist != "" {
		in["tasklists"] = []map[string]string{{"tasklist_guid": f.Tasklist}}
	}
	var ref Ref
	err := f.retry(ctx, func(int) error {
		var out struct {
			Task feishuTask `json:"task"`
		}
		if err := f.call(ctx, "create", http.MethodPost, "/open-apis/task/v2/tasks?user_id_type=open_id", in, &out); err != nil {
			return err
		}
		if out.Task.GUID == "" {
			return &Error{Op: "create", Msg: "the reply names no task"}
		}
		ref = Ref{ID: out.Task.GUID, URL: out.Task.URL}
		return nil
	})
	return ref, err
}

// marker ends a comment with a digest of the note's key, by which a redone
// comment finds the one made before.
func marker(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "[cloudspace:" + hex.EncodeToString(sum[:])[:16] + "]"
}

func (f *Feishu) comment(ctx context.Context, guid string, n Note) error {
	mk := marker(n.Key)
	return f.retry(ctx, func(int) error {
		var list struct {
			Items []struct {
				ID      string `json:"id"`
				Content string `json:"content"`
			} `json:"items"`
		}
		q := url.Values{"resource_type": {"task"}, "resource_id": {guid}, "page_size": {"100"}, "direction": {"desc"}}
		if err := f.call(ctx, "list-comments", http.MethodGet, "/open-apis/task/v2/comments?"+q.Encode(), nil, &list); err != nil {
			return err
		}
		for _, c := range list.Items {
			if strings.Contains(c.Content, mk) {
				return nil
			}
		}
		text := truncate(n.FullText(), 3000-len(mk)-1) + "\n" + mk
		in := map[string]string{"content": text, "resource_type": "task", "resource_id": guid}
		return f.call(ctx, "comment", http.MethodPost, "/open-apis/task/v2/comments", in, nil)
	})
}

// Comment adds a note to the task.
func (f *Feishu) Comment(ctx context.Context, ref Ref, _ *Ticket, n Note) error {
	return f.comment(ctx, ref.ID, n)
}

// Resolve comments with the note and completes the task.
func (f *Feishu) Resolve(ctx context.Context, ref Ref, _ *Ticket, n Note) error {
	if err := f.comment(ctx, ref.ID, n); err != nil {
		return err
	}
	path := "/open-apis/task/v2/tasks/" + url.PathEscape(ref.ID) + "?user_id_type=open_id"
	return f.retry(ctx, func(int) error {
		var got struct {
			Task feishuTask `json:"task"`
		}
		if err := f.call(ctx, "get", http.MethodGet, path, nil, &got); err != nil {
			return err
		}
		if got.Task.CompletedAt != "" && got.Task.CompletedAt != "0" {
			return nil
		}
		in := map[string]any{
			"task":          map[string]string{"completed_at": strconv.FormatInt(time.Now().UnixMilli(), 10)},
			"update_fields": []string{"completed_at"},
		}
		return f.call(ctx, "complete", http.MethodPatch, path, in, nil)
	})
}

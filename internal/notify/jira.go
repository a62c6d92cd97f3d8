package notify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// Jira opens tickets as Jira Cloud issues through the REST API v3, with
// basic authentication by e-mail address and API token.
//
// An issue carries the ticket's Label, and Open searches for it (JQL
// `labels = "..."`, POST /rest/api/3/search/jql) before every attempt to
// create (POST /rest/api/3/issue), so a create whose response was lost, or
// redone after a restart, finds the issue instead of making another.
// Comments carry a comment property with the note's key and are looked for
// the same way before being added. Resolve comments, then moves the issue
// by a transition to a Done status unless it is done already.
type Jira struct {
	// URL of the site, for example https://example.atlassian.net.
	URL            string
	Project        string
	IssueType      string
	Labels         []string
	DoneTransition string
	Email          string
	Token          string

	caller
}

// NewJira returns a Jira channel.
func NewJira(c v1alpha1.JiraChannel, email, token string, hc *http.Client, p Policy, m *Metrics) *Jira {
	it := c.IssueType
	if it == "" {
		it = "Task"
	}
	return &Jira{
		URL: strings.TrimRight(c.URL, "/"), Project: c.Project, IssueType: it, Labels: c.Labels, DoneTransition: c.DoneTransition,
		Email: email, Token: token, caller: newCaller(v1alpha1.ChannelJira, hc, p, m),
	}
}

// Type returns "jira".
func (j *Jira) Type() string { return v1alpha1.ChannelJira }

// propertyKey is the comment property that holds a note's key.
const propertyKey = "cloudspace"

type jiraErrors struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

func (j *Jira) call(ctx context.Context, op, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return &Error{Op: op, Err: err}
		}
	}
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(j.Email+":"+j.Token)))
	r, err := j.request(ctx, op, method, j.URL+path, h, body)
	if err != nil {
		return err
	}
	if err := statusError(op, r, jiraMessage(r.Body)); err != nil {
		return err
	}
	if out != nil && len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, out); err != nil {
			return &Error{Op: op, Status: r.Status, Err: fmt.Errorf("cannot decode response: %w", err)}
		}
	}
	return nil
}

func jiraMessage(b []byte) string {
	var e jiraErrors
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	msgs := e.ErrorMessages
	for k, v := range e.Errors {
		msgs = append(msgs, k+": "+v)
	}
	return strings.Join(msgs, "; ")
}

type jiraIssue struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		Status struct {
			Name           string `json:"name"`
			StatusCategory struct {
				Key string `json:"key"`
			} `json:"statusCategory"`
		} `json:"status"`
	} `json:"fields"`
}

func (j *Jira) ref(key string) Ref {
	return Ref{ID: key, URL: j.URL + "/browse/" + url.PathEscape(key)}
}

// search finds the issue that carries label.
func (j *Jira) search(ctx context.Context, label string) (Ref, bool, error) {
	var out struct {
		Issues []jiraIssue `json:"issues"`
	}
	in := map[string]any{"jql": fmt.Sprintf("labels = %q", label), "fields": []string{"status"}, "maxResults": 1}
	if err := j.call(ctx, "search", http.MethodPost, "/rest/api/3/search/jql", in, &out); err != nil {
		return Ref{}, false, err
	}
	if len(out.Issues) == 0 {
		return Ref{}, false, nil
	}
	return j.ref(out.Issues[0].Key), true, nil
}

// Open finds or creates the ticket's issue.
func (j *Jira) Open(ctx context.Context, t *Ticket) (Ref, error) {
	label := Label(t.Key)
	var ref Ref
	err := j.retry(ctx, func(int) error {
		found, ok, err := j.search(ctx, label)
		if err != nil || ok {
			ref = found
			return err
		}
		labels := append([]string{label, "cloudspace"}, j.Labels...)
		in := map[string]any{"fields": map[string]any{
			"project":     map[string]string{"key": j.Project},
			"issuetype":   map[string]string{"name": j.IssueType},
			"summary":     truncate(t.Title(), 255),
			"description": TicketADF(t),
			"labels":      labels,
		}}
		var out jiraIssue
		if err := j.call(ctx, "create", http.MethodPost, "/rest/api/3/issue", in, &out); err != nil {
			if e, ok := errors.AsType[*Error](err); ok {
				e.Gone = false // A 404 here is a wrong site or project, not a deleted ticket.
				if e.Ambiguous() {
					// The issue may exist: search for it once the index
					// has caught up.
					e.RetryAfter = max(e.RetryAfter, j.policy.SearchLag)
				}
			}
			return err
		}
		ref = j.ref(out.Key)
		return nil
	})
	return ref, err
}

// comment adds a note as a comment unless a comment with its key exists.
func (j *Jira) comment(ctx context.Context, issue string, n Note) error {
	path := "/rest/api/3/issue/" + url.PathEscape(issue) + "/comment"
	return j.retry(ctx, func(int) error {
		var list struct {
			Comments []struct {
				ID         string `json:"id"`
				Properties []struct {
					Key   string `json:"key"`
					Value struct {
						Key string `json:"key"`
					} `json:"value"`
				} `json:"properties"`
			} `json:"comments"`
		}
		if err := j.call(ctx, "list-comments", http.MethodGet, path+"?expand=properties&orderBy=-created&maxResults=100", nil, &list); err != nil {
			return err
		}
		for _, c := range list.Comments {
			for _, p := range c.Properties {
				if p.Key == propertyKey && p.Value.Key == n.Key {
					return nil
				}
			}
		}
		in := map[string]any{
			"body":       NoteADF(n),
			"properties": []any{map[string]any{"key": propertyKey, "value": map[string]string{"key": n.Key}}},
		}
		return j.call(ctx, "comment", http.MethodPost, path, in, nil)
	})
}

// Comment adds a note to the issue.
func (j *Jira) Comment(ctx context.Context, ref Ref, _ *Ticket, n Note) error {
	return j.comment(ctx, ref.ID, n)
}

// Resolve comments with the note and transitions the issue to Done.
func (j *Jira) Resolve(ctx context.Context, ref Ref, _ *Ticket, n Note) error {
	if err := j.comment(ctx, ref.ID, n); err != nil {
		return err
	}
	path := "/rest/api/3/issue/" + url.PathEscape(ref.ID)
	return j.retry(ctx, func(int) error {
		var is jiraIssue
		if err := j.call(ctx, "get", http.MethodGet, path+"?fields=status", nil, &is); err != nil {
			return err
		}
		if is.Fields.Status.StatusCategory.Key == "done" {
			return nil
		}
		var ts struct {
			Transitions []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
				To   struct {
					StatusCategory struct {
						Key string `json:"key"`
					} `json:"statusCategory"`
				} `json:"to"`
			} `json:"transitions"`
		}
		if err := j.call(ctx, "transitions", http.MethodGet, path+"/transitions", nil, &ts); err != nil {
			return err
		}
		id := ""
		for _, t := range ts.Transitions {
			if j.DoneTransition != "" && strings.EqualFold(t.Name, j.DoneTransition) ||
				j.DoneTransition == "" && t.To.StatusCategory.Key == "done" {
				id = t.ID
				break
			}
		}
		if id == "" {
			want := "to a status of the Done category"
			if j.DoneTransition != "" {
				want = fmt.Sprintf("named %q", j.DoneTransition)
			}
			return &Error{Op: "transition", Msg: fmt.Sprintf("issue %s has no transition %s", ref.ID, want)}
		}
		return j.call(ctx, "transition", http.MethodPost, path+"/transitions", map[string]any{"transition": map[string]string{"id": id}}, nil)
	})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

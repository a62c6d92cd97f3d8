package notifytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
)

// Jira is a Jira Cloud site with one project, serving the REST API v3
// endpoints the notifier uses: create issue, enhanced JQL search (labels
// only), get issue, comments (with properties) and transitions. It
// authenticates every request with HTTP basic authentication.
type Jira struct {
	base

	Email   string
	Token   string
	Project string

	next   int // IDs of issues and comments
	keys   int // issue keys
	issues map[string]*JiraIssue
}

const keyKey = "key"

// JiraIssue is an issue of the fake site.
type JiraIssue struct {
	ID          string
	Key         string
	Summary     string
	IssueType   string
	Description map[string]any
	Labels      []string
	// Status is "To Do", "In Progress" or "Done".
	Status   string
	Comments []JiraComment
}

// JiraComment is a comment of an issue.
type JiraComment struct {
	ID         string
	Body       map[string]any
	Properties []map[string]any
}

// Statuses and transitions of the fake workflow.
var jiraStatuses = map[string]string{"To Do": "new", "In Progress": "indeterminate", "Done": "done"}

var jiraTransitions = []struct{ id, name, to string }{{"11", "To Do", "To Do"}, {"21", "Start progress", "In Progress"}, {"31", "Done", "Done"}}

// NewJira starts a Jira site on loopback for the user email with an API
// token, with one project. Close it when done.
func NewJira(email, token, project string) *Jira {
	j := &Jira{Email: email, Token: token, Project: project, issues: map[string]*JiraIssue{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rest/api/3/issue", j.create)
	mux.HandleFunc("POST /rest/api/3/search/jql", j.search)
	mux.HandleFunc("GET /rest/api/3/issue/{key}", j.get)
	mux.HandleFunc("GET /rest/api/3/issue/{key}/comment", j.comments)
	mux.HandleFunc("POST /rest/api/3/issue/{key}/comment", j.addComment)
	mux.HandleFunc("GET /rest/api/3/issue/{key}/transitions", j.transitions)
	mux.HandleFunc("POST /rest/api/3/issue/{key}/transitions", j.transition)
	j.Server = httptest.NewServer(j.serve(j.auth(mux)))
	return j
}

func jiraError(w http.ResponseWriter, status int, msgs []string, errs map[string]string) {
	if errs == nil {
		errs = map[string]string{}
	}
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, status, map[string]any{"errorMessages": msgs, "errors": errs})
}

func (j *Jira) auth(h http.Handler) http.HandlerFunc {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(j.Email+":"+j.Token))
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="protected-area"`)
			jiraError(w, http.StatusUnauthorized, []string{"Client must be authenticated to access this resource."}, nil)
			return
		}
		if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			jiraError(w, http.StatusUnsupportedMediaType, []string{"Unsupported media type"}, nil)
			return
		}
		h.ServeHTTP(w, r)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		jiraError(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return false
	}
	return true
}

// validADF reports whether v is an Atlassian Document Format document
// whose text nodes are not empty.
func validADF(v map[string]any) bool {
	if v["type"] != "doc" || v["version"] != float64(1) {
		return false
	}
	var walk func(n map[string]any) bool
	walk = func(n map[string]any) bool {
		if n["type"] == "text" {
			s, _ := n["text"].(string)
			return s != ""
		}
		cs, _ := n["content"].([]any)
		for _, c := range cs {
			cm, ok := c.(map[string]any)
			if !ok || !walk(cm) {
				return false
			}
		}
		return true
	}
	return walk(v)
}

func (j *Jira) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields struct {
			Project struct {
				Key string `json:"key"`
			} `json:"project"`
			IssueType struct {
				Name string `json:"name"`
			} `json:"issuetype"`
			Summary     string         `json:"summary"`
			Description map[string]any `json:"description"`
			Labels      []string       `json:"labels"`
		} `json:"fields"`
	}
	if !decode(w, r, &in) {
		return
	}
	f := in.Fields
	errs := map[string]string{}
	if f.Project.Key != j.Project {
		errs["project"] = "valid project is required"
	}
	if f.IssueType.Name == "" {
		errs["issuetype"] = "valid issue type is required"
	}
	if f.Summary == "" || len([]rune(f.Summary)) > 255 {
		errs["summary"] = "You must specify a summary of the issue of at most 255 characters."
	}
	if f.Description != nil && !validADF(f.Description) {
		errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)."
	}
	for _, l := range f.Labels {
		if l == "" || strings.ContainsAny(l, " \t") {
			errs["labels"] = "Labels must not contain spaces."
		}
	}
	if len(errs) > 0 {
		jiraError(w, http.StatusBadRequest, nil, errs)
		return
	}
	j.mu.Lock()
	j.next++
	j.keys++
	is := &JiraIssue{
		ID: fmt.Sprint(10000 + j.next), Key: fmt.Sprintf("%s-%d", j.Project, j.keys), Summary: f.Summary,
		IssueType: f.IssueType.Name, Description: f.Description, Labels: f.Labels, Status: "To Do",
	}
	j.issues[is.Key] = is
	j.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"id": is.ID, keyKey: is.Key, "self": j.URL + "/rest/api/3/issue/" + is.ID})
}

var reLabelJQL = regexp.MustCompile(`^labels\s*=\s*"([^"]+)"$`)

func (j *Jira) status(is *JiraIssue) map[string]any {
	return map[string]any{"status": map[string]any{"name": is.Status, "statusCategory": map[string]any{"key": jiraStatuses[is.Status]}}}
}

func (j *Jira) search(w http.ResponseWriter, r *http.Request) {
	var in struct {
		JQL        string   `json:"jql"`
		Fields     []string `json:"fields"`
		MaxResults int      `json:"maxResults"`
	}
	if !decode(w, r, &in) {
		return
	}
	m := reLabelJQL.FindStringSubmatch(strings.TrimSpace(in.JQL))
	if m == nil {
		jiraError(w, http.StatusBadRequest, []string{fmt.Sprintf("Error in the JQL Query: %q is not supported by this fake.", in.JQL)}, nil)
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	issues := []map[string]any{}
	keys := make([]string, 0, len(j.issues))
	for k := range j.issues {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(j.issues[a].ID, j.issues[b].ID) })
	for _, k := range keys {
		is := j.issues[k]
		if slices.Contains(is.Labels, m[1]) && (in.MaxResults == 0 || len(issues) < in.MaxResults) {
			issues = append(issues, map[string]any{"id": is.ID, keyKey: is.Key, "fields": j.status(is)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"issues": issues, "isLast": true})
}

// issue returns the issue of the request's path, or answers 404.
func (j *Jira) issue(w http.ResponseWriter, r *http.Request) *JiraIssue {
	j.mu.Lock()
	is := j.issues[r.PathValue("key")]
	j.mu.Unlock()
	if is == nil {
		jiraError(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
	}
	return is
}

func (j *Jira) get(w http.ResponseWriter, r *http.Request) {
	if is := j.issue(w, r); is != nil {
		j.mu.Lock()
		defer j.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"id": is.ID, keyKey: is.Key, "fields": j.status(is)})
	}
}

func (j *Jira) comments(w http.ResponseWriter, r *http.Request) {
	is := j.issue(w, r)
	if is == nil {
		return
	}
	props := slices.Contains(strings.Split(r.URL.Query().Get("expand"), ","), "properties")
	j.mu.Lock()
	defer j.mu.Unlock()
	cs := []map[string]any{}
	for _, c := range is.Comments {
		m := map[string]any{"id": c.ID, "body": c.Body}
		if props {
			m["properties"] = c.Properties
		}
		cs = append(cs, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"startAt": 0, "maxResults": 100, "total": len(cs), "comments": cs})
}

func (j *Jira) addComment(w http.ResponseWriter, r *http.Request) {
	is := j.issue(w, r)
	if is == nil {
		return
	}
	var in struct {
		Body       map[string]any   `json:"body"`
		Properties []map[string]any `json:"properties"`
	}
	if !decode(w, r, &in) {
		return
	}
	if !validADF(in.Body) {
		jiraError(w, http.StatusBadRequest, nil, map[string]string{"comment": "Comment body must be an Atlassian Document."})
		return
	}
	j.mu.Lock()
	j.next++
	c := JiraComment{ID: fmt.Sprint(20000 + j.next), Body: in.Body, Properties: in.Properties}
	is.Comments = append(is.Comments, c)
	j.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "body": c.Body})
}

func (j *Jira) transitions(w http.ResponseWriter, r *http.Request) {
	is := j.issue(w, r)
	if is == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	ts := []map[string]any{}
	for _, t := range jiraTransitions {
		if t.to == is.Status {
			continue
		}
		ts = append(ts, map[string]any{"id": t.id, "name": t.name, "to": map[string]any{"name": t.to, "statusCategory": map[string]any{"key": jiraStatuses[t.to]}}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"transitions": ts})
}

func (j *Jira) transition(w http.ResponseWriter, r *http.Request) {
	is := j.issue(w, r)
	if is == nil {
		return
	}
	var in struct {
		Transition struct {
			ID string `json:"id"`
		} `json:"transition"`
	}
	if !decode(w, r, &in) {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, t := range jiraTransitions {
		if t.id == in.Transition.ID && t.to != is.Status {
			is.Status = t.to
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	jiraError(w, http.StatusBadRequest, []string{"Transition id '" + in.Transition.ID + "' is not valid for this issue."}, nil)
}

// Issues returns a copy of every issue, by key.
func (j *Jira) Issues() map[string]JiraIssue {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[string]JiraIssue{}
	for k, is := range j.issues {
		c := *is
		c.Comments = slices.Clone(is.Comments)
		out[k] = c
	}
	return out
}

// Delete deletes an issue, as a person would by hand.
func (j *Jira) Delete(key string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.issues, key)
}

package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// Headers of a webhook request.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	HeaderEvent          = "X-Cloudspace-Event"
	HeaderTimestamp      = "X-Cloudspace-Timestamp"
	HeaderSignature      = "X-Cloudspace-Signature"
)

// Webhook events.
const (
	EventOpened   = "ticket.opened"
	EventUpdated  = "ticket.updated"
	EventResolved = "ticket.resolved"
)

// Webhook posts tickets as JSON to a URL: a Slack-compatible "text" and
// the ticket under "cloudspace". Each delivery has an Idempotency-Key that
// is the same for every retry and redo of it, by which the receiver drops
// duplicates; with a signing secret, an HMAC-SHA256 signature of the
// timestamp and body. A 2xx answer is success; when it is a JSON object
// with an "id" (and a "url"), that is the ticket's reference.
type Webhook struct {
	URL    string
	Secret []byte

	caller
}

// NewWebhook returns a webhook channel.
func NewWebhook(u string, secret []byte, hc *http.Client, p Policy, m *Metrics) *Webhook {
	return &Webhook{URL: u, Secret: secret, caller: newCaller(v1alpha1.ChannelWebhook, hc, p, m)}
}

// Type returns "webhook".
func (w *Webhook) Type() string { return v1alpha1.ChannelWebhook }

// Payload is the body of a webhook request.
type Payload struct {
	// Text is for Slack-compatible receivers (incoming webhooks).
	Text string `json:"text"`
	// CloudSpace is the ticket.
	CloudSpace Delivery `json:"cloudspace"`
}

// Delivery is the structured ticket of a webhook request.
type Delivery struct {
	Event string `json:"event"`
	// Key is the ticket's idempotency key; DeliveryKey the request's.
	Key         string `json:"key"`
	DeliveryKey string `json:"deliveryKey"`
	// Ref is the receiver's reference of the ticket, on updates.
	Ref          string        `json:"ref,omitempty"`
	Title        string        `json:"title"`
	Note         string        `json:"note,omitempty"`
	Kind         string        `json:"kind"`
	Level        string        `json:"level"`
	Period       string        `json:"period"`
	Reason       string        `json:"reason,omitempty"`
	Message      string        `json:"message,omitempty"`
	Space        string        `json:"space"`
	Claim        *ClaimRef     `json:"claim,omitempty"`
	Team         string        `json:"team,omitempty"`
	Owner        string        `json:"owner,omitempty"`
	Environment  string        `json:"environment,omitempty"`
	Figures      []Figure      `json:"figures,omitempty"`
	TopServices  []Contributor `json:"topServices,omitempty"`
	TopResources []Contributor `json:"topResources,omitempty"`
	ClaimURL     string        `json:"claimURL,omitempty"`
	Describe     string        `json:"describe,omitempty"`
}

// Sign returns the signature header value of a body sent at ts.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (w *Webhook) send(ctx context.Context, event, key string, ref Ref, t *Ticket, n *Note) (Ref, error) {
	d := Delivery{
		Event: event, Key: t.Key, DeliveryKey: key, Ref: ref.ID, Title: t.Title(), Kind: t.Kind, Level: t.Level.String(),
		Period: t.Period, Reason: t.Reason, Message: t.Message, Space: t.Space, Claim: t.Claim, Team: t.Team, Owner: t.Owner,
		Environment: t.Environment, Figures: t.Figures, TopServices: t.TopServices, TopResources: t.TopResources,
		ClaimURL: t.ClaimURL, Describe: t.Describe,
	}
	text := "*" + t.Title() + "*\n" + t.Text()
	if n != nil {
		d.Note = n.FullText()
		text = "*" + n.Title + "*\n" + t.Title() + "\n" + n.Text
	}
	body, err := json.Marshal(Payload{Text: strings.TrimSpace(text), CloudSpace: d})
	if err != nil {
		return Ref{}, &Error{Op: "deliver", Err: err}
	}
	got := Ref{ID: t.Key}
	err = w.retry(ctx, func(int) error {
		h := http.Header{}
		h.Set(HeaderIdempotencyKey, key)
		h.Set(HeaderEvent, event)
		if len(w.Secret) > 0 {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			h.Set(HeaderTimestamp, ts)
			h.Set(HeaderSignature, Sign(w.Secret, ts, body))
		}
		r, err := w.request(ctx, "deliver", http.MethodPost, w.URL, h, body)
		if err != nil {
			return err
		}
		if err := statusError("deliver", r, strings.TrimSpace(truncate(string(r.Body), 200))); err != nil {
			var e *Error
			if event == EventOpened && errors.As(err, &e) {
				e.Gone = false // A 404 on the first delivery is a wrong URL.
			}
			return err
		}
		var rep struct {
			ID  string `json:"id"`
			URL string `json:"url"`
		}
		if json.Unmarshal(r.Body, &rep) == nil && rep.ID != "" {
			got = Ref{ID: rep.ID, URL: rep.URL}
		}
		return nil
	})
	return got, err
}

// Open delivers the ticket.opened event.
func (w *Webhook) Open(ctx context.Context, t *Ticket) (Ref, error) {
	return w.send(ctx, EventOpened, t.Key+"/open", Ref{}, t, nil)
}

// Comment delivers a ticket.updated event.
func (w *Webhook) Comment(ctx context.Context, ref Ref, t *Ticket, n Note) error {
	_, err := w.send(ctx, EventUpdated, n.Key, ref, t, &n)
	return err
}

// Resolve delivers the ticket.resolved event.
func (w *Webhook) Resolve(ctx context.Context, ref Ref, t *Ticket, n Note) error {
	_, err := w.send(ctx, EventResolved, n.Key, ref, t, &n)
	return err
}

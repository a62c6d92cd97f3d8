package notify

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// Ref identifies a ticket at its channel.
type Ref struct {
	// ID is the channel's own: a Jira issue key, a Feishu task GUID, or
	// what a webhook receiver answered (else the ticket's key).
	ID string
	// URL of the ticket, when the channel has one.
	URL string
}

// Channel is where tickets are opened. Every method is idempotent by the
// ticket's or note's key: calling it again after a failure, a lost response
// or a restart has the effect of calling it once. Comment and Resolve
// return an error that Is ErrGone when the ticket no longer exists.
// Errors are *Error where the channel said why.
type Channel interface {
	// Type is jira, feishu or webhook.
	Type() string
	// Open opens the ticket, or finds the one opened before by its key.
	Open(ctx context.Context, t *Ticket) (Ref, error)
	// Comment adds a note to the ticket.
	Comment(ctx context.Context, ref Ref, t *Ticket, n Note) error
	// Resolve adds the note and closes the ticket.
	Resolve(ctx context.Context, ref Ref, t *Ticket, n Note) error
}

// ChannelDeps are what NewChannel builds channels with.
type ChannelDeps struct {
	HTTP    *http.Client
	Policy  Policy
	Metrics *Metrics
	// Tokens caches Feishu tenant_access_tokens across reconciles.
	Tokens *TokenCache
}

// NewChannel returns the channel a team's configuration describes, with
// the credentials of its Secret's data.
func NewChannel(c v1alpha1.Channel, secret map[string][]byte, d ChannelDeps) (Channel, error) {
	need := func(keys ...string) error {
		var missing []string
		for _, k := range keys {
			if len(secret[k]) == 0 {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("cannot configure channel %q: Secret %q has no %s", c.Name, c.SecretRef.Name, strings.Join(missing, ", "))
		}
		return nil
	}
	switch c.Type {
	case v1alpha1.ChannelJira:
		if err := need(v1alpha1.SecretJiraEmail, v1alpha1.SecretJiraToken); err != nil {
			return nil, err
		}
		if c.Jira == nil {
			return nil, fmt.Errorf("cannot configure channel %q: no jira section", c.Name)
		}
		return NewJira(*c.Jira, string(secret[v1alpha1.SecretJiraEmail]), string(secret[v1alpha1.SecretJiraToken]), d.HTTP, d.Policy, d.Metrics), nil
	case v1alpha1.ChannelFeishu:
		if err := need(v1alpha1.SecretFeishuAppID, v1alpha1.SecretFeishuAppSecret); err != nil {
			return nil, err
		}
		fc := v1alpha1.FeishuChannel{}
		if c.Feishu != nil {
			fc = *c.Feishu
		}
		return NewFeishu(fc, string(secret[v1alpha1.SecretFeishuAppID]), string(secret[v1alpha1.SecretFeishuAppSecret]), d.Tokens, d.HTTP, d.Policy, d.Metrics), nil
	case v1alpha1.ChannelWebhook:
		u := string(secret[v1alpha1.SecretWebhookURL])
		if c.Webhook != nil && c.Webhook.URL != "" {
			u = c.Webhook.URL
		}
		if u == "" {
			return nil, fmt.Errorf("cannot configure channel %q: neither webhook.url nor the url key of Secret %q is set", c.Name, c.SecretRef.Name)
		}
		return NewWebhook(u, secret[v1alpha1.SecretWebhookSigner], d.HTTP, d.Policy, d.Metrics), nil
	}
	return nil, fmt.Errorf("cannot configure channel %q: unknown type %q", c.Name, c.Type)
}

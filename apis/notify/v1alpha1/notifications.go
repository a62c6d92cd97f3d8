package v1alpha1

// Channel types.
const (
	ChannelJira    = "jira"
	ChannelFeishu  = "feishu"
	ChannelWebhook = "webhook"
)

// Kinds of ticket. Each space has at most one open ticket of each kind per
// channel and period.
const (
	// KindBudget: the space's Budget condition is BudgetAtRisk or
	// BudgetExceeded. Its period is the billing period reported.
	KindBudget = "budget"
	// KindDrift: the space's CostDrift condition is out of tolerance
	// (AboveEstimate or BelowEstimate). Its period is the billing period
	// reported.
	KindDrift = "drift"
	// KindStale: the space's billing data is stale (BillingDataStale True)
	// or unusable (BillingDataMissing True for any reason but
	// NoSpendRecords). Its period is the month of the controller's clock.
	KindStale = "stale"
)

// Kinds lists every kind, in order.
func Kinds() []string { return []string{KindBudget, KindDrift, KindStale} }

// Keys of the channel credential Secrets.
const (
	// SecretJiraEmail and SecretJiraToken are the Atlassian account's
	// e-mail address and its API token, sent as HTTP basic authentication.
	SecretJiraEmail = "email"
	SecretJiraToken = "apiToken"
	// SecretFeishuAppID and SecretFeishuAppSecret are the Feishu custom
	// app's credentials, exchanged for a tenant_access_token.
	SecretFeishuAppID     = "appId"
	SecretFeishuAppSecret = "appSecret"
	// SecretWebhookURL is the webhook's URL (when the channel does not
	// name it: a Slack incoming webhook URL is itself a secret), and
	// SecretWebhookSigner the key of the HMAC SHA-256 signature of every
	// request body.
	SecretWebhookURL    = "url"
	SecretWebhookSigner = "signingSecret"
)

// Notifications is the notifications section of a team's EnvironmentConfig
// data: who is told when one of the team's spaces breaches its budget, its
// cost drifts out of tolerance or its billing data goes stale.
//
//	data:
//	  notifications:
//	    claimURL: https://console.example.com/spaces/{namespace}/{name}
//	    channels:
//	    - name: finops-jira
//	      type: jira
//	      kinds: [budget, drift]
//	      secretRef: {name: payments-jira}
//	      jira: {url: https://example.atlassian.net, project: PAY}
//	    - name: oncall
//	      type: webhook
//	      secretRef: {name: payments-webhook}
//
// The controller reads it from the EnvironmentConfig labelled with the team
// that carries it: the team's quota object, or one of its own (labelled,
// for example, platform.cloudspace.dev/config: notifications).
type Notifications struct {
	// ClaimURL is a link to a claim in the platform's console, put in
	// every ticket. {namespace}, {name}, {space} and {team} are replaced by
	// the claim's namespace and name, the XCloudSpace's name and the team,
	// each escaped as a URL path segment. Default: the controller's
	// --notify-claim-url.
	ClaimURL string `json:"claimURL,omitempty"`

	// Channels that serve the team. Each opens its own tickets.
	Channels []Channel `json:"channels"`
}

// Channel is one destination of tickets.
type Channel struct {
	// Name of the channel, a lower-case DNS label unique among the team's
	// channels. It is part of every ticket's idempotency key: renaming a
	// channel opens new tickets.
	Name string `json:"name"`

	// Type of the channel: jira, feishu or webhook. The section of the
	// same name configures it.
	Type string `json:"type"`

	// Kinds of ticket the channel receives: budget, drift and stale.
	// Default: all of them.
	Kinds []string `json:"kinds,omitempty"`

	// SecretRef names the Secret with the channel's credentials, in the
	// controller's --notify-config-namespace. Its keys: email and apiToken
	// (jira), appId and appSecret (feishu), url and signingSecret, both
	// optional (webhook).
	SecretRef SecretRef `json:"secretRef"`

	// Jira configures a jira channel.
	Jira *JiraChannel `json:"jira,omitempty"`

	// Feishu configures a feishu channel.
	Feishu *FeishuChannel `json:"feishu,omitempty"`

	// Webhook configures a webhook channel.
	Webhook *WebhookChannel `json:"webhook,omitempty"`
}

// SecretRef names a Secret in the controller's configuration namespace.
type SecretRef struct {
	// Name of the Secret.
	Name string `json:"name"`
}

// JiraChannel opens Jira Cloud issues through the REST API v3.
type JiraChannel struct {
	// URL of the Jira Cloud site, for example https://example.atlassian.net.
	URL string `json:"url"`

	// Project is the key of the project the issues are created in.
	Project string `json:"project"`

	// IssueType is the name of the issue type. Default: "Task".
	IssueType string `json:"issueType,omitempty"`

	// Labels added to every issue, besides the ticket's own label.
	Labels []string `json:"labels,omitempty"`

	// DoneTransition is the name of the transition that resolves an
	// issue. Default: the first transition to a status of the Done
	// category.
	DoneTransition string `json:"doneTransition,omitempty"`
}

// FeishuChannel opens Feishu (Lark) tasks through the task v2 open API.
type FeishuChannel struct {
	// URL of the open platform. Default: https://open.feishu.cn (Lark:
	// https://open.larksuite.com).
	URL string `json:"url,omitempty"`

	// Tasklist is the GUID of a task list the tasks are added to.
	Tasklist string `json:"tasklist,omitempty"`

	// Assignees are the open_ids of the users the tasks are assigned to.
	Assignees []string `json:"assignees,omitempty"`

	// Followers are the open_ids of the users who follow the tasks.
	Followers []string `json:"followers,omitempty"`
}

// WebhookChannel posts JSON to a URL: a Slack-compatible "text" and the
// ticket as structured data under "cloudspace". Every request carries an
// Idempotency-Key header, stable across retries and restarts, by which the
// receiver drops duplicates, and, when the Secret has a signingSecret, an
// X-Cloudspace-Signature header: "sha256=" and the hex HMAC-SHA256 of the
// X-Cloudspace-Timestamp header, a ".", and the body.
type WebhookChannel struct {
	// URL to post to. Default: the url key of the channel's Secret.
	URL string `json:"url,omitempty"`
}

package notify

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

func TestParseNotifications(t *testing.T) {
	cases := map[string]struct {
		reason string
		data   string
		want   *v1alpha1.Notifications
		ok     bool
		errs   []string
	}{
		"None": {reason: "Data without notifications (the team quota alone) has none.", data: `{namespaces: [a]}`},
		"Valid": {
			reason: "Every channel type, with its defaults left out.",
			data: `
notifications:
  claimURL: https://console.example.com/{namespace}/{name}
  channels:
  - {name: jira, type: jira, kinds: [budget], secretRef: {name: j}, jira: {url: "https://x.atlassian.net", project: PAY}}
  - {name: lark, type: feishu, secretRef: {name: f}}
  - {name: hook, type: webhook, secretRef: {name: w}}`,
			ok: true,
			want: &v1alpha1.Notifications{ClaimURL: "https://console.example.com/{namespace}/{name}", Channels: []v1alpha1.Channel{
				{Name: "jira", Type: "jira", Kinds: []string{"budget"}, SecretRef: v1alpha1.SecretRef{Name: "j"}, Jira: &v1alpha1.JiraChannel{URL: "https://x.atlassian.net", Project: "PAY"}},
				{Name: "lark", Type: "feishu", SecretRef: v1alpha1.SecretRef{Name: "f"}},
				{Name: "hook", Type: "webhook", SecretRef: v1alpha1.SecretRef{Name: "w"}},
			}},
		},
		"Unknown": {reason: "Unknown fields are refused.", data: `{notifications: {channels: [], chanels: []}}`, ok: true, errs: []string{`unknown field "chanels"`}},
		"Invalid": {
			reason: "Every problem at once, each with its field path.",
			data: `
notifications:
  claimURL: "not a url"
  channels:
  - {name: Jira_1, type: jira, kinds: [budget, cost], secretRef: {name: ""}, webhook: {url: "https://h"}}
  - {name: Jira_1, type: sms, secretRef: {name: s}}
  - {name: hook, type: webhook, secretRef: {name: w}, webhook: {url: "ftp://h"}}`,
			ok: true,
			errs: []string{
				`data.notifications.claimURL: Invalid value: "not a url": must be an absolute http or https URL`,
				`data.notifications.channels[0].name: Invalid value: "Jira_1"`,
				`data.notifications.channels[0].kinds[1]: Unsupported value: "cost"`,
				`data.notifications.channels[0].secretRef.name: Required value`,
				`data.notifications.channels[0].webhook: Forbidden: must not be set on a channel of type "jira"`,
				`data.notifications.channels[0].jira: Required value`,
				`data.notifications.channels[1].name: Duplicate value: "Jira_1"`,
				`data.notifications.channels[1].type: Unsupported value: "sms"`,
				`data.notifications.channels[2].webhook.url: Invalid value: "ftp://h"`,
			},
		},
		"NoChannels": {reason: "A section must name a channel.", data: `{notifications: {channels: []}}`, ok: true, errs: []string{"data.notifications.channels: Required value"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			data := map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.data), &data); err != nil {
				t.Fatal(err)
			}
			got, ok, err := ParseNotifications(data)
			if ok != tc.ok {
				t.Errorf("%s\nok = %v, want %v", tc.reason, ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want, +got:\n%s", tc.reason, diff)
			}
			if len(tc.errs) == 0 {
				if err != nil {
					t.Errorf("%s\nerror: %v", tc.reason, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s\nwant errors %v", tc.reason, tc.errs)
			}
			for _, e := range tc.errs {
				if !strings.Contains(err.Error(), e) {
					t.Errorf("%s\nerror %q lacks %q", tc.reason, err, e)
				}
			}
		})
	}
}

func TestKindsOf(t *testing.T) {
	if diff := cmp.Diff([]string{"budget", "drift", "stale"}, KindsOf(v1alpha1.Channel{})); diff != "" {
		t.Errorf("default kinds: -want, +got:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"budget", "stale"}, KindsOf(v1alpha1.Channel{Kinds: []string{"stale", "budget"}})); diff != "" {
		t.Errorf("kinds in order: -want, +got:\n%s", diff)
	}
}

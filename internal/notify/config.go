package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/cloudspace-dev/cloudspace/apis/notify/v1alpha1"
)

// ParseNotifications reads the notifications section of an
// EnvironmentConfig's data. ok is false when the data has none. The
// section is decoded strictly and validated whole: the error lists every
// problem, each with its field path.
func ParseNotifications(data map[string]any) (n *v1alpha1.Notifications, ok bool, err error) {
	raw, ok := data["notifications"]
	if !ok || raw == nil {
		return nil, false, nil
	}
	p := field.NewPath("data", "notifications")
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, true, fmt.Errorf("cannot marshal %s: %w", p, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	n = &v1alpha1.Notifications{}
	if err := dec.Decode(n); err != nil {
		return nil, true, fmt.Errorf("cannot decode %s: %w", p, err)
	}
	if errs := Validate(n, p); len(errs) > 0 {
		return nil, true, errs.ToAggregate()
	}
	return n, true, nil
}

// Validate checks a notifications section.
func Validate(n *v1alpha1.Notifications, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.ClaimURL != "" {
		errs = append(errs, validateURL(p.Child("claimURL"), n.ClaimURL)...)
	}
	if len(n.Channels) == 0 {
		errs = append(errs, field.Required(p.Child("channels"), "must name at least one channel"))
	}
	seen := map[string]bool{}
	for i, c := range n.Channels {
		cp := p.Child("channels").Index(i)
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(cp.Child("name"), c.Name, msg))
		}
		if seen[c.Name] {
			errs = append(errs, field.Duplicate(cp.Child("name"), c.Name))
		}
		seen[c.Name] = true
		for j, k := range c.Kinds {
			if !slices.Contains(v1alpha1.Kinds(), k) {
				errs = append(errs, field.NotSupported(cp.Child("kinds").Index(j), k, v1alpha1.Kinds()))
			}
		}
		if c.SecretRef.Name == "" {
			errs = append(errs, field.Required(cp.Child("secretRef", "name"), "must name the Secret with the channel's credentials"))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(c.SecretRef.Name) {
				errs = append(errs, field.Invalid(cp.Child("secretRef", "name"), c.SecretRef.Name, msg))
			}
		}
		sections := map[string]bool{v1alpha1.ChannelJira: c.Jira != nil, v1alpha1.ChannelFeishu: c.Feishu != nil, v1alpha1.ChannelWebhook: c.Webhook != nil}
		for typ, set := range sections {
			if set && typ != c.Type {
				errs = append(errs, field.Forbidden(cp.Child(typ), fmt.Sprintf("must not be set on a channel of type %q", c.Type)))
			}
		}
		switch c.Type {
		case v1alpha1.ChannelJira:
			jp := cp.Child("jira")
			if c.Jira == nil {
				errs = append(errs, field.Required(jp, "must configure the Jira site and project"))
				break
			}
			if c.Jira.URL == "" {
				errs = append(errs, field.Required(jp.Child("url"), "must name the Jira Cloud site, such as https://example.atlassian.net"))
			} else {
				errs = append(errs, validateURL(jp.Child("url"), c.Jira.URL)...)
			}
			if c.Jira.Project == "" {
				errs = append(errs, field.Required(jp.Child("project"), "must name the project key"))
			}
		case v1alpha1.ChannelFeishu:
			if c.Feishu != nil && c.Feishu.URL != "" {
				errs = append(errs, validateURL(cp.Child("feishu", "url"), c.Feishu.URL)...)
			}
		case v1alpha1.ChannelWebhook:
			if c.Webhook != nil && c.Webhook.URL != "" {
				errs = append(errs, validateURL(cp.Child("webhook", "url"), c.Webhook.URL)...)
			}
		default:
			errs = append(errs, field.NotSupported(cp.Child("type"), c.Type, []string{v1alpha1.ChannelJira, v1alpha1.ChannelFeishu, v1alpha1.ChannelWebhook}))
		}
	}
	return errs
}

func validateURL(p *field.Path, s string) field.ErrorList {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return field.ErrorList{field.Invalid(p, s, "must be an absolute http or https URL")}
	}
	return nil
}

// KindsOf returns the kinds a channel receives.
func KindsOf(c v1alpha1.Channel) []string {
	if len(c.Kinds) == 0 {
		return v1alpha1.Kinds()
	}
	var ks []string
	for _, k := range v1alpha1.Kinds() {
		if slices.Contains(c.Kinds, k) {
			ks = append(ks, k)
		}
	}
	return ks
}

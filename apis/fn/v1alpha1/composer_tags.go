package v1alpha1

// TagPolicy declares the cost tags of a space: the tags every taggable
// cloud resource carries, and, normalised to label syntax, the labels of
// every tenant Kubernetes object. Billing attribution depends on exact
// tags, so a tag that breaks the policy or AWS's rules is rejected, never
// rewritten.
type TagPolicy struct {
	// Required tags, each with the source of its value. A claim's own tags
	// may override a required tag that is not enforced; the result must
	// still satisfy the tag's allowed values or pattern.
	Required []RequiredTag `json:"required,omitempty" patchStrategy:"merge" patchMergeKey:"key"`

	// Enforced are keys a claim's own tags may not set, compared without
	// regard to case. Every required tag is enforced unless listed in
	// Overridable.
	Enforced []string `json:"enforced,omitempty"`

	// Overridable are required keys a claim's own tags may override.
	Overridable []string `json:"overridable,omitempty"`

	// Teams holds data about each team, by team name, that required tags
	// read with fromTeam, for example a business unit.
	Teams map[string]TeamData `json:"teams,omitempty"`

	// LabelPrefix is prepended to each tag key to form the label key on
	// tenant Kubernetes objects. It must be a DNS subdomain followed by a
	// slash. Default: "tags.cloudspace.dev/".
	LabelPrefix string `json:"labelPrefix,omitempty"`
}

// TeamData is data about one team.
type TeamData map[string]string

// RequiredTag is one tag every taggable resource carries. Exactly one of
// FromClaim, FromTeam and Value is set.
type RequiredTag struct {
	// Key of the tag.
	Key string `json:"key"`

	// FromClaim is the claim field the value comes from: one of
	// metadata.name, spec.team, spec.environment, spec.owner,
	// spec.costCenter, spec.tier, spec.region, claim.name or
	// claim.namespace.
	FromClaim string `json:"fromClaim,omitempty"`

	// FromTeam is the key of the team's data (teams) the value comes from.
	FromTeam string `json:"fromTeam,omitempty"`

	// Value is a constant value.
	Value string `json:"value,omitempty"`

	// AllowedValues the tag may take. Empty allows any value.
	AllowedValues []string `json:"allowedValues,omitempty"`

	// Pattern is a regular expression (RE2) the whole value must match.
	Pattern string `json:"pattern,omitempty"`
}

package v1alpha1

// TagPolicy declares the cost tags of a space.
type TagPolicy struct {
	// Required tags, each with the source of its value.
	Required []RequiredTag `json:"required,omitempty"`
}

// RequiredTag is one tag every taggable resource carries.
type RequiredTag struct {
	// Key of the tag.
	Key string `json:"key"`

	// FromClaim is the claim field the value comes from, for example
	// "spec.team".
	FromClaim string `json:"fromClaim,omitempty"`

	// Value is a constant value.
	Value string `json:"value,omitempty"`
}

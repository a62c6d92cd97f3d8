package v1alpha1

// QuotaSpec configures where team quota data is read from.
type QuotaSpec struct {
	// TeamLabel is the label that names the team on quota data and spaces.
	TeamLabel string `json:"teamLabel,omitempty"`
}

// PriceCatalog is the price list for the claim-time estimate. Every price
// is an exact decimal per month.
type PriceCatalog struct {
	// Currency of every price, an ISO 4217 code.
	Currency string `json:"currency,omitempty"`
}

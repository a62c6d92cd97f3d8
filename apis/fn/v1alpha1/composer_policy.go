package v1alpha1

import (
	"github.com/invopop/jsonschema"
)

// Defaults of the install policy.
const (
	// PolicySourceAPIVersion and PolicySourceKind name the kind that holds
	// install policy: a Crossplane EnvironmentConfig.
	PolicySourceAPIVersion = "apiextensions.crossplane.io/v1beta1"
	PolicySourceKind       = "EnvironmentConfig"

	// MaxPolicyObjects is the most EnvironmentConfigs a policy selector
	// may match.
	MaxPolicyObjects = 16
)

// PolicySource selects the EnvironmentConfigs that amend the function
// input for one install. Each one's data is a strategic merge patch of
// the input, in the input's own schema:
//
//	apiVersion: apiextensions.crossplane.io/v1beta1
//	kind: EnvironmentConfig
//	metadata:
//	  name: cloudspace-policy
//	  labels: {platform.cloudspace.dev/config: policy}
//	data:
//	  identity: {accountId: "210987654321", providerConfigName: aws-prod}
//	  tiers:
//	  - name: small
//	    max: {cpu: "2", memory: 4Gi, storage: 50Gi, gpu: "0", pods: "20", loadBalancers: "1"}
//
// Objects merge field by field; tiers and regions merge by name and the
// tag policy's required tags by key, so a patch names only the entries it
// changes or adds; any other list replaces the input's; a null removes a
// field, and an entry {name: x, $patch: delete} removes tier or region x.
// The EnvironmentConfigs apply in the order of their names, each on the
// result of the one before, and the result is validated like the input.
// Required resources are not watched: an edit is seen at the space's next
// reconcile, within the response TTL (the quota TTL, or one minute).
type PolicySource struct {
	// MatchLabels are the labels the EnvironmentConfigs carry, for example
	// {"platform.cloudspace.dev/config": "policy"}. At least one: the
	// selector must not match the team quota data or the spend records,
	// which are EnvironmentConfigs too.
	MatchLabels map[string]string `json:"matchLabels"`
}

// JSONSchemaExtend requires a label.
func (PolicySource) JSONSchemaExtend(s *jsonschema.Schema) {
	if m, ok := s.Properties.Get("matchLabels"); ok {
		one := uint64(1)
		m.MinProperties = &one
	}
}

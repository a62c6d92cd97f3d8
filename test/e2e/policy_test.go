//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// installPolicy is an install policy EnvironmentConfig, labelled as the
// shipped Composition's policyFrom selects, that sets tier medium's cpu.
func installPolicy(cpu string) string {
	return fmt.Sprintf(`apiVersion: apiextensions.crossplane.io/v1beta1
kind: EnvironmentConfig
metadata:
  name: cloudspace-install-policy
  labels:
    platform.cloudspace.dev/config: install-policy
data:
  tiers:
  - name: medium
    max: {cpu: %q}
`, cpu)
}

// scenarioInstallPolicy changes a tier by editing an EnvironmentConfig,
// as a platform team would, with no package rebuilt: lowered below the
// running claim's 8 cores, the claim is refused and keeps everything it
// has; with the EnvironmentConfig gone, it is admitted again.
func (e *env) scenarioInstallPolicy(t *testing.T, xr string) {
	quota := func(status, reason, msgPart string) func() error {
		return func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			c := condition(obj, "QuotaAvailable")
			if c == nil || c["status"] != status || (reason != "" && c["reason"] != reason) || !strings.Contains(fmt.Sprint(c["message"]), msgPart) {
				return fmt.Errorf("QuotaAvailable: %v", c)
			}
			return nil
		}
	}
	vpcs := func() string {
		return e.run(t, "get", "vpcs.ec2.aws.upbound.io", "-l", "crossplane.io/composite="+xr, "-o", "jsonpath={.items[*].metadata.uid}")
	}
	before := vpcs()
	e.apply(t, installPolicy("6"))
	eventually(t, "the claim to be refused under the tier the install policy lowered", 2*time.Minute,
		quota("False", "TierLimitExceeded", "tier limit 6"))
	rq, err := e.getJSON("-n", tenantNS, "resourcequota", "cloudspace")
	if err != nil {
		t.Fatalf("the refused claim lost its ResourceQuota: %v", err)
	}
	if hard, _ := field(rq, "spec.hard").(map[string]any); hard["requests.cpu"] != "8" {
		t.Errorf("the refused claim's ResourceQuota changed: requests.cpu = %v, want 8", hard["requests.cpu"])
	}
	if after := vpcs(); before == "" || before != after {
		t.Errorf("the policy edit replaced the VPC: uids %q before, %q after", before, after)
	}

	// Without the policy the Composition's own tier (16 cores) holds again.
	e.run(t, "delete", "environmentconfig", "cloudspace-install-policy")
	eventually(t, "the claim to be admitted under the Composition's own tier", 2*time.Minute, quota("True", "", ""))
}

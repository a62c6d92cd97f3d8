//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	claimNamespace = "team-payments"
	tenantNS       = "team-payments-checkout"
	xrdName        = "xcloudspaces.platform.cloudspace.dev"
)

// TestCloudSpace installs CloudSpace as a platform team would and uses it as
// a developer would.
func TestCloudSpace(t *testing.T) {
	start := time.Now()
	e := startControlPlane(t)
	t.Logf("control plane ready in %s", time.Since(start).Round(time.Millisecond))
	e.startCrossplane(t)
	t.Logf("crossplane ready in %s", time.Since(start).Round(time.Millisecond))
	reg := startRegistry(t)

	// Platform team: the Configuration package from a registry, with
	// everything it depends on resolved and installed by Crossplane, then
	// RBAC and the team's quota data.
	e.installCloudSpace(t, reg)
	e.waitTrue(t, "XRD offered", 2*time.Minute, "xrd", xrdName, "Established", "Offered")
	e.checkActivationPolicy(t)
	for _, f := range must(filepath.Glob(filepath.Join(e.root, "examples", "rbac", "*.yaml"))) {
		e.run(t, "apply", "--server-side", "-f", f)
	}
	if f := filepath.Join(e.root, "examples", "team-quota.yaml"); exists(f) {
		e.run(t, "apply", "--server-side", "-f", f)
	}
	// The runtime configs are for a real package runtime, which this
	// harness stands in for: the API server validates them, nothing more.
	for _, f := range must(filepath.Glob(filepath.Join(e.root, "examples", "runtime", "*.yaml"))) {
		e.run(t, "apply", "--server-side", "--dry-run=server", "-f", f)
	}
	t.Logf("CloudSpace installed in %s", time.Since(start).Round(time.Millisecond))

	// Developer: a claim in the team namespace.
	e.run(t, "create", "namespace", claimNamespace)
	e.run(t, "apply", "-f", filepath.Join(e.root, "examples", "claim.yaml"))

	var xr string
	t.Run("TenantObjectsComposed", func(t *testing.T) {
		eventually(t, "the claim's composite resource", 2*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			name, _ := field(obj, "spec.resourceRef.name").(string)
			if name == "" {
				return fmt.Errorf("no resourceRef yet")
			}
			xr = name
			return nil
		})
		eventually(t, "the tenant ResourceQuota", 2*time.Minute, func() error {
			rq, err := e.getJSON("-n", tenantNS, "resourcequota", "cloudspace")
			if err != nil {
				return err
			}
			hard, _ := field(rq, "spec.hard").(map[string]any)
			for k, want := range map[string]string{"requests.cpu": "8", "requests.memory": "16Gi", "requests.storage": "100Gi"} {
				if got := hard[k]; got != want {
					return fmt.Errorf("spec.hard[%s] = %v, want %s", k, got, want)
				}
			}
			return nil
		})
		ns, err := e.getJSON("namespace", tenantNS)
		if err != nil {
			t.Fatal(err)
		}
		labels, _ := field(ns, "metadata.labels").(map[string]any)
		if labels["platform.cloudspace.dev/team"] != "payments" {
			t.Errorf("tenant namespace team label: want payments, got %v", labels["platform.cloudspace.dev/team"])
		}
		lr, err := e.getJSON("-n", tenantNS, "limitrange", "cloudspace")
		if err != nil {
			t.Fatal(err)
		}
		if limits, _ := field(lr, "spec.limits").([]any); len(limits) == 0 {
			t.Errorf("LimitRange has no limits: %v", lr)
		}
	})
	if xr == "" {
		t.Fatal("no composite resource; cannot go on")
	}

	t.Run("ManagedResourcesTagged", func(t *testing.T) {
		var mrs []string
		eventually(t, "every composed resource to exist", 2*time.Minute, func() error {
			obj, err := e.getJSON("xcloudspace", xr)
			if err != nil {
				return err
			}
			refs, _ := field(obj, "spec.resourceRefs").([]any)
			mrs = mrs[:0]
			for _, r := range refs {
				rm, _ := r.(map[string]any)
				av, _ := rm["apiVersion"].(string)
				if strings.Contains(av, ".aws.upbound.io/") {
					mrs = append(mrs, fmt.Sprintf("%s.%s/%s", strings.ToLower(rm["kind"].(string)), strings.Split(av, "/")[0], rm["name"]))
				}
			}
			if len(mrs) == 0 {
				return fmt.Errorf("no provider-aws resources referenced yet")
			}
			for _, mr := range mrs {
				if _, err := e.getJSON(mr); err != nil {
					return err
				}
			}
			return nil
		})
		slices.Sort(mrs)
		t.Logf("%d provider-aws resources: %v", len(mrs), mrs)
		tagged := 0
		for _, mr := range mrs {
			obj, err := e.getJSON(mr)
			if err != nil {
				t.Fatal(err)
			}
			tags, ok := field(obj, "spec.forProvider.tags").(map[string]any)
			if !ok {
				continue // Not taggable.
			}
			tagged++
			if tags["cloudspace"] != xr {
				t.Errorf("%s: tag cloudspace = %v, want %s", mr, tags["cloudspace"], xr)
			}
		}
		if tagged == 0 {
			t.Errorf("no provider-aws resource carries cost tags")
		}
	})

	t.Run("ClaimWaitsOnManagedResources", func(t *testing.T) {
		eventually(t, "the claim to report it waits on its resources", time.Minute, func() error {
			x, err := e.getJSON("xcloudspace", xr)
			if err != nil {
				return err
			}
			if c := condition(x, "Ready"); c == nil || c["status"] != "False" || !strings.Contains(fmt.Sprint(c["message"]), "Unready resources") {
				return fmt.Errorf("composite Ready condition: %v", c)
			}
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			if c := condition(obj, "Ready"); c == nil || c["status"] != "False" {
				return fmt.Errorf("claim Ready condition: %v", c)
			}
			if s := condition(obj, "Synced"); s == nil || s["status"] != "True" {
				return fmt.Errorf("claim Synced condition: %v", s)
			}
			return nil
		})
	})

	t.Run("QuotaRejectsSecondClaim", func(t *testing.T) {
		e.apply(t, `apiVersion: platform.cloudspace.dev/v1alpha1
kind: CloudSpace
metadata:
  name: reporting
  namespace: team-payments
spec:
  team: payments
  environment: dev
  owner: payments-lead@example.com
  costCenter: cc-4711
  tier: large
  region: eu-west-1
  network: {cidr: 10.30.0.0/16}
  resources: {cpu: "30", memory: 64Gi, storage: 100Gi}
  budget: {monthlyLimit: "3000.00"}
`)
		var msg string
		eventually(t, "the second claim to be refused for the team's quota", 2*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "reporting")
			if err != nil {
				return err
			}
			c := condition(obj, "QuotaAvailable")
			if c == nil || c["status"] != "False" || c["reason"] != "TeamQuotaExceeded" {
				return fmt.Errorf("QuotaAvailable: %v", c)
			}
			msg = fmt.Sprint(c["message"])
			return nil
		})
		t.Logf("QuotaAvailable message: %s", msg)
		if !strings.Contains(msg, "cpu") {
			t.Errorf("the quota message must name the dimension cpu: %q", msg)
		}
		// kubectl get tells the refused claim at a glance.
		eventually(t, "kubectl get to show the second claim Refused", time.Minute, func() error {
			row := e.run(t, "-n", claimNamespace, "get", "cloudspace", "reporting", "--no-headers", "-o", "custom-columns=STATE:.status.state")
			if strings.TrimSpace(row) != "Refused" {
				return fmt.Errorf("STATE %q", strings.TrimSpace(row))
			}
			return nil
		})
		if _, err := e.getJSON("namespace", "team-payments-reporting"); err == nil {
			t.Errorf("a refused claim must compose nothing, but its tenant namespace exists")
		}
		obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "reporting")
		if err != nil {
			t.Fatal(err)
		}
		if name, _ := field(obj, "spec.resourceRef.name").(string); name != "" {
			x, err := e.getJSON("xcloudspace", name)
			if err != nil {
				t.Fatal(err)
			}
			if refs, _ := field(x, "spec.resourceRefs").([]any); len(refs) > 0 {
				t.Errorf("a refused claim must compose nothing, but it references %d resources", len(refs))
			}
		}
		e.run(t, "-n", claimNamespace, "delete", "cloudspace", "reporting", "--wait=false")
	})

	t.Run("QuotaRejectsGrowthPastTier", func(t *testing.T) {
		before := e.run(t, "get", "vpcs.ec2.aws.upbound.io", "-l", "crossplane.io/composite="+xr, "-o", "jsonpath={.items[*].metadata.uid}")
		e.run(t, "-n", claimNamespace, "patch", "cloudspace", "checkout", "--type=merge", "-p", `{"spec":{"resources":{"cpu":"20"}}}`)
		eventually(t, "the growth past the tier to be refused", 2*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			if c := condition(obj, "QuotaAvailable"); c == nil || c["status"] != "False" || c["reason"] != "TierLimitExceeded" {
				return fmt.Errorf("QuotaAvailable: %v", c)
			}
			return nil
		})
		// Give Crossplane a few reconciles to prove nothing changes.
		time.Sleep(5 * time.Second)
		rq, err := e.getJSON("-n", tenantNS, "resourcequota", "cloudspace")
		if err != nil {
			t.Fatalf("the refused update deleted the ResourceQuota: %v", err)
		}
		if hard, _ := field(rq, "spec.hard").(map[string]any); hard["requests.cpu"] != "8" {
			got := hard["requests.cpu"]
			t.Errorf("the refused update resized the ResourceQuota: requests.cpu = %v, want 8", got)
		}
		after := e.run(t, "get", "vpcs.ec2.aws.upbound.io", "-l", "crossplane.io/composite="+xr, "-o", "jsonpath={.items[*].metadata.uid}")
		if before == "" || before != after {
			t.Errorf("the refused update replaced the VPC: uids %q before, %q after", before, after)
		}
		e.run(t, "-n", claimNamespace, "patch", "cloudspace", "checkout", "--type=merge", "-p", `{"spec":{"resources":{"cpu":"8"}}}`)
		eventually(t, "the claim to be admitted again", 2*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			if c := condition(obj, "QuotaAvailable"); c == nil || c["status"] != "True" {
				return fmt.Errorf("QuotaAvailable: %v", c)
			}
			return nil
		})
	})

	t.Run("TierFromInstallPolicy", func(t *testing.T) { e.scenarioInstallPolicy(t, xr) })

	t.Run("BillingReported", func(t *testing.T) {
		billing := filepath.Join(e.bin, "function-cloudspace-billing")
		if !exists(billing) {
			t.Skip("function-cloudspace-billing is not built")
		}
		focus := filepath.Join(t.TempDir(), "focus.csv")
		writeFile(t, focus, focusExport(xr))
		cmd := exec.Command(billing, "ingest", "--kubeconfig", e.kubeconfig, "--format", "focus", "--tag-key", "cloudspace", focus)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ingest: %v\n%s", err, out)
		}
		eventually(t, "the claim to show spend and forecast", 3*time.Minute, func() error {
			obj, err := e.getJSON("-n", claimNamespace, "cloudspace", "checkout")
			if err != nil {
				return err
			}
			spend, _ := field(obj, "status.billing.billedToDate").(string)
			forecast, _ := field(obj, "status.billing.forecast").(string)
			// Every billed instance is an orphan: the space composes none.
			orphan, _ := field(obj, "status.billing.orphanSpend").(string)
			if spend != "600.00" || forecast != "900.00" || orphan != "600.00" {
				return fmt.Errorf("status.billing: %v", field(obj, "status.billing"))
			}
			// 600 of 1200 spent by day 20 of 30; the forecast of 900 is
			// under the 90% at-risk threshold of the Composition.
			if c := condition(obj, "Budget"); c == nil || c["status"] != "True" || c["reason"] != "BudgetHealthy" {
				return fmt.Errorf("Budget condition: %v", c)
			}
			return nil
		})
		get := e.run(t, "-n", claimNamespace, "get", "cloudspace", "checkout")
		t.Logf("kubectl get cloudspace after ingest:\n%s", get)
		for _, v := range []string{"600.00", "900.00"} {
			if !strings.Contains(get, v) {
				t.Errorf("kubectl get cloudspace must show spend and forecast (%s): %s", v, get)
			}
		}
	})

	t.Run("BillingReplacedOnReingest", func(t *testing.T) { e.scenarioReingest(t, xr) })
	t.Run("InClusterSpend", func(t *testing.T) { e.scenarioInCluster(t) })
	t.Run("Notifications", func(t *testing.T) { e.scenarioNotify(t, xr) })

	t.Run("TenClaimsRace", func(t *testing.T) { e.scenarioRace(t) })

	t.Run("DeleteGarbageCollects", func(t *testing.T) {
		e.run(t, "-n", claimNamespace, "delete", "cloudspace", "checkout", "--wait=false")
		eventually(t, "the composite resource and tenant objects to be deleted", 2*time.Minute, func() error {
			if _, err := e.getJSON("xcloudspace", xr); err == nil {
				return fmt.Errorf("XR %s still exists", xr)
			}
			if _, err := e.getJSON("-n", tenantNS, "resourcequota", "cloudspace"); err == nil {
				return fmt.Errorf("ResourceQuota still exists")
			}
			out, err := e.try("get", "vpcs.ec2.aws.upbound.io", "-l", "crossplane.io/composite="+xr, "-o", "name")
			if err != nil {
				return err
			}
			if strings.TrimSpace(out) != "" {
				return fmt.Errorf("managed resources remain: %s", out)
			}
			return nil
		})
	})
	t.Run("WhatPeopleSee", func(t *testing.T) { e.scenarioLook(t) })
	t.Logf("scenario done in %s", time.Since(start).Round(time.Millisecond))
}

// focusExport is a FOCUS 1.2 export of November 2026 for the space xr:
// 30 USD a day for 20 days.
func focusExport(xr string) []byte {
	var b strings.Builder
	b.WriteString("BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,ListCost,ProviderName,ResourceId,ServiceName,SubAccountId,Tags\n")
	for d := 1; d <= 20; d++ {
		fmt.Fprintf(&b, "30.00,111111111111,USD,2026-12-01T00:00:00Z,2026-11-01T00:00:00Z,Usage,2026-11-%02dT00:00:00Z,2026-11-%02dT00:00:00Z,30.00,27.00,33.00,AWS,i-0%d,Amazon Elastic Compute Cloud,222222222222,\"{\"\"cloudspace\"\":\"\"%s\"\"}\"\n",
			d+1, d, d%3, xr)
	}
	return []byte(b.String())
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

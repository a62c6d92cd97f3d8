package main

import (
	"fmt"
	"maps"
	"time"
)

// The workload: a cluster of distinct spaces owned by teams of teamSize,
// each team with its quota data in an EnvironmentConfig and its spaces in
// its own claim namespace, as the CloudSpace Composition expects them.
// Everything is a pure function of the space's index, so every run sends
// the same requests.

// A tier of the Composition's catalog and the range of sizes a space of
// the tier asks for.
type tier struct {
	name     string
	cpu      []int // Cores.
	memory   []int // GiB.
	storage  []int // GiB.
	budget   string
	pods, lb int
}

// The tiers spaces are spread over. Each size fits its tier's limits and
// LimitRange, and each budget covers the estimate of the tier's largest
// size under the Composition's prices, so that every space is admitted.
var tiers = []tier{
	{name: "small", cpu: []int{1, 2, 3, 4}, memory: []int{2, 4, 6, 8}, storage: []int{10, 20, 50, 100}, budget: "450.00", pods: 40, lb: 1},
	{name: "medium", cpu: []int{4, 6, 8, 12, 16}, memory: []int{8, 16, 32, 64}, storage: []int{50, 100, 200, 500}, budget: "1900.00", pods: 150, lb: 2},
	{name: "large", cpu: []int{16, 24, 32, 64}, memory: []int{64, 128, 256}, storage: []int{200, 500, 1000, 2048}, budget: "9000.00", pods: 500, lb: 5},
}

var (
	environments = []string{"dev", "staging", "prod"}
	regions      = []string{"eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"}
)

// epoch is when the first space was created; the others follow a second
// apart, so that admission orders them.
var epoch = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

// space is the index-th composite resource of the workload, as Crossplane
// creates it for a claim: no status yet.
func space(index, teamSize int) map[string]any {
	t := tiers[index%len(tiers)]
	pick := func(vs []int, salt int) int { return vs[(index/len(tiers)+salt)%len(vs)] }
	name := fmt.Sprintf("space-%05d", index)
	ns := teamNamespace(index / teamSize)
	return map[string]any{
		"apiVersion": "platform.cloudspace.dev/v1alpha1",
		"kind":       "XCloudSpace",
		"metadata": map[string]any{
			"name":              name,
			"creationTimestamp": epoch.Add(time.Duration(index) * time.Second).Format(time.RFC3339),
			"labels": map[string]any{
				"crossplane.io/claim-name":      name,
				"crossplane.io/claim-namespace": ns,
				"crossplane.io/composite":       name,
			},
		},
		"spec": map[string]any{
			"team":        teamName(index / teamSize),
			"environment": environments[(index/7)%len(environments)],
			"owner":       fmt.Sprintf("lead-%d@example.com", index%101),
			"costCenter":  fmt.Sprintf("cc-%d", 1000+index%53),
			"tier":        t.name,
			"region":      regions[(index/11)%len(regions)],
			"network": map[string]any{
				// A distinct /20 for every space: 10.x.y.0/20.
				"cidr":              fmt.Sprintf("10.%d.%d.0/20", (index>>4)&255, (index&15)<<4),
				"availabilityZones": 2,
				"public":            false,
			},
			"resources": map[string]any{
				"cpu":     fmt.Sprint(pick(t.cpu, 0)),
				"memory":  fmt.Sprintf("%dGi", pick(t.memory, 1)),
				"storage": fmt.Sprintf("%dGi", pick(t.storage, 2)),
			},
			"budget": map[string]any{"monthlyLimit": t.budget, "currency": "USD", "alertThresholds": []any{50, 80, 100}},
			"tags":   map[string]any{"project": fmt.Sprintf("project-%d", index%97), "app": name},
		},
	}
}

func teamName(team int) string      { return fmt.Sprintf("team%04d", team) }
func teamNamespace(team int) string { return "team-" + teamName(team) }

// teamQuota is the quota EnvironmentConfig of a team of the workload: room
// for twice what its spaces ask for, so that all of them are admitted.
func teamQuota(team, teamSize, spaces int) map[string]any {
	var cpu, mem, storage, pods, lb int
	for i := team * teamSize; i < min((team+1)*teamSize, spaces); i++ {
		t := tiers[i%len(tiers)]
		pick := func(vs []int, salt int) int { return vs[(i/len(tiers)+salt)%len(vs)] }
		cpu += pick(t.cpu, 0)
		mem += pick(t.memory, 1)
		storage += pick(t.storage, 2)
		pods += t.pods
		lb += t.lb
	}
	return map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v1beta1",
		"kind":       "EnvironmentConfig",
		"metadata": map[string]any{
			"name": teamName(team) + "-quota",
			"labels": map[string]any{
				"platform.cloudspace.dev/team":   teamName(team),
				"platform.cloudspace.dev/config": "team-quota",
			},
		},
		"data": map[string]any{
			"namespaces": []any{teamNamespace(team)},
			"hard": map[string]any{
				"cpu": fmt.Sprint(2 * cpu), "memory": fmt.Sprintf("%dGi", 2*mem), "storage": fmt.Sprintf("%dGi", 2*storage),
				"gpu": "0", "pods": fmt.Sprint(2 * pods), "loadBalancers": fmt.Sprint(2 * lb),
			},
			"monthlyBudget": "100000.00",
			"currency":      "USD",
		},
	}
}

// ptInput is the input of a function-patch-and-transform step that
// composes what function-cloudspace composes for a private space in two
// zones, 25 resources, each patched from the composite's spec: region,
// addresses, sizes, budget, owner, and the cost tags on every taggable
// resource.
func ptInput() map[string]any {
	var rs []any
	add := func(name, apiVersion, kind string, forProvider map[string]any, patches ...map[string]any) {
		base := map[string]any{"apiVersion": apiVersion, "kind": kind, "spec": map[string]any{
			"forProvider":       forProvider,
			"providerConfigRef": map[string]any{"name": "default"},
		}}
		ps := make([]any, len(patches))
		for i, p := range patches {
			ps[i] = p
		}
		rs = append(rs, map[string]any{"name": name, "base": base, "patches": ps})
	}
	region := from("spec.region", "spec.forProvider.region")
	tagged := func(extra ...map[string]any) []map[string]any {
		return append([]map[string]any{
			region,
			{"type": "FromCompositeFieldPath", "fromFieldPath": "spec.tags", "toFieldPath": "spec.forProvider.tags", "policy": map[string]any{"toFieldPath": "MergeObjects"}},
			from("metadata.name", "spec.forProvider.tags[cloudspace]"),
			from("spec.team", "spec.forProvider.tags[team]"),
			from("spec.environment", "spec.forProvider.tags[environment]"),
			from("spec.costCenter", "spec.forProvider.tags[cost-center]"),
		}, extra...)
	}
	ec2 := "ec2.aws.upbound.io/v1beta1"
	add("vpc", ec2, "VPC", map[string]any{"enableDnsHostnames": true, "enableDnsSupport": true}, tagged(from("spec.network.cidr", "spec.forProvider.cidrBlock"))...)
	add("route-table-private", ec2, "RouteTable", map[string]any{"vpcIdSelector": map[string]any{"matchControllerRef": true}}, tagged()...)
	for _, z := range []string{"a", "b"} {
		add("subnet-private-"+z, ec2, "Subnet", map[string]any{"mapPublicIpOnLaunch": false, "vpcIdSelector": map[string]any{"matchControllerRef": true}},
			tagged(from("spec.network.cidr", "spec.forProvider.cidrBlock"), format("spec.region", "spec.forProvider.availabilityZone", "%s"+z))...)
		add("route-table-association-private-"+z, ec2, "RouteTableAssociation", map[string]any{
			"subnetIdSelector":     map[string]any{"matchControllerRef": true, "matchLabels": map[string]any{"platform.cloudspace.dev/subnet": "private-" + z}},
			"routeTableIdSelector": map[string]any{"matchControllerRef": true},
		}, region)
	}
	add("security-group", ec2, "SecurityGroup", map[string]any{"revokeRulesOnDelete": true, "vpcIdSelector": map[string]any{"matchControllerRef": true}},
		tagged(format("metadata.name", "spec.forProvider.description", "CloudSpace %s: no ingress, all egress"))...)
	add("security-group-egress", ec2, "SecurityGroupEgressRule", map[string]any{"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0", "securityGroupIdSelector": map[string]any{"matchControllerRef": true}}, tagged()...)
	add("s3-endpoint", ec2, "VPCEndpoint", map[string]any{"vpcEndpointType": "Gateway", "vpcIdSelector": map[string]any{"matchControllerRef": true}},
		tagged(format("spec.region", "spec.forProvider.serviceName", "com.amazonaws.%s.s3"))...)
	add("s3-endpoint-private", ec2, "VPCEndpointRouteTableAssociation", map[string]any{
		"routeTableIdSelector": map[string]any{"matchControllerRef": true}, "vpcEndpointIdSelector": map[string]any{"matchControllerRef": true},
	}, region)
	iam := "iam.aws.upbound.io/v1beta1"
	add("role", iam, "Role", map[string]any{"maxSessionDuration": 3600, "assumeRolePolicy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["sts:AssumeRole"]}]}`},
		append(tagged()[1:], format("spec.team", "spec.forProvider.description", "Team %s"))...)
	add("policy", iam, "Policy", map[string]any{},
		append(tagged()[1:], format("metadata.name", "spec.forProvider.description", "Access to the bucket and key of CloudSpace %s"),
			format("metadata.name", "spec.forProvider.policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::cloudspace-%s/*"]}]}`))...)
	add("policy-attachment", iam, "RolePolicyAttachment", map[string]any{"roleSelector": map[string]any{"matchControllerRef": true}, "policyArnSelector": map[string]any{"matchControllerRef": true}})
	s3 := "s3.aws.upbound.io/v1beta1"
	add("bucket", s3, "Bucket", map[string]any{"forceDestroy": false}, tagged()...)
	add("bucket-encryption", s3, "BucketServerSideEncryptionConfiguration", map[string]any{
		"bucketSelector": map[string]any{"matchControllerRef": true},
		"rule":           []any{map[string]any{"bucketKeyEnabled": true, "applyServerSideEncryptionByDefault": []any{map[string]any{"sseAlgorithm": "aws:kms", "kmsMasterKeyIdSelector": map[string]any{"matchControllerRef": true}}}}},
	}, region)
	add("bucket-public-access-block", s3, "BucketPublicAccessBlock", map[string]any{
		"bucketSelector": map[string]any{"matchControllerRef": true}, "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true,
	}, region)
	add("bucket-versioning", s3, "BucketVersioning", map[string]any{
		"bucketSelector": map[string]any{"matchControllerRef": true}, "versioningConfiguration": []any{map[string]any{"status": "Enabled"}},
	}, region)
	kms := "kms.aws.upbound.io/v1beta1"
	add("kms-key", kms, "Key", map[string]any{"enableKeyRotation": true, "deletionWindowInDays": 7},
		tagged(format("metadata.name", "spec.forProvider.description", "CloudSpace %s"))...)
	add("kms-alias", kms, "Alias", map[string]any{"targetKeyIdSelector": map[string]any{"matchControllerRef": true}}, region)
	add("budget", "budgets.aws.upbound.io/v1beta1", "Budget", map[string]any{
		"budgetType": "COST", "timeUnit": "MONTHLY",
		"notification": []any{map[string]any{"notificationType": "ACTUAL", "comparisonOperator": "GREATER_THAN", "threshold": 80, "thresholdType": "PERCENTAGE", "subscriberEmailAddresses": []any{"x"}}},
	}, append(tagged()[1:],
		from("spec.budget.monthlyLimit", "spec.forProvider.limitAmount"),
		from("spec.budget.currency", "spec.forProvider.limitUnit"),
		from("spec.owner", "spec.forProvider.notification[0].subscriberEmailAddresses[0]"))...)

	tenant := func(name, apiVersion, kind string, body map[string]any, patches ...map[string]any) {
		base := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": "cloudspace"}}
		maps.Copy(base, body)
		ps := make([]any, 0, 5+len(patches))
		ps = append(ps,
			format("metadata.labels[crossplane.io/claim-name]", "metadata.namespace", "space-%s"),
			from("metadata.name", "metadata.labels[platform.cloudspace.dev/space]"),
			from("spec.team", "metadata.labels[platform.cloudspace.dev/team]"),
			from("spec.environment", "metadata.labels[platform.cloudspace.dev/environment]"),
			from("spec.tier", "metadata.labels[platform.cloudspace.dev/tier]"),
		)
		for _, p := range patches {
			ps = append(ps, p)
		}
		rs = append(rs, map[string]any{"name": name, "base": base, "patches": ps})
	}
	tenant("namespace", "v1", "Namespace", nil, format("metadata.labels[crossplane.io/claim-name]", "metadata.name", "space-%s"))
	tenant("resource-quota", "v1", "ResourceQuota", map[string]any{"spec": map[string]any{"hard": map[string]any{"requests.nvidia.com/gpu": "0"}}},
		from("spec.resources.cpu", "spec.hard[requests.cpu]"), from("spec.resources.cpu", "spec.hard[limits.cpu]"),
		from("spec.resources.memory", "spec.hard[requests.memory]"), from("spec.resources.memory", "spec.hard[limits.memory]"),
		from("spec.resources.storage", "spec.hard[requests.storage]"))
	tenant("limit-range", "v1", "LimitRange", map[string]any{"spec": map[string]any{"limits": []any{map[string]any{
		"type": "Container", "default": map[string]any{"cpu": "1", "memory": "1Gi"}, "defaultRequest": map[string]any{"cpu": "250m", "memory": "256Mi"},
	}}}}, from("spec.resources.cpu", "spec.limits[0].max.cpu"), from("spec.resources.memory", "spec.limits[0].max.memory"))
	tenant("role-binding", "rbac.authorization.k8s.io/v1", "RoleBinding", map[string]any{
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
		"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "team"}},
	}, format("spec.team", "subjects[0].name", "team:%s"))
	tenant("network-policy", "networking.k8s.io/v1", "NetworkPolicy", map[string]any{"spec": map[string]any{
		"podSelector": map[string]any{}, "policyTypes": []any{"Ingress"},
		"ingress": []any{map[string]any{"from": []any{map[string]any{"podSelector": map[string]any{}}}}},
	}})
	return map[string]any{"apiVersion": "pt.fn.crossplane.io/v1beta1", "kind": "Resources", "resources": rs}
}

// from is a patch from a field of the composite to a field of the
// composed resource.
func from(fromPath, toPath string) map[string]any {
	return map[string]any{"type": "FromCompositeFieldPath", "fromFieldPath": fromPath, "toFieldPath": toPath}
}

// format is from with a string format transform.
func format(fromPath, toPath, f string) map[string]any {
	p := from(fromPath, toPath)
	p["transforms"] = []any{map[string]any{"type": "string", "string": map[string]any{"type": "Format", "fmt": f}}}
	return p
}

package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// Sizes of the load-shaped benchmark: teams of loadTeamSize spaces, as
// make load sends them (internal/cmd/loadgen).
const (
	loadSpaces   = 256
	loadTeamSize = 8
)

// BenchmarkRunFunctionLoad is BenchmarkRunFunction with requests shaped as
// make load sends them: the Composition's own input, spaces of three
// tiers in teams of eight, and the required resources Crossplane answers
// admission with, the team's quota EnvironmentConfig and its other spaces.
// First is a space's first reconcile once its requirements settled;
// Steady has every composed resource observed and ready. The composer
// remembers parsed inputs as the server does by default
// (--input-memo-size).
func BenchmarkRunFunctionLoad(b *testing.B) {
	input := compositionInput(b)
	xrs := make([]*structpb.Struct, loadSpaces)
	for i := range xrs {
		xrs[i] = xfntest.MustStruct(loadSpace(i))
	}
	var cluster []*structpb.Struct
	for t := range loadSpaces / loadTeamSize {
		cluster = append(cluster, xfntest.MustStruct(loadTeamQuota(t)))
	}
	// The install policy a platform team sets: the shipped example.
	cluster = append(cluster, installPolicy(b))
	f := NewFunction(logging.NewNopLogger(), WithInputMemo(NewInputMemo(8, NewInputMemoLookups())))
	first, steady := make([][]byte, loadSpaces), make([][]byte, loadSpaces)
	for i, xr := range xrs {
		req := &fnv1.RunFunctionRequest{
			Meta: &fnv1.RequestMeta{Tag: "bench", Capabilities: []fnv1.Capability{
				fnv1.Capability_CAPABILITY_CAPABILITIES, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES, fnv1.Capability_CAPABILITY_CONDITIONS,
			}},
			Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: proto.CloneOf(xr)}},
			Desired: &fnv1.State{Composite: &fnv1.Resource{Resource: xfntest.MustStruct(map[string]any{
				"apiVersion": "platform.cloudspace.dev/v1alpha1", "kind": "XCloudSpace",
			})}},
			Input: input,
		}
		all := append(slices.Clone(cluster), xrs...)
		rsp := settleRequest(b, f, req, all)
		first[i] = mustMarshal(b, req)
		req = proto.CloneOf(req)
		for range 3 { // The tenant objects follow the Namespace.
			observeResponse(req, rsp)
			rsp = settleRequest(b, f, req, all)
		}
		observeResponse(req, rsp)
		settleRequest(b, f, req, all)
		steady[i] = mustMarshal(b, req)
	}
	for _, ph := range []struct {
		name string
		wire [][]byte
	}{{"First", first}, {"Steady", steady}} {
		b.Run(ph.name, func(b *testing.B) {
			batch := make([]*fnv1.RunFunctionRequest, len(ph.wire))
			b.ReportAllocs()
			cpu, n := cpuTime(), 0
			var unmarshal int64
			for b.Loop() {
				if n%len(batch) == 0 {
					b.StopTimer()
					mark := cpuTime()
					for i := range batch {
						batch[i] = &fnv1.RunFunctionRequest{}
						if err := proto.Unmarshal(ph.wire[i], batch[i]); err != nil {
							b.Fatal(err)
						}
					}
					unmarshal += int64(cpuTime() - mark)
					b.StartTimer()
				}
				rsp, err := f.RunFunction(b.Context(), batch[n%len(batch)])
				if err != nil {
					b.Fatal(err)
				}
				// The gRPC server marshals the response.
				if _, err := proto.Marshal(rsp); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n > 0 {
				b.ReportMetric((float64(cpuTime()-cpu)-float64(unmarshal))/float64(n), "cpu-ns/op")
			}
		})
	}
}

// settleRequest calls f with req and answers its requirements from the
// cluster's objects, as Crossplane does, until it asks for nothing new. It
// returns the last response.
func settleRequest(b *testing.B, f *Function, req *fnv1.RunFunctionRequest, cluster []*structpb.Struct) *fnv1.RunFunctionResponse {
	b.Helper()
	for range 5 {
		rsp, err := f.RunFunction(b.Context(), proto.CloneOf(req))
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				b.Fatal(r.GetMessage())
			}
		}
		changed := false
		for k := range rsp.GetRequirements().GetResources() {
			if _, ok := req.GetRequiredResources()[k]; !ok {
				changed = true
			}
		}
		if !changed {
			return rsp
		}
		answer(req, rsp.GetRequirements(), cluster)
	}
	b.Fatal("the requirements did not settle after 5 calls")
	return nil
}

// observeResponse sets req's observed state to rsp's desired state applied
// and ready: each composed resource with an ID and a Ready condition, the
// composite with the status rsp desires.
func observeResponse(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) {
	req.Observed.Resources = map[string]*fnv1.Resource{}
	for _, name := range slices.Sorted(maps.Keys(rsp.GetDesired().GetResources())) {
		o := proto.CloneOf(rsp.GetDesired().GetResources()[name].GetResource())
		o.Fields["status"] = structpb.NewStructValue(xfntest.MustStruct(map[string]any{
			"atProvider": map[string]any{"id": "id-" + name, "arn": "arn:aws:x:::" + name},
			"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2025-01-01T00:00:00Z"}},
		}))
		req.Observed.Resources[name] = &fnv1.Resource{Resource: o}
	}
	if st := rsp.GetDesired().GetComposite().GetResource().GetFields()["status"]; st != nil {
		req.Observed.Composite.Resource.Fields["status"] = proto.CloneOf(st)
	}
}

func mustMarshal(b *testing.B, m proto.Message) []byte {
	b.Helper()
	out, err := proto.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// compositionInput is the input of the compose step of the Composition
// the package ships.
func compositionInput(b *testing.B) *structpb.Struct {
	b.Helper()
	raw, err := os.ReadFile("../../compositions/xcloudspace.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var comp struct {
		Spec struct {
			Pipeline []struct {
				Step  string         `json:"step"`
				Input map[string]any `json:"input"`
			} `json:"pipeline"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &comp); err != nil {
		b.Fatal(err)
	}
	for _, s := range comp.Spec.Pipeline {
		if s.Step == "compose" {
			return xfntest.MustStruct(s.Input)
		}
	}
	b.Fatal("the Composition has no compose step")
	return nil
}

// installPolicy is examples/install-policy.yaml, the install policy a
// platform team starts from.
func installPolicy(b *testing.B) *structpb.Struct {
	b.Helper()
	raw, err := os.ReadFile("../../examples/install-policy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		b.Fatal(err)
	}
	return xfntest.MustStruct(obj)
}

// The tiers the load's spaces are spread over, with sizes each fits.
var loadTiers = []struct {
	name, cpu, memory, storage, budget string
}{
	{"small", "2", "4Gi", "20Gi", "450.00"},
	{"medium", "8", "16Gi", "100Gi", "1900.00"},
	{"large", "32", "128Gi", "500Gi", "9000.00"},
}

// loadSpace is the i-th composite resource of the load, with no status.
func loadSpace(i int) map[string]any {
	t := loadTiers[i%len(loadTiers)]
	name := fmt.Sprintf("space-%05d", i)
	return map[string]any{
		"apiVersion": "platform.cloudspace.dev/v1alpha1",
		"kind":       "XCloudSpace",
		"metadata": map[string]any{
			"name":              name,
			"creationTimestamp": fmt.Sprintf("2026-01-05T09:%02d:%02dZ", i/60%60, i%60),
			"labels": map[string]any{
				LabelClaimName:            name,
				LabelClaimNamespace:       fmt.Sprintf("team-team%04d", i/loadTeamSize),
				"crossplane.io/composite": name,
			},
		},
		"spec": map[string]any{
			"team":        fmt.Sprintf("team%04d", i/loadTeamSize),
			"environment": []string{"dev", "staging", "prod"}[i/7%3],
			"owner":       fmt.Sprintf("lead-%d@example.com", i%101),
			"costCenter":  fmt.Sprintf("cc-%d", 1000+i%53),
			"tier":        t.name,
			"region":      []string{"eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-1"}[i/11%4],
			"network":     map[string]any{"cidr": fmt.Sprintf("10.%d.%d.0/20", (i>>4)&255, (i&15)<<4), "availabilityZones": 2, "public": false},
			"resources":   map[string]any{"cpu": t.cpu, "memory": t.memory, "storage": t.storage},
			"budget":      map[string]any{"monthlyLimit": t.budget, "currency": "USD", "alertThresholds": []any{50, 80, 100}},
			"tags":        map[string]any{"project": fmt.Sprintf("project-%d", i%97), "app": name},
		},
	}
}

// loadTeamQuota is the quota EnvironmentConfig of the load's team t, with
// room for all its spaces.
func loadTeamQuota(t int) map[string]any {
	team := fmt.Sprintf("team%04d", t)
	return map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v1beta1",
		"kind":       "EnvironmentConfig",
		"metadata": map[string]any{
			"name":   team + "-quota",
			"labels": map[string]any{"platform.cloudspace.dev/team": team, "platform.cloudspace.dev/config": "team-quota"},
		},
		"data": map[string]any{
			"namespaces":    []any{"team-" + team},
			"hard":          map[string]any{"cpu": "1000", "memory": "4Ti", "storage": "20Ti", "gpu": "0", "pods": "10000", "loadBalancers": "100"},
			"monthlyBudget": "100000.00",
			"currency":      "USD",
		},
	}
}

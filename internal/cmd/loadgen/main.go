// Command loadgen drives a running composition function over gRPC, as
// Crossplane would, and reports its latency, throughput, errors and memory.
//
// It builds one RunFunctionRequest from a composite resource and the input
// of a Composition's pipeline step, answers the function's requirements
// from the given required resources the way Crossplane does, then sends
// that request from N concurrent callers for a duration, for each N:
//
//	go run ./internal/cmd/loadgen -address 127.0.0.1:9443 -concurrency 1,4,64 -duration 20s -pid $(pgrep -n function-cloudspace)
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

func main() {
	var (
		address     = flag.String("address", "127.0.0.1:9443", "address of the function, served with --insecure")
		xrPath      = flag.String("xr", "examples/xr.yaml", "composite resource")
		compPath    = flag.String("composition", "compositions/xcloudspace.yaml", "Composition whose step input to send")
		step        = flag.String("step", "compose", "pipeline step of the Composition")
		required    = flag.String("required", "examples/team-quota.yaml", "comma-separated files of resources to answer requirements with")
		observed    = flag.String("observed", "", "file of observed composed resources, each annotated with crossplane.io/composition-resource-name")
		concurrency = flag.String("concurrency", "1,4,64", "comma-separated numbers of concurrent callers")
		duration    = flag.Duration("duration", 10*time.Second, "how long to send at each concurrency")
		warmup      = flag.Duration("warmup", 2*time.Second, "how long to send before measuring, at each concurrency")
		timeout     = flag.Duration("timeout", 10*time.Second, "deadline of each call")
		pid         = flag.Int("pid", 0, "process ID of the function, to report its memory")
	)
	flag.Parse()
	if err := run(*address, *xrPath, *compPath, *step, *required, *observed, *concurrency, *duration, *warmup, *timeout, *pid); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(address, xrPath, compPath, step, required, observed, concurrency string, duration, warmup, timeout time.Duration, pid int) error {
	levels, err := parseLevels(concurrency)
	if err != nil {
		return err
	}
	req, err := buildRequest(xrPath, compPath, step, observed)
	if err != nil {
		return err
	}
	var pool []map[string]any
	for _, p := range strings.Split(required, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		docs, err := readDocs(p)
		if err != nil {
			return err
		}
		pool = append(pool, docs...)
	}

	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", address, err)
	}
	defer conn.Close()
	client := fnv1.NewFunctionRunnerServiceClient(conn)

	rsp, err := settle(client, req, pool, timeout)
	if err != nil {
		return err
	}
	fmt.Printf("request: %d bytes; response: %d desired resources, %d bytes, %d results%s\n",
		proto.Size(req), len(rsp.GetDesired().GetResources()), proto.Size(rsp), len(rsp.GetResults()), fatalNote(rsp))
	fmt.Printf("%-11s %9s %10s %9s %9s %9s %9s %7s %9s %12s\n", "concurrency", "requests", "req/s", "p50", "p90", "p99", "max", "errors", "cpu/req", "rss/peak")
	for _, n := range levels {
		r := measure(client, req, n, warmup, duration, timeout, pid)
		fmt.Printf("%-11d %9d %10.0f %9s %9s %9s %9s %7d %9s %12s\n", n, r.count, float64(r.count)/duration.Seconds(),
			pct(r.lat, 50), pct(r.lat, 90), pct(r.lat, 99), pct(r.lat, 100), r.errors, perRequest(r.cpu, r.count), rss(pid))
		if r.firstErr != nil {
			fmt.Printf("  first error: %v\n", r.firstErr)
		}
	}
	return nil
}

func fatalNote(rsp *fnv1.RunFunctionResponse) string {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return " (FATAL: " + r.GetMessage() + ")"
		}
	}
	return ""
}

func parseLevels(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid concurrency %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// buildRequest is the request Crossplane sends for the first step of a
// pipeline: the observed composite, a desired composite with no fields
// set yet, and the step's input.
func buildRequest(xrPath, compPath, step, observedPath string) (*fnv1.RunFunctionRequest, error) {
	xrs, err := readDocs(xrPath)
	if err != nil {
		return nil, err
	}
	if len(xrs) != 1 {
		return nil, fmt.Errorf("%s: want one composite resource, got %d", xrPath, len(xrs))
	}
	xr := xrs[0]
	comps, err := readDocs(compPath)
	if err != nil {
		return nil, err
	}
	var input map[string]any
	for _, c := range comps {
		spec, _ := c["spec"].(map[string]any)
		pipeline, _ := spec["pipeline"].([]any)
		for _, s := range pipeline {
			sm, _ := s.(map[string]any)
			if sm["step"] == step {
				input, _ = sm["input"].(map[string]any)
			}
		}
	}
	if input == nil {
		return nil, fmt.Errorf("%s: no pipeline step %q with an input", compPath, step)
	}
	oxr, err := toStruct(xr)
	if err != nil {
		return nil, err
	}
	meta, _ := xr["metadata"].(map[string]any)
	dxr, err := toStruct(map[string]any{"apiVersion": xr["apiVersion"], "kind": xr["kind"], "metadata": map[string]any{"name": meta["name"]}})
	if err != nil {
		return nil, err
	}
	in, err := toStruct(input)
	if err != nil {
		return nil, err
	}
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "loadgen", Capabilities: []fnv1.Capability{fnv1.Capability_CAPABILITY_CAPABILITIES, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES, fnv1.Capability_CAPABILITY_CONDITIONS}},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: oxr}},
		Desired:  &fnv1.State{Composite: &fnv1.Resource{Resource: dxr}},
		Input:    in,
	}
	if observedPath != "" {
		docs, err := readDocs(observedPath)
		if err != nil {
			return nil, err
		}
		req.Observed.Resources = map[string]*fnv1.Resource{}
		for _, d := range docs {
			m, _ := d["metadata"].(map[string]any)
			a, _ := m["annotations"].(map[string]any)
			name, _ := a["crossplane.io/composition-resource-name"].(string)
			if name == "" {
				return nil, fmt.Errorf("%s: an observed resource has no crossplane.io/composition-resource-name annotation", observedPath)
			}
			s, err := toStruct(d)
			if err != nil {
				return nil, err
			}
			req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
		}
	}
	return req, nil
}

// settle calls the function and answers its requirements from pool, as
// Crossplane does, until it asks for nothing new.
func settle(c fnv1.FunctionRunnerServiceClient, req *fnv1.RunFunctionRequest, pool []map[string]any, timeout time.Duration) (*fnv1.RunFunctionResponse, error) {
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		rsp, err := c.RunFunction(ctx, req)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("cannot run function: %w", err)
		}
		sel := rsp.GetRequirements().GetResources()
		if len(sel) == 0 {
			return rsp, nil
		}
		changed := false
		if req.RequiredResources == nil {
			req.RequiredResources = map[string]*fnv1.Resources{}
		}
		for k, s := range sel {
			if _, ok := req.RequiredResources[k]; ok {
				continue
			}
			rs := &fnv1.Resources{}
			for _, d := range pool {
				if matches(s, d) {
					st, err := toStruct(d)
					if err != nil {
						return nil, err
					}
					rs.Items = append(rs.Items, &fnv1.Resource{Resource: st})
				}
			}
			req.RequiredResources[k] = rs
			changed = true
		}
		if !changed {
			return rsp, nil
		}
	}
	return nil, errors.New("the function's requirements did not settle after 5 calls")
}

func matches(s *fnv1.ResourceSelector, d map[string]any) bool {
	if d["apiVersion"] != s.GetApiVersion() || d["kind"] != s.GetKind() {
		return false
	}
	m, _ := d["metadata"].(map[string]any)
	if ns := s.GetNamespace(); ns != "" && m["namespace"] != ns {
		return false
	}
	if n := s.GetMatchName(); n != "" {
		return m["name"] == n
	}
	labels, _ := m["labels"].(map[string]any)
	for k, v := range s.GetMatchLabels().GetLabels() {
		if labels[k] != v {
			return false
		}
	}
	return true
}

type result struct {
	count    int
	errors   int
	lat      []time.Duration
	firstErr error
	// cpu is the CPU time the function used while measured.
	cpu time.Duration
}

func measure(c fnv1.FunctionRunnerServiceClient, req *fnv1.RunFunctionRequest, n int, warmup, duration, timeout time.Duration, pid int) result {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(duration)
	var cpuFrom time.Duration
	cpuTimer := time.AfterFunc(warmup, func() { cpuFrom = cpuOf(pid) })
	defer cpuTimer.Stop()
	var (
		mu  sync.Mutex
		all result
		wg  sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine result
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				rsp, err := c.RunFunction(ctx, req)
				cancel()
				d := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
				}
				if err == nil {
					if f := fatalNote(rsp); f != "" {
						err = errors.New(strings.TrimSpace(f))
					}
				}
				mine.count++
				mine.lat = append(mine.lat, d)
				if err != nil {
					mine.errors++
					if mine.firstErr == nil {
						mine.firstErr = err
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			all.count += mine.count
			all.errors += mine.errors
			all.lat = append(all.lat, mine.lat...)
			if all.firstErr == nil {
				all.firstErr = mine.firstErr
			}
		}()
	}
	wg.Wait()
	if pid != 0 {
		all.cpu = cpuOf(pid) - cpuFrom
	}
	slices.Sort(all.lat)
	return all
}

// cpuOf is the user and system CPU time of pid, from /proc.
func cpuOf(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields follow its closing parenthesis.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux.
	return time.Duration(ut+st) * time.Second / ticks
}

func perRequest(cpu time.Duration, n int) string {
	if cpu == 0 || n == 0 {
		return "-"
	}
	return (cpu / time.Duration(n)).Round(time.Microsecond).String()
}

func pct(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "-"
	}
	i := (len(sorted)*p + 99) / 100
	i = max(min(i-1, len(sorted)-1), 0)
	return sorted[i].Round(time.Microsecond).String()
}

// rss is the resident and peak resident memory of pid, from /proc.
func rss(pid int) string {
	if pid == 0 {
		return "-"
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	var cur, peak string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			cur = f[1]
		case "VmHWM:":
			peak = f[1]
		}
	}
	return kib(cur) + "/" + kib(peak)
}

func kib(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.1fM", float64(n)/1024)
}

func readDocs(path string) ([]map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	r := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []map[string]any
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", path, err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("cannot parse %s: %w", path, err)
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
}

func toStruct(m map[string]any) (*structpb.Struct, error) {
	b, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, err
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(j, s); err != nil {
		return nil, fmt.Errorf("cannot convert to a protobuf Struct: %w", err)
	}
	return s, nil
}

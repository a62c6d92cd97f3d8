// Command loadgen drives a running composition function over gRPC, as
// Crossplane would, and reports its latency, throughput, errors and memory.
//
// It builds a RunFunctionRequest from a composite resource and the input
// of a Composition's pipeline step, answers the function's requirements
// from the given required resources the way Crossplane does, then sends
// that request from N concurrent callers for a duration, for each N:
//
//	go run ./internal/cmd/loadgen -address 127.0.0.1:9443 -concurrency 1,4,64 -duration 20s -pid $(pgrep -n function-cloudspace)
//
// By default the request is Crossplane's first reconcile of a space: nothing
// composed exists yet. With -steady it is the reconcile Crossplane repeats
// once the space is up, every minute and on every watch event: each desired
// composed resource is observed, ready, with a provider ID and ARN, and the
// composite's status and conditions are what the function last wrote, so no
// condition changes. loadgen gets there by feeding each response back as
// observed state until the set of desired resources stops growing (the
// tenant objects appear only once their Namespace is observed).
//
// With -spaces N the callers send N distinct composite resources in turn,
// each named after the example with a suffix -0 to -N-1 (its claim name
// too, so each has its own tenant namespace). function-cloudspace caches
// per space what it can reuse between calls, in a least recently used cache
// of 1,024 spaces (--space-cache-size). A rotation through more spaces than
// the cache holds misses it on every call, so -spaces 2000 measures the
// cold path, and the default, one space, the warm path. The N
// requests are built, settled and made steady before measuring, so
// building them is never timed.
//
// Before the table loadgen prints what one call costs the client: encoding
// the request and decoding the response. At concurrency 1 this is the share
// of the latency that is neither the function's nor the network's. With
// -decode=false the callers do not decode the responses (they count their
// bytes), which measures the function without its caller's share; the
// first response is always decoded and checked.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// options are loadgen's command-line flags.
type options struct {
	address     string
	xr          string
	composition string
	step        string
	required    string
	observed    string
	concurrency string
	duration    time.Duration
	warmup      time.Duration
	timeout     time.Duration
	pid         int
	steady      bool
	spaces      int
	decode      bool
}

func main() {
	var o options
	flag.StringVar(&o.address, "address", "127.0.0.1:9443", "address of the function, served with --insecure")
	flag.StringVar(&o.xr, "xr", "examples/xr.yaml", "composite resource")
	flag.StringVar(&o.composition, "composition", "compositions/xcloudspace.yaml", "Composition whose step input to send")
	flag.StringVar(&o.step, "step", "compose", "pipeline step of the Composition")
	flag.StringVar(&o.required, "required", "examples/team-quota.yaml", "comma-separated files of resources to answer requirements with")
	flag.StringVar(&o.observed, "observed", "", "file of observed composed resources, each annotated with crossplane.io/composition-resource-name (replaced by -steady)")
	flag.StringVar(&o.concurrency, "concurrency", "1,4,64", "comma-separated numbers of concurrent callers")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send at each concurrency")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "how long to send before measuring, at each concurrency")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "deadline of each call")
	flag.IntVar(&o.pid, "pid", 0, "process ID of the function, to report its CPU time and memory")
	flag.BoolVar(&o.steady, "steady", false, "send the steady-state reconcile: every desired composed resource observed and ready")
	flag.BoolVar(&o.decode, "decode", true, "decode every response, as Crossplane does; false counts the response's bytes instead")
	flag.IntVar(&o.spaces, "spaces", 1, "number of distinct composite resources to send in turn; more than the function caches measures its cold path")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	levels, err := parseLevels(o.concurrency)
	if err != nil {
		return err
	}
	if o.spaces < 1 {
		return fmt.Errorf("invalid -spaces %d: must be at least 1", o.spaces)
	}
	base, err := buildRequest(o.xr, o.composition, o.step, o.observed)
	if err != nil {
		return err
	}
	var pool []map[string]any
	for _, p := range strings.Split(o.required, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		docs, err := readDocs(p)
		if err != nil {
			return err
		}
		pool = append(pool, docs...)
	}

	conn, err := grpc.NewClient(o.address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", o.address, err)
	}
	defer conn.Close()
	client := fnv1.NewFunctionRunnerServiceClient(conn)

	reqs := make([]*fnv1.RunFunctionRequest, o.spaces)
	var rsp *fnv1.RunFunctionResponse
	t0 := time.Now()
	for i := range reqs {
		req := base
		if o.spaces > 1 {
			req = renamed(base, "-"+strconv.Itoa(i))
		}
		r, err := settle(client, req, pool, o.timeout)
		if err != nil {
			return err
		}
		rounds := 0
		if o.steady {
			if r, rounds, err = steady(client, req, r, pool, o.timeout); err != nil {
				return err
			}
		}
		reqs[i] = req
		if i == 0 {
			rsp = r
			if o.steady {
				fmt.Printf("steady: the request carries %d observed composed resources, after %d rounds\n", len(req.GetObserved().GetResources()), rounds)
			}
		}
	}
	if o.spaces > 1 {
		fmt.Printf("spaces: %d distinct composite resources, sent in turn; built in %s\n", o.spaces, time.Since(t0).Round(time.Millisecond))
	}
	fmt.Printf("request: %d bytes; response: %d desired resources, %d bytes, %d results%s\n",
		proto.Size(reqs[0]), len(rsp.GetDesired().GetResources()), proto.Size(rsp), len(rsp.GetResults()), fatalNote(rsp))
	enc, dec, err := clientCost(reqs[0], rsp, 200)
	if err != nil {
		return err
	}
	fmt.Printf("client cost per call: %.1fµs to encode the request, %.1fµs to decode the %d-byte response\n",
		float64(enc)/float64(time.Microsecond), float64(dec)/float64(time.Microsecond), proto.Size(rsp))
	fmt.Printf("%-11s %9s %10s %9s %9s %9s %9s %7s %9s %12s\n", "concurrency", "requests", "req/s", "p50", "p90", "p99", "max", "errors", "cpu/req", "rss/peak")
	for _, n := range levels {
		r := measure(caller(conn, client, o.decode), reqs, n, o.warmup, o.duration, o.timeout, o.pid)
		fmt.Printf("%-11d %9d %10.0f %9s %9s %9s %9s %7d %9s %12s\n", n, r.count, float64(r.count)/o.duration.Seconds(),
			pct(r.lat, 50), pct(r.lat, 90), pct(r.lat, 99), pct(r.lat, 100), r.errors, perRequest(r.cpu, r.count), rss(o.pid))
		if r.firstErr != nil {
			fmt.Printf("  first error: %v\n", r.firstErr)
		}
	}
	return nil
}

// clientCost is the mean time the client takes to marshal req and to
// unmarshal rsp, over runs of each.
func clientCost(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, runs int) (enc, dec time.Duration, err error) {
	b, err := proto.Marshal(rsp)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot marshal the response: %w", err)
	}
	t0 := time.Now()
	for range runs {
		if _, err := proto.Marshal(req); err != nil {
			return 0, 0, fmt.Errorf("cannot marshal the request: %w", err)
		}
	}
	enc = time.Since(t0) / time.Duration(runs)
	t0 = time.Now()
	for range runs {
		if err := proto.Unmarshal(b, &fnv1.RunFunctionResponse{}); err != nil {
			return 0, 0, fmt.Errorf("cannot unmarshal the response: %w", err)
		}
	}
	dec = time.Since(t0) / time.Duration(runs)
	return enc, dec, nil
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

// steady feeds rsp, the response to req, back into req as observed state
// and calls again, settling requirements, until the set of desired
// composed resources stops growing: at most 5 rounds. It returns the
// response to the final req and the number of rounds.
func steady(c fnv1.FunctionRunnerServiceClient, req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, pool []map[string]any, timeout time.Duration) (*fnv1.RunFunctionResponse, int, error) {
	for round := 1; round <= 5; round++ {
		if err := observe(req, rsp); err != nil {
			return nil, 0, err
		}
		next, err := settle(c, req, pool, timeout)
		if err != nil {
			return nil, 0, err
		}
		grew := false
		for name := range next.GetDesired().GetResources() {
			if _, ok := req.GetObserved().GetResources()[name]; !ok {
				grew = true
			}
		}
		rsp = next
		if grew {
			continue
		}
		// The composite's status may have changed with what was observed,
		// such as the IDs of the composed resources: observe it once more.
		if err := observe(req, rsp); err != nil {
			return nil, 0, err
		}
		rsp, err = settle(c, req, pool, timeout)
		return rsp, round, err
	}
	return nil, 0, errors.New("the desired composed resources kept growing after 5 rounds")
}

// Fixed values of what Crossplane and the API server set on observed
// resources, so that the requests are the same on every run.
const (
	observedTime            = "2025-01-01T00:00:00Z"
	observedResourceVersion = "1"
	annotationResourceName  = "crossplane.io/composition-resource-name"
)

// observe sets the observed state of req to what Crossplane observes once
// rsp's desired state is applied and every composed resource is ready:
// each desired composed resource exists, with the metadata the API server
// sets, provider IDs and a Ready condition, and the composite carries the
// desired status and the conditions of rsp.
func observe(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) error {
	xr := req.GetObserved().GetComposite().GetResource()
	xrName := xr.GetFields()["metadata"].GetStructValue().GetFields()["name"].GetStringValue()
	ready := map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": observedTime}
	observed := make(map[string]*fnv1.Resource, len(rsp.GetDesired().GetResources()))
	for _, name := range slices.Sorted(maps.Keys(rsp.GetDesired().GetResources())) {
		o, ok := proto.Clone(rsp.GetDesired().GetResources()[name].GetResource()).(*structpb.Struct)
		if !ok || o == nil {
			return fmt.Errorf("desired composed resource %q has no body", name)
		}
		h := sha256.Sum256([]byte(xrName + "/" + name))
		x := hex.EncodeToString(h[:])
		id := name + "-" + x[:12]
		group, _, _ := strings.Cut(o.GetFields()["apiVersion"].GetStringValue(), ".")
		set := map[string]any{
			"metadata.uid":               x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32],
			"metadata.resourceVersion":   observedResourceVersion,
			"metadata.creationTimestamp": observedTime,
			"status.atProvider.id":       id,
			"status.atProvider.arn":      "arn:aws:" + group + ":::" + id,
			"status.conditions":          []any{ready},
		}
		if fieldOf(o, "metadata", "name") == nil {
			// Crossplane names composed resources after the composite.
			set["metadata.name"] = xrName + "-" + x[12:17]
		}
		for _, k := range slices.Sorted(maps.Keys(set)) {
			if err := setField(o, set[k], strings.Split(k, ".")...); err != nil {
				return fmt.Errorf("cannot set %s of observed composed resource %q: %w", k, name, err)
			}
		}
		if err := setField(o, name, "metadata", "annotations", annotationResourceName); err != nil {
			return fmt.Errorf("cannot annotate observed composed resource %q: %w", name, err)
		}
		observed[name] = &fnv1.Resource{Resource: o}
	}
	req.Observed.Resources = observed

	status := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	if s := rsp.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue(); s != nil {
		status, _ = proto.Clone(s).(*structpb.Struct)
	}
	// Crossplane writes the function's conditions to the composite, and
	// its own Synced and Ready, all of them true here.
	conds := map[string]any{
		"Synced": map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": observedTime},
		"Ready":  ready,
	}
	for _, c := range rsp.GetConditions() {
		st := "Unknown"
		switch c.GetStatus() {
		case fnv1.Status_STATUS_CONDITION_TRUE:
			st = "True"
		case fnv1.Status_STATUS_CONDITION_FALSE:
			st = "False"
		default:
		}
		m := map[string]any{"type": c.GetType(), "status": st, "reason": c.GetReason(), "lastTransitionTime": observedTime}
		if c.Message != nil {
			m["message"] = c.GetMessage()
		}
		conds[c.GetType()] = m
	}
	list := make([]any, 0, len(conds))
	for _, t := range slices.Sorted(maps.Keys(conds)) {
		list = append(list, conds[t])
	}
	if err := setField(status, list, "conditions"); err != nil {
		return fmt.Errorf("cannot set the observed composite's conditions: %w", err)
	}
	xr.Fields["status"] = structpb.NewStructValue(status)
	return nil
}

// renamed is a copy of req whose composite is named with suffix, and so is
// its claim when it has one; the claim stays in its namespace.
func renamed(req *fnv1.RunFunctionRequest, suffix string) *fnv1.RunFunctionRequest {
	out, _ := proto.Clone(req).(*fnv1.RunFunctionRequest)
	for _, xr := range []*structpb.Struct{out.GetObserved().GetComposite().GetResource(), out.GetDesired().GetComposite().GetResource()} {
		meta := fieldOf(xr, "metadata").GetStructValue()
		if meta == nil {
			continue
		}
		name := meta.GetFields()["name"].GetStringValue()
		meta.Fields["name"] = structpb.NewStringValue(name + suffix)
		labels := meta.GetFields()["labels"].GetStructValue()
		for k, v := range labels.GetFields() {
			if k == "crossplane.io/claim-name" || k == "crossplane.io/composite" && v.GetStringValue() == name {
				labels.Fields[k] = structpb.NewStringValue(v.GetStringValue() + suffix)
			}
		}
	}
	return out
}

// fieldOf is the value at path in s, or nil.
func fieldOf(s *structpb.Struct, path ...string) *structpb.Value {
	var v *structpb.Value
	for _, p := range path {
		if s == nil {
			return nil
		}
		v = s.GetFields()[p]
		s = v.GetStructValue()
	}
	return v
}

// setField sets the value at path in s to v, creating objects on the way.
func setField(s *structpb.Struct, v any, path ...string) error {
	for _, p := range path[:len(path)-1] {
		if s.Fields == nil {
			s.Fields = map[string]*structpb.Value{}
		}
		next := s.GetFields()[p].GetStructValue()
		if next == nil {
			next = &structpb.Struct{Fields: map[string]*structpb.Value{}}
			s.Fields[p] = structpb.NewStructValue(next)
		}
		s = next
	}
	pv, err := structpb.NewValue(v)
	if err != nil {
		return err
	}
	if s.Fields == nil {
		s.Fields = map[string]*structpb.Value{}
	}
	s.Fields[path[len(path)-1]] = pv
	return nil
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

// measure sends reqs in turn from n callers, for warmup and then for
// duration, and returns what it measured after warmup.
// call sends one request and returns an error for a failed call or a
// Fatal result.
type call func(ctx context.Context, req *fnv1.RunFunctionRequest) error

// caller returns how to call the function: through client, decoding the
// response, or, without decode, through conn with a codec that only
// counts the response's bytes.
func caller(conn *grpc.ClientConn, client fnv1.FunctionRunnerServiceClient, decode bool) call {
	if decode {
		return func(ctx context.Context, req *fnv1.RunFunctionRequest) error {
			rsp, err := client.RunFunction(ctx, req)
			if err == nil {
				if f := fatalNote(rsp); f != "" {
					err = errors.New(strings.TrimSpace(f))
				}
			}
			return err
		}
	}
	codec := countingCodec{CodecV2: encoding.GetCodecV2(grpcproto.Name)}
	return func(ctx context.Context, req *fnv1.RunFunctionRequest) error {
		var n responseBytes
		if err := conn.Invoke(ctx, fnv1.FunctionRunnerService_RunFunction_FullMethodName, req, &n, grpc.ForceCodecV2(codec)); err != nil {
			return err
		}
		if n == 0 {
			return errors.New("empty response")
		}
		return nil
	}
}

// responseBytes is the size of a response countingCodec did not decode.
type responseBytes int

// countingCodec encodes requests as protobuf and counts the bytes of
// responses instead of decoding them.
type countingCodec struct {
	encoding.CodecV2
}

func (c countingCodec) Unmarshal(data mem.BufferSlice, v any) error {
	n, ok := v.(*responseBytes)
	if !ok {
		return c.CodecV2.Unmarshal(data, v)
	}
	*n = responseBytes(data.Len())
	return nil
}

func measure(c call, reqs []*fnv1.RunFunctionRequest, n int, warmup, duration, timeout time.Duration, pid int) result {
	var next atomic.Uint64
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
				req := reqs[(next.Add(1)-1)%uint64(len(reqs))]
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				err := c(ctx, req)
				cancel()
				d := time.Since(t0)
				if t0.Before(measureFrom) {
					continue
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

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
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

// A phase of a space's life the benchmark sends requests of.
type phase string

const (
	phaseFirst  phase = "first"
	phaseSteady phase = "steady"
)

// A target is a function under load and the encoded requests it is sent.
type target struct {
	name   string
	conn   *grpc.ClientConn
	client fnv1.FunctionRunnerServiceClient
	pid    int
	reqs   map[phase][][]byte
	sizes  map[phase]string
}

// workload holds the targets and what their requests are built from.
type workload struct {
	o             options
	targets       []*target
	composer      *target
	composerInput map[string]any
}

func newWorkload(o options) (*workload, error) {
	in, err := stepInput(o.composition, o.step)
	if err != nil {
		return nil, err
	}
	w := &workload{o: o, composerInput: in}
	for _, t := range []struct {
		name, address string
		pid           int
	}{{"composer", o.composer, o.composerPID}, {"noop", o.noop, o.noopPID}, {"pt", o.pt, o.ptPID}} {
		if t.address == "" {
			continue
		}
		conn, err := grpc.NewClient(t.address, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			w.close()
			return nil, fmt.Errorf("cannot connect to %s at %s: %w", t.name, t.address, err)
		}
		tg := &target{name: t.name, conn: conn, client: fnv1.NewFunctionRunnerServiceClient(conn), pid: t.pid, reqs: map[phase][][]byte{}, sizes: map[phase]string{}}
		w.targets = append(w.targets, tg)
		if t.name == "composer" {
			w.composer = tg
		}
	}
	if w.composer == nil {
		w.close()
		return nil, errors.New("-composer is required: the composer's responses build every request")
	}
	return w, nil
}

func (w *workload) close() {
	for _, t := range w.targets {
		_ = t.conn.Close()
	}
}

// build settles and encodes every target's requests for every phase.
// The composer and the function that does nothing get the same requests;
// function-patch-and-transform gets the same composite resources with its
// own input, and asks for no required resources.
func (w *workload) build(phases []phase) error {
	n := w.o.spaces
	xrs := make([]*structpb.Struct, n)
	for i := range xrs {
		s, err := toStruct(space(i, w.o.teamSize))
		if err != nil {
			return err
		}
		xrs[i] = s
	}
	teams := (n + w.o.teamSize - 1) / w.o.teamSize
	quotas := make([]*structpb.Struct, teams)
	for t := range quotas {
		s, err := toStruct(teamQuota(t, w.o.teamSize, n))
		if err != nil {
			return err
		}
		quotas[t] = s
	}
	first := newPool(append(slices.Clone(quotas), xrs...))
	steadyXRs := make([]*structpb.Struct, n)

	// The composer's requests, and from them the no-op's.
	type built struct {
		first, steady []byte
		steadyReq     *fnv1.RunFunctionRequest
		requirements  *fnv1.Requirements
	}
	composed := make([]built, n)
	if err := w.each(n, func(i int) error {
		req := baseRequest(xrs[i], w.composerInput)
		rsp, err := settle(w.composer.client, req, first, w.o.timeout)
		if err != nil {
			return fmt.Errorf("space %d: %w", i, err)
		}
		b := built{}
		if b.first, err = proto.Marshal(req); err != nil {
			return err
		}
		req, rsp, err = steady(w.composer.client, req, rsp, first, w.o.timeout)
		if err != nil {
			return fmt.Errorf("space %d: %w", i, err)
		}
		steadyXRs[i] = req.GetObserved().GetComposite().GetResource()
		b.steadyReq, b.requirements = req, rsp.GetRequirements()
		composed[i] = b
		return nil
	}); err != nil {
		return err
	}
	// In the steady phase the team's spaces are as they now are: with the
	// status the composer wrote.
	later := newPool(append(slices.Clone(quotas), steadyXRs...))
	for i := range composed {
		b := &composed[i]
		answer(b.steadyReq, b.requirements, later)
		var err error
		if b.steady, err = proto.Marshal(b.steadyReq); err != nil {
			return err
		}
		b.steadyReq = nil
	}
	for _, t := range w.targets {
		if t.name == "pt" {
			continue
		}
		for _, ph := range phases {
			t.reqs[ph] = make([][]byte, n)
			for i := range composed {
				t.reqs[ph][i] = map[phase][]byte{phaseFirst: composed[i].first, phaseSteady: composed[i].steady}[ph]
			}
		}
	}

	for _, t := range w.targets {
		if t.name != "pt" {
			continue
		}
		input := ptInput()
		for _, ph := range phases {
			t.reqs[ph] = make([][]byte, n)
		}
		if err := w.each(n, func(i int) error {
			req := baseRequest(xrs[i], input)
			rsp, err := settle(t.client, req, first, w.o.timeout)
			if err != nil {
				return fmt.Errorf("pt space %d: %w", i, err)
			}
			b, err := proto.Marshal(req)
			if err != nil {
				return err
			}
			if _, ok := t.reqs[phaseFirst]; ok {
				t.reqs[phaseFirst][i] = b
			}
			if _, ok := t.reqs[phaseSteady]; !ok {
				return nil
			}
			req, _, err = steady(t.client, req, rsp, first, w.o.timeout)
			if err != nil {
				return fmt.Errorf("pt space %d: %w", i, err)
			}
			t.reqs[phaseSteady][i], err = proto.Marshal(req)
			return err
		}); err != nil {
			return err
		}
	}
	// What the first space's requests and responses weigh.
	for _, t := range w.targets {
		for _, ph := range phases {
			rsp := &fnv1.RunFunctionResponse{}
			if err := t.conn.Invoke(context.Background(), fnv1.FunctionRunnerService_RunFunction_FullMethodName, rawRequest(t.reqs[ph][0]), rsp, grpc.ForceCodecV2(rawCodec{})); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			t.sizes[ph] = describe(t.reqs[ph][0], rsp)
		}
	}
	return nil
}

// each runs fn for 0 to n-1 from the workload's builders, and returns the
// first error.
func (w *workload) each(n int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range max(w.o.builders, 1) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

func describe(req []byte, rsp *fnv1.RunFunctionResponse) string {
	s := fmt.Sprintf("request %6d bytes", len(req))
	if rsp != nil {
		s += fmt.Sprintf("; response %6d bytes, %2d desired resources%s", proto.Size(rsp), len(rsp.GetDesired().GetResources()), fatalNote(rsp))
	}
	return s
}

// stepInput is the input of a pipeline step of a Composition.
func stepInput(compPath, step string) (map[string]any, error) {
	comps, err := readDocs(compPath)
	if err != nil {
		return nil, err
	}
	for _, c := range comps {
		spec, _ := c["spec"].(map[string]any)
		pipeline, _ := spec["pipeline"].([]any)
		for _, s := range pipeline {
			sm, _ := s.(map[string]any)
			if sm["step"] == step {
				if in, ok := sm["input"].(map[string]any); ok {
					return in, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("%s: no pipeline step %q with an input", compPath, step)
}

// writePTComposition writes the function-patch-and-transform Composition
// of the benchmark to path.
func writePTComposition(path string) error {
	comp := map[string]any{
		"apiVersion": "apiextensions.crossplane.io/v1",
		"kind":       "Composition",
		"metadata":   map[string]any{"name": "xcloudspace-patch-and-transform"},
		"spec": map[string]any{
			"compositeTypeRef": map[string]any{"apiVersion": "platform.cloudspace.dev/v1alpha1", "kind": "XCloudSpace"},
			"mode":             "Pipeline",
			"pipeline": []any{map[string]any{
				"step": "patch-and-transform", "functionRef": map[string]any{"name": "function-patch-and-transform"}, "input": ptInput(),
			}},
		},
	}
	b, err := yaml.Marshal(comp)
	if err != nil {
		return fmt.Errorf("cannot marshal the function-patch-and-transform Composition: %w", err)
	}
	return os.WriteFile(path, b, 0o600)
}

// baseRequest is the request Crossplane sends for the first step of a
// pipeline: the observed composite, a desired composite with no fields
// set yet, and the step's input.
func baseRequest(xr *structpb.Struct, input map[string]any) *fnv1.RunFunctionRequest {
	in, err := toStruct(input)
	if err != nil {
		panic(err) // The inputs are loadgen's own.
	}
	meta := fieldOf(xr, "metadata").GetStructValue()
	dxr := &structpb.Struct{Fields: map[string]*structpb.Value{
		"apiVersion": xr.GetFields()["apiVersion"],
		"kind":       xr.GetFields()["kind"],
		"metadata":   structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"name": meta.GetFields()["name"]}}),
	}}
	return &fnv1.RunFunctionRequest{
		Meta: &fnv1.RequestMeta{Tag: "loadgen", Capabilities: []fnv1.Capability{
			fnv1.Capability_CAPABILITY_CAPABILITIES, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES, fnv1.Capability_CAPABILITY_CONDITIONS,
		}},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: proto.CloneOf(xr)}},
		Desired:  &fnv1.State{Composite: &fnv1.Resource{Resource: dxr}},
		Input:    in,
	}
}

// pool is the cluster's objects required resources are selected from,
// indexed by kind and label.
type pool struct {
	byLabel map[string][]*structpb.Struct
}

func newPool(objs []*structpb.Struct) *pool {
	p := &pool{byLabel: map[string][]*structpb.Struct{}}
	for _, o := range objs {
		for k, v := range fieldOf(o, "metadata", "labels").GetStructValue().GetFields() {
			ik := indexKey(o.GetFields()["apiVersion"].GetStringValue(), o.GetFields()["kind"].GetStringValue(), k, v.GetStringValue())
			p.byLabel[ik] = append(p.byLabel[ik], o)
		}
	}
	return p
}

func indexKey(apiVersion, kind, label, value string) string {
	return apiVersion + "\x00" + kind + "\x00" + label + "\x00" + value
}

// selected returns the objects sel selects, as Crossplane would.
func (p *pool) selected(sel *fnv1.ResourceSelector) []*structpb.Struct {
	labels := sel.GetMatchLabels().GetLabels()
	if len(labels) == 0 {
		return nil // loadgen's workload selects by labels only.
	}
	keys := slices.Sorted(maps.Keys(labels))
	var out []*structpb.Struct
	for _, o := range p.byLabel[indexKey(sel.GetApiVersion(), sel.GetKind(), keys[0], labels[keys[0]])] {
		have := fieldOf(o, "metadata", "labels").GetStructValue().GetFields()
		ok := true
		for _, k := range keys[1:] {
			if have[k].GetStringValue() != labels[k] {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, o)
		}
	}
	return out
}

// answer sets the required resources of req to what requirements select
// from p.
func answer(req *fnv1.RunFunctionRequest, requirements *fnv1.Requirements, p *pool) {
	req.RequiredResources = map[string]*fnv1.Resources{}
	for k, sel := range requirements.GetResources() {
		rs := &fnv1.Resources{}
		for _, o := range p.selected(sel) {
			rs.Items = append(rs.Items, &fnv1.Resource{Resource: o})
		}
		req.RequiredResources[k] = rs
	}
}

// settle calls the function and answers its requirements from p, as
// Crossplane does, until it asks for nothing new. req ends as the last
// request sent.
func settle(c fnv1.FunctionRunnerServiceClient, req *fnv1.RunFunctionRequest, p *pool, timeout time.Duration) (*fnv1.RunFunctionResponse, error) {
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		rsp, err := c.RunFunction(ctx, req)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("cannot run function: %w", err)
		}
		if f := fatalNote(rsp); f != "" {
			return nil, errors.New(strings.TrimSpace(f))
		}
		sel := rsp.GetRequirements().GetResources()
		changed := false
		for k := range sel {
			if _, ok := req.GetRequiredResources()[k]; !ok {
				changed = true
			}
		}
		if !changed {
			return rsp, nil
		}
		answer(req, rsp.GetRequirements(), p)
	}
	return nil, errors.New("the function's requirements did not settle after 5 calls")
}

// steady feeds rsp, the response to req, back into a copy of req as
// observed state and calls again, settling requirements, until the set of
// desired composed resources stops growing: at most 5 rounds. It returns
// the final request and its response.
func steady(c fnv1.FunctionRunnerServiceClient, req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, p *pool, timeout time.Duration) (*fnv1.RunFunctionRequest, *fnv1.RunFunctionResponse, error) {
	req = proto.CloneOf(req)
	for range 5 {
		if err := observe(req, rsp); err != nil {
			return nil, nil, err
		}
		next, err := settle(c, req, p, timeout)
		if err != nil {
			return nil, nil, err
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
			return nil, nil, err
		}
		rsp, err = settle(c, req, p, timeout)
		return req, rsp, err
	}
	return nil, nil, errors.New("the desired composed resources kept growing after 5 rounds")
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
	xrName := fieldOf(xr, "metadata", "name").GetStringValue()
	ready := map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": observedTime}
	observed := make(map[string]*fnv1.Resource, len(rsp.GetDesired().GetResources()))
	for _, name := range slices.Sorted(maps.Keys(rsp.GetDesired().GetResources())) {
		o := proto.CloneOf(rsp.GetDesired().GetResources()[name].GetResource())
		if o == nil {
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
	if s := fieldOf(rsp.GetDesired().GetComposite().GetResource(), "status").GetStructValue(); s != nil {
		status = proto.CloneOf(s)
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

func fatalNote(rsp *fnv1.RunFunctionResponse) string {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return " (FATAL: " + r.GetMessage() + ")"
		}
	}
	return ""
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

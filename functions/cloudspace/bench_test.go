package main

import (
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// BenchmarkRunFunction composes a private dev space of 24 resources, and a
// public prod space in three zones of 37, from a request as Crossplane
// sends it.
func BenchmarkRunFunction(b *testing.B) {
	cases := map[string]*v1alpha1.XCloudSpace{
		"Private24": composeXR(),
		"Public37": withXR(func(xr *v1alpha1.XCloudSpace) {
			xr.Spec.Environment = v1alpha1.EnvironmentProd
			xr.Spec.Network = v1alpha1.NetworkSpec{CIDR: "10.40.0.0/16", AvailabilityZones: 3, Public: true}
		}),
	}
	for name, xr := range cases {
		for _, second := range []bool{false, true} {
			if second {
				name += "/SecondReconcile"
			}
			b.Run(name, func(b *testing.B) {
				req := runRequest(b, xr, composeInput(), nil)
				if second {
					req = secondReconcile(b, req)
				}
				f := &Function{log: logging.NewNopLogger()}
				// RunFunction's response shares the request's desired state:
				// warm up with a copy, so that the measured requests desire
				// nothing yet, as in a pipeline's first step.
				rsp, err := f.RunFunction(b.Context(), proto.Clone(req).(*fnv1.RunFunctionRequest))
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range rsp.GetResults() {
					if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
						b.Fatal(r.GetMessage())
					}
				}
				b.ReportMetric(float64(len(rsp.GetDesired().GetResources())), "resources")
				// Each call gets its own request, as each gRPC call unmarshals
				// one; cloning them is not measured.
				reqs := make([]*fnv1.RunFunctionRequest, 256)
				for i := range reqs {
					reqs[i] = proto.Clone(req).(*fnv1.RunFunctionRequest)
				}
				b.ReportAllocs()
				cpu := cpuTime()
				n := 0
				for b.Loop() {
					if n%len(reqs) == 0 {
						b.StopTimer()
						for i := range reqs {
							reqs[i] = proto.Clone(req).(*fnv1.RunFunctionRequest)
						}
						b.StartTimer()
					}
					if _, err := f.RunFunction(b.Context(), reqs[n%len(reqs)]); err != nil {
						b.Fatal(err)
					}
					n++
				}
				reportCPU(b, cpu, n)
			})
		}
	}
}

// secondReconcile returns req with everything it composes observed, ready,
// with an ID: the steady state Crossplane calls the function in most often.
func secondReconcile(b testing.TB, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionRequest {
	b.Helper()
	f := &Function{log: logging.NewNopLogger()}
	req = proto.Clone(req).(*fnv1.RunFunctionRequest)
	for range 2 { // The tenant objects follow the Namespace.
		rsp, err := f.RunFunction(b.Context(), proto.Clone(req).(*fnv1.RunFunctionRequest))
		if err != nil {
			b.Fatal(err)
		}
		req.Observed.Resources = map[string]*fnv1.Resource{}
		for name, r := range xfntest.Received(b, rsp).GetDesired().GetResources() {
			o := proto.Clone(r.GetResource()).(*structpb.Struct)
			o.Fields["status"] = structpb.NewStructValue(structOf(b, map[string]any{
				"atProvider": map[string]any{"id": "id-" + name, "arn": "arn:aws:x:::" + name},
				"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"}},
			}))
			req.Observed.Resources[name] = &fnv1.Resource{Resource: o}
		}
	}
	return req
}

// BenchmarkCompose is the composer alone: plan, convert and desire the 24
// resources of a private dev space.
func BenchmarkCompose(b *testing.B) {
	s := composeSpace(b, composeXR(), composeInput())
	b.ReportAllocs()
	cpu := cpuTime()
	n := 0
	for b.Loop() {
		n++
		d := xfn.NewDesired(&fnv1.RunFunctionRequest{})
		if err := Compose(s, xfn.Observed{}, d); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, n)
}

// cpuTime is the CPU time the process has used. On a shared machine wall
// time per operation depends on the neighbours; CPU time much less so.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start, as cpu-ns/op.
// It includes the garbage collector and, for the runs that clone
// requests, the cloning.
func reportCPU(b *testing.B, start time.Duration, n int) {
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
	}
}

// BenchmarkConvert compares converting the 24 typed resources of a private
// dev space with ToComposed and with composed.From.
func BenchmarkConvert(b *testing.B) {
	p, errs := NewPlan(composeSpace(b, composeXR(), composeInput()))
	if len(errs) > 0 {
		b.Fatal(errs.ToAggregate())
	}
	for name, convert := range map[string]func(runtime.Object) error{
		"ToComposed":   func(o runtime.Object) error { _, err := ToComposed(o); return err },
		"ComposedFrom": func(o runtime.Object) error { _, err := composed.From(o); return err },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			n := 0
			for b.Loop() {
				n++
				for _, pt := range p.Parts {
					if err := convert(pt.Object); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportCPU(b, cpu, n)
		})
	}
}

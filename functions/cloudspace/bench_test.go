package main

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/xfntest"
)

// benchSpaces is how many distinct spaces the benchmarks send in turn, so
// that nothing a call leaves behind can serve the next.
const benchSpaces = 64

// BenchmarkRunFunction composes a private dev space of 25 resources, and a
// public prod space in three zones of 37, from requests as Crossplane
// sends them: each call is for another space. SecondReconcile is the
// steady state, with every resource observed and ready. InputMemo
// remembers the parsed input, which every space's request carries alike
// (--input-memo-size): what the memo buys on distinct spaces.
func BenchmarkRunFunction(b *testing.B) {
	cases := map[string]func(name string) *v1alpha1.XCloudSpace{
		"Private24": func(name string) *v1alpha1.XCloudSpace {
			return withXR(func(xr *v1alpha1.XCloudSpace) { xr.Name, xr.Labels[LabelClaimName] = name, name })
		},
		"Public37": func(name string) *v1alpha1.XCloudSpace {
			return withXR(func(xr *v1alpha1.XCloudSpace) {
				xr.Name, xr.Labels[LabelClaimName] = name, name
				xr.Spec.Environment = v1alpha1.EnvironmentProd
				xr.Spec.Network = v1alpha1.NetworkSpec{CIDR: "10.40.0.0/16", AvailabilityZones: ptr(3), Public: true}
			})
		},
	}
	for name, xr := range cases {
		for _, bc := range []struct {
			second bool
			memo   bool
		}{{false, false}, {false, true}, {true, false}, {true, true}} {
			name, second := name, bc.second
			if second {
				name += "/SecondReconcile"
			}
			f := NewFunction(logging.NewNopLogger())
			if bc.memo {
				name += "/InputMemo"
				f = NewFunction(logging.NewNopLogger(), WithInputMemo(NewInputMemo(1, NewInputMemoLookups())))
			}
			b.Run(name, func(b *testing.B) {
				reqs := make([]*fnv1.RunFunctionRequest, benchSpaces)
				for i := range reqs {
					reqs[i] = runRequest(xr(fmt.Sprintf("space-%d", i)), composeInput(), nil)
					if second {
						reqs[i] = secondReconcile(b, reqs[i])
					}
				}
				rsp, err := f.RunFunction(b.Context(), proto.CloneOf(reqs[0]))
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range rsp.GetResults() {
					if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
						b.Fatal(r.GetMessage())
					}
				}
				b.ReportMetric(float64(len(rsp.GetDesired().GetResources())), "resources")
				// Each call gets its own request, decoded from its wire form
				// as the gRPC server decodes one; decoding is not measured.
				wire := make([][]byte, len(reqs))
				for i, r := range reqs {
					if wire[i], err = proto.Marshal(r); err != nil {
						b.Fatal(err)
					}
				}
				batch := make([]*fnv1.RunFunctionRequest, len(reqs))
				b.ReportAllocs()
				var cpu time.Duration
				n := 0
				mark := cpuTime()
				for b.Loop() {
					if n%len(batch) == 0 {
						b.StopTimer()
						cpu += cpuTime() - mark
						for i := range batch {
							batch[i] = &fnv1.RunFunctionRequest{}
							if err := proto.Unmarshal(wire[i], batch[i]); err != nil {
								b.Fatal(err)
							}
						}
						mark = cpuTime()
						b.StartTimer()
					}
					if _, err := f.RunFunction(b.Context(), batch[n%len(batch)]); err != nil {
						b.Fatal(err)
					}
					n++
				}
				cpu += cpuTime() - mark
				if n > 0 {
					b.ReportMetric(float64(cpu)/float64(n), "cpu-ns/op")
				}
			})
		}
	}
}

// secondReconcile returns req with everything it composes observed, ready,
// with an ID: the steady state Crossplane calls the function in most often.
func secondReconcile(b testing.TB, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionRequest {
	b.Helper()
	f := NewFunction(logging.NewNopLogger())
	req = proto.CloneOf(req)
	for range 2 { // The tenant objects follow the Namespace.
		rsp, err := f.RunFunction(b.Context(), proto.CloneOf(req))
		if err != nil {
			b.Fatal(err)
		}
		req.Observed.Resources = map[string]*fnv1.Resource{}
		for name, r := range rsp.GetDesired().GetResources() {
			o := proto.CloneOf(r.GetResource())
			o.Fields["status"] = structpb.NewStructValue(xfntest.MustStruct(map[string]any{
				"atProvider": map[string]any{"id": "id-" + name, "arn": "arn:aws:x:::" + name},
				"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"}},
			}))
			req.Observed.Resources[name] = &fnv1.Resource{Resource: o}
		}
	}
	return req
}

// BenchmarkCompose is the composer without the request and response:
// plan the 25 resources of a private dev space, and convert them to the
// form a response carries.
func BenchmarkCompose(b *testing.B) {
	s := composeSpace(b, composeXR(), composeInput())
	observed := xfn.Observed{NameNamespace: &structpb.Struct{}}
	for name, convert := range map[string]bool{"Plan": false, "PlanAndConvert": true} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			n := 0
			for b.Loop() {
				n++
				c, err := Compose(s, observed)
				if err != nil {
					b.Fatal(err)
				}
				if !convert {
					continue
				}
				for _, r := range c.Resources {
					if _, err := xfn.ComposedStruct(r.Object); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportCPU(b, cpu, n)
		})
	}
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
// It includes the garbage collector.
func reportCPU(b *testing.B, start time.Duration, n int) {
	b.Helper()
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
	}
}

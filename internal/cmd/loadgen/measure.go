package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// rawRequest is a request encoded before it is sent.
type rawRequest []byte

// responseBytes is the size of a response rawCodec did not decode.
type responseBytes int

// rawCodec sends encoded requests as they are and decodes responses, or
// only counts their bytes.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, ok := v.(rawRequest)
	if !ok {
		return nil, fmt.Errorf("cannot send %T: want an encoded request", v)
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	switch out := v.(type) {
	case *responseBytes:
		*out = responseBytes(data.Len())
		return nil
	case proto.Message:
		buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
		defer buf.Free()
		return proto.Unmarshal(buf.ReadOnlyData(), out)
	default:
		return fmt.Errorf("cannot decode into %T", v)
	}
}

// call sends one encoded request and returns an error for a failed call
// or a Fatal result.
type call func(ctx context.Context, req []byte) error

// call returns how to call t: decoding each response, as Crossplane does,
// or only counting its bytes.
func (t *target) call(decode bool) call {
	opt := grpc.ForceCodecV2(rawCodec{})
	if decode {
		return func(ctx context.Context, req []byte) error {
			rsp := &fnv1.RunFunctionResponse{}
			if err := t.conn.Invoke(ctx, fnv1.FunctionRunnerService_RunFunction_FullMethodName, rawRequest(req), rsp, opt); err != nil {
				return err
			}
			if f := fatalNote(rsp); f != "" {
				return errors.New(strings.TrimSpace(f))
			}
			return nil
		}
	}
	return func(ctx context.Context, req []byte) error {
		var n responseBytes
		if err := t.conn.Invoke(ctx, fnv1.FunctionRunnerService_RunFunction_FullMethodName, rawRequest(req), &n, opt); err != nil {
			return err
		}
		if n == 0 {
			return errors.New("empty response")
		}
		return nil
	}
}

// key names a measurement: a phase, a concurrency and a target.
type key struct {
	phase       phase
	concurrency int
	target      string
}

type result struct {
	count    int
	errors   int
	lat      []time.Duration
	firstErr error
	// cpu is the CPU time the function used while measured.
	cpu time.Duration
	// rss is the function's resident memory when measured, in KiB.
	rss, peak int
}

func (r *result) merge(o result) {
	r.count += o.count
	r.errors += o.errors
	r.lat = append(r.lat, o.lat...)
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	r.cpu += o.cpu
	r.rss, r.peak = max(r.rss, o.rss), max(r.peak, o.peak)
	slices.Sort(r.lat)
}

// measure sends reqs in turn from n callers, for warmup and then for
// duration, and returns what it measured after warmup.
func measure(c call, reqs [][]byte, n int, warmup, duration, timeout time.Duration, pid int) result {
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
		wg.Go(func() {
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
			all.merge(mine)
		})
	}
	wg.Wait()
	if pid != 0 {
		all.cpu = cpuOf(pid) - cpuFrom
		all.rss, all.peak = memOf(pid)
	}
	return all
}

// soak sends reqs from n callers for d, sampling the resident memory of
// pid every 5s, from the start.
func soak(c call, reqs [][]byte, n int, d, timeout time.Duration, pid int) (result, []string) {
	var samples []string
	sample := func() {
		cur, _ := memOf(pid)
		samples = append(samples, fmt.Sprintf("%.0f", float64(cur)/1024))
	}
	sample()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				sample()
			case <-stop:
				return
			}
		}
	}()
	r := measure(c, reqs, n, 0, d, timeout, pid)
	close(stop)
	<-done
	return r, samples
}

// report prints the measurements: a table per phase, then how the composer
// compares with the floor and with function-patch-and-transform.
func report(results map[key]*result, targets []*target, phases []phase, levels []int, rounds int, duration time.Duration) {
	secs := float64(rounds) * duration.Seconds()
	for _, ph := range phases {
		fmt.Printf("\n# %s: %d rounds of %s per target and concurrency\n", ph, rounds, duration)
		fmt.Printf("%-11s %-9s %9s %9s %9s %9s %9s %9s %7s %9s %14s\n", "concurrency", "target", "requests", "req/s", "p50", "p90", "p99", "max", "errors", "cpu/req", "rss/peak")
		for _, n := range levels {
			for _, t := range targets {
				r := results[key{ph, n, t.name}]
				fmt.Printf("%-11d %-9s %9d %9.0f %9s %9s %9s %9s %7d %9s %14s\n", n, t.name, r.count, float64(r.count)/secs,
					pct(r.lat, 50), pct(r.lat, 90), pct(r.lat, 99), pct(r.lat, 100), r.errors, perRequest(r.cpu, r.count), mib(r.rss, r.peak))
				if r.firstErr != nil {
					fmt.Printf("  first error: %v\n", r.firstErr)
				}
			}
		}
		c := results[key{ph, 1, "composer"}]
		if c == nil || len(c.lat) == 0 {
			continue
		}
		p50 := c.lat[len(c.lat)/2]
		fmt.Printf("composer at concurrency 1: p50 %s, p99 %s", p50.Round(time.Microsecond), percentile(c.lat, 99).Round(time.Microsecond))
		for _, other := range []string{"noop", "pt"} {
			if o := results[key{ph, 1, other}]; o != nil && len(o.lat) > 0 {
				fmt.Printf("; p50 %.2f× %s's", float64(p50)/float64(o.lat[len(o.lat)/2]), other)
			}
		}
		fmt.Println()
	}
}

func perRequest(cpu time.Duration, n int) string {
	if cpu == 0 || n == 0 {
		return "-"
	}
	return (cpu / time.Duration(n)).Round(time.Microsecond).String()
}

func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(min(i-1, len(sorted)-1), 0)]
}

func pct(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "-"
	}
	return percentile(sorted, p).Round(time.Microsecond).String()
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

// memOf is the resident and peak resident memory of pid in KiB, from
// /proc.
func memOf(pid int) (rss, peak int) {
	if pid == 0 {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss, _ = strconv.Atoi(f[1])
		case "VmHWM:":
			peak, _ = strconv.Atoi(f[1])
		}
	}
	return rss, peak
}

func mib(rss, peak int) string {
	if rss == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fM/%.0fM", float64(rss)/1024, float64(peak)/1024)
}

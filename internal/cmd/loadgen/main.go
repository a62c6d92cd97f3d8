// Command loadgen drives running composition functions over gRPC, as
// Crossplane would, and reports their latency, throughput, errors and
// memory, side by side:
//
//   - function-cloudspace, the composer (-composer);
//   - a function that does nothing (-noop, internal/cmd/noop), fed the
//     very same requests: the floor of gRPC, protobuf and the SDK;
//   - function-patch-and-transform (-pt, optional), composing the same
//     resources as the composer, 25, each patched from the composite's
//     spec, from a Composition loadgen generates (-write-pt writes it).
//
// The workload is a cluster of -spaces distinct spaces (default 4,096):
// distinct names, teams, tiers, sizes, regions, environments and tags, in
// teams of -team-size, each team with its quota EnvironmentConfig. Every
// request is the last call of a reconcile: loadgen answers the composer's
// requirements from the cluster's quota data and spaces the way Crossplane
// does, until it asks for nothing new, so each request carries the team's
// quota data and the team's spaces as required resources. The first phase
// is Crossplane's first reconcile of each space, nothing composed yet; the
// steady phase the reconcile it repeats once the space is up: every
// composed resource observed and ready with provider IDs, the composite's
// status and conditions as the functions last wrote them, and the team's
// spaces as they now are. Requests are built, settled and encoded before
// anything is measured; callers send the encoded bytes, so the client's
// encoding is never timed, and decode every response (-decode), as
// Crossplane does.
//
// At each concurrency (-concurrency 1,4,64) the targets take turns, for
// -rounds rounds of -duration each, so that the machine's other load falls
// on all of them alike. -soak then runs each target alone at concurrency
// 64 on the steady requests, sampling its resident memory every 5s.
//
//	go run ./internal/cmd/loadgen -composer 127.0.0.1:9443 -composer-pid $PID -noop 127.0.0.1:9444 -noop-pid $PID2
//
// make load (test/load/run.sh) builds and starts the functions and runs it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// options are loadgen's command-line flags.
type options struct {
	composer, noop, pt          string
	composerPID, noopPID, ptPID int
	composition, step           string
	spaces, teamSize            int
	concurrency                 string
	phases                      string
	duration, warmup, timeout   time.Duration
	rounds                      int
	soak                        time.Duration
	decode                      bool
	writePT                     string
	builders                    int
}

func main() {
	var o options
	flag.StringVar(&o.composer, "composer", "127.0.0.1:9443", "address of function-cloudspace, served with --insecure")
	flag.IntVar(&o.composerPID, "composer-pid", 0, "process ID of function-cloudspace, to report its CPU time and memory")
	flag.StringVar(&o.noop, "noop", "", "address of the function that does nothing (internal/cmd/noop); empty skips it")
	flag.IntVar(&o.noopPID, "noop-pid", 0, "process ID of the function that does nothing")
	flag.StringVar(&o.pt, "pt", "", "address of function-patch-and-transform; empty skips it")
	flag.IntVar(&o.ptPID, "pt-pid", 0, "process ID of function-patch-and-transform")
	flag.StringVar(&o.composition, "composition", "compositions/xcloudspace.yaml", "Composition whose step input function-cloudspace gets")
	flag.StringVar(&o.step, "step", "compose", "pipeline step of the Composition")
	flag.IntVar(&o.spaces, "spaces", 4096, "number of distinct composite resources, sent in turn")
	flag.IntVar(&o.teamSize, "team-size", 8, "spaces per team")
	flag.StringVar(&o.concurrency, "concurrency", "1,4,64", "comma-separated numbers of concurrent callers")
	flag.StringVar(&o.phases, "phases", "first,steady", "comma-separated phases: first (first reconcile) and steady (everything observed)")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each target is measured in each round")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "how long each target is sent to before it is measured, in each round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of turns at each concurrency")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "deadline of each call")
	flag.DurationVar(&o.soak, "soak", 0, "run each target at concurrency 64 on the steady requests this long, sampling its memory; 0 skips it")
	flag.BoolVar(&o.decode, "decode", true, "decode every response, as Crossplane does; false counts the response's bytes instead")
	flag.StringVar(&o.writePT, "write-pt", "", "write the generated function-patch-and-transform Composition to this file")
	flag.IntVar(&o.builders, "builders", 4, "requests built concurrently before measuring")
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
	phases, err := parsePhases(o.phases)
	if err != nil {
		return err
	}
	if o.spaces < 1 || o.teamSize < 1 {
		return fmt.Errorf("invalid -spaces %d or -team-size %d: both must be at least 1", o.spaces, o.teamSize)
	}
	if o.writePT != "" {
		if err := writePTComposition(o.writePT); err != nil {
			return err
		}
	}
	w, err := newWorkload(o)
	if err != nil {
		return err
	}
	defer w.close()

	t0 := time.Now()
	if err := w.build(phases); err != nil {
		return err
	}
	fmt.Printf("workload: %d distinct spaces in %d teams of %d; built in %s\n",
		o.spaces, (o.spaces+o.teamSize-1)/o.teamSize, o.teamSize, time.Since(t0).Round(time.Second))
	for _, ph := range phases {
		for _, t := range w.targets {
			fmt.Printf("  %-8s %-9s %s\n", ph, t.name, t.sizes[ph])
		}
	}

	results := map[key]*result{}
	for _, ph := range phases {
		for _, n := range levels {
			for range o.rounds {
				for _, t := range w.targets {
					r := measure(t.call(o.decode), t.reqs[ph], n, o.warmup, o.duration, o.timeout, t.pid)
					k := key{ph, n, t.name}
					if results[k] == nil {
						results[k] = &result{}
					}
					results[k].merge(r)
				}
			}
		}
	}
	report(results, w.targets, phases, levels, o.rounds, o.duration)

	if o.soak > 0 && len(phases) > 0 {
		ph := phases[len(phases)-1]
		fmt.Printf("\n# soak: concurrency 64 for %s on the %s requests, one target at a time; RSS every 5s\n", o.soak, ph)
		for _, t := range w.targets {
			r, samples := soak(t.call(o.decode), t.reqs[ph], 64, o.soak, o.timeout, t.pid)
			fmt.Printf("%-9s %8d calls %8.0f req/s %6d errors  p50 %s p99 %s  RSS MiB: %s\n", t.name, r.count, float64(r.count)/o.soak.Seconds(), r.errors,
				pct(r.lat, 50), pct(r.lat, 99), strings.Join(samples, " "))
			if r.firstErr != nil {
				fmt.Printf("  first error: %v\n", r.firstErr)
			}
		}
	}
	return nil
}

func parseLevels(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid concurrency %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func parsePhases(s string) ([]phase, error) {
	var out []phase
	for f := range strings.SplitSeq(s, ",") {
		switch p := phase(strings.TrimSpace(f)); p {
		case phaseFirst, phaseSteady:
			out = append(out, p)
		default:
			return nil, fmt.Errorf("invalid phase %q: want first or steady", f)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no phase to measure")
	}
	return out, nil
}

// Command xpkg builds and publishes CloudSpace's Crossplane packages without a
// Docker engine. `make xpkg` and `make publish` run it.
//
//	go run ./internal/cmd/xpkg build --out _output --registry registry.example.com/platform --version v0.1.0
//	go run ./internal/cmd/xpkg push --out _output --registry registry.example.com/platform --version v0.1.0
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/cloudspace-dev/cloudspace/internal/xpkg"
)

//nolint:dupword // Each command is named, then described: "build   build the ...".
const usage = `usage: xpkg <command> [flags]

commands:
  build   build the function and configuration packages into <out>/xpkg
  push    push built packages to <registry>/<package>:<version>

Run xpkg <command> -h for its flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xpkg:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		_, _ = io.WriteString(stderr, usage)
		return errors.New("missing command")
	}
	switch args[0] {
	case "build":
		return build(ctx, args[1:], stdout, stderr)
	case "push":
		return push(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		_, _ = io.WriteString(stdout, usage)
		return nil
	default:
		_, _ = io.WriteString(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// common are the flags build and push share.
type common struct {
	out        string
	crossplane string
	platforms  string
	packages   string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.out, "out", "_output", "output directory; packages go to <out>/xpkg")
	fs.StringVar(&c.crossplane, "crossplane", "_output/bin/crossplane", "path of the crossplane CLI")
	fs.StringVar(&c.platforms, "platforms", "linux/amd64,linux/arm64", "comma-separated os/arch platforms of the function packages")
	fs.StringVar(&c.packages, "packages", "", "comma-separated package names (default all: "+strings.Join(names(xpkg.Packages), ",")+")")
}

func (c *common) resolve() ([]xpkg.Platform, []xpkg.Spec, error) {
	var ps []xpkg.Platform
	for s := range strings.SplitSeq(c.platforms, ",") {
		p, err := xpkg.ParsePlatform(strings.TrimSpace(s))
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, p)
	}
	if c.packages == "" {
		return ps, xpkg.Packages, nil
	}
	var specs []xpkg.Spec
	for n := range strings.SplitSeq(c.packages, ",") {
		i := slices.IndexFunc(xpkg.Packages, func(s xpkg.Spec) bool { return s.Name == strings.TrimSpace(n) })
		if i < 0 {
			return nil, nil, fmt.Errorf("unknown package %q: want one of %s", n, strings.Join(names(xpkg.Packages), ", "))
		}
		specs = append(specs, xpkg.Packages[i])
	}
	return ps, specs, nil
}

func build(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("xpkg build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	root := fs.String("root", ".", "repository root")
	registry := fs.String("registry", xpkg.DefaultRegistry, "registry and repository prefix the configuration's function dependencies name, where push will push them")
	version := fs.String("version", "", "version the functions report (--version) and the configuration's function dependencies are pinned to, the one push will push (default: unknown, and the repository's constraints)")
	commit := fs.String("commit", "", "commit the functions report (--version)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pub := xpkg.Publish{Registry: *registry, Version: *version}
	if err := pub.Validate(); err != nil {
		return err
	}
	ps, specs, err := c.resolve()
	if err != nil {
		return err
	}
	created, err := xpkg.SourceDateEpoch()
	if err != nil {
		return err
	}
	base, err := xpkg.DefaultBase(ctx)
	if err != nil {
		return err
	}
	b := xpkg.Builder{
		Root:       *root,
		Layout:     xpkg.Layout{Out: c.out},
		Crossplane: xpkg.Crossplane{Path: c.crossplane},
		Platforms:  ps,
		Created:    created,
		Base:       base,
		Publish:    pub,
		Stamp:      xpkg.Stamp{Version: *version, Commit: *commit},
	}
	start := time.Now()
	if err := b.BuildAll(ctx, specs); err != nil {
		return err
	}
	for _, s := range specs {
		for _, f := range b.Layout.Packages(s, ps) {
			if err := describe(stdout, f); err != nil {
				return err
			}
		}
	}
	_, _ = fmt.Fprintf(stdout, "built %s in %s (images dated %s)\n", strings.Join(names(specs), ", "), time.Since(start).Round(100*time.Millisecond), created.Format(time.RFC3339))
	return nil
}

func describe(w io.Writer, file string) error {
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("cannot describe package: %w", err)
	}
	b, err := xpkg.ReadFile(file)
	if err != nil {
		return err
	}
	platform := "-"
	if b.Config.Architecture != "" {
		platform = b.Config.OS + "/" + b.Config.Architecture
	}
	_, err = fmt.Fprintf(w, "%-52s %-12s %6.1f MiB  %s\n", file, platform, float64(st.Size())/(1<<20), b.Digest)
	return err
}

func push(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("xpkg push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	registry := fs.String("registry", "", "registry and repository prefix to push to, e.g. registry.example.com/platform (required)")
	version := fs.String("version", "", "package version, the OCI tag: a semantic version such as v0.1.0 (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *registry == "" || *version == "" {
		fs.Usage()
		return errors.New("push needs --registry and --version")
	}
	ps, specs, err := c.resolve()
	if err != nil {
		return err
	}
	refs, err := xpkg.PushAll(ctx, xpkg.Crossplane{Path: c.crossplane}, xpkg.Layout{Out: c.out}, specs, ps, *registry, *version)
	for _, r := range refs {
		_, _ = fmt.Fprintln(stdout, "pushed", r)
	}
	return err
}

func names(specs []xpkg.Spec) []string {
	n := make([]string, 0, len(specs))
	for _, s := range specs {
		n = append(n, s.Name)
	}
	return n
}

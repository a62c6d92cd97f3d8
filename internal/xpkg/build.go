package xpkg

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"
)

// Labels are the OCI annotations every runtime image carries.
var Labels = map[string]string{
	"org.opencontainers.image.source":   "https://github.com/cloudspace-dev/cloudspace",
	"org.opencontainers.image.licenses": "Apache-2.0",
	"org.opencontainers.image.vendor":   "CloudSpace",
}

// Layout says where a build puts its files, under one output directory.
type Layout struct {
	// Out is the output directory, e.g. _output.
	Out string
}

// Binary is where a function's binary for the platform is compiled to.
func (l Layout) Binary(s Spec, p Platform) string {
	return filepath.Join(l.Out, "bin", p.OS+"_"+p.Arch, s.Name)
}

// Image is where a function's runtime image tarball for the platform goes.
func (l Layout) Image(s Spec, p Platform) string {
	return filepath.Join(l.Out, "images", s.Name+"-"+p.OS+"-"+p.Arch+".tar")
}

// Root is where a package's root is staged.
func (l Layout) Root(s Spec) string {
	return filepath.Join(l.Out, "pkgroot", s.Name)
}

// Package is where a built package goes. Functions have one package per
// platform architecture; p is ignored for a configuration.
func (l Layout) Package(s Spec, p Platform) string {
	if !s.IsFunction() {
		return filepath.Join(l.Out, "xpkg", s.Name+".xpkg")
	}
	return filepath.Join(l.Out, "xpkg", s.Name+"-"+p.Arch+".xpkg")
}

// Packages are the built package files of s for the platforms.
func (l Layout) Packages(s Spec, ps []Platform) []string {
	if !s.IsFunction() {
		return []string{l.Package(s, Platform{})}
	}
	files := make([]string, 0, len(ps))
	for _, p := range ps {
		files = append(files, l.Package(s, p))
	}
	return files
}

// A Builder builds CloudSpace's packages.
type Builder struct {
	// Root is the repository root.
	Root string

	// Layout says where the outputs go.
	Layout Layout

	// Crossplane runs the crossplane CLI.
	Crossplane Crossplane

	// Platforms the functions are built for.
	Platforms []Platform

	// Created is the timestamp of the runtime images; see SourceDateEpoch.
	Created time.Time

	// Base is what the runtime images hold under the binary; see
	// DefaultBase.
	Base Base

	// Stamp is the version and commit the function binaries report.
	Stamp Stamp

	// Publish says where the packages are published, which the
	// configuration's references to the functions name.
	Publish Publish
}

// BuildAll builds every package: each function's binaries and runtime images
// for every platform, then its packages, then the configuration. It checks
// every package's files exist before it compiles anything.
func (b Builder) BuildAll(ctx context.Context, specs []Spec) error {
	for _, s := range specs {
		if _, err := s.Sources(b.Root); err != nil {
			return err
		}
	}
	for _, s := range specs {
		if !s.IsFunction() {
			if err := b.BuildConfiguration(ctx, s); err != nil {
				return err
			}
			continue
		}
		for _, p := range b.Platforms {
			bin := b.Layout.Binary(s, p)
			if err := os.MkdirAll(filepath.Dir(bin), 0o750); err != nil {
				return fmt.Errorf("cannot build function %q: %w", s.Name, err)
			}
			if err := GoBuild(ctx, b.Root, s.Main, p, b.Stamp, bin); err != nil {
				return fmt.Errorf("cannot build function %q: %w", s.Name, err)
			}
			if err := b.BuildFunction(ctx, s, p, bin); err != nil {
				return err
			}
		}
	}
	return nil
}

// BuildFunction builds the package of function s for platform p around an
// already compiled binary: its runtime image tarball, its package root, and
// the package with the image embedded.
func (b Builder) BuildFunction(ctx context.Context, s Spec, p Platform, binary string) error {
	if len(b.Base.CABundle) == 0 || len(b.Base.ZoneInfo) == 0 {
		// An image without them builds and starts, then fails on its first
		// HTTPS request or time zone: refuse it here.
		return fmt.Errorf("cannot build function %q for %s: the base has no CA certificates or time zone data (set Builder.Base, e.g. to DefaultBase)", s.Name, p)
	}
	img, err := RuntimeImage(ImageOptions{
		Binary:   binary,
		Name:     s.Name,
		Platform: p,
		Created:  b.Created,
		Labels:   withTitle(Labels, s.Name),
		Base:     b.Base,
	})
	if err != nil {
		return fmt.Errorf("cannot build function %q for %s: %w", s.Name, p, err)
	}
	tb := b.Layout.Image(s, p)
	if err := os.MkdirAll(filepath.Dir(tb), 0o750); err != nil {
		return fmt.Errorf("cannot build function %q for %s: %w", s.Name, p, err)
	}
	if err := WriteImage(tb, img); err != nil {
		return fmt.Errorf("cannot build function %q for %s: %w", s.Name, p, err)
	}
	return b.buildPackage(ctx, s, tb, b.Layout.Package(s, p))
}

// BuildConfiguration builds the configuration package s.
func (b Builder) BuildConfiguration(ctx context.Context, s Spec) error {
	return b.buildPackage(ctx, s, "", b.Layout.Package(s, Platform{}))
}

func (b Builder) buildPackage(ctx context.Context, s Spec, runtime, out string) error {
	root := b.Layout.Root(s)
	if err := s.Stage(b.Root, root); err != nil {
		return err
	}
	if !s.IsFunction() {
		if err := b.Publish.Rewrite(root, FunctionNames()); err != nil {
			return fmt.Errorf("cannot build package %q: %w", s.Name, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return fmt.Errorf("cannot build package %q: %w", s.Name, err)
	}
	if err := b.Crossplane.Build(ctx, root, runtime, out); err != nil {
		return fmt.Errorf("cannot build package %q: %w", s.Name, err)
	}
	return nil
}

func withTitle(labels map[string]string, title string) map[string]string {
	l := make(map[string]string, len(labels)+1)
	maps.Copy(l, labels)
	l["org.opencontainers.image.title"] = title
	return l
}

package xpkg

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Ref returns the reference a package is pushed to: registry/name:version.
// The registry is a host with an optional repository prefix; the package
// name is always the last path element. A configuration built with the same
// Publish depends on the functions at these references.
func Ref(registry, pkg, version string) (name.Tag, error) {
	s := strings.TrimSuffix(registry, "/") + "/" + pkg + ":" + version
	t, err := name.NewTag(s, name.StrictValidation)
	if err != nil {
		return name.Tag{}, fmt.Errorf("cannot parse package reference %q: %w", s, err)
	}
	return t, nil
}

// PushAll pushes the built packages of specs to registry, functions as one
// multi-platform index each, and returns the references it pushed. It checks
// every file exists, and that the configuration was built for this registry
// and version (see Publish), before pushing anything.
func PushAll(ctx context.Context, c Crossplane, l Layout, specs []Spec, ps []Platform, registry, version string) ([]string, error) {
	type job struct {
		ref   name.Tag
		files []string
	}
	jobs := make([]job, 0, len(specs))
	for _, s := range specs {
		ref, err := Ref(registry, s.Name, version)
		if err != nil {
			return nil, err
		}
		files := l.Packages(s, ps)
		for _, f := range files {
			if _, err := os.Stat(f); err != nil {
				return nil, fmt.Errorf("cannot push package %q: %w (run make xpkg first)", s.Name, err)
			}
		}
		if !s.IsFunction() {
			b, err := ReadFile(files[0])
			if err != nil {
				return nil, fmt.Errorf("cannot push package %q: %w", s.Name, err)
			}
			if err := (Publish{Registry: registry, Version: version}).Check(b.Meta, FunctionNames()); err != nil {
				return nil, fmt.Errorf("cannot push package %q to %s: %w (build it with the same registry and version: make publish does)", s.Name, registry, err)
			}
		}
		jobs = append(jobs, job{ref: ref, files: files})
	}
	pushed := make([]string, 0, len(jobs))
	for _, j := range jobs {
		if err := c.Push(ctx, j.ref.String(), j.files...); err != nil {
			return pushed, err
		}
		pushed = append(pushed, j.ref.String())
	}
	return pushed, nil
}

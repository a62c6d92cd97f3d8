package xpkg

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/mod/semver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// DefaultRegistry is the registry the repository's configuration names its
// function dependencies under.
const DefaultRegistry = "xpkg.cloudspace.dev"

// Publish says where CloudSpace's packages are published: the registry the
// configuration's function dependencies name, and the version they are
// pinned to. Its zero value builds the configuration as the repository has
// it.
type Publish struct {
	// Registry is a host with an optional repository prefix, e.g.
	// registry.example.com/platform. Empty means DefaultRegistry.
	Registry string

	// Version, when set, pins the configuration's function dependencies to
	// this semantic version, e.g. v0.2.0: the version the functions are
	// published as alongside the configuration. Empty keeps the repository's
	// version constraints.
	Version string
}

// registry returns the registry without a trailing slash.
func (p Publish) registry() string {
	if p.Registry == "" {
		return DefaultRegistry
	}
	return strings.TrimSuffix(p.Registry, "/")
}

// Package returns the package reference, without tag, the configuration
// depends on the function fn by.
func (p Publish) Package(fn string) string { return p.registry() + "/" + fn }

// Validate returns an error unless the registry and version are usable in
// package references.
func (p Publish) Validate() error {
	if _, err := name.NewRepository(p.Package("function-cloudspace"), name.StrictValidation); err != nil {
		return fmt.Errorf("cannot use registry %q: %w", p.Registry, err)
	}
	if p.Version != "" && !semver.IsValid(p.Version) {
		return fmt.Errorf("cannot use version %q: want a semantic version with a leading v, e.g. v0.1.0", p.Version)
	}
	return nil
}

// FunctionNames returns the names of the function packages CloudSpace
// ships, in the order of Packages.
func FunctionNames() []string {
	var n []string
	for _, s := range Packages {
		if s.IsFunction() {
			n = append(n, s.Name)
		}
	}
	return n
}

// Rewrite points the configuration package staged at root at the functions
// as p publishes them. In crossplane.yaml, each Function dependency on
// DefaultRegistry/<fn> becomes p.Package(fn), pinned to p.Version when set.
// In every Composition, a pipeline step's functionRef.name that names one of
// the functions becomes the name Crossplane installs that dependency under
// (see DependencyName), which depends on the registry's repository prefix.
// It fails when the configuration does not depend on every function.
//
// With the zero Publish it changes nothing.
func (p Publish) Rewrite(root string, functions []string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.registry() == DefaultRegistry && p.Version == "" {
		return nil
	}
	refs := make(map[string]string, len(functions))
	for _, fn := range functions {
		n, err := DependencyName(p.Package(fn))
		if err != nil {
			return err
		}
		for other, on := range refs {
			if on == n {
				return fmt.Errorf("cannot use registry %q: functions %q and %q would both install as %q", p.Registry, other, fn, n)
			}
		}
		refs[fn] = n
	}

	meta := filepath.Join(root, MetaFile)
	if err := rewriteFile(meta, func(o *unstructured.Unstructured) (bool, error) {
		return p.rewriteDependencies(o, functions)
	}); err != nil {
		return err
	}
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path == meta || (filepath.Ext(path) != ".yaml" && filepath.Ext(path) != ".yml") {
			return nil
		}
		return rewriteFile(path, func(o *unstructured.Unstructured) (bool, error) {
			return rewriteFunctionRefs(o, refs)
		})
	})
}

// Check returns an error unless the package metadata meta depends on each
// of the functions as p publishes them: at p.Package(fn), and at p.Version
// when it is set. A configuration built for one registry or version and
// pushed as another would install functions from elsewhere.
func (p Publish) Check(meta *unstructured.Unstructured, functions []string) error {
	deps, _, err := unstructured.NestedSlice(meta.Object, "spec", "dependsOn")
	if err != nil {
		return fmt.Errorf("cannot read spec.dependsOn of %q: %w", meta.GetName(), err)
	}
	for _, fn := range functions {
		want := p.Package(fn)
		found := false
		for _, d := range deps {
			dep, _ := d.(map[string]any)
			if dep["kind"] != "Function" || dep["package"] != want {
				continue
			}
			found = true
			if v, _ := dep["version"].(string); p.Version != "" && v != p.Version {
				return fmt.Errorf("%q depends on %s at %q, want %q", meta.GetName(), want, v, p.Version)
			}
		}
		if !found {
			return fmt.Errorf("%q does not depend on the Function %s", meta.GetName(), want)
		}
	}
	return nil
}

// rewriteDependencies rewrites the Function dependencies of the package
// metadata o and reports whether it changed anything.
func (p Publish) rewriteDependencies(o *unstructured.Unstructured, functions []string) (bool, error) {
	deps, _, err := unstructured.NestedSlice(o.Object, "spec", "dependsOn")
	if err != nil {
		return false, fmt.Errorf("cannot read spec.dependsOn of %q: %w", o.GetName(), err)
	}
	var found []string
	for i, d := range deps {
		dep, ok := d.(map[string]any)
		if !ok || dep["kind"] != "Function" {
			continue
		}
		pkg, _ := dep["package"].(string)
		fn, ok := strings.CutPrefix(pkg, DefaultRegistry+"/")
		if !ok || !slices.Contains(functions, fn) {
			continue
		}
		dep["package"] = p.Package(fn)
		if p.Version != "" {
			dep["version"] = p.Version
		}
		deps[i] = dep
		found = append(found, fn)
	}
	for _, fn := range functions {
		if !slices.Contains(found, fn) {
			return false, fmt.Errorf("cannot point %q at %s: spec.dependsOn has no Function %q", o.GetName(), p.registry(), DefaultRegistry+"/"+fn)
		}
	}
	if err := unstructured.SetNestedSlice(o.Object, deps, "spec", "dependsOn"); err != nil {
		return false, fmt.Errorf("cannot set spec.dependsOn of %q: %w", o.GetName(), err)
	}
	return true, nil
}

// rewriteFunctionRefs renames the functions a Composition's pipeline refers
// to, by refs, and reports whether it changed anything.
func rewriteFunctionRefs(o *unstructured.Unstructured, refs map[string]string) (bool, error) {
	if o.GetKind() != "Composition" {
		return false, nil
	}
	steps, _, err := unstructured.NestedSlice(o.Object, "spec", "pipeline")
	if err != nil {
		return false, fmt.Errorf("cannot read spec.pipeline of Composition %q: %w", o.GetName(), err)
	}
	changed := false
	for i, s := range steps {
		step, ok := s.(map[string]any)
		if !ok {
			continue
		}
		fn, _, _ := unstructured.NestedString(step, "functionRef", "name")
		to, ok := refs[fn]
		if !ok || to == fn {
			continue
		}
		if err := unstructured.SetNestedField(step, to, "functionRef", "name"); err != nil {
			return false, fmt.Errorf("cannot set spec.pipeline[%d].functionRef.name of Composition %q: %w", i, o.GetName(), err)
		}
		steps[i], changed = step, true
	}
	if !changed {
		return false, nil
	}
	if err := unstructured.SetNestedSlice(o.Object, steps, "spec", "pipeline"); err != nil {
		return false, fmt.Errorf("cannot set spec.pipeline of Composition %q: %w", o.GetName(), err)
	}
	return true, nil
}

// rewriteFile applies fn to every object of the YAML file and writes the file
// back, re-encoded, when fn changed any of them.
func rewriteFile(path string, fn func(*unstructured.Unstructured) (bool, error)) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read %q: %w", path, err)
	}
	objs, err := Decode(b)
	if err != nil {
		return fmt.Errorf("cannot decode %q: %w", path, err)
	}
	changed := false
	for _, o := range objs {
		c, err := fn(o)
		if err != nil {
			return fmt.Errorf("cannot rewrite %q: %w", path, err)
		}
		changed = changed || c
	}
	if !changed {
		return nil
	}
	var out bytes.Buffer
	for i, o := range objs {
		y, err := yaml.Marshal(o.Object)
		if err != nil {
			return fmt.Errorf("cannot encode %q: %w", path, err)
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(y)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		return fmt.Errorf("cannot write %q: %w", path, err)
	}
	return nil
}

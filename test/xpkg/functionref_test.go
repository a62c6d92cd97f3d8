package xpkg_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cloudspace-dev/cloudspace/internal/xpkg"
)

// names are the function names on each side of the contract between the
// Composition and the packages.
type names struct {
	// Referenced by the Composition pipeline steps' functionRef.name.
	Referenced []string
	// Declared by the function packages' metadata.name.
	Declared []string
	// Installed: the names Crossplane gives the Function objects it creates
	// for the Configuration's Function dependencies.
	Installed []string
}

// functionNames collects names from package metadata and objects: metas of
// every package, and the objects of the configuration.
func functionNames(t *testing.T, metas map[string]*unstructured.Unstructured, configObjects []*unstructured.Unstructured) names {
	t.Helper()
	var n names
	for _, o := range configObjects {
		if o.GetKind() != "Composition" {
			continue
		}
		steps, _, err := unstructured.NestedSlice(o.Object, "spec", "pipeline")
		if err != nil {
			t.Fatalf("Composition %q: cannot read spec.pipeline: %v", o.GetName(), err)
		}
		for i, s := range steps {
			step, ok := s.(map[string]any)
			if !ok {
				t.Fatalf("Composition %q: spec.pipeline[%d] is a %T, want an object", o.GetName(), i, s)
			}
			ref, _, _ := unstructured.NestedString(step, "functionRef", "name")
			n.Referenced = append(n.Referenced, ref)
		}
	}
	var cfg *unstructured.Unstructured
	for _, s := range xpkg.Packages {
		m := metas[s.Name]
		if s.IsFunction() {
			n.Declared = append(n.Declared, m.GetName())
			continue
		}
		cfg = m
	}
	deps, _, err := unstructured.NestedSlice(cfg.Object, "spec", "dependsOn")
	if err != nil {
		t.Fatalf("cannot read spec.dependsOn of the configuration: %v", err)
	}
	for _, d := range deps {
		dep, _ := d.(map[string]any)
		if dep["kind"] != "Function" {
			continue
		}
		pkg, _ := dep["package"].(string)
		name, err := xpkg.DependencyName(pkg)
		if err != nil {
			t.Fatal(err)
		}
		n.Installed = append(n.Installed, name)
	}
	slices.Sort(n.Declared)
	slices.Sort(n.Installed)
	n.Referenced = slices.Compact(slices.Sorted(slices.Values(n.Referenced)))
	return n
}

// checkNames fails unless the three sides agree: every function the
// Composition refers to is a function package, and it is the name Crossplane
// installs that package under as the configuration's dependency.
func checkNames(t *testing.T, n names) {
	t.Helper()
	if len(n.Referenced) == 0 {
		t.Fatal("the Composition refers to no function")
	}
	if diff := cmp.Diff(n.Declared, n.Referenced); diff != "" {
		t.Errorf("Composition functionRef names differ from the function package names: -packages +composition:\n%s", diff)
	}
	if diff := cmp.Diff(n.Declared, n.Installed); diff != "" {
		t.Errorf("the configuration's Function dependencies install under other names than the function packages declare: -packages +dependencies:\n%s", diff)
	}
}

// TestFunctionRefsRepository checks the repository files; it needs no build.
func TestFunctionRefsRepository(t *testing.T) {
	root := repoRoot(t)
	metas := map[string]*unstructured.Unstructured{}
	objects := map[string][]*unstructured.Unstructured{}
	for _, s := range xpkg.Packages {
		metas[s.Name], objects[s.Name] = repoObjects(t, root, s)
	}
	cfg := objects[configuration(t).Name]
	checkNames(t, functionNames(t, metas, cfg))
	checkInputs(t, objects, cfg)
}

// TestFunctionRefsPackages checks the same in the built packages.
func TestFunctionRefsPackages(t *testing.T) {
	b := built(t)
	metas := map[string]*unstructured.Unstructured{}
	objects := map[string][]*unstructured.Unstructured{}
	for _, s := range xpkg.Packages {
		// Every platform's package of a function carries the same stream,
		// which TestPackagesMatchRepository checks; the first will do.
		p, err := xpkg.ReadFile(b.Layout.Packages(s, b.Platforms)[0])
		if err != nil {
			t.Fatal(err)
		}
		metas[s.Name], objects[s.Name] = p.Meta, p.Objects
	}
	cfg := objects[configuration(t).Name]
	checkNames(t, functionNames(t, metas, cfg))
	checkInputs(t, objects, cfg)
}

// configuration returns the spec of the configuration package.
func configuration(t *testing.T) xpkg.Spec {
	t.Helper()
	i := slices.IndexFunc(xpkg.Packages, func(s xpkg.Spec) bool { return !s.IsFunction() })
	if i < 0 {
		t.Fatal("no configuration package")
	}
	return xpkg.Packages[i]
}

// checkInputs fails unless the input of every pipeline step is a kind whose
// CRD the package of the step's function carries, at a served version.
func checkInputs(t *testing.T, objects map[string][]*unstructured.Unstructured, configObjects []*unstructured.Unstructured) {
	t.Helper()
	for _, o := range configObjects {
		if o.GetKind() != "Composition" {
			continue
		}
		steps, _, _ := unstructured.NestedSlice(o.Object, "spec", "pipeline")
		for i, s := range steps {
			step, _ := s.(map[string]any)
			fn, _, _ := unstructured.NestedString(step, "functionRef", "name")
			in, ok, _ := unstructured.NestedMap(step, "input")
			if !ok {
				continue
			}
			u := &unstructured.Unstructured{Object: in}
			gvk := u.GroupVersionKind()
			if !servesInput(objects[fn], gvk.Group, gvk.Version, gvk.Kind) {
				t.Errorf("Composition %q: spec.pipeline[%d] (function %q) has input %s, but the package of %q has no CRD serving it", o.GetName(), i, fn, gvk, fn)
			}
		}
	}
}

func servesInput(crds []*unstructured.Unstructured, group, version, kind string) bool {
	for _, c := range crds {
		if c.GetKind() != "CustomResourceDefinition" {
			continue
		}
		g, _, _ := unstructured.NestedString(c.Object, "spec", "group")
		k, _, _ := unstructured.NestedString(c.Object, "spec", "names", "kind")
		if g != group || k != kind {
			continue
		}
		versions, _, _ := unstructured.NestedSlice(c.Object, "spec", "versions")
		for _, v := range versions {
			v, _ := v.(map[string]any)
			if v["name"] == version && v["served"] == true {
				return true
			}
		}
	}
	return false
}

// TestPackageMetadata checks each package's crossplane.yaml says what a
// platform team needs in a package manager listing.
func TestPackageMetadata(t *testing.T) {
	root := repoRoot(t)
	required := []string{
		"meta.crossplane.io/maintainer",
		"meta.crossplane.io/source",
		"meta.crossplane.io/license",
		"meta.crossplane.io/description",
		"meta.crossplane.io/readme",
	}
	for _, s := range xpkg.Packages {
		t.Run(s.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(root, s.Dir, xpkg.MetaFile))
			if err != nil {
				t.Fatal(err)
			}
			objs, err := xpkg.Decode(b)
			if err != nil || len(objs) != 1 {
				t.Fatalf("%s: want exactly one object, got %d (%v)", xpkg.MetaFile, len(objs), err)
			}
			m := objs[0]
			wantKind := "Configuration"
			if s.IsFunction() {
				wantKind = "Function"
			}
			if m.GetAPIVersion() != "meta.pkg.crossplane.io/v1" || m.GetKind() != wantKind {
				t.Errorf("got %s %s, want meta.pkg.crossplane.io/v1 %s", m.GetAPIVersion(), m.GetKind(), wantKind)
			}
			if m.GetName() != s.Name {
				t.Errorf("metadata.name: got %q, want %q", m.GetName(), s.Name)
			}
			for _, a := range required {
				if m.GetAnnotations()[a] == "" {
					t.Errorf("annotation %s is missing", a)
				}
			}
			if got := m.GetAnnotations()["meta.crossplane.io/license"]; got != "Apache-2.0" {
				t.Errorf("license: got %q, want Apache-2.0", got)
			}
			if v, _, _ := unstructured.NestedString(m.Object, "spec", "crossplane", "version"); v != ">=v2.0.0" {
				t.Errorf("spec.crossplane.version: got %q, want >=v2.0.0", v)
			}
			if s.IsFunction() {
				caps, _, _ := unstructured.NestedStringSlice(m.Object, "spec", "capabilities")
				if !slices.Contains(caps, "composition") {
					t.Errorf("spec.capabilities: got %v, want composition", caps)
				}
			}
		})
	}
}

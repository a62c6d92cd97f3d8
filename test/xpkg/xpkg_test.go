// Package xpkg_test builds CloudSpace's Crossplane packages the way make xpkg
// does, from the real function binaries and the real crossplane CLI, and
// checks what ships: the files inside equal the repository's, the runtime
// images run the function as a non-root user, builds are reproducible, a
// registry round trip keeps the digests, and the Composition's functionRefs
// match the functions the packages declare.
package xpkg_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cloudspace-dev/cloudspace/internal/xpkg"
)

// The module whose root the tests build from.
const module = "module github.com/cloudspace-dev/cloudspace\n"

var (
	// outDir holds everything the tests build; TestMain removes it.
	outDir string

	once    sync.Once
	builder xpkg.Builder
	errB    error
	took    time.Duration
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cloudspace-xpkg-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	outDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot returns the repository root: the nearest directory above the
// working directory whose go.mod is this module's.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte(module)) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("cannot find the repository root: no go.mod of github.com/cloudspace-dev/cloudspace above the working directory")
		}
		dir = parent
	}
}

// crossplaneCLI returns the crossplane CLI: $CROSSPLANE, or
// _output/bin/crossplane, which make builds. Without it the test is skipped,
// unless it runs in CI, where it fails.
func crossplaneCLI(t *testing.T, root string) xpkg.Crossplane {
	t.Helper()
	p := os.Getenv("CROSSPLANE")
	if p == "" {
		p = filepath.Join(root, "_output", "bin", "crossplane")
	} else if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	if _, err := os.Stat(p); err != nil {
		msg := fmt.Sprintf("crossplane CLI not found at %s (build it with make %s): %v", p, filepath.Join("_output", "bin", "crossplane"), err)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return xpkg.Crossplane{Path: p}
}

// built builds every package once into outDir and returns the builder that
// did it.
func built(t *testing.T) xpkg.Builder {
	t.Helper()
	root := repoRoot(t)
	cp := crossplaneCLI(t, root)
	once.Do(func() {
		// Every platform, as make xpkg builds them. A cold build cache makes
		// that slow (minutes for linux/arm64), so -short builds linux/amd64
		// alone.
		ps := xpkg.Platforms
		if testing.Short() {
			ps = []xpkg.Platform{{OS: "linux", Arch: "amd64"}}
		}
		base, err := xpkg.DefaultBase(t.Context())
		if err != nil {
			errB = err
			return
		}
		builder = xpkg.Builder{
			Root:       root,
			Layout:     xpkg.Layout{Out: filepath.Join(outDir, "first")},
			Crossplane: cp,
			Platforms:  ps,
			Created:    time.Unix(0, 0).UTC(),
			Base:       base,
		}
		start := time.Now()
		errB = builder.BuildAll(context.WithoutCancel(t.Context()), xpkg.Packages)
		took = time.Since(start)
	})
	if errB != nil {
		t.Fatalf("cannot build packages: %v", errB)
	}
	return builder
}

// repoObjects returns the objects of the package's repository files: the
// metadata, then the others in the order Sources lists them.
func repoObjects(t *testing.T, root string, s xpkg.Spec) (*unstructured.Unstructured, []*unstructured.Unstructured) {
	t.Helper()
	srcs, err := s.Sources(root)
	if err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	for _, src := range srcs {
		b, err := os.ReadFile(filepath.Join(root, src.Path))
		if err != nil {
			t.Fatal(err)
		}
		o, err := xpkg.Decode(b)
		if err != nil {
			t.Fatalf("cannot decode %s: %v", src.Path, err)
		}
		objs = append(objs, o...)
	}
	if len(objs) == 0 {
		t.Fatalf("package %q has no objects", s.Name)
	}
	return objs[0], objs[1:]
}

// serializerDefaults drops what `crossplane xpkg build` adds when it
// re-encodes an object from its Go type: a null metadata.creationTimestamp
// and the zero status of a CRD or XRD. Anything else that differs is a real
// difference between the package and the repository.
var serializerDefaults = cmpopts.IgnoreMapEntries(func(k string, v any) bool {
	switch k {
	case "creationTimestamp":
		return v == nil
	case "status":
		return isZeroStatus(v)
	}
	return false
})

func isZeroStatus(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, f := range m {
		switch f := f.(type) {
		case nil:
		case map[string]any:
			if !isZeroStatus(f) {
				return false
			}
		case []any:
			if len(f) != 0 {
				return false
			}
		case string:
			if f != "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// byID indexes objects by apiVersion, kind and name.
func byID(objs []*unstructured.Unstructured) map[string]map[string]any {
	m := make(map[string]map[string]any, len(objs))
	for _, o := range objs {
		m[o.GetAPIVersion()+" "+o.GetKind()+" "+o.GetName()] = o.Object
	}
	return m
}

func TestPackagesMatchRepository(t *testing.T) {
	b := built(t)
	t.Logf("built %d packages for %d platforms in %s", len(xpkg.Packages), len(b.Platforms), took.Round(100*time.Millisecond))

	for _, s := range xpkg.Packages {
		wantMeta, wantObjs := repoObjects(t, b.Root, s)
		for i, file := range b.Layout.Packages(s, b.Platforms) {
			t.Run(filepath.Base(file), func(t *testing.T) {
				st, err := os.Stat(file)
				if err != nil {
					t.Fatal(err)
				}
				got, err := xpkg.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: %.1f MiB, %s", filepath.Base(file), float64(st.Size())/(1<<20), got.Digest)

				if diff := cmp.Diff(wantMeta.Object, got.Meta.Object, serializerDefaults); diff != "" {
					t.Errorf("package metadata differs from %s: -repository +package:\n%s", filepath.Join(s.Dir, xpkg.MetaFile), diff)
				}
				if len(got.Objects) != len(wantObjs) {
					t.Errorf("package objects: got %d, want the repository files' %d", len(got.Objects), len(wantObjs))
				}
				// crossplane xpkg build walks the package root, so the
				// objects come in the order of their staged paths.
				if diff := cmp.Diff(byID(wantObjs), byID(got.Objects), serializerDefaults); diff != "" {
					t.Errorf("package objects differ from the repository files %v: -repository +package:\n%s", s.Files, diff)
				}
				if got.Meta.GetName() != s.Name {
					t.Errorf("package metadata name: got %q, want %q", got.Meta.GetName(), s.Name)
				}

				layers, err := got.Image.Layers()
				if err != nil {
					t.Fatal(err)
				}
				last, err := layers[len(layers)-1].Digest()
				if err != nil {
					t.Fatal(err)
				}
				if last != got.Base {
					t.Errorf("base layer: annotated %s, want the last layer %s", got.Base, last)
				}

				if !s.IsFunction() {
					if len(layers) != 1 {
						t.Errorf("configuration layers: got %d, want 1 (the package stream)", len(layers))
					}
					return
				}
				checkRuntime(t, b, s, b.Platforms[i], got, layers)
			})
		}
	}
}

// checkRuntime checks a function package embeds its runtime image: the
// image's layer under the package layer, and its config.
func checkRuntime(t *testing.T, b xpkg.Builder, s xpkg.Spec, p xpkg.Platform, got *xpkg.Built, layers []v1.Layer) {
	t.Helper()
	rt, err := tarball.ImageFromPath(b.Layout.Image(s, p), nil)
	if err != nil {
		t.Fatal(err)
	}
	rtLayers, err := rt.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(rtLayers)+1 {
		t.Fatalf("function layers: got %d, want the runtime image's %d and the package stream", len(layers), len(rtLayers))
	}
	for i, l := range rtLayers {
		want, _ := l.Digest()
		if d, _ := layers[i].Digest(); d != want {
			t.Errorf("function layer %d: got %s, want the runtime image's %s", i, d, want)
		}
	}

	cfg := got.Config
	if cfg.OS != p.OS || cfg.Architecture != p.Arch {
		t.Errorf("function platform: got %s/%s, want %s", cfg.OS, cfg.Architecture, p)
	}
	if cfg.Config.User != xpkg.User {
		t.Errorf("function user: got %q, want %q", cfg.Config.User, xpkg.User)
	}
	if diff := cmp.Diff([]string{"/" + s.Name}, cfg.Config.Entrypoint); diff != "" {
		t.Errorf("function entrypoint: -want +got:\n%s", diff)
	}
	if _, ok := cfg.Config.ExposedPorts[xpkg.Port]; !ok {
		t.Errorf("function exposed ports: got %v, want %s", cfg.Config.ExposedPorts, xpkg.Port)
	}
}

func TestReproducible(t *testing.T) {
	b := built(t)
	again := b
	again.Layout = xpkg.Layout{Out: filepath.Join(outDir, "again")}

	for _, s := range xpkg.Packages {
		p := b.Platforms[0]
		if s.IsFunction() {
			// The same binary: Go builds are reproducible, so this is the
			// image and package build on their own.
			if err := again.BuildFunction(t.Context(), s, p, b.Layout.Binary(s, p)); err != nil {
				t.Fatal(err)
			}
			first, _ := os.ReadFile(b.Layout.Image(s, p))
			second, _ := os.ReadFile(again.Layout.Image(s, p))
			if !bytes.Equal(first, second) {
				t.Errorf("%s: runtime image tarballs of two builds differ", s.Name)
			}
		} else if err := again.BuildConfiguration(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		first, err := xpkg.ReadFile(b.Layout.Package(s, p))
		if err != nil {
			t.Fatal(err)
		}
		second, err := xpkg.ReadFile(again.Layout.Package(s, p))
		if err != nil {
			t.Fatal(err)
		}
		if first.Digest != second.Digest {
			t.Errorf("%s: two builds give digests %s and %s, want equal", s.Name, first.Digest, second.Digest)
		}
	}
}

// annotate is what `crossplane xpkg push` does to a package before pushing
// it (Crossplane's xpkg.AnnotateLayers, which is internal): each layer gets
// the io.crossplane.xpkg annotation its config label records. The digest of
// the result is the digest a registry serves.
func annotate(t *testing.T, img v1.Image) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	out := empty.Image
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		add := mutate.Addendum{Layer: l}
		if a, ok := cf.Config.Labels[xpkg.AnnotationKey+":"+d.String()]; ok {
			add.Annotations = map[string]string{xpkg.AnnotationKey: a}
		}
		if out, err = mutate.Append(out, add); err != nil {
			t.Fatal(err)
		}
	}
	out, err = mutate.ConfigFile(out, cf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// digests returns an image's manifest, config and layer digests.
func digests(t *testing.T, img v1.Image) []string {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ds := []string{"manifest " + d.String(), "config " + m.Config.Digest.String()}
	for _, l := range m.Layers {
		ds = append(ds, "layer "+l.Digest.String())
	}
	return ds
}

var errNotFound = errors.New("not found")

// platformImage returns the image of the index for the platform.
func platformImage(idx v1.ImageIndex, p xpkg.Platform) (v1.Image, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(m.Manifests, func(d v1.Descriptor) bool {
		return d.Platform != nil && d.Platform.OS == p.OS && d.Platform.Architecture == p.Arch
	})
	if i < 0 {
		return nil, fmt.Errorf("%w: no manifest for %s", errNotFound, p)
	}
	return idx.Image(m.Manifests[i].Digest)
}

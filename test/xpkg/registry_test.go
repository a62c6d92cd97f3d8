package xpkg_test

import (
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/cloudspace-dev/cloudspace/internal/xpkg"
)

// TestPushPull pushes every package with `crossplane xpkg push`, as make
// publish does, to an in-process registry on loopback, pulls it back and
// checks the registry serves exactly what was built: the digest crossplane
// push produces by annotating the built package, the same config and layers,
// the base layer annotated in the manifest, and the same package stream.
func TestPushPull(t *testing.T) {
	b := built(t)

	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	// A loopback registry is spoken to over plain HTTP.
	reg := strings.TrimPrefix(srv.URL, "http://") + "/platform"
	const version = "v0.1.0-test.1"

	// The configuration as it is built for this registry and version, as
	// make publish builds it; the function packages as built.
	pub := b
	pub.Layout = xpkg.Layout{Out: filepath.Join(outDir, "publish")}
	pub.Publish = xpkg.Publish{Registry: reg, Version: version}
	for _, s := range xpkg.Packages {
		if !s.IsFunction() {
			if err := pub.BuildConfiguration(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for _, p := range b.Platforms {
			if err := os.MkdirAll(filepath.Dir(pub.Layout.Package(s, p)), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(b.Layout.Package(s, p), pub.Layout.Package(s, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	b = pub

	// The configuration built for the repository's registry is refused.
	if _, err := xpkg.PushAll(t.Context(), b.Crossplane, built(t).Layout, xpkg.Packages, b.Platforms, reg, version); err == nil || !strings.Contains(err.Error(), "build it with the same registry and version") {
		t.Errorf("PushAll(...) of a configuration built for %s: error %v, want it refused", xpkg.DefaultRegistry, err)
	}

	pushed, err := xpkg.PushAll(t.Context(), b.Crossplane, b.Layout, xpkg.Packages, b.Platforms, reg, version)
	if err != nil {
		t.Fatal(err)
	}
	if len(pushed) != len(xpkg.Packages) {
		t.Fatalf("PushAll(...): pushed %v, want one reference per package", pushed)
	}

	opts := []remote.Option{remote.WithContext(t.Context())}
	for _, s := range xpkg.Packages {
		ref, err := name.NewTag(reg+"/"+s.Name+":"+version, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(s.Name, func(t *testing.T) {
			// crossplane xpkg push pushes a single package file as an
			// image, several as an index.
			if files := b.Layout.Packages(s, b.Platforms); len(files) == 1 {
				img, err := remote.Image(ref, opts...)
				if err != nil {
					t.Fatal(err)
				}
				checkPulled(t, files[0], img)
				return
			}
			idx, err := remote.Index(ref, opts...)
			if err != nil {
				t.Fatal(err)
			}
			im, err := idx.IndexManifest()
			if err != nil {
				t.Fatal(err)
			}
			if len(im.Manifests) != len(b.Platforms) {
				t.Errorf("index of %s: %d manifests, want one per platform %v", ref, len(im.Manifests), b.Platforms)
			}
			for _, p := range b.Platforms {
				img, err := platformImage(idx, p)
				if err != nil {
					t.Fatal(err)
				}
				checkPulled(t, b.Layout.Package(s, p), img)
			}
		})
	}
}

// checkPulled checks a pulled image is the package file, annotated.
func checkPulled(t *testing.T, file string, pulled v1.Image) {
	t.Helper()
	local, err := xpkg.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(digests(t, annotate(t, local.Image)), digests(t, pulled)); diff != "" {
		t.Errorf("%s: pulled digests differ from the built package's: -built +pulled:\n%s", file, diff)
	}

	m, err := pulled.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var annotated []v1.Hash
	for _, l := range m.Layers {
		if l.Annotations[xpkg.AnnotationKey] == xpkg.AnnotationBase {
			annotated = append(annotated, l.Digest)
		}
	}
	if diff := cmp.Diff([]v1.Hash{local.Base}, annotated); diff != "" {
		t.Errorf("%s: layers annotated %s: %s in the pulled manifest: -want +got:\n%s", file, xpkg.AnnotationKey, xpkg.AnnotationBase, diff)
	}

	got, err := xpkg.Read(pulled)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Stream, local.Stream) {
		t.Errorf("%s: pulled %s differs from the built package's", file, xpkg.StreamFile)
	}
}

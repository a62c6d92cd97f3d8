package xpkg

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Names in a Crossplane package image, as the xpkg specification has them.
const (
	// AnnotationKey marks the layers of a package.
	AnnotationKey = "io.crossplane.xpkg"

	// AnnotationBase is the AnnotationKey value of the layer holding the
	// package's YAML stream.
	AnnotationBase = "base"

	// StreamFile is the file in the base layer holding the YAML stream: the
	// package metadata followed by its objects.
	StreamFile = "package.yaml"
)

// A Built is a package read back from an image.
type Built struct {
	// Image is the package image.
	Image v1.Image

	// Digest is the image's manifest digest.
	Digest v1.Hash

	// Config is the image config. For a function it is the runtime image's
	// config plus the xpkg labels.
	Config *v1.ConfigFile

	// Base is the digest of the layer annotated io.crossplane.xpkg: base.
	Base v1.Hash

	// Stream is package.yaml as read from the base layer.
	Stream []byte

	// Meta is the package metadata, the first object of the stream.
	Meta *unstructured.Unstructured

	// Objects are the other objects of the stream, in order.
	Objects []*unstructured.Unstructured
}

// ReadFile reads a package file written by `crossplane xpkg build`.
func ReadFile(path string) (*Built, error) {
	img, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot read package %q: %w", path, err)
	}
	b, err := Read(img)
	if err != nil {
		return nil, fmt.Errorf("cannot read package %q: %w", path, err)
	}
	return b, nil
}

// Read reads a package image. The base layer is found the way Crossplane
// finds it: by the io.crossplane.xpkg: base layer annotation of a pushed
// package's manifest, or, in a package file (whose tarball format cannot
// carry layer annotations), by the config label io.crossplane.xpkg:<digest>
// that `crossplane xpkg push` turns into that annotation. Unlike Crossplane,
// it does not fall back to searching every layer: a package without the
// annotation is an error.
func Read(img v1.Image) (*Built, error) {
	b := &Built{Image: img}
	var err error
	if b.Digest, err = img.Digest(); err != nil {
		return nil, fmt.Errorf("cannot get package digest: %w", err)
	}
	if b.Config, err = img.ConfigFile(); err != nil {
		return nil, fmt.Errorf("cannot get package config: %w", err)
	}
	if b.Base, err = baseLayer(img, b.Config); err != nil {
		return nil, err
	}
	l, err := img.LayerByDigest(b.Base)
	if err != nil {
		return nil, fmt.Errorf("cannot get base layer %s: %w", b.Base, err)
	}
	if b.Stream, err = readStream(l); err != nil {
		return nil, fmt.Errorf("cannot read base layer %s: %w", b.Base, err)
	}
	objs, err := Decode(b.Stream)
	if err != nil {
		return nil, fmt.Errorf("cannot decode %s: %w", StreamFile, err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("cannot decode %s: no package metadata", StreamFile)
	}
	b.Meta, b.Objects = objs[0], objs[1:]
	return b, nil
}

// baseLayer returns the digest of the single layer annotated as base, in the
// manifest or in the config labels.
func baseLayer(img v1.Image, cf *v1.ConfigFile) (v1.Hash, error) {
	m, err := img.Manifest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("cannot get package manifest: %w", err)
	}
	var found []v1.Hash
	for _, l := range m.Layers {
		if l.Annotations[AnnotationKey] == AnnotationBase {
			found = append(found, l.Digest)
		}
	}
	if len(found) == 0 {
		for k, v := range cf.Config.Labels {
			d, ok := strings.CutPrefix(k, AnnotationKey+":")
			if !ok || v != AnnotationBase {
				continue
			}
			h, err := v1.NewHash(d)
			if err != nil {
				return v1.Hash{}, fmt.Errorf("cannot parse label %q: %w", k, err)
			}
			found = append(found, h)
		}
	}
	switch len(found) {
	case 0:
		return v1.Hash{}, fmt.Errorf("cannot find base layer: no layer annotated %s: %s", AnnotationKey, AnnotationBase)
	case 1:
		return found[0], nil
	default:
		return v1.Hash{}, fmt.Errorf("cannot find base layer: %d layers annotated %s: %s, want 1", len(found), AnnotationKey, AnnotationBase)
	}
}

func readStream(l v1.Layer) ([]byte, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("cannot find %s", StreamFile)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == StreamFile {
			return io.ReadAll(tr)
		}
	}
}

// Decode splits a YAML stream into objects, skipping empty documents.
func Decode(stream []byte) ([]*unstructured.Unstructured, error) {
	r := kyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read document %d: %w", i, err)
		}
		m := map[string]any{}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return nil, fmt.Errorf("cannot parse document %d: %w", i, err)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

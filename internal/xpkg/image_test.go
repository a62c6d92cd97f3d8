package xpkg

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// hello is a tiny main package standing in for a function binary.
const hello = `package main

import "fmt"

func main() { fmt.Println("hello") }
`

// buildHello compiles hello for p into a temporary directory.
func buildHello(t *testing.T, p Platform) string {
	t.Helper()
	return buildProgram(t, p, "function-hello", hello)
}

func TestRuntimeImageReproducible(t *testing.T) {
	amd64 := Platform{OS: "linux", Arch: "amd64"}
	bin := buildHello(t, amd64)
	base, err := DefaultBase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	o := ImageOptions{Binary: bin, Name: "function-hello", Platform: amd64, Created: time.Unix(0, 0), Base: base}

	digest := func(o ImageOptions) v1.Hash {
		t.Helper()
		img, err := RuntimeImage(o)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	first, second := digest(o), digest(o)
	if first != second {
		t.Errorf("RuntimeImage(...): two builds of the same binary: digests %s and %s, want equal", first, second)
	}

	// The same source compiled in another directory gives the same image:
	// the binary records no file system paths.
	elsewhere := o
	elsewhere.Binary = buildHello(t, amd64)
	if d := digest(elsewhere); d != first {
		t.Errorf("RuntimeImage(...): the same source built in another directory: digest %s, want %s", d, first)
	}

	later := o
	later.Created = time.Unix(1700000000, 0)
	if d := digest(later); d == first {
		t.Errorf("RuntimeImage(...): another creation time gives the same digest %s, want a different one", d)
	}

	// Another base is another image; another binary on the same base
	// shares the base layer, so a registry stores it once.
	noZones := o
	noZones.Base.ZoneInfo = nil
	if d := digest(noZones); d == first {
		t.Errorf("RuntimeImage(...): another base gives the same digest %s, want a different one", d)
	}
	other := o
	other.Binary = buildProgram(t, amd64, "function-other", strings.Replace(hello, "hello", "other", 1))
	if a, b := layerDigest(t, o, 0), layerDigest(t, other, 0); a != b {
		t.Errorf("RuntimeImage(...): two binaries on one base: base layers %s and %s, want equal", a, b)
	}

	// The tarball written to disk holds the same image, byte for byte.
	img, err := RuntimeImage(o)
	if err != nil {
		t.Fatal(err)
	}
	files := [2]string{filepath.Join(t.TempDir(), "a.tar"), filepath.Join(t.TempDir(), "b.tar")}
	for _, f := range files {
		if err := WriteImage(f, img); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := os.ReadFile(files[0])
	b, _ := os.ReadFile(files[1])
	if !bytes.Equal(a, b) {
		t.Errorf("WriteImage(...): two writes of one image differ")
	}
	read, err := tarball.ImageFromPath(files[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := read.Digest(); d != first {
		t.Errorf("WriteImage(...): image read back has digest %s, want %s", d, first)
	}
}

// layerDigest returns the digest of layer i of the image o describes.
func layerDigest(t *testing.T, o ImageOptions, i int) v1.Hash {
	t.Helper()
	img, err := RuntimeImage(o)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := ls[i].Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRuntimeImage(t *testing.T) {
	arm64 := Platform{OS: "linux", Arch: "arm64"}
	bin := buildHello(t, arm64)
	created := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)

	img, err := RuntimeImage(ImageOptions{
		Binary:   bin,
		Name:     "function-hello",
		Platform: arm64,
		Created:  created,
		Labels:   map[string]string{"org.opencontainers.image.title": "function-hello"},
	})
	if err != nil {
		t.Fatal(err)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	wantCreated := v1.Time{Time: created.Truncate(time.Second)}
	want := &v1.ConfigFile{
		Architecture: "arm64",
		OS:           "linux",
		Created:      wantCreated,
		Config: v1.Config{
			User:         "65532:65532",
			Entrypoint:   []string{"/function-hello"},
			ExposedPorts: map[string]struct{}{"9443/tcp": {}},
			Labels:       map[string]string{"org.opencontainers.image.title": "function-hello"},
		},
		History: []v1.History{
			{Created: wantCreated, CreatedBy: "cloudspace xpkg: base: /etc/passwd, /etc/group, /tmp"},
			{Created: wantCreated, CreatedBy: "cloudspace xpkg: COPY function-hello /function-hello"},
		},
	}
	if diff := cmp.Diff(want, cf, cmpopts.IgnoreFields(v1.ConfigFile{}, "RootFS")); diff != "" {
		t.Errorf("RuntimeImage(...): config: -want +got:\n%s", diff)
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 2 {
		t.Fatalf("RuntimeImage(...): %d layers, want 2 (base, binary)", len(layers))
	}
	// A zero Base still gives the users and /tmp, directories before
	// what they hold.
	wantLayers := [][]layerEntry{
		{
			{Name: "etc/", Mode: 0o755, ModTime: wantCreated.Time},
			{Name: "etc/group", Mode: 0o644, ModTime: wantCreated.Time},
			{Name: "etc/passwd", Mode: 0o644, ModTime: wantCreated.Time},
			{Name: "tmp/", Mode: 0o1777, ModTime: wantCreated.Time},
		},
		{{Name: "function-hello", Mode: 0o755, ModTime: wantCreated.Time}},
	}
	for i, l := range layers {
		if diff := cmp.Diff(wantLayers[i], layerEntries(t, l)); diff != "" {
			t.Errorf("RuntimeImage(...): layer %d files: -want +got:\n%s", i, diff)
		}
	}
}

// layerEntry is what a test checks of a layer's tar entry.
type layerEntry struct {
	Name     string
	Mode     int64
	UID, GID int
	ModTime  time.Time
}

// layerEntries returns the entries of a layer, in order.
func layerEntries(t *testing.T, l v1.Layer) []layerEntry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	var got []layerEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, layerEntry{Name: h.Name, Mode: h.Mode, UID: h.Uid, GID: h.Gid, ModTime: h.ModTime.UTC()})
	}
}

func TestRuntimeImageErrors(t *testing.T) {
	cases := map[string]struct {
		reason string
		o      ImageOptions
	}{
		"NameWithSlash": {
			reason: "The binary goes to the image root, so its name must be a plain file name.",
			o:      ImageOptions{Binary: "/bin/true", Name: "bin/fn"},
		},
		"NoName": {
			reason: "A binary needs a name to be the entrypoint.",
			o:      ImageOptions{Binary: "/bin/true"},
		},
		"NoBinary": {
			reason: "A missing binary is an error.",
			o:      ImageOptions{Binary: filepath.Join(t.TempDir(), "absent"), Name: "fn"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := RuntimeImage(tc.o); err == nil {
				t.Errorf("%s\nRuntimeImage(...): got nil error, want an error", tc.reason)
			}
		})
	}
}

func TestParsePlatform(t *testing.T) {
	cases := map[string]struct {
		reason  string
		s       string
		want    Platform
		wantErr bool
	}{
		"Valid":     {reason: "os/arch parses.", s: "linux/arm64", want: Platform{OS: "linux", Arch: "arm64"}},
		"NoArch":    {reason: "An architecture is required.", s: "linux", wantErr: true},
		"Variant":   {reason: "Variants are not supported.", s: "linux/arm/v7", wantErr: true},
		"EmptyPart": {reason: "Both parts are required.", s: "/amd64", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePlatform(tc.s)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nParsePlatform(%q): error %v, want error %t", tc.reason, tc.s, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nParsePlatform(%q): -want +got:\n%s", tc.reason, tc.s, diff)
			}
		})
	}
}

func TestSourceDateEpoch(t *testing.T) {
	cases := map[string]struct {
		reason  string
		env     string
		want    time.Time
		wantErr bool
	}{
		"Unset":    {reason: "Without SOURCE_DATE_EPOCH images date from the Unix epoch.", env: "", want: time.Unix(0, 0).UTC()},
		"Set":      {reason: "SOURCE_DATE_EPOCH is seconds since the epoch.", env: "1700000000", want: time.Unix(1700000000, 0).UTC()},
		"Negative": {reason: "A negative time is refused.", env: "-1", wantErr: true},
		"NotANum":  {reason: "A date string is refused.", env: "2026-01-01", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(EnvSourceDateEpoch, tc.env)
			got, err := SourceDateEpoch()
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nSourceDateEpoch(): error %v, want error %t", tc.reason, err, tc.wantErr)
			}
			if !got.Equal(tc.want) {
				t.Errorf("%s\nSourceDateEpoch(): got %s, want %s", tc.reason, got, tc.want)
			}
		})
	}
}

package xpkg

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/cloudspace-dev/cloudspace/internal/version"
)

// Runtime image settings every CloudSpace function shares.
const (
	// User is the numeric uid:gid the function runs as. 65532 is the
	// conventional "nonroot" user of distroless images; a numeric user lets
	// the kubelet enforce runAsNonRoot without an /etc/passwd.
	User = "65532:65532"

	// Port is the port a function serves gRPC on (its --address flag).
	Port = "9443/tcp"

	// EnvSourceDateEpoch names the environment variable that fixes image
	// timestamps, as in https://reproducible-builds.org/specs/source-date-epoch/.
	EnvSourceDateEpoch = "SOURCE_DATE_EPOCH"
)

// A Platform is an OS and CPU architecture a runtime image is built for.
type Platform struct {
	OS   string
	Arch string
}

// String returns the platform as os/arch.
func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Platforms are the platforms CloudSpace's functions are built for.
var Platforms = []Platform{{OS: "linux", Arch: "amd64"}, {OS: "linux", Arch: "arm64"}}

// ParsePlatform parses an os/arch string such as linux/arm64.
func ParsePlatform(s string) (Platform, error) {
	goos, arch, ok := strings.Cut(s, "/")
	if !ok || goos == "" || arch == "" || strings.Contains(arch, "/") {
		return Platform{}, fmt.Errorf("cannot parse platform %q: want os/arch, e.g. linux/amd64", s)
	}
	return Platform{OS: goos, Arch: arch}, nil
}

// SourceDateEpoch returns the time image timestamps are set to: the value of
// SOURCE_DATE_EPOCH (seconds since the Unix epoch) when it is set, otherwise
// the Unix epoch itself. It never reads the clock, so two builds of the same
// inputs give the same image digest.
func SourceDateEpoch() (time.Time, error) {
	v, ok := os.LookupEnv(EnvSourceDateEpoch)
	if !ok || v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	s, err := strconv.ParseInt(v, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, fmt.Errorf("cannot parse %s %q: want a non-negative number of seconds", EnvSourceDateEpoch, v)
	}
	return time.Unix(s, 0).UTC(), nil
}

// A Stamp is the build a binary says it is (its --version): see
// internal/version.
type Stamp struct {
	// Version is the release version, e.g. v0.2.0.
	Version string
	// Commit is the VCS revision built.
	Commit string
}

// ldflags returns the linker flags that set the stamp's non-empty fields.
func (s Stamp) ldflags() string {
	f := "-s -w"
	if s.Version != "" {
		f += " -X " + version.Package + ".version=" + s.Version
	}
	if s.Commit != "" {
		f += " -X " + version.Package + ".commit=" + s.Commit
	}
	return f
}

// GoBuild compiles the main package pkg, relative to the module directory dir,
// into a static binary for the platform p at out, stamped with s. The flags
// make the binary depend only on the source, the stamp and the Go toolchain:
// no cgo, no file system paths, no VCS stamp, no symbol table, and a fixed
// baseline instruction set.
func GoBuild(ctx context.Context, dir, pkg string, p Platform, s Stamp, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags="+s.ldflags(), "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0",
		"GOOS="+p.OS,
		"GOARCH="+p.Arch,
		"GOAMD64=v1",
		"GOARM64=v8.0",
	)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cannot build %q for %s: %w\n%s", pkg, p, err, strings.TrimSpace(output.String()))
	}
	return nil
}

// ImageOptions describe a function runtime image.
type ImageOptions struct {
	// Binary is the path of the static binary to run.
	Binary string

	// Name is the file name of the binary inside the image, at its root. It
	// is the image's entrypoint.
	Name string

	// Platform is the platform Binary was built for.
	Platform Platform

	// Created is the timestamp of the image, its history and its files.
	Created time.Time

	// Labels are added to the image config, e.g. OCI annotations such as
	// org.opencontainers.image.source.
	Labels map[string]string

	// Base is the file system under the binary: CA certificates, time zone
	// data, users, /tmp. See DefaultBase.
	Base Base
}

// RuntimeImage returns a two-layer OCI image that runs the binary as a
// non-root user, exposing the function port: a base layer (see Base) that
// every CloudSpace function shares, so a registry or node stores it once,
// and the binary at the root. The image depends only on the options: the
// same binary, base and timestamp always give the same digest.
func RuntimeImage(o ImageOptions) (v1.Image, error) {
	if o.Name == "" || strings.Contains(o.Name, "/") {
		return nil, fmt.Errorf("cannot build runtime image: binary name %q must be a plain file name", o.Name)
	}
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("cannot read binary: %w", err)
	}
	created := o.Created.UTC().Truncate(time.Second)

	baseFiles, err := o.Base.files()
	if err != nil {
		return nil, fmt.Errorf("cannot build base layer of %q: %w", o.Name, err)
	}
	baseBy := "cloudspace xpkg: base: /etc/passwd, /etc/group, /tmp"
	if o.Base.Source != "" {
		baseBy += "; " + o.Base.Source
	}
	img := empty.Image
	for _, l := range []struct {
		files []file
		by    string
	}{
		{files: baseFiles, by: baseBy},
		{files: []file{{name: path.Clean(o.Name), mode: 0o755, data: bin}}, by: "cloudspace xpkg: COPY " + o.Name + " /" + o.Name},
	} {
		layer, err := tarLayer(l.files, created)
		if err != nil {
			return nil, fmt.Errorf("cannot build layer of %q: %w", o.Name, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:   layer,
			History: v1.History{Created: v1.Time{Time: created}, CreatedBy: l.by},
		})
		if err != nil {
			return nil, fmt.Errorf("cannot append layer of %q: %w", o.Name, err)
		}
	}

	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("cannot get config of runtime image %q: %w", o.Name, err)
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: created}
	cf.OS = o.Platform.OS
	cf.Architecture = o.Platform.Arch
	cf.Config = v1.Config{
		User:         User,
		Entrypoint:   []string{"/" + o.Name},
		ExposedPorts: map[string]struct{}{Port: {}},
		Labels:       o.Labels,
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("cannot set config of runtime image %q: %w", o.Name, err)
	}
	return img, nil
}

// tarLayer returns an uncompressed layer of the files, in order, owned by
// root and not writable by the user the image runs as, with fixed
// timestamps.
func tarLayer(files []file, created time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: created, Format: tar.FormatPAX}
		if strings.HasSuffix(f.name, "/") {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
}

// WriteImage writes img to path as an image tarball (the `docker save`
// format) that `crossplane xpkg build --embed-runtime-image-tarball` reads.
func WriteImage(path string, img v1.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot create image tarball: %w", err)
	}
	if err := tarball.Write(nil, img, f); err != nil {
		_ = f.Close()
		return fmt.Errorf("cannot write image tarball %q: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write image tarball %q: %w", path, err)
	}
	return nil
}

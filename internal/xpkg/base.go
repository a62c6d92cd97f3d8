package xpkg

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// Where a runtime image keeps the files of its base, at the paths Go's
// crypto/x509 and time packages read on Linux (and Debian's tools write).
const (
	// CABundleFile is the PEM bundle of trusted root certificates. Go reads
	// it first of its system root files; SSL_CERT_FILE or a file mounted in
	// /etc/ssl/certs adds or replaces roots without rebuilding the image.
	CABundleFile = "etc/ssl/certs/ca-certificates.crt"

	// ZoneInfoDir holds the IANA time zone database, one file per zone.
	ZoneInfoDir = "usr/share/zoneinfo"
)

// The module the CA bundle comes from.
const rootsModule = "golang.org/x/crypto/x509roots/fallback"

// A Base is what every runtime image holds besides its binary: trusted CA
// certificates, time zone data, the users it may run as, and /tmp.
type Base struct {
	// CABundle is the PEM bundle written to CABundleFile.
	CABundle []byte

	// Roots is how many certificates CABundle holds.
	Roots int

	// LeftOut is how many roots of the source were left out: those trusted
	// only for certificates issued before a date, a constraint a PEM bundle
	// cannot carry.
	LeftOut int

	// ZoneInfo is an uncompressed zip of the time zone database, the format
	// of Go's lib/time/zoneinfo.zip, unpacked into ZoneInfoDir.
	ZoneInfo []byte

	// Source says where CABundle and ZoneInfo come from; it goes into the
	// image history.
	Source string
}

// DefaultBase returns the base of CloudSpace's runtime images.
//
// The CA certificates are the roots of Mozilla's NSS trust store as Go's
// golang.org/x/crypto/x509roots/fallback module packages them: maintained by
// the Go team, pinned by go.mod and go.sum like any dependency (so two
// builds of one commit embed the same bundle), updated with `go get`, and
// read offline from the module cache. The time zone database is the one the
// Go toolchain that compiles the functions ships ($GOROOT/lib/time), so it
// changes only with the toolchain, which reproducible builds pin already.
// Neither needs a package manager or a download at build time.
func DefaultBase(ctx context.Context) (Base, error) {
	b := Base{}
	var pemBuf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			b.LeftOut++
			continue
		}
		if err := pem.Encode(&pemBuf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}); err != nil {
			return Base{}, fmt.Errorf("cannot encode CA certificate: %w", err)
		}
		b.Roots++
	}
	b.CABundle = pemBuf.Bytes()

	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOVERSION").Output()
	if err != nil {
		return Base{}, fmt.Errorf("cannot find the Go toolchain's time zone data: go env: %w", err)
	}
	goroot, goversion, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if b.ZoneInfo, err = os.ReadFile(filepath.Join(goroot, "lib", "time", "zoneinfo.zip")); err != nil {
		return Base{}, fmt.Errorf("cannot read the Go toolchain's time zone data: %w", err)
	}
	// The version go.mod resolves, which is the one compiled into this
	// program when it runs in the module (go run, go test).
	ver, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", rootsModule).Output()
	if err != nil {
		return Base{}, fmt.Errorf("cannot find the version of %s: go list: %w", rootsModule, err)
	}
	b.Source = fmt.Sprintf("CA certificates from %s@%s, time zone data from %s", rootsModule, strings.TrimSpace(string(ver)), strings.TrimSpace(goversion))
	return b, nil
}

// The users of a runtime image: root owns its files, nonroot runs them.
const (
	passwdFile = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n"
	groupFile  = "root:x:0:\nnonroot:x:65532:\n"
)

// file is one entry of an image layer.
type file struct {
	name string // Relative to the image root; directories end in "/".
	mode int64
	data []byte
}

// files returns the base's layer entries in lexical order, each directory
// before what it holds.
func (b Base) files() ([]file, error) {
	fs := []file{
		{name: "etc/group", mode: 0o644, data: []byte(groupFile)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwdFile)},
		{name: "tmp/", mode: 0o1777},
	}
	if len(b.CABundle) > 0 {
		fs = append(fs, file{name: CABundleFile, mode: 0o644, data: b.CABundle})
	}
	if len(b.ZoneInfo) > 0 {
		zr, err := zip.NewReader(bytes.NewReader(b.ZoneInfo), int64(len(b.ZoneInfo)))
		if err != nil {
			return nil, fmt.Errorf("cannot read time zone data: %w", err)
		}
		for _, zf := range zr.File {
			if zf.FileInfo().IsDir() {
				continue
			}
			name := path.Clean(zf.Name)
			if name == "." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
				return nil, fmt.Errorf("cannot read time zone data: bad file name %q", zf.Name)
			}
			rc, err := zf.Open()
			if err != nil {
				return nil, fmt.Errorf("cannot read time zone %q: %w", zf.Name, err)
			}
			data, err := io.ReadAll(rc)
			_ = rc.Close()
			if err != nil {
				return nil, fmt.Errorf("cannot read time zone %q: %w", zf.Name, err)
			}
			fs = append(fs, file{name: path.Join(ZoneInfoDir, name), mode: 0o644, data: data})
		}
	}
	return withParents(fs), nil
}

// withParents adds the parent directories of every file, mode 0755, and
// sorts the entries so that a directory comes before what it holds.
func withParents(fs []file) []file {
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.name] = true
	}
	out := slices.Clone(fs)
	for _, f := range fs {
		for d := path.Dir(strings.TrimSuffix(f.name, "/")); d != "."; d = path.Dir(d) {
			if !seen[d+"/"] {
				seen[d+"/"] = true
				out = append(out, file{name: d + "/", mode: 0o755})
			}
		}
	}
	slices.SortFunc(out, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return out
}

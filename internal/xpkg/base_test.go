package xpkg

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// probe is a main package that reports what a runtime image gives a Go
// program: the number of roots in the system certificate pool, and New
// York's UTC offset and zone abbreviation on a summer day.
const probe = `package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"time"
)

func main() {
	pool, err := x509.SystemCertPool()
	if err != nil {
		fmt.Println("cannot load system roots:", err)
		os.Exit(1)
	}
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println("cannot load location:", err)
		os.Exit(1)
	}
	fmt.Println(len(pool.Subjects()), time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC).In(loc).Format("-0700 MST"))
}
`

func TestDefaultBase(t *testing.T) {
	b, err := DefaultBase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d roots, %d left out, %d KiB of time zone data: %s", b.Roots, b.LeftOut, len(b.ZoneInfo)>>10, b.Source)

	// Every PEM block of the bundle is a CA certificate, and it holds the
	// Mozilla roots HTTPS servers chain to (116 in the fallback module of
	// October 2026).
	var subjects []string
	for rest := b.CABundle; ; {
		var blk *pem.Block
		if blk, rest = pem.Decode(rest); blk == nil {
			if len(bytes.TrimSpace(rest)) != 0 {
				t.Errorf("CA bundle: %d bytes after the last PEM block", len(rest))
			}
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatalf("CA bundle: certificate %d: %v", len(subjects), err)
		}
		if !c.IsCA {
			t.Errorf("CA bundle: %q is not a CA certificate", c.Subject)
		}
		subjects = append(subjects, c.Subject.CommonName)
	}
	if len(subjects) != b.Roots || b.Roots < 100 {
		t.Errorf("CA bundle: %d certificates, Roots says %d; want the same, and at least 100", len(subjects), b.Roots)
	}
	for _, want := range []string{"ISRG Root X1", "Amazon Root CA 1", "DigiCert Global Root G2"} {
		found := false
		for _, s := range subjects {
			found = found || s == want
		}
		if !found {
			t.Errorf("CA bundle: no root %q", want)
		}
	}
	if !strings.Contains(b.Source, rootsModule+"@v") {
		t.Errorf("Source %q does not name the version of %s", b.Source, rootsModule)
	}

	// The same inputs give the same base.
	again, err := DefaultBase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, again); diff != "" {
		t.Errorf("DefaultBase(): two calls differ: -first +second:\n%s", diff)
	}
}

// TestDefaultBaseRuns runs a program from an image with the default base as
// its root and checks it trusts exactly the image's bundle and finds time
// zones in its database. As root it runs in a chroot, as the image's
// non-root user, so nothing of the host is in reach. Otherwise it points Go
// at the unpacked files with SSL_CERT_FILE, SSL_CERT_DIR and ZONEINFO.
func TestDefaultBaseRuns(t *testing.T) {
	b, err := DefaultBase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	p := Platform{OS: "linux", Arch: runtime.GOARCH}
	bin := buildProgram(t, p, "probe", probe)
	img, err := RuntimeImage(ImageOptions{Binary: bin, Name: "probe", Platform: p, Created: time.Unix(0, 0), Base: b})
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := Unpack(img, root); err != nil {
		t.Fatal(err)
	}

	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(t.Context(), "/probe")
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
		cmd.Dir = "/"
		cmd.Env = []string{}
	} else {
		t.Log("not root: running the probe on the host, pointed at the unpacked image with SSL_CERT_FILE, SSL_CERT_DIR and ZONEINFO")
		cmd = exec.CommandContext(t.Context(), filepath.Join(root, "probe"))
		cmd.Env = []string{
			"SSL_CERT_FILE=" + filepath.Join(root, CABundleFile),
			"SSL_CERT_DIR=" + filepath.Join(root, filepath.Dir(CABundleFile)),
			"ZONEINFO=" + filepath.Join(root, ZoneInfoDir),
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), strconv.Itoa(b.Roots)+" -0400 EDT"; got != want {
		t.Errorf("probe in the image: got %q, want %q (every root of the bundle, and New York on summer time)", got, want)
	}
}

func TestBaseFiles(t *testing.T) {
	b, err := DefaultBase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	fs, err := b.files()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, f := range fs {
		if i > 0 && fs[i-1].name >= f.name {
			t.Errorf("files(): %q comes after %q, want lexical order", f.name, fs[i-1].name)
		}
		if d := filepath.Dir(strings.TrimSuffix(f.name, "/")); d != "." && !seen[d+"/"] {
			t.Errorf("files(): %q comes before its directory %q", f.name, d+"/")
		}
		seen[f.name] = true
		if f.mode&0o022 != 0 && f.name != "tmp/" {
			t.Errorf("files(): %q has mode %o, want it not writable by the image's user", f.name, f.mode)
		}
	}
	for _, want := range []string{CABundleFile, ZoneInfoDir + "/America/New_York", ZoneInfoDir + "/UTC", "etc/passwd", "etc/group", "tmp/"} {
		if !seen[want] {
			t.Errorf("files(): no %q", want)
		}
	}

	if _, err := (Base{ZoneInfo: []byte("not a zip")}).files(); err == nil {
		t.Error("files(): time zone data that is not a zip: got nil error, want an error")
	}
}

// buildProgram compiles a one-file main package for p into a temporary
// directory, as GoBuild builds the functions.
func buildProgram(t *testing.T, p Platform, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/"+name+"\n\ngo 1.26\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	if err := GoBuild(t.Context(), dir, ".", p, Stamp{}, out); err != nil {
		t.Fatal(err)
	}
	return out
}

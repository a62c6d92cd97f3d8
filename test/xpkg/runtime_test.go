package xpkg_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/cloudspace-dev/cloudspace/internal/xpkg"
)

// TestBillingImageTrustsItsBundle builds the runtime image of
// function-cloudspace-billing as make xpkg does (the same compiler flags,
// the default base, the image tarball read back), unpacks it, and runs
// `ingest --dry-run` from it in a chroot, as the image's non-root user,
// against an HTTPS server on loopback. With the server's CA appended to the
// image's bundle the ingest reads the export; with the default bundle, which
// lacks it, the same binary fails as a TLS client must. So the binary trusts
// what the image holds, and nothing of the host.
func TestBillingImageTrustsItsBundle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chroot into the unpacked image (run the test as root, as make test does)")
	}
	root := repoRoot(t)
	export, err := os.ReadFile(filepath.Join(root, "internal", "billing", "testdata", "focus-1.2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/export.csv" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		_, _ = w.Write(export)
	}))
	// The failing case's handshake error is expected: keep it out of the log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	testCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	const name = "function-cloudspace-billing"
	p := xpkg.Platform{OS: "linux", Arch: runtime.GOARCH}
	bin := filepath.Join(t.TempDir(), name)
	if err := xpkg.GoBuild(t.Context(), root, "./functions/cloudspace-billing", p, xpkg.Stamp{Version: "v0.1.0-test.1", Commit: "0123456789abcdef"}, bin); err != nil {
		t.Fatal(err)
	}
	base, err := xpkg.DefaultBase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	withCA := base
	withCA.CABundle = append(bytes.Clone(base.CABundle), testCA...)

	cases := map[string]struct {
		reason  string
		base    xpkg.Base
		wantOK  bool
		wantOut string
	}{
		"BundleHoldsTheCA": {
			reason:  "The server's CA is in the image's bundle: the export is read and its records planned.",
			base:    withCA,
			wantOK:  true,
			wantOut: "create  team-a",
		},
		"BundleLacksTheCA": {
			reason:  "The default bundle holds public roots only: the handshake with the test server fails.",
			base:    base,
			wantOut: "x509: certificate signed by unknown authority",
		},
	}
	t.Run("Version", func(t *testing.T) {
		dir := unpackImage(t, bin, p, base)
		cmd := exec.CommandContext(t.Context(), "/"+filepath.Base(bin), "--version")
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: dir, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
		cmd.Dir = "/"
		cmd.Env = []string{}
		out, err := cmd.CombinedOutput()
		want := "function-cloudspace-billing v0.1.0-test.1 (commit 0123456789abcdef, " + runtime.Version() + ", " + p.String() + ")\n"
		if err != nil || string(out) != want {
			t.Errorf("--version from the image: error %v, output %q, want %q: the stamp GoBuild sets", err, out, want)
		}
	})
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := unpackImage(t, bin, p, tc.base)
			cmd := exec.CommandContext(t.Context(), "/"+filepath.Base(bin),
				"ingest", "--dry-run", "--retries", "0", "--connect-timeout", "5s", srv.URL+"/export.csv")
			cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: dir, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
			cmd.Dir = "/"
			cmd.Env = []string{}
			out, err := cmd.CombinedOutput()
			if tc.wantOK != (err == nil) {
				t.Errorf("%s\ningest from the image: error %v, want success %t; output:\n%s", tc.reason, err, tc.wantOK, out)
			}
			if !strings.Contains(string(out), tc.wantOut) {
				t.Errorf("%s\ningest from the image: output lacks %q:\n%s", tc.reason, tc.wantOut, out)
			}
		})
	}
}

// unpackImage builds the runtime image of bin on base, writes it as the
// image tarball a package embeds, reads it back, and unpacks it into a
// temporary directory, which it returns.
func unpackImage(t *testing.T, bin string, p xpkg.Platform, base xpkg.Base) string {
	t.Helper()
	img, err := xpkg.RuntimeImage(xpkg.ImageOptions{Binary: bin, Name: filepath.Base(bin), Platform: p, Created: time.Unix(0, 0), Labels: xpkg.Labels, Base: base})
	if err != nil {
		t.Fatal(err)
	}
	tb := filepath.Join(t.TempDir(), "image.tar")
	if err := xpkg.WriteImage(tb, img); err != nil {
		t.Fatal(err)
	}
	read, err := tarball.ImageFromPath(tb, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := xpkg.Unpack(read, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestComposerImageServes runs function-cloudspace from its unpacked runtime
// image in a chroot, as the image's non-root user, and calls RunFunction
// over gRPC on loopback. A request without input is a fatal result, the
// composer's answer to a pipeline step it cannot read: enough to show the
// image starts the server and answers.
func TestComposerImageServes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chroot into the unpacked image (run the test as root, as make test does)")
	}
	root := repoRoot(t)
	p := xpkg.Platform{OS: "linux", Arch: runtime.GOARCH}
	bin := filepath.Join(t.TempDir(), "function-cloudspace")
	if err := xpkg.GoBuild(t.Context(), root, "./functions/cloudspace", p, xpkg.Stamp{}, bin); err != nil {
		t.Fatal(err)
	}
	base, err := xpkg.DefaultBase(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	dir := unpackImage(t, bin, p, base)

	// A free port: the kernel's pick, released for the function to bind.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()

	ctx, cancel := context.WithCancel(t.Context())
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "/function-cloudspace", "--insecure", "--address", addr, "--metrics-address", "")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: dir, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
	cmd.Dir = "/"
	cmd.Env = []string{}
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("function-cloudspace output:\n%s", out.String())
		}
	})

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := fnv1.NewFunctionRunnerServiceClient(conn)
	req := &fnv1.RunFunctionRequest{Meta: &fnv1.RequestMeta{Tag: "image-test"}}
	var rsp *fnv1.RunFunctionResponse
	for deadline := time.Now().Add(30 * time.Second); ; {
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		rsp, err = client.RunFunction(cctx, req, grpc.WaitForReady(true))
		ccancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("RunFunction on the composer from its image: %v", err)
	}
	if got := rsp.GetMeta().GetTag(); got != "image-test" {
		t.Errorf("RunFunction: response tag %q, want the request's %q", got, "image-test")
	}
	fatal := false
	for _, r := range rsp.GetResults() {
		fatal = fatal || r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL
	}
	if !fatal {
		t.Errorf("RunFunction without input: results %v, want a fatal one", rsp.GetResults())
	}
}

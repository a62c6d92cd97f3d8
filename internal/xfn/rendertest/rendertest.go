// Package rendertest runs golden render cases: it builds the functions,
// serves them on loopback, renders each case with the real crossplane CLI
// and compares the output with the case's expected output. Rendered
// provider managed resources are validated against the provider's CRDs.
//
// A case is a directory holding:
//
//	xr.yaml             the composite resource (required)
//	composition.yaml    the Composition (default: the repository's)
//	observed.yaml       observed composed resources (optional)
//	required.yaml       required resources (optional); the composite resource
//	                    is sent among them too, as Crossplane sends it from
//	                    its cache where it matches a selector
//	expected.yaml       the expected render output (-update rewrites it)
package rendertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// Function is a composition function to build and serve.
type Function struct {
	// Name of the Function, as the Composition's functionRef names it.
	Name string
	// Package is the Go package of its main, relative to the root.
	Package string
}

// Harness holds the served functions and the tools of a render test run.
type Harness struct {
	// Root of the repository.
	Root string
	// Crossplane is the path of the crossplane CLI.
	Crossplane string
	// Composition is the default Composition of a case.
	Composition string
	// XRD is applied by render for defaults and schema.
	XRD string
	// ValidateExtensions are CRD files or directories managed resources
	// are validated against; empty skips validation.
	ValidateExtensions []string
	// CacheDir holds Crossplane's own CRDs for crossplane beta validate.
	CacheDir string

	functions string
}

// renderFailed starts the output of a case whose render failed.
const renderFailed = "# crossplane render failed:\n"

// CrossplaneImage is the Crossplane version whose schemas validate uses.
const CrossplaneImage = "xpkg.crossplane.io/crossplane/crossplane:v2.2.0"

// Serve builds fns, starts each on a free loopback port with --insecure,
// and writes the Function manifests render needs. The processes stop when
// the test ends.
func (h *Harness) Serve(t testing.TB, fns ...Function) {
	t.Helper()
	dir := t.TempDir()
	var manifests strings.Builder
	for _, fn := range fns {
		bin := filepath.Join(dir, fn.Name)
		build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./"+strings.TrimPrefix(fn.Package, "./"))
		build.Dir = h.Root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("cannot build %s: %v\n%s", fn.Name, err, out)
		}
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, bin, "--insecure", "--address", addr, "--metrics-address", "")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatalf("cannot start %s: %v", fn.Name, err)
		}
		t.Cleanup(func() {
			cancel()
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("%s logs:\n%s", fn.Name, logs.String())
			}
		})
		waitListening(t, addr)
		fmt.Fprintf(&manifests, `---
apiVersion: pkg.crossplane.io/v1
kind: Function
metadata:
  name: %s
  annotations:
    render.crossplane.io/runtime: Development
    render.crossplane.io/runtime-development-target: %s
spec:
  package: xpkg.example.com/cloudspace/%s:v0.0.0
`, fn.Name, addr, fn.Name)
	}
	h.functions = filepath.Join(dir, "functions.yaml")
	if err := os.WriteFile(h.functions, []byte(manifests.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Render renders the case in dir and returns crossplane render's output.
// When render fails, as it does on a Fatal result, the output is a comment
// line and render's error message, so that rejections are golden too.
func (h *Harness) Render(t testing.TB, dir string) []byte {
	t.Helper()
	comp := h.Composition
	if p := filepath.Join(dir, "composition.yaml"); exists(p) {
		comp = p
	}
	args := []string{"render", filepath.Join(dir, "xr.yaml"), comp, h.functions, "--include-function-results"}
	if h.XRD != "" {
		args = append(args, "--xrd", h.XRD)
	}
	if p := filepath.Join(dir, "observed.yaml"); exists(p) {
		args = append(args, "--observed-resources", p)
	}
	if p := filepath.Join(dir, "required.yaml"); exists(p) {
		req := t.TempDir()
		for _, f := range []string{p, filepath.Join(dir, "xr.yaml")} {
			if err := copyFile(f, filepath.Join(req, filepath.Base(f))); err != nil {
				t.Fatal(err)
			}
		}
		args = append(args, "--required-resources", req)
	}
	cmd := exec.CommandContext(t.Context(), h.Crossplane, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if _, ok := errors.AsType[*exec.ExitError](err); !ok {
			t.Fatalf("cannot run crossplane %s: %v", strings.Join(args, " "), err)
		}
		return append([]byte(renderFailed), stderr.Bytes()...)
	}
	return stdout.Bytes()
}

// Check renders the case in dir twice, requires byte-identical output,
// compares it with expected.yaml (rewriting it when update is set), and
// validates the rendered managed resources.
func (h *Harness) Check(t *testing.T, dir string, update bool) {
	t.Helper()
	got := h.Render(t, dir)
	if again := h.Render(t, dir); !bytes.Equal(got, again) {
		t.Errorf("rendering %s twice gave different output: -first +second\n%s", dir, cmp.Diff(string(got), string(again)))
	}
	golden := filepath.Join(dir, "expected.yaml")
	if update {
		if err := os.WriteFile(golden, got, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("cannot read %s (run the test with -update to create it): %v", golden, err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("render of %s differs from expected.yaml (run with -update to accept): -want +got\n%s", dir, diff)
	}
	if len(h.ValidateExtensions) > 0 && !bytes.HasPrefix(got, []byte(renderFailed)) {
		h.Validate(t, got)
	}
}

// Validate checks every provider managed resource in rendered against the
// provider CRDs with crossplane beta validate.
func (h *Harness) Validate(t testing.TB, rendered []byte) {
	t.Helper()
	mrs, err := ManagedResources(rendered)
	if err != nil {
		t.Fatal(err)
	}
	if len(mrs) == 0 {
		return
	}
	f := filepath.Join(t.TempDir(), "managed.yaml")
	if err := os.WriteFile(f, mrs, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"beta", "validate", strings.Join(h.ValidateExtensions, ","), f,
		"--cache-dir", h.CacheDir, "--crossplane-image", CrossplaneImage, "--skip-success-results"}
	out, err := exec.CommandContext(t.Context(), h.Crossplane, args...).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("[x]")) || bytes.Contains(out, []byte("[!]")) {
		t.Errorf("rendered managed resources do not validate against the provider CRDs: %v\n%s", err, out)
	}
}

// ManagedResources returns the documents of rendered whose API group is a
// Crossplane provider's (*.upbound.io, *.crossplane.io other than
// Crossplane's own kinds).
func ManagedResources(rendered []byte) ([]byte, error) {
	var out bytes.Buffer
	for doc := range strings.SplitSeq(string(rendered), "\n---\n") {
		doc = strings.TrimPrefix(doc, "---\n")
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var m struct {
			APIVersion string `json:"apiVersion"`
		}
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return nil, fmt.Errorf("cannot parse rendered document: %w", err)
		}
		if isManaged(m.APIVersion) {
			out.WriteString("---\n" + strings.TrimSuffix(doc, "\n") + "\n")
		}
	}
	return out.Bytes(), nil
}

func isManaged(apiVersion string) bool {
	group, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return false
	}
	return strings.HasSuffix(group, ".upbound.io") || group == "kubernetes.crossplane.io" || group == "kubernetes.m.crossplane.io"
}

// Cases returns the case directories below dir, sorted.
func Cases(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read render cases: %w", err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() && exists(filepath.Join(dir, e.Name(), "xr.yaml")) {
			cases = append(cases, e.Name())
		}
	}
	if len(cases) == 0 {
		return nil, errors.New("no render cases found")
	}
	return cases, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func waitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		d := &net.Dialer{Timeout: 200 * time.Millisecond}
		c, err := d.DialContext(t.Context(), "tcp", addr)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("function did not listen on %s within 30s", addr)
}

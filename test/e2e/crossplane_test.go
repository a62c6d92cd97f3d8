//go:build e2e

package e2e

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/cloudspace-dev/cloudspace/internal/gomod"
)

const xpNamespace = "crossplane-system"

// startCrossplane initialises Crossplane core against the control plane
// and starts it with the External package runtime: it installs packages,
// while this harness runs the function processes.
func (e *env) startCrossplane(t *testing.T) {
	t.Helper()
	crds := os.Getenv("E2E_CROSSPLANE_CRDS")
	if crds == "" {
		dir, err := gomod.Dir(t.Context(), e.root, "github.com/crossplane/crossplane/v2", "")
		if err != nil {
			t.Fatalf("cannot find the crossplane module for its CRDs (set E2E_CROSSPLANE_CRDS): %v", err)
		}
		crds = filepath.Join(dir, "cluster", "crds")
	}
	e.run(t, "create", "namespace", xpNamespace)
	e.run(t, "-n", xpNamespace, "create", "serviceaccount", "crossplane")

	core := filepath.Join(e.bin, "crossplane-core")
	initEnv := []string{"KUBECONFIG=" + e.kubeconfig, "CRDS_PATH=" + crds,
		"TLS_CA_SECRET_NAME=crossplane-root-ca", "TLS_CLIENT_SECRET_NAME=crossplane-tls-client"}
	// The first init applies the CRDs and fails on kinds not yet
	// established; in a cluster its init container would restart.
	eventually(t, "crossplane core init", 2*time.Minute, func() error {
		cmd := exec.Command(core, "core", "init", "--namespace", xpNamespace, "--enable-webhooks=false")
		cmd.Env = append(os.Environ(), initEnv...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w: %s", err, lastLines(out, 3))
		}
		return nil
	})

	client := filepath.Join(e.dir, "tls", "client")
	if err := os.MkdirAll(client, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tls.crt", "tls.key", "ca.crt"} {
		writeFile(t, filepath.Join(client, k), e.secretKey(t, xpNamespace, "crossplane-tls-client", k))
	}
	for _, d := range []string{"xpkg", "xfn"} {
		if err := os.MkdirAll(filepath.Join(e.dir, "cache", d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	health := freePort(t)
	e.procs.start(t, "crossplane", []string{"KUBECONFIG=" + e.kubeconfig}, core,
		"core", "start", "--namespace", xpNamespace,
		"--package-runtime", "External", "--enable-webhooks=false",
		"--tls-client-certs-dir", client,
		"--xpkg-cache-dir", filepath.Join(e.dir, "cache", "xpkg"), "--xfn-cache-dir", filepath.Join(e.dir, "cache", "xfn"),
		"--metrics-port", itoa(freePort(t)), "--health-probe-port", itoa(health), "--poll-interval", "10s", "--debug")
	waitHTTP(t, "crossplane /readyz", http.DefaultClient, "http://127.0.0.1:"+itoa(health)+"/readyz", 2*time.Minute)
}

// secretKey returns one key of a secret, decoded.
func (e *env) secretKey(t *testing.T, ns, name, key string) []byte {
	t.Helper()
	out := e.run(t, "-n", ns, "get", "secret", name, "-o", "jsonpath={.data."+strings.ReplaceAll(key, ".", `\.`)+"}")
	b, err := decodeB64(out)
	if err != nil {
		t.Fatalf("cannot decode %s/%s[%s]: %v", ns, name, key, err)
	}
	return b
}

// startRegistry serves an in-memory OCI registry on loopback and returns
// its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(logDiscard())), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// pushPackage builds a Crossplane package from files with the crossplane
// CLI (crossplane xpkg build, as make xpkg does) and pushes it to ref. The
// first file must be the package metadata, crossplane.yaml.
func (e *env) pushPackage(t *testing.T, ref string, files ...string) {
	t.Helper()
	root := t.TempDir()
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, fmt.Sprintf("%02d-%s", i, filepath.Base(f)))
		if i == 0 {
			dst = filepath.Join(root, "crossplane.yaml")
		}
		writeFile(t, dst, b)
	}
	out := filepath.Join(t.TempDir(), "package.xpkg")
	cmd := exec.Command(filepath.Join(e.bin, "crossplane"), "xpkg", "build", "--package-root", root, "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cannot build package %s: %v\n%s", ref, err, b)
	}
	img, err := tarball.ImageFromPath(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("cannot push %s: %v", ref, err)
	}
}

// installFunction installs a Function package from the registry, starts
// the function binary over mTLS with a server certificate signed by
// Crossplane's CA, and acts as the External package runtime: it points the
// FunctionRevision at the process and marks the runtime healthy.
func (e *env) installFunction(t *testing.T, reg, fn string) {
	t.Helper()
	ref := reg + "/cloudspace/" + fn + ":v0.0.1"
	files := append([]string{filepath.Join(e.root, "package", fn, "crossplane.yaml")},
		must(filepath.Glob(filepath.Join(e.root, "package", fn, "input", "*.yaml")))...)
	e.pushPackage(t, ref, files...)
	e.apply(t, fmt.Sprintf(`apiVersion: pkg.crossplane.io/v1
kind: Function
metadata:
  name: %s
spec:
  package: %s
  packagePullPolicy: IfNotPresent
`, fn, ref))

	var rev string
	eventually(t, "FunctionRevision of "+fn, 2*time.Minute, func() error {
		out, err := e.try("get", "functionrevision", "-l", "pkg.crossplane.io/package="+fn, "-o", "jsonpath={.items[0].metadata.name}")
		if err != nil || out == "" {
			return fmt.Errorf("no revision yet: %w", err)
		}
		rev = out
		return nil
	})

	ca, err := parseKeyPair(e.secretKey(t, xpNamespace, "crossplane-root-ca", "tls.crt"), e.secretKey(t, xpNamespace, "crossplane-root-ca", "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	server := issue(t, certSpec{
		cn:    fn,
		dns:   []string{"localhost", fn, fn + "." + xpNamespace, fn + "." + xpNamespace + ".svc", fn + "." + xpNamespace + ".svc.cluster.local"},
		ips:   []net.IP{net.ParseIP("127.0.0.1")},
		usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca)
	certs := filepath.Join(e.dir, "tls", fn)
	if err := os.MkdirAll(certs, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(certs, "tls.crt"), server.certPEM)
	writeFile(t, filepath.Join(certs, "tls.key"), server.keyPEM)
	writeFile(t, filepath.Join(certs, "ca.crt"), ca.certPEM)
	secret := fn + "-tls-server"
	e.run(t, "-n", xpNamespace, "create", "secret", "generic", secret,
		"--from-file=tls.crt="+filepath.Join(certs, "tls.crt"), "--from-file=tls.key="+filepath.Join(certs, "tls.key"),
		"--from-file=ca.crt="+filepath.Join(certs, "ca.crt"))

	addr := "127.0.0.1:" + itoa(freePort(t))
	e.procs.start(t, fn, []string{"TLS_SERVER_CERTS_DIR=" + certs, "KUBECONFIG=" + e.kubeconfig}, filepath.Join(e.bin, fn),
		"--address", addr, "--metrics-address", "", "--debug")
	waitTCP(t, fn, addr, 30*time.Second)

	e.run(t, "patch", "functionrevision", rev, "--subresource=status", "--type=merge",
		"-p", fmt.Sprintf(`{"status":{"endpoint":%q,"tlsServerSecretName":%q}}`, addr, secret))
	e.run(t, "patch", "functionrevision", rev, "--subresource=status", "--type=json",
		"-p", `[{"op":"add","path":"/status/conditions/-","value":{"type":"RuntimeHealthy","status":"True","reason":"HealthyPackageRevision","lastTransitionTime":"2026-01-01T00:00:00Z"}}]`)
	eventually(t, "Function "+fn+" healthy", 2*time.Minute, func() error {
		obj, err := e.getJSON("function", fn)
		if err != nil {
			return err
		}
		for _, typ := range []string{"Installed", "Healthy"} {
			if c := condition(obj, typ); c == nil || c["status"] != "True" {
				return fmt.Errorf("%s: %v", typ, c)
			}
		}
		return nil
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

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

	"github.com/google/go-containerregistry/pkg/registry"

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

// serveFunction serves the function fn that Crossplane installed as a
// dependency of the Configuration: it starts the function binary over mTLS
// with a server certificate signed by Crossplane's CA, and acts as the
// External package runtime: it points the FunctionRevision at the process
// and marks the runtime healthy.
func (e *env) serveFunction(t *testing.T, fn string) {
	t.Helper()
	var rev string
	eventually(t, "FunctionRevision of "+fn, 2*time.Minute, func() error {
		out, err := e.try("get", "functionrevision", "-l", "pkg.crossplane.io/package="+fn, "-o", "jsonpath={.items[0].metadata.name}")
		if err != nil || out == "" {
			return fmt.Errorf("no revision yet: %w", err)
		}
		rev = out
		return nil
	})

	certs, secret := e.runtimeTLS(t, fn)

	addr := "127.0.0.1:" + itoa(freePort(t))
	e.procs.start(t, fn, []string{"TLS_SERVER_CERTS_DIR=" + certs, "KUBECONFIG=" + e.kubeconfig}, filepath.Join(e.bin, fn),
		"--address", addr, "--metrics-address", "", "--debug")
	waitTCP(t, fn, addr, 30*time.Second)

	e.run(t, "patch", "functionrevision", rev, "--subresource=status", "--type=merge",
		"-p", fmt.Sprintf(`{"status":{"endpoint":%q,"tlsServerSecretName":%q}}`, addr, secret))
	e.run(t, "patch", "functionrevision", rev, "--subresource=status", "--type=json", "-p", runtimeHealthyPatch)
	e.waitTrue(t, "Function "+fn+" healthy", 2*time.Minute, "function", fn, "Installed", "Healthy")
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

// runtimeTLS does what a package runtime does for the package pkg: it
// issues the package's server certificate from Crossplane's CA, writes it
// to a directory and to the secret the package revision names in
// status.tlsServerSecretName, and returns both.
func (e *env) runtimeTLS(t *testing.T, pkg string) (dir, secret string) {
	t.Helper()
	ca, err := parseKeyPair(e.secretKey(t, xpNamespace, "crossplane-root-ca", "tls.crt"), e.secretKey(t, xpNamespace, "crossplane-root-ca", "tls.key"))
	if err != nil {
		t.Fatal(err)
	}
	server := issue(t, certSpec{
		cn:    pkg,
		dns:   []string{"localhost", pkg, pkg + "." + xpNamespace, pkg + "." + xpNamespace + ".svc", pkg + "." + xpNamespace + ".svc.cluster.local"},
		ips:   []net.IP{net.ParseIP("127.0.0.1")},
		usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca)
	dir = filepath.Join(e.dir, "tls", pkg)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "tls.crt"), server.certPEM)
	writeFile(t, filepath.Join(dir, "tls.key"), server.keyPEM)
	writeFile(t, filepath.Join(dir, "ca.crt"), ca.certPEM)
	secret = pkg + "-tls-server"
	e.run(t, "-n", xpNamespace, "create", "secret", "generic", secret,
		"--from-file=tls.crt="+filepath.Join(dir, "tls.crt"), "--from-file=tls.key="+filepath.Join(dir, "tls.key"),
		"--from-file=ca.crt="+filepath.Join(dir, "ca.crt"))
	return dir, secret
}

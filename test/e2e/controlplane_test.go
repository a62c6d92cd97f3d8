//go:build e2e

package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env is a running control plane.
type env struct {
	root       string // Repository root.
	bin        string // Directory of the built binaries.
	dir        string // Work directory: PKI, data, logs.
	kubeconfig string
	kubectl    string
	procs      *procs
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// startControlPlane starts etcd, kube-apiserver and kube-controller-manager.
func startControlPlane(t *testing.T) *env {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		root:    root,
		bin:     getenv("E2E_BIN", filepath.Join(root, "_output", "bin")),
		dir:     getenv("E2E_DIR", t.TempDir()),
		kubectl: getenv("KUBECTL", "kubectl"),
	}
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e.procs = &procs{dir: e.dir}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("control plane logs are in %s", e.dir)
		}
		e.procs.stopAll()
	})

	// PKI.
	pki := filepath.Join(e.dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		t.Fatal(err)
	}
	ca := issue(t, certSpec{cn: "cloudspace-e2e-ca", isCA: true}, nil)
	serving := issue(t, certSpec{
		cn:    "kube-apiserver",
		dns:   []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		ips:   []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
		usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca)
	admin := issue(t, certSpec{cn: "e2e-admin", orgs: []string{"system:masters"}, usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca)
	sa, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	saPub, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(pki, "ca.crt"), ca.certPEM)
	writeFile(t, filepath.Join(pki, "apiserver.crt"), serving.certPEM)
	writeFile(t, filepath.Join(pki, "apiserver.key"), serving.keyPEM)
	writeFile(t, filepath.Join(pki, "sa.key"), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(sa)}))
	writeFile(t, filepath.Join(pki, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}))

	// etcd.
	etcdPort, etcdPeer := freePort(t), freePort(t)
	etcdURL := "http://127.0.0.1:" + itoa(etcdPort)
	e.procs.start(t, "etcd", nil, getenv("ETCD", "etcd"),
		"--name", "e2e", "--data-dir", filepath.Join(e.dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", "http://127.0.0.1:"+itoa(etcdPeer), "--initial-advertise-peer-urls", "http://127.0.0.1:"+itoa(etcdPeer),
		"--initial-cluster", "e2e=http://127.0.0.1:"+itoa(etcdPeer), "--unsafe-no-fsync", "--log-level", "warn")
	waitHTTP(t, "etcd", http.DefaultClient, etcdURL+"/health", 30*time.Second)

	// kube-apiserver.
	apiPort := freePort(t)
	server := "https://127.0.0.1:" + itoa(apiPort)
	e.procs.start(t, "kube-apiserver", nil, filepath.Join(e.bin, "kube-apiserver"),
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", itoa(apiPort),
		"--tls-cert-file", filepath.Join(pki, "apiserver.crt"), "--tls-private-key-file", filepath.Join(pki, "apiserver.key"),
		"--client-ca-file", filepath.Join(pki, "ca.crt"),
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", filepath.Join(pki, "sa.pub"), "--service-account-signing-key-file", filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range", "10.0.0.0/24", "--authorization-mode", "RBAC", "--allow-privileged=true",
		"--disable-admission-plugins", "ServiceAccount", "--enable-priority-and-fairness=false", "--profiling=false",
		"--endpoint-reconciler-type", "none", "--v", "1")
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	clientCert, err := tls.X509KeyPair(admin.certPEM, admin.keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: pool, Certificates: []tls.Certificate{clientCert}, MinVersion: tls.VersionTLS12,
	}}}
	waitHTTP(t, "kube-apiserver /readyz", hc, server+"/readyz", 90*time.Second)

	e.kubeconfig = filepath.Join(e.dir, "kubeconfig")
	writeFile(t, e.kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: e2e-admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: e2e
  context: {cluster: e2e, user: e2e-admin}
current-context: e2e
`, server, b64(ca.certPEM), b64(admin.certPEM), b64(admin.keyPEM))))

	// kube-controller-manager: garbage collection of composed resources of
	// deleted composites, and namespace deletion.
	kcmPort := freePort(t)
	e.procs.start(t, "kube-controller-manager", nil, filepath.Join(e.bin, "kube-controller-manager"),
		"--kubeconfig", e.kubeconfig, "--authentication-kubeconfig", e.kubeconfig, "--authorization-kubeconfig", e.kubeconfig,
		"--bind-address", "127.0.0.1", "--secure-port", itoa(kcmPort), "--leader-elect=false",
		"--controllers", "garbage-collector-controller,namespace-controller", "--v", "1")
	return e
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// run runs kubectl against the control plane and returns its stdout.
func (e *env) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := e.try(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// try runs kubectl and returns its stdout, or an error with its stderr.
func (e *env) try(args ...string) (string, error) {
	cmd := exec.Command(e.kubectl, append([]string{"--kubeconfig", e.kubeconfig}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// apply applies a manifest given as YAML text, server-side.
func (e *env) apply(t *testing.T, manifest string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "manifest.yaml")
	writeFile(t, f, []byte(manifest))
	e.run(t, "apply", "--server-side", "--force-conflicts", "-f", f)
}

// getJSON returns an object as a generic map, or an error if absent.
func (e *env) getJSON(args ...string) (map[string]any, error) {
	out, err := e.try(append([]string{"get", "-o", "json"}, args...)...)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return nil, fmt.Errorf("cannot parse kubectl output: %w", err)
	}
	return m, nil
}

// field walks a generic object along dot-separated keys. Keys that hold
// dots themselves (labels, quota resource names) are read from the map
// field returns for their parent.
func field(m map[string]any, path string) any {
	var cur any = m
	for k := range strings.SplitSeq(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// condition returns the condition of type typ of obj.
func condition(obj map[string]any, typ string) map[string]any {
	cs, _ := field(obj, "status.conditions").([]any)
	for _, c := range cs {
		cm, _ := c.(map[string]any)
		if cm["type"] == typ {
			return cm
		}
	}
	return nil
}

// waitTrue waits until the object kind/name has every condition of types
// True.
func (e *env) waitTrue(t *testing.T, what string, timeout time.Duration, kind, name string, types ...string) {
	t.Helper()
	eventually(t, what, timeout, func() error {
		obj, err := e.getJSON(kind, name)
		if err != nil {
			return err
		}
		for _, typ := range types {
			if c := condition(obj, typ); c == nil || c["status"] != "True" {
				return fmt.Errorf("%s: %v", typ, c)
			}
		}
		return nil
	})
}

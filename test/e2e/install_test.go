//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"sigs.k8s.io/yaml"

	"github.com/cloudspace-dev/cloudspace/internal/xpkg"
)

// The registries the shipped packages name: CloudSpace's placeholder host
// and Upbound's, whose providers the Configuration depends on. The test's
// registry serves both under these repository prefixes, and ImageConfigs
// rewrite the hosts to it, as a platform team mirroring them would.
const (
	cloudspaceHost = xpkg.DefaultRegistry
	upboundOrg     = "xpkg.upbound.io/upbound"
)

// installCloudSpace installs the Configuration as a platform team would:
// its package and both function packages (runtime images embedded), as
// make xpkg builds them for the placeholder host, and the provider packages
// its dependsOn names, built from the provider modules' own package
// metadata and CRDs, are served by the test's registry; ImageConfigs
// rewrite the hosts to it; Crossplane resolves and installs every
// dependency itself, and activates the managed resources only through the
// Configuration's own activation policy. The harness is the External
// package runtime: it runs the function processes and reports each
// provider's and function's runtime healthy.
func (e *env) installCloudSpace(t *testing.T, reg string) {
	t.Helper()
	out, version := os.Getenv("E2E_XPKG_OUT"), os.Getenv("E2E_XPKG_VERSION")
	if out == "" || version == "" {
		t.Fatal("E2E_XPKG_OUT and E2E_XPKG_VERSION must name the packages make xpkg built for the e2e (make e2e sets them)")
	}
	l := xpkg.Layout{Out: out}
	p := xpkg.Platform{OS: "linux", Arch: runtime.GOARCH}
	for _, s := range xpkg.Packages {
		pushFile(t, reg+"/cloudspace/"+s.Name+":"+version, l.Package(s, p))
	}
	providers := e.pushProviders(t, reg)

	e.apply(t, fmt.Sprintf(`apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: cloudspace-mirror
spec:
  matchImages:
  - {type: Prefix, prefix: %s}
  rewriteImage:
    prefix: %s/cloudspace
---
apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: upbound-mirror
spec:
  matchImages:
  - {type: Prefix, prefix: %s}
  rewriteImage:
    prefix: %s/upbound
`, cloudspaceHost, reg, upboundOrg, reg))
	e.apply(t, fmt.Sprintf(`apiVersion: pkg.crossplane.io/v1
kind: Configuration
metadata:
  name: configuration-cloudspace
spec:
  package: %s/configuration-cloudspace:%s
`, cloudspaceHost, version))

	// Crossplane installs the functions under the names the Composition's
	// functionRefs use; the harness serves them.
	for _, fn := range xpkg.FunctionNames() {
		e.serveFunction(t, fn)
	}
	// And the providers: the harness stands in for their runtime, which
	// would run each provider's controller and serve its webhooks with the
	// certificate it names to Crossplane.
	healthy := map[string]bool{}
	secrets := map[string]string{}
	eventually(t, fmt.Sprintf("the %d provider dependencies installed and healthy", len(providers)), 4*time.Minute, func() error {
		revs, err := e.try("get", "providerrevisions", "-o", `jsonpath={range .items[*]}{.metadata.name}{" "}{.metadata.labels.pkg\.crossplane\.io/package}{"\n"}{end}`)
		if err != nil {
			return err
		}
		for line := range strings.Lines(revs) {
			rev, pkg, _ := strings.Cut(strings.TrimSpace(line), " ")
			if rev == "" || healthy[rev] {
				continue
			}
			if secrets[pkg] == "" {
				_, secrets[pkg] = e.runtimeTLS(t, pkg)
			}
			if _, err := e.try("patch", "providerrevision", rev, "--subresource=status", "--type=merge",
				"-p", fmt.Sprintf(`{"status":{"tlsServerSecretName":%q}}`, secrets[pkg])); err != nil {
				return fmt.Errorf("cannot name the TLS secret of %s (%s): %w", rev, pkg, err)
			}
			if _, err := e.try("patch", "providerrevision", rev, "--subresource=status", "--type=json", "-p", runtimeHealthyPatch); err != nil {
				return fmt.Errorf("cannot report %s (%s) healthy: %w", rev, pkg, err)
			}
			healthy[rev] = true
		}
		got, err := e.try("get", "providers", "-o", `jsonpath={range .items[*]}{.metadata.name}{"="}{.status.conditions[?(@.type=="Healthy")].status}{"\n"}{end}`)
		if err != nil {
			return err
		}
		var ok []string
		for line := range strings.Lines(got) {
			if n, st, _ := strings.Cut(strings.TrimSpace(line), "="); st == "True" {
				ok = append(ok, n)
			}
		}
		slices.Sort(ok)
		if !slices.Equal(ok, providers) {
			return fmt.Errorf("healthy providers %v, want %v", ok, providers)
		}
		return nil
	})
	e.waitTrue(t, "the Configuration installed and healthy", 2*time.Minute, "configuration", "configuration-cloudspace", "Installed", "Healthy")
	e.checkActivated(t)
}

// runtimeHealthyPatch adds the condition a package runtime reports.
const runtimeHealthyPatch = `[{"op":"add","path":"/status/conditions/-","value":{"type":"RuntimeHealthy","status":"True","reason":"HealthyPackageRevision","lastTransitionTime":"2026-01-01T00:00:00Z"}}]`

// checkActivated waits until the CRDs of exactly the managed resources the
// Configuration's activation policy names are served: a provider's other
// kinds stay inactive.
func (e *env) checkActivated(t *testing.T) {
	t.Helper()
	_, activate := e.activationPolicy(t)
	eventually(t, "the activated managed resources' CRDs established", 3*time.Minute, func() error {
		for _, mrd := range activate {
			obj, err := e.getJSON("crd", mrd)
			if err != nil {
				return err
			}
			if c := condition(obj, "Established"); c == nil || c["status"] != "True" {
				return fmt.Errorf("CRD %s Established: %v", mrd, c)
			}
		}
		return nil
	})
	states := e.run(t, "get", "managedresourcedefinitions", "-o", `jsonpath={range .items[*]}{.metadata.name}{"="}{.spec.state}{"\n"}{end}`)
	var active []string
	n := 0
	for line := range strings.Lines(states) {
		mrd, state, _ := strings.Cut(strings.TrimSpace(line), "=")
		n++
		if state == "Active" {
			active = append(active, mrd)
		}
	}
	slices.Sort(active)
	if !slices.Equal(active, activate) {
		t.Errorf("active managed resource definitions %v, want exactly the %d the Configuration's policy activates %v", active, len(activate), activate)
	}
	t.Logf("%d of %d managed resource definitions active, as the Configuration's policy names", len(active), n)
}

// pushFile pushes the package file to ref.
func pushFile(t *testing.T, ref, file string) {
	t.Helper()
	img, err := tarball.ImageFromPath(file, nil)
	if err != nil {
		t.Fatalf("cannot read package %s: %v", file, err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("cannot push %s: %v", ref, err)
	}
}

// providerMeta is the data of provider-aws's package metadata template,
// package/crossplane.yaml.tmpl, as its build fills it for a family member.
type providerMeta struct {
	Name, Service, ProviderName, XpkgRegOrg, DepConstraint, ProviderAuthGroup string
}

// pushProviders builds the provider packages the Configuration depends
// on, and the provider-aws family package they depend on, from the
// provider modules' package metadata and CRDs, pushes them at the
// modules' versions, and returns the names Crossplane installs them as.
func (e *env) pushProviders(t *testing.T, reg string) []string {
	t.Helper()
	aws, awsVersion := os.Getenv("E2E_PROVIDER_AWS"), os.Getenv("E2E_PROVIDER_AWS_VERSION")
	k8s, k8sVersion := os.Getenv("E2E_PROVIDER_KUBERNETES"), os.Getenv("E2E_PROVIDER_KUBERNETES_VERSION")
	if aws == "" || awsVersion == "" || k8s == "" || k8sVersion == "" {
		t.Fatal("E2E_PROVIDER_AWS, E2E_PROVIDER_KUBERNETES and their _VERSIONs must name the provider modules (make e2e sets them)")
	}
	tmpl := template.Must(template.ParseFiles(filepath.Join(aws, "package", "crossplane.yaml.tmpl")))
	meta := func(service string) []byte {
		m := providerMeta{
			Name: "provider-aws-" + service, Service: service, ProviderName: "aws",
			XpkgRegOrg: upboundOrg, DepConstraint: ">= " + awsVersion, ProviderAuthGroup: "aws",
		}
		if service == "config" {
			m.Name = "provider-family-aws"
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, m); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	crdsOf := func(dir, group string) []string {
		var fs []string
		for _, g := range []string{group, strings.Replace(group, ".", ".m.", 1)} {
			fs = append(fs, must(filepath.Glob(filepath.Join(dir, g+"_*.yaml")))...)
		}
		if len(fs) == 0 {
			t.Fatalf("no CRDs of group %s in %s", group, dir)
		}
		return fs
	}

	var names []string
	build := func(pkg, version string, metadata []byte, crds []string) {
		root := t.TempDir()
		writeFile(t, filepath.Join(root, "crossplane.yaml"), metadata)
		if err := os.Mkdir(filepath.Join(root, "crds"), 0o750); err != nil {
			t.Fatal(err)
		}
		for _, f := range crds {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(root, "crds", filepath.Base(f)), b)
		}
		file := filepath.Join(t.TempDir(), pkg+".xpkg")
		cmd := exec.Command(filepath.Join(e.bin, "crossplane"), "xpkg", "build", "--package-root", root, "-o", file)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cannot build provider package %s: %v\n%s", pkg, err, b)
		}
		pushFile(t, reg+"/upbound/"+pkg+":"+version, file)
		dep, err := xpkg.DependencyName(upboundOrg + "/" + pkg)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, dep)
	}
	crds := filepath.Join(aws, "package", "crds")
	build("provider-family-aws", awsVersion, meta("config"), crdsOf(crds, "aws.upbound.io"))
	for _, pkg := range e.providerDependencies(t) {
		switch {
		case strings.HasPrefix(pkg, "provider-aws-"):
			svc := strings.TrimPrefix(pkg, "provider-aws-")
			build(pkg, awsVersion, meta(svc), crdsOf(crds, svc+".aws.upbound.io"))
		case pkg == "provider-kubernetes":
			b, err := os.ReadFile(filepath.Join(k8s, "package", "crossplane.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			build(pkg, k8sVersion, b, crdsOf(filepath.Join(k8s, "package", "crds"), "kubernetes.crossplane.io"))
		default:
			t.Fatalf("the Configuration depends on %s, which this test cannot build", pkg)
		}
	}
	slices.Sort(names)
	t.Logf("pushed %d provider packages: %v", len(names), names)
	return names
}

// providerDependencies returns the packages, by name under upboundOrg, of
// the providers the Configuration's package metadata depends on.
func (e *env) providerDependencies(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.root, "package", "configuration", "crossplane.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Spec struct {
			DependsOn []struct {
				Kind    string `json:"kind"`
				Package string `json:"package"`
			} `json:"dependsOn"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, d := range m.Spec.DependsOn {
		if d.Kind != "Provider" {
			continue
		}
		pkg, ok := strings.CutPrefix(d.Package, upboundOrg+"/")
		if !ok {
			t.Fatalf("the Configuration depends on provider %s, not under %s", d.Package, upboundOrg)
		}
		pkgs = append(pkgs, pkg)
	}
	return pkgs
}

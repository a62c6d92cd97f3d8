// Package render holds the golden render cases of the CloudSpace
// Composition. Each directory is a case (see internal/xfn/rendertest).
// Run with -update to rewrite the expected outputs.
package render

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudspace-dev/cloudspace/internal/gomod"
	"github.com/cloudspace-dev/cloudspace/internal/xfn/rendertest"
)

var update = flag.Bool("update", false, "rewrite the expected output of every case")

// providerGroups are the provider-aws API groups the Composition uses.
var providerGroups = []string{"ec2", "iam", "s3", "kms", "budgets", "eks"}

func TestRender(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	h := &rendertest.Harness{
		Root:        root,
		Crossplane:  crossplaneCLI(t, root),
		Composition: filepath.Join(root, "compositions", "xcloudspace.yaml"),
		XRD:         filepath.Join(root, "xrds", "xcloudspaces.platform.cloudspace.dev.yaml"),
		CacheDir:    t.TempDir(),
	}

	provider, err := gomod.Dir(t.Context(), root, "github.com/upbound/provider-aws/v2", "")
	if err != nil {
		t.Fatal(err)
	}
	crds := t.TempDir()
	if err := rendertest.ProviderCRDs(provider, crds, providerGroups...); err != nil {
		t.Fatal(err)
	}
	xp, err := gomod.Dir(t.Context(), root, "github.com/crossplane/crossplane/v2", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := rendertest.CrossplaneCache(xp, h.CacheDir); err != nil {
		t.Fatal(err)
	}
	// Remote tenant objects are provider-kubernetes Objects, validated
	// against its CRD from the module proxy.
	pk, err := gomod.Dir(t.Context(), root, gomod.ProviderKubernetes, gomod.ProviderKubernetesVersion)
	if err != nil {
		t.Fatal(err)
	}
	if err := rendertest.CopyCRD(pk, "package/crds/kubernetes.crossplane.io_objects.yaml", crds); err != nil {
		t.Fatal(err)
	}
	h.ValidateExtensions = []string{crds}

	h.Serve(t,
		rendertest.Function{Name: "function-cloudspace", Package: "./functions/cloudspace"},
		rendertest.Function{Name: "function-cloudspace-billing", Package: "./functions/cloudspace-billing"},
	)

	cases, err := rendertest.Cases(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			h.Check(t, c, *update)
		})
	}
}

// crossplaneCLI returns the crossplane CLI the Makefile builds into
// _output/bin, or $CROSSPLANE.
func crossplaneCLI(t *testing.T, root string) string {
	t.Helper()
	p := os.Getenv("CROSSPLANE")
	if p == "" {
		p = filepath.Join(root, "_output", "bin", "crossplane")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the crossplane CLI is missing at %s: run `make tools` (make test does it): %v", p, err)
	}
	return p
}

package xpkg

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// staged stages the repository's configuration package into a temporary
// directory and returns its root.
func staged(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for _, s := range Packages {
		if !s.IsFunction() {
			if err := s.Stage(filepath.Join("..", ".."), dst); err != nil {
				t.Fatal(err)
			}
			return dst
		}
	}
	t.Fatal("no configuration package")
	return ""
}

// references are what Rewrite changes in a configuration: each
// dependency's package and version, and the functions its Compositions'
// pipelines name.
type references struct {
	Dependencies []string // "kind package version"
	FunctionRefs []string
}

func readReferences(t *testing.T, root string) references {
	t.Helper()
	var r references
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		objs, err := Decode(b)
		if err != nil {
			return err
		}
		for _, o := range objs {
			deps, _, _ := unstructured.NestedSlice(o.Object, "spec", "dependsOn")
			for _, d := range deps {
				d, _ := d.(map[string]any)
				r.Dependencies = append(r.Dependencies, strings.Join([]string{d["kind"].(string), d["package"].(string), d["version"].(string)}, " "))
			}
			if o.GetKind() != "Composition" {
				continue
			}
			steps, _, _ := unstructured.NestedSlice(o.Object, "spec", "pipeline")
			for _, s := range steps {
				s, _ := s.(map[string]any)
				n, _, _ := unstructured.NestedString(s, "functionRef", "name")
				r.FunctionRefs = append(r.FunctionRefs, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The provider dependencies of the repository's configuration, which Rewrite
// never changes.
var providers = []string{
	"Provider xpkg.upbound.io/upbound/provider-aws-ec2 >=v2.5.0",
	"Provider xpkg.upbound.io/upbound/provider-aws-iam >=v2.5.0",
	"Provider xpkg.upbound.io/upbound/provider-aws-s3 >=v2.5.0",
	"Provider xpkg.upbound.io/upbound/provider-aws-kms >=v2.5.0",
	"Provider xpkg.upbound.io/upbound/provider-aws-budgets >=v2.5.0",
	"Provider xpkg.upbound.io/upbound/provider-aws-eks >=v2.5.0",
	"Provider xpkg.upbound.io/upbound/provider-kubernetes >=v1.0.0",
}

func TestPublishRewrite(t *testing.T) {
	type want struct {
		refs references
		err  string
	}
	cases := map[string]struct {
		reason string
		p      Publish
		want   want
	}{
		"Default": {
			reason: "The zero Publish leaves the configuration as the repository has it.",
			want: want{refs: references{
				Dependencies: append([]string{
					"Function xpkg.cloudspace.dev/function-cloudspace >=v0.1.0-0",
					"Function xpkg.cloudspace.dev/function-cloudspace-billing >=v0.1.0-0",
				}, providers...),
				FunctionRefs: []string{"function-cloudspace", "function-cloudspace-billing"},
			}},
		},
		"OtherHost": {
			reason: "A registry host alone changes the function packages; Crossplane installs them under the same names, so the Composition is unchanged.",
			p:      Publish{Registry: "registry.example.com/"},
			want: want{refs: references{
				Dependencies: append([]string{
					"Function registry.example.com/function-cloudspace >=v0.1.0-0",
					"Function registry.example.com/function-cloudspace-billing >=v0.1.0-0",
				}, providers...),
				FunctionRefs: []string{"function-cloudspace", "function-cloudspace-billing"},
			}},
		},
		"RepositoryPrefix": {
			reason: "Under a repository prefix Crossplane names the Functions after the whole path: the Composition refers to those names.",
			p:      Publish{Registry: "registry.example.com:5000/platform/cloudspace", Version: "v0.2.0"},
			want: want{refs: references{
				Dependencies: append([]string{
					"Function registry.example.com:5000/platform/cloudspace/function-cloudspace v0.2.0",
					"Function registry.example.com:5000/platform/cloudspace/function-cloudspace-billing v0.2.0",
				}, providers...),
				FunctionRefs: []string{"platform-cloudspace-function-cloudspace", "platform-cloudspace-function-cloudspace-billing"},
			}},
		},
		"Version": {
			reason: "A version pins the function dependencies to it, a prerelease too.",
			p:      Publish{Version: "v0.1.0-dev.1a2b3c4"},
			want: want{refs: references{
				Dependencies: append([]string{
					"Function xpkg.cloudspace.dev/function-cloudspace v0.1.0-dev.1a2b3c4",
					"Function xpkg.cloudspace.dev/function-cloudspace-billing v0.1.0-dev.1a2b3c4",
				}, providers...),
				FunctionRefs: []string{"function-cloudspace", "function-cloudspace-billing"},
			}},
		},
		"BadRegistry": {
			reason: "A registry that cannot be part of a package reference is refused.",
			p:      Publish{Registry: "registry.example.com/Platform"},
			want:   want{err: `cannot use registry "registry.example.com/Platform"`},
		},
		"BadVersion": {
			reason: "A version must be a semantic version with a leading v, as Crossplane's package versions are.",
			p:      Publish{Version: "0.2.0"},
			want:   want{err: `cannot use version "0.2.0"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := staged(t)
			meta := filepath.Join(root, MetaFile)
			before, err := os.ReadFile(meta)
			if err != nil {
				t.Fatal(err)
			}
			err = tc.p.Rewrite(root, FunctionNames())
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tc.want.err == "") != (err == nil) || !strings.Contains(got, tc.want.err) {
				t.Fatalf("%s\nRewrite(...): error %q, want one containing %q", tc.reason, got, tc.want.err)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want.refs, readReferences(t, root)); diff != "" {
				t.Errorf("%s\nRewrite(...): -want +got:\n%s", tc.reason, diff)
			}
			after, _ := os.ReadFile(meta)
			objs, err := Decode(after)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.p.Check(objs[0], FunctionNames()); err != nil {
				t.Errorf("%s\nCheck(...) after Rewrite(...): %v", tc.reason, err)
			}
			if tc.p == (Publish{}) && !bytes.Equal(after, before) {
				t.Errorf("%s\nRewrite(...): the zero Publish changed %s", tc.reason, MetaFile)
			}
		})
	}
}

func TestPublishRewriteMissingFunction(t *testing.T) {
	root := staged(t)
	err := Publish{Version: "v0.2.0"}.Rewrite(root, append(FunctionNames(), "function-absent"))
	want := `spec.dependsOn has no Function "xpkg.cloudspace.dev/function-absent"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Rewrite(...) of a configuration that does not depend on a function: error %v, want one containing %q", err, want)
	}
}

func TestFunctionNames(t *testing.T) {
	if diff := cmp.Diff([]string{"function-cloudspace", "function-cloudspace-billing"}, FunctionNames()); diff != "" {
		t.Errorf("FunctionNames(): -want +got:\n%s", diff)
	}
}

func TestPublishCheck(t *testing.T) {
	root := staged(t)
	built := Publish{Registry: "registry.example.com/platform", Version: "v0.2.0"}
	if err := built.Rewrite(root, FunctionNames()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, MetaFile))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		p      Publish
		want   string
	}{
		"Same":          {reason: "The registry and version it was built for pass.", p: built},
		"AnyVersion":    {reason: "Without a version only the registry is checked.", p: Publish{Registry: built.Registry}},
		"OtherRegistry": {reason: "Pushing to another registry would install the functions from the one built for.", p: Publish{Registry: "registry.example.com/other", Version: "v0.2.0"}, want: `does not depend on the Function registry.example.com/other/function-cloudspace`},
		"OtherVersion":  {reason: "Pushing as another version would install other functions.", p: Publish{Registry: built.Registry, Version: "v0.3.0"}, want: `at "v0.2.0", want "v0.3.0"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.p.Check(objs[0], FunctionNames())
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tc.want == "") != (err == nil) || !strings.Contains(got, tc.want) {
				t.Errorf("%s\nCheck(...): error %q, want one containing %q", tc.reason, got, tc.want)
			}
		})
	}
}

package xpkg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeFiles writes files, relative paths to contents, under root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		f := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(f), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// listFiles returns the files under root, relative paths to contents.
func listFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		got[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStage(t *testing.T) {
	spec := Spec{Name: "configuration-x", Dir: "package/configuration", Files: []string{"xrds/*.yaml", "compositions/*.yaml", "package/configuration/extra/*.yaml"}}
	cases := map[string]struct {
		reason  string
		files   map[string]string
		stale   map[string]string
		want    map[string]string
		wantErr bool
	}{
		"Layout": {
			reason: "Files under the package's folder keep their path below it; others keep their path below the repository root. Files no glob matches stay out.",
			files: map[string]string{
				"package/configuration/crossplane.yaml": "meta",
				"package/configuration/extra/b.yaml":    "b",
				"package/configuration/README.md":       "readme",
				"xrds/x.yaml":                           "xrd",
				"compositions/x.yaml":                   "composition",
				"compositions/notes.txt":                "notes",
				"package/function-x/input/ignored.yaml": "other package",
				"examples/claim.yaml":                   "example",
			},
			stale: map[string]string{"old.yaml": "from a previous build"},
			want: map[string]string{
				"crossplane.yaml":     "meta",
				"extra/b.yaml":        "b",
				"xrds/x.yaml":         "xrd",
				"compositions/x.yaml": "composition",
			},
		},
		"NoComposition": {
			reason: "A glob that matches nothing is an error: the package would ship without it.",
			files: map[string]string{
				"package/configuration/crossplane.yaml": "meta",
				"package/configuration/extra/b.yaml":    "b",
				"xrds/x.yaml":                           "xrd",
			},
			wantErr: true,
		},
		"NoMeta": {
			reason:  "A package without crossplane.yaml is an error.",
			files:   map[string]string{"xrds/x.yaml": "xrd", "compositions/x.yaml": "c", "package/configuration/extra/b.yaml": "b"},
			wantErr: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root, dst := t.TempDir(), filepath.Join(t.TempDir(), "pkgroot")
			writeFiles(t, root, tc.files)
			writeFiles(t, dst, tc.stale)
			err := spec.Stage(root, dst)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nStage(...): error %v, want error %t", tc.reason, err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if diff := cmp.Diff(tc.want, listFiles(t, dst)); diff != "" {
				t.Errorf("%s\nStage(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesUpToDate fails when a file in xrds/ or an input CRD
// differs from what the Go types in apis/ generate.
func TestGeneratedFilesUpToDate(t *testing.T) {
	t.Chdir(filepath.Join("..", "..", ".."))
	if err := Check("."); err != nil {
		t.Error(err)
	}
}

// TestCheckFindsDrift proves the check fails when a generated line is
// deleted, a file is missing, or a stray file sits in xrds/.
func TestCheckFindsDrift(t *testing.T) {
	t.Chdir(filepath.Join("..", "..", ".."))
	files, err := Rendered(".")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		mutate func(root string) error
		want   string
	}{
		"DeletedLine": {
			reason: "deleting a line from the XRD must be reported",
			mutate: func(root string) error {
				p := filepath.Join(root, "xrds", "xcloudspaces.platform.cloudspace.dev.yaml")
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				lines := strings.Split(string(b), "\n")
				return os.WriteFile(p, []byte(strings.Join(append(lines[:5], lines[6:]...), "\n")), 0o600)
			},
			want: "xrds/xcloudspaces.platform.cloudspace.dev.yaml: differs from its Go types",
		},
		"MissingFile": {
			reason: "a missing input CRD must be reported",
			mutate: func(root string) error {
				return os.Remove(filepath.Join(root, "package", "function-cloudspace", "input", "fn.cloudspace.dev_composers.yaml"))
			},
			want: "package/function-cloudspace/input/fn.cloudspace.dev_composers.yaml: missing",
		},
		"StrayFile": {
			reason: "a hand-written file in xrds/ must be reported",
			mutate: func(root string) error {
				return os.WriteFile(filepath.Join(root, "xrds", "extra.yaml"), []byte("x: 1\n"), 0o600)
			},
			want: "xrds/extra.yaml: not generated from apis/",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			for path, b := range files {
				p := filepath.Join(root, path)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.mutate(root); err != nil {
				t.Fatal(err)
			}
			err := checkFiles(root, files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\ncheckFiles(...): want error containing %q, got %v", tc.reason, tc.want, err)
			}
		})
	}
}

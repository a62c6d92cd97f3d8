package gomod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDir(t *testing.T) {
	dir, err := Dir(t.Context(), "", "github.com/google/go-cmp", "")
	if err != nil {
		t.Fatalf("Dir(go-cmp): %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cmp", "compare.go")); err != nil {
		t.Errorf("Dir(go-cmp) = %s, which does not hold the module's files: %v", dir, err)
	}
	if _, err := Dir(t.Context(), "", "example.invalid/none", ""); err == nil || !strings.Contains(err.Error(), "example.invalid/none") {
		t.Errorf("Dir(a module go.mod does not require): want an error naming it, got %v", err)
	}
}

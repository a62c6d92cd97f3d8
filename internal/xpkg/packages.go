package xpkg

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MetaFile is the package metadata file at the root of every package.
const MetaFile = "crossplane.yaml"

// A Spec says where the files of one Crossplane package live in the
// repository.
type Spec struct {
	// Name is the package's metadata.name. Built packages are named after it.
	Name string

	// Dir holds the package's crossplane.yaml, relative to the repository
	// root.
	Dir string

	// Files are globs, relative to the repository root, of the YAML files the
	// package carries besides its crossplane.yaml. Each must match at least
	// one file.
	Files []string

	// Main is the main package of a function, relative to the repository
	// root. It is empty for a configuration.
	Main string
}

// IsFunction reports whether the package is a function, which embeds a
// runtime image.
func (s Spec) IsFunction() bool { return s.Main != "" }

// Packages are the packages CloudSpace ships: its two functions and the
// configuration that installs them with the XRD and the Composition.
var Packages = []Spec{
	{
		Name:  "function-cloudspace",
		Dir:   "package/function-cloudspace",
		Files: []string{"package/function-cloudspace/input/*.yaml"},
		Main:  "./functions/cloudspace",
	},
	{
		Name:  "function-cloudspace-billing",
		Dir:   "package/function-cloudspace-billing",
		Files: []string{"package/function-cloudspace-billing/input/*.yaml"},
		Main:  "./functions/cloudspace-billing",
	},
	{
		Name:  "configuration-cloudspace",
		Dir:   "package/configuration",
		Files: []string{"xrds/*.yaml", "compositions/*.yaml", "package/configuration/activation.yaml"},
	},
}

// A Source is a repository file that goes into a package.
type Source struct {
	// Path is the file's path relative to the repository root.
	Path string

	// Staged is the file's path relative to the package root: relative to
	// the package's Dir if it lives there, otherwise relative to the
	// repository root.
	Staged string
}

// Sources returns the repository files of the package rooted at root: its
// crossplane.yaml first, then the files its globs match, in lexical order.
func (s Spec) Sources(root string) ([]Source, error) {
	meta := filepath.Join(s.Dir, MetaFile)
	if _, err := os.Stat(filepath.Join(root, meta)); err != nil {
		return nil, fmt.Errorf("cannot find metadata of package %q: %w", s.Name, err)
	}
	srcs := []Source{{Path: meta, Staged: MetaFile}}
	for _, g := range s.Files {
		m, err := filepath.Glob(filepath.Join(root, g))
		if err != nil {
			return nil, fmt.Errorf("cannot match files of package %q: %w", s.Name, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("cannot find files of package %q: nothing matches %q (run make generate?)", s.Name, g)
		}
		slices.Sort(m)
		for _, f := range m {
			rel, err := filepath.Rel(root, f)
			if err != nil {
				return nil, fmt.Errorf("cannot find files of package %q: %w", s.Name, err)
			}
			staged := rel
			if r, err := filepath.Rel(s.Dir, rel); err == nil && !strings.HasPrefix(r, "..") {
				staged = r
			}
			srcs = append(srcs, Source{Path: rel, Staged: staged})
		}
	}
	return srcs, nil
}

// Stage copies the package's sources from the repository root into dst,
// which it empties first, so that dst holds exactly one package's files.
// `crossplane xpkg build` reads every YAML file under its package root.
func (s Spec) Stage(root, dst string) error {
	srcs, err := s.Sources(root)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("cannot clean package root %q: %w", dst, err)
	}
	for _, src := range srcs {
		b, err := os.ReadFile(filepath.Join(root, src.Path))
		if err != nil {
			return fmt.Errorf("cannot stage package %q: %w", s.Name, err)
		}
		to := filepath.Join(dst, src.Staged)
		if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
			return fmt.Errorf("cannot stage package %q: %w", s.Name, err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil { //nolint:gosec // to is the staging directory joined with a path from the package's own file list.
			return fmt.Errorf("cannot stage package %q: %w", s.Name, err)
		}
	}
	return nil
}

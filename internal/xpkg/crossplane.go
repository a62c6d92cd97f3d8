package xpkg

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Crossplane runs the crossplane CLI.
type Crossplane struct {
	// Path is the crossplane binary.
	Path string
}

// Build runs `crossplane xpkg build` on the package root and writes the
// package to out. A non-empty runtime embeds that image tarball as the
// package's runtime. Examples are never included: the package root has no
// examples directory, and the CLI would otherwise read ./examples of the
// working directory.
func (c Crossplane) Build(ctx context.Context, root, runtime, out string) error {
	args := []string{
		"xpkg", "build",
		"--package-root", root,
		"--examples-root", filepath.Join(root, "examples"),
		"--package-file", out,
	}
	if runtime != "" {
		args = append(args, "--embed-runtime-image-tarball", runtime)
	}
	return c.run(ctx, args...)
}

// Push runs `crossplane xpkg push` to push the package files to ref, a fully
// qualified registry/repository:tag. Several files, one per platform, are
// pushed as one multi-platform image index.
func (c Crossplane) Push(ctx context.Context, ref string, files ...string) error {
	return c.run(ctx, "xpkg", "push", "--package-files", strings.Join(files, ","), ref)
}

func (c Crossplane) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, c.Path, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cannot run %s %s: %w\n%s", c.Path, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// Package gomod finds modules in the Go module cache, downloading them
// first: on a fresh machine a module the build has not needed yet (one
// whose files, not packages, are wanted, such as a provider's CRDs) is
// listed in go.mod but not in the cache.
package gomod

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
)

// Dir returns the directory of module in the module cache, at the version
// the module in root requires, or at version when it is not empty (a
// module go.mod does not list). It downloads the module if need be.
func Dir(ctx context.Context, root, module, version string) (string, error) {
	arg := module
	if version != "" {
		arg += "@" + version
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", arg)
	cmd.Dir = root
	out, err := cmd.Output()
	var m struct {
		Dir   string `json:"Dir"`
		Error string `json:"Error"`
	}
	if jerr := json.Unmarshal(out, &m); jerr != nil && err == nil {
		err = fmt.Errorf("cannot read go mod download's answer: %w", jerr)
	}
	switch {
	case m.Error != "":
		return "", fmt.Errorf("cannot download module %s: %s", arg, m.Error)
	case err != nil:
		return "", fmt.Errorf("cannot download module %s: %w", arg, err)
	case m.Dir == "":
		return "", fmt.Errorf("cannot download module %s: go mod download named no directory", arg)
	}
	return m.Dir, nil
}

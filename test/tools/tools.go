//go:build tools

// Package tools pins the command-line tools the project builds for itself:
// the crossplane CLI (render, beta validate, xpkg build).
package tools

import (
	_ "github.com/crossplane/crossplane/v2/cmd/crank"
)

//go:build tools

// Package tools pins the command-line tools the project builds for itself:
// the crossplane CLI (render, beta validate, xpkg build) and Crossplane core,
// which the end-to-end test runs as a process against its API server.
package tools

import (
	_ "github.com/crossplane/crossplane/v2/cmd/crank"
	_ "github.com/crossplane/crossplane/v2/cmd/crossplane"
)

//go:build tools

// Package tools pins golangci-lint, in a module of its own so that its
// dependencies never move the crossplane CLI's or the project's.
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"

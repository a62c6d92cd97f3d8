// Package xpkg builds CloudSpace's Crossplane packages without a Docker
// engine.
//
// It cross-compiles the function binaries, wraps each in a reproducible OCI
// runtime image (empty base, non-root user, the binary as entrypoint), stages
// a package root per package from the files in the repository, and hands both
// to `crossplane xpkg build`. It also reads built packages back, so tests can
// check that what ships is what the repository holds, and pushes them with
// `crossplane xpkg push`.
package xpkg

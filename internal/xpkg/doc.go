// Package xpkg builds CloudSpace's Crossplane packages without a Docker
// engine.
//
// It cross-compiles the function binaries, wraps each in a reproducible OCI
// runtime image (CA certificates and time zone data under the binary, a
// non-root user, the binary as entrypoint), stages a package root per
// package from the files in the repository, pointing the configuration at
// the registry and version the functions are published as, and hands both to
// `crossplane xpkg build`. It also reads built packages back, so tests can
// check that what ships is what the repository holds, and pushes them with
// `crossplane xpkg push`.
package xpkg

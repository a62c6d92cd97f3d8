// Package apis is the single source of every CloudSpace schema.
//
// The Go types in its subpackages are the API: the XCloudSpace composite
// resource and its CloudSpace claim (package v1alpha1), and the inputs of the
// two composition functions (package fn/v1alpha1). The XRD in xrds/ and the
// function input CRDs in package/ are generated from these types by
// `make generate`; never edit the generated files by hand.
package apis

// Package e2e drives CloudSpace on a real control plane: etcd, a
// kube-apiserver and kube-controller-manager built from k8s.io/kubernetes,
// Crossplane core as a process, the two functions over mTLS with
// certificates from Crossplane's CA, and an in-process OCI registry that
// serves the packages. Everything listens on loopback; `make e2e` runs the
// test binary inside a private network namespace.
//
// The tests carry the build tag e2e; run them with `make e2e`.
package e2e

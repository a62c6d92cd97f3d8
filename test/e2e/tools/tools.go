//go:build tools

// Package tools pins the Kubernetes control plane the end-to-end test runs:
// kube-apiserver and kube-controller-manager (garbage collector and
// namespace controllers) built from k8s.io/kubernetes, and the kubectl of
// the same release the test reads it with. The module is
// separate from the project's because k8s.io/kubernetes needs every staging
// module replaced by its published version.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)

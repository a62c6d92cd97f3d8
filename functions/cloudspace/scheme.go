package main

import (
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/resource/composed"

	ec2v1beta1 "github.com/upbound/provider-aws/v2/apis/cluster/ec2/v1beta1"
)

var (
	schemeOnce sync.Once
	schemeErr  error
)

// AddToScheme registers every type the composer emits into composed.Scheme,
// once.
func AddToScheme() error {
	schemeOnce.Do(func() {
		for _, add := range []func(*runtime.Scheme) error{
			corev1.AddToScheme,
			ec2v1beta1.AddToScheme,
		} {
			if err := add(composed.Scheme); err != nil {
				schemeErr = fmt.Errorf("cannot register composed resource types: %w", err)
				return
			}
		}
	})
	return schemeErr
}

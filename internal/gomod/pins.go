package gomod

// Modules the project uses whose versions go.mod does not hold, because no
// Go code imports them: their package files (CRDs, package metadata) are
// read from the module cache with Dir.
const (
	// ProviderKubernetes is provider-kubernetes, whose Object carries the
	// tenant objects to a remote cluster.
	ProviderKubernetes = "github.com/crossplane-contrib/provider-kubernetes"

	// ProviderKubernetesVersion is the newest release of ProviderKubernetes
	// whose module the project's Go accepts (v1.4 wants Go 1.27). The
	// Makefile reads it from this line.
	ProviderKubernetesVersion = "v1.3.0"
)

package xfn

import (
	"fmt"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
)

// Selector selects required resources by kind and either name or labels.
type Selector struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	Labels     map[string]string
}

// Require asks Crossplane for the resources sel selects, under key. They
// arrive in the next request of the same reconcile; read them with
// RequiredResources. Required resources are not watched: set a response
// TTL when the function depends on their changes.
func Require(rsp *fnv1.RunFunctionResponse, key string, sel Selector) {
	if rsp.Requirements == nil {
		rsp.Requirements = &fnv1.Requirements{}
	}
	if rsp.Requirements.Resources == nil {
		rsp.Requirements.Resources = map[string]*fnv1.ResourceSelector{}
	}
	rs := &fnv1.ResourceSelector{ApiVersion: sel.APIVersion, Kind: sel.Kind}
	if sel.Namespace != "" {
		rs.Namespace = &sel.Namespace
	}
	if sel.Name != "" {
		rs.Match = &fnv1.ResourceSelector_MatchName{MatchName: sel.Name}
	} else {
		rs.Match = &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: sel.Labels}}
	}
	rsp.Requirements.Resources[key] = rs
}

// RequiredResources returns the resources Crossplane sent for key. ok is
// false when Crossplane has not sent that key yet (the first call of a
// reconcile), which differs from a selector that matched nothing.
func RequiredResources(req *fnv1.RunFunctionRequest, key string) (rs []resource.Required, ok bool, err error) {
	rs, ok, err = request.GetRequiredResource(req, key)
	if err != nil {
		return nil, false, fmt.Errorf("cannot get required resources %q: %w", key, err)
	}
	return rs, ok, nil
}

// SupportsRequiredResources reports whether Crossplane advertised that it
// can send required resources. Crossplane before v2.2 advertises no capabilities at all.
func SupportsRequiredResources(req *fnv1.RunFunctionRequest) bool {
	return request.HasCapability(req, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES)
}

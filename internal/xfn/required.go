package xfn

import (
	"fmt"

	"google.golang.org/protobuf/types/known/structpb"

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
// RequiredOf or RequiredResources. Required resources are not watched: set
// a response TTL when the function depends on their changes.
func Require(rsp *fnv1.RunFunctionResponse, key string, sel Selector) {
	if rsp.GetRequirements() == nil {
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

// Required is the required resources Crossplane sent, by key, as the
// request carries them. It reads them in place, for a function that reads
// a few fields of many objects; it is read only.
type Required map[string][]*structpb.Struct

// RequiredOf returns the required resources of req. A key Crossplane sent
// is present even when its selector matched nothing.
func RequiredOf(req *fnv1.RunFunctionRequest) Required {
	rs := req.GetRequiredResources()
	out := make(Required, len(rs))
	for k, r := range rs {
		objs := make([]*structpb.Struct, 0, len(r.GetItems()))
		for _, it := range r.GetItems() {
			objs = append(objs, it.GetResource())
		}
		out[k] = objs
	}
	return out
}

// Get returns the objects sent under key. sent is false when Crossplane
// has not sent that key yet (the first call of a reconcile), which differs
// from a selector that matched nothing.
func (r Required) Get(key string) (objs []*structpb.Struct, sent bool) {
	objs, sent = r[key]
	return objs, sent
}

// RequiredResources returns the resources Crossplane sent for key,
// decoded in full. ok is false when Crossplane has not sent that key yet.
func RequiredResources(req *fnv1.RunFunctionRequest, key string) (rs []resource.Required, ok bool, err error) {
	rs, ok, err = request.GetRequiredResource(req, key)
	if err != nil {
		return nil, false, fmt.Errorf("cannot get required resources %q: %w", key, err)
	}
	return rs, ok, nil
}

// SupportsRequiredResources reports whether this Crossplane can send
// required resources: it advertised the capability or, as Crossplane
// before v2.2 does, advertised no capabilities at all. Crossplane before
// v2.0 advertises nothing and never sends them; a function that asks for
// them then keeps waiting.
func SupportsRequiredResources(req *fnv1.RunFunctionRequest) bool {
	return !request.AdvertisesCapabilities(req) || request.HasCapability(req, fnv1.Capability_CAPABILITY_REQUIRED_RESOURCES)
}

package main

import (
	"fmt"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// requiredTenantNamespace names the required resource holding the tenant
// namespace, when it exists.
const requiredTenantNamespace = "tenant-namespace"

// ReasonTenantNamespaceTaken is the QuotaAvailable reason of a space whose
// tenant namespace already exists and is not its own.
const ReasonTenantNamespaceTaken = "TenantNamespaceTaken"

// TenantNamespaceSelector selects the tenant namespace of s by name.
func TenantNamespaceSelector(s *Space) xfn.Selector {
	return xfn.Selector{APIVersion: "v1", Kind: "Namespace", Name: s.Namespace}
}

// TenantNamespaceTaken judges the tenant namespace Crossplane sent: a
// namespace that exists and is not labelled as this space's tenant
// belongs to someone else (another team's namespace whose name the claim's
// namespace and name happen to spell, or one made by hand), and composing
// would adopt it: Crossplane applies with force ownership, so the space
// would bind its team there and replace its network policy. It returns the
// verdict that holds the space, and true, or false when the namespace is
// free or the space's own. objs are what Crossplane sent; sent is false
// until it has.
func TenantNamespaceTaken(s *Space, objs []*structpb.Struct, sent bool) (Verdict, bool) {
	if !sent {
		return Verdict{}, false
	}
	for _, o := range objs {
		md := o.GetFields()["metadata"].GetStructValue().GetFields()
		if md["name"].GetStringValue() != s.Namespace {
			continue
		}
		owner := md["labels"].GetStructValue().GetFields()[LabelSpace].GetStringValue()
		if owner == s.Name {
			return Verdict{}, false
		}
		who := "is not a CloudSpace tenant namespace"
		if owner != "" {
			who = fmt.Sprintf("is the tenant namespace of space %s", owner)
		}
		msg := fmt.Sprintf("tenant namespace %s already exists and %s: rename the claim, or delete the namespace if it is left over", s.Namespace, who)
		return Verdict{Condition: xfn.Condition{
			Type: TypeQuotaAvailable, Status: xfn.False, Reason: ReasonTenantNamespaceTaken, Message: msg, Problem: true,
		}}, true
	}
	return Verdict{}, false
}

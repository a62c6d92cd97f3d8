package xfn

import (
	"maps"

	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// SetCompositeStatus sets top-level fields of the status of the desired
// composite resource in rsp, keeping the fields it does not name, which
// earlier steps or earlier code of this step set, and the composite's
// readiness and connection details.
//
// It never changes what rsp held: response.To shares the request's
// desired state with the response, so the path down to the status is
// copied before it is written and everything else is shared. The values
// are not copied either: a function may share converted values between
// responses, which gRPC only reads, but must not change them afterwards.
func SetCompositeStatus(rsp *fnv1.RunFunctionResponse, fields map[string]*structpb.Value) {
	old := rsp.GetDesired().GetComposite()
	xr := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(old.GetResource().GetFields())+1)}
	maps.Copy(xr.Fields, old.GetResource().GetFields())
	prev := xr.Fields["status"].GetStructValue().GetFields()
	st := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(prev)+len(fields))}
	maps.Copy(st.Fields, prev)
	maps.Copy(st.Fields, fields)
	xr.Fields["status"] = structpb.NewStructValue(st)
	c := &fnv1.Resource{Resource: xr, ConnectionDetails: old.GetConnectionDetails(), Ready: old.GetReady()}
	rsp.Desired = &fnv1.State{Composite: c, Resources: rsp.GetDesired().GetResources()}
}

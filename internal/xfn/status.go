package xfn

import (
	"encoding/json"
	"fmt"
	"maps"

	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// SetStatus writes a typed status into the status of the desired
// composite resource in rsp: each top-level field of st's JSON form (so
// with encoding/json's omitempty) replaces that field, and the fields st
// leaves out keep what earlier steps, or earlier code of this step, set.
// The composite's readiness and connection details are kept too.
func SetStatus(rsp *fnv1.RunFunctionResponse, st any) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("cannot marshal status %T: %w", st, err)
	}
	s, err := structFromJSON(b)
	if err != nil {
		return fmt.Errorf("cannot convert status %T: %w", st, err)
	}
	SetCompositeStatus(rsp, s.GetFields())
	return nil
}

// SetCompositeStatus sets top-level fields of the status of the desired
// composite resource in rsp, as SetStatus does, from values already in the
// form a response carries.
//
// It never changes what rsp held: response.To shares the request's
// desired state with the response, so the path down to the status is
// copied before it is written and everything else is shared.
func SetCompositeStatus(rsp *fnv1.RunFunctionResponse, fields map[string]*structpb.Value) {
	old := rsp.GetDesired().GetComposite()
	xr := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(old.GetResource().GetFields())+1)}
	maps.Copy(xr.GetFields(), old.GetResource().GetFields())
	prev := xr.GetFields()["status"].GetStructValue().GetFields()
	st := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(prev)+len(fields))}
	maps.Copy(st.GetFields(), prev)
	maps.Copy(st.GetFields(), fields)
	xr.Fields["status"] = structpb.NewStructValue(st)
	c := &fnv1.Resource{Resource: xr, ConnectionDetails: old.GetConnectionDetails(), Ready: old.GetReady()}
	rsp.Desired = &fnv1.State{Composite: c, Resources: rsp.GetDesired().GetResources()}
}

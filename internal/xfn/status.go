package xfn

import (
	"google.golang.org/protobuf/types/known/structpb"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// SetCompositeStatus sets top-level fields of the status of the desired
// composite resource in rsp, keeping the fields it does not name, which
// earlier steps or earlier code of this step set. The values are not
// copied: a function may share converted values between responses, which
// gRPC only reads, but must not change them afterwards.
func SetCompositeStatus(rsp *fnv1.RunFunctionResponse, fields map[string]*structpb.Value) {
	if rsp.GetDesired() == nil {
		rsp.Desired = &fnv1.State{}
	}
	if rsp.Desired.GetComposite() == nil {
		rsp.Desired.Composite = &fnv1.Resource{}
	}
	xr := rsp.Desired.Composite
	if xr.GetResource() == nil {
		xr.Resource = &structpb.Struct{}
	}
	if xr.Resource.Fields == nil {
		xr.Resource.Fields = map[string]*structpb.Value{}
	}
	st := xr.Resource.Fields["status"].GetStructValue()
	if st == nil {
		st = &structpb.Struct{}
		xr.Resource.Fields["status"] = structpb.NewStructValue(st)
	}
	if st.Fields == nil {
		st.Fields = make(map[string]*structpb.Value, len(fields))
	}
	for k, v := range fields {
		st.Fields[k] = v
	}
}

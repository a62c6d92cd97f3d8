package xfntest

import (
	"testing"

	"google.golang.org/protobuf/proto"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// Received is rsp as Crossplane receives it: marshalled and parsed, so that
// resources a function sends as their encodings (xfn.Encoded) have their
// fields.
func Received(t testing.TB, rsp *fnv1.RunFunctionResponse) *fnv1.RunFunctionResponse {
	t.Helper()
	b, err := proto.Marshal(rsp)
	if err != nil {
		t.Fatal(err)
	}
	got := &fnv1.RunFunctionResponse{}
	if err := proto.Unmarshal(b, got); err != nil {
		t.Fatal(err)
	}
	return got
}

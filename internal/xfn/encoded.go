package xfn

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// A function that desires the same converted resources in many responses
// (see Desired.SetStruct) pays most of a call's CPU time for protobuf to
// walk and encode them again, field by field, on every call, and holds
// each cached resource as a tree of small messages eight times the size of
// its encoding. Encoded keeps only the encoding.

// Encoded returns a struct that carries the wire encoding of s in place of
// its fields: protobuf writes a message's unknown fields verbatim, and a
// parser reads them back as the fields they encode, so Crossplane receives
// exactly s. In this process the returned struct has no Fields; read it
// with Decoded. It must not be changed.
func Encoded(s *structpb.Struct) (*structpb.Struct, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("cannot encode struct: %w", err)
	}
	e := &structpb.Struct{}
	e.ProtoReflect().SetUnknown(b)
	return e, nil
}

// Decoded returns s with the fields an Encoded struct carries parsed, as
// the receiver of a response sees it. Any other struct is returned as is.
func Decoded(s *structpb.Struct) (*structpb.Struct, error) {
	u := s.ProtoReflect().GetUnknown()
	if len(u) == 0 {
		return s, nil
	}
	d := proto.CloneOf(s)
	d.ProtoReflect().SetUnknown(nil)
	if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(u, d); err != nil {
		return nil, fmt.Errorf("cannot decode struct: %w", err)
	}
	return d, nil
}

package xfn

import "google.golang.org/protobuf/types/known/structpb"

// Field returns the value at path in s, or nil when any step of the path
// is absent or not an object. It reads the struct in place.
func Field(s *structpb.Struct, path ...string) *structpb.Value {
	var v *structpb.Value
	for i, k := range path {
		if i > 0 {
			s = v.GetStructValue()
		}
		v = s.GetFields()[k]
		if v == nil {
			return nil
		}
	}
	return v
}

// ConditionOf returns the status and reason of the condition typ in the
// status.conditions of the object o; ok is false when it is absent.
func ConditionOf(o *structpb.Struct, typ string) (status, reason string, ok bool) {
	for _, c := range Field(o, "status", "conditions").GetListValue().GetValues() {
		f := c.GetStructValue().GetFields()
		if f["type"].GetStringValue() == typ {
			return f["status"].GetStringValue(), f["reason"].GetStringValue(), true
		}
	}
	return "", "", false
}

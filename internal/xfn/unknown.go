package xfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	kjson "sigs.k8s.io/json"
)

// UnknownFields returns the paths, below s, of the fields of s that into's
// type does not have, sorted, leaving out the top-level fields named in
// skip (those Crossplane adds). The API server prunes such fields from
// what it stores; a composite that never went through it (crossplane
// render, an XRD of another version) may hold them, and a field the
// function silently ignored would be a rule the author thinks holds.
func UnknownFields(s *structpb.Struct, into any, skip ...string) ([]string, error) {
	if s == nil {
		return nil, nil
	}
	fields := maps.Clone(s.GetFields())
	for _, k := range skip {
		delete(fields, k)
	}
	b, err := jsonOfStruct(&structpb.Struct{Fields: fields})
	if err != nil {
		return nil, fmt.Errorf("cannot marshal the fields to check: %w", err)
	}
	strict, err := kjson.UnmarshalStrict(b, into, kjson.DisallowUnknownFields)
	if err != nil {
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return nil, nil // A type error is the validation's to report, with its field.
		}
		return nil, fmt.Errorf("cannot decode the fields to check: %w", err)
	}
	var out []string
	for _, e := range strict {
		// sigs.k8s.io/json says `unknown field "a.b"`.
		msg := e.Error()
		if _, f, ok := strings.Cut(msg, `unknown field "`); ok {
			out = append(out, strings.TrimSuffix(f, `"`))
		}
	}
	slices.Sort(out)
	return out, nil
}

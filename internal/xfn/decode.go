package xfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	kjson "sigs.k8s.io/json"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// DecodeInput decodes the function input into into, strictly: an unknown
// or duplicated field is an error that names every such field. A missing
// input is an error too.
func DecodeInput(req *fnv1.RunFunctionRequest, into any) error {
	if req.GetInput() == nil {
		return errors.New("cannot decode function input: the Composition step has no input")
	}
	return decodeStrict(req.GetInput(), into, "function input")
}

// DecodeValue decodes v, such as the data of a required resource, into
// into, strictly, as DecodeInput decodes the input. A missing value
// decodes as JSON null. what names v in errors.
func DecodeValue(v *structpb.Value, into any, what string) error {
	b := []byte("null")
	if v != nil {
		var err error
		if b, err = jsonOfValue(v); err != nil {
			return fmt.Errorf("cannot marshal %s: %w", what, err)
		}
	}
	return unmarshalStrict(b, into, what)
}

func decodeStrict(s *structpb.Struct, into any, what string) error {
	b, err := jsonOfStruct(s)
	if err != nil {
		return fmt.Errorf("cannot marshal %s: %w", what, err)
	}
	return unmarshalStrict(b, into, what)
}

func unmarshalStrict(b []byte, into any, what string) error {
	strict, err := kjson.UnmarshalStrict(b, into)
	if err != nil {
		return fmt.Errorf("cannot decode %s: %w", what, err)
	}
	if len(strict) > 0 {
		msgs := make([]string, 0, len(strict))
		for _, e := range strict {
			msgs = append(msgs, e.Error())
		}
		return fmt.Errorf("cannot decode %s: %s", what, strings.Join(msgs, "; "))
	}
	return nil
}

// DecodeComposite decodes the observed composite resource into into,
// leniently: Crossplane adds fields (compositionRef, resourceRefs,
// conditions) that the function's type need not model.
func DecodeComposite(req *fnv1.RunFunctionRequest, into any) error {
	return decodeLenient(req.GetObserved().GetComposite().GetResource(), into, "observed composite resource")
}

func decodeLenient(s *structpb.Struct, into any, what string) error {
	if s == nil {
		return fmt.Errorf("cannot decode %s: the request has none", what)
	}
	b, err := jsonOfStruct(s)
	if err != nil {
		return fmt.Errorf("cannot marshal %s: %w", what, err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("cannot decode %s: %w", what, err)
	}
	return nil
}

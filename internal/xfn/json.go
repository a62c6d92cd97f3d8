package xfn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// A function converts between JSON and protobuf Structs on every call:
// typed objects to the Structs a response carries, and the Structs a
// request carries to typed values. protojson does it through protobuf
// reflection, and the round trip through map[string]any that
// composed.From and structpb.NewStruct take allocates every value twice;
// together they were most of a call's CPU time. The two functions below
// walk JSON tokens with jsontext, the tokenizer of the JSON library
// composed.From itself marshals with, and give exactly what protojson
// gives: the differential fuzz tests in json_test.go check it.

// structFromJSON decodes a JSON object into a Struct, as
// protojson.Unmarshal does: numbers are float64, as JSON parses them.
func structFromJSON(b []byte) (*structpb.Struct, error) {
	// Names are checked for duplicates below, where they go into a map,
	// more cheaply than the decoder would.
	d := jsontext.NewDecoder(bytes.NewReader(b), jsontext.AllowDuplicateNames(true))
	if k := d.PeekKind(); k != '{' {
		return nil, fmt.Errorf("cannot decode a struct from JSON: want an object, got %v", k)
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, fmt.Errorf("cannot decode a struct from JSON: %w", err)
	}
	s, err := readObject(d)
	if err != nil {
		return nil, fmt.Errorf("cannot decode a struct from JSON: %w", err)
	}
	if _, err := d.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errors.New("cannot decode a struct from JSON: data after the object")
	}
	return s, nil
}

// readObject reads the members of an object whose '{' has been read, and
// its '}'.
func readObject(d *jsontext.Decoder) (*structpb.Struct, error) {
	s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for d.PeekKind() != '}' {
		t, err := d.ReadToken()
		if err != nil {
			return nil, err
		}
		name := t.String() // A token is valid until the next is read.
		if _, dup := s.GetFields()[name]; dup {
			return nil, fmt.Errorf("duplicate name %q", name)
		}
		v, err := readValue(d)
		if err != nil {
			return nil, err
		}
		s.Fields[name] = v
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, err
	}
	return s, nil
}

func readValue(d *jsontext.Decoder) (*structpb.Value, error) {
	t, err := d.ReadToken()
	if err != nil {
		return nil, err
	}
	switch t.Kind() {
	case 'n':
		return structpb.NewNullValue(), nil
	case 'f', 't':
		return structpb.NewBoolValue(t.Bool()), nil
	case '"':
		return structpb.NewStringValue(t.String()), nil
	case '0':
		// As protojson parses numbers, which refuses those beyond float64.
		f, err := strconv.ParseFloat(t.String(), 64)
		if err != nil {
			return nil, err
		}
		return structpb.NewNumberValue(f), nil
	case '{':
		s, err := readObject(d)
		if err != nil {
			return nil, err
		}
		return structpb.NewStructValue(s), nil
	case '[':
		l := &structpb.ListValue{}
		for d.PeekKind() != ']' {
			v, err := readValue(d)
			if err != nil {
				return nil, err
			}
			l.Values = append(l.Values, v)
		}
		if _, err := d.ReadToken(); err != nil {
			return nil, err
		}
		return structpb.NewListValue(l), nil
	default:
		return nil, fmt.Errorf("unexpected JSON token %v", t.Kind())
	}
}

// jsonOfStruct encodes s as JSON with the tokens protojson.Marshal writes:
// members sorted by name, numbers in the shortest form that reads back
// as the same float64. Only whitespace and string escapes may differ,
// which no decoder tells apart. A Struct protojson refuses to encode (a
// NaN or infinite number, invalid UTF-8) is left to protojson, for its
// error.
func jsonOfStruct(s *structpb.Struct) ([]byte, error) {
	var buf bytes.Buffer
	e := jsontext.NewEncoder(&buf, jsontext.AllowDuplicateNames(true)) // A Struct's names are a map's keys.
	if err := writeStruct(e, s); err != nil {
		return protojson.Marshal(s)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonOfValue is jsonOfStruct for any value.
func jsonOfValue(v *structpb.Value) ([]byte, error) {
	var buf bytes.Buffer
	e := jsontext.NewEncoder(&buf, jsontext.AllowDuplicateNames(true))
	if err := writeValue(e, v); err != nil {
		return protojson.Marshal(v)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeStruct(e *jsontext.Encoder, s *structpb.Struct) error {
	if err := e.WriteToken(jsontext.ObjectStart); err != nil {
		return err
	}
	f := s.GetFields()
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	for _, k := range keys {
		if err := e.WriteToken(jsontext.String(k)); err != nil {
			return err
		}
		if err := writeValue(e, f[k]); err != nil {
			return err
		}
	}
	return e.WriteToken(jsontext.ObjectEnd)
}

func writeValue(e *jsontext.Encoder, v *structpb.Value) error {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		return e.WriteToken(jsontext.Null)
	case *structpb.Value_BoolValue:
		return e.WriteToken(jsontext.Bool(k.BoolValue))
	case *structpb.Value_StringValue:
		return e.WriteToken(jsontext.String(k.StringValue))
	case *structpb.Value_NumberValue:
		if math.IsNaN(k.NumberValue) || math.IsInf(k.NumberValue, 0) {
			return errors.New("a number JSON cannot hold") // jsontext would write a string.
		}
		return e.WriteToken(jsontext.Float(k.NumberValue))
	case *structpb.Value_StructValue:
		return writeStruct(e, k.StructValue)
	case *structpb.Value_ListValue:
		if err := e.WriteToken(jsontext.ArrayStart); err != nil {
			return err
		}
		for _, v := range k.ListValue.GetValues() {
			if err := writeValue(e, v); err != nil {
				return err
			}
		}
		return e.WriteToken(jsontext.ArrayEnd)
	default:
		return errors.New("a value without a kind") // protojson refuses it too.
	}
}

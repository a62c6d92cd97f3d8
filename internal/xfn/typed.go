package xfn

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/runtime"
)

// structOfTyped converts a typed object to a Struct by reflection, giving
// what marshalling it with the JSON library composed.From uses (its
// default options) and decoding that JSON into a Struct give, without
// the JSON text: per field the json tag's name, `-`, omitempty (the value
// would be null, "", {} or []), omitzero (the Go zero value, or IsZero),
// inline and embedding; nil slices and maps as [] and {}; numbers as the
// float64 the JSON would parse as. A type with a MarshalJSON method is
// converted from what the method writes; a type whose JSON this converter
// does not model exactly (other marshal methods, byte slices, arrays,
// maps without string keys, the string, format and unknown options,
// names that clash) is marshalled with the JSON library on its own,
// which is exact because the library marshals a value the same wherever
// it sits. Where the JSON library would fail (NaN, invalid UTF-8, a
// marshaler's invalid output) it returns errNotDirect, and ComposedStruct
// takes the JSON path for the library's own result or error.
// FuzzComposedStruct compares the two paths.
//
// The top-level member named omit is left out unconverted: ComposedStruct
// drops the status, so a status the JSON library could not marshal is
// not an error here.
func structOfTyped(obj any, omit string, w *walk) (*structpb.Struct, error) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, errNotDirect
	}
	c := converterOf(v.Type().Elem())
	if !c.fields {
		return nil, errNotDirect // Not a struct, or one with methods of its own.
	}
	val, err := convertStruct(c.members, v.Elem(), 0, w, omit)
	if err != nil {
		return nil, err
	}
	return kept(val).GetStructValue(), nil
}

// walk records, when asked for, the types a conversion took through the
// JSON library.
type walk struct {
	viaJSON []reflect.Type
}

// ConvertsDirectly reports how ComposedStruct converts obj, a typed
// object: nil if by reflection alone, or an error naming the types it
// converted through the JSON library, or saying why it took the JSON path
// for the whole object. Either way the result is the same; the JSON path
// takes several times as long. A function's tests check with it that the
// kinds it composes convert directly.
func ConvertsDirectly(obj runtime.Object) error {
	w := &walk{}
	if _, err := structOfTyped(obj, "status", w); err != nil {
		return fmt.Errorf("cannot convert %T directly: %w", obj, err)
	}
	if len(w.viaJSON) > 0 {
		names := make([]string, len(w.viaJSON))
		for i, t := range w.viaJSON {
			names[i] = t.String()
		}
		return fmt.Errorf("cannot convert %T directly: it holds %s, converted through JSON", obj, strings.Join(slices.Compact(slices.Sorted(slices.Values(names))), ", "))
	}
	return nil
}

// errNotDirect says that a value cannot be converted without the JSON
// library, which is then asked.
var errNotDirect = errors.New("cannot convert the value directly")

// maxDepth bounds the nesting the converter follows, as the JSON library
// bounds it; deeper (or cyclic) values take the JSON path.
const maxDepth = 10000

// converter converts a value of one Go type.
type converter struct {
	convert func(v reflect.Value, depth int, w *walk) (*structpb.Value, error)
	// fields says the type is a struct converted member by member, the
	// members listed in members.
	fields  bool
	members []field
}

// converters holds a converter for each Go type met, as the JSON library
// keeps its own marshalers per type. It is keyed by Go type, never by
// request: a converter is built once from the type alone, holds no
// request's data and never changes once stored. convertersMu serializes
// building, so that a converter of a recursive type is stored only once
// it is complete; reading is lock-free.
var (
	converters   sync.Map // reflect.Type -> *converter
	convertersMu sync.Mutex
)

func converterOf(t reflect.Type) *converter {
	if c, ok := converters.Load(t); ok {
		return c.(*converter) //nolint:forcetypeassert // Only *converter is stored.
	}
	convertersMu.Lock()
	defer convertersMu.Unlock()
	b := &builder{building: map[reflect.Type]*converter{}}
	c := b.converter(t)
	for t, c := range b.building {
		converters.Store(t, c)
	}
	return c
}

// builder builds the converters of a type and of the types it holds. A
// converter under construction is found in building, so that a recursive
// type refers to its own converter, which is complete before any is
// stored.
type builder struct {
	building map[reflect.Type]*converter
}

func (b *builder) converter(t reflect.Type) *converter {
	if c, ok := converters.Load(t); ok {
		return c.(*converter) //nolint:forcetypeassert // Only *converter is stored.
	}
	if c, ok := b.building[t]; ok {
		return c
	}
	c := &converter{}
	b.building[t] = c
	c.convert = b.build(t, c)
	return c
}

var (
	marshalerV2Type   = reflect.TypeFor[json.MarshalerV2]()
	marshalerV1Type   = reflect.TypeFor[json.MarshalerV1]()
	textAppenderType  = reflect.TypeFor[interface{ AppendText([]byte) ([]byte, error) }]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	unmarshalerTypes  = []reflect.Type{
		reflect.TypeFor[json.UnmarshalerV2](), reflect.TypeFor[json.UnmarshalerV1](), reflect.TypeFor[encoding.TextUnmarshaler](),
	}
	isZeroerType = reflect.TypeFor[interface{ IsZero() bool }]()
)

// implementsWhich is the first of ifaces that t or *t implements, as the
// JSON library picks a type's marshal method.
func implementsWhich(t reflect.Type, ifaces ...reflect.Type) reflect.Type {
	for _, i := range ifaces {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return i
		}
	}
	return nil
}

func (b *builder) build(t reflect.Type, c *converter) func(reflect.Value, int, *walk) (*structpb.Value, error) {
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		switch implementsWhich(t, marshalerV2Type, marshalerV1Type, textAppenderType, textMarshalerType) {
		case nil:
		case marshalerV1Type:
			return convertMarshalJSON
		default:
			return convertWithJSON
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(v reflect.Value, _ int, _ *walk) (*structpb.Value, error) { return newBoolValue(v.Bool()), nil }
	case reflect.String:
		return func(v reflect.Value, _ int, _ *walk) (*structpb.Value, error) {
			s := v.String()
			if !utf8.ValidString(s) {
				return nil, errNotDirect
			}
			return newStringValue(s), nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(v reflect.Value, _ int, _ *walk) (*structpb.Value, error) {
			return newNumberValue(float64(v.Int())), nil // Rounded as parsing its decimal form rounds.
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return func(v reflect.Value, _ int, _ *walk) (*structpb.Value, error) {
			return newNumberValue(float64(v.Uint())), nil
		}
	case reflect.Float64:
		return func(v reflect.Value, _ int, _ *walk) (*structpb.Value, error) {
			f := v.Float()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, errNotDirect
			}
			return newNumberValue(f), nil // Written in the shortest form that parses back the same.
		}
	case reflect.Float32:
		return func(v reflect.Value, _ int, _ *walk) (*structpb.Value, error) {
			f := v.Float()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, errNotDirect
			}
			// Written in the shortest form that parses back as the same
			// float32, which parses as a float64 to another value.
			f, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 32), 64)
			if err != nil {
				return nil, errNotDirect
			}
			return newNumberValue(f), nil
		}
	case reflect.Pointer:
		elem := b.converter(t.Elem())
		return func(v reflect.Value, depth int, w *walk) (*structpb.Value, error) {
			if v.IsNil() {
				return newNullValue(), nil
			}
			if depth > maxDepth {
				return nil, errNotDirect
			}
			return elem.convert(v.Elem(), depth+1, w)
		}
	case reflect.Interface:
		return func(v reflect.Value, depth int, w *walk) (*structpb.Value, error) {
			if v.IsNil() {
				return newNullValue(), nil
			}
			e := v.Elem()
			return converterOf(e.Type()).convert(e, depth+1, w)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return convertWithJSON // Base64, unless the element has methods.
		}
		elem := b.converter(t.Elem())
		return func(v reflect.Value, depth int, w *walk) (*structpb.Value, error) {
			if depth > maxDepth {
				return nil, errNotDirect
			}
			l := newListValue(v.Len())
			values := l.GetListValue().GetValues()
			for i := range values {
				e, err := elem.convert(v.Index(i), depth+1, w)
				if err != nil {
					return nil, err
				}
				values[i] = kept(e)
			}
			return l, nil
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String || implementsWhich(t.Key(), marshalerV2Type, marshalerV1Type, textAppenderType, textMarshalerType) != nil {
			return convertWithJSON
		}
		elem := b.converter(t.Elem())
		return func(v reflect.Value, depth int, w *walk) (*structpb.Value, error) {
			if depth > maxDepth {
				return nil, errNotDirect
			}
			s := newStructValue(v.Len())
			fields := s.GetStructValue().GetFields()
			for it := v.MapRange(); it.Next(); {
				k := it.Key().String()
				if !utf8.ValidString(k) {
					return nil, errNotDirect
				}
				e, err := elem.convert(it.Value(), depth+1, w)
				if err != nil {
					return nil, err
				}
				fields[k] = kept(e)
			}
			return s, nil
		}
	case reflect.Struct:
		fields, ok := b.fields(t)
		if !ok {
			return convertWithJSON
		}
		c.fields, c.members = true, fields
		return func(v reflect.Value, depth int, w *walk) (*structpb.Value, error) {
			if depth > maxDepth {
				return nil, errNotDirect
			}
			return convertStruct(fields, v, depth, w, "")
		}
	default: // Arrays, complex numbers, channels, functions and the like.
		return convertWithJSON
	}
}

// emptyStruct is what a struct without members converts to, until it is
// kept: most are left out by omitempty, and need not be allocated. It is
// never changed, and never put in a result: kept replaces it.
var emptyStruct = structpb.NewStructValue(&structpb.Struct{})

// kept is v, to be put in a result: a fresh empty Struct for emptyStruct.
func kept(v *structpb.Value) *structpb.Value {
	if v == emptyStruct {
		return newStructValue(0)
	}
	return v
}

// addressable is v, or a copy of it that is addressable, so that methods
// with a pointer receiver can be called, as the JSON library calls them.
func addressable(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return v
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

// convertWithJSON converts v through the JSON library: for the types this
// converter does not model.
func convertWithJSON(v reflect.Value, _ int, w *walk) (*structpb.Value, error) {
	if w != nil {
		w.viaJSON = append(w.viaJSON, v.Type())
	}
	b, err := json.Marshal(addressable(v).Addr().Interface())
	if err != nil {
		return nil, errNotDirect
	}
	return valueOfJSON(b)
}

// convertMarshalJSON converts v from what its MarshalJSON method writes.
func convertMarshalJSON(v reflect.Value, _ int, _ *walk) (*structpb.Value, error) {
	m, _ := reflect.TypeAssert[json.MarshalerV1](addressable(v).Addr())
	b, err := m.MarshalJSON()
	if err != nil {
		return nil, errNotDirect
	}
	return valueOfJSON(b)
}

// valueOfJSON decodes one JSON value as a Struct holds it. What
// marshalers write most, null and strings without escapes (quantities,
// times), is read without a decoder.
func valueOfJSON(b []byte) (*structpb.Value, error) {
	if string(b) == "null" {
		return newNullValue(), nil
	}
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && plainString(b[1:n-1]) {
		return newStringValue(string(b[1 : n-1])), nil
	}
	d := jsontext.NewDecoder(bytes.NewReader(b), jsontext.AllowDuplicateNames(true))
	v, err := readValue(d)
	if err != nil {
		return nil, errNotDirect
	}
	if _, err := d.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, errNotDirect
	}
	return v, nil
}

// plainString reports whether b is the inside of a JSON string that
// needs no decoding: valid UTF-8, without quotes, escapes or control
// characters.
func plainString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}

// field is a member of the object a struct converts to.
type field struct {
	name      string
	index     []int // As reflect.Value.FieldByIndex, through inlined structs.
	omitempty bool
	omitzero  bool
	isZero    func(reflect.Value) bool // nil: the Go zero value.
	nilable   bool                     // A pointer or interface: nil is null.
	conv      *converter
}

// fields lists the members of t's object, as the JSON library lists them,
// or reports that t is not modelled: it has a field option other than
// omitempty, omitzero and inline, an inlined type the library inlines in
// a way of its own (maps, types with methods, a type met twice), names
// that clash at any depth, or anything the library refuses.
func (b *builder) fields(root reflect.Type) ([]field, bool) {
	type entry struct {
		t     reflect.Type
		index []int
	}
	queue := []entry{{root, nil}}
	seen := map[reflect.Type]bool{root: true}
	names := map[string]bool{}
	var fields []field
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		var anyTag, anyField bool
		for i := range e.t.NumField() {
			sf := e.t.Field(i)
			tag, hasTag := sf.Tag.Lookup("json")
			anyTag = anyTag || hasTag
			if tag == "-" {
				continue
			}
			if !sf.IsExported() {
				if sf.Anonymous || hasTag {
					return nil, false // Refused by the JSON library.
				}
				continue
			}
			anyField = true
			o, ok := parseTag(tag)
			if !ok {
				return nil, false
			}
			index := append(append(make([]int, 0, len(e.index)+1), e.index...), i)
			if o.inline || sf.Anonymous && !o.hasName {
				if o.hasName || o.omitempty || o.omitzero {
					return nil, false
				}
				t := sf.Type
				if t.Kind() == reflect.Pointer && t.Name() == "" {
					t = t.Elem()
				}
				if t.Kind() != reflect.Struct || seen[t] ||
					implementsWhich(t, append([]reflect.Type{marshalerV2Type, marshalerV1Type, textMarshalerType}, unmarshalerTypes...)...) != nil {
					return nil, false
				}
				seen[t] = true
				queue = append(queue, entry{t, index})
				continue
			}
			if !o.hasName {
				o.name = sf.Name
			}
			if names[o.name] {
				return nil, false
			}
			names[o.name] = true
			k := sf.Type.Kind()
			fields = append(fields, field{
				name: o.name, index: index, omitempty: o.omitempty, omitzero: o.omitzero,
				isZero: isZeroOf(sf.Type), nilable: k == reflect.Pointer || k == reflect.Interface,
				conv: b.converter(sf.Type),
			})
		}
		if e.t.NumField() > 0 && !anyTag && !anyField {
			return nil, false // "Go struct has no exported fields".
		}
	}
	return fields, true
}

// isZeroOf is how omitzero tells a value of t is zero, as the JSON
// library tells it: by t's IsZero method if it or its pointer has one.
func isZeroOf(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero() //nolint:forcetypeassert // Checked by the type.
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero() //nolint:forcetypeassert // Checked by the type.
		}
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(interface{ IsZero() bool }).IsZero() } //nolint:forcetypeassert // Checked by the type.
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return addressable(v).Addr().Interface().(interface{ IsZero() bool }).IsZero() //nolint:forcetypeassert // Checked by the type.
		}
	default:
		return nil
	}
}

// tagOptions are the parts of a json tag the converter models.
type tagOptions struct {
	name                        string
	hasName                     bool
	omitempty, omitzero, inline bool
}

// parseTag parses a json tag, or reports that it holds what the converter
// does not model: a quoted name or option, an option other than
// omitempty, omitzero, inline and the casing ones (which only decoding
// reads), or a malformed or repeated option.
func parseTag(tag string) (tagOptions, bool) {
	var o tagOptions
	name, opts, _ := strings.Cut(tag, ",")
	if strings.ContainsAny(name, "\\'\"`") || !utf8.ValidString(name) {
		return o, false
	}
	o.name, o.hasName = name, name != ""
	if !strings.Contains(tag, ",") {
		return o, true
	}
	seen := map[string]bool{}
	for opt := range strings.SplitSeq(opts, ",") {
		if seen[opt] {
			return o, false
		}
		seen[opt] = true
		switch opt {
		case "omitempty":
			o.omitempty = true
		case "omitzero":
			o.omitzero = true
		case "inline":
			o.inline = true
		case "nocase", "strictcase":
			if seen["nocase"] && seen["strictcase"] {
				return o, false
			}
		default:
			return o, false
		}
	}
	return o, true
}

// member is a converted member of an object.
type member struct {
	name  string
	value *structpb.Value
}

func convertStruct(fields []field, v reflect.Value, depth int, w *walk, omit string) (*structpb.Value, error) {
	// The members are gathered first, so that the map is made to their
	// number: most of a provider type's fields are nil and left out.
	var buf [32]member
	members := buf[:0]
	for i := range fields {
		f := &fields[i]
		if f.name == omit {
			continue
		}
		fv, ok := fieldByIndex(v, f.index)
		if !ok {
			continue // In a nil inlined struct.
		}
		if f.nilable && fv.IsNil() && f.omitempty {
			continue // It would be null.
		}
		if f.omitzero && (f.isZero == nil && fv.IsZero() || f.isZero != nil && f.isZero(fv)) {
			continue
		}
		val, err := f.conv.convert(fv, depth+1, w)
		if err != nil {
			return nil, err
		}
		if f.omitempty && isEmpty(val) {
			continue
		}
		members = append(members, member{f.name, kept(val)})
	}
	if len(members) == 0 {
		return emptyStruct, nil
	}
	s := newStructValue(len(members))
	for _, m := range members {
		s.GetStructValue().Fields[m.name] = m.value
	}
	return s, nil
}

// fieldByIndex is v.FieldByIndex(index), false where it passes a nil
// pointer to an inlined struct.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	v = v.Field(index[0])
	for _, i := range index[1:] {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v, true
}

// isEmpty reports whether v would be written as null, "", {} or [], which
// omitempty leaves out.
func isEmpty(v *structpb.Value) bool {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		return true
	case *structpb.Value_StringValue:
		return k.StringValue == ""
	case *structpb.Value_StructValue:
		return len(k.StructValue.GetFields()) == 0
	case *structpb.Value_ListValue:
		return len(k.ListValue.GetValues()) == 0
	default:
		return false
	}
}

// The Values below are allocated together with their kind, and a Struct's
// or a list's with its message: one allocation where structpb's
// constructors make two or three. A Value keeps the whole block alive,
// which is the size of the value.

func newStringValue(s string) *structpb.Value {
	b := &struct {
		v structpb.Value
		k structpb.Value_StringValue
	}{k: structpb.Value_StringValue{StringValue: s}}
	b.v.Kind = &b.k
	return &b.v
}

func newNumberValue(f float64) *structpb.Value {
	b := &struct {
		v structpb.Value
		k structpb.Value_NumberValue
	}{k: structpb.Value_NumberValue{NumberValue: f}}
	b.v.Kind = &b.k
	return &b.v
}

func newBoolValue(x bool) *structpb.Value {
	b := &struct {
		v structpb.Value
		k structpb.Value_BoolValue
	}{k: structpb.Value_BoolValue{BoolValue: x}}
	b.v.Kind = &b.k
	return &b.v
}

// newStructValue is a Value holding an empty Struct with room for n
// members.
func newStructValue(n int) *structpb.Value {
	b := &struct {
		v structpb.Value
		k structpb.Value_StructValue
		s structpb.Struct
	}{}
	b.s.Fields = make(map[string]*structpb.Value, n)
	b.k.StructValue = &b.s
	b.v.Kind = &b.k
	return &b.v
}

// newListValue is a Value holding a list of n values, all nil.
func newListValue(n int) *structpb.Value {
	b := &struct {
		v structpb.Value
		k structpb.Value_ListValue
		l structpb.ListValue
	}{}
	b.l.Values = make([]*structpb.Value, n)
	b.k.ListValue = &b.l
	b.v.Kind = &b.k
	return &b.v
}

func newNullValue() *structpb.Value {
	b := &struct {
		v structpb.Value
		k structpb.Value_NullValue
	}{}
	b.v.Kind = &b.k
	return &b.v
}

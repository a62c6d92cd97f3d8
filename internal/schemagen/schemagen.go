// Package schemagen turns the Go types in apis/ into structural OpenAPI v3
// schemas for CustomResourceDefinitions and Crossplane XRDs.
//
// Schemas are reflected with github.com/invopop/jsonschema: descriptions
// come from the Go doc comments, enums, patterns, bounds, defaults and CEL
// rules from the types' JSONSchemaExtend methods, required fields from the
// json tags (a field without omitempty is required). The result is inlined
// (no $ref or $defs) and checked to be structural, as Kubernetes demands.
package schemagen

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Generator reflects Go types into structural schemas.
type Generator struct {
	r *jsonschema.Reflector
}

// New returns a Generator that reads Go doc comments of the packages below
// dir, whose import path is base (for example
// "github.com/cloudspace-dev/cloudspace/apis" and "./apis").
func New(base, dir string) (*Generator, error) {
	r := &jsonschema.Reflector{
		DoNotReference:            true,
		ExpandedStruct:            true,
		AllowAdditionalProperties: true,
		Anonymous:                 true,
	}
	if err := r.AddGoComments(base, dir); err != nil {
		return nil, fmt.Errorf("cannot read Go comments of %q: %w", dir, err)
	}
	return &Generator{r: r}, nil
}

// Props returns the structural schema of v's type.
func (g *Generator) Props(v any) (*extv1.JSONSchemaProps, error) {
	s := g.r.Reflect(v)
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal schema of %T: %w", v, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("cannot unmarshal schema of %T: %w", v, err)
	}
	clean(m, false)
	b, err = json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal schema of %T: %w", v, err)
	}
	p := &extv1.JSONSchemaProps{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("cannot convert schema of %T to OpenAPI v3: %w", v, err)
	}
	return p, nil
}

// clean removes what JSON Schema has and OpenAPI v3 schemas of Kubernetes
// do not allow, recursively.
func clean(m map[string]any, inAnyOf bool) {
	for _, k := range []string{"$schema", "$id", "title", "$comment"} {
		delete(m, k)
	}
	for k, v := range m {
		switch vv := v.(type) {
		case map[string]any:
			if k == "properties" {
				for _, p := range vv {
					if pm, ok := p.(map[string]any); ok {
						clean(pm, false)
					}
				}
				continue
			}
			clean(vv, false)
		case []any:
			for _, e := range vv {
				if em, ok := e.(map[string]any); ok && k != "default" && k != "x-kubernetes-validations" && k != "enum" {
					clean(em, k == "anyOf")
				}
			}
		}
	}
	// JSON Schema's integer has no format; Kubernetes wants int64 or int32,
	// but for the int-or-string form, whose anyOf must be exactly integer
	// and string.
	if m["type"] == "integer" && !inAnyOf {
		if _, ok := m["format"]; !ok {
			m["format"] = "int64"
		}
	}
}

// Validate checks that p is a structural schema Kubernetes accepts, and
// returns every problem at once.
func Validate(p *extv1.JSONSchemaProps) error {
	internal := &apiextensions.JSONSchemaProps{}
	if err := extv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(p, internal, nil); err != nil {
		return fmt.Errorf("cannot convert schema: %w", err)
	}
	s, err := schema.NewStructural(internal)
	if err != nil {
		return fmt.Errorf("schema is not structural: %w", err)
	}
	if errs := schema.ValidateStructural(field.NewPath("openAPIV3Schema"), s); len(errs) > 0 {
		return fmt.Errorf("schema is not structural: %w", errs.ToAggregate())
	}
	return nil
}

// Object wraps spec and status schemas into the schema of a Kubernetes
// object. A nil status is left out.
func Object(description string, spec, status *extv1.JSONSchemaProps) *extv1.JSONSchemaProps {
	o := &extv1.JSONSchemaProps{
		Type:        "object",
		Description: description,
		Required:    []string{"spec"},
		Properties:  map[string]extv1.JSONSchemaProps{"spec": *spec},
	}
	if status != nil {
		o.Properties["status"] = *status
	}
	return o
}

// TypeDescription returns the Go doc comment of v's type.
func (g *Generator) TypeDescription(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.TrimSpace(g.r.CommentMap[t.PkgPath()+"."+t.Name()])
}

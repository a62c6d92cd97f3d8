package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// The install policy: EnvironmentConfigs that amend the function input
// (fnv1alpha1.PolicySource), so that one published Composition serves
// every install.

// requiredPolicy names the required resource holding the install policy.
const requiredPolicy = "install-policy"

// PolicySelector returns the selector of in's install policy, and false
// when in reads none.
func PolicySelector(in *fnv1alpha1.Composer) (xfn.Selector, bool) {
	if in.PolicyFrom == nil {
		return xfn.Selector{}, false
	}
	return xfn.Selector{
		APIVersion: fnv1alpha1.PolicySourceAPIVersion,
		Kind:       fnv1alpha1.PolicySourceKind,
		Labels:     in.PolicyFrom.MatchLabels,
	}, true
}

// validatePolicySource checks the install policy selector of the input.
func validatePolicySource(p *field.Path, s *fnv1alpha1.PolicySource) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	if len(s.MatchLabels) == 0 {
		errs = append(errs, field.Required(p.Child("matchLabels"), "must name at least one label: an empty selector would match the team quota data and the spend records, which are EnvironmentConfigs too"))
	}
	return append(errs, validateLabels(p.Child("matchLabels"), s.MatchLabels)...)
}

// validateLabels checks the keys and values of a label selector at p.
func validateLabels(p *field.Path, labels map[string]string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(p.Key(k), k, msg))
		}
		for _, msg := range validation.IsValidLabelValue(labels[k]) {
			errs = append(errs, field.Invalid(p.Key(k), labels[k], msg))
		}
	}
	return errs
}

// PolicyObject is one EnvironmentConfig of the install policy.
type PolicyObject struct {
	Name string
	// Data is the object's data: a strategic merge patch of the input.
	Data *structpb.Struct
}

// ReadPolicy reads the install policy objects Crossplane sent, sorted by
// name, the order they apply in. Objects without data are left out.
func ReadPolicy(objs []*structpb.Struct) ([]PolicyObject, error) {
	if len(objs) > fnv1alpha1.MaxPolicyObjects {
		return nil, fmt.Errorf("install policy: %d %ss match policyFrom.matchLabels, want at most %d", len(objs), fnv1alpha1.PolicySourceKind, fnv1alpha1.MaxPolicyObjects)
	}
	out := make([]PolicyObject, 0, len(objs))
	for _, o := range objs {
		data := o.GetFields()["data"].GetStructValue()
		if len(data.GetFields()) == 0 {
			continue
		}
		out = append(out, PolicyObject{Name: str(sub(o, "metadata"), "name"), Data: data})
	}
	slices.SortFunc(out, func(a, b PolicyObject) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PolicyKey is the content the input and its install policy are parsed
// from, as one Struct: the key of the input memo.
func PolicyKey(input *structpb.Struct, pol []PolicyObject) *structpb.Struct {
	if len(pol) == 0 {
		return input
	}
	objs := make([]*structpb.Value, len(pol))
	for i, p := range pol {
		objs[i] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"name": structpb.NewStringValue(p.Name),
			"data": structpb.NewStructValue(p.Data),
		}})
	}
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		"input":  structpb.NewStructValue(input),
		"policy": structpb.NewListValue(&structpb.ListValue{Values: objs}),
	}}
}

// ApplyPolicy returns in amended by the install policy objects pol, in
// their order. in is not changed. The error names the object and the field.
func ApplyPolicy(in *fnv1alpha1.Composer, pol []PolicyObject) (*fnv1alpha1.Composer, error) {
	if len(pol) == 0 {
		return in, nil
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("cannot marshal the function input: %w", err)
	}
	for _, p := range pol {
		what := fmt.Sprintf("%s %s", fnv1alpha1.PolicySourceKind, p.Name)
		if _, ok := p.Data.GetFields()["policyFrom"]; ok {
			return nil, fmt.Errorf("install policy %s: data.policyFrom: Forbidden: only the Composition's input selects the install policy", what)
		}
		// Strictly: a misspelt field must not be dropped without a word.
		if err := xfn.DecodeValue(structpb.NewStructValue(withoutDirectives(p.Data)), &fnv1alpha1.Composer{}, "data"); err != nil {
			return nil, fmt.Errorf("install policy %s: %w", what, err)
		}
		patch, err := p.Data.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("install policy %s: cannot marshal data: %w", what, err)
		}
		if doc, err = strategicpatch.StrategicMergePatch(doc, patch, fnv1alpha1.Composer{}); err != nil {
			return nil, fmt.Errorf("install policy %s: cannot apply data as a strategic merge patch of the function input: %w", what, err)
		}
	}
	out := &fnv1alpha1.Composer{}
	if err := json.Unmarshal(doc, out); err != nil {
		return nil, fmt.Errorf("cannot decode the function input amended by the install policy: %w", err)
	}
	return out, nil
}

// PolicyNames lists the names of pol, for messages.
func PolicyNames(pol []PolicyObject) string {
	names := make([]string, len(pol))
	for i, p := range pol {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// withoutDirectives returns s without the strategic merge patch's
// directives ($patch, $retainKeys and the like), which the input's schema
// does not know.
func withoutDirectives(s *structpb.Struct) *structpb.Struct {
	out := &structpb.Struct{Fields: make(map[string]*structpb.Value, len(s.GetFields()))}
	for k, v := range s.GetFields() {
		if strings.HasPrefix(k, "$") {
			continue
		}
		out.Fields[k] = withoutDirectivesValue(v)
	}
	return out
}

func withoutDirectivesValue(v *structpb.Value) *structpb.Value {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		return structpb.NewStructValue(withoutDirectives(k.StructValue))
	case *structpb.Value_ListValue:
		vals := make([]*structpb.Value, len(k.ListValue.GetValues()))
		for i, e := range k.ListValue.GetValues() {
			vals[i] = withoutDirectivesValue(e)
		}
		return structpb.NewListValue(&structpb.ListValue{Values: vals})
	default:
		return v
	}
}

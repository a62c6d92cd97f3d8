package schemagen

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

func generator(t *testing.T) *Generator {
	t.Helper()
	t.Chdir(filepath.Join("..", ".."))
	g, err := New("github.com/cloudspace-dev/cloudspace", "apis")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestPropsSpec(t *testing.T) {
	g := generator(t)
	p, err := g.Props(&v1alpha1.XCloudSpaceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatalf("the spec schema must be structural: %v", err)
	}
	cases := map[string]struct {
		reason string
		got    any
		want   any
	}{
		"Required": {
			reason: "fields without omitempty are required",
			got:    p.Required,
			want:   []string{"team", "environment", "owner", "costCenter", "tier", "region", "resources", "budget"},
		},
		"Enum": {
			reason: "environments are an enum",
			got:    p.Properties["environment"].Enum,
			want:   []extv1.JSON{{Raw: []byte(`"dev"`)}, {Raw: []byte(`"staging"`)}, {Raw: []byte(`"prod"`)}},
		},
		"Description": {
			reason: "descriptions come from Go doc comments",
			got:    p.Properties["owner"].Description,
			want:   "Owner is the e-mail address that receives budget alerts.",
		},
		"Default": {
			reason: "defaults come from the types' schema extensions",
			got:    string(p.Properties["network"].Properties["cidr"].Default.Raw),
			want:   `"10.0.0.0/16"`,
		},
		"IntOrString": {
			reason: "quantities are int-or-string with the quantity pattern",
			got:    []any{p.Properties["resources"].Properties["cpu"].XIntOrString, p.Properties["resources"].Properties["cpu"].Pattern},
			want:   []any{true, v1alpha1.PatternQuantity},
		},
		"CEL": {
			reason: "cross-field rules are CEL validations",
			got:    p.Properties["team"].XValidations[0].Rule,
			want:   "self == oldSelf",
		},
		"IntegerFormat": {
			reason: "integers carry an OpenAPI format",
			got:    p.Properties["network"].Properties["availabilityZones"].Format,
			want:   "int64",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidateRejectsNonStructural(t *testing.T) {
	p := &extv1.JSONSchemaProps{Type: "object", Properties: map[string]extv1.JSONSchemaProps{
		"x": {AnyOf: []extv1.JSONSchemaProps{{Type: "integer"}, {Type: "boolean"}}},
	}}
	err := Validate(p)
	if err == nil || !strings.Contains(err.Error(), "must be empty to be structural") {
		t.Errorf("Validate(non-structural): want structural error, got %v", err)
	}
}

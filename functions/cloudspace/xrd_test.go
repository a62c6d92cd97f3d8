package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	apivalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
)

// xrdSchema validates objects as the API server does with the generated
// XRD's schema: its OpenAPI rules, then its CEL rules.
type xrdSchema struct {
	openapi apivalidation.SchemaValidator
	cel     *cel.Validator
	s       *schema.Structural
}

func loadXRDSchema(t *testing.T) *xrdSchema {
	t.Helper()
	b, err := os.ReadFile("../../xrds/xcloudspaces.platform.cloudspace.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var xrd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema apiextensionsv1.JSONSchemaProps `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &xrd); err != nil {
		t.Fatal(err)
	}
	if len(xrd.Spec.Versions) != 1 {
		t.Fatalf("%d versions in the XRD, want 1", len(xrd.Spec.Versions))
	}
	v1 := xrd.Spec.Versions[0].Schema.OpenAPIV3Schema
	// Crossplane adds metadata and the standard fields to the CRD it makes;
	// the spec is what claims set.
	var in apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1, &in, nil); err != nil {
		t.Fatal(err)
	}
	s, err := schema.NewStructural(&in)
	if err != nil {
		t.Fatal(err)
	}
	openapi, _, err := apivalidation.NewSchemaValidator(&in)
	if err != nil {
		t.Fatal(err)
	}
	return &xrdSchema{openapi: openapi, cel: cel.NewValidator(s, true, celconfig.PerCallLimit), s: s}
}

// validate returns what the API server would refuse of xr.
func (x *xrdSchema) validate(t *testing.T, xr *v1alpha1.XCloudSpace) field.ErrorList {
	t.Helper()
	b, err := json.Marshal(map[string]any{"spec": xr.Spec})
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	errs := apivalidation.ValidateCustomResource(nil, obj, x.openapi)
	cerrs, _ := x.cel.Validate(t.Context(), nil, x.s, obj, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, cerrs...)
}

// TestSchemaAndFunctionAgree: every claim the XRD's schema refuses, the
// function refuses too, and the other way round, so that a composite made
// past the API server's validation (a direct XR, an older XRD, crossplane
// render) meets the same rules.
func TestSchemaAndFunctionAgree(t *testing.T) {
	x := loadXRDSchema(t)
	cases := map[string]struct {
		reason string
		mutate func(xr *v1alpha1.XCloudSpace)
		refuse bool
	}{
		"Valid":            {"A well-formed claim passes both.", func(*v1alpha1.XCloudSpace) {}, false},
		"ZeroCPU":          {"A namespace with no cpu runs no pod.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.CPU = "0" }, true},
		"ZeroMilliCPU":     {"0m is zero too.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.CPU = "0m" }, true},
		"ZeroMemory":       {"Nor one with no memory.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.Memory = "0Gi" }, true},
		"SmallCPU":         {"Half a core is a namespace.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.CPU = "500m" }, false},
		"ZeroStorage":      {"No storage is a namespace without volumes.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.Storage = "0" }, false},
		"GPUOnMedium":      {"A GPU needs a GPU tier.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.GPU = "1" }, true},
		"GPUZeroPointZero": {"Any GPU text but 0 needs a GPU tier.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Resources.GPU = "0.0" }, true},
		"ProdOneZone": {"Prod needs two zones.", func(xr *v1alpha1.XCloudSpace) {
			xr.Spec.Environment, xr.Spec.Network.AvailabilityZones = v1alpha1.EnvironmentProd, ptr(1)
		}, true},
		"ExplicitZeroZones": {"An explicit 0 zones is refused, not defaulted to 2.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.AvailabilityZones = ptr(0) }, true},
		"UnsetZones":        {"Unset zones take the default.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Network.AvailabilityZones = nil }, false},
		"TeamNotDNS":        {"The team is a DNS label.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Team = "Payments_Team" }, true},
		"OwnerNotEmail":     {"The owner is an e-mail address.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Owner = "nobody" }, true},
		"OwnerTooLong":      {"At most 254 characters.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Owner = strings.Repeat("a", 250) + "@example.com" }, true},
		"RegionTooLong":     {"At most 32 characters.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Region = "eu-" + strings.Repeat("west", 10) + "-1" }, true},
		"BudgetCents":       {"At most two fraction digits.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Budget.MonthlyLimit = "12.345" }, true},
		"TagKeyPadded":      {"A tag key with a space at its end.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tags = map[string]string{"team ": "x"} }, true},
		"TagValueLength":    {"A tag value of 257 characters.", func(xr *v1alpha1.XCloudSpace) { xr.Spec.Tags = map[string]string{"k": strings.Repeat("v", 257)} }, true},
		"FortyOneTags": {"At most 40 tags.", func(xr *v1alpha1.XCloudSpace) {
			xr.Spec.Tags = map[string]string{}
			for i := range 41 {
				xr.Spec.Tags[strings.Repeat("k", i+1)] = "v"
			}
		}, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := composeXR()
			tc.mutate(xr)
			serr := x.validate(t, xr)
			_, ferr := NewSpace(xr, composeInput())
			if (len(serr) > 0) != tc.refuse || (len(ferr) > 0) != tc.refuse {
				t.Errorf("%s\nwant refused=%t\nthe XRD's schema: %v\nthe function: %v", tc.reason, tc.refuse, serr, ferr)
			}
		})
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	kjson "sigs.k8s.io/json"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	fnv1alpha1 "github.com/cloudspace-dev/cloudspace/apis/fn/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/apis/v1alpha1"
	"github.com/cloudspace-dev/cloudspace/internal/xfn"
)

// FuzzCompose feeds arbitrary claims and function inputs, decoded as
// RunFunction decodes them, through validation, composition and status. It
// must never panic, and a space it accepts must compose deterministically.
// The seed corpus is in testdata/fuzz/FuzzCompose.
func FuzzCompose(f *testing.F) {
	xr, err := json.Marshal(composeXR())
	if err != nil {
		f.Fatal(err)
	}
	in, err := json.Marshal(withInput(func(in *fnv1alpha1.Composer) {
		in.TagPolicy = &fnv1alpha1.TagPolicy{
			Required: []fnv1alpha1.RequiredTag{
				{Key: "team", FromClaim: ClaimFieldTeam, Pattern: "[a-z]+"},
				{Key: "unit", FromTeam: "unit"},
				{Key: "env", FromClaim: ClaimFieldEnvironment, AllowedValues: []string{"dev", "prod"}},
			},
			Teams: map[string]fnv1alpha1.TeamData{"payments": {"unit": "commerce"}},
		}
	}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(xr, in)
	if err := AddToScheme(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, xrJSON, inJSON []byte) {
		// An input that takes this long is a denial of service: crash the
		// worker so that the fuzzer saves it.
		watchdog := time.AfterFunc(10*time.Second, func() {
			panic(fmt.Sprintf("composing took over 10s for claim %q and input %q", xrJSON, inJSON))
		})
		defer watchdog.Stop()
		in := &fnv1alpha1.Composer{}
		if strict, err := kjson.UnmarshalStrict(inJSON, in); err != nil || len(strict) > 0 {
			return
		}
		if errs := ValidateInput(in); len(errs) > 0 {
			return
		}
		xr := &v1alpha1.XCloudSpace{}
		if err := json.Unmarshal(xrJSON, xr); err != nil {
			return
		}
		s, errs := NewSpace(xr, in)
		if len(errs) > 0 {
			for _, e := range errs {
				if e.Field == "" {
					t.Errorf("NewSpace(...): error without a field: %v", e)
				}
			}
			return
		}
		// Build the plan twice, past the caches: the same space must give
		// the same resources, byte for byte.
		cp1, errs1 := composePlan(s)
		cp2, errs2 := composePlan(s)
		if fmt.Sprint(errs1) != fmt.Sprint(errs2) {
			t.Fatalf("composePlan(...): errors differ:\n%v\n%v", errs1, errs2)
		}
		if len(errs1) > 0 {
			if err := Compose(s, xfn.Observed{}, xfn.NewDesired(&fnv1.RunFunctionRequest{})); err == nil {
				t.Fatalf("Compose(...): no error for a space whose plan fails: %v", errs1)
			}
			return
		}
		det := proto.MarshalOptions{Deterministic: true}
		for i := range cp1.Resources {
			b1, _ := det.Marshal(cp1.Resources[i])
			b2, _ := det.Marshal(cp2.Resources[i])
			if !bytes.Equal(b1, b2) {
				t.Fatalf("composePlan(...): resource %q differs between two builds", cp1.Parts[i].Name)
			}
		}
		if err := Compose(s, xfn.Observed{}, xfn.NewDesired(&fnv1.RunFunctionRequest{})); err != nil {
			t.Fatalf("Compose(...): %v", err)
		}
		if _, err := Status(s, xfn.Observed{}); err != nil {
			t.Fatalf("Status(...): %v", err)
		}
	})
}

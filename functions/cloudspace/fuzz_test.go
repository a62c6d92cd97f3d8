package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

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
		compose := func() (*xfn.Desired, error) {
			d, err := xfn.NewDesired(&fnv1.RunFunctionRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return d, Compose(s, xfn.Observed{}, d)
		}
		d1, err1 := compose()
		d2, err2 := compose()
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("Compose(...): first error %v, second error %v", err1, err2)
		}
		if err1 != nil {
			if err1.Error() != err2.Error() {
				t.Fatalf("Compose(...): errors differ:\n%v\n%v", err1, err2)
			}
			return
		}
		r1, r2 := &fnv1.RunFunctionResponse{}, &fnv1.RunFunctionResponse{}
		if err := d1.Apply(r1); err != nil {
			t.Fatal(err)
		}
		if err := d2.Apply(r2); err != nil {
			t.Fatal(err)
		}
		b1, _ := json.Marshal(r1.GetDesired().GetResources())
		b2, _ := json.Marshal(r2.GetDesired().GetResources())
		if string(b1) != string(b2) {
			t.Fatal("Compose(...): the same space composed twice differs")
		}
		if _, err := Status(s, xfn.Observed{}); err != nil {
			t.Fatalf("Status(...): %v", err)
		}
	})
}

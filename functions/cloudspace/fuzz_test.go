package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	kjson "sigs.k8s.io/json"

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
		// Compose twice: the same space must give the same resources, byte
		// for byte.
		c1, err1 := Compose(s, xfn.Observed{})
		c2, err2 := Compose(s, xfn.Observed{})
		if fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("Compose(...): errors differ:\n%v\n%v", err1, err2)
		}
		if err1 != nil {
			return
		}
		det := proto.MarshalOptions{Deterministic: true}
		for i := range c1.Resources {
			s1, err := xfn.ComposedStruct(c1.Resources[i].Object)
			if err != nil {
				t.Fatalf("ComposedStruct(%q): %v", c1.Resources[i].Name, err)
			}
			s2, err := xfn.ComposedStruct(c2.Resources[i].Object)
			if err != nil {
				t.Fatalf("ComposedStruct(%q): %v", c2.Resources[i].Name, err)
			}
			b1, _ := det.Marshal(s1)
			b2, _ := det.Marshal(s2)
			if !bytes.Equal(b1, b2) {
				t.Fatalf("Compose(...): resource %q differs between two builds", c1.Resources[i].Name)
			}
		}
		if diff := cmp.Diff(c1.Status, c2.Status); diff != "" {
			t.Fatalf("Compose(...): status differs between two builds: %s", diff)
		}
	})
}

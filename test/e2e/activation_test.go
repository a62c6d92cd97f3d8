//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// checkActivationPolicy checks that installing the Configuration created
// its ManagedResourceActivationPolicy, activating exactly the managed
// resources the repository's policy file names.
func (e *env) checkActivationPolicy(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.root, "package", "configuration", "activation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Activate []string `json:"activate"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Configuration's activation policy", time.Minute, func() error {
		obj, err := e.getJSON("managedresourceactivationpolicy", want.Metadata.Name)
		if err != nil {
			return err
		}
		var got []string
		if l, ok := field(obj, "spec.activate").([]any); ok {
			for _, v := range l {
				s, _ := v.(string)
				got = append(got, s)
			}
		}
		if !slices.Equal(got, want.Spec.Activate) {
			return fmt.Errorf("spec.activate %v, want %v", got, want.Spec.Activate)
		}
		return nil
	})
	t.Logf("activation policy %q activates %d managed resources", want.Metadata.Name, len(want.Spec.Activate))
}

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
	name, activate := e.activationPolicy(t)
	eventually(t, "the Configuration's activation policy", time.Minute, func() error {
		obj, err := e.getJSON("managedresourceactivationpolicy", name)
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
		if !slices.Equal(got, activate) {
			return fmt.Errorf("spec.activate %v, want %v", got, activate)
		}
		return nil
	})
	t.Logf("activation policy %q activates %d managed resources", name, len(activate))
}

// activationPolicy returns the name of the Configuration's activation
// policy and the managed resource definitions it activates, from the
// repository's generated file.
func (e *env) activationPolicy(t *testing.T) (string, []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.root, "package", "configuration", "activation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Activate []string `json:"activate"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Spec.Activate) == 0 {
		t.Fatal("the activation policy activates nothing")
	}
	return p.Metadata.Name, p.Spec.Activate
}

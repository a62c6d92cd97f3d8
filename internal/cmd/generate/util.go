package main

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

func runtimeRaw(b []byte) runtime.RawExtension { return runtime.RawExtension{Raw: b} }

func without(s []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(s), func(e string) bool { return slices.Contains(drop, e) })
}

func lower(s string) string { return strings.ToLower(s) }

// marshal renders obj as YAML without the empty status and creation
// timestamp that typed Kubernetes objects carry.
func marshal(obj any) ([]byte, error) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	b, err = yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append([]byte(header), b...), nil
}

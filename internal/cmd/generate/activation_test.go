package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestActivation(t *testing.T) {
	cases := map[string]struct {
		reason   string
		expected map[string]string // case name -> expected.yaml
		want     []string
		err      string
	}{
		"ComposedKinds": {
			reason: "Every provider kind a case composes is activated once, by its MRD name; Kubernetes kinds and the XR are not.",
			expected: map[string]string{
				"a": "---\napiVersion: platform.cloudspace.dev/v1alpha1\nkind: XCloudSpace\n---\napiVersion: s3.aws.upbound.io/v1beta1\nkind: Bucket\n---\napiVersion: v1\nkind: Namespace\n",
				"b": "---\napiVersion: s3.aws.upbound.io/v1beta2\nkind: Bucket\n---\napiVersion: kms.aws.upbound.io/v1beta1\nkind: Key\n",
			},
			want: []string{"buckets.s3.aws.upbound.io", "keys.kms.aws.upbound.io"},
		},
		"FailedRender": {
			reason: "A case whose render fails composes nothing.",
			expected: map[string]string{
				"a": "---\napiVersion: ec2.aws.upbound.io/v1beta1\nkind: VPC\n",
				"b": "# crossplane render failed:\ncrossplane: error: kind: Key\n",
			},
			want: []string{"vpcs.ec2.aws.upbound.io"},
		},
		"UnknownKind": {
			reason: "A kind the provider has no CRD for is an error naming it.",
			expected: map[string]string{
				"a": "---\napiVersion: s3.aws.upbound.io/v1beta1\nkind: Bukket\n",
			},
			err: "no provider CRD for",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			for c, body := range tc.expected {
				dir := filepath.Join(root, "test", "render", c)
				if err := os.MkdirAll(dir, 0o750); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "expected.yaml"), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			b, err := Activation(root)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "s3.aws.upbound.io/Bukket") {
					t.Errorf("\n%s\nActivation(): want an error containing %q naming the kind, got %v", tc.reason, tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("\n%s\nActivation(): %v", tc.reason, err)
			}
			var got struct {
				Kind string `json:"kind"`
				Spec struct {
					Activate []string `json:"activate"`
				} `json:"spec"`
			}
			if err := yaml.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.Spec.Activate); diff != "" || got.Kind != "ManagedResourceActivationPolicy" {
				t.Errorf("\n%s\nActivation(): kind %q, -want activate, +got:\n%s", tc.reason, got.Kind, diff)
			}
		})
	}
}

package xpkg

import "testing"

func TestDependencyName(t *testing.T) {
	cases := map[string]struct {
		reason string
		pkg    string
		want   string
	}{
		"RegistryRoot": {
			reason: "A package at the registry root is named after its repository alone.",
			pkg:    "xpkg.cloudspace.dev/function-cloudspace",
			want:   "function-cloudspace",
		},
		"Organization": {
			reason: "The organization becomes part of the name, as with function-patch-and-transform.",
			pkg:    "xpkg.upbound.io/crossplane-contrib/function-patch-and-transform",
			want:   "crossplane-contrib-function-patch-and-transform",
		},
		"Port": {
			reason: "The registry, port included, is not part of the name.",
			pkg:    "127.0.0.1:5000/platform/function-cloudspace",
			want:   "platform-function-cloudspace",
		},
		"Long": {
			reason: "Names stop at 63 characters.",
			pkg:    "r.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			want:   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := DependencyName(tc.pkg)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s\nDependencyName(%q): got %q, want %q", tc.reason, tc.pkg, got, tc.want)
			}
		})
	}
}

func TestRef(t *testing.T) {
	cases := map[string]struct {
		reason   string
		registry string
		want     string
		wantErr  bool
	}{
		"Host":      {reason: "A bare registry host.", registry: "registry.example.com", want: "registry.example.com/function-cloudspace:v0.1.0"},
		"Prefix":    {reason: "A registry with a repository prefix and a trailing slash.", registry: "ghcr.io/acme/", want: "ghcr.io/acme/function-cloudspace:v0.1.0"},
		"Loopback":  {reason: "A loopback registry with a port.", registry: "127.0.0.1:5000/platform", want: "127.0.0.1:5000/platform/function-cloudspace:v0.1.0"},
		"UpperCase": {reason: "Repositories must be lower case.", registry: "Registry.example.com/ACME", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Ref(tc.registry, "function-cloudspace", "v0.1.0")
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s\nRef(%q, ...): error %v, want error %t", tc.reason, tc.registry, err, tc.wantErr)
			}
			if err == nil && got.String() != tc.want {
				t.Errorf("%s\nRef(%q, ...): got %q, want %q", tc.reason, tc.registry, got.String(), tc.want)
			}
		})
	}
}

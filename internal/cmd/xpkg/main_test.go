package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	cases := map[string]struct {
		reason     string
		args       []string
		wantErr    string
		wantStdout string
	}{
		"NoCommand": {
			reason:  "A command is required.",
			wantErr: "missing command",
		},
		"UnknownCommand": {
			reason:  "Unknown commands are refused.",
			args:    []string{"deploy"},
			wantErr: `unknown command "deploy"`,
		},
		"Help": {
			reason:     "help prints the usage.",
			args:       []string{"help"},
			wantStdout: "usage: xpkg <command>",
		},
		"PushWithoutRegistry": {
			reason:  "push needs a registry and a version before it looks for packages.",
			args:    []string{"push", "--version", "v0.1.0"},
			wantErr: "push needs --registry and --version",
		},
		"BadPlatform": {
			reason:  "Platforms are os/arch.",
			args:    []string{"build", "--platforms", "linux"},
			wantErr: `cannot parse platform "linux"`,
		},
		"BadRegistry": {
			reason:  "The registry must be usable in a package reference.",
			args:    []string{"build", "--registry", "registry.example.com/Platform"},
			wantErr: `cannot use registry "registry.example.com/Platform"`,
		},
		"BadVersion": {
			reason:  "A pinned version is a semantic version with a leading v.",
			args:    []string{"build", "--version", "1.0"},
			wantErr: `cannot use version "1.0"`,
		},
		"UnknownPackage": {
			reason:  "Only CloudSpace's packages can be built.",
			args:    []string{"build", "--packages", "function-other"},
			wantErr: `unknown package "function-other"`,
		},
		"PushNotBuilt": {
			reason:  "push refuses to push anything when a package file is missing.",
			args:    []string{"push", "--out", "/nonexistent", "--registry", "registry.example.com/platform", "--version", "v0.1.0"},
			wantErr: "run make xpkg first",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tc.args, &stdout, &stderr)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tc.wantErr == "" && err != nil) || !strings.Contains(got, tc.wantErr) {
				t.Errorf("%s\nrun(%q): error %q, want one containing %q", tc.reason, tc.args, got, tc.wantErr)
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("%s\nrun(%q): stdout %q, want it to contain %q", tc.reason, tc.args, stdout.String(), tc.wantStdout)
			}
		})
	}
}

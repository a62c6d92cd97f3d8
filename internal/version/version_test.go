package version

import (
	"bytes"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/google/go-cmp/cmp"
)

func TestGet(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	type args struct {
		version, commit string
		bi              *debug.BuildInfo
	}
	cases := map[string]struct {
		reason string
		args   args
		want   Info
	}{
		"Stamped": {
			reason: "What the linker stamped wins over the build information.",
			args: args{version: "v0.2.0", commit: "1a2b3c4", bi: &debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Version: "v0.1.0"},
				Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "ffff"}},
			}},
			want: Info{Version: "v0.2.0", Commit: "1a2b3c4", GoVersion: "go1.26.8", Platform: platform},
		},
		"BuildInfo": {
			reason: "Unstamped, the module version and VCS revision the toolchain recorded are used, a modified tree marked.",
			args: args{bi: &debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Version: "v0.1.0"},
				Settings:  []debug.BuildSetting{{Key: "vcs.revision", Value: "ffff"}, {Key: "vcs.modified", Value: "true"}},
			}},
			want: Info{Version: "v0.1.0", Commit: "ffff-dirty", GoVersion: "go1.26.8", Platform: platform},
		},
		"Devel": {
			reason: "A go build in the repository, with -buildvcs=false, records nothing: both say unknown.",
			args:   args{bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}},
			want:   Info{Version: Unknown, Commit: Unknown, GoVersion: "go1.26.8", Platform: platform},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := get(tc.args.version, tc.args.commit, tc.args.bi)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nget(...): -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestFlag(t *testing.T) {
	var cli struct {
		Version Flag   `help:"Print the version and exit."`
		Source  string `arg:""`
	}
	var out bytes.Buffer
	exited := -1
	p, err := kong.New(&cli, kong.Name("function-test"), kong.Writers(&out, &out), kong.Exit(func(code int) { exited = code }))
	if err != nil {
		t.Fatal(err)
	}
	// The required argument is missing: --version prints and exits first.
	_, _ = p.Parse([]string{"--version"})
	if exited != 0 {
		t.Errorf("--version: exit code %d, want 0", exited)
	}
	want := "function-test " + Get().String() + "\n"
	if got := out.String(); got != want || !strings.Contains(got, runtime.Version()) {
		t.Errorf("--version: printed %q, want %q", got, want)
	}
}

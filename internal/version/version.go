// Package version says which build of CloudSpace a binary is: the release
// version and commit the build stamped into it, and the Go toolchain that
// compiled it. The Makefile and the package builder (internal/xpkg) stamp
// them with the linker:
//
//	go build -ldflags "-X github.com/cloudspace-dev/cloudspace/internal/version.version=v0.2.0 \
//	  -X github.com/cloudspace-dev/cloudspace/internal/version.commit=<sha>"
//
// Without a stamp it falls back to what the Go toolchain records in the
// binary's build information (a module version, a VCS revision), and then to
// "unknown".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/alecthomas/kong"
)

// Package is this package's import path, for -ldflags -X.
const Package = "github.com/cloudspace-dev/cloudspace/internal/version"

// Set by the linker; see the package documentation.
var (
	version string
	commit  string
)

// Unknown is what a field no build recorded says.
const Unknown = "unknown"

// Info describes a build.
type Info struct {
	// Version is the release version, e.g. v0.2.0.
	Version string
	// Commit is the VCS revision built.
	Commit string
	// GoVersion is the Go toolchain that compiled the binary.
	GoVersion string
	// Platform is the os/arch the binary runs on.
	Platform string
}

// Get returns the build of the running binary.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return get(version, commit, bi)
}

func get(version, commit string, bi *debug.BuildInfo) Info {
	i := Info{Version: version, Commit: commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		i.GoVersion = bi.GoVersion
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		modified := false
		rev := ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if i.Commit == "" && rev != "" {
			i.Commit = rev
			if modified {
				i.Commit += "-dirty"
			}
		}
	}
	if i.Version == "" {
		i.Version = Unknown
	}
	if i.Commit == "" {
		i.Commit = Unknown
	}
	return i
}

// String returns the build on one line, e.g.
// "v0.2.0 (commit 1a2b3c4, go1.26.8, linux/amd64)".
func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, %s, %s)", i.Version, i.Commit, i.GoVersion, i.Platform)
}

// Flag is a kong flag that prints the program's name and build, and exits:
//
//	Version version.Flag `help:"Print the version and exit."`
type Flag bool

// BeforeReset prints the version and exits before kong checks the other
// flags and arguments, so --version works whatever else is missing.
func (Flag) BeforeReset(app *kong.Kong) error {
	_, _ = fmt.Fprintln(app.Stdout, app.Model.Name, Get())
	app.Exit(0)
	return nil
}

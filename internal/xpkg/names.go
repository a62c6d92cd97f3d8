package xpkg

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// DependencyName returns the name Crossplane gives the package object it
// creates for a dependency on pkg, a package reference without tag or
// digest such as xpkg.cloudspace.dev/function-cloudspace. Crossplane's
// dependency resolver names it after the repository path without the
// registry, made a DNS label: a Composition's functionRef.name must equal
// this name for a function installed as a Configuration's dependency.
func DependencyName(pkg string) (string, error) {
	ref, err := name.ParseReference(pkg)
	if err != nil {
		return "", fmt.Errorf("cannot parse package %q: %w", pkg, err)
	}
	return dnsLabel(ref.Context().RepositoryStr()), nil
}

// dnsLabel is Crossplane's xpkg.ToDNSLabel, which is internal to Crossplane:
// it keeps lower case letters and digits, turns '.', '/', ':' and '-' into
// '-' except at either end, stops at 63 characters and trims '-'.
func dnsLabel(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			b.WriteByte(c)
		}
		if (c == '.' || c == '/' || c == ':' || c == '-') && (i != 0 && i != 62 && i != len(s)-1) {
			b.WriteByte('-')
		}
		if i == 62 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

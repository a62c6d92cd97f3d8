package rendertest

import (
	"fmt"
	"os"
	"path/filepath"
)

// CopyCRD copies one CRD file of a module directory into dir.
func CopyCRD(moduleDir, file, dir string) error {
	return copyFile(filepath.Join(moduleDir, file), filepath.Join(dir, filepath.Base(file)))
}

// ProviderCRDs copies the cluster-scoped CRDs of the given provider-aws API
// groups (for example "ec2", "iam") from the provider module into dir.
func ProviderCRDs(providerDir, dir string, groups ...string) error {
	for _, g := range groups {
		files, err := filepath.Glob(filepath.Join(providerDir, "package", "crds", g+".aws.upbound.io_*.yaml"))
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("no CRDs of group %s.aws.upbound.io in %s", g, providerDir)
		}
		for _, f := range files {
			if err := copyFile(f, filepath.Join(dir, filepath.Base(f))); err != nil {
				return err
			}
		}
	}
	return nil
}

// CrossplaneCache lays out Crossplane's own CRDs from the crossplane module
// where crossplane beta validate looks for the image CrossplaneImage, so it
// never downloads them.
func CrossplaneCache(crossplaneDir, cacheDir string) error {
	dst := filepath.Join(cacheDir, "xpkg.crossplane.io", "crossplane", "crossplane@v2.2.0")
	files, err := filepath.Glob(filepath.Join(crossplaneDir, "cluster", "crds", "*.yaml"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no Crossplane CRDs in %s", crossplaneDir)
	}
	for _, f := range files {
		if err := copyFile(f, filepath.Join(dst, filepath.Base(f))); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", src, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600) //nolint:gosec // dst is a test's temporary directory joined with a module file's base name.
}

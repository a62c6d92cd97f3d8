package xpkg

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Unpack writes the file system of img, its layers flattened, into dir, as a
// container runtime would before starting the entrypoint, so that tests can
// run what an image holds (in a chroot, say). It knows directories and
// regular files, which is all CloudSpace's runtime images hold, keeps their
// permission bits, and refuses any other entry and any path that leaves
// dir.
func Unpack(img v1.Image, dir string) error {
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot unpack image: %w", err)
		}
		name := path.Clean(h.Name)
		if name == "." {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("cannot unpack image: entry %q leaves the image root", h.Name)
		}
		to := filepath.Join(dir, filepath.FromSlash(name))
		mode := os.FileMode(h.Mode).Perm()
		if h.Mode&0o1000 != 0 {
			mode |= os.ModeSticky
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(to, 0o755); err != nil { //nolint:gosec // the mode is set below, as the image has it.
				return fmt.Errorf("cannot unpack image: %w", err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil { //nolint:gosec // parents not in the image are plain directories.
				return fmt.Errorf("cannot unpack image: %w", err)
			}
			f, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
			if err != nil {
				return fmt.Errorf("cannot unpack image: %w", err)
			}
			_, err = io.Copy(f, tr) //nolint:gosec // images are CloudSpace's own, built by the caller.
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("cannot unpack image file %q: %w", h.Name, err)
			}
		default:
			return fmt.Errorf("cannot unpack image: entry %q has type %q, want a directory or regular file", h.Name, h.Typeflag)
		}
		if err := os.Chmod(to, mode); err != nil {
			return fmt.Errorf("cannot unpack image: %w", err)
		}
	}
}

package billing

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// Legacy CUR may be delivered ZIP-compressed (<report>-1.csv.zip): an
// archive holding one CSV file. It is detected by its magic bytes, like
// gzip and Parquet, not by its name. A zip needs random access (its
// directory is at the end): a local file is opened again for it, a remote
// one is spooled to a temporary file, as remote Parquet is. The CRC-32 of
// the entry is checked at its end, so a damaged archive is an error.

var zipMagic = []byte("PK\x03\x04")

func isZip(magic []byte) bool { return bytes.HasPrefix(magic, zipMagic) }

// openZip returns the one data file of a zip archive read from r (the
// stream of s), and a function that releases what it holds.
func openZip(ctx context.Context, s Source, r io.Reader, o Options) (io.Reader, func(), error) {
	var ra io.ReaderAt
	var size int64
	var closers []func()
	release := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if rs, ok := s.(ReaderAtSource); ok {
		f, n, c, err := rs.OpenReaderAt(ctx)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, func() { _ = c.Close() })
		ra, size = f, n
	} else {
		f, err := os.CreateTemp(o.TempDir, "cloudspace-billing-*.zip")
		if err != nil {
			return nil, nil, fmt.Errorf("cannot create temporary file: %w", err)
		}
		closers = append(closers, func() { _ = os.Remove(f.Name()) }, func() { _ = f.Close() })
		n, err := io.Copy(f, r)
		if err != nil {
			release()
			return nil, nil, fmt.Errorf("cannot spool zip to %q: %w", f.Name(), err)
		}
		ra, size = f, n
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("cannot read zip: %w", err)
	}
	var entries []*zip.File
	for _, e := range zr.File {
		name := e.Name
		if e.FileInfo().IsDir() || strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(path.Base(name), ".") {
			continue
		}
		entries = append(entries, e)
	}
	if len(entries) != 1 {
		release()
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.Name
		}
		return nil, nil, fmt.Errorf("cannot read zip: it holds %d files %q; a CUR zip holds one CSV", len(entries), names)
	}
	rc, err := entries[0].Open()
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("cannot read %q in zip: %w", entries[0].Name, err)
	}
	closers = append(closers, func() { _ = rc.Close() })
	return zipEntry{rc: rc, name: entries[0].Name}, release, nil
}

// zipEntry names a failing entry in its errors.
type zipEntry struct {
	rc   io.ReadCloser
	name string
}

func (z zipEntry) Read(p []byte) (int, error) {
	n, err := z.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("cannot read %q in zip: %w", z.name, err)
	}
	return n, err
}

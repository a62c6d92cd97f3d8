package billing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
)

// A Source is one billing export file.
type Source interface {
	// URI names the source in records, logs and errors.
	URI() string
	// Open opens the file for reading. size is -1 when unknown.
	Open(ctx context.Context) (rc io.ReadCloser, size int64, err error)
}

// A ReaderAtSource can also be read at random, as Parquet and zip need.
// Sources that cannot are spooled to a temporary file first.
type ReaderAtSource interface {
	Source
	OpenReaderAt(ctx context.Context) (r io.ReaderAt, size int64, c io.Closer, err error)
}

// ObjectInfo is what a listing (an S3 prefix, a local directory) knew of a
// file before it was opened.
type ObjectInfo struct {
	// Size is the size listed: the body read must have exactly this size.
	Size int64
	// ETag is the S3 entity tag, empty for local files.
	ETag string
	// ModTime is the last modification time.
	ModTime time.Time
	// Manifest is the URI of the manifest that named the file as part of
	// the current delivery of its period, empty when no manifest did.
	Manifest string
}

// A ListedSource was found by a listing.
type ListedSource interface {
	Source
	// Listing returns what the listing knew, nil when the source was not
	// listed (a file named on the command line).
	Listing() *ObjectInfo
}

// FileSource is a local file.
type FileSource struct {
	Path string
	// Listed is set when the file was found in a directory.
	Listed *ObjectInfo
}

// URI returns the path.
func (s FileSource) URI() string { return s.Path }

// Listing returns what the directory listing knew of the file.
func (s FileSource) Listing() *ObjectInfo { return s.Listed }

// Open opens the file.
func (s FileSource) Open(_ context.Context) (io.ReadCloser, int64, error) {
	return openLocal(s.Path)
}

// OpenReaderAt opens the file for random access.
func (s FileSource) OpenReaderAt(_ context.Context) (io.ReaderAt, int64, io.Closer, error) {
	f, size, err := openLocal(s.Path)
	if err != nil {
		return nil, 0, nil, err
	}
	return f, size, f, nil
}

// HTTPSource is an HTTP(S) URL, read with a GET.
type HTTPSource struct {
	URL string
	// Client sends the request; nil is NewHTTPClient(Net).
	Client *http.Client
	// Net bounds the request: retries, and the idle timeout of the body.
	// The client's own transport holds the connect and header timeouts.
	Net NetOptions
}

// URI returns the URL with any credentials or query stripped.
func (s HTTPSource) URI() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return s.URL
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

// Open sends the GET, retrying as NetOptions say, and returns the body. A
// body that carries neither a Content-Length nor chunked encoding (HTTP/1
// closing the connection to end it) cannot be told from a cut one; it is
// returned as an unverifiedLength body, which the ingester checks as far as
// the file's own structure allows.
func (s HTTPSource) Open(ctx context.Context) (io.ReadCloser, int64, error) {
	o := s.Net.withDefaults()
	c := s.Client
	if c == nil {
		c = NewHTTPClient(o)
	}
	var rsp *http.Response
	var cancel context.CancelFunc
	err := withRetries(ctx, o, func(ctx context.Context) error {
		rctx, rcancel := context.WithCancel(ctx)
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, s.URL, nil)
		if err != nil {
			rcancel()
			return fmt.Errorf("cannot build request for %q: %w", s.URI(), err)
		}
		// We want the bytes as stored: never let the transport gunzip.
		req.Header.Set("Accept-Encoding", "identity")
		r, err := c.Do(req)
		if err != nil {
			rcancel()
			// The URL may hold a signature: name the source by its URI.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			err = fmt.Errorf("cannot get %q: %w", s.URI(), err)
			if ctx.Err() == nil && retryableNetError(err) {
				return &retryable{err: err}
			}
			return err
		}
		if r.StatusCode != http.StatusOK {
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 4<<10))
			_ = r.Body.Close()
			rcancel()
			err := fmt.Errorf("cannot get %q: %s", s.URI(), r.Status)
			if retryableStatus(r.StatusCode) {
				return &retryable{err: err, after: retryAfter(r.Header.Get("Retry-After"), time.Now())}
			}
			return err
		}
		rsp, cancel = r, rcancel
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	body := io.ReadCloser(newIdleReader(rsp.Body, o.IdleTimeout, cancel, s.URI()))
	if rsp.ProtoMajor == 1 && rsp.ContentLength < 0 && !slices.Contains(rsp.TransferEncoding, "chunked") {
		body = unverifiedLength{body}
	}
	return body, rsp.ContentLength, nil
}

// unverifiedLength is a body whose end may be a cut connection.
type unverifiedLength struct{ io.ReadCloser }

// TruncatedError is a body that ended before the size it should have, or
// went on past it.
type TruncatedError struct {
	URI string
	// Read is how many bytes were read, Want how many were expected (-1
	// when no size was known and the transport itself saw the cut).
	Read, Want int64
	// Err is what the transport said, if anything.
	Err error
}

func (e *TruncatedError) Error() string {
	switch {
	case e.Want >= 0 && e.Read > e.Want:
		return fmt.Sprintf("cannot read %q: got more than the %d bytes expected", e.URI, e.Want)
	case e.Want >= 0:
		return fmt.Sprintf("cannot read %q: truncated: read %d of %d bytes", e.URI, e.Read, e.Want)
	default:
		return fmt.Sprintf("cannot read %q: truncated after %d bytes: %v", e.URI, e.Read, e.Err)
	}
}

// Unwrap returns io.ErrUnexpectedEOF, so that a truncated body is never
// mistaken for the end of the file.
func (e *TruncatedError) Unwrap() error { return io.ErrUnexpectedEOF }

// body is an opened source checked against the size it should have: the
// size the source announced (Content-Length, S3 object size, file size)
// and the size its listing said. A body that ends early, or goes on past
// that size, fails with a *TruncatedError.
type body struct {
	rc   io.ReadCloser
	uri  string
	want int64 // -1 unknown
	n    int64
	last byte
	// unverified is a body whose length nothing announced.
	unverified bool
}

func openBody(ctx context.Context, s Source) (*body, error) {
	rc, size, err := s.Open(ctx)
	if err != nil {
		return nil, err
	}
	b := &body{rc: rc, uri: s.URI(), want: size}
	if b.want < 0 {
		b.want = -1
	}
	if _, ok := rc.(unverifiedLength); ok {
		b.unverified = true
	}
	if ls, ok := s.(ListedSource); ok {
		if l := ls.Listing(); l != nil {
			if b.want >= 0 && b.want != l.Size {
				_ = rc.Close()
				return nil, fmt.Errorf("cannot read %q: it is %d bytes but was listed with %d: it changed since it was listed (a delivery in progress?)", b.uri, b.want, l.Size)
			}
			b.want = l.Size
			b.unverified = false
		}
	}
	return b, nil
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if n > 0 {
		b.last = p[n-1]
	}
	switch {
	case b.want >= 0 && b.n > b.want:
		return n, &TruncatedError{URI: b.uri, Read: b.n, Want: b.want}
	case errors.Is(err, io.EOF) && b.want >= 0 && b.n < b.want:
		return n, &TruncatedError{URI: b.uri, Read: b.n, Want: b.want}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return n, &TruncatedError{URI: b.uri, Read: b.n, Want: b.want, Err: err}
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

// checkEnd is called at the end of a plain (uncompressed) CSV file. When
// nothing announced the length of the body, a last line without a newline
// is taken for a cut: AWS and FOCUS exporters end every line.
func (b *body) checkEnd() error {
	if !b.unverified || b.n == 0 || b.last == '\n' {
		return nil
	}
	return fmt.Errorf("cannot read %q: the server sent neither a Content-Length nor chunked encoding, and the body ends after %d bytes without a final newline: truncated?", b.uri, b.n)
}

// SourceOptions say how to reach the sources of ParseSource.
type SourceOptions struct {
	// S3 is the client for s3:// sources; nil rejects them.
	S3 S3API
	// HTTP is the client for http(s):// sources; nil is NewHTTPClient(Net).
	HTTP *http.Client
	// Net bounds network sources.
	Net NetOptions
	// Log receives a line per manifest honoured and per file it ruled out.
	Log logr.Logger
}

// ParseSource turns a command line argument into sources: a path, a
// directory, an http(s):// URL, an s3://bucket/key URL, an
// s3://bucket/prefix/ or an opencost+http(s):// query of OpenCost's
// allocation API (opencost.go). A directory and an s3:// URL ending in "/" are
// expanded recursively to their billing data files (see layout.go), with
// the manifests AWS delivers beside them honoured.
func ParseSource(ctx context.Context, arg string, o SourceOptions) ([]Source, error) {
	if o.Log.GetSink() == nil {
		o.Log = logr.Discard()
	}
	switch {
	case strings.HasPrefix(arg, OpenCostScheme+"http://"), strings.HasPrefix(arg, OpenCostScheme+"https://"):
		hc := o.HTTP
		if hc == nil {
			hc = NewHTTPClient(o.Net)
		}
		return []Source{OpenCostSource{HTTPSource{URL: strings.TrimPrefix(arg, OpenCostScheme), Client: hc, Net: o.Net}}}, nil
	case strings.HasPrefix(arg, "http://"), strings.HasPrefix(arg, "https://"):
		hc := o.HTTP
		if hc == nil {
			hc = NewHTTPClient(o.Net)
		}
		return []Source{HTTPSource{URL: arg, Client: hc, Net: o.Net}}, nil
	case strings.HasPrefix(arg, "s3://"):
		if o.S3 == nil {
			return nil, fmt.Errorf("cannot read %q: no S3 client", arg)
		}
		bucket, key, _ := strings.Cut(strings.TrimPrefix(arg, "s3://"), "/")
		if bucket == "" {
			return nil, fmt.Errorf("cannot parse %q: no bucket", arg)
		}
		if key == "" || strings.HasSuffix(key, "/") {
			return listS3(ctx, o.S3, bucket, key, o)
		}
		return []Source{S3Source{Client: o.S3, Bucket: bucket, Key: key, IdleTimeout: o.Net.withDefaults().IdleTimeout}}, nil
	}
	fi, err := os.Stat(arg)
	if err == nil && fi.IsDir() {
		return listDir(ctx, arg, o)
	}
	return []Source{FileSource{Path: arg}}, nil
}

// listDir expands a local directory like an S3 prefix: every data file
// under it, recursively (symbolic links to directories are not followed),
// with manifests honoured, sorted by path.
func listDir(ctx context.Context, dir string, o SourceOptions) ([]Source, error) {
	var files []listedFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, listedFile{key: filepath.ToSlash(path), size: fi.Size(), modTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot list %q: %w", dir, err)
	}
	read := func(_ context.Context, key string) ([]byte, error) {
		return readLimited(filepath.FromSlash(key))
	}
	picked, err := resolveListing(ctx, files, read, filepath.FromSlash, o.Log)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(picked))
	for _, p := range picked {
		out = append(out, FileSource{Path: filepath.FromSlash(p.key), Listed: p.info()})
	}
	return out, nil
}

// maxManifestBytes bounds a manifest read into memory.
const maxManifestBytes = 64 << 20

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAllLimited(f)
}

func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxManifestBytes)
	}
	return b, nil
}

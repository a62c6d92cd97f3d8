package billing

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// A Source is one billing export file.
type Source interface {
	// URI names the source in records, logs and errors.
	URI() string
	// Open opens the file for reading. size is -1 when unknown.
	Open(ctx context.Context) (rc io.ReadCloser, size int64, err error)
}

// A ReaderAtSource can also be read at random, as Parquet needs. Sources
// that cannot are spooled to a temporary file first.
type ReaderAtSource interface {
	Source
	OpenReaderAt(ctx context.Context) (r io.ReaderAt, size int64, c io.Closer, err error)
}

// FileSource is a local file.
type FileSource struct {
	Path string
}

// URI returns the path.
func (s FileSource) URI() string { return s.Path }

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
	URL    string
	Client *http.Client
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

// Open sends the GET and returns the body.
func (s HTTPSource) Open(ctx context.Context) (io.ReadCloser, int64, error) {
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot build request for %q: %w", s.URI(), err)
	}
	// We want the bytes as stored: never let the transport gunzip.
	req.Header.Set("Accept-Encoding", "identity")
	rsp, err := c.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot get %q: %w", s.URI(), err)
	}
	if rsp.StatusCode != http.StatusOK {
		_ = rsp.Body.Close()
		return nil, 0, fmt.Errorf("cannot get %q: %s", s.URI(), rsp.Status)
	}
	return rsp.Body, rsp.ContentLength, nil
}

// ParseSource turns a command line argument into sources: a path, an
// http(s):// URL, or an s3://bucket/key URL. An s3:// URL ending in "/" is a
// prefix and expands to every object under it, which needs the S3 client.
func ParseSource(ctx context.Context, arg string, s3c S3API, hc *http.Client) ([]Source, error) {
	switch {
	case strings.HasPrefix(arg, "http://"), strings.HasPrefix(arg, "https://"):
		return []Source{HTTPSource{URL: arg, Client: hc}}, nil
	case strings.HasPrefix(arg, "s3://"):
		if s3c == nil {
			return nil, fmt.Errorf("cannot read %q: no S3 client", arg)
		}
		bucket, key, _ := strings.Cut(strings.TrimPrefix(arg, "s3://"), "/")
		if bucket == "" {
			return nil, fmt.Errorf("cannot parse %q: no bucket", arg)
		}
		if key == "" || strings.HasSuffix(key, "/") {
			return ListS3(ctx, s3c, bucket, key)
		}
		return []Source{S3Source{Client: s3c, Bucket: bucket, Key: key}}, nil
	}
	return []Source{FileSource{Path: arg}}, nil
}

package billing

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3API is the part of the S3 client the sources use.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// NewS3Client returns an S3 client configured by the AWS SDK's default
// credential chain (environment, shared config, web identity, IMDS). A
// non-empty endpoint overrides the service endpoint and selects path-style
// addressing, for S3-compatible stores.
//
// The client's HTTP transport has the connect and response header timeouts
// of n; its retryer is the SDK's standard one (throttling codes such as
// SlowDown, 500, 502, 503, 504 and connection errors are retried) with
// n.MaxAttempts, the backoff of n (exponential, jittered, capped at
// n.MaxRetryDelay) and no client-side retry quota, so that a long ingest
// is not cut short by a burst of throttling.
func NewS3Client(ctx context.Context, region, endpoint string, n NetOptions) (*s3.Client, error) {
	n = n.withDefaults()
	hc := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = n.ConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = n.ConnectTimeout
			t.ResponseHeaderTimeout = n.ResponseHeaderTimeout
		})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(hc),
		config.WithRetryer(func() aws.Retryer { return s3Retryer(n) }),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot load AWS configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Billing exports carry no S3 checksums: do not log that for every
		// object. The body is checked against its size instead.
		o.DisableLogOutputChecksumValidationSkipped = true
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	}), nil
}

func s3Retryer(n NetOptions) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = n.MaxAttempts
		o.MaxBackoff = n.MaxRetryDelay
		o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
			return n.backoff(attempt), nil
		})
		o.RateLimiter = ratelimit.None
	})
}

// S3Source is one S3 object.
type S3Source struct {
	Client S3API
	Bucket string
	Key    string
	// Listed is set when the object was found by listing a prefix.
	Listed *ObjectInfo
	// IdleTimeout bounds each read of the body; 0 is DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// URI returns s3://bucket/key.
func (s S3Source) URI() string { return "s3://" + s.Bucket + "/" + s.Key }

// Listing returns what the listing knew of the object.
func (s S3Source) Listing() *ObjectInfo { return s.Listed }

// Open gets the object. Retries are the client's (see NewS3Client); the
// body fails when it sends nothing for the idle timeout.
func (s S3Source) Open(ctx context.Context) (io.ReadCloser, int64, error) {
	idle := s.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	rctx, cancel := context.WithCancel(ctx)
	in := &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(s.Key)}
	if s.Listed != nil && s.Listed.ETag != "" {
		// Read the very object that was listed, not a newer delivery.
		in.IfMatch = aws.String(s.Listed.ETag)
	}
	out, err := s.Client.GetObject(rctx, in)
	if err != nil {
		cancel()
		return nil, 0, fmt.Errorf("cannot get %q: %w", s.URI(), err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return newIdleReader(out.Body, idle, cancel, s.URI()), size, nil
}

// listS3 returns a source for every billing data object under a prefix,
// sorted by key, with the manifests AWS delivers beside them honoured (see
// resolveListing).
func listS3(ctx context.Context, c S3API, bucket, prefix string, o SourceOptions) ([]Source, error) {
	n := o.Net.withDefaults()
	var files []listedFile
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	for {
		// A page is small: bound it as a whole, retries included, so that
		// a listing stalled midway cannot hang a run.
		pctx, cancel := context.WithTimeout(ctx, time.Duration(n.MaxAttempts)*(n.ResponseHeaderTimeout+n.IdleTimeout+n.MaxRetryDelay))
		page, err := c.ListObjectsV2(pctx, in)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("cannot list %q: %w", "s3://"+bucket+"/"+prefix, err)
		}
		for _, obj := range page.Contents {
			f := listedFile{key: aws.ToString(obj.Key), size: aws.ToInt64(obj.Size), etag: aws.ToString(obj.ETag)}
			if obj.LastModified != nil {
				f.modTime = *obj.LastModified
			}
			files = append(files, f)
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	idle := n.IdleTimeout
	read := func(ctx context.Context, key string) ([]byte, error) {
		rc, _, err := S3Source{Client: c, Bucket: bucket, Key: key, IdleTimeout: idle}.Open(ctx)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return readAllLimited(rc)
	}
	uri := func(key string) string { return "s3://" + bucket + "/" + key }
	picked, err := resolveListing(ctx, files, read, uri, o.Log)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(picked))
	for _, p := range picked {
		out = append(out, S3Source{Client: c, Bucket: bucket, Key: p.key, Listed: p.info(), IdleTimeout: idle})
	}
	return out, nil
}

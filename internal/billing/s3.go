package billing

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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
func NewS3Client(ctx context.Context, region, endpoint string) (*s3.Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot load AWS configuration: %w", err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	}), nil
}

// S3Source is one S3 object.
type S3Source struct {
	Client S3API
	Bucket string
	Key    string
}

// URI returns s3://bucket/key.
func (s S3Source) URI() string { return "s3://" + s.Bucket + "/" + s.Key }

// Open gets the object.
func (s S3Source) Open(ctx context.Context) (io.ReadCloser, int64, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(s.Key)})
	if err != nil {
		return nil, 0, fmt.Errorf("cannot get %q: %w", s.URI(), err)
	}
	size := int64(-1)
	if out.ContentLength != nil {
		size = *out.ContentLength
	}
	return out.Body, size, nil
}

// ListS3 returns a source for every billing data object under a prefix,
// sorted by key. It skips "directories" and the manifests and metadata AWS
// writes beside the data.
func ListS3(ctx context.Context, c S3API, bucket, prefix string) ([]Source, error) {
	var out []Source
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	for {
		page, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("cannot list %q: %w", "s3://"+bucket+"/"+prefix, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if strings.HasSuffix(k, "/") || !isDataKey(k) {
				continue
			}
			out = append(out, S3Source{Client: c, Bucket: bucket, Key: k})
		}
		if !aws.ToBool(page.IsTruncated) || page.NextContinuationToken == nil {
			break
		}
		in.ContinuationToken = page.NextContinuationToken
	}
	slices.SortFunc(out, func(a, b Source) int { return strings.Compare(a.URI(), b.URI()) })
	return out, nil
}

func isDataKey(k string) bool {
	for _, ext := range []string{".csv", ".csv.gz", ".gz", ".parquet", ".snappy.parquet"} {
		if strings.HasSuffix(strings.ToLower(k), ext) {
			return true
		}
	}
	return false
}

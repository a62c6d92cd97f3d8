// Package billing ingests cloud billing exports (FOCUS 1.0 to 1.3, AWS CUR
// 2.0 and legacy CUR; CSV, gzip- and zip-compressed CSV and Parquet; from
// files, directories, HTTP(S) URLs and S3, with the manifests of the AWS
// export layouts honoured: see layout.go) into exact per-space, per-month
// spend records.
//
// Rows are attributed to a CloudSpace by the value of a tag (default
// "cloudspace"; for CUR also "user:cloudspace" and resource_tags_user_cloudspace
// columns). The value must be a valid XCloudSpace name; other rows are kept
// as unattributed spend per account. CUR cost columns become FOCUS BilledCost,
// EffectiveCost and ListCost by the rules in costs.go. Money is exact: see
// money.go. Every ingest returns a Summary of where its rows went.
//
// Ingest is all or nothing: a file that cannot be read, or has more bad
// rows than allowed, rejects the whole ingest so that no record of any
// period is partially overwritten. Records hold no ingest time, so
// re-ingesting the same files yields byte-identical records.
package billing

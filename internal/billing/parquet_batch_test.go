package billing

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// TestIngestParquetBadRows checks that bad Parquet rows, processed by a
// goroutine of their own, are reported with their row group and row, in
// order, and that --max-errors tolerates them as it does for CSV.
func TestIngestParquetBadRows(t *testing.T) {
	fixture := focusFixtureAsParquet(t)
	rows, err := parquet.Read[focusParquet](bytes.NewReader(fixture), int64(len(fixture)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 8 {
		t.Fatalf("want a fixture of at least 8 rows, got %d", len(rows))
	}
	rows[5].ListCost, rows[6].ListCost = "abc", "1e"
	var buf bytes.Buffer
	// Row groups of 4 rows: rows 5 and 6 are rows 1 and 2 of row group 1.
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(4)); err != nil {
		t.Fatal(err)
	}
	bad := []*RowError{
		{File: "f.parquet", RowGroup: 1, Row: 1, Column: "ListCost", Message: `column "ListCost": value "abc": not a decimal number`},
		{File: "f.parquet", RowGroup: 1, Row: 2, Column: "ListCost", Message: `column "ListCost": value "1e": not a decimal number`},
	}
	type want struct {
		rejected []*RowError // the rows of the FileError, nil when accepted
		warnings []*RowError
		rows     int64
	}
	cases := map[string]struct {
		reason    string
		maxErrors int64
		want      want
	}{
		"Rejected": {
			reason:    "The first bad row rejects the file, named by its row group and row.",
			maxErrors: 0,
			want:      want{rejected: bad[:1]},
		},
		"Tolerated": {
			reason:    "Bad rows up to --max-errors are skipped, reported in order, and the other rows summed.",
			maxErrors: 2,
			want:      want{warnings: bad, rows: int64(len(rows) - 2)},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{bytesSource{name: "f.parquet", b: buf.Bytes()}}, Options{MaxErrors: tc.maxErrors, Workers: 2})
			if tc.want.rejected != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("\n%s\nIngest(...): want *FileError, got %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.want.rejected, fe.Rows); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want bad rows, +got:\n%s", tc.reason, diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want.warnings, res.Files[0].Warnings); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want warnings, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.rows, res.Files[0].Rows); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want rows, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

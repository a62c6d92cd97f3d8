package billing

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIngestStrayQuote checks that a quote inside an unquoted cell reads the
// same whatever the size of the file and of the blocks it is cut into: a
// bad row when the quotes of its line balance, else the rejection of the
// file naming the line and column. Before, a small file read the quote
// literally and a large one failed with "record longer than 8388608 bytes".
func TestIngestStrayQuote(t *testing.T) {
	// Enough rows after the quote for the reader to give up on finding a
	// record end, 8 MiB past it.
	var tail strings.Builder
	for tail.Len() < maxRecordBytes+(1<<20) {
		tail.WriteString(focusRow(nil))
	}
	type want struct {
		err    string // the error, or "" when the file is read
		rows   int64
		errors []*RowError
	}
	cases := map[string]struct {
		reason string
		data   string
		want   want
	}{
		"Unbalanced": {
			reason: "A lone quote in an unquoted cell makes every later line end inside quotes: the file is rejected naming the line and column.",
			data:   focusHeader + focusRow(nil) + focusRow(map[int]string{13: `Amazon 5" disks`}),
			want:   want{err: `cannot ingest "f.csv": cannot read line 3: column "ServiceName": quote inside an unquoted cell, and the quotes do not balance at the end of its line, so the rest of the file cannot be read (quote the cell and double its quotes)`},
		},
		"Balanced": {
			reason: "Quotes inside an unquoted cell that balance on their line make one bad row, tolerated by --max-errors.",
			data:   focusHeader + focusRow(nil) + focusRow(map[int]string{13: `Amazon "EC2"`}),
			want: want{rows: 1 + int64(strings.Count(tail.String(), "\n")), errors: []*RowError{
				{File: "f.csv", Line: 3, RowGroup: -1, Column: "ServiceName", Message: `column "ServiceName": quote inside an unquoted cell`},
			}},
		},
		"AfterClosingQuote": {
			reason: "Text after a closing quote with an odd number of quotes on the line rejects the file.",
			data:   focusHeader + focusRow(nil) + focusRow(map[int]string{13: `"Amazon"EC2"`}),
			want:   want{err: `cannot ingest "f.csv": cannot read line 3: column "ServiceName": unexpected character after closing quote, and the quotes do not balance`},
		},
	}
	old := blockSize
	t.Cleanup(func() { blockSize = old })
	for name, tc := range cases {
		for _, size := range []struct {
			name  string
			block int
			tail  string
		}{
			{"Small", old, ""},
			{"Large", 64 << 10, tail.String()},
		} {
			t.Run(name+size.name, func(t *testing.T) {
				blockSize = size.block
				data := tc.data + size.tail
				res, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: []byte(data)}}, Options{MaxErrors: 1, Workers: 2})
				if tc.want.err != "" {
					var fe *FileError
					if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tc.want.err) {
						t.Fatalf("\n%s\nIngest(...): want *FileError starting %q, got %v", tc.reason, tc.want.err, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
				}
				rows := tc.want.rows
				if size.tail == "" {
					rows = 1
				}
				if diff := cmp.Diff([]any{rows, tc.want.errors}, []any{res.Files[0].Rows, res.Files[0].Warnings}); diff != "" {
					t.Errorf("\n%s\nIngest(...): -want rows and warnings, +got:\n%s", tc.reason, diff)
				}
			})
		}
	}
}

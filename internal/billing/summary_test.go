package billing

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// TestIngestSummary checks that nothing vanishes quietly: every row is
// summed into a record or counted as skipped, and rows whose tag did not
// attribute as it seems meant to are counted with their money.
func TestIngestSummary(t *testing.T) {
	nov := mustTime(t, "2026-11-01T00:00:00Z")
	var pq bytes.Buffer
	if err := parquet.Write(&pq, []cur2Parquet{
		{nov, "111", nov, nov.Add(time.Hour), 1.25, "USD", nil, map[string]string{"user_CloudSpace": "team-a"}},
		{nov, "111", nov, nov.Add(time.Hour), 0.5, "USD", nil, map[string]string{"user_cloudspace": "team-a"}},
	}); err != nil {
		t.Fatal(err)
	}
	type args struct {
		name string
		data []byte
		opts Options
	}
	cases := map[string]struct {
		reason string
		args   args
		want   Summary
	}{
		"FOCUS": {
			reason: "A tag key matching only ignoring case and a tag value that cannot name a space are counted, with their money and values; they stay unattributed.",
			args:   args{name: "focus-1.0.csv", data: readFile(t, "testdata/focus-1.0.csv")},
			want: Summary{
				Files: 1, Rows: 14,
				BilledCost: Money{"USD": "8783.3296789012345"}, AttributedCost: Money{"USD": "17.5796789012345"}, UnattributedCost: Money{"USD": "8765.75"},
				InvalidTag: TagProblem{Rows: 1, BilledCost: Money{"USD": "1.25"}, Values: []string{"Team_A"}},
				TagKeyCase: TagProblem{Rows: 1, BilledCost: Money{"USD": "3"}, Values: []string{"CloudSpace"}},
			},
		},
		"FOCUSIgnoreCase": {
			reason: "With --tag-key-ignore-case the key CloudSpace attributes, and is still reported.",
			args:   args{name: "focus-1.0.csv", data: readFile(t, "testdata/focus-1.0.csv"), opts: Options{TagKeyIgnoreCase: true}},
			want: Summary{
				Files: 1, Rows: 14, TagKeyIgnoreCase: true,
				BilledCost: Money{"USD": "8783.3296789012345"}, AttributedCost: Money{"USD": "20.5796789012345"}, UnattributedCost: Money{"USD": "8762.75"},
				InvalidTag: TagProblem{Rows: 1, BilledCost: Money{"USD": "1.25"}, Values: []string{"Team_A"}},
				TagKeyCase: TagProblem{Rows: 1, BilledCost: Money{"USD": "3"}, Values: []string{"CloudSpace"}},
			},
		},
		"Skipped": {
			reason: "Rows skipped under --max-errors are counted with the cost that can still be read; the others are of unknown cost.",
			args: args{name: "f.csv", opts: Options{MaxErrors: 4}, data: []byte(focusHeader + focusRow(nil) +
				focusRow(map[int]string{7: "2026-13-01T00:00:00Z"}) + // a bad timestamp: its 1.5 is known
				focusRow(map[int]string{9: "NaN", 0: "2"}) + // a bad effective cost: its billed 2 is known
				focusRow(map[int]string{0: "abc"}) + // a bad billed cost: unknown
				"1,2,3\n")}, // a bad row: unknown
			want: Summary{
				Files: 1, Rows: 1,
				BilledCost: Money{"USD": "1.5"}, AttributedCost: Money{"USD": "1.5"}, UnattributedCost: Money{},
				Skipped: Skipped{Rows: 4, BilledCost: Money{"USD": "3.5"}, UnknownCostRows: 2},
			},
		},
		"LegacyColumnCase": {
			reason: "A legacy CUR tag column whose name matches only ignoring case is counted; its rows stay unattributed.",
			args: args{name: "legacy.csv", data: []byte("bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/UnblendedCost,lineItem/CurrencyCode,lineItem/UsageAccountId,resourceTags/user:cloudspace,resourceTags/user:CloudSpace\n" +
				"2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-01T01:00:00Z,2,USD,1,team-b,\n" +
				"2026-11-01T00:00:00Z,2026-11-01T00:00:00Z,2026-11-01T01:00:00Z,3,USD,1,,team-c\n")},
			want: Summary{
				Files: 1, Rows: 2,
				BilledCost: Money{"USD": "5"}, AttributedCost: Money{"USD": "2"}, UnattributedCost: Money{"USD": "3"},
				TagKeyCase: TagProblem{Rows: 1, BilledCost: Money{"USD": "3"}, Values: []string{"resourceTags/user:CloudSpace"}},
			},
		},
		"ParquetMapCase": {
			reason: "A Parquet tags map key that matches only ignoring case is counted.",
			args:   args{name: "cur.parquet", data: pq.Bytes()},
			want: Summary{
				Files: 1, Rows: 2,
				BilledCost: Money{"USD": "1.75"}, AttributedCost: Money{"USD": "0.5"}, UnattributedCost: Money{"USD": "1.25"},
				TagKeyCase: TagProblem{Rows: 1, BilledCost: Money{"USD": "1.25"}, Values: []string{"user_CloudSpace"}},
			},
		},
		"ParquetMapIgnoreCase": {
			reason: "With --tag-key-ignore-case it attributes.",
			args:   args{name: "cur.parquet", data: pq.Bytes(), opts: Options{TagKeyIgnoreCase: true}},
			want: Summary{
				Files: 1, Rows: 2, TagKeyIgnoreCase: true,
				BilledCost: Money{"USD": "1.75"}, AttributedCost: Money{"USD": "1.75"}, UnattributedCost: Money{},
				TagKeyCase: TagProblem{Rows: 1, BilledCost: Money{"USD": "1.25"}, Values: []string{"user_CloudSpace"}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{bytesSource{name: tc.args.name, b: tc.args.data}}, tc.args.opts)
			if err != nil {
				t.Fatalf("\n%s\nIngest(...): %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, res.Summary); diff != "" {
				t.Errorf("\n%s\nIngest(...): -want summary, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestIngestSummaryOfRejectedRun checks that a rejected run still says what
// it skipped.
func TestIngestSummaryOfRejectedRun(t *testing.T) {
	data := []byte(focusHeader + focusRow(nil) + focusRow(map[int]string{7: "x"}) + focusRow(map[int]string{7: "y"}))
	res, err := Ingest(t.Context(), []Source{bytesSource{name: "f.csv", b: data}}, Options{MaxErrors: 1})
	if err == nil {
		t.Fatal("Ingest(...): want an error for more bad rows than --max-errors")
	}
	if diff := cmp.Diff(Skipped{Rows: 2, BilledCost: Money{"USD": "3"}}, res.Summary.Skipped); diff != "" {
		t.Errorf("Ingest(...): -want skipped, +got:\n%s", diff)
	}
}

package synth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"
)

func TestWrite(t *testing.T) {
	cases := map[string]struct {
		reason string
		c      Config
		header string
	}{
		"FOCUS": {reason: "A FOCUS export starts with the FOCUS header.", c: Config{Format: FOCUS, Bytes: 64 << 10, Seed: 1}, header: strings.Join(focusHeader, ",")},
		"CUR":   {reason: "A CUR export starts with the CUR 2.0 header.", c: Config{Format: CUR, Bytes: 64 << 10, Seed: 1}, header: strings.Join(curHeader, ",")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var a, b bytes.Buffer
			st, err := Write(&a, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Write(&b, tc.c); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("\n%s\nWrite(...): the same seed must give the same bytes", tc.reason)
			}
			lines := strings.Split(strings.TrimSuffix(a.String(), "\n"), "\n")
			if diff := cmp.Diff(tc.header, lines[0]); diff != "" {
				t.Errorf("\n%s\nWrite(...): -want header, +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff([]int64{int64(a.Len()), int64(len(lines) - 1)}, []int64{st.Bytes, st.Rows}); diff != "" {
				t.Errorf("\n%s\nWrite(...): -want bytes and rows, +got stats:\n%s", tc.reason, diff)
			}
			if st.Bytes < tc.c.Bytes || st.Bytes > tc.c.Bytes+4096 {
				t.Errorf("\n%s\nWrite(...): want about %d bytes, got %d", tc.reason, tc.c.Bytes, st.Bytes)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	cases := map[int64]string{0: "0", 1: "0.0000000001", 15000000000: "1.5", -25000000000: "-2.5", 123456789012: "12.3456789012"}
	for units, want := range cases {
		if diff := cmp.Diff(want, string(money(nil, units))); diff != "" {
			t.Errorf("money(%d): -want, +got:\n%s", units, diff)
		}
	}
}

func TestWriteExport(t *testing.T) {
	c := ExportConfig{Bytes: 256 << 10, Seed: 5, Untagged: 0.1}
	var a, b bytes.Buffer
	st, err := WriteExport(&a, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteExport(&b, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("WriteExport(...): the same seed must give the same bytes")
	}
	if st.Bytes != int64(a.Len()) || st.Bytes < c.Bytes {
		t.Errorf("WriteExport(...): want at least %d bytes, counted as written; got %d, wrote %d", c.Bytes, st.Bytes, a.Len())
	}
	recs, err := csv.NewReader(bytes.NewReader(a.Bytes())).ReadAll()
	if err != nil {
		t.Fatalf("WriteExport(...): not CSV: %v", err)
	}
	if diff := cmp.Diff(ExportHeader(), recs[0]); diff != "" {
		t.Errorf("WriteExport(...): -want header, +got:\n%s", diff)
	}
	if int64(len(recs)-1) != st.Rows {
		t.Errorf("WriteExport(...): %d rows counted, %d written", st.Rows, len(recs)-1)
	}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
	}
	ids, tagged := map[string]bool{}, 0
	for _, r := range recs[1:] {
		ids[r[col["ResourceId"]]] = true
		if tags := r[col["Tags"]]; tags != "" {
			var m map[string]string
			if err := json.Unmarshal([]byte(tags), &m); err != nil {
				t.Fatalf("WriteExport(...): Tags %q: %v", tags, err)
			}
			if m["cloudspace"] != "" {
				tagged++
			}
		}
	}
	// Most rows bill a resource of their own; about 10 % of resources and
	// the tax rows are untagged.
	if n := len(ids); float64(n) < 0.6*float64(st.Rows) {
		t.Errorf("WriteExport(...): want a distinct ResourceId on most rows, got %d for %d rows", n, st.Rows)
	}
	if share := float64(tagged) / float64(st.Rows); share < 0.8 || share > 0.95 {
		t.Errorf("WriteExport(...): want about 88 %% of rows tagged with a space, got %.1f %%", 100*share)
	}
	// Every string cell is quoted: a data line of the file has a quote
	// before each string cell, so the first cell, a zone or a null, and
	// the second, a number, are bare.
	line := strings.SplitN(a.String(), "\n", 3)[1]
	if !strings.Contains(line, `,"987654321098","Example Corp",`) || !strings.Contains(line, `""cloudspace""`) && !strings.Contains(line, `""Name""`) {
		t.Errorf("WriteExport(...): want quoted string cells and doubled quotes in Tags, got %q", line)
	}
}

func TestWriteExportParquet(t *testing.T) {
	c := ExportConfig{Rows: 2000, Seed: 9, Untagged: 0.1, RowGroupRows: 500}
	var csvBuf, pqBuf bytes.Buffer
	cst, err := WriteExport(&csvBuf, c)
	if err != nil {
		t.Fatal(err)
	}
	pst, err := WriteExportParquet(&pqBuf, c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cst, pst); diff != "" {
		t.Errorf("WriteExportParquet(...): -CSV stats, +Parquet stats:\n%s", diff)
	}
	rows, err := parquet.Read[ExportRow](bytes.NewReader(pqBuf.Bytes()), int64(pqBuf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(csvBuf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
	}
	if len(rows) != len(recs)-1 {
		t.Fatalf("WriteExportParquet(...): %d rows, the CSV has %d", len(rows), len(recs)-1)
	}
	for i, r := range rows {
		rec := recs[i+1]
		var tags map[string]string
		if s := rec[col["Tags"]]; s != "" {
			if err := json.Unmarshal([]byte(s), &tags); err != nil {
				t.Fatal(err)
			}
		}
		id := ""
		if r.ResourceID != nil {
			id = *r.ResourceID
		}
		want := []string{rec[col["BilledCost"]], rec[col["EffectiveCost"]], rec[col["ChargePeriodStart"]], rec[col["ResourceId"]]}
		got := []string{strconv.FormatFloat(r.BilledCost, 'f', -1, 64), strconv.FormatFloat(r.EffectiveCost, 'f', -1, 64), r.ChargePeriodStart.UTC().Format(time.RFC3339), id}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("row %d: -CSV, +Parquet:\n%s", i, diff)
		}
		if diff := cmp.Diff(tags, r.Tags, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("row %d tags: -CSV, +Parquet:\n%s", i, diff)
		}
	}
}

func TestSpaceName(t *testing.T) {
	seen := map[string]bool{}
	for i := range 1200 {
		n := SpaceName(i)
		if seen[n] || len(n) > 63 || strings.ToLower(n) != n {
			t.Fatalf("SpaceName(%d) = %q: want distinct lower case names", i, n)
		}
		seen[n] = true
	}
}

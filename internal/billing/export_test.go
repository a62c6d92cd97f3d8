package billing

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
	"github.com/shopspring/decimal"

	"github.com/cloudspace-dev/cloudspace/internal/billing/synth"
)

// The tests of this file read exports shaped like real ones
// (synth.WriteExport): every string quoted, JSON Tags with doubled quotes
// and keys in varying order, a resource of its own on most rows, ten
// fraction digits, the same rows as CSV and as Parquet.

// TestProjectedRows checks the Parquet reader's column projection against
// parquet-go's own row reader: the same values of the columns in use, row
// by row, across pages and row groups, nulls and tag maps included.
func TestProjectedRows(t *testing.T) {
	var buf bytes.Buffer
	if _, err := synth.WriteExportParquet(&buf, synth.ExportConfig{Rows: 3000, Seed: 3, Untagged: 0.2, Spaces: 20, RowGroupRows: 700, PageBytes: 2048}); err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	leaves := f.Schema().Columns()
	roles := make([]leafRole, len(leaves))
	for i, p := range leaves {
		roles[i].col = -1
		switch {
		case p[0] == "Tags" && p[len(p)-1] == "key":
			roles[i].tagKey = true
		case p[0] == "Tags" && p[len(p)-1] == "value":
			roles[i].tagVal = true
		case len(p) == 1 && (p[0] == "BilledCost" || p[0] == "ResourceId" || p[0] == "AvailabilityZone" || p[0] == "ChargePeriodStart" || p[0] == "x_UsageType"):
			roles[i].col = cBilled // any column: only whether it is read matters
		}
	}
	if len(f.RowGroups()) < 4 {
		t.Fatalf("want several row groups, got %d", len(f.RowGroups()))
	}
	for gi, rg := range f.RowGroups() {
		rows := rg.Rows()
		pr := newProjectedRows(rg, roles)
		batch := make([]parquet.Row, 1)
		var got []parquet.Value
		for i := int64(0); ; i++ {
			n, err := rows.ReadRows(batch)
			if n == 0 {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("row group %d: ReadRows: %v", gi, err)
				}
				break
			}
			var want []parquet.Value
			for _, v := range batch[0] {
				if r := roles[v.Column()]; r.col >= 0 || r.tagKey || r.tagVal {
					want = append(want, v.Clone())
				}
			}
			if got, err = pr.next(got[:0]); err != nil {
				t.Fatalf("row group %d row %d: next: %v", gi, i, err)
			}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b parquet.Value) bool {
				return parquet.Equal(a, b) && a.Column() == b.Column() && a.RepetitionLevel() == b.RepetitionLevel() && a.DefinitionLevel() == b.DefinitionLevel()
			})); diff != "" {
				t.Fatalf("row group %d row %d: -parquet-go rows, +projected:\n%s", gi, i, diff)
			}
		}
		_ = rows.Close()
		pr.close()
	}
}

// TestExportAgainstReference ingests the same generated export as CSV and
// as Parquet, with small blocks and two workers, and checks both against a
// slow reference: encoding/csv, encoding/json and decimal, money summed per
// space (or unattributed account) and billing period.
func TestExportAgainstReference(t *testing.T) {
	c := synth.ExportConfig{Rows: 20000, Seed: 11, Untagged: 0.1, Spaces: 40, Months: 2, RowGroupRows: 3000}
	var csvBuf, pqBuf bytes.Buffer
	if _, err := synth.WriteExport(&csvBuf, c); err != nil {
		t.Fatal(err)
	}
	if _, err := synth.WriteExportParquet(&pqBuf, c); err != nil {
		t.Fatal(err)
	}
	want := exportReference(t, csvBuf.Bytes())
	old := blockSize
	blockSize = 64 << 10
	t.Cleanup(func() { blockSize = old })
	for name, src := range map[string]bytesSource{"CSV": {name: "export.csv", b: csvBuf.Bytes()}, "Parquet": {name: "export.parquet", b: pqBuf.Bytes()}} {
		t.Run(name, func(t *testing.T) {
			res, err := Ingest(t.Context(), []Source{src}, Options{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][3]string{}
			var rows int64
			for _, r := range res.Records {
				k := r.Space + "/" + r.Account + "/" + r.Period
				got[k] = [3]string{r.BilledCost, r.EffectiveCost, r.ListCost}
				rows += r.Rows
			}
			if rows != c.Rows {
				t.Errorf("Ingest(...): want %d rows in records, got %d", c.Rows, rows)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Ingest(...): -reference, +got:\n%s", diff)
			}
		})
	}
}

func exportReference(t *testing.T, data []byte) map[string][3]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range recs[0] {
		col[n] = i
	}
	sums := map[string][3]decimal.Decimal{}
	for _, r := range recs[1:] {
		var tags map[string]string
		if s := r[col["Tags"]]; s != "" {
			if err := json.Unmarshal([]byte(s), &tags); err != nil {
				t.Fatal(err)
			}
		}
		k := tags["cloudspace"] + "//" + r[col["BillingPeriodStart"]][:7]
		if tags["cloudspace"] == "" {
			k = "/" + r[col["SubAccountId"]] + "/" + r[col["BillingPeriodStart"]][:7]
		}
		s := sums[k]
		for i, c := range []string{"BilledCost", "EffectiveCost", "ListCost"} {
			s[i] = s[i].Add(decimal.RequireFromString(r[col[c]]))
		}
		sums[k] = s
	}
	out := map[string][3]string{}
	for k, v := range sums {
		out[k] = [3]string{v[0].String(), v[1].String(), v[2].String()}
	}
	return out
}

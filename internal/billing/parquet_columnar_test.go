package billing

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"

	"github.com/cloudspace-dev/cloudspace/internal/billing/synth"
)

// mixedParquet is a FOCUS row with the cells the columnar reader must read
// as the reader of every shape does: nulls, money no 10 fraction digits
// hold, NaN, bad currencies and periods, empty and NULL strings, tag keys
// that match only ignoring case, values that cannot name a space.
type mixedParquet struct {
	BilledCost         float64           `parquet:"BilledCost"`
	EffectiveCost      float64           `parquet:"EffectiveCost"`
	ListCost           *float64          `parquet:"ListCost,optional"`
	ContractedCost     *float64          `parquet:"ContractedCost,optional"`
	BillingCurrency    string            `parquet:"BillingCurrency,dict"`
	ChargePeriodStart  time.Time         `parquet:"ChargePeriodStart,timestamp(millisecond)"`
	ChargePeriodEnd    time.Time         `parquet:"ChargePeriodEnd,timestamp(millisecond)"`
	BillingPeriodStart time.Time         `parquet:"BillingPeriodStart,timestamp(microsecond)"`
	BillingPeriodEnd   time.Time         `parquet:"BillingPeriodEnd,timestamp(millisecond)"`
	ChargeCategory     string            `parquet:"ChargeCategory,dict"`
	ServiceName        *string           `parquet:"ServiceName,optional,dict"`
	ResourceID         *string           `parquet:"ResourceId,optional"`
	SubAccountID       *string           `parquet:"SubAccountId,optional,dict"`
	BillingAccountID   string            `parquet:"BillingAccountId"`
	Tags               map[string]string `parquet:"Tags"`
}

func mixedRows(r *rand.Rand, n int, far bool) []mixedParquet {
	pick := func(p float64) bool { return r.Float64() < p }
	money := func() float64 {
		switch {
		case pick(0.01):
			return math.NaN()
		case pick(0.01):
			return 1e-11 * float64(r.IntN(100)) // more than 10 fraction digits
		case pick(0.01):
			return 1e21 // no 1e-10 units
		case pick(0.1):
			return -float64(r.IntN(1e6)) / 1e4
		}
		return float64(r.IntN(1e9)) / 1e7
	}
	str := func(vals ...string) *string {
		if pick(0.1) {
			return nil
		}
		return &vals[r.IntN(len(vals))]
	}
	month := time.Date(2026, time.Month(11+r.IntN(2)), 1, 0, 0, 0, 0, time.UTC)
	rows := make([]mixedParquet, n)
	for i := range rows {
		start := month.Add(time.Duration(r.IntN(24*28)) * time.Hour)
		end := start.Add(time.Hour)
		if pick(0.01) {
			end = start.Add(-time.Hour)
		}
		row := mixedParquet{
			BilledCost: money(), EffectiveCost: money(),
			BillingCurrency:   []string{"USD", "USD", "USD", "EUR", "usd", ""}[r.IntN(6)*btoi(pick(0.05))],
			ChargePeriodStart: start, ChargePeriodEnd: end,
			BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0),
			ChargeCategory:   "Usage",
			ServiceName:      str("Amazon EC2", "Amazon S3", "", "NULL", "AWS Lambda"),
			SubAccountID:     str("111111111111", "222222222222", ""),
			BillingAccountID: "999999999999",
		}
		switch {
		case far && pick(0.005): // a year appendRFC3339 does not write
			row.BillingPeriodEnd = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
		case pick(0.005): // before 1970, a fraction of a second
			row.BillingPeriodEnd = time.Date(1969, 12, 31, 23, 59, 59, 500e6, time.UTC)
		}
		if pick(0.7) {
			l := money()
			row.ListCost = &l
		}
		if pick(0.5) {
			c := money()
			row.ContractedCost = &c
		}
		if !pick(0.1) {
			id := fmt.Sprintf("arn:aws:ec2:us-east-1:111111111111:instance/i-%08x", r.IntN(max(n/2, 1)))
			if pick(0.05) {
				id = []string{"", "NULL"}[r.IntN(2)]
			}
			row.ResourceID = &id
		}
		space := fmt.Sprintf("space-%d", r.IntN(40))
		switch k := r.IntN(10); k {
		case 0: // no tags
		case 1:
			row.Tags = map[string]string{"team": "a"}
		case 2:
			row.Tags = map[string]string{"CloudSpace": space, "team": "b"}
		case 3:
			row.Tags = map[string]string{"user:cloudspace": space, "cloudspace": "space-other"}
		case 4:
			row.Tags = map[string]string{"cloudspace": []string{"Bad_Space", "", "NULL", "x.y"}[r.IntN(4)]}
		case 5:
			row.Tags = map[string]string{"CLOUDSPACE": space, "user:CloudSpace": "space-fold"}
		default:
			row.Tags = map[string]string{"cloudspace": space, "env": "prod"}
		}
		rows[i] = row
	}
	return rows
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readBoth reads a Parquet file with the reader of every shape and with
// reader, the columnar reader (or pqAuto, which may fall back to the
// other), and fails the test when their aggregates, counts or bad rows
// differ.
func readBoth(t *testing.T, name string, data []byte, o Options, reader pqReader) {
	t.Helper()
	o = o.defaults()
	type read struct {
		Records  any
		Summary  Summary
		Rows     int64
		BadRows  int64
		Warnings []*RowError
		Err      string
	}
	get := func(reader pqReader) read {
		st := FileStats{URI: name}
		agg, err := readParquetWith(t.Context(), bytes.NewReader(data), int64(len(data)), o, &st, reader)
		r := read{Rows: st.Rows, BadRows: st.BadRows, Warnings: st.Warnings}
		if err != nil {
			r.Err = err.Error()
			return r
		}
		r.Summary = summarize(agg, []FileStats{st}, o.TagKeyIgnoreCase)
		r.Records = agg.records(nil)
		return r
	}
	want, got := get(pqGeneral), get(reader)
	if want.Err != "" || got.Err != "" {
		t.Fatalf("%s: reader of every shape: %q, columnar reader: %q", name, want.Err, got.Err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: -reader of every shape, +columnar reader:\n%s", name, diff)
	}
}

// TestColumnarReader holds the columnar reader to the reader of every
// shape on generated files: varied cells, row groups small and large
// enough to be processed in two halves, pages small and large.
func TestColumnarReader(t *testing.T) {
	cases := map[string]struct {
		reason    string
		rows      int
		groupRows int64
		pageBytes int
		far       bool // dates past 9999, which the columnar reader leaves to the other
		fallback  bool // read with pqAuto, not pqColumnar
		o         Options
	}{
		"SmallGroups": {
			reason: "Row groups of a few rows, pages of a few values: every boundary is crossed.",
			rows:   500, groupRows: 7, pageBytes: 256,
		},
		"SplitGroups": {
			reason: "Row groups processed in two halves, pages ending anywhere in a row's map.",
			rows:   40000, groupRows: 17000, pageBytes: 4096,
			o: Options{Workers: 2},
		},
		"IgnoreCase": {
			reason: "Tag keys matching ignoring case name the space with --tag-key-ignore-case.",
			rows:   20000, groupRows: 9000, pageBytes: 1 << 20,
			o: Options{TagKeyIgnoreCase: true, Workers: 1},
		},
		"FarDates": {
			reason: "Dates more than 68 years apart in a chunk: the file is read by the reader of every shape.",
			rows:   3000, groupRows: 1000, pageBytes: 4096, far: true, fallback: true,
		},
		"OtherTagKey": {
			reason: "A tag key of the user's, and few resource IDs listed.",
			rows:   12000, groupRows: 12000, pageBytes: 8192,
			o: Options{TagKey: "team", MaxResourceIDs: 3},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.rows), uint64(tc.groupRows)))
			var buf bytes.Buffer
			w := parquet.NewGenericWriter[mixedParquet](&buf, parquet.MaxRowsPerRowGroup(tc.groupRows), parquet.PageBufferSize(tc.pageBytes), parquet.Compression(&parquet.Snappy))
			if _, err := w.Write(mixedRows(r, tc.rows, tc.far)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			o := tc.o
			o.MaxErrors = 1 << 30
			reader := pqColumnar
			if tc.fallback {
				reader = pqAuto
			}
			readBoth(t, tc.reason, buf.Bytes(), o, reader)
		})
	}
}

// TestColumnarReaderExport holds the two readers together on the export of
// the benchmarks (synth.WriteExportParquet), as AWS Data Exports write it.
func TestColumnarReaderExport(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		var buf bytes.Buffer
		if _, err := synth.WriteExportParquet(&buf, synth.ExportConfig{Bytes: 8 << 20, Seed: seed, Untagged: 0.1, RowGroupRows: 5000, PageBytes: 64 << 10}); err != nil {
			t.Fatal(err)
		}
		readBoth(t, fmt.Sprintf("export of seed %d", seed), buf.Bytes(), Options{}, pqColumnar)
	}
}

// TestColumnarReaderFallsBack checks that a file the columnar reader fails
// on, one bad row too many here, is read again by the reader of every
// shape, whose error names the first bad row.
func TestColumnarReaderFallsBack(t *testing.T) {
	rows := mixedRows(rand.New(rand.NewPCG(1, 2)), 30000, false)
	for i := range rows {
		rows[i].BillingCurrency, rows[i].BilledCost, rows[i].EffectiveCost, rows[i].ListCost = "USD", 1, 1, nil
		rows[i].ChargePeriodEnd = rows[i].ChargePeriodStart.Add(time.Hour)
	}
	rows[20000].BillingCurrency = "usd" // of the second half of a row group
	rows[3].BillingCurrency = "eur"     // of the first
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, parquet.MaxRowsPerRowGroup(30000)); err != nil {
		t.Fatal(err)
	}
	st := FileStats{URI: "f.parquet"}
	_, err := readParquetWith(t.Context(), bytes.NewReader(buf.Bytes()), int64(buf.Len()), Options{}.defaults(), &st, pqAuto)
	var fe *FileError
	if !errors.As(err, &fe) || len(fe.Rows) != 1 || fe.Rows[0].Row != 3 {
		t.Errorf("readParquet(...): want the file rejected at row 3, got %v", err)
	}
}

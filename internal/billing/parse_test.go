package billing

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func TestParseAmount(t *testing.T) {
	type want struct {
		s   string
		err error
	}
	cases := map[string]struct {
		reason string
		in     string
		want   want
	}{
		"Integer":       {reason: "An integer is exact.", in: "42", want: want{s: "42"}},
		"Fraction":      {reason: "Ten fraction digits are fixed point.", in: "0.0000000001", want: want{s: "0.0000000001"}},
		"MoreDigits":    {reason: "More than ten fraction digits fall back to decimal, exactly.", in: "0.123456789012345", want: want{s: "0.123456789012345"}},
		"TrailingZeros": {reason: "Trailing zeros beyond ten digits stay fixed point.", in: "1.500000000000", want: want{s: "1.5"}},
		"Negative":      {reason: "Credits are negative.", in: "-2.5", want: want{s: "-2.5"}},
		"Plus":          {reason: "A plus sign is accepted.", in: "+2.5", want: want{s: "2.5"}},
		"Big":           {reason: "Nine integer digits fall back to decimal.", in: "123456789012.5", want: want{s: "123456789012.5"}},
		"Exponent":      {reason: "Exponents are exact.", in: "1.5E-7", want: want{s: "0.00000015"}},
		"LeadingDot":    {reason: "A leading dot is a number.", in: ".5", want: want{s: "0.5"}},
		"NaN":           {reason: "NaN is not money.", in: "NaN", want: want{err: errNotFinite}},
		"Inf":           {reason: "Infinity is not money.", in: "-Inf", want: want{err: errNotFinite}},
		"Text":          {reason: "Text is not money.", in: "12 USD", want: want{err: errNotNumber}},
		"Dot":           {reason: "A lone dot is not a number.", in: ".", want: want{err: errNotNumber}},
		"HugeExponent":  {reason: "A huge exponent is refused.", in: "1e300", want: want{err: errExponent}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, err := parseAmount([]byte(tc.in))
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("\n%s\nparseAmount(%q): -want error, +got:\n%s", tc.reason, tc.in, diff)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tc.want.s, a.Decimal().String()); diff != "" {
				t.Errorf("\n%s\nparseAmount(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
		})
	}
}

func TestSumExactBeyondInt64(t *testing.T) {
	// 2e9 rows of 99,999,999.9999999999 overflow int64 units many times.
	var s Sum
	a, err := parseAmount([]byte("99999999.9999999999"))
	if err != nil {
		t.Fatal(err)
	}
	neg, _ := parseAmount([]byte("-0.0000000001"))
	for range 2000 {
		s.Add(a)
	}
	s.Add(neg)
	var mixed Sum
	mixed.Merge(&s)
	b, _ := parseAmount([]byte("0.12345678901234567890"))
	mixed.Add(b)
	want := decimal.RequireFromString("99999999.9999999999").Mul(decimal.NewFromInt(2000)).Sub(decimal.RequireFromString("0.0000000001"))
	if !s.Decimal().Equal(want) {
		t.Errorf("Sum: want %s, got %s", want, s.String())
	}
	want = want.Add(decimal.RequireFromString("0.12345678901234567890"))
	if !mixed.Decimal().Equal(want) {
		t.Errorf("Sum with decimal overflow: want %s, got %s", want, mixed.String())
	}
	var n Sum
	for range 3 {
		n.Add(neg)
	}
	if got := n.String(); got != "-0.0000000003" {
		t.Errorf("Sum of negatives: want -0.0000000003, got %s", got)
	}
}

func TestParseTimestamp(t *testing.T) {
	type want struct {
		unix int64
		err  error
	}
	cases := map[string]struct {
		reason string
		in     string
		want   want
	}{
		"RFC3339":      {reason: "FOCUS writes RFC 3339 in UTC.", in: "2026-11-01T00:00:00Z", want: want{unix: 1793491200}},
		"Date":         {reason: "A date is midnight UTC.", in: "2026-11-01", want: want{unix: 1793491200}},
		"Space":        {reason: "A space may separate date and time.", in: "2026-11-01 01:00:00", want: want{unix: 1793494800}},
		"Fraction":     {reason: "A fraction of a second is ignored.", in: "2026-11-01T00:00:00.123Z", want: want{unix: 1793491200}},
		"NoSeconds":    {reason: "CUR legacy writes minutes only.", in: "2026-11-01T00:00Z", want: want{unix: 1793491200}},
		"Offset":       {reason: "An offset is applied.", in: "2026-11-01T01:00:00+01:00", want: want{unix: 1793491200}},
		"OffsetShort":  {reason: "An offset without colon is applied.", in: "2026-10-31T23:00:00-0100", want: want{unix: 1793491200}},
		"Leap":         {reason: "29 February of a leap year exists.", in: "2028-02-29", want: want{unix: 1835395200}},
		"NotLeap":      {reason: "29 February of another year does not.", in: "2027-02-29", want: want{err: errTimestamp}},
		"BadMonth":     {reason: "Month 13 does not exist.", in: "2026-13-01T00:00:00Z", want: want{err: errTimestamp}},
		"BadHour":      {reason: "Hour 24 does not exist.", in: "2026-11-01T24:00:00Z", want: want{err: errTimestamp}},
		"Garbage":      {reason: "Text is no timestamp.", in: "yesterday", want: want{err: errTimestamp}},
		"TrailingJunk": {reason: "Junk after the zone is refused.", in: "2026-11-01T00:00:00Zjunk", want: want{err: errTimestamp}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := parseTimestamp([]byte(tc.in))
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("\n%s\nparseTimestamp(%q): -want error, +got:\n%s", tc.reason, tc.in, diff)
			}
			if diff := cmp.Diff(tc.want.unix, got); diff != "" {
				t.Errorf("\n%s\nparseTimestamp(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
		})
	}
}

func TestTagMatcher(t *testing.T) {
	type want struct {
		val  string
		kind matchKind
		err  error
	}
	cases := map[string]struct {
		reason string
		in     string
		want   want
	}{
		"Plain":          {reason: "The key as given.", in: `{"cloudspace":"team-a"}`, want: want{val: "team-a", kind: matchExact}},
		"UserColon":      {reason: "The CUR user: spelling.", in: `{"user:cloudspace":"team-a"}`, want: want{val: "team-a", kind: matchExact}},
		"UserUnder":      {reason: "The CUR 2.0 user_ spelling.", in: `{"user_cloudspace":"team-a"}`, want: want{val: "team-a", kind: matchExact}},
		"Preference":     {reason: "The plain key wins over the CUR spellings, wherever it is.", in: `{"user:cloudspace":"b","cloudspace":"a"}`, want: want{val: "a", kind: matchExact}},
		"Escaped":        {reason: "Escapes in values are decoded.", in: `{"cloudspace":"te\u0061m-a"}`, want: want{val: "team-a", kind: matchExact}},
		"EscapedKey":     {reason: "Escapes in keys are decoded.", in: `{"cloud\u0073pace":"team-a"}`, want: want{val: "team-a", kind: matchExact}},
		"Nested":         {reason: "Nested values of other keys are skipped.", in: `{"x":{"a":[1,2.5e3,true,null]},"cloudspace":"s"}`, want: want{val: "s", kind: matchExact}},
		"Null":           {reason: "A null value is no tag.", in: `{"cloudspace":null}`, want: want{}},
		"Number":         {reason: "A number value is its text.", in: `{"cloudspace":42}`, want: want{val: "42", kind: matchExact}},
		"Absent":         {reason: "No tag.", in: `{"env":"prod"}`, want: want{}},
		"Empty":          {reason: "An empty object.", in: ` { } `, want: want{}},
		"NotObject":      {reason: "An array is not tags.", in: `["cloudspace"]`, want: want{err: errTagsJSON}},
		"Trailing":       {reason: "Junk after the object.", in: `{"a":"b"}x`, want: want{err: errTagsJSON}},
		"Unterminated":   {reason: "An unterminated string.", in: `{"a":"b}`, want: want{err: errTagsJSON}},
		"TrailingComma":  {reason: "A trailing comma.", in: `{"a":"b",}`, want: want{err: errTagsJSON}},
		"BadEscape":      {reason: "A bad escape.", in: `{"a":"\q"}`, want: want{err: errTagsJSON}},
		"Fold":           {reason: "A key that matches only ignoring case is a fold match.", in: `{"CloudSpace":"team-a"}`, want: want{val: "team-a", kind: matchFold}},
		"ExactBeatsFold": {reason: "Any exact match wins over a fold match, wherever it is.", in: `{"CloudSpace":"b","user_cloudspace":"a"}`, want: want{val: "a", kind: matchExact}},
		"FoldPreference": {reason: "Fold matches follow the same preference.", in: `{"USER_cloudspace":"b","Cloudspace":"a"}`, want: want{val: "a", kind: matchFold}},
		"FoldEscaped":    {reason: "Escapes in a fold match's value are decoded.", in: `{"CLOUDSPACE":"te\u0061m-a","x":"\u0062"}`, want: want{val: "team-a", kind: matchFold}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := newTagMatcher("cloudspace")
			v, kind, err := m.find([]byte(tc.in))
			if diff := cmp.Diff(tc.want.err, err, cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("\n%s\nfind(%q): -want error, +got:\n%s", tc.reason, tc.in, diff)
			}
			if diff := cmp.Diff(tc.want, want{val: string(v), kind: kind, err: err}, cmp.AllowUnexported(want{}), cmpopts.EquateErrors()); diff != "" {
				t.Errorf("\n%s\nfind(%q): -want, +got:\n%s", tc.reason, tc.in, diff)
			}
		})
	}
}

func TestCURName(t *testing.T) {
	cases := map[string]string{
		"lineItem/UnblendedCost":                                "line_item_unblended_cost",
		"bill/BillingPeriodStartDate":                           "bill_billing_period_start_date",
		"pricing/publicOnDemandCost":                            "pricing_public_on_demand_cost",
		"savingsPlan/SavingsPlanEffectiveCost":                  "savings_plan_savings_plan_effective_cost",
		"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": "reservation_unused_amortized_upfront_fee_for_billing_period",
		"lineItem/UsageAccountId":                               "line_item_usage_account_id",
		"line_item_unblended_cost":                              "line_item_unblended_cost",
	}
	for in, want := range cases {
		if diff := cmp.Diff(want, curName(in)); diff != "" {
			t.Errorf("curName(%q): -want, +got:\n%s", in, diff)
		}
	}
}

// The fuzz tests check that no input panics, and that results do not depend
// on how the input is cut into blocks and workers.

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1.5", "-0.0000000001", "1e-7", "NaN", "99999999.99999999999", "", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAmount([]byte(s))
		if err != nil {
			return
		}
		// Whatever parses fast must agree with decimal.
		if d, derr := decimal.NewFromString(s); derr == nil && !d.Equal(a.Decimal()) {
			t.Errorf("parseAmount(%q) = %s, decimal says %s", s, a.Decimal(), d)
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2026-11-01T00:00:00Z", "2026-11-01", "2026-11-01 00:00:00+01:00", "2026-02-30"} {
		f.Add(s)
	}
	f.Fuzz(func(_ *testing.T, s string) {
		_, _ = parseTimestamp([]byte(s))
	})
}

func FuzzTags(f *testing.F) {
	for _, s := range []string{`{"cloudspace":"a"}`, `{"user:cloudspace":"b","x":[1,{"y":null}]}`, `{"a":"\u00e9"}`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, kind, err := newTagMatcher("cloudspace").find([]byte(s))
		if err != nil && (kind != matchNone || v != nil) {
			t.Errorf("find(%q): an error must come with no value", s)
		}
	})
}

func FuzzIngestCSV(f *testing.F) {
	seeds := [][]byte{
		[]byte(focusHeader + focusRow(nil)),
		[]byte(focusHeader + focusRow(map[int]string{15: `"{""cloudspace"":""x"",""a"":""b,c""}"`})),
		[]byte("line_item_unblended_cost,line_item_currency_code,line_item_usage_start_date,line_item_usage_end_date,bill_billing_period_start_date,line_item_usage_account_id,line_item_product_code,resource_tags\n1,USD,2026-11-01,2026-11-02,2026-11-01,1,EC2,\"{\"\"user_cloudspace\"\":\"\"a\"\"}\"\n"),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		old := blockSize
		defer func() { blockSize = old }()
		opts := Options{MaxErrors: 1 << 30, Workers: 1}
		want, werr := Ingest(context.Background(), []Source{bytesSource{name: "f", b: data}}, opts)
		blockSize = 64
		opts.Workers = 2
		got, gerr := Ingest(context.Background(), []Source{bytesSource{name: "f", b: data}}, opts)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("block size changed the outcome: %v vs %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		// The records are the same whatever the block size, stray quotes
		// included: a bad record ends where the block splitter cuts.
		if diff := cmp.Diff(want.Records, got.Records); diff != "" {
			t.Errorf("block size changed the records: -want, +got:\n%s", diff)
		}
		if diff := cmp.Diff(want.Files[0].Warnings, got.Files[0].Warnings); diff != "" {
			t.Errorf("block size changed the bad rows: -want, +got:\n%s", diff)
		}
	})
}

func FuzzScanUnquoted(f *testing.F) {
	for _, s := range []string{"abc,def", "abcdefgh\n", "\x80\x81,,\n", "0123456789abcdef,", "", "\xff\x00\x2c", "abcdefg\"h,"} {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, s string, i int) {
		data := []byte(s)
		if i < 0 || i > len(data) {
			return
		}
		want := i
		for want < len(data) && data[want] != ',' && data[want] != '\n' && data[want] != '"' {
			want++
		}
		if got := scanUnquoted(data, i); got != want {
			t.Errorf("scanUnquoted(%q, %d): want %d, got %d", s, i, want, got)
		}
	})
}

func TestAppendScaled(t *testing.T) {
	cases := map[string]struct {
		digits string
		scale  int
		want   string
	}{
		"Fraction":      {digits: "12345", scale: 2, want: "123.45"},
		"LeadingZeros":  {digits: "5", scale: 3, want: "0.005"},
		"ExactlyScale":  {digits: "123", scale: 3, want: "0.123"},
		"Negative":      {digits: "-5", scale: 2, want: "-0.05"},
		"NegativeLarge": {digits: "-12345", scale: 2, want: "-123.45"},
		"NoScale":       {digits: "42", scale: 0, want: "42"},
		"NegativeScale": {digits: "42", scale: -2, want: "4200"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, string(appendScaled(nil, []byte(tc.digits), tc.scale))); diff != "" {
				t.Errorf("appendScaled(%q, %d): -want, +got:\n%s", tc.digits, tc.scale, diff)
			}
		})
	}
}

// FuzzNextRecord checks the record splitter against encoding/csv with
// LazyQuotes false, both ways: an input encoding/csv reads gives the same
// records; an input it rejects (a quote inside an unquoted cell, text after
// a closing quote, an unterminated quoted cell) gives an error at the same
// record, after the same records. With LazyQuotes true encoding/csv would
// read such quotes literally, which this reader does not (see nextRecord).
// Carriage returns are left out: encoding/csv drops a \r before a newline
// inside quotes too, where this reader keeps the bytes as written.
func FuzzNextRecord(f *testing.F) {
	for _, s := range []string{"a,b\nc,d\n", `"a,""b""",c` + "\n", "a,\"x\ny\",b\n", "\n\na\n", "a,b", `"",""` + "\n", "x,\"\"\"\"\n",
		"a,b\"c\nd\n", `a,"b"c` + "\nd\n", "a,\"b\nc", "a\"b\"c,d\ne\n", " \"a\",b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, '\r') {
			return
		}
		r := csv.NewReader(strings.NewReader(s))
		r.FieldsPerRecord = -1
		var want [][]string
		var wantErr *csv.ParseError
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !errors.As(err, &wantErr) {
					t.Fatalf("encoding/csv: %v", err)
				}
				break
			}
			want = append(want, rec)
		}
		data := []byte(s)
		var got [][]string
		var cells []span
		line := 1
		gotErr := false
		for i := 0; i < len(data); {
			next, err := nextRecord(data, i, &cells, true)
			if err != nil {
				gotErr = true
				if wantErr == nil {
					t.Fatalf("nextRecord(%q, %d): %v, but encoding/csv accepts it", s, i, err)
				}
				if line != wantErr.StartLine {
					t.Errorf("nextRecord(%q): error %v in the record of line %d, encoding/csv in that of line %d (%v)", s, err, line, wantErr.StartLine, wantErr)
				}
				break
			}
			if next <= i {
				t.Fatalf("nextRecord(%q, %d): no progress", s, i)
			}
			line += bytes.Count(data[i:next], []byte{'\n'})
			i = next
			if len(cells) == 1 && cells[0].end == cells[0].start && (cells[0].start == 0 || data[cells[0].start-1] != '"') {
				continue // an empty line, which encoding/csv skips
			}
			var rec []string
			for _, c := range cells {
				rec = append(rec, string(cellBytes(data, c, nil)))
			}
			got = append(got, rec)
		}
		if wantErr != nil && !gotErr {
			t.Errorf("nextRecord(%q): no error, encoding/csv says %v", s, wantErr)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("nextRecord(%q): -encoding/csv, +got:\n%s", s, diff)
		}
	})
}

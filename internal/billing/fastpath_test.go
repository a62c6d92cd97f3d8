package billing

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// The fast paths of issue 12 are checked against references here, as the
// CSV parser is against encoding/csv: Sum.String against decimal, the Tags
// scanner of escaped cells against the scanner of unescaped JSON (itself
// checked against encoding/json in FuzzTagsJSON), and the string scanner's
// eight-bytes-at-a-time search against a byte loop.

func FuzzSumString(f *testing.F) {
	for _, s := range [][2]int64{{0, 0}, {1, 0}, {-1, 0}, {15000000000, 0}, {-25000000000, 1}, {1 << 62, 1 << 62}, {-1 << 63, -1}, {-1 << 63, 0}, {123456789012, -123456789012}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b int64) {
		var s Sum
		s.addUnits(a)
		s.addUnits(b)
		want := decimal.New(a, -fixedScale).Add(decimal.New(b, -fixedScale)).String()
		if got := s.String(); got != want {
			t.Errorf("Sum{%d + %d}.String() = %q, decimal says %q", a, b, got, want)
		}
	})
}

func FuzzFindEscaped(f *testing.F) {
	for _, s := range []string{
		`{"cloudspace":"checkout-api","team":"payments","cost-center":"cc-1"}`,
		`{"team":"a","user:cloudspace":"b"}`, `{"note":"B\u00fcro \"Nord\" \\ 2","cloudspace":"x"}`,
		`{"cloud\"space":"x"}`, `{"cloudspace":"a\"b"}`, `{"a":[1,{"b":"\""}],"cloudspace":null}`, `{`, `"`, `{"a":"b""}`, ``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// s as a quoted CSV cell holds it, every quote doubled.
		cell := strings.ReplaceAll(s, `"`, `""`)
		wv, wok, werr := newTagMatcher("cloudspace").find([]byte(s))
		gv, gok, gerr := newTagMatcher("cloudspace").findEscaped([]byte(cell))
		if (werr == nil) != (gerr == nil) || wok != gok || string(wv) != string(gv) {
			t.Errorf("findEscaped(%q) = %q, %v, %v; find(%q) = %q, %v, %v", cell, gv, gok, gerr, s, wv, wok, werr)
		}
	})
}

func FuzzStrSpecial(f *testing.F) {
	for _, s := range []string{"abcdefgh\"", "0123456789abcdef\\", "\x1f", "\x80\x9f\xff ok", "", "plain text without end"} {
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, s string, i int) {
		b := []byte(s)
		if i < 0 || i > len(b) {
			return
		}
		want := i
		for want < len(b) && b[want] != '"' && b[want] != '\\' && b[want] >= 0x20 {
			want++
		}
		if got := strSpecial(b, i); got != want {
			t.Errorf("strSpecial(%q, %d) = %d, want %d", s, i, got, want)
		}
	})
}

// FuzzTagsJSON checks the Tags scanner against encoding/json: on every valid
// JSON object (of valid UTF-8, naming the attribution key at most once in
// each spelling), it finds the value encoding/json decodes.
func FuzzTagsJSON(f *testing.F) {
	for _, s := range []string{
		`{"cloudspace":"checkout-api","team":"payments"}`, `{"user_cloudspace":"a","user:cloudspace":"b"}`,
		`{"cloudspace":"\ud83d\ude00"}`, `{"cloudspace":"\ud83d"}`, `{"x":{"cloudspace":"nested"},"cloudspace":42}`,
		`{"cloudspace":null,"user:cloudspace":"z"}`, ` {"cloud\u0073pace" : "t\u00e9"} `, `{"cloudspace":[1,2]}`,
	} {
		f.Add(s)
	}
	keys := []string{"cloudspace", "user:cloudspace", "user_cloudspace"}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || !json.Valid([]byte(s)) {
			return
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			return // not an object
		}
		if duplicateKeys(s, keys) {
			return
		}
		var want string
		found := false
		for _, k := range keys {
			raw, ok := obj[k]
			if !ok || string(raw) == "null" {
				continue
			}
			found = true
			var str string
			if json.Unmarshal(raw, &str) == nil {
				want = str
			} else {
				want = string(raw)
			}
			break
		}
		// A key matching only ignoring case is a fold match, which
		// encoding/json does not find.
		got, kind, err := newTagMatcher("cloudspace").find([]byte(s))
		exact := kind == matchExact
		if err != nil || exact != found || exact && string(got) != want {
			t.Errorf("find(%q) = %q, %v, %v; encoding/json finds %q, %v", s, got, kind, err, want, found)
		}
	})
}

// duplicateKeys reports whether a top level key among keys appears twice.
func duplicateKeys(s string, keys []string) bool {
	d := json.NewDecoder(strings.NewReader(s))
	seen := map[string]bool{}
	depth := 0
	expectKey := false
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				depth++
				expectKey = v == '{' && depth == 1
				continue
			default:
				depth--
			}
		case string:
			if depth == 1 && expectKey {
				if slices.Contains(keys, v) {
					if seen[v] {
						return true
					}
					seen[v] = true
				}
				expectKey = false
				continue
			}
		}
		if depth == 1 {
			expectKey = true
		}
	}
}

// FuzzDoubleUnits checks the DOUBLE fast path against the text path it
// replaces: strconv's shortest form parsed by parseAmount.
func FuzzDoubleUnits(f *testing.F) {
	for _, s := range []struct {
		bits  uint64
		units int64
	}{{0, 12345}, {0, 960000000}, {0, -33333333}, {0, 1<<18*1e10 - 1}, {math.Float64bits(0.1 + 0.2), 0}, {math.Float64bits(math.NaN()), 0}, {math.Float64bits(math.Copysign(0, -1)), 0}, {math.Float64bits(262143.9999999999), 0}} {
		f.Add(s.bits, s.units)
	}
	f.Fuzz(func(t *testing.T, fbits uint64, units int64) {
		for _, x := range []float64{math.Float64frombits(fbits), float64(units%(1<<18*1e10)) / 1e10} {
			u, ok := doubleUnits(x)
			if !ok {
				continue
			}
			text := strconv.AppendFloat(nil, x, 'f', -1, 64)
			a, err := parseAmount(text)
			if err != nil || a.big || a.units != u {
				t.Errorf("doubleUnits(%v) = %d; strconv writes %s, parseAmount reads %+v, %v", x, u, text, a, err)
			}
		}
	})
}

// FuzzAppendRFC3339 checks the timestamp formatter against package time.
func FuzzAppendRFC3339(f *testing.F) {
	for _, s := range []int64{0, -1, 1793491200, 253402300799, 253402300800, -62135596800, -62135596801, -62167219200, 951782400} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sec int64) {
		if sec > 1<<40 || sec < -(1<<40) {
			return
		}
		want := time.Unix(sec, 0).UTC().Format(time.RFC3339)
		got, ok := appendRFC3339(nil, sec)
		if ok && string(got) != want {
			t.Errorf("appendRFC3339(%d) = %q, time writes %q", sec, got, want)
		}
		if y := time.Unix(sec, 0).UTC().Year(); ok != (y >= 0 && y <= 9999) {
			t.Errorf("appendRFC3339(%d): ok %v for year %d", sec, ok, y)
		}
	})
}

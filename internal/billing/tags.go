package billing

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

var errTagsJSON = errors.New("not a JSON object")

// tagMatcher finds the attribution tag in a Tags cell, a JSON object. It
// accepts the key as given and in the spellings AWS uses for user tags,
// "user:<key>" and "user_<key>", preferring them in that order. A key that
// matches one of those only ignoring case ("CloudSpace") is a fold match:
// it is returned only when no key matches exactly, and the caller decides
// whether it counts (FOCUS leaves the casing of tag keys to the platform).
type tagMatcher struct {
	keys    [][]byte
	scratch []byte
	// foldScratch holds the unescaped value of a fold match, foldKey its key.
	foldScratch []byte
	foldKey     []byte
}

// matchKind says how a tag key matched.
type matchKind uint8

const (
	matchNone matchKind = iota
	matchExact
	matchFold // only ignoring case
)

func newTagMatcher(key string) *tagMatcher {
	return &tagMatcher{keys: [][]byte{[]byte(key), []byte("user:" + key), []byte("user_" + key)}}
}

// rank returns the preference of a key, exact or ignoring case, or -1.
func (m *tagMatcher) rank(key []byte, fold bool) int {
	for i, k := range m.keys {
		if len(k) != len(key) {
			continue
		}
		if !fold && bytes.Equal(key, k) || fold && bytes.EqualFold(key, k) {
			return i
		}
	}
	return -1
}

// find validates the JSON object in b and returns the value of the best
// matching key and how it matched. A null value counts as absent. A number
// or boolean value is returned as its JSON text. The returned slice aliases
// b or the matcher's scratch space and is valid until the next call; so is
// m.foldKey, the key of a fold match.
func (m *tagMatcher) find(b []byte) ([]byte, matchKind, error) {
	return m.scan(jscan{b: b})
}

// findEscaped is find on the content of a quoted CSV cell as it is in the
// file, every quote doubled: findEscaped(x) is find(x with each "" read as
// "), without unescaping the cell first. A quote that is not doubled is not
// JSON. Real exports quote every string cell, so this is the Tags cell of
// every row.
func (m *tagMatcher) findEscaped(b []byte) ([]byte, matchKind, error) {
	return m.scan(jscan{b: b, dq: true})
}

func (m *tagMatcher) scan(s jscan) ([]byte, matchKind, error) {
	s.ws()
	if !s.eat('{') {
		return nil, matchNone, errTagsJSON
	}
	best, bestFold := len(m.keys), len(m.keys)
	var val, foldVal []byte
	s.ws()
	if s.eat('}') {
		return nil, matchNone, s.end()
	}
	m.scratch = m.scratch[:0]
	m.foldKey = m.foldKey[:0]
	for {
		s.ws()
		key, esc, ok := s.str()
		if !ok {
			return nil, matchNone, errTagsJSON
		}
		if esc {
			key = s.unescape(nil, key)
		}
		s.ws()
		if !s.eat(':') {
			return nil, matchNone, errTagsJSON
		}
		s.ws()
		rank, fold := -1, false
		if r := m.rank(key, false); r >= 0 && r < best {
			rank = r
		} else if r < 0 && best == len(m.keys) {
			if r := m.rank(key, true); r >= 0 && r < bestFold {
				rank, fold = r, true
			}
		}
		start := s.i
		isStr := s.i < len(s.b) && s.b[s.i] == '"'
		var v []byte
		if isStr {
			raw, esc, ok := s.str()
			if !ok {
				return nil, matchNone, errTagsJSON
			}
			v = raw
			if rank >= 0 && esc {
				if fold {
					m.foldScratch = s.unescape(m.foldScratch[:0], raw)
					v = m.foldScratch
				} else {
					m.scratch = s.unescape(m.scratch[:0], raw)
					v = m.scratch
				}
			}
		} else {
			if !s.value(0) {
				return nil, matchNone, errTagsJSON
			}
			v = s.b[start:s.i]
			if string(v) == "null" {
				rank = -1 // An explicit null is no tag; keep looking.
			}
			if rank >= 0 && s.dq && bytes.IndexByte(v, '"') >= 0 {
				// An object or array, as its JSON text: undoubled.
				v = undouble(nil, v)
			}
		}
		switch {
		case rank < 0:
		case fold:
			bestFold, foldVal = rank, v
			m.foldKey = append(m.foldKey[:0], key...)
		default:
			best, val = rank, v
		}
		s.ws()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			break
		}
		return nil, matchNone, errTagsJSON
	}
	if err := s.end(); err != nil {
		return nil, matchNone, err
	}
	switch {
	case best < len(m.keys):
		m.foldKey = m.foldKey[:0]
		return val, matchExact, nil
	case bestFold < len(m.keys):
		return foldVal, matchFold, nil
	}
	return nil, matchNone, nil
}

// jscan is a minimal validating JSON scanner. With dq, it reads JSON whose
// quotes are all doubled, as inside a quoted CSV cell.
type jscan struct {
	b  []byte
	i  int
	dq bool
}

// unescape appends the content of a string str returned with escapes.
func (s *jscan) unescape(dst, b []byte) []byte {
	if !s.dq {
		return unescapeJSON(dst, b)
	}
	// Undouble the quotes, then unescape.
	from := len(dst)
	dst = undouble(dst, b)
	return append(dst[:from], unescapeJSON(nil, dst[from:])...)
}

// undouble appends b with every doubled quote read as one.
func undouble(dst, b []byte) []byte {
	for {
		j := bytes.IndexByte(b, '"')
		if j < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:j+1]...)
		b = b[j+2:]
	}
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jscan) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *jscan) end() error {
	s.ws()
	if s.i != len(s.b) {
		return errTagsJSON
	}
	return nil
}

// str scans a string and returns its raw content (quotes still doubled
// with dq) and whether it has escapes.
func (s *jscan) str() ([]byte, bool, bool) {
	if !s.quote() {
		return nil, false, false
	}
	start := s.i
	esc := false
	for {
		s.i = strSpecial(s.b, s.i)
		if s.i >= len(s.b) {
			return nil, false, false
		}
		switch s.b[s.i] {
		case '"':
			v := s.b[start:s.i]
			if !s.quote() {
				return nil, false, false
			}
			return v, esc, true
		case '\\':
			esc = true
			if s.i+1 >= len(s.b) {
				return nil, false, false
			}
			switch s.b[s.i+1] {
			case '"':
				s.i++
				if !s.quote() {
					return nil, false, false
				}
			case '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return nil, false, false
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return nil, false, false
					}
				}
				s.i += 6
			default:
				return nil, false, false
			}
		default: // a control character
			return nil, false, false
		}
	}
}

// quote consumes a quote at s.i: two with dq.
func (s *jscan) quote() bool {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return false
	}
	if s.dq {
		if s.i+1 >= len(s.b) || s.b[s.i+1] != '"' {
			return false
		}
		s.i++
	}
	s.i++
	return true
}

const (
	quotes      = '"' * lows
	backslashes = '\\' * lows
	spaces      = 0x20 * lows
)

// strSpecial returns the index of the first quote, backslash or control
// character at or after i, or len(b). Eight bytes at a time, as
// scanUnquoted: y < 0x20 is (y - 0x20) &^ y & 0x80 for a byte y, exact in the
// lowest byte it flags.
func strSpecial(b []byte, i int) int {
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ quotes
		e := x ^ backslashes
		m := ((q - lows) &^ q & highs) | ((e - lows) &^ e & highs) | ((x - spaces) &^ x & highs)
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	for i < len(b) {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
		i++
	}
	return i
}

const maxJSONDepth = 32

func (s *jscan) value(depth int) bool {
	if depth > maxJSONDepth || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; c {
	case '"':
		_, _, ok := s.str()
		return ok
	case '{', '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		s.i++
		s.ws()
		if s.eat(closer) {
			return true
		}
		for {
			s.ws()
			if c == '{' {
				if _, _, ok := s.str(); !ok {
					return false
				}
				s.ws()
				if !s.eat(':') {
					return false
				}
				s.ws()
			}
			if !s.value(depth + 1) {
				return false
			}
			s.ws()
			if s.eat(',') {
				continue
			}
			return s.eat(closer)
		}
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	default:
		return s.number()
	}
}

func (s *jscan) lit(l string) bool {
	if len(s.b)-s.i >= len(l) && string(s.b[s.i:s.i+len(l)]) == l {
		s.i += len(l)
		return true
	}
	return false
}

func (s *jscan) number() bool {
	start := s.i
	s.eat('-')
	d := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == d {
		return false
	}
	if s.eat('.') {
		d = s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == d {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if !s.eat('+') {
			s.eat('-')
		}
		d = s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		if s.i == d {
			return false
		}
	}
	return s.i > start
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// hex4 is the value of four validated hexadecimal digits.
func hex4(b []byte) rune {
	r, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(r)
}

// unescapeJSON appends the unescaped content of a validated JSON string.
func unescapeJSON(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch b[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(b[i+1 : i+5])
			i += 4
			// A surrogate pair is one character, as encoding/json reads
			// it; a lone surrogate is U+FFFD.
			if utf16.IsSurrogate(r) && i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if pair := utf16.DecodeRune(r, hex4(b[i+3:i+7])); pair != utf8.RuneError {
					r = pair
					i += 6
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, b[i])
		}
	}
	return dst
}

package billing

import (
	"bytes"
	"errors"
	"strconv"
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
	s := jscan{b: b}
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
			key = unescapeJSON(nil, key)
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
					m.foldScratch = unescapeJSON(m.foldScratch[:0], raw)
					v = m.foldScratch
				} else {
					m.scratch = unescapeJSON(m.scratch[:0], raw)
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

// jscan is a minimal validating JSON scanner.
type jscan struct {
	b []byte
	i int
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

// str scans a string and returns its raw content and whether it has escapes.
func (s *jscan) str() ([]byte, bool, bool) {
	if !s.eat('"') {
		return nil, false, false
	}
	start := s.i
	esc := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v, esc, true
		case c == '\\':
			esc = true
			if s.i+1 >= len(s.b) {
				return nil, false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
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
		case c < 0x20:
			return nil, false, false
		default:
			s.i++
		}
	}
	return nil, false, false
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
			r, _ := strconv.ParseUint(string(b[i+1:i+5]), 16, 32)
			i += 4
			dst = utf8.AppendRune(dst, rune(r))
		default:
			dst = append(dst, b[i])
		}
	}
	return dst
}

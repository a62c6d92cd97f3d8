package billing

import (
	"errors"
	"math/big"
	"math/bits"
	"strconv"

	"github.com/shopspring/decimal"
)

// Money is exact end to end. Parsing and summing millions of rows through
// decimal.Decimal (a big.Int per value) costs an allocation per cell, so the
// hot path uses fixed point instead: a cell with at most 10 fraction digits
// and at most 8 integer digits is held as an int64 count of 1e-10 units and
// summed into a 128-bit integer, which cannot overflow for any file we could
// read (2^127 units are 1.7e28 currency units). Any other cell (more digits,
// an exponent) is parsed with decimal.Decimal and summed into a decimal
// overflow term. Both terms are exact; Sum.Decimal adds them.

// fixedScale is the number of fraction digits of a fixed point unit.
const fixedScale = 10

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000}

var (
	errNotNumber = errors.New("not a decimal number")
	errNotFinite = errors.New("not a finite number")
	errExponent  = errors.New("exponent out of range")
)

// Sum is an exact sum of decimal amounts. The zero value is zero. It is 24
// bytes: records hold many (per service, day and listed resource).
type Sum struct {
	hi    int64
	lo    uint64
	extra *decimal.Decimal // the decimal overflow term, nil when none
}

// addUnits adds a count of 1e-10 units.
func (s *Sum) addUnits(u int64) {
	var carry uint64
	s.lo, carry = bits.Add64(s.lo, uint64(u), 0)
	s.hi += int64(carry) + (u >> 63)
}

// Add adds an amount.
func (s *Sum) Add(a Amount) {
	if !a.big {
		s.addUnits(a.units)
		return
	}
	s.addDecimal(a.dec)
}

func (s *Sum) addDecimal(d decimal.Decimal) {
	if s.extra == nil {
		s.extra = &d
		return
	}
	*s.extra = s.extra.Add(d)
}

// Merge adds another sum.
func (s *Sum) Merge(o *Sum) {
	var carry uint64
	s.lo, carry = bits.Add64(s.lo, o.lo, 0)
	s.hi += o.hi + int64(carry)
	if o.extra != nil {
		s.addDecimal(*o.extra)
	}
}

// Decimal returns the exact sum.
func (s *Sum) Decimal() decimal.Decimal {
	// Two's complement 128 bit to big.Int.
	i := new(big.Int).SetUint64(uint64(s.hi))
	i.Lsh(i, 64)
	i.Or(i, new(big.Int).SetUint64(s.lo))
	if s.hi < 0 {
		i.Sub(i, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	d := decimal.NewFromBigInt(i, -fixedScale)
	if s.extra != nil {
		d = d.Add(*s.extra)
	}
	return d
}

// String returns the exact sum as a decimal string without trailing zeros,
// as decimal.Decimal's String writes it. A record has hundreds of sums, so
// a sum that fits 64 bits is written without big.Int.
func (s *Sum) String() string {
	if s.extra != nil || s.hi != int64(s.lo)>>63 {
		return s.Decimal().String()
	}
	return string(appendUnits(nil, int64(s.lo)))
}

// appendUnits appends u units of 1e-10 as decimal.Decimal's String writes
// them: no trailing fraction zeros, no fraction when it is zero.
func appendUnits(b []byte, u int64) []byte {
	// The magnitude as unsigned, so that the smallest int64 works too.
	m := uint64(u)
	if u < 0 {
		b = append(b, '-')
		m = -m
	}
	const scale = uint64(1e10)
	b = strconv.AppendUint(b, m/scale, 10)
	f := m % scale
	if f == 0 {
		return b
	}
	var frac [fixedScale]byte
	for i := fixedScale - 1; i >= 0; i-- {
		frac[i] = byte('0' + f%10)
		f /= 10
	}
	n := fixedScale
	for frac[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, frac[:n]...)
}

// Amount is one parsed money cell.
type Amount struct {
	units int64
	dec   decimal.Decimal
	big   bool
}

// Decimal returns the amount as a decimal.
func (a Amount) Decimal() decimal.Decimal {
	if a.big {
		return a.dec
	}
	return decimal.New(a.units, -fixedScale)
}

// parseAmount parses a decimal number: an optional sign, digits with an
// optional fraction, and an optional exponent. NaN and infinities are
// rejected.
func parseAmount(b []byte) (Amount, error) {
	if u, ok := parseFixed(b); ok {
		return Amount{units: u}, nil
	}
	return parseSlow(b)
}

// parseFixed parses the common shape [-+]?\d{1,8}(\.\d{0,10}0*)? into 1e-10
// units. It reports false for anything else, which parseSlow handles.
func parseFixed(b []byte) (int64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i = 1
	}
	var ip int64
	nd := 0
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		ip = ip*10 + int64(c)
		nd++
		if nd > 8 {
			return 0, false
		}
	}
	var fp int64
	nf := 0
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			if nf == fixedScale {
				if c != 0 {
					return 0, false
				}
				continue
			}
			fp = fp*10 + int64(c)
			nf++
		}
		if nd == 0 && nf == 0 {
			return 0, false
		}
	}
	if i != len(b) || nd+nf == 0 {
		return 0, false
	}
	u := ip*pow10[fixedScale] + fp*pow10[fixedScale-nf]
	if neg {
		u = -u
	}
	return u, true
}

func parseSlow(b []byte) (Amount, error) {
	s := string(b)
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		case c == 'n' || c == 'N' || c == 'i' || c == 'I':
			return Amount{}, errNotFinite
		default:
			return Amount{}, errNotNumber
		}
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, errNotNumber
	}
	// A huge exponent would make String() allocate without bound.
	if e := d.Exponent(); e < -64 || e > 64 {
		return Amount{}, errExponent
	}
	return Amount{dec: d, big: true}, nil
}

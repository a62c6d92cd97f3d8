package billing

import (
	"errors"
	"fmt"
	"time"
)

var errTimestamp = errors.New("not an ISO 8601 timestamp")

// parseTimestamp parses the timestamps billing exports use, without
// allocating: "2026-11-01", "2026-11-01T00:00:00Z", "2026-11-01 00:00:00",
// with optional fraction of a second and an optional "Z", "+hh:mm", "+hhmm"
// or "UTC" suffix. A timestamp without zone is UTC. It returns Unix seconds.
func parseTimestamp(b []byte) (int64, error) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, errTimestamp
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, errTimestamp
	}
	secs := daysFromCivil(y, mo, d) * 86400
	b = b[10:]
	if len(b) == 0 {
		return secs, nil
	}
	if b[0] != 'T' && b[0] != ' ' && b[0] != 't' {
		return 0, errTimestamp
	}
	b = b[1:]
	if len(b) < 5 || b[2] != ':' {
		return 0, errTimestamp
	}
	h, ok1 := digits(b[0:2])
	mi, ok2 := digits(b[3:5])
	if !ok1 || !ok2 || h > 23 || mi > 59 {
		return 0, errTimestamp
	}
	b = b[5:]
	var s int64
	if len(b) >= 3 && b[0] == ':' {
		v, ok := digits(b[1:3])
		if !ok || v > 60 {
			return 0, errTimestamp
		}
		s = v
		b = b[3:]
		if len(b) > 0 && (b[0] == '.' || b[0] == ',') {
			j := 1
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			if j == 1 {
				return 0, errTimestamp
			}
			b = b[j:]
		}
	}
	secs += h*3600 + mi*60 + s
	switch {
	case len(b) == 0, len(b) == 1 && (b[0] == 'Z' || b[0] == 'z'), string(b) == " UTC", string(b) == "UTC":
		return secs, nil
	case b[0] == '+' || b[0] == '-':
		var oh, om int64
		var ok1, ok2 bool
		switch len(b) {
		case 6:
			if b[3] != ':' {
				return 0, errTimestamp
			}
			oh, ok1 = digits(b[1:3])
			om, ok2 = digits(b[4:6])
		case 5:
			oh, ok1 = digits(b[1:3])
			om, ok2 = digits(b[3:5])
		case 3:
			oh, ok1 = digits(b[1:3])
			ok2 = true
		default:
			return 0, errTimestamp
		}
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, errTimestamp
		}
		off := oh*3600 + om*60
		if b[0] == '+' {
			return secs - off, nil
		}
		return secs + off, nil
	}
	return 0, errTimestamp
}

func digits(b []byte) (int64, bool) {
	var v int64
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int64(c)
	}
	return v, true
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// period is a billing month: year*12 + month - 1.
type period int32

func (p period) String() string {
	return fmt.Sprintf("%04d-%02d", int(p)/12, int(p)%12+1)
}

func dayString(day int32) string {
	return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly)
}

func rfc3339(unix int64) string {
	return time.Unix(unix, 0).UTC().Format(time.RFC3339)
}

// floorDiv divides rounding towards negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

package handlers

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
)

// parseDatetime reads a datetime as Pydantic does (api-contract.md §1.4): ISO 8601 with 'T' or a
// space, optional seconds and fraction, an optional Z or ±HH:MM offset, a bare date, or Unix time
// as a number or numeric string (milliseconds above 2e10). Naive values are UTC.
func parseDatetime(v any) (time.Time, error) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return time.Time{}, errors.New("invalid number")
		}
		return unixTime(f)
	case string:
		if len(x) >= 5 && x[4] == '-' { // a date; skip the numeric attempt, which allocates on failure
			return parseISO(x)
		}
		if f, err := strconv.ParseFloat(x, 64); err == nil && len(x) > 0 && x[0] != '+' {
			return unixTime(f)
		}
		return parseISO(x)
	}
	return time.Time{}, errors.New("input should be a string or number")
}

func unixTime(f float64) (time.Time, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, errors.New("invalid number")
	}
	if math.Abs(f) > 2e10 {
		f /= 1000
	}
	if f < -62135596800 || f > 253402300799 { // years 1 to 9999
		return time.Time{}, errors.New("value out of range")
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64(math.Round((f-sec)*1e6))*1000).UTC(), nil
}

var errDatetimeFormat = errors.New("invalid datetime format")

func digits(s string, n int) (int, bool) {
	if len(s) < n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseISO parses YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][Z|±HH[:MM]] without allocating.
func parseISO(s string) (time.Time, error) {
	year, ok1 := digits(s, 4)
	if !ok1 || len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, errDatetimeFormat
	}
	month, ok2 := digits(s[5:], 2)
	day, ok3 := digits(s[8:], 2)
	if !ok2 || !ok3 {
		return time.Time{}, errDatetimeFormat
	}
	var hour, minute, sec, nsec int
	loc := time.UTC
	rest := s[10:]
	if len(rest) > 0 {
		if rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ' {
			return time.Time{}, errDatetimeFormat
		}
		rest = rest[1:]
		var ok bool
		if hour, ok = digits(rest, 2); !ok || len(rest) < 5 || rest[2] != ':' {
			return time.Time{}, errDatetimeFormat
		}
		if minute, ok = digits(rest[3:], 2); !ok {
			return time.Time{}, errDatetimeFormat
		}
		rest = rest[5:]
		if len(rest) > 0 && rest[0] == ':' {
			if sec, ok = digits(rest[1:], 2); !ok {
				return time.Time{}, errDatetimeFormat
			}
			rest = rest[3:]
			if len(rest) > 0 && (rest[0] == '.' || rest[0] == ',') {
				rest = rest[1:]
				n, scale := 0, 100000000
				for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
					if scale > 0 {
						nsec += int(rest[n]-'0') * scale
						scale /= 10
					}
					n++
				}
				if n == 0 {
					return time.Time{}, errDatetimeFormat
				}
				rest = rest[n:]
			}
		}
		switch {
		case rest == "":
		case rest == "Z" || rest == "z":
		case rest[0] == '+' || rest[0] == '-':
			oh, ok := digits(rest[1:], 2)
			if !ok {
				return time.Time{}, errDatetimeFormat
			}
			om := 0
			switch tail := rest[3:]; {
			case tail == "":
			case len(tail) == 3 && tail[0] == ':':
				om, ok = digits(tail[1:], 2)
			case len(tail) == 2:
				om, ok = digits(tail, 2)
			default:
				ok = false
			}
			if !ok || oh > 23 || om > 59 {
				return time.Time{}, errDatetimeFormat
			}
			offset := oh*3600 + om*60
			if rest[0] == '-' {
				offset = -offset
			}
			if offset != 0 {
				loc = time.FixedZone("", offset)
			}
		default:
			return time.Time{}, errDatetimeFormat
		}
	}
	if year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, errors.New("value out of range")
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day { // e.g. February 30th
		return time.Time{}, errors.New("day value is outside expected range")
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 { // an offset can push the instant out of range
		return time.Time{}, errors.New("value out of range")
	}
	return t.UTC(), nil
}

// appendDatetime appends t in UTC as Pydantic prints it: seconds, then exactly six fraction digits
// only when the microseconds are non-zero, then Z.
func appendDatetime(b []byte, t time.Time) []byte {
	var d datetimeAppender
	return d.append(b, t)
}

// datetimeAppender is appendDatetime for long runs of timestamps: it reuses the date part while
// the day stays the same, which is most of the cost.
type datetimeAppender struct {
	day    int64
	prefix []byte // `"YYYY-MM-DDT` of day
}

func (d *datetimeAppender) append(b []byte, t time.Time) []byte {
	secs := t.Unix()
	day := secs / 86400
	if secs < 0 && secs%86400 != 0 {
		day-- // floor division for instants before 1970
	}
	if d.prefix == nil || day != d.day {
		year, month, mday := t.UTC().Date()
		p := append(d.prefix[:0], '"')
		p = appendPadded(p, year, 4)
		p = append(p, '-')
		p = appendPadded(p, int(month), 2)
		p = append(p, '-')
		p = appendPadded(p, mday, 2)
		d.prefix, d.day = append(p, 'T'), day
	}
	rem := int(secs - day*86400)
	b = append(b, d.prefix...)
	b = appendPadded(b, rem/3600, 2)
	b = append(b, ':')
	b = appendPadded(b, rem/60%60, 2)
	b = append(b, ':')
	b = appendPadded(b, rem%60, 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = appendPadded(b, us, 6)
	}
	return append(b, 'Z', '"')
}

func appendPadded(b []byte, v, width int) []byte {
	var buf [8]byte
	i := len(buf)
	for ; width > 0 || v > 0; width-- {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[i:]...)
}

// jsonTime is a time.Time that marshals as appendDatetime writes it.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) { return appendDatetime(nil, time.Time(t)), nil }

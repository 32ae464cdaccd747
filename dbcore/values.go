package dbcore

import (
	"math"
	"strconv"
)

// Datatype is the declared type of a measure or location identifier.
type Datatype string

// The four datatypes of DTBase, spelled as on the wire and in the value_datatype enum.
const (
	String  Datatype = "string"
	Integer Datatype = "integer"
	Float   Datatype = "float"
	Boolean Datatype = "boolean"
)

// ParseDatatype checks a datatype name; anything but the four names is KindInvalid.
func ParseDatatype(name string) (Datatype, error) {
	switch d := Datatype(name); d {
	case String, Integer, Float, Boolean:
		return d, nil
	}
	return "", Invalidf("Unrecognised datatype: %s", name)
}

// Value is one scalar of a reading, model value or location coordinate. Type says which field holds
// it; as decoded from JSON it is the JSON literal's type (a number without fraction is Integer).
type Value struct {
	Type Datatype
	F    float64
	I    int64
	B    bool
	S    string
}

// As converts v to the declared datatype d, following api-contract.md §1.5 with the fixes of §4.11:
// an integer literal is accepted for a float, a boolean is never an integer, and integers must fit
// PostgreSQL's 32-bit integer. It reports false when v cannot be stored as d.
func (v Value) As(d Datatype) (Value, bool) {
	switch {
	case v.Type == d && d != Integer:
		return v, true
	case d == Integer && v.Type == Integer:
		return v, v.I >= math.MinInt32 && v.I <= math.MaxInt32
	case d == Float && v.Type == Integer:
		f := v.F // the literal as parsed; exact even beyond 64 bits
		if f == 0 {
			f = float64(v.I)
		}
		return Value{Type: Float, F: f}, true
	}
	return Value{}, false
}

// Describe names v for error messages, e.g. `"abc" (string)`.
func (v Value) Describe() string {
	return string(v.AppendJSON(nil)) + " (" + string(v.Type) + ")"
}

// AppendJSON appends v as JSON. Floats always carry a decimal point or an exponent, as Python prints
// them (290.0, 1e-05, 1e+20), so Python clients keep seeing floats.
func (v Value) AppendJSON(b []byte) []byte {
	switch v.Type {
	case Float:
		return AppendPythonFloat(b, v.F)
	case Integer:
		return strconv.AppendInt(b, v.I, 10)
	case Boolean:
		return strconv.AppendBool(b, v.B)
	default:
		return appendJSONString(b, v.S)
	}
}

// MarshalJSON implements json.Marshaler.
func (v Value) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendPythonFloat appends f the way Python's repr does: the shortest digits that round-trip, fixed
// notation for exponents from -4 to 15 with at least one decimal, scientific otherwise (1e-05,
// 1e+16). NaN and infinities, which JSON cannot carry, are written as null.
func AppendPythonFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	// One shortest-digits conversion; the fixed form is laid out from its digits and exponent.
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // e.g. -2.905e+02
	mark := len(e) - 4                                // exponents have 2 or 3 digits
	if e[mark] != 'e' {
		mark--
	}
	exp := 0
	for _, c := range e[mark+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[mark+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 16 {
		return append(b, e...)
	}
	mant := e[:mark]
	if mant[0] == '-' {
		b = append(b, '-')
		mant = mant[1:]
	}
	var digits [20]byte
	nd := 0
	for _, c := range mant {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	switch {
	case exp < 0:
		b = append(b, '0', '.')
		for i := 0; i < -exp-1; i++ {
			b = append(b, '0')
		}
		b = append(b, digits[:nd]...)
	case nd <= exp+1:
		b = append(b, digits[:nd]...)
		for i := nd; i < exp+1; i++ {
			b = append(b, '0')
		}
		b = append(b, '.', '0')
	default:
		b = append(b, digits[:exp+1]...)
		b = append(b, '.')
		b = append(b, digits[exp+1:nd]...)
	}
	return b
}

// appendJSONString appends s as a JSON string without HTML escaping, as the original's encoder does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"')
}

// sensorReadingTable, locationValueTable and modelValueTable name the storage table of a datatype.
func sensorReadingTable(d Datatype) string { return "sensor_" + string(d) + "_reading" }

func locationValueTable(d Datatype) string { return "location_" + string(d) + "_value" }

func modelValueTable(d Datatype) string {
	if d == Boolean {
		return "model_booleanvalue" // sic: the original's table name
	}
	return "model_" + string(d) + "_value"
}

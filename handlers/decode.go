package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dtbase-go/dtbase/dbcore"
)

// fieldError is one entry of a 422 body, shaped like Pydantic v2's errors (api-contract.md §1.3).
type fieldError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// validationError is answered with 422 {"detail": [...]}.
type validationError []fieldError

func (v validationError) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Msg
	}
	return "request validation: " + strings.Join(parts, "; ")
}

// maxJSONDepth caps nesting; deeper bodies are refused before they cost anything.
const maxJSONDepth = 64

// readBody reads the request body within the configured size limit.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, s.cfg.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, detail: "Request body too large: at most " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"}
	}
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, detail: "Could not read the request body"}
	}
	return data, nil
}

// decodeBody parses a JSON object body. With optional set, an absent body gives a nil object
// (endpoints whose body the original makes optional); otherwise it is a 422 as in FastAPI.
func (s *Server) decodeBody(r *http.Request, optional bool) (*object, error) {
	data, err := s.readBody(r)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(data)
	if ct := r.Header.Get("Content-Type"); ct != "" && len(trimmed) > 0 {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, validationError{{Type: "model_attributes_type", Loc: []any{"body"}, Msg: "Input should be a valid dictionary or object to extract fields from", Input: string(data)}}
		}
	}
	if len(trimmed) == 0 {
		if optional {
			return nil, nil
		}
		return nil, validationError{{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: nil}}
	}
	members, isObject, offset, err := splitObject(trimmed)
	if errors.Is(err, errJSONDepth) {
		return nil, &apiError{status: http.StatusBadRequest, detail: "JSON nested too deeply: at most " + strconv.Itoa(maxJSONDepth) + " levels"}
	}
	if err != nil {
		return nil, validationError{{Type: "json_invalid", Loc: []any{"body", offset}, Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": err.Error()}}}
	}
	if isObject {
		return &object{raw: members, loc: []any{"body"}, errs: new(validationError)}, nil
	}
	switch v := decodeRaw(trimmed); v.(type) {
	case nil:
		if optional {
			return nil, nil
		}
		return nil, validationError{{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: nil}}
	default:
		return nil, validationError{{Type: "model_attributes_type", Loc: []any{"body"}, Msg: "Input should be a valid dictionary or object to extract fields from", Input: v}}
	}
}

// object reads typed fields out of a JSON object, collecting Pydantic-style errors with their
// location. Every getter returns a zero value on error; check err() once at the end. Its fields are
// either raw JSON (decoded on demand) or already decoded values.
type object struct {
	raw  map[string]json.RawMessage
	m    map[string]any
	loc  []any
	errs *validationError
}

// decodeRaw decodes valid JSON with numbers kept as json.Number.
func decodeRaw(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw) // unreachable: raw was validated with the whole body
	}
	return v
}

// input is the object itself, as a missing field's error shows it.
func (o *object) input() any {
	if o.raw == nil {
		return o.m
	}
	m := make(map[string]any, len(o.raw))
	for k, v := range o.raw {
		m[k] = decodeRaw(v)
	}
	return m
}

func (o *object) at(key any) []any {
	loc := make([]any, len(o.loc), len(o.loc)+1)
	copy(loc, o.loc)
	return append(loc, key)
}

func (o *object) fail(loc []any, typ, msg string, input any) {
	*o.errs = append(*o.errs, fieldError{Type: typ, Loc: loc, Msg: msg, Input: input})
}

// err returns the collected validation errors, or nil.
func (o *object) err() error {
	if len(*o.errs) == 0 {
		return nil
	}
	return *o.errs
}

// field returns the value under key; a missing key is recorded as an error when required.
func (o *object) field(key string, required bool) (any, bool) {
	var v any
	var ok bool
	if o.raw != nil {
		var raw json.RawMessage
		if raw, ok = o.raw[key]; ok {
			v = decodeRaw(raw)
		}
	} else {
		v, ok = o.m[key]
	}
	if !ok && required {
		o.fail(o.at(key), "missing", "Field required", o.input())
	}
	return v, ok
}

// rawField returns the raw JSON of key when the object is raw-backed and has it.
func (o *object) rawField(key string) (json.RawMessage, bool) {
	if o.raw == nil {
		return nil, false
	}
	raw, ok := o.raw[key]
	return raw, ok
}

func (o *object) asString(loc []any, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		o.fail(loc, "string_type", "Input should be a valid string", v)
	}
	return s, ok
}

// str reads a required, non-null string.
func (o *object) str(key string) string {
	v, ok := o.field(key, true)
	if !ok {
		return ""
	}
	s, _ := o.asString(o.at(key), v)
	return s
}

// optStr reads an optional string that may be null or absent (nil then).
func (o *object) optStr(key string) *string {
	v, ok := o.field(key, false)
	if !ok || v == nil {
		return nil
	}
	if s, ok := o.asString(o.at(key), v); ok {
		return &s
	}
	return nil
}

// nullableStr reads a string whose key is required but whose value may be null.
func (o *object) nullableStr(key string) *string {
	v, ok := o.field(key, true)
	if !ok || v == nil {
		return nil
	}
	if s, ok := o.asString(o.at(key), v); ok {
		return &s
	}
	return nil
}

// integer reads a required integer, accepting 5, 5.0 and "5" as Pydantic's lax mode does.
func (o *object) integer(key string) int64 {
	v, ok := o.field(key, true)
	if !ok {
		return 0
	}
	loc := o.at(key)
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return int64(f)
		}
		o.fail(loc, "int_from_float", "Input should be a valid integer, got a number with a fractional part", v)
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return i
		}
		o.fail(loc, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", v)
	default:
		o.fail(loc, "int_type", "Input should be a valid integer", v)
	}
	return 0
}

// boolean reads an optional boolean with a default; an explicit null is an error.
func (o *object) boolean(key string, def bool) bool {
	v, ok := o.field(key, false)
	if !ok {
		return def
	}
	loc := o.at(key)
	switch x := v.(type) {
	case bool:
		return x
	case json.Number:
		switch string(x) {
		case "0", "0.0":
			return false
		case "1", "1.0":
			return true
		}
		o.fail(loc, "bool_parsing", "Input should be a valid boolean, unable to interpret input", v)
	case string:
		switch strings.ToLower(x) {
		case "true", "yes", "on", "t", "y", "1":
			return true
		case "false", "no", "off", "f", "n", "0":
			return false
		}
		o.fail(loc, "bool_parsing", "Input should be a valid boolean, unable to interpret input", v)
	default:
		o.fail(loc, "bool_type", "Input should be a valid boolean", v)
	}
	return def
}

// datetime reads a required datetime.
func (o *object) datetime(key string) time.Time {
	v, ok := o.field(key, true)
	if !ok {
		return time.Time{}
	}
	return o.asDatetime(o.at(key), v)
}

// optDatetime reads an optional datetime with a default; an explicit null is an error.
func (o *object) optDatetime(key string, def time.Time) time.Time {
	v, ok := o.field(key, false)
	if !ok {
		return def
	}
	return o.asDatetime(o.at(key), v)
}

func (o *object) asDatetime(loc []any, v any) time.Time {
	t, err := parseDatetime(v)
	if err != nil {
		o.fail(loc, "datetime_parsing", "Input should be a valid datetime, "+err.Error(), v)
	}
	return t
}

// jsonObject reads a required JSON object (free-form parameters).
func (o *object) jsonObject(key string) map[string]any {
	v, ok := o.field(key, true)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.fail(o.at(key), "dict_type", "Input should be a valid dictionary", v)
	}
	return m
}

// list reads a required JSON array.
func (o *object) list(key string) []any {
	v, ok := o.field(key, true)
	if !ok {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		o.fail(o.at(key), "list_type", "Input should be a valid list", v)
	}
	return l
}

// child returns a reader for a nested object at loc, or nil (with an error) when v is not one.
func (o *object) child(loc []any, v any) *object {
	m, ok := v.(map[string]any)
	if !ok {
		o.fail(loc, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from", v)
		return nil
	}
	return &object{m: m, loc: loc, errs: o.errs}
}

// objects reads a required array of objects, calling each for every element.
func (o *object) objects(key string, each func(i int, e *object)) {
	if raw, ok := o.rawField(key); ok && len(raw) > 0 && raw[0] == '[' {
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) == nil {
			for i, elem := range elems {
				var m map[string]json.RawMessage
				if json.Unmarshal(elem, &m) != nil || m == nil {
					o.fail(append(o.at(key), i), "model_attributes_type", "Input should be a valid dictionary or object to extract fields from", decodeRaw(elem))
					continue
				}
				each(i, &object{raw: m, loc: append(o.at(key), i), errs: o.errs})
			}
			return
		}
	}
	for i, v := range o.list(key) {
		if e := o.child(append(o.at(key), i), v); e != nil {
			each(i, e)
		}
	}
}

// values reads a required array of ValueType scalars.
func (o *object) values(key string) []dbcore.Value {
	if raw, ok := o.rawField(key); ok {
		if out, ok := scanValues(raw); ok {
			return out
		}
	}
	l := o.list(key)
	out := make([]dbcore.Value, len(l))
	for i, v := range l {
		out[i] = o.asValue(append(o.at(key), i), v)
	}
	return out
}

// datetimes reads a required array of datetimes.
func (o *object) datetimes(key string) []time.Time {
	if raw, ok := o.rawField(key); ok {
		if out, ok := scanDatetimes(raw); ok {
			return out
		}
	}
	l := o.list(key)
	out := make([]time.Time, len(l))
	for i, v := range l {
		out[i] = o.asDatetime(append(o.at(key), i), v)
	}
	return out
}

// coordinates reads an object mapping names to ValueType scalars; required says whether the key
// must be present (absent or null optional coordinates give nil).
func (o *object) coordinates(key string, required bool) map[string]dbcore.Value {
	v, ok := o.field(key, required)
	if !ok || (v == nil && !required) {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.fail(o.at(key), "dict_type", "Input should be a valid dictionary", v)
		return nil
	}
	out := make(map[string]dbcore.Value, len(m))
	for name, x := range m {
		out[name] = o.asValue(append(o.at(key), name), x)
	}
	return out
}

// asValue decodes a ValueType scalar: booleans, integer literals, float literals and strings keep
// their JSON type (api-contract.md §1.5); anything else is four errors, one per union member.
func (o *object) asValue(loc []any, v any) dbcore.Value {
	switch x := v.(type) {
	case bool:
		return dbcore.Value{Type: dbcore.Boolean, B: x}
	case string:
		return dbcore.Value{Type: dbcore.String, S: x}
	case json.Number:
		val, ok := numberValue(x)
		if !ok {
			o.fail(loc, "finite_number", "Input should be a finite number", v)
		}
		return val
	}
	for _, m := range []struct{ suffix, typ, msg string }{
		{"float", "float_type", "Input should be a valid number"},
		{"bool", "bool_type", "Input should be a valid boolean"},
		{"int", "int_type", "Input should be a valid integer"},
		{"str", "string_type", "Input should be a valid string"},
	} {
		o.fail(append(append([]any{}, loc...), m.suffix), m.typ, m.msg, v)
	}
	return dbcore.Value{}
}

// numberValue types a JSON number: Integer without fraction or exponent, Float otherwise. F always
// holds the number as a float, so an integer literal can become a float measure's value exactly.
func numberValue(n json.Number) (dbcore.Value, bool) {
	s := string(n)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return dbcore.Value{}, false
	}
	if strings.ContainsAny(s, ".eE") {
		return dbcore.Value{Type: dbcore.Float, F: f}, true
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil { // beyond 64 bits: keep it an integer that no integer column accepts
		i = math.MaxInt64
		if f < 0 {
			i = math.MinInt64
		}
	}
	return dbcore.Value{Type: dbcore.Integer, I: i, F: f}, true
}

// scanScalars calls fn with the raw bytes of each element of a valid JSON array. It gives up
// (returns false) on anything but numbers, literals and strings without escapes, leaving those to
// the general decoder, which also words the errors.
func scanScalars(raw []byte, fn func(elem []byte) bool) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return false
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return true
	}
	for i < len(raw) {
		start := i
		switch raw[i] {
		case '"':
			i++
			for i < len(raw) && raw[i] != '"' {
				if raw[i] == '\\' {
					return false
				}
				i++
			}
			i++
		case '[', '{':
			return false
		default:
			for i < len(raw) && raw[i] != ',' && raw[i] != ']' && raw[i] != ' ' && raw[i] != '\n' && raw[i] != '\t' && raw[i] != '\r' {
				i++
			}
		}
		if i > len(raw) || !fn(raw[start:i]) {
			return false
		}
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return false
		}
		if raw[i] == ']' {
			return true
		}
		if raw[i] != ',' {
			return false
		}
		i = skipSpace(raw, i+1)
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// scanValues is the fast path of values: an array of plain scalars, typed as asValue types them.
func scanValues(raw []byte) ([]dbcore.Value, bool) {
	out := make([]dbcore.Value, 0, len(raw)/8)
	ok := scanScalars(raw, func(e []byte) bool {
		switch {
		case e[0] == '"':
			if !utf8.Valid(e) { // the general decoder replaces invalid bytes; leave it to it
				return false
			}
			out = append(out, dbcore.Value{Type: dbcore.String, S: string(e[1 : len(e)-1])})
		case string(e) == "true" || string(e) == "false":
			out = append(out, dbcore.Value{Type: dbcore.Boolean, B: e[0] == 't'})
		default:
			v, ok := numberValue(json.Number(e))
			if !ok {
				return false
			}
			out = append(out, v)
		}
		return true
	})
	return out, ok
}

// scanDatetimes is the fast path of datetimes: an array of datetime strings or Unix numbers.
func scanDatetimes(raw []byte) ([]time.Time, bool) {
	out := make([]time.Time, 0, len(raw)/24)
	ok := scanScalars(raw, func(e []byte) bool {
		var v any = json.Number(e)
		if e[0] == '"' {
			v = string(e[1 : len(e)-1])
		} else if e[0] == 't' || e[0] == 'f' || e[0] == 'n' {
			return false
		}
		t, err := parseDatetime(v)
		if err != nil {
			return false
		}
		out = append(out, t)
		return true
	})
	return out, ok
}

package handlers

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dtbase-go/dtbase/dbcore"
)

// arrayCursor walks the elements of a valid JSON array (validated with the whole body) one at a time.
type arrayCursor struct {
	b []byte
	i int
}

// newArrayCursor returns a cursor over raw when it is an array.
func newArrayCursor(raw []byte) (*arrayCursor, bool) {
	c := &arrayCursor{b: raw}
	c.i = skipSpace(raw, 0)
	if c.i >= len(raw) || raw[c.i] != '[' {
		return nil, false
	}
	c.i = skipSpace(raw, c.i+1)
	return c, true
}

// next returns the raw bytes of the next element; ok is false at the end of the array.
func (c *arrayCursor) next() (elem []byte, ok bool) {
	if c.i >= len(c.b) || c.b[c.i] == ']' {
		return nil, false
	}
	start := c.i
	s := jsonScanner{b: c.b, i: c.i}
	if s.value() != nil { // unreachable for a validated body
		return nil, false
	}
	c.i = skipSpace(c.b, s.i)
	elem = c.b[start:s.i]
	if c.i < len(c.b) && c.b[c.i] == ',' {
		c.i = skipSpace(c.b, c.i+1)
	}
	return elem, true
}

// errNotFastPath says the streaming decoder met something it leaves to the general decoder
// (which words the error, or handles the rare form such as a string with escapes).
var errNotFastPath = errors.New("batch needs the general decoder")

// readingStream decodes readings and timestamps in step while they are copied into PostgreSQL.
type readingStream struct {
	values, timestamps *arrayCursor
	datatype           dbcore.Datatype
	t                  time.Time
	v                  any
	err                error
}

func newReadingStream(readings, timestamps json.RawMessage, d dbcore.Datatype) *readingStream {
	rc, ok1 := newArrayCursor(readings)
	tc, ok2 := newArrayCursor(timestamps)
	s := &readingStream{values: rc, timestamps: tc, datatype: d}
	if !ok1 || !ok2 {
		s.err = errNotFastPath
	}
	return s
}

func (s *readingStream) Next() bool {
	if s.err != nil {
		return false
	}
	ve, vok := s.values.next()
	te, tok := s.timestamps.next()
	if !vok || !tok {
		if vok != tok { // lengths differ
			s.err = errNotFastPath
		}
		return false
	}
	var err error
	if s.t, err = timestampElement(te); err == nil {
		s.v, err = valueElement(ve, s.datatype)
	}
	if err != nil {
		s.err = errNotFastPath
		return false
	}
	return true
}

func (s *readingStream) Reading() (time.Time, any) { return s.t, s.v }
func (s *readingStream) Err() error                { return s.err }

func timestampElement(e []byte) (time.Time, error) {
	switch {
	case e[0] == '"' && !hasBackslash(e):
		return parseDatetime(string(e[1 : len(e)-1]))
	case e[0] == '-' || (e[0] >= '0' && e[0] <= '9'):
		return parseDatetime(json.Number(e))
	}
	return time.Time{}, errNotFastPath
}

// valueElement converts one JSON scalar to the Go type of datatype d, with the rules of
// dbcore.Value.As: integer literals become floats, integers must fit 32 bits, nothing else converts.
func valueElement(e []byte, d dbcore.Datatype) (any, error) {
	switch d {
	case dbcore.Float:
		if e[0] == '-' || (e[0] >= '0' && e[0] <= '9') {
			f, err := strconv.ParseFloat(string(e), 64)
			if err == nil && !math.IsInf(f, 0) {
				return f, nil
			}
		}
	case dbcore.Integer:
		if e[0] == '-' || (e[0] >= '0' && e[0] <= '9') {
			if i, err := strconv.ParseInt(string(e), 10, 32); err == nil {
				return int32(i), nil
			}
		}
	case dbcore.Boolean:
		switch string(e) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	case dbcore.String:
		if e[0] == '"' && !hasBackslash(e) && utf8.Valid(e) {
			return string(e[1 : len(e)-1]), nil
		}
	}
	return nil, errNotFastPath
}

func hasBackslash(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

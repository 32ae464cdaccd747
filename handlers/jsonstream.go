package handlers

import (
	"bufio"
	"net/http"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

// jsonStream writes a JSON array element by element as a database source yields rows, so memory
// stays flat. Nothing is sent before open, so an error before that still gets a proper error
// response; after it, an error can only cut the response short (see finish).
type jsonStream struct {
	w      http.ResponseWriter
	bw     *bufio.Writer
	buf    []byte
	dates  datetimeAppender
	opened bool
	count  int
}

func newJSONStream(w http.ResponseWriter) *jsonStream {
	return &jsonStream{w: w, bw: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 256)}
}

// open sends the status and the text before the array's first element, e.g. `[`.
func (s *jsonStream) open(prefix string) error {
	s.w.Header().Set("Content-Type", "application/json")
	s.w.WriteHeader(http.StatusOK)
	s.opened = true
	_, err := s.bw.WriteString(prefix)
	return err
}

// element writes one element, which add appends to the buffer it is given.
func (s *jsonStream) element(add func(b []byte) []byte) error {
	s.buf = s.buf[:0]
	if s.count > 0 {
		s.buf = append(s.buf, ',')
	}
	s.count++
	s.buf = add(s.buf)
	_, err := s.bw.Write(s.buf)
	return err
}

// reading writes {"value":...,"timestamp":...}.
func (s *jsonStream) reading(t time.Time, v dbcore.Value) error {
	return s.element(func(b []byte) []byte {
		b = append(b, `{"value":`...)
		b = v.AppendJSON(b)
		b = append(b, `,"timestamp":`...)
		b = s.dates.append(b, t)
		return append(b, '}')
	})
}

// finish ends the response: with err nil it writes suffix (e.g. `]`) and flushes; with an error
// after open it aborts the connection, since the headers are gone and a truncated body is the only
// signal left (no JSON parser accepts it); before open it returns err for a proper answer.
func (s *jsonStream) finish(err error, suffix string) error {
	if err != nil {
		if s.opened {
			return errAbortResponse{err}
		}
		return err
	}
	s.bw.WriteString(suffix)
	return s.bw.Flush()
}

package handlers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

// maxReportedCSVErrors bounds how many bad lines an import reports.
const maxReportedCSVErrors = 20

// CSVReadings reads readings from CSV with a header: `timestamp,value` (the values of measure) or
// `timestamp,<measure>,<measure>...`. Cells are UTF-8; an empty value cell means no reading.
type CSVReadings struct {
	Measures []string
	r        *csv.Reader
	types    []dbcore.Datatype
	ts       time.Time
	values   []any
	bad      []string
	badCount int
}

// NewCSVReadings reads the header. measure names the measure of a `timestamp,value` file and must
// be empty otherwise.
func NewCSVReadings(r io.Reader, measure string) (*CSVReadings, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, dbcore.Invalidf("The CSV is empty: it needs a header such as timestamp,value")
	}
	if err != nil {
		return nil, dbcore.Invalidf("Line 1: %s", csvErrorText(err))
	}
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\uFEFF") // a byte-order mark from spreadsheet exports
	if len(header) < 2 || !strings.EqualFold(strings.TrimSpace(header[0]), "timestamp") {
		return nil, dbcore.Invalidf("Line 1: the header must be timestamp,value or timestamp,<measure>,...")
	}
	c := &CSVReadings{r: cr}
	if len(header) == 2 && strings.EqualFold(strings.TrimSpace(header[1]), "value") {
		if measure == "" {
			return nil, dbcore.Invalidf("A timestamp,value file needs measure_name")
		}
		c.Measures = []string{measure}
		return c, nil
	}
	if measure != "" {
		return nil, dbcore.Invalidf("measure_name is only for timestamp,value files; this header names its measures")
	}
	seen := map[string]bool{}
	for _, name := range header[1:] {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			return nil, dbcore.Invalidf("Line 1: measure names must be given once each")
		}
		seen[name] = true
		c.Measures = append(c.Measures, name)
	}
	return c, nil
}

func csvErrorText(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Open starts reading rows typed by the measures' datatypes (dbcore.ImportReadings calls it once).
func (c *CSVReadings) Open(types []dbcore.Datatype) dbcore.ImportSource {
	c.types = types
	c.values = make([]any, len(types))
	return c
}

// Next reads the next good row. Bad lines are collected (the first few with their reasons) and
// skipped, so one pass reports them; Err then fails the import.
func (c *CSVReadings) Next() bool {
	for {
		record, err := c.r.Read()
		if err == io.EOF {
			return false
		}
		line, _ := c.r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			if !errors.As(err, &pe) {
				c.fail(line, "reading the file: "+err.Error())
				return false
			}
			c.fail(line, csvErrorText(err))
			continue
		}
		if msg := c.parse(record); msg != "" {
			c.fail(line, msg)
			continue
		}
		if c.badCount == 0 {
			return true
		}
	}
}

func (c *CSVReadings) fail(line int, msg string) {
	c.badCount++
	if len(c.bad) < maxReportedCSVErrors {
		c.bad = append(c.bad, fmt.Sprintf("line %d: %s", line, msg))
	}
}

// parse fills ts and values from a record, or says what is wrong with it.
func (c *CSVReadings) parse(record []string) string {
	if len(record) != len(c.types)+1 {
		return fmt.Sprintf("%d fields, want %d", len(record), len(c.types)+1)
	}
	ts, err := parseDatetime(strings.TrimSpace(record[0]))
	if err != nil {
		return fmt.Sprintf("timestamp %q: %v", record[0], err)
	}
	c.ts = ts
	for k, d := range c.types {
		cell := strings.TrimSpace(record[k+1])
		if cell == "" {
			c.values[k] = nil
			continue
		}
		v, err := csvValue(cell, d)
		if err != nil {
			return fmt.Sprintf("%s %q: %v", c.Measures[k], cell, err)
		}
		c.values[k] = v
	}
	return ""
}

func csvValue(cell string, d dbcore.Datatype) (any, error) {
	switch d {
	case dbcore.Float:
		f, err := strconv.ParseFloat(cell, 64)
		if err != nil || f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
			return nil, errors.New("not a finite number")
		}
		return f, nil
	case dbcore.Integer:
		i, err := strconv.ParseInt(cell, 10, 32)
		if err != nil {
			return nil, errors.New("not a 32-bit integer")
		}
		return int32(i), nil
	case dbcore.Boolean:
		switch strings.ToLower(cell) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, errors.New("not a boolean (true, false, 1 or 0)")
	}
	if strings.IndexByte(cell, 0) >= 0 {
		return nil, errors.New("contains a NUL byte")
	}
	return cell, nil
}

// Row returns the current row.
func (c *CSVReadings) Row() (time.Time, []any) { return c.ts, c.values }

// Err reports the bad lines, if any.
func (c *CSVReadings) Err() error {
	if c.badCount == 0 {
		return nil
	}
	more := ""
	if c.badCount > len(c.bad) {
		more = fmt.Sprintf("; and %d more", c.badCount-len(c.bad))
	}
	return dbcore.Invalidf("%d bad line(s), nothing imported: %s%s", c.badCount, strings.Join(c.bad, "; "), more)
}

// importReadings streams a CSV body into the readings of one sensor (all or nothing).
func (s *Server) importReadings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	uid := q.Get("unique_identifier")
	if uid == "" {
		return badRequest("unique_identifier (query parameter) is required")
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxImportBytes)
	src, err := NewCSVReadings(body, q.Get("measure_name"))
	if err != nil {
		return importError(err)
	}
	res, err := s.db.ImportReadings(r.Context(), uid, src.Measures, src.Open)
	if err != nil {
		return importError(err)
	}
	writeJSON(w, http.StatusCreated, struct {
		Detail   string `json:"detail"`
		Rows     int64  `json:"rows"`
		Readings int64  `json:"readings"`
		Skipped  int64  `json:"skipped_duplicates"`
	}{"Readings imported", res.Rows, res.Readings, res.Skipped})
	return nil
}

func importError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &apiError{status: http.StatusRequestEntityTooLarge, detail: "CSV too large: at most " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"}
	}
	return err
}

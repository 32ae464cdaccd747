package handlers

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

// Readings at scale: aggregation, latest values, export, and paging of the long lists. The new
// endpoints sit beside the original's; paging is opt-in, so without `limit` and `cursor` the paged
// endpoints answer exactly as before.

// Page sizes: the default when only a cursor is given, and the largest limit accepted.
const (
	defaultPageSize  = 1000
	maxReadingsLimit = 100_000
	maxListLimit     = 10_000
)

// pageRequest is the optional `limit` and `cursor` of a paged list.
type pageRequest struct {
	on     bool // limit or cursor given: answer {"items": [...], "next_cursor": ...}
	limit  int
	cursor string
	bad    string // a limit out of range, reported by check
}

// readPage reads `limit` and `cursor` from body (which may be nil); null counts as absent. Type
// errors are recorded in body like any field's; call body.err() and then check.
func readPage(body *object, maxLimit int) pageRequest {
	p := pageRequest{limit: defaultPageSize}
	if body == nil {
		return p
	}
	if v, ok := body.field("limit", false); ok && v != nil {
		p.on = true
		n := body.integer("limit")
		if n < 1 || n > int64(maxLimit) {
			p.bad = "limit must be from 1 to " + strconv.Itoa(maxLimit)
		}
		p.limit = int(n)
	}
	if c := body.optStr("cursor"); c != nil {
		p.on = true
		p.cursor = *c
	}
	return p
}

func (p pageRequest) check() error {
	if p.bad != "" {
		return badRequest(p.bad)
	}
	return nil
}

// Cursor kinds: what the position of a cursor counts.
const (
	cursorReadings  byte = 'r' // the last reading's timestamp, Unix microseconds
	cursorModelRuns byte = 'm' // the last model run's id
	cursorRuns      byte = 's' // the last service run's id
	cursorOffset    byte = 'o' // the number of items already listed (stores without ids)
)

// errBadCursor answers a cursor that was not issued for this query.
var errBadCursor = badRequest("Invalid cursor: pass next_cursor of the previous page of the same query")

// queryFingerprint identifies the query a cursor belongs to, so that a cursor is refused by any
// other query instead of silently paging it from a foreign position.
func queryFingerprint(parts ...string) uint32 {
	h := fnv.New32a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum32()
}

// encodeCursor makes an opaque cursor: a version, the kind, the query's fingerprint and the position.
func encodeCursor(kind byte, fingerprint uint32, pos int64) string {
	var b [14]byte
	b[0], b[1] = 1, kind
	binary.BigEndian.PutUint32(b[2:], fingerprint)
	binary.BigEndian.PutUint64(b[6:], uint64(pos))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// decodeCursor returns the position of a cursor made by encodeCursor for kind and fingerprint.
func decodeCursor(s string, kind byte, fingerprint uint32) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 14 || b[0] != 1 || b[1] != kind || binary.BigEndian.Uint32(b[2:]) != fingerprint {
		return 0, errBadCursor
	}
	return int64(binary.BigEndian.Uint64(b[6:])), nil
}

// position is the cursor's position, or 0 (from the start) when there is no cursor. A store may
// answer with offset cursors instead of kind's (see runsPage).
func (p pageRequest) position(kind byte, fingerprint uint32) (int64, error) {
	if p.cursor == "" {
		return 0, nil
	}
	return decodeCursor(p.cursor, kind, fingerprint)
}

// pageJSON is a paged answer.
type pageJSON struct {
	Items      any     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// sensorReadingsPage answers sensor-readings with limit or cursor: {"items":[...],"next_cursor":...},
// streamed like the full answer. Readings are in timestamp order; each page continues after the
// last timestamp of the previous one.
func (s *Server) sensorReadingsPage(w http.ResponseWriter, r *http.Request, q dbcore.ReadingsQuery, page pageRequest) error {
	if err := page.check(); err != nil {
		return err
	}
	fp := queryFingerprint("sensor-readings", q.UniqueID, q.MeasureName)
	pos, err := page.position(cursorReadings, fp)
	if err != nil {
		return err
	}
	var after *time.Time
	if page.cursor != "" {
		t := time.UnixMicro(pos).UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return errBadCursor
		}
		after = &t
	}
	out := newJSONStream(w)
	n := 0
	var last time.Time
	more := false
	start := func() error { return out.open(`{"items":[`) }
	err = s.db.StreamReadingsPage(r.Context(), q, after, page.limit+1, start, func(t time.Time, v dbcore.Value) error {
		if n == page.limit {
			more = true
			return nil
		}
		n++
		last = t
		return out.reading(t, v)
	})
	next := `null}`
	if more {
		next = `"` + encodeCursor(cursorReadings, fp, last.UnixMicro()) + `"}`
	}
	return out.finish(err, `],"next_cursor":`+next)
}

// modelRunsPage lists one page of model runs, keyed on the run id.
func (s *Server) modelRunsPage(ctx context.Context, model string, from, to time.Time, scenario *string, page pageRequest) ([]dbcore.ModelRun, *string, error) {
	if err := page.check(); err != nil {
		return nil, nil, err
	}
	sc := "\x01" // no scenario filter
	if scenario != nil {
		sc = *scenario
	}
	fp := queryFingerprint("list-model-runs", model, sc)
	after, err := page.position(cursorModelRuns, fp)
	if err != nil {
		return nil, nil, err
	}
	runs, err := s.db.ListModelRunsPage(ctx, model, from, to, scenario, after, page.limit+1)
	if err != nil || len(runs) <= page.limit {
		return runs, nil, err
	}
	runs = runs[:page.limit]
	next := encodeCursor(cursorModelRuns, fp, int64(runs[len(runs)-1].ID))
	return runs, &next, nil
}

// pagedRunStore is a run store that pages by position itself (PostgreSQL). Other stores (Cosmos
// DB) list everything and the page is cut from the list by offset.
type pagedRunStore interface {
	ListRunsPage(ctx context.Context, serviceName, setName *string, afterID int64, limit int) ([]dbcore.ServiceRun, []int64, error)
}

// runsPage lists one page of service runs.
func (s *Server) runsPage(ctx context.Context, service, set *string, page pageRequest) ([]dbcore.ServiceRun, *string, error) {
	if err := page.check(); err != nil {
		return nil, nil, err
	}
	sv, st := "\x01", "\x01"
	if service != nil {
		sv = *service
	}
	if set != nil {
		st = *set
	}
	fp := queryFingerprint("list-runs", sv, st)
	if store, ok := s.runs.(pagedRunStore); ok {
		after, err := page.position(cursorRuns, fp)
		if err != nil {
			return nil, nil, err
		}
		runs, ids, err := store.ListRunsPage(ctx, service, set, after, page.limit+1)
		if err != nil || len(runs) <= page.limit {
			return runs, nil, err
		}
		next := encodeCursor(cursorRuns, fp, ids[page.limit-1])
		return runs[:page.limit], &next, nil
	}
	offset, err := page.position(cursorOffset, fp)
	if err != nil {
		return nil, nil, err
	}
	if offset < 0 {
		return nil, nil, errBadCursor
	}
	all, err := s.runs.ListRuns(ctx, service, set)
	if err != nil {
		return nil, nil, err
	}
	if offset > int64(len(all)) {
		offset = int64(len(all))
	}
	runs := all[offset:]
	if len(runs) <= page.limit {
		return runs, nil, nil
	}
	next := encodeCursor(cursorOffset, fp, offset+int64(page.limit))
	return runs[:page.limit], &next, nil
}

// stringList reads an optional array of strings; absent or null gives nil.
func stringList(body *object, key string) []string {
	v, ok := body.field(key, false)
	if !ok || v == nil {
		return nil
	}
	l, ok := v.([]any)
	if !ok {
		body.fail(body.at(key), "list_type", "Input should be a valid list", v)
		return nil
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		if s, ok := body.asString(append(body.at(key), i), e); ok {
			out = append(out, s)
		}
	}
	return out
}

// sensorList reads the sensors of a request: `unique_identifiers` (a list) or `unique_identifier`
// (one). With required set, one of them must be given.
func sensorList(body *object, required bool) ([]string, error) {
	list := stringList(body, "unique_identifiers")
	one := body.optStr("unique_identifier")
	switch {
	case one != nil && list != nil:
		return nil, badRequest("Give unique_identifier or unique_identifiers, not both")
	case one != nil:
		return []string{*one}, nil
	case list != nil && len(list) == 0:
		return nil, badRequest("unique_identifiers is empty: give at least one sensor")
	case list == nil && required:
		if err := body.err(); err != nil {
			return nil, err
		}
		return nil, badRequest("Give the sensors: unique_identifiers (a list) or unique_identifier")
	}
	if len(list) > dbcore.MaxSensorsPerQuery {
		return nil, badRequest("At most " + strconv.Itoa(dbcore.MaxSensorsPerQuery) + " sensors per request")
	}
	return list, nil
}

// widthUnits are the units of a bucket width.
var widthUnits = map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}

// maxWidth is the widest bucket: ten years and then some.
const maxWidth = 3660 * 24 * time.Hour

// parseWidth reads a bucket width such as "15m", "1h" or "1d": a whole number from 1 to 999999 and
// one of the units s, m, h, d, w. Days are 24 hours and weeks 7 days, counted in UTC.
func parseWidth(s string) (time.Duration, error) {
	bad := badRequest("Bad width '" + s + "': give a whole number and a unit, e.g. 15m, 1h or 1d (units: s, m, h, d, w)")
	if len(s) < 2 || len(s) > 7 {
		return 0, bad
	}
	unit, ok := widthUnits[s[len(s)-1]]
	if !ok {
		return 0, bad
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n < 1 || s[0] < '1' || s[0] > '9' {
		return 0, bad
	}
	if int64(n) > int64(maxWidth/unit) {
		return 0, badRequest("Width '" + s + "' is too wide: at most 3660 days")
	}
	return time.Duration(n) * unit, nil
}

// epoch is the default origin of buckets: they are aligned to UTC (midnight for days, Thursday
// 1970-01-01 for weeks; give an origin such as a Monday to align weeks to it).
var epoch = time.Unix(0, 0).UTC()

// aggregateReadings answers POST /sensor/aggregate-readings: readings of one measure of some sensors
// over dt_from <= timestamp < dt_to, in buckets of `width` aligned to `origin`, each with the
// requested functions, computed in PostgreSQL. Only buckets holding readings are listed, by sensor
// (in the order given) and then time:
// [{"unique_identifier":..,"bucket":..,"mean":..,...}].
func (s *Server) aggregateReadings(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	q := dbcore.AggregateQuery{MeasureName: body.str("measure_name"), From: body.datetime("dt_from"), To: body.datetime("dt_to"),
		Origin: body.optDatetime("origin", epoch)}
	width := body.str("width")
	fns := body.list("functions")
	names := make([]string, 0, len(fns))
	for i, f := range fns {
		if name, ok := body.asString(append(body.at("functions"), i), f); ok {
			names = append(names, name)
		}
	}
	uids, err := sensorList(body, true)
	if err := body.err(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	q.UniqueIDs = uids
	if q.Width, err = parseWidth(width); err != nil {
		return err
	}
	if len(names) == 0 {
		return badRequest("functions is empty: give at least one of " + aggregateFuncNames())
	}
	for _, name := range names {
		f := dbcore.AggregateFunc(name)
		known := false
		for _, k := range dbcore.AggregateFuncs {
			known = known || k == f
		}
		if !known {
			return badRequest("Unknown function '" + name + "': use " + aggregateFuncNames())
		}
		q.Functions = append(q.Functions, f)
	}
	if q.From.After(q.To) {
		return badRequest("dt_from must not be after dt_to")
	}
	// Each sensor's part of an object is encoded once: {"unique_identifier":"..","bucket":
	prefixes := make([][]byte, len(uids))
	for i, uid := range uids {
		prefixes[i] = dbcore.Value{Type: dbcore.String, S: uid}.AppendJSON([]byte(`{"unique_identifier":`))
		prefixes[i] = append(prefixes[i], `,"bucket":`...)
	}
	keys := make([][]byte, len(q.Functions))
	for i, f := range q.Functions {
		keys[i] = []byte(`,"` + string(f) + `":`)
	}
	out := newJSONStream(w)
	err = s.db.AggregateReadings(r.Context(), q, func(dbcore.Datatype) error { return out.open("[") }, func(b *dbcore.AggregateBucket) error {
		return out.element(func(buf []byte) []byte {
			buf = append(buf, prefixes[b.Sensor]...)
			buf = out.dates.append(buf, b.Start)
			for i, v := range b.Values {
				buf = append(buf, keys[i]...)
				buf = v.AppendJSON(buf)
			}
			return append(buf, '}')
		})
	})
	return out.finish(err, "]")
}

func aggregateFuncNames() string {
	names := make([]string, len(dbcore.AggregateFuncs))
	for i, f := range dbcore.AggregateFuncs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// latestReadings answers POST /sensor/latest-readings: for each sensor (all, those of `type_name`,
// or those of `unique_identifiers`) and each measure of its type (or only `measure_name`) that has
// readings, the latest one, by sensor then measure. As for list-sensors, send {} for everything.
func (s *Server) latestReadings(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	q := dbcore.LatestQuery{TypeName: body.optStr("type_name"), MeasureName: body.optStr("measure_name")}
	uids, err := sensorList(body, false)
	if err := body.err(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	q.UniqueIDs = uids
	latest, err := s.db.LatestReadings(r.Context(), q)
	if err != nil {
		return err
	}
	// Written by hand: for thousands of sensors, reflection would cost more than the query.
	str := func(b []byte, s string) []byte { return dbcore.Value{Type: dbcore.String, S: s}.AppendJSON(b) }
	buf := make([]byte, 0, 64+160*len(latest))
	var dates datetimeAppender
	buf = append(buf, '[')
	for i, l := range latest {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = str(append(buf, `{"unique_identifier":`...), l.UniqueID)
		buf = str(append(buf, `,"measure_name":`...), l.MeasureName)
		buf = append(buf, `,"units":`...)
		if l.Units != nil {
			buf = str(buf, *l.Units)
		} else {
			buf = append(buf, "null"...)
		}
		buf = str(append(buf, `,"datatype":`...), string(l.Datatype))
		buf = l.Value.AppendJSON(append(buf, `,"value":`...))
		buf = dates.append(append(buf, `,"timestamp":`...), l.Timestamp)
		buf = append(buf, '}')
	}
	buf = append(buf, ']')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(buf) //nolint:errcheck // nothing to do when the client has gone
	return nil
}

// exportReadings answers POST /sensor/export-readings: the readings of sensors and measures with
// dt_from <= timestamp < dt_to as CSV (`format` "csv", the default: a header line, then
// unique_identifier,measure_name,units,timestamp,value) or JSON lines ("jsonl": one object a line).
// Rows are ordered by sensor, measure and timestamp and streamed as PostgreSQL sends them: memory
// stays flat and the first bytes leave at once, whatever the size.
func (s *Server) exportReadings(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	q := dbcore.ExportQuery{TypeName: body.optStr("type_name"), MeasureNames: stringList(body, "measure_names"),
		From: body.datetime("dt_from"), To: body.datetime("dt_to")}
	format := "csv"
	if f := body.optStr("format"); f != nil {
		format = *f
	}
	uids, err := sensorList(body, false)
	if err := body.err(); err != nil {
		return err
	}
	if err != nil {
		return err
	}
	q.UniqueIDs = uids
	if format != "csv" && format != "jsonl" {
		return badRequest("Unknown format '" + format + "': use csv or jsonl")
	}
	if q.From.After(q.To) {
		return badRequest("dt_from must not be after dt_to")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	rc := http.NewResponseController(w)
	start := func() error {
		if format == "csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="readings.csv"`)
		} else {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.Header().Set("Content-Disposition", `attachment; filename="readings.jsonl"`)
		}
		w.WriteHeader(http.StatusOK)
		if format == "csv" {
			bw.WriteString("unique_identifier,measure_name,units,timestamp,value\r\n")
		}
		// The first bytes leave now, before the first reading is read.
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	}
	var (
		buf     = make([]byte, 0, 256)
		dates   datetimeAppender
		prefix  []byte // the row's sensor and measure part, encoded once per pair
		current *dbcore.ExportRow
		started bool
	)
	wrapStart := func() error { started = true; return start() }
	err = s.db.ExportReadings(r.Context(), q, wrapStart, func(row *dbcore.ExportRow) error {
		if row != current {
			current = row
			if format == "csv" {
				prefix = appendCSVField(prefix[:0], row.UniqueID)
				prefix = append(prefix, ',')
				prefix = appendCSVField(prefix, row.MeasureName)
				prefix = append(prefix, ',')
				if row.Units != nil {
					prefix = appendCSVField(prefix, *row.Units)
				}
				prefix = append(prefix, ',')
			} else {
				prefix = append(prefix[:0], `{"unique_identifier":`...)
				prefix = dbcore.Value{Type: dbcore.String, S: row.UniqueID}.AppendJSON(prefix)
				prefix = append(prefix, `,"measure_name":`...)
				prefix = dbcore.Value{Type: dbcore.String, S: row.MeasureName}.AppendJSON(prefix)
				prefix = append(prefix, `,"units":`...)
				if row.Units != nil {
					prefix = dbcore.Value{Type: dbcore.String, S: *row.Units}.AppendJSON(prefix)
				} else {
					prefix = append(prefix, "null"...)
				}
				prefix = append(prefix, `,"timestamp":`...)
			}
		}
		buf = append(buf[:0], prefix...)
		if format == "csv" {
			n := len(buf) // the timestamp without its quotes
			buf = dates.append(buf, row.Timestamp)
			copy(buf[n:], buf[n+1:len(buf)-1])
			buf = buf[:len(buf)-2]
			buf = append(buf, ',')
			if row.Value.Type == dbcore.String {
				buf = appendCSVField(buf, row.Value.S)
			} else {
				buf = row.Value.AppendJSON(buf)
			}
			buf = append(buf, '\r', '\n')
		} else {
			buf = dates.append(buf, row.Timestamp)
			buf = append(buf, `,"value":`...)
			buf = row.Value.AppendJSON(buf)
			buf = append(buf, '}', '\n')
		}
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		if started {
			return errAbortResponse{err}
		}
		return err
	}
	return bw.Flush()
}

// appendCSVField appends s as one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a
// comma, a quote, a line break or leading or trailing space.
func appendCSVField(b []byte, s string) []byte {
	if s == "" || (!strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[len(s)-1] != ' ') {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

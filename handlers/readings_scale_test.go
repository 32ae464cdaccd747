package handlers_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
)

// Tests of the readings-at-scale endpoints (aggregate-readings, latest-readings, export-readings)
// and of paging (limit and cursor on sensor-readings, list-model-runs and list-runs).

// scaleTypes: a type with a float, an integer, a boolean and a string measure.
const scaleType = `{"name":"station","measures":[{"name":"temperature","units":"K","datatype":"float"},` +
	`{"name":"visits","units":"count","datatype":"integer"},{"name":"open","units":null,"datatype":"boolean"},` +
	`{"name":"status","units":"","datatype":"string"}]}`

// scaleAPI is a server with sensors A, B and C of type station and the readings given as
// "sensor measure timestamp value" lines (value as raw JSON).
func scaleAPI(t *testing.T, readings ...string) *api {
	t.Helper()
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor-type", scaleType).expect(201, "")
	for _, s := range []string{"A", "B", "C"} {
		a.post(sensorAPI+"insert-sensor", `{"type_name":"station","unique_identifier":"`+s+`"}`).expect(201, "")
	}
	for _, line := range readings {
		f := strings.SplitN(line, " ", 4)
		a.post(sensorAPI+"insert-sensor-readings", readingsBody(f[0], f[1], "["+f[3]+"]", `["`+f[2]+`"]`)).expect(201, "")
	}
	return a
}

func aggBody(sensors, measure, from, to, width string, fns string, extra ...string) string {
	b := `{"unique_identifiers":` + sensors + `,"measure_name":"` + measure + `","dt_from":"` + from + `","dt_to":"` + to +
		`","width":"` + width + `","functions":` + fns
	for _, e := range extra {
		b += "," + e
	}
	return b + "}"
}

func TestAggregateReadings(t *testing.T) {
	a := scaleAPI(t,
		// Bucket edges at 15 minutes: 00:00 and 00:14:59.999999 fall in the first bucket, 00:15 in the second.
		"A temperature 2024-01-01T00:00:00Z 10.0",
		"A temperature 2024-01-01T00:14:59.999999Z 20.0",
		"A temperature 2024-01-01T00:15:00Z 30.5",
		"A temperature 2024-01-01T00:29:00Z 1.5",
		"A temperature 2024-01-01T01:00:00Z 99.0",
		"A temperature 2023-12-31T23:59:59Z -5.0", // last year, its own partition
		"B temperature 2024-01-01T00:20:00Z 7.0",
		"A visits 2024-01-01T00:01:00Z 3",
		"A visits 2024-01-01T00:02:00Z 5",
		"A visits 2024-01-01T00:16:00Z 2147483647",
		"A visits 2024-01-01T00:17:00Z 2147483647",
		"A open 2024-01-01T00:00:00Z true",
		"A open 2024-01-01T00:05:00Z false",
		"A open 2024-01-01T00:06:00Z true",
		"A open 2024-01-01T00:20:00Z false",
		"A status 2024-01-01T00:00:00Z \"ok\"",
	)
	all := `["mean","min","max","sum","count","first","last"]`
	// Half-open range: the 01:00 reading is out, the 00:00 one in; empty buckets are left out.
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A"]`, "temperature", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", "15m", all)).expectExactBody(200,
		`[{"unique_identifier":"A","bucket":"2024-01-01T00:00:00Z","mean":15.0,"min":10.0,"max":20.0,"sum":30.0,"count":2,"first":10.0,"last":20.0},`+
			`{"unique_identifier":"A","bucket":"2024-01-01T00:15:00Z","mean":16.0,"min":1.5,"max":30.5,"sum":32.0,"count":2,"first":30.5,"last":1.5}]`)
	// One sensor given as unique_identifier; functions in the order asked.
	a.post(sensorAPI+"aggregate-readings", `{"unique_identifier":"A","measure_name":"temperature","dt_from":"2023-12-31T00:00:00Z",`+
		`"dt_to":"2024-01-02T00:00:00Z","width":"1d","functions":["count","last"]}`).expectExactBody(200,
		`[{"unique_identifier":"A","bucket":"2023-12-31T00:00:00Z","count":1,"last":-5.0},`+
			`{"unique_identifier":"A","bucket":"2024-01-01T00:00:00Z","count":5,"last":99.0}]`)
	// An origin moves the bucket edges: days from 23:00 UTC (midnight at UTC+1), 15 minutes from :05.
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A"]`, "temperature", "2023-12-31T00:00:00Z", "2024-01-02T00:00:00Z", "1d", `["count"]`,
		`"origin":"2024-01-01T00:00:00+01:00"`)).expectExactBody(200,
		`[{"unique_identifier":"A","bucket":"2023-12-31T23:00:00Z","count":6}]`)
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A"]`, "temperature", "2024-01-01T00:00:00Z", "2024-01-01T00:30:00Z", "15m", `["count","sum"]`,
		`"origin":"2000-01-01T00:05:00"`)).expectExactBody(200,
		`[{"unique_identifier":"A","bucket":"2023-12-31T23:50:00Z","count":1,"sum":10.0},`+
			`{"unique_identifier":"A","bucket":"2024-01-01T00:05:00Z","count":2,"sum":50.5},`+
			`{"unique_identifier":"A","bucket":"2024-01-01T00:20:00Z","count":1,"sum":1.5}]`)
	// Several sensors, in the order given; C has no readings.
	a.post(sensorAPI+"aggregate-readings", aggBody(`["B","C","A"]`, "temperature", "2024-01-01T00:00:00Z", "2024-01-01T00:30:00Z", "30m", `["max"]`)).expectExactBody(200,
		`[{"unique_identifier":"B","bucket":"2024-01-01T00:00:00Z","max":7.0},{"unique_identifier":"A","bucket":"2024-01-01T00:00:00Z","max":30.5}]`)
	// Integers: the mean is a float, sums are 64-bit, the rest stay integers.
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A"]`, "visits", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", "15m", all)).expectExactBody(200,
		`[{"unique_identifier":"A","bucket":"2024-01-01T00:00:00Z","mean":4.0,"min":3,"max":5,"sum":8,"count":2,"first":3,"last":5},`+
			`{"unique_identifier":"A","bucket":"2024-01-01T00:15:00Z","mean":2147483647.0,"min":2147483647,"max":2147483647,"sum":4294967294,"count":2,"first":2147483647,"last":2147483647}]`)
	// Booleans: count and the share of true.
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A"]`, "open", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", "15m", `["share_true","count"]`)).expectExactBody(200,
		`[{"unique_identifier":"A","bucket":"2024-01-01T00:00:00Z","share_true":0.6666666666666666,"count":3},`+
			`{"unique_identifier":"A","bucket":"2024-01-01T00:15:00Z","share_true":0.0,"count":1}]`)
	// Empty ranges: nothing stored there, an empty interval, a sensor without readings.
	for _, body := range []string{
		aggBody(`["A"]`, "temperature", "2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z", "1h", `["mean"]`),
		aggBody(`["A"]`, "temperature", "2024-01-01T00:15:00Z", "2024-01-01T00:15:00Z", "1h", `["mean"]`),
		aggBody(`["C"]`, "temperature", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "1h", `["mean"]`),
	} {
		a.post(sensorAPI+"aggregate-readings", body).expectExactBody(200, `[]`)
	}

	from, to := "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"
	for _, c := range []struct{ body, detail string }{
		{aggBody(`["A"]`, "temperature", from, to, "15", `["mean"]`), "Bad width '15': give a whole number and a unit, e.g. 15m, 1h or 1d (units: s, m, h, d, w)"},
		{aggBody(`["A"]`, "temperature", from, to, "0m", `["mean"]`), "Bad width '0m': give a whole number and a unit, e.g. 15m, 1h or 1d (units: s, m, h, d, w)"},
		{aggBody(`["A"]`, "temperature", from, to, "1y", `["mean"]`), "Bad width '1y': give a whole number and a unit, e.g. 15m, 1h or 1d (units: s, m, h, d, w)"},
		{aggBody(`["A"]`, "temperature", from, to, "1.5h", `["mean"]`), "Bad width '1.5h': give a whole number and a unit, e.g. 15m, 1h or 1d (units: s, m, h, d, w)"},
		{aggBody(`["A"]`, "temperature", from, to, "-1h", `["mean"]`), "Bad width '-1h': give a whole number and a unit, e.g. 15m, 1h or 1d (units: s, m, h, d, w)"},
		{aggBody(`["A"]`, "temperature", from, to, "999999w", `["mean"]`), "Width '999999w' is too wide: at most 3660 days"},
		{aggBody(`["A"]`, "temperature", from, to, "1h", `[]`), "functions is empty: give at least one of mean, min, max, sum, count, first, last, share_true"},
		{aggBody(`["A"]`, "temperature", from, to, "1h", `["median"]`), "Unknown function 'median': use mean, min, max, sum, count, first, last, share_true"},
		{aggBody(`["A"]`, "temperature", from, to, "1h", `["mean","mean"]`), "Function 'mean' is listed twice"},
		{aggBody(`["A"]`, "temperature", from, to, "1h", `["share_true"]`), "Function 'share_true' does not apply to float readings; use mean, min, max, sum, count, first, last"},
		{aggBody(`["A"]`, "open", from, to, "1h", `["mean"]`), "Function 'mean' does not apply to boolean readings; use count, share_true"},
		{aggBody(`["A"]`, "status", from, to, "1h", `["count"]`), "Readings of datatype string cannot be aggregated"},
		{aggBody(`["A","nope"]`, "temperature", from, to, "1h", `["mean"]`), "Sensor 'nope' does not exist"},
		{aggBody(`["A","A"]`, "temperature", from, to, "1h", `["mean"]`), "Sensor 'A' is listed twice"},
		{aggBody(`["A"]`, "humidity", from, to, "1h", `["mean"]`), "Measure 'humidity' is not a measure of the type of sensor 'A'"},
		{aggBody(`["A"]`, "temperature", to, from, "1h", `["mean"]`), "dt_from must not be after dt_to"},
		{aggBody(`[]`, "temperature", from, to, "1h", `["mean"]`), "unique_identifiers is empty: give at least one sensor"},
		{`{"measure_name":"temperature","dt_from":"2024-01-01","dt_to":"2024-01-02","width":"1h","functions":["mean"]}`, "Give the sensors: unique_identifiers (a list) or unique_identifier"},
		{aggBody(`["A"]`, "temperature", from, to, "1h", `["mean"]`, `"unique_identifier":"A"`), "Give unique_identifier or unique_identifiers, not both"},
	} {
		a.post(sensorAPI+"aggregate-readings", c.body).expect(400, c.detail)
	}
	// Missing or mistyped fields are validation errors, as everywhere.
	a.post(sensorAPI+"aggregate-readings", `{"unique_identifiers":["A"],"measure_name":"temperature","dt_from":"2024-01-01","dt_to":"2024-01-02","functions":["mean"]}`).expect(422, "")
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A"]`, "temperature", from, to, "1h", `"mean"`)).expect(422, "")
	a.post(sensorAPI+"aggregate-readings", aggBody(`[1]`, "temperature", from, to, "1h", `["mean"]`)).expect(422, "")
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A"]`, "temperature", from, to, "1h", `["mean"]`, `"origin":"soon"`)).expect(422, "")

	// A sensor type where the measure has another datatype cannot be mixed in.
	a.post(sensorAPI+"insert-sensor-type", `{"name":"other","measures":[{"name":"temperature","units":"C","datatype":"integer"}]}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"other","unique_identifier":"D"}`).expect(201, "")
	a.post(sensorAPI+"aggregate-readings", aggBody(`["A","D"]`, "temperature", from, to, "1h", `["mean"]`)).
		expect(400, "Measure 'temperature' is of datatype float for sensor 'A' but integer for sensor 'D'")
}

func TestLatestReadings(t *testing.T) {
	a := scaleAPI(t,
		"A temperature 2024-01-01T00:00:00Z 1.0",
		"A temperature 2024-03-05T10:00:00.5Z 2.0",
		"A temperature 2019-07-01T00:00:00Z 0.5",
		"A open 2024-01-01T00:00:00Z true",
		"A status 2024-01-02T00:00:00Z \"fine, \\\"really\\\"\"",
		"B temperature 2010-05-05T05:05:05Z -1.0", // B's only reading is years old
		"B visits 2024-02-02T00:00:00Z 42",
	)
	aTemp := `{"unique_identifier":"A","measure_name":"temperature","units":"K","datatype":"float","value":2.0,"timestamp":"2024-03-05T10:00:00.500000Z"}`
	aOpen := `{"unique_identifier":"A","measure_name":"open","units":null,"datatype":"boolean","value":true,"timestamp":"2024-01-01T00:00:00Z"}`
	aStatus := `{"unique_identifier":"A","measure_name":"status","units":"","datatype":"string","value":"fine, \"really\"","timestamp":"2024-01-02T00:00:00Z"}`
	bTemp := `{"unique_identifier":"B","measure_name":"temperature","units":"K","datatype":"float","value":-1.0,"timestamp":"2010-05-05T05:05:05Z"}`
	bVisits := `{"unique_identifier":"B","measure_name":"visits","units":"count","datatype":"integer","value":42,"timestamp":"2024-02-02T00:00:00Z"}`
	everything := "[" + aTemp + "," + aOpen + "," + aStatus + "," + bTemp + "," + bVisits + "]"
	a.post(sensorAPI+"latest-readings", `{}`).expectExactBody(200, everything)
	a.do("POST", "/api/sensor/latest-readings", nil, a.Token).expect(422, "") // as list-sensors: send {} for everything
	a.post(sensorAPI+"latest-readings", `{"type_name":"station"}`).expectExactBody(200, everything)
	a.post(sensorAPI+"latest-readings", `{"measure_name":"temperature"}`).expectExactBody(200, "["+aTemp+","+bTemp+"]")
	a.post(sensorAPI+"latest-readings", `{"unique_identifiers":["B"]}`).expectExactBody(200, "["+bTemp+","+bVisits+"]")
	a.post(sensorAPI+"latest-readings", `{"unique_identifier":"C"}`).expectExactBody(200, `[]`)
	// A newer reading, in a month that had no partition, becomes the latest.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("B", "temperature", "[3.25]", `["2031-01-01T00:00:00Z"]`)).expect(201, "")
	a.post(sensorAPI+"latest-readings", `{"unique_identifier":"B","measure_name":"temperature"}`).expectExactBody(200,
		`[{"unique_identifier":"B","measure_name":"temperature","units":"K","datatype":"float","value":3.25,"timestamp":"2031-01-01T00:00:00Z"}]`)

	a.post(sensorAPI+"latest-readings", `{"type_name":"nope"}`).expect(400, "Sensor type 'nope' does not exist")
	a.post(sensorAPI+"latest-readings", `{"unique_identifiers":["A","nope"]}`).expect(400, "Sensor 'nope' does not exist")
	a.post(sensorAPI+"latest-readings", `{"measure_name":"humidity"}`).expect(400, "No sensor measure named 'humidity'")
	a.post(sensorAPI+"latest-readings", `{"unique_identifiers":[]}`).expect(400, "unique_identifiers is empty: give at least one sensor")
	a.post(sensorAPI+"latest-readings", `{"unique_identifiers":"A"}`).expect(422, "")
}

func TestExportReadings(t *testing.T) {
	a := scaleAPI(t,
		"A temperature 2024-01-01T00:00:00Z 1.0",
		"A temperature 2024-01-01T00:00:01.25Z 1e-05",
		"A temperature 2024-01-02T00:00:00Z 3.0", // at dt_to: left out
		"A status 2024-01-01T12:00:00Z \"a, \\\"b\\\"\"",
		"A open 2024-01-01T00:00:00Z false",
		"B visits 2024-01-01T06:00:00Z -7",
		"B temperature 2023-06-01T00:00:00Z 9.0", // before dt_from
	)
	a.post(sensorAPI+"insert-sensor", `{"type_name":"station","unique_identifier":"with,comma"}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("with,comma", "temperature", "[2.0]", `["2024-01-01T01:00:00Z"]`)).expect(201, "")
	day := `"dt_from":"2024-01-01T00:00:00Z","dt_to":"2024-01-02T00:00:00Z"`

	res := a.post(sensorAPI+"export-readings", `{`+day+`}`).expect(200, "")
	if ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"); ct != "text/csv; charset=utf-8" || cd != `attachment; filename="readings.csv"` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	wantCSV := "unique_identifier,measure_name,units,timestamp,value\r\n" +
		"A,temperature,K,2024-01-01T00:00:00Z,1.0\r\n" +
		"A,temperature,K,2024-01-01T00:00:01.250000Z,1e-05\r\n" +
		"A,open,,2024-01-01T00:00:00Z,false\r\n" +
		"A,status,,2024-01-01T12:00:00Z,\"a, \"\"b\"\"\"\r\n" +
		"B,visits,count,2024-01-01T06:00:00Z,-7\r\n" +
		"\"with,comma\",temperature,K,2024-01-01T01:00:00Z,2.0\r\n"
	if string(res.Body) != wantCSV {
		t.Errorf("CSV export:\n%s\nwant\n%s", res.Body, wantCSV)
	}
	// Sensors in the order given, one measure; JSON lines.
	res = a.post(sensorAPI+"export-readings", `{"unique_identifiers":["with,comma","A"],"measure_names":["temperature"],"format":"jsonl",`+day+`}`).expect(200, "")
	wantJSONL := `{"unique_identifier":"with,comma","measure_name":"temperature","units":"K","timestamp":"2024-01-01T01:00:00Z","value":2.0}` + "\n" +
		`{"unique_identifier":"A","measure_name":"temperature","units":"K","timestamp":"2024-01-01T00:00:00Z","value":1.0}` + "\n" +
		`{"unique_identifier":"A","measure_name":"temperature","units":"K","timestamp":"2024-01-01T00:00:01.250000Z","value":1e-05}` + "\n"
	if string(res.Body) != wantJSONL || res.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("JSON lines export (%s):\n%s\nwant\n%s", res.Header.Get("Content-Type"), res.Body, wantJSONL)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(res.Body)), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("line is not JSON: %s", line)
		}
	}
	// By type and measure; an empty range gives the header only.
	a.post(sensorAPI+"export-readings", `{"type_name":"station","measure_names":["visits"],`+day+`}`).
		expectExactBody(200, "unique_identifier,measure_name,units,timestamp,value\r\nB,visits,count,2024-01-01T06:00:00Z,-7\r\n")
	a.post(sensorAPI+"export-readings", `{"dt_from":"2024-01-01T00:00:00Z","dt_to":"2024-01-01T00:00:00Z"}`).
		expectExactBody(200, "unique_identifier,measure_name,units,timestamp,value\r\n")
	a.post(sensorAPI+"export-readings", `{"format":"jsonl","dt_from":"2000-01-01T00:00:00Z","dt_to":"2001-01-01T00:00:00Z"}`).expectExactBody(200, "")

	for _, c := range []struct{ body, detail string }{
		{`{"format":"xlsx",` + day + `}`, "Unknown format 'xlsx': use csv or jsonl"},
		{`{"dt_from":"2024-01-02T00:00:00Z","dt_to":"2024-01-01T00:00:00Z"}`, "dt_from must not be after dt_to"},
		{`{"unique_identifiers":["nope"],` + day + `}`, "Sensor 'nope' does not exist"},
		{`{"measure_names":["humidity"],` + day + `}`, "No sensor measure named 'humidity'"},
		{`{"type_name":"nope",` + day + `}`, "Sensor type 'nope' does not exist"},
	} {
		a.post(sensorAPI+"export-readings", c.body).expect(400, c.detail)
	}
	a.post(sensorAPI+"export-readings", `{"dt_from":"2024-01-01T00:00:00Z"}`).expect(422, "")
	a.post(sensorAPI+"export-readings", `{"measure_names":"temperature",`+day+`}`).expect(422, "")
}

// pageOf decodes a paged answer.
func pageOf(t *testing.T, res *response) (items []json.RawMessage, next *string) {
	t.Helper()
	var p struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor *string           `json:"next_cursor"`
	}
	dec := json.NewDecoder(strings.NewReader(string(res.Body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || p.Items == nil {
		t.Fatalf("not a page (%v): %s", err, res.Body)
	}
	return p.Items, p.NextCursor
}

// pageThrough follows next_cursor from the first page (body with limit) to the last, and returns
// every item as the JSON of one array, and how many pages there were.
func pageThrough(t *testing.T, a *api, path string, body map[string]any) (string, int) {
	t.Helper()
	var all []string
	pages := 0
	for {
		items, next := pageOf(t, a.post(path, body).expect(200, ""))
		pages++
		for _, it := range items {
			all = append(all, string(it))
		}
		if next == nil {
			return "[" + strings.Join(all, ",") + "]", pages
		}
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		body["cursor"] = *next
	}
}

func TestSensorReadingsPaging(t *testing.T) {
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	var values, stamps []string
	t0 := time.Date(2024, 1, 31, 23, 59, 50, 0, time.UTC) // the readings cross a month
	for i := range 25 {
		values = append(values, fmt.Sprintf("%d.5", i))
		stamps = append(stamps, `"`+t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339)+`"`)
	}
	uid := "THISISAUUIDISWEAR"
	a.post(sensorAPI+"insert-sensor-readings", readingsBody(uid, "temperature", "["+strings.Join(values, ",")+"]", "["+strings.Join(stamps, ",")+"]")).expect(201, "")
	query := func(extra map[string]any) map[string]any {
		b := map[string]any{"unique_identifier": uid, "measure_name": "temperature", "dt_from": "2024-01-01T00:00:00Z", "dt_to": "2024-03-01T00:00:00Z"}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	// Without limit and cursor (or with them null) the answer is the original's, byte for byte.
	full := string(a.post(sensorAPI+"sensor-readings", query(nil)).expect(200, "").Body)
	if !strings.HasPrefix(full, `[{"value":0.5,"timestamp":"2024-01-31T23:59:50Z"}`) || strings.Count(full, "timestamp") != 25 {
		t.Fatalf("full answer %s", full)
	}
	a.post(sensorAPI+"sensor-readings", query(map[string]any{"limit": nil, "cursor": nil})).expectExactBody(200, full)

	for _, limit := range []int{1, 10, 25, 100} {
		got, pages := pageThrough(t, a, sensorAPI+"sensor-readings", query(map[string]any{"limit": limit}))
		if got != full {
			t.Errorf("limit %d: pages joined\n%s\nwant\n%s", limit, got, full)
		}
		if want := max(1, (25+limit-1)/limit); pages != want {
			t.Errorf("limit %d: %d pages, want %d", limit, pages, want)
		}
	}
	items, next := pageOf(t, a.post(sensorAPI+"sensor-readings", query(map[string]any{"limit": 3})))
	if len(items) != 3 || next == nil || string(items[2]) != `{"value":2.5,"timestamp":"2024-01-31T23:59:52Z"}` {
		t.Fatalf("first page of 3: %s, %v", items, next)
	}
	// A cursor alone pages by 1,000; the inclusive dt_to still applies; readings written since keep
	// their place in time.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody(uid, "temperature", "[-1.0]", `["2024-01-01T00:00:00Z"]`)).expect(201, "")
	items, next = pageOf(t, a.post(sensorAPI+"sensor-readings", query(map[string]any{"cursor": *next})))
	if len(items) != 22 || next != nil {
		t.Errorf("rest after the cursor: %d items, next %v", len(items), next)
	}
	items, _ = pageOf(t, a.post(sensorAPI+"sensor-readings", query(map[string]any{"cursor": *mustCursor(t, a, query(map[string]any{"limit": 3})), "dt_to": "2024-01-31T23:59:55Z"})))
	if len(items) != 4 { // the first 3 now end at 23:59:51 (the reading of 2024-01-01 came first): 52 to 55
		t.Errorf("dt_to inclusive after the cursor: %d items, want 4", len(items))
	}
	// An empty page still has the page's shape; so has an unknown sensor.
	a.post(sensorAPI+"sensor-readings", query(map[string]any{"limit": 5, "dt_from": "2030-01-01T00:00:00Z", "dt_to": "2030-02-01T00:00:00Z"})).
		expectExactBody(200, `{"items":[],"next_cursor":null}`)
	a.post(sensorAPI+"sensor-readings", map[string]any{"unique_identifier": "nope", "measure_name": "temperature", "dt_from": "2024-01-01", "dt_to": "2024-02-01", "limit": 5}).
		expectExactBody(200, `{"items":[],"next_cursor":null}`)

	cursor := *mustCursor(t, a, query(map[string]any{"limit": 3}))
	for _, c := range []struct {
		extra  map[string]any
		status int
		detail string
	}{
		{map[string]any{"limit": 0}, 400, "limit must be from 1 to 100000"},
		{map[string]any{"limit": 100001}, 400, "limit must be from 1 to 100000"},
		{map[string]any{"limit": "many"}, 422, ""},
		{map[string]any{"cursor": 5}, 422, ""},
		{map[string]any{"cursor": "not-a-cursor"}, 400, "Invalid cursor: pass next_cursor of the previous page of the same query"},
		{map[string]any{"cursor": cursor, "measure_name": "is raining"}, 400, "Invalid cursor: pass next_cursor of the previous page of the same query"},
	} {
		a.post(sensorAPI+"sensor-readings", query(c.extra)).expect(c.status, c.detail)
	}
	// A cursor of another list is refused too.
	a.post("/api/service/list-runs", map[string]any{"cursor": cursor}).expect(400, "Invalid cursor: pass next_cursor of the previous page of the same query")
}

func mustCursor(t *testing.T, a *api, body map[string]any) *string {
	t.Helper()
	_, next := pageOf(t, a.post(sensorAPI+"sensor-readings", body).expect(200, ""))
	if next == nil {
		t.Fatal("no next cursor")
	}
	return next
}

func TestModelRunsPaging(t *testing.T) {
	a := newAPI(t)
	d := newModelData()
	d.insertRuns(a)
	for i := range 4 { // three more runs of M1 SC1
		run := map[string]any{"model_name": mdlModel1, "scenario_description": mdlScenario1, "measures_and_values": []any{d.p1},
			"time_created": pyISO(d.now.Add(-time.Duration(i+1) * time.Hour))}
		a.post("/api/model/insert-model-run", run).expect(201, "Model run inserted")
	}
	body := func(extra map[string]any) map[string]any {
		b := map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.now.Add(-10 * day)), "dt_to": pyISO(d.now.Add(10 * day))}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	full := listRaw(a, "POST", "/api/model/list-model-runs", body(nil))
	if strings.Count(full, `"id"`) != 6 {
		t.Fatalf("full list: %s", full)
	}
	for _, limit := range []int{1, 2, 6, 7} {
		if got, _ := pageThrough(t, a, "/api/model/list-model-runs", body(map[string]any{"limit": limit})); got != full {
			t.Errorf("limit %d: pages joined\n%s\nwant\n%s", limit, got, full)
		}
	}
	got, pages := pageThrough(t, a, "/api/model/list-model-runs", body(map[string]any{"limit": 2, "scenario": mdlScenario1}))
	if pages != 3 || strings.Count(got, `"id"`) != 5 {
		t.Errorf("SC1 by 2: %d pages, %s", pages, got)
	}
	items, next := pageOf(t, a.post("/api/model/list-model-runs", body(map[string]any{"limit": 2})))
	if len(items) != 2 || next == nil {
		t.Fatalf("first page: %s", items)
	}
	a.post("/api/model/list-model-runs", body(map[string]any{"limit": 2, "scenario": mdlScenario2, "cursor": *next})).
		expect(400, "Invalid cursor: pass next_cursor of the previous page of the same query")
	a.post("/api/model/list-model-runs", body(map[string]any{"limit": 10001})).expect(400, "limit must be from 1 to 10000")
}

// offsetRunStore hides the PostgreSQL store's own paging, as a store without it (Cosmos DB) is.
type offsetRunStore struct{ handlers.RunStore }

func TestListRunsPaging(t *testing.T) {
	a := newAPI(t)
	svc := startFakeService(t, 200, `{"ok":true}`)
	insertService(a, svcName1, svc.URL+"/", "POST")
	insertService(a, svcName2, svc.URL+"/", "POST")
	insertParameterSet(a, svcName1, svcSet1, svcSet1JSON)
	for i := range 7 {
		name := svcName1
		if i%3 == 2 {
			name = svcName2
		}
		a.post("/api/service/run-service", fmt.Sprintf(`{"service_name":%q,"parameters":{"i":%d}}`, name, i)).expect(200, "")
	}
	a.post("/api/service/run-service", fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%q}`, svcName1, svcSet1)).expect(200, "")

	// The same store seen without its own paging: pages are cut from the full list by offset.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	offsetSrv := handlers.New(a.DB, handlers.Config{JWTSecret: []byte(testSecret), AccessTokenTTL: time.Hour, RefreshTokenGrace: time.Hour,
		Runs: offsetRunStore{a.DB}}, log, nil)
	b := &api{t: t, URL: a.URL, DB: a.DB, Srv: offsetSrv, h: offsetSrv.Routes(), Token: a.Token}

	for _, srv := range []*api{a, b} {
		full := listRaw(srv, "POST", "/api/service/list-runs", nil)
		if strings.Count(full, `"service_name"`) != 8 {
			t.Fatalf("full list: %s", full)
		}
		if got := listRaw(srv, "POST", "/api/service/list-runs", map[string]any{"limit": nil}); got != full {
			t.Errorf("limit null changed the answer: %s", got)
		}
		for _, limit := range []int{1, 3, 8, 9} {
			if got, _ := pageThrough(t, srv, "/api/service/list-runs", map[string]any{"limit": limit}); got != full {
				t.Errorf("limit %d: pages joined\n%s\nwant\n%s", limit, got, full)
			}
		}
		filtered := listRaw(srv, "POST", "/api/service/list-runs", map[string]any{"service_name": svcName1})
		if got, pages := pageThrough(t, srv, "/api/service/list-runs", map[string]any{"service_name": svcName1, "limit": 2}); got != filtered || pages != 3 {
			t.Errorf("%s by 2 (%d pages):\n%s\nwant\n%s", svcName1, pages, got, filtered)
		}
		bySet := listRaw(srv, "POST", "/api/service/list-runs", map[string]any{"service_name": svcName1, "parameter_set_name": svcSet1})
		if got, _ := pageThrough(t, srv, "/api/service/list-runs", map[string]any{"service_name": svcName1, "parameter_set_name": svcSet1, "limit": 1}); got != bySet {
			t.Errorf("by set: %s, want %s", got, bySet)
		}
		_, next := pageOf(t, srv.post("/api/service/list-runs", map[string]any{"limit": 2}))
		srv.post("/api/service/list-runs", map[string]any{"limit": 2, "service_name": svcName2, "cursor": *next}).
			expect(400, "Invalid cursor: pass next_cursor of the previous page of the same query")
		srv.post("/api/service/list-runs", map[string]any{"limit": -1}).expect(400, "limit must be from 1 to 10000")
	}
	// Cursors of one store are not taken by the other.
	_, next := pageOf(t, a.post("/api/service/list-runs", map[string]any{"limit": 2}))
	b.post("/api/service/list-runs", map[string]any{"limit": 2, "cursor": *next}).expect(400, "Invalid cursor: pass next_cursor of the previous page of the same query")
}

func TestScaleHostileBodies(t *testing.T) {
	a := scaleAPI(t, "A temperature 2024-01-01T00:00:00Z 1.0")
	sensors := bodyField{key: "unique_identifiers", valid: `["A"]`, bad: []string{`null`, `[]`, `["nope"]`, `[null]`, `"A"`, `1`, `{}`, `[["A"]]`, `["A","A"]`}}
	from := bodyField{key: "dt_from", valid: `"2024-01-01"`, bad: hostile.datetime}
	to := bodyField{key: "dt_to", valid: `"2024-01-02"`, bad: hostile.datetime}
	tests := map[string][]bodyField{
		"aggregate-readings": {
			sensors, from, to,
			{key: "measure_name", valid: `"temperature"`, bad: hostile.str},
			{key: "width", valid: `"1h"`, bad: append([]string{`"1"`, `"h"`, `"0h"`, `"99999999h"`, `"1 h"`, `"١h"`}, hostile.str...)},
			{key: "functions", valid: `["mean"]`, bad: []string{`null`, `[]`, `["x"]`, `[null]`, `"mean"`, `[1]`, `{}`}},
			{key: "origin", valid: `"2024-01-01"`, bad: hostile.datetime, optional: true},
		},
		"latest-readings": {
			{key: "unique_identifiers", valid: `["A"]`, bad: []string{`[]`, `["nope"]`, `[null]`, `"A"`, `1`, `{}`}, optional: true},
			{key: "type_name", valid: `"station"`, bad: hostile.optStr, optional: true},
			{key: "measure_name", valid: `"temperature"`, bad: hostile.optStr, optional: true},
		},
		"export-readings": {
			from, to,
			{key: "unique_identifiers", valid: `["A"]`, bad: []string{`[]`, `["nope"]`, `[null]`, `"A"`, `1`, `{}`}, optional: true},
			{key: "measure_names", valid: `["temperature"]`, bad: []string{`["nope"]`, `[null]`, `"A"`, `1`, `{}`}, optional: true},
			{key: "format", valid: `"csv"`, bad: append([]string{`"CSV"`, `""`}, hostile.optStr...), optional: true},
		},
	}
	for name, fields := range tests {
		t.Run(name, func(t *testing.T) {
			a.t = t
			expectNoServerError(t, a, sensorAPI+name, fields)
		})
	}
}

// TestExportStreamsLargeRanges: a large export comes out whole and in order, through a real HTTP
// connection.
func TestExportStreamsLargeRanges(t *testing.T) {
	a := scaleAPI(t)
	const n = 20_000
	var values, stamps strings.Builder
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			values.WriteByte(',')
			stamps.WriteByte(',')
		}
		fmt.Fprintf(&values, "%d.25", i)
		fmt.Fprintf(&stamps, `"%s"`, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("A", "temperature", "["+values.String()+"]", "["+stamps.String()+"]")).expect(201, "")
	res := a.post(sensorAPI+"export-readings", `{"unique_identifiers":["A"],"dt_from":"2024-01-01","dt_to":"2025-01-01"}`).expect(200, "")
	lines := strings.Split(strings.TrimSuffix(string(res.Body), "\r\n"), "\r\n")
	if len(lines) != n+1 || lines[1] != "A,temperature,K,2024-01-01T00:00:00Z,0.25" || lines[n] != "A,temperature,K,2024-01-14T21:19:00Z,19999.25" {
		t.Fatalf("%d lines; first %q, last %q", len(lines), lines[1], lines[len(lines)-1])
	}
}

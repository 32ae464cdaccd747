package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// setUpImportSensor makes a sensor "imp-1" whose type has a float, an integer, a boolean and a
// string measure.
func setUpImportSensor(a *api) {
	a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "multi", "measures": []any{
		map[string]any{"name": "temperature", "units": "K", "datatype": "float"},
		map[string]any{"name": "count", "units": nil, "datatype": "integer"},
		map[string]any{"name": "open", "units": nil, "datatype": "boolean"},
		map[string]any{"name": "icon", "units": "", "datatype": "string"},
	}}).expect(201, "")
	a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "multi", "unique_identifier": "imp-1"}).expect(201, "")
}

func (a *api) readings(measure string) string {
	a.t.Helper()
	res := a.post("/api/sensor/sensor-readings", map[string]any{"unique_identifier": "imp-1", "measure_name": measure,
		"dt_from": "2000-01-01T00:00:00", "dt_to": "2100-01-01T00:00:00"}).expect(200, "")
	return string(res.Body)
}

func TestImportReadings(t *testing.T) {
	a := newAPI(t)
	setUpImportSensor(a)
	csv := "timestamp,value\n2024-01-01T00:00:00Z,290\n2024-01-01T01:00:00,290.5\n1704074400,-1e-05\n"
	res := a.do("POST", "/api/sensor/import-readings?unique_identifier=imp-1&measure_name=temperature", csv, a.Token).expect(201, "Readings imported")
	var counts map[string]any
	res.decode(&counts)
	if counts["rows"] != 3.0 || counts["readings"] != 3.0 || counts["skipped_duplicates"] != 0.0 {
		t.Fatalf("counts = %v", counts)
	}
	want := `[{"value":290.0,"timestamp":"2024-01-01T00:00:00Z"},{"value":290.5,"timestamp":"2024-01-01T01:00:00Z"},{"value":-1e-05,"timestamp":"2024-01-01T02:00:00Z"}]`
	if got := a.readings("temperature"); got != want {
		t.Fatalf("readings = %s, want %s", got, want)
	}

	// Several measures, empty cells, a byte-order mark; a re-import skips what is stored and keeps old values.
	multi := "\uFEFFtimestamp,count,open,icon,temperature\n" +
		"2024-01-01T00:00:00Z,7,true,01d,\n" +
		"2024-01-01T01:00:00Z,,0,\"a, b\",999\n"
	res = a.do("POST", "/api/sensor/import-readings?unique_identifier=imp-1", multi, a.Token).expect(201, "")
	res.decode(&counts)
	if counts["rows"] != 2.0 || counts["readings"] != 5.0 || counts["skipped_duplicates"] != 1.0 {
		t.Fatalf("multi counts = %v", counts)
	}
	for measure, want := range map[string]string{
		"count":       `[{"value":7,"timestamp":"2024-01-01T00:00:00Z"}]`,
		"open":        `[{"value":true,"timestamp":"2024-01-01T00:00:00Z"},{"value":false,"timestamp":"2024-01-01T01:00:00Z"}]`,
		"icon":        `[{"value":"01d","timestamp":"2024-01-01T00:00:00Z"},{"value":"a, b","timestamp":"2024-01-01T01:00:00Z"}]`,
		"temperature": `[{"value":290.0,"timestamp":"2024-01-01T00:00:00Z"},{"value":290.5,"timestamp":"2024-01-01T01:00:00Z"},{"value":-1e-05,"timestamp":"2024-01-01T02:00:00Z"}]`,
	} {
		if got := a.readings(measure); got != want {
			t.Errorf("%s = %s, want %s", measure, got, want)
		}
	}
}

func TestImportReadingsRefused(t *testing.T) {
	a := newAPI(t)
	setUpImportSensor(a)
	for _, tc := range []struct {
		name, query, csv string
		status           int
		contains         string
	}{
		{"no sensor", "", "timestamp,value\n", 400, "unique_identifier"},
		{"unknown sensor", "unique_identifier=nope&measure_name=temperature", "timestamp,value\n2024-01-01,1\n", 400, "Sensor does not exist"},
		{"unknown measure", "unique_identifier=imp-1", "timestamp,humidity\n2024-01-01,1\n", 400, "humidity"},
		{"value column without measure", "unique_identifier=imp-1", "timestamp,value\n2024-01-01,1\n", 400, "measure_name"},
		{"empty", "unique_identifier=imp-1", "", 400, "empty"},
		{"no timestamp column", "unique_identifier=imp-1", "time,temperature\n", 400, "Line 1"},
		{"bad value", "unique_identifier=imp-1", "timestamp,count\n2024-01-01,1\n2024-01-02,1.5\n2024-01-03,x\n", 400, "line 3: count \"1.5\""},
		{"bad timestamp", "unique_identifier=imp-1", "timestamp,open\nyesterday,true\n", 400, "line 2: timestamp"},
		{"wrong field count", "unique_identifier=imp-1", "timestamp,open\n2024-01-01,true,false\n", 400, "line 2"},
		{"unterminated quote", "unique_identifier=imp-1", "timestamp,icon\n2024-01-01,\"abc\n", 400, "line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := a.do("POST", "/api/sensor/import-readings?"+tc.query, tc.csv, a.Token)
			if res.Status != tc.status || !strings.Contains(res.Detail(), tc.contains) {
				t.Fatalf("%d %s; want %d containing %q", res.Status, res.Body, tc.status, tc.contains)
			}
		})
	}
	for _, m := range []string{"temperature", "count", "open", "icon"} {
		if got := a.readings(m); got != "[]" {
			t.Errorf("%s has readings after refused imports: %s", m, got)
		}
	}
	a.do("POST", "/api/sensor/import-readings?unique_identifier=imp-1", "timestamp,count\n", "").expect(401, "Not authenticated")
}

// TestImportMillionRowsOneBadLine: one bad line at the end of a million is reported with its line
// number and nothing is stored.
func TestImportMillionRowsOneBadLine(t *testing.T) {
	if testing.Short() {
		t.Skip("a million rows")
	}
	a := newAPI(t)
	setUpImportSensor(a)
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 1_000_000
	for i := 0; i < n; i++ {
		if i == n-2 {
			b.WriteString("2024-13-01T00:00:00Z,1.0\n") // line n: no thirteenth month
			continue
		}
		fmt.Fprintf(&b, "%s,%d.5\n", t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i%500)
	}
	res := a.do("POST", "/api/sensor/import-readings?unique_identifier=imp-1&measure_name=temperature", b.String(), a.Token)
	if res.Status != 400 || !strings.Contains(res.Detail(), fmt.Sprintf("1 bad line(s), nothing imported: line %d: timestamp", n)) {
		t.Fatalf("%d %.300s", res.Status, res.Body)
	}
	if got := a.readings("temperature"); got != "[]" {
		t.Fatalf("readings stored: %.200s", got)
	}
}

package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The original's model test data (api-contract.md §3.1).
const (
	mdlModel1    = "Murphy's Law"
	mdlModel2    = "My Fortune Teller Says So"
	mdlScenario1 = "The absolute worst case scenario"
	mdlScenario2 = "The really-bad-but-could-actually-technically-be-worse scenario"
	mdlScenario3 = "Use only a single deck of tarot cards."
	mdlMeasure1  = "mean temperature"
	mdlMeasure2  = "likely to rain"
	mdlSensorID  = "THISISAUUIDISWEAR"
	day          = 24 * time.Hour
	week         = 7 * day
)

// pyISO formats t as Python's datetime.isoformat() does for an aware UTC time, as the original's
// clients send datetimes.
func pyISO(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.UTC().Format("2006-01-02T15:04:05-07:00")
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000-07:00")
}

// wireTime is how the server renders a datetime: UTC with Z, six fraction digits only when the
// microseconds are not zero.
func wireTime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.UTC().Format("2006-01-02T15:04:05Z")
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func parseWireTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("bad datetime %q: %v", s, err)
	}
	return v
}

// modelData is the sample data of the original's model tests, around one NOW.
type modelData struct {
	now                  time.Time
	ts1, ts2             []time.Time
	p1, p2, p3           map[string]any
	run1, run2, run3     map[string]any
	run2Created          time.Time
	measure1, measure2   map[string]any
	weatherType, sensor1 map[string]any
}

func newModelData() *modelData {
	// NOW is the client's aware UTC time with microseconds.
	now := time.Now().UTC().Truncate(time.Microsecond)
	if now.Nanosecond() == 0 {
		now = now.Add(time.Microsecond)
	}
	d := &modelData{now: now}
	d.ts1 = []time.Time{now.Add(day), now.Add(2 * day), now.Add(3 * day)}
	d.ts2 = []time.Time{now.Add(week), now.Add(2 * week), now.Add(3 * week)}
	iso := func(ts []time.Time) []string {
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = pyISO(t)
		}
		return out
	}
	d.p1 = map[string]any{"measure_name": mdlMeasure1, "values": []any{-23.0, -23.0, -23.1}, "timestamps": iso(d.ts1)}
	d.p2 = map[string]any{"measure_name": mdlMeasure2, "values": []any{true, true, true}, "timestamps": iso(d.ts1)}
	d.p3 = map[string]any{"measure_name": mdlMeasure2, "values": []any{false, true, false}, "timestamps": iso(d.ts2)}
	d.run2Created = now.Add(-week)
	d.run1 = map[string]any{"model_name": mdlModel1, "scenario_description": mdlScenario1, "measures_and_values": []any{d.p1}}
	d.run2 = map[string]any{
		"model_name": mdlModel1, "scenario_description": mdlScenario2, "measures_and_values": []any{d.p1, d.p2},
		"time_created": pyISO(d.run2Created), "sensor_unique_id": mdlSensorID,
		"sensor_measure": map[string]any{"name": "temperature", "units": "Kelvin"},
	}
	d.run3 = map[string]any{"model_name": mdlModel2, "scenario_description": mdlScenario3, "measures_and_values": []any{d.p3}, "create_scenario": true}
	d.measure1 = map[string]any{"name": mdlMeasure1, "units": "Kelvin", "datatype": "float"}
	d.measure2 = map[string]any{"name": mdlMeasure2, "units": "", "datatype": "boolean"}
	d.weatherType = map[string]any{
		"name": "weather", "description": "Weather sensors that report both temperature and rain",
		"measures": []any{
			map[string]any{"name": "temperature", "units": "Kelvin", "datatype": "float"},
			map[string]any{"name": "is raining", "units": nil, "datatype": "boolean"},
		},
	}
	d.sensor1 = map[string]any{"type_name": "weather", "unique_identifier": mdlSensorID, "name": "Rooftop weather", "notes": "The blue weather sensor on the roof"}
	return d
}

// insertModelsAndScenarios inserts M1, M2 and their three scenarios, as the original's tests do.
func (d *modelData) insertModelsAndScenarios(a *api) {
	a.t.Helper()
	a.post("/api/model/insert-model", map[string]string{"name": mdlModel1}).expect(201, "Model inserted")
	a.post("/api/model/insert-model", map[string]string{"name": mdlModel2}).expect(201, "Model inserted")
	for _, s := range [][2]string{{mdlModel1, mdlScenario1}, {mdlModel1, mdlScenario2}, {mdlModel2, mdlScenario3}} {
		a.post("/api/model/insert-model-scenario", map[string]string{"model_name": s[0], "description": s[1]}).expect(201, "Model scenario inserted")
	}
}

// insertRuns inserts everything RUN1-3 need and then the runs, checking the answers (item 38).
func (d *modelData) insertRuns(a *api) {
	a.t.Helper()
	a.post("/api/model/insert-model-measure", d.measure1).expect(201, "Model measure inserted")
	a.post("/api/model/insert-model-measure", d.measure2).expect(201, "Model measure inserted")
	d.insertModelsAndScenarios(a)
	a.post("/api/sensor/insert-sensor-type", d.weatherType).expect(201, "")
	a.post("/api/sensor/insert-sensor", d.sensor1).expect(201, "")
	// The run id is returned (api-contract.md §4.14); a fresh database numbers runs from 1.
	for i, run := range []map[string]any{d.run1, d.run2, d.run3} {
		res := a.post("/api/model/insert-model-run", run).expect(201, "Model run inserted")
		if want := fmt.Sprintf(`{"detail":"Model run inserted","run_id":%d}`, i+1); string(res.Body) != want {
			a.t.Fatalf("RUN%d answer %s, want %s", i+1, res.Body, want)
		}
	}
}

// listRaw returns a list endpoint's body, checking the status.
func listRaw(a *api, method, path string, body any) string {
	a.t.Helper()
	return string(a.do(method, path, body, a.Token).expect(200, "").Body)
}

func TestModelsInsertListDelete(t *testing.T) {
	a := newAPI(t)
	if got := listRaw(a, "GET", "/api/model/list-models", nil); got != "[]" {
		t.Fatalf("empty list-models = %s", got)
	}
	a.post("/api/model/insert-model", map[string]string{"name": mdlModel1}).expect(201, "Model inserted")
	a.post("/api/model/insert-model", map[string]string{"name": mdlModel1}).expect(409, "Model exists already")
	a.post("/api/model/insert-model", map[string]string{"name": mdlModel2, "extra": "ignored"}).expect(201, "Model inserted")
	// Names are compared exactly.
	a.post("/api/model/insert-model", map[string]string{"name": strings.ToUpper(mdlModel1)}).expect(201, "Model inserted")
	want := `[{"name":"Murphy's Law"},{"name":"My Fortune Teller Says So"},{"name":"MURPHY'S LAW"}]`
	if got := listRaw(a, "GET", "/api/model/list-models", nil); got != want {
		t.Fatalf("list-models = %s, want %s", got, want)
	}
	a.post("/api/model/delete-model", map[string]string{"name": mdlModel1}).expect(200, "Model deleted")
	a.post("/api/model/delete-model", map[string]string{"name": mdlModel1}).expect(400, "Model does not exist")
	a.post("/api/model/delete-model", map[string]string{"name": strings.ToUpper(mdlModel1)}).expect(200, "Model deleted")
	if got := listRaw(a, "GET", "/api/model/list-models", nil); got != `[{"name":"My Fortune Teller Says So"}]` {
		t.Fatalf("list-models after delete = %s", got)
	}
	// Deleting a model takes its scenarios with it.
	a.post("/api/model/insert-model-scenario", map[string]any{"model_name": mdlModel2, "description": mdlScenario3}).expect(201, "")
	a.post("/api/model/delete-model", map[string]string{"name": mdlModel2}).expect(200, "Model deleted")
	for _, path := range []string{"/api/model/list-models", "/api/model/list-model-scenarios"} {
		if got := listRaw(a, "GET", path, nil); got != "[]" {
			t.Errorf("%s = %s, want []", path, got)
		}
	}
	a.post("/api/model/insert-model", map[string]string{"name": strings.Repeat("m", 101)}).expect(400, "")
	a.post("/api/model/insert-model", map[string]string{"name": "a\x00b"}).expect(400, "")
}

func TestModelScenarios(t *testing.T) {
	a := newAPI(t)
	d := newModelData()
	if got := listRaw(a, "GET", "/api/model/list-model-scenarios", nil); got != "[]" {
		t.Fatalf("empty list-model-scenarios = %s", got)
	}
	d.insertModelsAndScenarios(a)
	a.post("/api/model/insert-model-scenario", map[string]string{"model_name": mdlModel1, "description": mdlScenario1}).expect(409, "Scenario exists already")
	a.post("/api/model/insert-model-scenario", map[string]string{"model_name": "nope", "description": mdlScenario1}).expect(400, "Model does not exist")
	scenarios := func() string { return listRaw(a, "GET", "/api/model/list-model-scenarios", nil) }
	want := fmt.Sprintf(`[{"model_name":%q,"description":%q},{"model_name":%q,"description":%q},{"model_name":%q,"description":%q}]`,
		mdlModel1, mdlScenario1, mdlModel1, mdlScenario2, mdlModel2, mdlScenario3)
	if got := scenarios(); got != want {
		t.Fatalf("list-model-scenarios = %s, want %s", got, want)
	}
	a.post("/api/model/delete-model-scenario", map[string]string{"model_name": mdlModel1, "description": mdlScenario1}).expect(200, "Model scenario deleted")
	want = fmt.Sprintf(`[{"model_name":%q,"description":%q},{"model_name":%q,"description":%q}]`, mdlModel1, mdlScenario2, mdlModel2, mdlScenario3)
	if got := scenarios(); got != want {
		t.Fatalf("list-model-scenarios after delete = %s, want %s", got, want)
	}
	a.post("/api/model/delete-model-scenario", map[string]string{"model_name": mdlModel1, "description": mdlScenario1}).expect(400, "Scenario does not exist")
	a.post("/api/model/delete-model-scenario", map[string]string{"model_name": "nope", "description": mdlScenario2}).expect(400, "Model does not exist")
	// A scenario belongs to its model: M2 has no SC2.
	a.post("/api/model/delete-model-scenario", map[string]string{"model_name": mdlModel2, "description": mdlScenario2}).expect(400, "Scenario does not exist")
	a.post("/api/model/insert-model-scenario", map[string]string{"model_name": mdlModel2, "description": mdlScenario2}).expect(201, "Model scenario inserted")

	// A null description is a scenario too (4.22); it is listed as null and deleted by null.
	a.post("/api/model/insert-model-scenario", map[string]any{"model_name": mdlModel1, "description": nil}).expect(201, "Model scenario inserted")
	a.post("/api/model/insert-model-scenario", map[string]any{"model_name": mdlModel1, "description": nil}).expect(409, "Scenario exists already")
	if got := scenarios(); !strings.HasSuffix(got, fmt.Sprintf(`{"model_name":%q,"description":null}]`, mdlModel1)) {
		t.Fatalf("null scenario not listed: %s", got)
	}
	a.post("/api/model/delete-model-scenario", map[string]any{"model_name": mdlModel1, "description": nil}).expect(200, "Model scenario deleted")
	a.post("/api/model/delete-model-scenario", map[string]any{"model_name": mdlModel1, "description": nil}).expect(400, "Scenario does not exist")
	// The description key is required even though it may be null.
	a.post("/api/model/insert-model-scenario", map[string]any{"model_name": mdlModel1}).expect(422, "")
	a.post("/api/model/delete-model-scenario", map[string]any{"model_name": mdlModel1}).expect(422, "")
}

func TestModelMeasures(t *testing.T) {
	a := newAPI(t)
	d := newModelData()
	measures := func() string { return listRaw(a, "GET", "/api/model/list-model-measures", nil) }
	if got := measures(); got != "[]" {
		t.Fatalf("empty list-model-measures = %s", got)
	}
	a.post("/api/model/insert-model-measure", d.measure1).expect(201, "Model measure inserted")
	a.post("/api/model/insert-model-measure", d.measure2).expect(201, "Model measure inserted")
	want := `[{"name":"mean temperature","units":"Kelvin","datatype":"float"},{"name":"likely to rain","units":"","datatype":"boolean"}]`
	if got := measures(); got != want {
		t.Fatalf("list-model-measures = %s, want %s", got, want)
	}
	// Item 37.
	a.post("/api/model/delete-model-measure", map[string]string{"name": mdlMeasure1}).expect(200, "Model measure deleted")
	if got := measures(); got != `[{"name":"likely to rain","units":"","datatype":"boolean"}]` {
		t.Fatalf("list-model-measures after delete = %s", got)
	}
	a.post("/api/model/insert-model-measure", d.measure1).expect(201, "Model measure inserted")
	// 4.19: a duplicate (name, units) is a 409, whatever the datatype.
	a.post("/api/model/insert-model-measure", d.measure1).expect(409, "Model measure exists already")
	a.post("/api/model/insert-model-measure", map[string]any{"name": mdlMeasure1, "units": "Kelvin", "datatype": "integer"}).expect(409, "Model measure exists already")
	// Item 66: the same name with other units is another measure.
	a.post("/api/model/insert-model-measure", map[string]any{"name": mdlMeasure1, "units": "Celsius", "datatype": "float"}).expect(201, "Model measure inserted")
	for _, dt := range []string{"Float", "double", "", "int"} {
		a.post("/api/model/insert-model-measure", map[string]any{"name": "m", "units": "u", "datatype": dt}).expect(400, "Unrecognised datatype: "+dt)
	}
	a.post("/api/model/insert-model-measure", map[string]any{"name": "m", "units": nil, "datatype": "float"}).expect(422, "")
	a.post("/api/model/insert-model-measure", map[string]any{"name": "m", "datatype": "float"}).expect(422, "")
	for _, dt := range []string{"string", "integer", "float", "boolean"} {
		a.post("/api/model/insert-model-measure", map[string]any{"name": "m " + dt, "units": "u", "datatype": dt}).expect(201, "Model measure inserted")
	}
	// delete-model-measure removes every unit variant of the name.
	a.post("/api/model/delete-model-measure", map[string]string{"name": mdlMeasure1}).expect(200, "Model measure deleted")
	var ms []map[string]string
	a.get("/api/model/list-model-measures").expect(200, "").decode(&ms)
	if len(ms) != 5 || ms[0]["name"] != mdlMeasure2 {
		t.Fatalf("list-model-measures after delete = %v", ms)
	}
	a.post("/api/model/delete-model-measure", map[string]string{"name": mdlMeasure1}).expect(400, "Model measure does not exist")
}

func TestModelRuns(t *testing.T) {
	a := newAPI(t)
	d := newModelData()
	if got := listRaw(a, "POST", "/api/model/list-model-runs", map[string]any{"model_name": mdlModel1}); got != "[]" {
		t.Fatalf("list-model-runs on an empty database = %s", got)
	}
	d.insertRuns(a)
	// RUN3's scenario existed already although create_scenario was true: no new scenario.
	var scenarios []map[string]any
	a.get("/api/model/list-model-scenarios").expect(200, "").decode(&scenarios)
	if len(scenarios) != 3 {
		t.Fatalf("scenarios after the runs: %v", scenarios)
	}

	// Item 39: RUN1 alone, with the server's time as time_created.
	res := a.post("/api/model/list-model-runs", map[string]any{
		"model_name": mdlModel1, "dt_from": pyISO(d.now), "dt_to": pyISO(d.now.Add(10 * day)), "scenario": mdlScenario1,
	}).expect(200, "")
	var runs []map[string]any
	res.decode(&runs)
	if len(runs) != 1 {
		t.Fatalf("runs of SC1: %s", res.Body)
	}
	created := parseWireTime(t, runs[0]["time_created"].(string))
	if created.Before(d.now) || created.After(time.Now()) {
		t.Errorf("RUN1 time_created %v not between NOW %v and now", created, d.now)
	}
	want := fmt.Sprintf(`[{"id":1,"model_id":1,"model_name":%q,"scenario_id":1,"scenario_description":%q,"time_created":%q,"sensor_unique_id":null,"sensor_measure":null}]`,
		mdlModel1, mdlScenario1, wireTime(created))
	if string(res.Body) != want {
		t.Errorf("list-model-runs SC1\n got %s\nwant %s", res.Body, want)
	}

	// Item 40: RUN1 and RUN2; RUN2's time_created keeps its microseconds.
	body := map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.now.Add(-10 * day)), "dt_to": pyISO(d.now.Add(10 * day))}
	res = a.post("/api/model/list-model-runs", body).expect(200, "")
	run2 := fmt.Sprintf(`{"id":2,"model_id":1,"model_name":%q,"scenario_id":2,"scenario_description":%q,"time_created":%q,"sensor_unique_id":%q,"sensor_measure":{"name":"temperature","units":"Kelvin"}}`,
		mdlModel1, mdlScenario2, wireTime(d.run2Created), mdlSensorID)
	want = strings.TrimSuffix(want, "]") + "," + run2 + "]"
	if string(res.Body) != want {
		t.Errorf("list-model-runs M1\n got %s\nwant %s", res.Body, want)
	}
	// The frontend sends an explicit null scenario.
	body["scenario"] = nil
	if got := listRaw(a, "POST", "/api/model/list-model-runs", body); got != want {
		t.Errorf("list-model-runs with scenario null = %s", got)
	}

	for _, c := range []struct {
		name string
		body map[string]any
		ids  []int
	}{
		{"scenario filter", map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.now.Add(-10 * day)), "scenario": mdlScenario2}, []int{2}},
		{"scenario of another model", map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.now.Add(-10 * day)), "scenario": mdlScenario3}, nil},
		// The default window is the last 7 days up to now: RUN2 is just outside it.
		{"default window", map[string]any{"model_name": mdlModel1}, []int{1}},
		{"default window M2", map[string]any{"model_name": mdlModel2}, []int{3}},
		{"both ends inclusive", map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.run2Created), "dt_to": pyISO(d.run2Created)}, []int{2}},
		{"just after", map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.run2Created.Add(time.Microsecond)), "dt_to": pyISO(d.run2Created.Add(time.Hour))}, nil},
		{"naive datetimes are UTC", map[string]any{"model_name": mdlModel1, "dt_from": d.run2Created.Format("2006-01-02T15:04:05.999999"), "dt_to": d.run2Created.Format("2006-01-02T15:04:05.999999")}, []int{2}},
		{"other offset", map[string]any{"model_name": mdlModel1, "dt_from": d.run2Created.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05.000000-07:00"), "dt_to": pyISO(d.run2Created)}, []int{2}},
		{"from after to", map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.now.Add(10 * day)), "dt_to": pyISO(d.now.Add(-10 * day))}, nil},
		{"unknown model", map[string]any{"model_name": "nope", "dt_from": pyISO(d.now.Add(-10 * day))}, nil},
		{"unknown scenario", map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.now.Add(-10 * day)), "scenario": "nope"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			res := a.post("/api/model/list-model-runs", c.body).expect(200, "")
			if strings.TrimSpace(string(res.Body)) == "null" {
				t.Fatalf("null instead of a list")
			}
			var runs []struct{ ID int }
			res.decode(&runs)
			var ids []int
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			if !reflect.DeepEqual(ids, c.ids) {
				t.Fatalf("run ids %v, want %v; body %s", ids, c.ids, res.Body)
			}
		})
	}

	// Item 41: RUN1's values, in ascending timestamp order, floats rendered as floats.
	valuesJSON := func(ts []time.Time, values ...string) string {
		parts := make([]string, len(ts))
		for i := range ts {
			parts[i] = fmt.Sprintf(`{"value":%s,"timestamp":%q}`, values[i], wireTime(ts[i]))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	p1 := valuesJSON(d.ts1, "-23.0", "-23.0", "-23.1")
	for _, c := range []struct {
		runID any
		want  string
	}{
		{1, fmt.Sprintf(`{%q:%s}`, mdlMeasure1, p1)},
		{2, fmt.Sprintf(`{%q:%s,%q:%s}`, mdlMeasure1, p1, mdlMeasure2, valuesJSON(d.ts1, "true", "true", "true"))},
		{3, fmt.Sprintf(`{%q:%s}`, mdlMeasure2, valuesJSON(d.ts2, "false", "true", "false"))},
		// run_id is an integer in Pydantic's lax mode.
		{"1", fmt.Sprintf(`{%q:%s}`, mdlMeasure1, p1)},
		{1.0, fmt.Sprintf(`{%q:%s}`, mdlMeasure1, p1)},
		{json.Number("1.0"), fmt.Sprintf(`{%q:%s}`, mdlMeasure1, p1)},
		{23, `{}`},
		{0, `{}`},
		{-1, `{}`},
		{int64(1) << 40, `{}`},
		{json.Number("2147483648"), `{}`},
		{json.Number("-9223372036854775808"), `{}`},
	} {
		t.Run(fmt.Sprintf("get-model-run %v", c.runID), func(t *testing.T) {
			a := a.withT(t)
			res := a.post("/api/model/get-model-run", map[string]any{"run_id": c.runID}).expect(200, "")
			if string(res.Body) != c.want {
				t.Fatalf("get-model-run\n got %s\nwant %s", res.Body, c.want)
			}
		})
	}

	// Item 42 and 64: the sensor of each run.
	for _, c := range []struct {
		runID  any
		status int
		want   string
	}{
		{1, 200, `{"sensor_unique_id":null,"sensor_measure":null}`},
		{2, 200, `{"sensor_unique_id":"THISISAUUIDISWEAR","sensor_measure":{"name":"temperature","units":"Kelvin"}}`},
		{"2", 200, `{"sensor_unique_id":"THISISAUUIDISWEAR","sensor_measure":{"name":"temperature","units":"Kelvin"}}`},
		{3, 200, `{"sensor_unique_id":null,"sensor_measure":null}`},
		{23, 400, `{"detail":"No such model run"}`},
		{-5, 400, `{"detail":"No such model run"}`},
		{int64(1) << 40, 400, `{"detail":"No such model run"}`},
		{json.Number("9223372036854775807"), 400, `{"detail":"No such model run"}`},
	} {
		t.Run(fmt.Sprintf("get-model-run-sensor-measure %v", c.runID), func(t *testing.T) {
			a := a.withT(t)
			res := a.post("/api/model/get-model-run-sensor-measure", map[string]any{"run_id": c.runID}).expect(c.status, "")
			if string(res.Body) != c.want {
				t.Fatalf("got %s, want %s", res.Body, c.want)
			}
		})
	}

	// Item 61 and 4.34: what runs refer to cannot be deleted, with a clear 409.
	a.post("/api/model/delete-model", map[string]string{"name": mdlModel1}).expect(409, "Model is referenced by model runs")
	a.post("/api/model/delete-model-scenario", map[string]string{"model_name": mdlModel1, "description": mdlScenario1}).expect(409, "Scenario is referenced by model runs")
	a.post("/api/model/delete-model-measure", map[string]string{"name": mdlMeasure1}).expect(409, "Model measure is referenced by model runs")
	if got := listRaw(a, "GET", "/api/model/list-models", nil); got != `[{"name":"Murphy's Law"},{"name":"My Fortune Teller Says So"}]` {
		t.Errorf("list-models after refused deletes = %s", got)
	}
}

// TestModelRunValues checks how run values are typed, ordered and stored.
func TestModelRunValues(t *testing.T) {
	a := newAPI(t)
	a.post("/api/model/insert-model", map[string]string{"name": "m"}).expect(201, "")
	for _, dt := range []string{"string", "integer", "float", "boolean"} {
		a.post("/api/model/insert-model-measure", map[string]any{"name": dt, "units": "", "datatype": dt}).expect(201, "")
	}
	// The three timestamps in ascending UTC order are the third, the second, then the first.
	ts := []any{"2024-02-13T19:00:00", "2024-02-13T17:00:00.123456", "2024-02-13T18:00:00+01:00"}
	for i, c := range []struct {
		measure string
		values  []any
		want    [3]string // the rendered values in ascending timestamp order
	}{
		// Integer literals are accepted for floats and come back as floats (4.11).
		{"float", []any{json.Number("290"), json.Number("1e3"), json.Number("-0.5")}, [3]string{"-0.5", "1000.0", "290.0"}},
		{"integer", []any{1, 2147483647, -2147483648}, [3]string{"-2147483648", "2147483647", "1"}},
		{"boolean", []any{true, false, true}, [3]string{"true", "false", "true"}},
		{"string", []any{"a", "ü\"<>&", ""}, [3]string{`""`, `"ü\"<>&"`, `"a"`}},
	} {
		t.Run(c.measure, func(t *testing.T) {
			a := a.withT(t)
			var out struct {
				RunID int `json:"run_id"`
			}
			a.post("/api/model/insert-model-run", map[string]any{"model_name": "m", "scenario_description": "s", "create_scenario": true,
				"time_created":        fmt.Sprintf("2024-01-0%d", i+1),
				"measures_and_values": []any{map[string]any{"measure_name": c.measure, "values": c.values, "timestamps": ts}}}).
				expect(201, "Model run inserted").decode(&out)
			res := a.post("/api/model/get-model-run", map[string]any{"run_id": out.RunID}).expect(200, "")
			want := fmt.Sprintf(`{%q:[{"value":%s,"timestamp":"2024-02-13T17:00:00Z"},{"value":%s,"timestamp":"2024-02-13T17:00:00.123456Z"},{"value":%s,"timestamp":"2024-02-13T19:00:00Z"}]}`,
				c.measure, c.want[0], c.want[1], c.want[2])
			if string(res.Body) != want {
				t.Fatalf("get-model-run\n got %s\nwant %s", res.Body, want)
			}
		})
	}
	// 4.13: an empty values list and an empty measures list are accepted.
	var out struct {
		RunID int `json:"run_id"`
	}
	a.post("/api/model/insert-model-run", map[string]any{"model_name": "m", "scenario_description": "s", "time_created": "2020-01-01",
		"measures_and_values": []any{map[string]any{"measure_name": "float", "values": []any{}, "timestamps": []any{}}}}).expect(201, "Model run inserted").decode(&out)
	if got := string(a.post("/api/model/get-model-run", map[string]any{"run_id": out.RunID}).expect(200, "").Body); got != `{"float":[]}` {
		t.Errorf("run with an empty values list = %s", got)
	}
	a.post("/api/model/insert-model-run", map[string]any{"model_name": "m", "scenario_description": "s", "time_created": "2020-01-02",
		"measures_and_values": []any{}}).expect(201, "Model run inserted").decode(&out)
	if got := string(a.post("/api/model/get-model-run", map[string]any{"run_id": out.RunID}).expect(200, "").Body); got != `{}` {
		t.Errorf("run without measures = %s", got)
	}
	// A duplicate timestamp within a list keeps the first value, as the original's ON CONFLICT does.
	a.post("/api/model/insert-model-run", map[string]any{"model_name": "m", "scenario_description": "s", "time_created": "2020-01-03",
		"measures_and_values": []any{map[string]any{"measure_name": "integer", "values": []any{1, 2}, "timestamps": []any{"2024-01-01", "2024-01-01T00:00:00Z"}}}}).expect(201, "").decode(&out)
	if got := string(a.post("/api/model/get-model-run", map[string]any{"run_id": out.RunID}).expect(200, "").Body); got != `{"integer":[{"value":1,"timestamp":"2024-01-01T00:00:00Z"}]}` {
		t.Errorf("run with a duplicate timestamp = %s", got)
	}
}

// TestModelRunRefused checks every way insert-model-run fails: a clear 4xx, and nothing of the run
// (not even a scenario it would have created) is left behind.
func TestModelRunRefused(t *testing.T) {
	a := newAPI(t)
	d := newModelData()
	d.insertRuns(a)
	a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "humid", "measures": []any{
		map[string]any{"name": "humidity", "units": "%", "datatype": "float"}}}).expect(201, "")
	a.post("/api/model/insert-model-measure", map[string]any{"name": "count", "units": "", "datatype": "integer"}).expect(201, "")
	a.post("/api/model/insert-model-measure", map[string]any{"name": "label", "units": "", "datatype": "string"}).expect(201, "")
	tc := pyISO(d.now.Add(-day))
	base := func(changes map[string]any) map[string]any {
		run := map[string]any{"model_name": mdlModel1, "scenario_description": mdlScenario1, "time_created": tc,
			"measures_and_values": []any{d.p1}}
		for k, v := range changes {
			if v == nil {
				delete(run, k)
			} else {
				run[k] = v
			}
		}
		return run
	}
	product := func(measure string, values ...any) []any {
		ts := make([]string, len(values))
		for i := range values {
			ts[i] = pyISO(d.now.Add(time.Duration(i) * time.Hour))
		}
		return []any{map[string]any{"measure_name": measure, "values": values, "timestamps": ts}}
	}
	state := func() string {
		return listRaw(a, "GET", "/api/model/list-model-scenarios", nil) +
			listRaw(a, "POST", "/api/model/list-model-runs", map[string]any{"model_name": mdlModel1, "dt_from": "2000-01-01", "dt_to": "2100-01-01"}) +
			listRaw(a, "POST", "/api/model/list-model-runs", map[string]any{"model_name": mdlModel2, "dt_from": "2000-01-01", "dt_to": "2100-01-01"})
	}
	before := state()
	newScenario := map[string]any{"scenario_description": "brand new", "create_scenario": true}
	with := func(m map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		detail string
	}{
		{"unknown model", base(map[string]any{"model_name": "nope"}), 400, "Model does not exist"},
		{"unknown model, create_scenario", base(map[string]any{"model_name": "nope", "create_scenario": true}), 400, "Model does not exist"},
		{"unknown scenario", base(map[string]any{"scenario_description": "nope"}), 400, "Scenario does not exist (set create_scenario to create it)"},
		{"unknown scenario, create_scenario false", base(map[string]any{"scenario_description": "nope", "create_scenario": false}), 400, "Scenario does not exist (set create_scenario to create it)"},
		{"scenario of another model", base(map[string]any{"scenario_description": mdlScenario3}), 400, "Scenario does not exist (set create_scenario to create it)"},
		{"unknown sensor", base(with(newScenario, "sensor_unique_id", "nope")), 400, "Sensor does not exist"},
		{"unknown sensor measure", base(with(newScenario, "sensor_measure", map[string]any{"name": "temperature", "units": "Celsius"})), 400, "Sensor measure does not exist"},
		{"sensor measure units null", base(with(newScenario, "sensor_measure", map[string]any{"name": "temperature", "units": nil})), 400, "Sensor measure does not exist"},
		{"sensor measure is a model measure", base(with(newScenario, "sensor_measure", map[string]any{"name": mdlMeasure1, "units": "Kelvin"})), 400, "Sensor measure does not exist"},
		// 4.15: the measure must be one of the sensor type's.
		{"sensor measure not of the sensor's type", base(with(newScenario, "sensor_unique_id", mdlSensorID, "sensor_measure", map[string]any{"name": "humidity", "units": "%"})),
			400, "Sensor measure 'humidity' is not a measure of the sensor's type"},
		{"duplicate run", base(map[string]any{"time_created": pyISO(d.run2Created), "scenario_description": mdlScenario2}), 409, "Model run exists already for this model, scenario and time_created"},
		{"same instant in another offset", base(map[string]any{"time_created": d.run2Created.In(time.FixedZone("", -5*3600)).Format("2006-01-02T15:04:05.000000-07:00"), "scenario_description": mdlScenario2}), 409, ""},
		{"same measure twice", base(with(newScenario, "measures_and_values", []any{d.p1, d.p2, d.p1})), 409, "Measure 'mean temperature' is listed twice in one run"},
		{"more values than timestamps", base(with(newScenario, "measures_and_values", []any{map[string]any{"measure_name": mdlMeasure1, "values": []any{1.0, 2.0, 3.0}, "timestamps": []any{tc, tc}}})),
			400, "Measure 'mean temperature': got 3 values but 2 timestamps"},
		{"fewer values than timestamps", base(with(newScenario, "measures_and_values", []any{d.p2, map[string]any{"measure_name": mdlMeasure1, "values": []any{}, "timestamps": []any{tc}}})),
			400, "Measure 'mean temperature': got 0 values but 1 timestamps"},
		{"unknown measure", base(with(newScenario, "measures_and_values", append(product("nope", 1.0), d.p1))), 400, "Model measure 'nope' does not exist"},
		{"measure name of another case", base(with(newScenario, "measures_and_values", product("Mean temperature", 1.0))), 400, "Model measure 'Mean temperature' does not exist"},
		// 4.11: every element is checked, not only the first.
		{"strings for a float", base(with(newScenario, "measures_and_values", product(mdlMeasure1, "1.0", "2.0"))), 400, ""},
		{"booleans for a float", base(with(newScenario, "measures_and_values", product(mdlMeasure1, true))), 400, ""},
		{"second element wrong", base(with(newScenario, "measures_and_values", product(mdlMeasure1, 1.5, "x"))), 400, ""},
		{"last element wrong", base(with(newScenario, "measures_and_values", product(mdlMeasure2, true, false, 1))), 400, ""},
		{"numbers for a boolean", base(with(newScenario, "measures_and_values", product(mdlMeasure2, 1, 0))), 400, ""},
		{"booleans for an integer", base(with(newScenario, "measures_and_values", product("count", true))), 400, ""},
		{"float for an integer", base(with(newScenario, "measures_and_values", product("count", 1, 2.5))), 400, ""},
		{"integer beyond 32 bits", base(with(newScenario, "measures_and_values", product("count", int64(1)<<31))), 400, ""},
		{"integer beyond 64 bits", base(with(newScenario, "measures_and_values", product("count", json.Number("99999999999999999999")))), 400, ""},
		{"number for a string", base(with(newScenario, "measures_and_values", product("label", "a", 1))), 400, ""},
		{"NUL in a string value", base(with(newScenario, "measures_and_values", product("label", "a\x00b"))), 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			res := a.post("/api/model/insert-model-run", c.body).expect(c.status, c.detail)
			if res.Detail() == "" {
				t.Fatalf("no detail: %s", res.Body)
			}
			if after := state(); after != before {
				t.Fatalf("a refused run changed the data:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	// Item 62: create_scenario creates the scenario, which is then listed.
	res := a.post("/api/model/insert-model-run", base(newScenario)).expect(201, "Model run inserted")
	var scenarios []map[string]any
	a.get("/api/model/list-model-scenarios").expect(200, "").decode(&scenarios)
	if last := scenarios[len(scenarios)-1]; len(scenarios) != 4 || last["model_name"] != mdlModel1 || last["description"] != "brand new" {
		t.Fatalf("scenarios after create_scenario: %v", scenarios)
	}
	var out struct {
		RunID int `json:"run_id"`
	}
	res.decode(&out)
	want := fmt.Sprintf(`{%q:[{"value":-23.0,"timestamp":%q},{"value":-23.0,"timestamp":%q},{"value":-23.1,"timestamp":%q}]}`,
		mdlMeasure1, wireTime(d.ts1[0]), wireTime(d.ts1[1]), wireTime(d.ts1[2]))
	if got := string(a.post("/api/model/get-model-run", map[string]any{"run_id": out.RunID}).expect(200, "").Body); got != want {
		t.Errorf("run %d\n got %s\nwant %s", out.RunID, got, want)
	}
	// Lax booleans for create_scenario.
	for i, v := range []any{"yes", "on", 1, "T"} {
		a.post("/api/model/insert-model-run", base(map[string]any{"scenario_description": fmt.Sprintf("lax %d", i), "create_scenario": v})).expect(201, "")
	}
	// Sensor and sensor measure may be given each without the other; null units match NULL units.
	a.post("/api/model/insert-model-run", base(map[string]any{"scenario_description": mdlScenario2, "time_created": pyISO(d.now.Add(-2 * day)),
		"sensor_measure": map[string]any{"name": "is raining", "units": nil}})).expect(201, "")
	a.post("/api/model/insert-model-run", base(map[string]any{"scenario_description": mdlScenario2, "time_created": pyISO(d.now.Add(-3 * day)),
		"sensor_unique_id": mdlSensorID, "sensor_measure": nil})).expect(201, "")
	res = a.post("/api/model/list-model-runs", map[string]any{"model_name": mdlModel1, "dt_from": pyISO(d.now.Add(-3 * day)), "dt_to": pyISO(d.now.Add(-2 * day)), "scenario": mdlScenario2}).expect(200, "")
	var runs []map[string]any
	res.decode(&runs)
	if len(runs) != 2 || runs[0]["sensor_unique_id"] != nil || !reflect.DeepEqual(runs[0]["sensor_measure"], map[string]any{"name": "is raining", "units": nil}) ||
		runs[1]["sensor_unique_id"] != mdlSensorID || runs[1]["sensor_measure"] != nil {
		t.Fatalf("runs with a sensor or a measure alone: %s", res.Body)
	}

	// An ambiguous measure name (two units) is refused rather than guessed.
	a.post("/api/model/insert-model-measure", map[string]any{"name": mdlMeasure1, "units": "Celsius", "datatype": "float"}).expect(201, "")
	before = state()
	res = a.post("/api/model/insert-model-run", base(map[string]any{"time_created": pyISO(d.now.Add(-4 * day))}))
	if res.Status != 409 && res.Status != 400 || !strings.Contains(res.Detail(), mdlMeasure1) {
		t.Fatalf("ambiguous measure: %d %s", res.Status, res.Body)
	}
	if state() != before {
		t.Fatalf("a refused run changed the data")
	}
}

// TestModelRunNullScenario covers 4.22: a run under a scenario whose description is NULL is listed
// with a null description instead of failing the whole list.
func TestModelRunNullScenario(t *testing.T) {
	a := newAPI(t)
	a.post("/api/model/insert-model", map[string]string{"name": "m"}).expect(201, "")
	a.post("/api/model/insert-model-scenario", map[string]any{"model_name": "m", "description": nil}).expect(201, "")
	a.post("/api/model/insert-model-scenario", map[string]any{"model_name": "m", "description": "s"}).expect(201, "")
	if got := listRaw(a, "GET", "/api/model/list-model-scenarios", nil); got != `[{"model_name":"m","description":null},{"model_name":"m","description":"s"}]` {
		t.Fatalf("list-model-scenarios = %s", got)
	}
	// The API never makes such a run (scenario_description is a required string), but the original
	// and its database can hold one.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO model_run (model_id, scenario_id, time_created)
		SELECT m.id, s.id, '2024-01-01T00:00:00Z' FROM model m JOIN model_scenario s ON s.model_id = m.id WHERE s.description IS NULL`); err != nil {
		t.Fatal(err)
	}
	a.post("/api/model/insert-model-run", map[string]any{"model_name": "m", "scenario_description": "s", "time_created": "2024-01-01T00:00:01Z",
		"measures_and_values": []any{}}).expect(201, "")
	res := a.post("/api/model/list-model-runs", map[string]any{"model_name": "m", "dt_from": "2024-01-01", "dt_to": "2024-01-02"}).expect(200, "")
	want := `[{"id":1,"model_id":1,"model_name":"m","scenario_id":1,"scenario_description":null,"time_created":"2024-01-01T00:00:00Z","sensor_unique_id":null,"sensor_measure":null},` +
		`{"id":2,"model_id":1,"model_name":"m","scenario_id":2,"scenario_description":"s","time_created":"2024-01-01T00:00:01Z","sensor_unique_id":null,"sensor_measure":null}]`
	if string(res.Body) != want {
		t.Fatalf("list-model-runs\n got %s\nwant %s", res.Body, want)
	}
	// Filtering by a description never matches the NULL one.
	res = a.post("/api/model/list-model-runs", map[string]any{"model_name": "m", "dt_from": "2024-01-01", "dt_to": "2024-01-02", "scenario": "s"}).expect(200, "")
	var runs []map[string]any
	res.decode(&runs)
	if len(runs) != 1 {
		t.Fatalf("scenario filter: %s", res.Body)
	}
	a.post("/api/model/delete-model-scenario", map[string]any{"model_name": "m", "description": nil}).expect(409, "Scenario is referenced by model runs")
}

func TestModelHostileBodies(t *testing.T) {
	a := newAPI(t)
	d := newModelData()
	d.insertRuns(a)
	// fieldCases replaces one field of a valid body with values of the wrong type; "<missing>"
	// leaves it out.
	fieldCases := func(valid map[string]any, field string, bad ...any) []hostileCase {
		var out []hostileCase
		for _, v := range bad {
			body := map[string]any{}
			for k, x := range valid {
				body[k] = x
			}
			if v == "<missing>" {
				delete(body, field)
			} else {
				body[field] = v
			}
			out = append(out, hostileCase{fmt.Sprintf("%s=%v", field, v), body, 422})
		}
		return out
	}
	notString := []any{"<missing>", nil, 5, 5.5, true, []any{"x"}, map[string]any{"x": "y"}}
	cases := func(valid map[string]any, fields map[string][]any) []hostileCase {
		out := hostileBodyShapes()
		for f, bad := range fields {
			out = append(out, fieldCases(valid, f, bad...)...)
		}
		return out
	}
	checkHostile(t, a, "/api/model/insert-model", cases(map[string]any{"name": "x"}, map[string][]any{"name": notString}))
	checkHostile(t, a, "/api/model/delete-model", cases(map[string]any{"name": "x"}, map[string][]any{"name": notString}))
	checkHostile(t, a, "/api/model/delete-model-measure", cases(map[string]any{"name": "x"}, map[string][]any{"name": notString}))
	checkHostile(t, a, "/api/model/insert-model-measure", cases(map[string]any{"name": "x", "units": "u", "datatype": "float"},
		map[string][]any{"name": notString, "units": notString, "datatype": notString}))
	scenarioBad := map[string][]any{"model_name": notString, "description": {"<missing>", 5, true, []any{}, map[string]any{}}}
	checkHostile(t, a, "/api/model/insert-model-scenario", cases(map[string]any{"model_name": mdlModel1, "description": "x"}, scenarioBad))
	checkHostile(t, a, "/api/model/delete-model-scenario", cases(map[string]any{"model_name": mdlModel1, "description": "x"}, scenarioBad))
	badRunID := []any{"<missing>", nil, "abc", 5.5, "5.5", "", true, []any{1}, map[string]any{"id": 1}, json.Number("1e400"), json.Number("1e20"), "99999999999999999999999"}
	for _, path := range []string{"/api/model/get-model-run", "/api/model/get-model-run-sensor-measure"} {
		checkHostile(t, a, path, cases(map[string]any{"run_id": 1}, map[string][]any{"run_id": badRunID}))
	}
	badTime := []any{nil, "yesterday", "2024-13-01", "2024-02-30T00:00:00", "2024-01-01T25:00:00", true, []any{}, map[string]any{}, json.Number("1e400"), "1e400", json.Number("1e300")}
	checkHostile(t, a, "/api/model/list-model-runs", cases(map[string]any{"model_name": mdlModel1},
		map[string][]any{"model_name": notString, "dt_from": badTime, "dt_to": badTime, "scenario": {5, true, []any{}}}))
	product := func(kv ...any) []any {
		p := map[string]any{"measure_name": mdlMeasure1, "values": []any{1.0}, "timestamps": []any{"2024-01-01"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "<missing>" {
				delete(p, kv[i].(string))
			} else {
				p[kv[i].(string)] = kv[i+1]
			}
		}
		return []any{p}
	}
	runCases := cases(map[string]any{"model_name": mdlModel1, "scenario_description": "new", "create_scenario": true, "measures_and_values": product()},
		map[string][]any{
			"model_name":           notString,
			"scenario_description": notString,
			"measures_and_values": {"<missing>", nil, "x", 5, map[string]any{}, []any{nil}, []any{5}, []any{[]any{}}, product("measure_name", nil), product("measure_name", "<missing>"),
				product("values", nil), product("values", "<missing>"), product("values", "x"), product("values", []any{nil}), product("values", []any{[]any{1.0}}),
				product("values", []any{map[string]any{}}), product("values", []any{json.Number("1e400")}),
				product("timestamps", nil), product("timestamps", "<missing>"), product("timestamps", []any{"soon"}), product("timestamps", []any{nil}), product("timestamps", "2024-01-01")},
			"time_created":     badTime,
			"create_scenario":  {nil, "maybe", 2, 0.5, []any{}, map[string]any{}},
			"sensor_unique_id": {5, true, []any{}, map[string]any{}},
			"sensor_measure":   {"temperature", 5, []any{}, map[string]any{}, map[string]any{"name": "temperature"}, map[string]any{"units": "Kelvin"}, map[string]any{"name": 5, "units": "Kelvin"}, map[string]any{"name": "temperature", "units": 5}},
		})
	// NaN and Infinity, which Python's parser accepts, are malformed JSON here (1.5).
	for _, v := range []string{"NaN", "Infinity", "-Infinity"} {
		runCases = append(runCases, hostileCase{v, `{"model_name":"Murphy's Law","scenario_description":"new","measures_and_values":[{"measure_name":"mean temperature","values":[` +
			v + `],"timestamps":["2024-01-01"]}]}`, 422})
	}
	checkHostile(t, a, "/api/model/insert-model-run", runCases)
	// Over-long and unstorable text is a 400, not a database error.
	long := strings.Repeat("x", 101)
	checkHostile(t, a, "/api/model/insert-model", []hostileCase{{"long name", map[string]any{"name": long}, 400}, {"NUL", map[string]any{"name": "\x00"}, 400}})
	checkHostile(t, a, "/api/model/insert-model-measure", []hostileCase{
		{"long name", map[string]any{"name": long, "units": "u", "datatype": "float"}, 400},
		{"long units", map[string]any{"name": "n", "units": long, "datatype": "float"}, 400},
	})
	checkHostile(t, a, "/api/model/insert-model-scenario", []hostileCase{{"NUL", map[string]any{"model_name": mdlModel1, "description": "a\x00"}, 400}})
	checkHostile(t, a, "/api/model/list-model-runs", []hostileCase{{"NUL", map[string]any{"model_name": "a\x00"}, 400}})

	// None of this changed anything.
	if got := listRaw(a, "GET", "/api/model/list-models", nil); got != `[{"name":"Murphy's Law"},{"name":"My Fortune Teller Says So"}]` {
		t.Errorf("list-models = %s", got)
	}
	var scenarios []any
	a.get("/api/model/list-model-scenarios").expect(200, "").decode(&scenarios)
	if len(scenarios) != 3 {
		t.Errorf("%d scenarios, want 3", len(scenarios))
	}
}

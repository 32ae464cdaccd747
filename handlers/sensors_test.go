package handlers_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tests of /api/sensor/* against api-contract.md §2.4, §3.2 items 23-33 and 53-61, 66, and the fixes
// of §4. Bodies are raw JSON so that number literals reach the server exactly as written.

const sensorAPI = "/api/sensor/"

// Sample data of api-contract.md §3.1.
const (
	weatherType = `{"name":"weather","description":"Weather sensors that report both temperature and rain","measures":[` +
		`{"name":"temperature","units":"Kelvin","datatype":"float"},{"name":"is raining","units":null,"datatype":"boolean"}]}`
	simpletempType = `{"name":"simpletemp","description":"Simple temperature sensor","measures":[` +
		`{"name":"temperature","units":"Kelvin","datatype":"float"}]}`
	weatherSensor = `{"type_name":"weather","unique_identifier":"THISISAUUIDISWEAR","name":"Rooftop weather","notes":"The blue weather sensor on the roof"}`
	// ingressType has an integer and a string measure, as the weather ingress sends them.
	ingressType = `{"name":"Weather","description":null,"measures":[{"name":"air pressure","units":"millibar","datatype":"integer"},` +
		`{"name":"icon","units":"","datatype":"string"}]}`
	sampleReadings = `{"measure_name":"temperature","unique_identifier":"THISISAUUIDISWEAR","readings":[290.5,291.0,291.5],` +
		`"timestamps":["2023-03-29T00:00:00","2023-03-29T01:00:00","2023-03-29T02:00:00"]}`
	sampleReadingsOut = `[{"value":290.5,"timestamp":"2023-03-29T00:00:00Z"},{"value":291.0,"timestamp":"2023-03-29T01:00:00Z"},` +
		`{"value":291.5,"timestamp":"2023-03-29T02:00:00Z"}]`
)

// readingsBody is an insert-sensor-readings body; readings and timestamps are raw JSON arrays.
func readingsBody(uid, measure, readings, timestamps string) string {
	return `{"measure_name":"` + measure + `","unique_identifier":"` + uid + `","readings":` + readings + `,"timestamps":` + timestamps + `}`
}

// rangeBody is a sensor-readings body.
func rangeBody(uid, measure, from, to string) string {
	return `{"measure_name":"` + measure + `","unique_identifier":"` + uid + `","dt_from":"` + from + `","dt_to":"` + to + `"}`
}

func TestSensorTypes(t *testing.T) {
	a := newAPI(t)
	// Items 23, 24 and 30.
	a.post(sensorAPI+"insert-sensor-type", weatherType).expectExactBody(201, `{"detail":"Sensor type inserted"}`)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expectExactBody(409, `{"detail":"Sensor type exists already"}`)
	a.post(sensorAPI+"insert-sensor-type", simpletempType).expect(201, "Sensor type inserted")
	weather := `{"name":"weather","description":"Weather sensors that report both temperature and rain","measures":[` +
		`{"name":"temperature","units":"Kelvin","datatype":"float"},{"name":"is raining","units":null,"datatype":"boolean"}]}`
	simpletemp := `{"name":"simpletemp","description":"Simple temperature sensor","measures":[{"name":"temperature","units":"Kelvin","datatype":"float"}]}`
	a.get(sensorAPI+"list-sensor-types").expectExactBody(200, `[`+weather+`,`+simpletemp+`]`)
	a.get(sensorAPI+"list-measures").expectExactBody(200, `[{"name":"temperature","units":"Kelvin","datatype":"float"},{"name":"is raining","units":null,"datatype":"boolean"}]`)

	// §4.5: a measure with null units is shared like any other.
	a.post(sensorAPI+"insert-sensor-type", `{"name":"rain gauge","measures":[{"name":"is raining","units":null,"datatype":"boolean"}]}`).expect(201, "Sensor type inserted")
	// §4.6: a new measure listed before an existing one survives; the frontend's is_existing is ignored.
	a.post(sensorAPI+"insert-sensor-type", `{"name":"fancy","description":"both","measures":[`+
		`{"name":"humidity","units":"percent","datatype":"integer","is_existing":false},`+
		`{"name":"temperature","units":"Kelvin","datatype":"float","is_existing":true}],"csrf_token":"x"}`).expect(201, "Sensor type inserted")
	// Item 66: the same name with other units is another measure.
	a.post(sensorAPI+"insert-sensor-type", `{"name":"celsius","description":null,"measures":[{"name":"temperature","units":"Celsius","datatype":"float"}]}`).expect(201, "")
	// A type without measures is listed with [] (§2.4).
	a.post(sensorAPI+"insert-sensor-type", `{"name":"bare","measures":[]}`).expect(201, "")

	measures := `[{"name":"temperature","units":"Kelvin","datatype":"float"},{"name":"is raining","units":null,"datatype":"boolean"},` +
		`{"name":"humidity","units":"percent","datatype":"integer"},{"name":"temperature","units":"Celsius","datatype":"float"}]`
	a.get(sensorAPI+"list-measures").expectExactBody(200, measures)
	types := `[` + weather + `,` + simpletemp + `,` +
		`{"name":"rain gauge","description":null,"measures":[{"name":"is raining","units":null,"datatype":"boolean"}]},` +
		`{"name":"fancy","description":"both","measures":[{"name":"humidity","units":"percent","datatype":"integer"},{"name":"temperature","units":"Kelvin","datatype":"float"}]},` +
		`{"name":"celsius","description":null,"measures":[{"name":"temperature","units":"Celsius","datatype":"float"}]},` +
		`{"name":"bare","description":null,"measures":[]}]`
	a.get(sensorAPI+"list-sensor-types").expectExactBody(200, types)

	// Failures write nothing: not the type, not a new measure listed before the failing one.
	long := strings.Repeat("n", 101)
	typ := func(name, measures string) string { return `{"name":` + name + `,"measures":[` + measures + `]}` }
	m := func(name, units, datatype string) string {
		return `{"name":` + name + `,"units":` + units + `,"datatype":` + datatype + `}`
	}
	newMeasure := m(`"new one"`, `null`, `"float"`)
	cases := []struct {
		name, body string
		status     int
		detail     string
	}{
		{"unknown datatype", typ(`"t"`, newMeasure+","+m(`"b"`, `null`, `"double"`)), 400, "Unrecognised datatype: double"},
		{"bad datatype of an existing measure", typ(`"t"`, m(`"temperature"`, `"Kelvin"`, `"Float"`)), 400, "Unrecognised datatype: Float"},
		{"existing measure with another datatype", typ(`"t"`, newMeasure+","+m(`"temperature"`, `"Kelvin"`, `"integer"`)), 409, ""},
		{"existing measure listed twice", typ(`"t"`, newMeasure+","+m(`"temperature"`, `"Kelvin"`, `"float"`)+","+m(`"temperature"`, `"Kelvin"`, `"float"`)), 409, "Sensor type exists already"},
		{"new measure listed twice", typ(`"t"`, newMeasure+","+newMeasure), 409, ""},
		{"name taken, with a new measure", typ(`"weather"`, newMeasure), 409, "Sensor type exists already"},
		{"type name too long", typ(`"`+long+`"`, newMeasure), 400, ""},
		{"measure name too long", typ(`"t"`, newMeasure+","+m(`"`+long+`"`, `null`, `"float"`)), 400, ""},
		{"units too long", typ(`"t"`, newMeasure+","+m(`"a"`, `"`+long+`"`, `"float"`)), 400, ""},
		{"NUL in type name", typ(`"t\u0000"`, newMeasure), 400, ""},
		{"NUL in measure name", typ(`"t"`, newMeasure+","+m(`"a\u0000"`, `null`, `"float"`)), 400, ""},
		{"NUL in units", typ(`"t"`, newMeasure+","+m(`"a"`, `"\u0000"`, `"float"`)), 400, ""},
		{"NUL in description", `{"name":"t","description":"\u0000","measures":[]}`, 400, ""},
		{"missing units key", typ(`"t"`, `{"name":"a","datatype":"float"}`), 422, ""},
		{"null measures", `{"name":"t","measures":null}`, 422, ""},
		{"missing measures", `{"name":"t"}`, 422, ""},
		{"numeric description", `{"name":"t","description":5,"measures":[]}`, 422, ""},
	}
	check := a.unchangedGETs(sensorAPI+"list-measures", sensorAPI+"list-sensor-types")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.t = t
			a.post(sensorAPI+"insert-sensor-type", c.body).expectClientError().expect(c.status, c.detail)
		})
	}
	a.t = t
	check()
	// 100 characters fit, counted as characters.
	hundred := strings.Repeat("ß", 100)
	a.post(sensorAPI+"insert-sensor-type", typ(`"`+hundred+`"`, m(`"`+hundred+`"`, `"`+hundred+`"`, `"string"`))).expect(201, "")
}

func TestSensors(t *testing.T) {
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor", weatherSensor).expectExactBody(400, `{"detail":"Sensor type does not exist"}`)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor-type", simpletempType).expect(201, "")
	// Item 23.
	a.post(sensorAPI+"insert-sensor", weatherSensor).expectExactBody(201, `{"detail":"Sensor inserted"}`)
	a.post(sensorAPI+"insert-sensor", weatherSensor).expectExactBody(409, `{"detail":"Sensor exists already"}`)
	a.post(sensorAPI+"insert-sensor", `{"type_name":"simpletemp","unique_identifier":"THISISAUUIDISWEAR"}`).expect(409, "Sensor exists already")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"simpletemp","unique_identifier":"second","csrf_token":"ignored"}`).expect(201, "Sensor inserted")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"weather","unique_identifier":"third","name":null,"notes":null}`).expect(201, "Sensor inserted")

	// Items 25 and 53: insertion order, filtered by type or not.
	type sensor struct {
		UniqueIdentifier string  `json:"unique_identifier"`
		Name             *string `json:"name"`
		Notes            *string `json:"notes"`
	}
	list := func(body string) []sensor {
		var out []sensor
		a.post(sensorAPI+"list-sensors", body).expect(200, "").decode(&out)
		return out
	}
	ids := func(ss []sensor) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.UniqueIdentifier)
		}
		return strings.Join(out, ",")
	}
	for body, want := range map[string]string{
		`{}`:                         "THISISAUUIDISWEAR,second,third",
		`{"type_name":null}`:         "THISISAUUIDISWEAR,second,third",
		`{"type_name":"weather"}`:    "THISISAUUIDISWEAR,third",
		`{"type_name":"simpletemp"}`: "second",
		`{"type_name":"nope"}`:       "",
	} {
		if got := ids(list(body)); got != want {
			t.Errorf("list-sensors %s = %q, want %q", body, got, want)
		}
	}
	a.post(sensorAPI+"list-sensors", `{"type_name":"nope"}`).expectExactBody(200, `[]`)
	// The keys the original answers come first, in its order.
	res := a.post(sensorAPI+"list-sensors", `{"type_name":"weather"}`).expect(200, "")
	if prefix := `[{"unique_identifier":"THISISAUUIDISWEAR","name":"Rooftop weather","notes":"The blue weather sensor on the roof"`; !strings.HasPrefix(string(res.Body), prefix) {
		t.Fatalf("list-sensors = %s, want it to start with %s", res.Body, prefix)
	}
	all := list(`{}`)
	if all[1].Name != nil || all[1].Notes != nil || all[2].Name != nil || all[2].Notes != nil {
		t.Fatalf("name and notes should be null: %s", a.post(sensorAPI+"list-sensors", `{}`).Body)
	}
	a.post(sensorAPI+"list-sensors", nil).expectClientError().expect(422, "") // the body is required

	// Item 32: both values replace the stored ones; "" blanks a field.
	a.post(sensorAPI+"edit-sensor", `{"unique_identifier":"THISISAUUIDISWEAR","name":"new","notes":"new"}`).expectExactBody(200, `{"detail":"Sensor edited"}`)
	got := list(`{"type_name":"weather"}`)[0]
	if *got.Name != "new" || *got.Notes != "new" {
		t.Fatalf("after edit: %+v", got)
	}
	a.post(sensorAPI+"edit-sensor", `{"unique_identifier":"second","name":"","notes":"ünïcode & <tags>"}`).expect(200, "Sensor edited")
	if got := list(`{"type_name":"simpletemp"}`)[0]; *got.Name != "" || *got.Notes != "ünïcode & <tags>" {
		t.Fatalf("after edit: %+v", got)
	}
	for name, c := range map[string]struct {
		body   string
		status int
		detail string
	}{
		"unknown sensor": {`{"unique_identifier":"nope","name":"a","notes":"b"}`, 400, "Sensor does not exist"},
		"null name":      {`{"unique_identifier":"second","name":null,"notes":"b"}`, 422, ""},
		"missing notes":  {`{"unique_identifier":"second","name":"a"}`, 422, ""},
		"name too long":  {`{"unique_identifier":"second","name":"` + strings.Repeat("n", 101) + `","notes":"b"}`, 400, ""},
		"NUL in notes":   {`{"unique_identifier":"second","name":"a","notes":"\u0000"}`, 400, ""},
		"numeric notes":  {`{"unique_identifier":"second","name":"a","notes":1}`, 422, ""},
	} {
		t.Run("edit "+name, func(t *testing.T) {
			a.t = t
			a.post(sensorAPI+"edit-sensor", c.body).expectClientError().expect(c.status, c.detail)
		})
	}
	a.t = t

	// insert-sensor errors write nothing.
	for name, c := range map[string]struct {
		body   string
		status int
	}{
		"identifier too long": {`{"type_name":"weather","unique_identifier":"` + strings.Repeat("u", 101) + `"}`, 400},
		"name too long":       {`{"type_name":"weather","unique_identifier":"u","name":"` + strings.Repeat("n", 101) + `"}`, 400},
		"NUL in identifier":   {`{"type_name":"weather","unique_identifier":"u\u0000"}`, 400},
		"NUL in notes":        {`{"type_name":"weather","unique_identifier":"u","notes":"\u0000"}`, 400},
		"null identifier":     {`{"type_name":"weather","unique_identifier":null}`, 422},
		"null type":           {`{"type_name":null,"unique_identifier":"u"}`, 422},
	} {
		t.Run("insert "+name, func(t *testing.T) {
			a.t = t
			a.post(sensorAPI+"insert-sensor", c.body).expectClientError().expect(c.status, "")
		})
	}
	a.t = t
	if got := ids(list(`{}`)); got != "THISISAUUIDISWEAR,second,third" {
		t.Fatalf("sensors after failed inserts: %s", got)
	}
	a.post(sensorAPI+"insert-sensor", `{"type_name":"weather","unique_identifier":"`+strings.Repeat("ü", 100)+`"}`).expect(201, "")

	// Items 31, 60 and 61.
	a.post(sensorAPI+"delete-sensor-type", `{"type_name":"weather"}`).expectClientError().expect(409, "")
	a.post(sensorAPI+"delete-sensor", `{"unique_identifier":"THISISAUUIDISWEAR"}`).expectExactBody(200, `{"detail":"Sensor deleted"}`)
	a.post(sensorAPI+"delete-sensor", `{"unique_identifier":"THISISAUUIDISWEAR"}`).expectExactBody(400, `{"detail":"Sensor does not exist"}`)
	a.post(sensorAPI+"delete-sensor", `{"unique_identifier":"third"}`).expect(200, "Sensor deleted")
	a.post(sensorAPI+"delete-sensor", `{"unique_identifier":"`+strings.Repeat("ü", 100)+`"}`).expect(200, "Sensor deleted")
	a.post(sensorAPI+"delete-sensor-type", `{"type_name":"weather"}`).expectExactBody(200, `{"detail":"Sensor type deleted"}`)
	a.post(sensorAPI+"delete-sensor-type", `{"type_name":"weather"}`).expectExactBody(400, `{"detail":"Sensor type does not exist"}`)
	if got := ids(list(`{}`)); got != "second" {
		t.Fatalf("sensors after deletes: %s", got)
	}
	// The measures stay when their type goes.
	a.get(sensorAPI+"list-sensor-types").expectExactBody(200, `[{"name":"simpletemp","description":"Simple temperature sensor","measures":[{"name":"temperature","units":"Kelvin","datatype":"float"}]}]`)
	a.get(sensorAPI+"list-measures").expectExactBody(200, `[{"name":"temperature","units":"Kelvin","datatype":"float"},{"name":"is raining","units":null,"datatype":"boolean"}]`)
	// The unique identifier is free again.
	a.post(sensorAPI+"insert-sensor", `{"type_name":"simpletemp","unique_identifier":"THISISAUUIDISWEAR"}`).expect(201, "")
}

// A sensor that a model run refers to cannot be deleted (§2.4, §4.34).
func TestDeleteSensorUsedByModelRun(t *testing.T) {
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	a.post("/api/model/insert-model", `{"name":"Murphy's Law"}`).expect(201, "")
	a.post("/api/model/insert-model-run", `{"model_name":"Murphy's Law","scenario_description":"worst","create_scenario":true,`+
		`"measures_and_values":[],"sensor_unique_id":"THISISAUUIDISWEAR","sensor_measure":{"name":"temperature","units":"Kelvin"}}`).expect(201, "")
	a.post(sensorAPI+"delete-sensor", `{"unique_identifier":"THISISAUUIDISWEAR"}`).expectClientError().expect(409, "")
	a.post(sensorAPI+"list-sensors", `{}`).expect(200, "")
	var sensors []map[string]any
	a.post(sensorAPI+"list-sensors", `{}`).decode(&sensors)
	if len(sensors) != 1 {
		t.Fatalf("sensor deleted despite its model run: %v", sensors)
	}
}

func TestSensorReadings(t *testing.T) {
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	const uid = "THISISAUUIDISWEAR"
	// Items 28 and 29: both ends inclusive, naive timestamps are UTC, floats keep their point.
	a.post(sensorAPI+"insert-sensor-readings", sampleReadings).expectExactBody(201, `{"detail":"Sensor readings inserted"}`)
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-29T00:00:00", "2023-03-29T02:00:00")).expectExactBody(200, sampleReadingsOut)

	// Item 54: overlapping readings are skipped, the old values kept.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody(uid, "temperature", `[1.0,2.0,3.0,292.0]`,
		`["2023-03-29T00:00:00","2023-03-29T01:00:00Z","2023-03-29T04:00:00+02:00","2023-03-29T03:00:00"]`)).expect(201, "Sensor readings inserted")
	all := strings.TrimSuffix(sampleReadingsOut, "]") + `,{"value":292.0,"timestamp":"2023-03-29T03:00:00Z"}]`
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-28", "2023-03-30")).expectExactBody(200, all)

	// Item 55 and offsets on the range: 03:00+02:00 is 01:00Z, 01:00-01:00 is 02:00Z.
	second := `[{"value":291.0,"timestamp":"2023-03-29T01:00:00Z"},{"value":291.5,"timestamp":"2023-03-29T02:00:00Z"}]`
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-29T01:00:00", "2023-03-29T02:00:00")).expectExactBody(200, second)
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-29T03:00:00+02:00", "2023-03-29T01:00:00-01:00")).expectExactBody(200, second)
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-29T01:00:00.000001", "2023-03-29T01:59:59.999999")).expectExactBody(200, `[]`)
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-29T01:00:00", "2023-03-29T01:00:00")).
		expectExactBody(200, `[{"value":291.0,"timestamp":"2023-03-29T01:00:00Z"}]`)
	// Unix seconds are accepted too (§1.4): 1680051600 is 2023-03-29T01:00:00Z.
	a.post(sensorAPI+"sensor-readings", `{"measure_name":"temperature","unique_identifier":"`+uid+`","dt_from":1680051600,"dt_to":"1680055200"}`).expectExactBody(200, second)
	// Empty answers: from after to, an unknown sensor.
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-29T02:00:00", "2023-03-29T01:00:00")).expectExactBody(200, `[]`)
	a.post(sensorAPI+"sensor-readings", rangeBody("nope", "temperature", "2023-03-28", "2023-03-30")).expectExactBody(200, `[]`)
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "is raining", "2023-03-28", "2023-03-30")).expectExactBody(200, `[]`)
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "nope", "2023-03-28", "2023-03-30")).expectClientError().expect(400, "")

	// §4.16, §4.11 and wire format: ascending whatever the insertion order; offsets converted to UTC;
	// microseconds only when non-zero; an integer literal for a float comes back as 290.0.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody(uid, "temperature", `[290,1e-05,-23.1,1e+20,0.1]`,
		`["2024-03-01T12:00:00.123456+02:00","2024-03-01T09:00:00Z","2024-03-01 11:00:00.5","2024-03-01","2024-03-01T08:59:59.999999-00:00"]`)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2024-03-01", "2024-03-02")).expectExactBody(200,
		`[{"value":1e+20,"timestamp":"2024-03-01T00:00:00Z"},{"value":0.1,"timestamp":"2024-03-01T08:59:59.999999Z"},`+
			`{"value":1e-05,"timestamp":"2024-03-01T09:00:00Z"},{"value":290.0,"timestamp":"2024-03-01T10:00:00.123456Z"},`+
			`{"value":-23.1,"timestamp":"2024-03-01T11:00:00.500000Z"}]`)

	// Booleans.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody(uid, "is raining", `[true,false]`, `["2023-03-29T00:00:00","2023-03-29T01:00:00"]`)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "is raining", "2023-03-29", "2023-03-30")).
		expectExactBody(200, `[{"value":true,"timestamp":"2023-03-29T00:00:00Z"},{"value":false,"timestamp":"2023-03-29T01:00:00Z"}]`)

	// Integers and strings, as the weather ingress sends them (item 52).
	a.post(sensorAPI+"insert-sensor-type", ingressType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"Weather","unique_identifier":"OpenWeatherMapHistory"}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("OpenWeatherMapHistory", "air pressure", `[1010,-2147483648,2147483647]`,
		`["2023-03-29T00:00:00","2023-03-29T01:00:00","2023-03-29T02:00:00"]`)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody("OpenWeatherMapHistory", "air pressure", "2023-03-29", "2023-03-30")).expectExactBody(200,
		`[{"value":1010,"timestamp":"2023-03-29T00:00:00Z"},{"value":-2147483648,"timestamp":"2023-03-29T01:00:00Z"},{"value":2147483647,"timestamp":"2023-03-29T02:00:00Z"}]`)
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("OpenWeatherMapHistory", "icon", `["01d","Ü \"x\" <b>"]`,
		`["2023-03-29T00:00:00","2023-03-29T01:00:00"]`)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody("OpenWeatherMapHistory", "icon", "2023-03-29", "2023-03-30")).expectExactBody(200,
		`[{"value":"01d","timestamp":"2023-03-29T00:00:00Z"},{"value":"Ü \"x\" <b>","timestamp":"2023-03-29T01:00:00Z"}]`)
	// Readings are per sensor and measure: the other sensor's are not seen.
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "air pressure", "2023-03-29", "2023-03-30")).expectExactBody(200, `[]`)

	// Duplicates within one batch: the first is kept.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody(uid, "temperature", `[1.5,2.5]`, `["2022-01-01T00:00:00","2022-01-01T00:00:00Z"]`)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2022-01-01", "2022-01-01")).expectExactBody(200, `[{"value":1.5,"timestamp":"2022-01-01T00:00:00Z"}]`)
}

func TestSensorReadingsRejects(t *testing.T) {
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor-type", ingressType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"Weather","unique_identifier":"ow"}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor-readings", sampleReadings).expect(201, "")
	// §4.13: empty lists are no-ops, but the sensor and measure are still checked.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("THISISAUUIDISWEAR", "temperature", `[]`, `[]`)).expect(201, "Sensor readings inserted")
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("nope", "temperature", `[]`, `[]`)).expect(400, "Sensor does not exist")
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("THISISAUUIDISWEAR", "nope", `[]`, `[]`)).expectClientError().expect(400, "")
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("THISISAUUIDISWEAR", "temperature", `[]`, `["2023-03-29T00:00:00"]`)).expectClientError().expect(400, "")
	// An ambiguous measure name: the type has it with two units (§4.4).
	a.post(sensorAPI+"insert-sensor-type", `{"name":"dual","measures":[{"name":"temperature","units":"Kelvin","datatype":"float"},{"name":"temperature","units":"Celsius","datatype":"float"}]}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"dual","unique_identifier":"dual-1"}`).expect(201, "")

	ts3 := `["2024-01-01T00:00:00","2024-01-01T01:00:00","2024-01-01T02:00:00"]`
	ts1 := `["2024-01-01T00:00:00"]`
	w := func(measure, readings, timestamps string) string {
		return readingsBody("THISISAUUIDISWEAR", measure, readings, timestamps)
	}
	o := func(measure, readings, timestamps string) string {
		return readingsBody("ow", measure, readings, timestamps)
	}
	cases := []struct {
		name, body string
		status     int
		detail     string
	}{
		// Item 56.
		{"more readings than timestamps", w("temperature", `[1.0,2.0,3.0,4.0]`, ts3), 400, ""},
		{"fewer readings than timestamps", w("temperature", `[1.0,2.0]`, ts3), 400, ""},
		{"measure not of the sensor's type", w("air pressure", `[1010]`, ts1), 400, ""},
		{"unknown measure", w("nope", `[1.0]`, ts1), 400, ""},
		{"unknown sensor", readingsBody("nope", "temperature", `[1.0]`, ts1), 400, "Sensor does not exist"},
		{"booleans for a float", w("temperature", `[true,false,true]`, ts3), 400, ""},
		{"ambiguous measure", readingsBody("dual-1", "temperature", `[1.0]`, ts1), 409, ""},
		// §4.11: every element is checked, not only the first; the batch is all or nothing.
		{"a later boolean for a float", w("temperature", `[1.0,2.0,true]`, ts3), 400, ""},
		{"a later string for a float", w("temperature", `[1.0,"2.0",3.0]`, ts3), 400, ""},
		{"a later float for a boolean", w("is raining", `[true,false,1.0]`, ts3), 400, ""},
		{"a string for a boolean", w("is raining", `["true"]`, ts1), 400, ""},
		{"a number for a boolean", w("is raining", `[1]`, ts1), 400, ""},
		{"booleans for an integer", o("air pressure", `[1010,true]`, `["2024-01-01T00:00:00","2024-01-01T01:00:00"]`), 400, ""},
		{"a float literal for an integer", o("air pressure", `[1010,1011.0]`, `["2024-01-01T00:00:00","2024-01-01T01:00:00"]`), 400, ""},
		{"a fraction for an integer", o("air pressure", `[1010.5]`, ts1), 400, ""},
		{"int32 overflow", o("air pressure", `[1010,2147483648]`, `["2024-01-01T00:00:00","2024-01-01T01:00:00"]`), 400, ""},
		{"int32 underflow", o("air pressure", `[-2147483649]`, ts1), 400, ""},
		{"beyond int64", o("air pressure", `[99999999999999999999]`, ts1), 400, ""},
		{"a number for a string", o("icon", `["01d",1]`, `["2024-01-01T00:00:00","2024-01-01T01:00:00"]`), 400, ""},
		{"NUL in a string reading", o("icon", `["01d","\u0000"]`, `["2024-01-01T00:00:00","2024-01-01T01:00:00"]`), 400, ""},
		{"infinite number", w("temperature", `[1e400]`, ts1), 422, ""},
		{"NaN", w("temperature", `[NaN]`, ts1), 422, ""},
		{"null reading", w("temperature", `[null]`, ts1), 422, ""},
		{"nested reading", w("temperature", `[[1.0]]`, ts1), 422, ""},
		{"bad timestamp", w("temperature", `[1.0,2.0]`, `["2024-01-01T00:00:00","2024-02-30T00:00:00"]`), 422, ""},
		{"timestamp out of range", w("temperature", `[1.0]`, `[1e300]`), 422, ""},
		{"null timestamps", w("temperature", `[1.0]`, `null`), 422, ""},
	}
	check := a.unchangedGETs(sensorAPI + "list-measures")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.t = t
			a.post(sensorAPI+"insert-sensor-readings", c.body).expectClientError().expect(c.status, c.detail)
		})
	}
	a.t = t
	check()
	// Nothing was written by the failed batches.
	a.post(sensorAPI+"sensor-readings", rangeBody("THISISAUUIDISWEAR", "temperature", "2000-01-01", "2100-01-01")).expectExactBody(200, sampleReadingsOut)
	a.post(sensorAPI+"sensor-readings", rangeBody("THISISAUUIDISWEAR", "is raining", "2000-01-01", "2100-01-01")).expectExactBody(200, `[]`)
	for _, m := range []string{"air pressure", "icon"} {
		a.post(sensorAPI+"sensor-readings", rangeBody("ow", m, "2000-01-01", "2100-01-01")).expectExactBody(200, `[]`)
	}
	a.post(sensorAPI+"sensor-readings", rangeBody("dual-1", "temperature", "2000-01-01", "2100-01-01")).expectClientError().expect(409, "")
	// Measures of the same name in other types do not get in the way.
	a.post(sensorAPI+"insert-sensor-type", `{"name":"celsius","measures":[{"name":"temperature","units":"Celsius","datatype":"integer"}]}`).expect(409, "")
	a.post(sensorAPI+"insert-sensor-type", `{"name":"celsius","measures":[{"name":"temperature","units":"Celsius","datatype":"float"}]}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"celsius","unique_identifier":"c-1"}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("c-1", "temperature", `[15]`, ts1)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody("c-1", "temperature", "2024-01-01", "2024-01-01")).expectExactBody(200, `[{"value":15.0,"timestamp":"2024-01-01T00:00:00Z"}]`)
	a.post(sensorAPI+"sensor-readings", rangeBody("THISISAUUIDISWEAR", "temperature", "2024-01-01", "2024-01-01")).expectExactBody(200, `[]`)
}

// Large batches and every accepted form of reading and timestamp, decoded the same way whatever
// path the server takes; a batch is all or nothing however long it is.
func TestSensorReadingsBatch(t *testing.T) {
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor-type", ingressType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	a.post(sensorAPI+"insert-sensor", `{"type_name":"Weather","unique_identifier":"ow"}`).expect(201, "")
	const uid, n = "THISISAUUIDISWEAR", 3000
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := func(n int, value func(i int) string) string {
		var r, ts strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				r.WriteString(",")
				ts.WriteString(",")
			}
			r.WriteString(value(i))
			ts.WriteString(strconv.FormatInt(start.Add(time.Duration(i)*time.Minute).Unix(), 10)) // Unix seconds
		}
		return readingsBody(uid, "temperature", "["+r.String()+"]", "["+ts.String()+"]")
	}
	count := func() []struct{ Value float64 } {
		var out []struct{ Value float64 }
		a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2024-01-01", "2024-02-01")).expect(200, "").decode(&out)
		return out
	}
	a.post(sensorAPI+"insert-sensor-readings", batch(n, func(i int) string {
		if i == n-1 {
			return "true"
		}
		return strconv.Itoa(i) + ".5"
	})).expectClientError().expect(400, "")
	if got := count(); len(got) != 0 {
		t.Fatalf("a failed batch wrote %d readings", len(got))
	}
	a.post(sensorAPI+"insert-sensor-readings", batch(n, func(i int) string { return strconv.Itoa(i) + ".5" })).expect(201, "Sensor readings inserted")
	// Overlapping again, with other values and one new reading: the old values stay.
	a.post(sensorAPI+"insert-sensor-readings", batch(n+1, func(i int) string { return "-1" })).expect(201, "Sensor readings inserted")
	got := count()
	if len(got) != n+1 || got[0].Value != 0.5 || got[n-1].Value != float64(n-1)+0.5 || got[n].Value != -1 {
		t.Fatalf("%d readings, first %v, last two %v", len(got), got[0], got[len(got)-2:])
	}

	// Every datetime form of §1.4, numbers in every JSON spelling, whitespace between elements.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody(uid, "temperature", "[ 1e3 ,\n 2E-3, -0.0,\t4 , 5.25e+1 ]",
		`[1680048000, "1680051600", 1680055200000, "2023-03-29T03:00:00.000+00:00", "2023-03-29 04:00"]`)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody(uid, "temperature", "2023-03-29", "2023-03-30")).expectExactBody(200,
		`[{"value":1000.0,"timestamp":"2023-03-29T00:00:00Z"},{"value":0.002,"timestamp":"2023-03-29T01:00:00Z"},`+
			`{"value":-0.0,"timestamp":"2023-03-29T02:00:00Z"},{"value":4.0,"timestamp":"2023-03-29T03:00:00Z"},`+
			`{"value":52.5,"timestamp":"2023-03-29T04:00:00Z"}]`)
	// An exponent makes a float, which an integer measure refuses (§1.5).
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("ow", "air pressure", `[1e3]`, `["2023-03-29"]`)).expectClientError().expect(400, "")
	// Strings with escapes come back as the same strings.
	a.post(sensorAPI+"insert-sensor-readings", readingsBody("ow", "icon", `["a\"b","\u00fc","tab\tx","\\","\/"]`,
		`["2023-03-29T00:00:00","2023-03-29T01:00:00","2023-03-29T02:00:00","2023-03-29T03:00:00","2023-03-29T04:00:00"]`)).expect(201, "")
	a.post(sensorAPI+"sensor-readings", rangeBody("ow", "icon", "2023-03-29", "2023-03-30")).expectExactBody(200,
		`[{"value":"a\"b","timestamp":"2023-03-29T00:00:00Z"},{"value":"ü","timestamp":"2023-03-29T01:00:00Z"},`+
			`{"value":"tab\tx","timestamp":"2023-03-29T02:00:00Z"},{"value":"\\","timestamp":"2023-03-29T03:00:00Z"},`+
			`{"value":"/","timestamp":"2023-03-29T04:00:00Z"}]`)
}

func TestSensorLocations(t *testing.T) {
	a := newAPI(t)
	now := time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC)
	a.Srv.SetClock(func() time.Time { return now })
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	const uid = "THISISAUUIDISWEAR"
	a.post(sensorAPI+"list-sensor-locations", `{"unique_identifier":"`+uid+`"}`).expectExactBody(200, `[]`)
	// Items 26 and 27; the default installation time is the server's now.
	a.post(locAPI+"insert-location", xyCentimetres).expectExactBody(201, `{"schema_name":"x-y"}`)
	a.post(sensorAPI+"insert-sensor-location", `{"unique_identifier":"`+uid+`","schema_name":"x-y","coordinates":{"x":0.23,"y":1.44}}`).
		expectExactBody(201, `{"detail":"Sensor location inserted"}`)
	a.post(sensorAPI+"list-sensor-locations", `{"unique_identifier":"`+uid+`"}`).
		expectExactBody(200, `[{"id":1,"x":0.23,"y":1.44,"installation_datetime":"2024-03-01T10:00:00.123456Z"}]`)

	// Item 59: newest first, offsets converted, instants kept.
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"x-y","coordinates":{"x":1.0,"y":2.0}}`).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"x-y","coordinates":{"x":1.0,"y":3.0}}`).expect(201, "")
	a.post(sensorAPI+"insert-sensor-location", `{"unique_identifier":"`+uid+`","schema_name":"x-y","coordinates":{"x":1.0,"y":2.0},"installation_datetime":"2024-03-02T12:00:00+02:00"}`).expect(201, "")
	// §4.10: partial coordinates are fine when they name one location.
	a.post(sensorAPI+"insert-sensor-location", `{"unique_identifier":"`+uid+`","schema_name":"x-y","coordinates":{"y":3},"installation_datetime":"2023-01-01"}`).expect(201, "")
	history := `[{"id":2,"x":1.0,"y":2.0,"installation_datetime":"2024-03-02T10:00:00Z"},` +
		`{"id":1,"x":0.23,"y":1.44,"installation_datetime":"2024-03-01T10:00:00.123456Z"},` +
		`{"id":3,"x":1.0,"y":3.0,"installation_datetime":"2023-01-01T00:00:00Z"}]`
	a.post(sensorAPI+"list-sensor-locations", `{"unique_identifier":"`+uid+`"}`).expectExactBody(200, history)
	a.post(sensorAPI+"list-sensor-locations", `{"unique_identifier":"nope"}`).expectExactBody(200, `[]`)

	a.post(locAPI+"insert-location-schema", xySchema).expect(201, "")
	sl := func(uid, schema, coords, extra string) string {
		return `{"unique_identifier":"` + uid + `","schema_name":"` + schema + `","coordinates":` + coords + extra + `}`
	}
	for name, c := range map[string]struct {
		body   string
		status int
		detail string
	}{
		"same installation time":          {sl(uid, "x-y", `{"x":0.23,"y":1.44}`, `,"installation_datetime":"2024-03-02T10:00:00Z"`), 409, ""},
		"same default installation time":  {sl(uid, "x-y", `{"x":1.0,"y":3.0}`, ``), 409, ""},
		"unknown sensor":                  {sl("nope", "x-y", `{"x":0.23,"y":1.44}`, ``), 400, "Sensor does not exist"},
		"unknown schema":                  {sl(uid, "nope", `{"x":0.23,"y":1.44}`, ``), 400, "Location schema does not exist"},
		"unknown schema, no coordinates":  {sl(uid, "nope", `{}`, ``), 400, "Location schema does not exist"},
		"no such location":                {sl(uid, "x-y", `{"x":0.23,"y":2.0}`, ``), 400, "Location not found"},
		"location of another schema only": {sl(uid, "xy", `{"x":1.0,"y":2.0}`, ``), 400, "Location not found"},
		"ambiguous partial coordinates":   {sl(uid, "x-y", `{"x":1.0}`, ``), 409, ""},
		"ambiguous empty coordinates":     {sl(uid, "x-y", `{}`, ``), 409, ""},
		"unknown coordinate key":          {sl(uid, "x-y", `{"x":0.23,"z":1.44}`, ``), 400, ""},
		"coordinate of the wrong type":    {sl(uid, "x-y", `{"x":"0.23","y":1.44}`, ``), 400, ""},
		"null installation time":          {sl(uid, "x-y", `{"x":0.23,"y":1.44}`, `,"installation_datetime":null`), 422, ""},
		"bad installation time":           {sl(uid, "x-y", `{"x":0.23,"y":1.44}`, `,"installation_datetime":"noon"`), 422, ""},
		"null coordinates":                {sl(uid, "x-y", `null`, ``), 422, ""},
	} {
		t.Run(name, func(t *testing.T) {
			a.t = t
			a.post(sensorAPI+"insert-sensor-location", c.body).expectClientError().expect(c.status, c.detail)
		})
	}
	a.t = t
	a.post(sensorAPI+"list-sensor-locations", `{"unique_identifier":"`+uid+`"}`).expectExactBody(200, history)

	// A location in a sensor's history cannot be deleted until the sensor is (its history goes with it).
	a.post(locAPI+"delete-location", `{"schema_name":"x-y","coordinates":{"x":0.23,"y":1.44}}`).expectClientError().expect(409, "")
	a.post(locAPI+"list-locations", `{"schema_name":"x-y"}`).expectExactBody(200, `[{"id":1,"x":0.23,"y":1.44},{"id":2,"x":1.0,"y":2.0},{"id":3,"x":1.0,"y":3.0}]`)
	a.post(sensorAPI+"delete-sensor", `{"unique_identifier":"`+uid+`"}`).expect(200, "Sensor deleted")
	a.post(locAPI+"delete-location", `{"schema_name":"x-y","coordinates":{"x":0.23,"y":1.44}}`).expect(200, "Location deleted")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	a.post(sensorAPI+"list-sensor-locations", `{"unique_identifier":"`+uid+`"}`).expectExactBody(200, `[]`)
}

// Item 33.
func TestSensorRoutesNeedToken(t *testing.T) { expectAuthRequired(t, sensorAPI, 16) }

func TestSensorHostileBodies(t *testing.T) {
	a := newAPI(t)
	a.post(sensorAPI+"insert-sensor-type", weatherType).expect(201, "")
	a.post(sensorAPI+"insert-sensor", weatherSensor).expect(201, "")
	a.post(locAPI+"insert-location", xyCentimetres).expect(201, "")
	a.post(sensorAPI+"insert-sensor-readings", sampleReadings).expect(201, "")
	uid := bodyField{key: "unique_identifier", valid: `"THISISAUUIDISWEAR"`, bad: hostile.str}
	measure := bodyField{key: "measure_name", valid: `"temperature"`, bad: hostile.str}
	tests := map[string][]bodyField{
		"insert-sensor-type": {
			{key: "name", valid: `"t"`, bad: hostile.str},
			{key: "description", valid: `"d"`, bad: hostile.optStr, optional: true},
			{key: "measures", valid: `[{"name":"m","units":null,"datatype":"float"}]`, bad: hostile.identifiers},
		},
		"insert-sensor": {
			{key: "type_name", valid: `"weather"`, bad: hostile.str},
			uid,
			{key: "name", valid: `"n"`, bad: hostile.optStr, optional: true},
			{key: "notes", valid: `"n"`, bad: hostile.optStr, optional: true},
		},
		"insert-sensor-location": {
			uid,
			{key: "schema_name", valid: `"x-y"`, bad: hostile.str},
			{key: "coordinates", valid: `{"x":0.23,"y":1.44}`, bad: append([]string{`null`}, hostile.coords...)},
			{key: "installation_datetime", valid: `"2024-01-01T00:00:00"`, bad: hostile.datetime, optional: true},
		},
		"list-sensor-locations": {uid},
		"insert-sensor-readings": {
			measure, uid,
			{key: "readings", valid: `[300.0]`, bad: hostile.values},
			{key: "timestamps", valid: `["2024-01-01T00:00:00"]`, bad: hostile.datetimes},
		},
		"list-sensors": {{key: "type_name", valid: `"weather"`, bad: hostile.optStr, optional: true}},
		"sensor-readings": {
			measure, uid,
			{key: "dt_from", valid: `"2023-03-29"`, bad: hostile.datetime},
			{key: "dt_to", valid: `"2023-03-30"`, bad: hostile.datetime},
		},
		"delete-sensor":      {{key: "unique_identifier", valid: `"nope"`, bad: hostile.str}},
		"delete-sensor-type": {{key: "type_name", valid: `"nope"`, bad: hostile.str}},
		"edit-sensor": {
			uid,
			{key: "name", valid: `"n"`, bad: hostile.str},
			{key: "notes", valid: `"n"`, bad: hostile.str},
		},
	}
	for name, fields := range tests {
		t.Run(name, func(t *testing.T) {
			a.t = t
			expectNoServerError(t, a, sensorAPI+name, fields)
		})
	}
	a.t = t
	// The sample data is intact.
	a.post(sensorAPI+"sensor-readings", rangeBody("THISISAUUIDISWEAR", "temperature", "2023-03-29", "2023-03-30")).expectExactBody(200, sampleReadingsOut)
	a.post(sensorAPI+"list-sensor-locations", `{"unique_identifier":"THISISAUUIDISWEAR"}`).expectExactBody(200, `[]`)
	for _, p := range []string{"list-sensor-types", "list-measures"} {
		for _, b := range []string{`{`, `NaN`, `[1,2]`} {
			a.do("GET", sensorAPI+p, b, a.Token).expect(200, "")
		}
	}
}

package handlers_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/dtbase-go/dtbase/handlers"
)

// Tests of /api/location/* against api-contract.md §2.3, §3.2 items 12-22 and 57-61, and the fixes of
// §4. Bodies are written as raw JSON so that 290 and 290.0 stay different literals.

const locAPI = "/api/location/"

// Sample schemas of api-contract.md §3.1.
const (
	// buildingSchema is also what get-schema-details answers for it, byte for byte.
	buildingSchema = `{"name":"building-floor-room","description":"Find something within a building","identifiers":[` +
		`{"name":"building","units":null,"datatype":"string"},{"name":"floor","units":null,"datatype":"integer"},{"name":"room","units":null,"datatype":"string"}]}`
	xySchema = `{"name":"xy","description":"x-y coordinates in mm","identifiers":[` +
		`{"name":"x","units":"mm","datatype":"float"},{"name":"y","units":"mm","datatype":"float"}]}`
	latlongSchema = `{"name":"latlong","description":null,"identifiers":[` +
		`{"name":"latitude","units":"degrees","datatype":"float"},{"name":"longitude","units":"degrees","datatype":"float"}]}`
	testSchemaXY = `{"name":"test-schema","description":"test","identifiers":[` +
		`{"name":"x","units":"m","datatype":"float"},{"name":"y","units":"m","datatype":"float"}]}`
	xyzDistance = `{"identifiers":[{"name":"x_distance","units":"m","datatype":"float"},{"name":"y_distance","units":"m","datatype":"float"},` +
		`{"name":"z_distance","units":"m","datatype":"float"}],"values":[5.0,0.1,4.4]}`
	xyCentimetres = `{"identifiers":[{"name":"x","units":"centimetres","datatype":"float"},{"name":"y","units":"centimetres","datatype":"float"}],"values":[0.23,1.44]}`
)

// expectExactBody fails unless the status is want and the body is exactly body. Responses are compact
// JSON with keys in a fixed order (api-contract.md §1.1), so the bytes pin the wire format.
func (r *response) expectExactBody(want int, body string) *response {
	r.t.Helper()
	if r.Status != want || string(r.Body) != body {
		r.t.Fatalf("got %d %s\nwant %d %s", r.Status, r.Body, want, body)
	}
	return r
}

// expectClientError fails unless the status is 4xx and the body is a JSON object with a non-empty
// detail: a message, or the list of validation errors of a 422.
func (r *response) expectClientError() *response {
	r.t.Helper()
	if r.Status < 400 || r.Status >= 500 {
		r.t.Fatalf("status %d, want 4xx; body %s", r.Status, r.Body)
	}
	var d struct {
		Detail json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(r.Body, &d); err != nil {
		r.t.Fatalf("error body is not a JSON object (%v): %s", err, r.Body)
	}
	switch string(d.Detail) {
	case "", "null", `""`, "[]":
		r.t.Fatalf("error body has no detail: %s", r.Body)
	}
	return r
}

// unchangedGETs returns a check that the GET path answers the same bytes as now: failed requests must
// write nothing (each request is one transaction, api-contract.md §1.7).
func (a *api) unchangedGETs(paths ...string) func() {
	a.t.Helper()
	before := make([]string, len(paths))
	for i, p := range paths {
		before[i] = string(a.get(p).expect(200, "").Body)
	}
	return func() {
		a.t.Helper()
		for i, p := range paths {
			a.get(p).expectExactBody(200, before[i])
		}
	}
}

func TestLocationSchemas(t *testing.T) {
	a := newAPI(t)
	// §3.2 items 12-14.
	a.post(locAPI+"insert-location-schema", buildingSchema).expectExactBody(201, `{"detail":"Location schema inserted"}`)
	a.post(locAPI+"insert-location-schema", buildingSchema).expectExactBody(409, `{"detail":"LocationSchema exists already"}`)
	a.post(locAPI+"get-schema-details", `{"schema_name":"building-floor-room"}`).expectExactBody(200, buildingSchema)
	a.post(locAPI+"get-schema-details", `{"schema_name":"nope"}`).expectExactBody(400, `{"detail":"No such schema"}`)

	// Item 19, with identifiers given out of order: they are linked and listed alphabetically (§4.18).
	a.post(locAPI+"insert-location-schema", `{"name":"test-schema1","description":"one","identifiers":[`+
		`{"name":"test2","units":null,"datatype":"integer"},{"name":"test1","units":null,"datatype":"string"}]}`).expect(201, "Location schema inserted")
	a.post(locAPI+"insert-location-schema", `{"name":"test-schema2","description":"two","identifiers":[`+
		`{"name":"test3","units":null,"datatype":"string"},{"name":"test4","units":null,"datatype":"integer"}],"extra":"ignored"}`).expect(201, "Location schema inserted")
	// A schema without identifiers is accepted and listed with [] (§2.3, §4.17).
	a.post(locAPI+"insert-location-schema", `{"name":"empty","description":null,"identifiers":[]}`).expect(201, "Location schema inserted")
	a.post(locAPI+"get-schema-details", `{"schema_name":"empty"}`).expectExactBody(200, `{"name":"empty","description":null,"identifiers":[]}`)
	a.post(locAPI+"get-schema-details", `{"schema_name":"test-schema1"}`).expectExactBody(200, `{"name":"test-schema1","description":"one","identifiers":[`+
		`{"name":"test1","units":null,"datatype":"string"},{"name":"test2","units":null,"datatype":"integer"}]}`)

	const identifiers = `[{"name":"building","units":null,"datatype":"string"},{"name":"floor","units":null,"datatype":"integer"},` +
		`{"name":"room","units":null,"datatype":"string"},{"name":"test1","units":null,"datatype":"string"},` +
		`{"name":"test2","units":null,"datatype":"integer"},{"name":"test3","units":null,"datatype":"string"},` +
		`{"name":"test4","units":null,"datatype":"integer"}]`
	a.get(locAPI+"list-location-identifiers").expectExactBody(200, identifiers)
	a.get(locAPI+"list-location-schemas").expectExactBody(200, `[`+buildingSchema+`,`+
		`{"name":"test-schema1","description":"one","identifiers":[{"name":"test1","units":null,"datatype":"string"},{"name":"test2","units":null,"datatype":"integer"}]},`+
		`{"name":"test-schema2","description":"two","identifiers":[{"name":"test3","units":null,"datatype":"string"},{"name":"test4","units":null,"datatype":"integer"}]},`+
		`{"name":"empty","description":null,"identifiers":[]}]`)

	// Item 20 and 60: deleted once, then not found; the identifiers stay.
	a.post(locAPI+"delete-location-schema", `{"schema_name":"test-schema1"}`).expectExactBody(200, `{"detail":"Location schema 'test-schema1' has been deleted."}`)
	a.post(locAPI+"delete-location-schema", `{"schema_name":"test-schema1"}`).expectExactBody(400, `{"detail":"Location schema 'test-schema1' not found."}`)
	a.post(locAPI+"get-schema-details", `{"schema_name":"test-schema1"}`).expect(400, "No such schema")
	var schemas []struct{ Name string }
	a.get(locAPI+"list-location-schemas").expect(200, "").decode(&schemas)
	for _, s := range schemas {
		if s.Name == "test-schema1" {
			t.Fatalf("deleted schema still listed: %+v", schemas)
		}
	}
	a.get(locAPI+"list-location-identifiers").expectExactBody(200, identifiers)
	// The name is free again.
	a.post(locAPI+"insert-location-schema", `{"name":"test-schema1","description":null,"identifiers":[{"name":"test1","units":null,"datatype":"string"}]}`).expect(201, "")
}

// Identifiers are keyed by (name, units): the same name with other units is another identifier, the
// same pair is reused, and reusing it with another datatype is refused (§3.2 item 66, §4.7).
func TestLocationIdentifiersByNameAndUnits(t *testing.T) {
	a := newAPI(t)
	a.post(locAPI+"insert-location-schema", xySchema).expect(201, "")
	a.post(locAPI+"insert-location-schema", `{"name":"xy-cm","description":null,"identifiers":[`+
		`{"name":"x","units":"cm","datatype":"float"},{"name":"y","units":"cm","datatype":"float"}]}`).expect(201, "")
	a.post(locAPI+"insert-location-schema", `{"name":"xy-again","description":null,"identifiers":[`+
		`{"name":"x","units":"mm","datatype":"float"},{"name":"y","units":"mm","datatype":"float"}]}`).expect(201, "")
	const want = `[{"name":"x","units":"mm","datatype":"float"},{"name":"y","units":"mm","datatype":"float"},` +
		`{"name":"x","units":"cm","datatype":"float"},{"name":"y","units":"cm","datatype":"float"}]`
	a.get(locAPI+"list-location-identifiers").expectExactBody(200, want)

	check := a.unchangedGETs(locAPI+"list-location-identifiers", locAPI+"list-location-schemas")
	a.post(locAPI+"insert-location-schema", `{"name":"xy-int","description":null,"identifiers":[`+
		`{"name":"a_new_one","units":null,"datatype":"float"},{"name":"x","units":"mm","datatype":"integer"}]}`).expectClientError().expect(409, "")
	check()
	a.post(locAPI+"get-schema-details", `{"schema_name":"xy-int"}`).expect(400, "No such schema")
}

func TestInsertLocationSchemaRejects(t *testing.T) {
	a := newAPI(t)
	a.post(locAPI+"insert-location-schema", buildingSchema).expect(201, "")
	long := strings.Repeat("n", 101)
	schema := func(name, ids string) string {
		return `{"name":` + name + `,"description":null,"identifiers":[` + ids + `]}`
	}
	id := func(name, units, datatype string) string {
		return `{"name":` + name + `,"units":` + units + `,"datatype":` + datatype + `}`
	}
	cases := []struct {
		name, body string
		status     int
		detail     string
	}{
		{"unknown datatype", schema(`"s"`, id(`"a"`, `null`, `"double"`)), 400, "Unrecognised datatype: double"},
		{"datatype is case-sensitive", schema(`"s"`, id(`"a"`, `null`, `"Float"`)), 400, "Unrecognised datatype: Float"},
		{"bad datatype of an existing identifier", schema(`"s"`, id(`"building"`, `null`, `"text"`)), 400, "Unrecognised datatype: text"},
		{"bad datatype after a good identifier", schema(`"s"`, id(`"a"`, `null`, `"float"`)+","+id(`"b"`, `null`, `""`)), 400, "Unrecognised datatype: "},
		{"identifier named id", schema(`"s"`, id(`"id"`, `null`, `"integer"`)), 400, ""},
		{"identifier named installation_datetime", schema(`"s"`, id(`"installation_datetime"`, `null`, `"string"`)), 400, ""},
		{"identifier named root", schema(`"s"`, id(`"root"`, `null`, `"string"`)), 400, ""},
		{"identifier listed twice", schema(`"s"`, id(`"a"`, `null`, `"float"`)+","+id(`"a"`, `null`, `"float"`)), 409, "LocationSchema exists already"},
		{"one name with two units", schema(`"s"`, id(`"a"`, `"m"`, `"float"`)+","+id(`"a"`, `"cm"`, `"float"`)), 409, "LocationSchema exists already"},
		{"schema name too long", schema(`"`+long+`"`, id(`"a"`, `null`, `"float"`)), 400, ""},
		{"identifier name too long", schema(`"s"`, id(`"`+long+`"`, `null`, `"float"`)), 400, ""},
		{"units too long", schema(`"s"`, id(`"a"`, `"`+long+`"`, `"float"`)), 400, ""},
		{"NUL in schema name", schema(`"s\u0000"`, id(`"a"`, `null`, `"float"`)), 400, ""},
		{"NUL in identifier name", schema(`"s"`, id(`"a\u0000"`, `null`, `"float"`)), 400, ""},
		{"NUL in units", schema(`"s"`, id(`"a"`, `"m\u0000"`, `"float"`)), 400, ""},
		{"NUL in description", `{"name":"s","description":"\u0000","identifiers":[]}`, 400, ""},
		{"missing description key", `{"name":"s","identifiers":[]}`, 422, ""},
		{"missing units key", `{"name":"s","description":null,"identifiers":[{"name":"a","datatype":"float"}]}`, 422, ""},
		{"null datatype", schema(`"s"`, id(`"a"`, `null`, `null`)), 422, ""},
		{"identifiers not a list", `{"name":"s","description":null,"identifiers":{"name":"a","units":null,"datatype":"float"}}`, 422, ""},
		{"numeric name", schema(`1`, id(`"a"`, `null`, `"float"`)), 422, ""},
	}
	check := a.unchangedGETs(locAPI+"list-location-identifiers", locAPI+"list-location-schemas")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.t = t
			a.post(locAPI+"insert-location-schema", c.body).expectClientError().expect(c.status, c.detail)
		})
	}
	a.t = t
	check()
	// 100 characters is the limit, counted in characters, not bytes.
	hundred := strings.Repeat("é", 100)
	a.post(locAPI+"insert-location-schema", schema(`"`+hundred+`"`, id(`"`+hundred+`"`, `"`+hundred+`"`, `"string"`))).expect(201, "")
	a.post(locAPI+"get-schema-details", `{"schema_name":"`+hundred+`"}`).expectExactBody(200,
		`{"name":"`+hundred+`","description":null,"identifiers":[{"name":"`+hundred+`","units":"`+hundred+`","datatype":"string"}]}`)
}

func TestInsertLocation(t *testing.T) {
	a := newAPI(t)
	// Item 15 and §4.8: the first call creates the schema, a call with other values adds a location,
	// and only a true duplicate is a conflict.
	a.post(locAPI+"insert-location", xyzDistance).expectExactBody(201, `{"schema_name":"x_distance-y_distance-z_distance"}`)
	other := strings.Replace(xyzDistance, "4.4]", "4.5]", 1)
	a.post(locAPI+"insert-location", other).expectExactBody(201, `{"schema_name":"x_distance-y_distance-z_distance"}`)
	a.post(locAPI+"insert-location", xyzDistance).expectExactBody(409, `{"detail":"Location or schema exists already"}`)
	a.post(locAPI+"insert-location", other).expect(409, "Location or schema exists already")
	a.post(locAPI+"get-schema-details", `{"schema_name":"x_distance-y_distance-z_distance"}`).expectExactBody(200,
		`{"name":"x_distance-y_distance-z_distance","description":"x_distance-y_distance-z_distance","identifiers":[`+
			`{"name":"x_distance","units":"m","datatype":"float"},{"name":"y_distance","units":"m","datatype":"float"},{"name":"z_distance","units":"m","datatype":"float"}]}`)
	a.post(locAPI+"list-locations", `{"schema_name":"x_distance-y_distance-z_distance"}`).expectExactBody(200,
		`[{"id":1,"x_distance":5.0,"y_distance":0.1,"z_distance":4.4},{"id":2,"x_distance":5.0,"y_distance":0.1,"z_distance":4.5}]`)

	// Identifiers in any order: the name is sorted, and each value stays with its identifier.
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"y","units":"centimetres","datatype":"float"},{"name":"x","units":"centimetres","datatype":"float"}],"values":[1.44,0.23]}`).
		expectExactBody(201, `{"schema_name":"x-y"}`)
	a.post(locAPI+"insert-location", xyCentimetres).expect(409, "Location or schema exists already")
	a.post(locAPI+"list-locations", `{"schema_name":"x-y"}`).expectExactBody(200, `[{"id":3,"x":0.23,"y":1.44}]`)

	// §4.11: an integer literal is accepted for a float and comes back as a float.
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"px","units":null,"datatype":"float"}],"values":[290]}`).expectExactBody(201, `{"schema_name":"px"}`)
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"px","units":null,"datatype":"float"}],"values":[290.0]}`).expect(409, "")
	a.post(locAPI+"list-locations", `{"schema_name":"px"}`).expectExactBody(200, `[{"id":4,"px":290.0}]`)
	// §4.7: the schema exists, but the identifier is given with another datatype.
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"px","units":null,"datatype":"integer"}],"values":[291]}`).expectClientError().expect(409, "")
	a.post(locAPI+"list-locations", `{"schema_name":"px"}`).expectExactBody(200, `[{"id":4,"px":290.0}]`)

	// Every datatype round-trips; keys follow the identifiers' alphabetical order; non-ASCII is not
	// escaped.
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"name","units":null,"datatype":"string"},{"name":"level","units":null,"datatype":"integer"},`+
		`{"name":"indoor","units":null,"datatype":"boolean"},{"name":"height","units":"m","datatype":"float"}],"values":["Hall \"A\" – ü <b>",-3,true,1e-05]}`).
		expectExactBody(201, `{"schema_name":"height-indoor-level-name"}`)
	a.post(locAPI+"list-locations", `{"schema_name":"height-indoor-level-name"}`).
		expectExactBody(200, `[{"id":5,"height":1e-05,"indoor":true,"level":-3,"name":"Hall \"A\" – ü <b>"}]`)
	// Floats round-trip exactly, and a huge integer literal becomes the float it denotes.
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"height-indoor-level-name","coordinates":`+
		`{"height":0.30000000000000004,"indoor":false,"level":2147483647,"name":""}}`).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"height-indoor-level-name","coordinates":`+
		`{"height":99999999999999999999,"indoor":false,"level":0,"name":""}}`).expect(201, "")
	a.post(locAPI+"list-locations", `{"schema_name":"height-indoor-level-name","coordinates":{"indoor":false}}`).
		expectExactBody(200, `[{"id":6,"height":0.30000000000000004,"indoor":false,"level":2147483647,"name":""},{"id":7,"height":1e+20,"indoor":false,"level":0,"name":""}]`)

	// Names sort by code point, as Python's sorted() does, whatever the database's collation: the
	// schema name depends on it (§4.18).
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"b","units":null,"datatype":"integer"},{"name":"Ä","units":null,"datatype":"integer"},`+
		`{"name":"a","units":null,"datatype":"integer"},{"name":"_x","units":null,"datatype":"integer"},{"name":"B","units":null,"datatype":"integer"}],"values":[1,2,3,4,5]}`).
		expectExactBody(201, `{"schema_name":"B-_x-a-b-Ä"}`)
	a.post(locAPI+"list-locations", `{"schema_name":"B-_x-a-b-Ä"}`).expectExactBody(200, `[{"id":8,"B":5,"_x":4,"a":3,"b":1,"Ä":2}]`)
	a.post(locAPI+"get-schema-details", `{"schema_name":"B-_x-a-b-Ä"}`).expectExactBody(200, `{"name":"B-_x-a-b-Ä","description":"B-_x-a-b-Ä","identifiers":[`+
		`{"name":"B","units":null,"datatype":"integer"},{"name":"_x","units":null,"datatype":"integer"},{"name":"a","units":null,"datatype":"integer"},`+
		`{"name":"b","units":null,"datatype":"integer"},{"name":"Ä","units":null,"datatype":"integer"}]}`)

	// An existing schema of that name is used when its identifiers are the same, and refused otherwise.
	a.post(locAPI+"insert-location-schema", `{"name":"a-b","description":"made by hand","identifiers":[`+
		`{"name":"a","units":null,"datatype":"integer"},{"name":"b","units":null,"datatype":"integer"}]}`).expect(201, "")
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"a","units":null,"datatype":"integer"},{"name":"b","units":null,"datatype":"integer"}],"values":[1,2]}`).
		expectExactBody(201, `{"schema_name":"a-b"}`)
	a.post(locAPI+"list-locations", `{"schema_name":"a-b"}`).expectExactBody(200, `[{"id":9,"a":1,"b":2}]`)
	a.post(locAPI+"insert-location-schema", `{"name":"c-d","description":null,"identifiers":[`+
		`{"name":"c","units":null,"datatype":"integer"},{"name":"e","units":null,"datatype":"integer"}]}`).expect(201, "")
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"c","units":null,"datatype":"integer"},{"name":"d","units":null,"datatype":"integer"}],"values":[1,2]}`).
		expectClientError().expect(409, "")
}

func TestInsertLocationRejects(t *testing.T) {
	a := newAPI(t)
	a.post(locAPI+"insert-location", xyzDistance).expect(201, "")
	long := strings.Repeat("n", 101)
	one := func(datatype, value string) string {
		return `{"identifiers":[{"name":"v","units":null,"datatype":"` + datatype + `"}],"values":[` + value + `]}`
	}
	cases := []struct {
		name, body string
		status     int
		detail     string
	}{
		{"more values than identifiers", `{"identifiers":[{"name":"p","units":null,"datatype":"float"}],"values":[1.0,2.0]}`, 400, ""},
		{"fewer values than identifiers", `{"identifiers":[{"name":"p","units":null,"datatype":"float"},{"name":"q","units":null,"datatype":"float"}],"values":[1.0]}`, 400, ""},
		{"no identifiers", `{"identifiers":[],"values":[]}`, 400, ""},
		{"string for float", one("float", `"1.0"`), 400, ""},
		{"boolean for float", one("float", `true`), 400, ""},
		{"boolean for integer", one("integer", `true`), 400, ""},
		{"float literal for integer", one("integer", `2.0`), 400, ""},
		{"fraction for integer", one("integer", `2.5`), 400, ""},
		{"int32 overflow", one("integer", `2147483648`), 400, ""},
		{"int32 underflow", one("integer", `-2147483649`), 400, ""},
		{"beyond int64", one("integer", `99999999999999999999`), 400, ""},
		{"number for string", one("string", `1`), 400, ""},
		{"number for boolean", one("boolean", `1`), 400, ""},
		{"string for boolean", one("boolean", `"true"`), 400, ""},
		{"NUL in a string value", one("string", `"a\u0000b"`), 400, ""},
		{"unknown datatype", one("decimal", `1.0`), 400, "Unrecognised datatype: decimal"},
		{"reserved identifier", `{"identifiers":[{"name":"id","units":null,"datatype":"integer"}],"values":[1]}`, 400, ""},
		{"identifier name too long", `{"identifiers":[{"name":"` + long + `","units":null,"datatype":"integer"}],"values":[1]}`, 400, ""},
		{"schema name too long", `{"identifiers":[{"name":"` + long[:60] + `","units":null,"datatype":"integer"},{"name":"` + long[:60] + `x","units":null,"datatype":"integer"}],"values":[1,2]}`, 400, ""},
		{"identifier listed twice", `{"identifiers":[{"name":"p","units":null,"datatype":"float"},{"name":"p","units":null,"datatype":"float"}],"values":[1.0,1.0]}`, 409, "Location or schema exists already"},
		{"identifier exists with another datatype", `{"identifiers":[{"name":"x_distance","units":"m","datatype":"integer"}],"values":[1]}`, 409, ""},
		{"schema exists, value of the wrong type", strings.Replace(xyzDistance, "4.4]", `"far"]`, 1), 400, ""},
		{"infinite number", one("float", `1e400`), 422, ""},
		{"NaN", one("float", `NaN`), 422, ""},
		{"null value", one("float", `null`), 422, ""},
		{"values not a list", `{"identifiers":[{"name":"v","units":null,"datatype":"float"}],"values":1.0}`, 422, ""},
	}
	check := a.unchangedGETs(locAPI+"list-location-identifiers", locAPI+"list-location-schemas")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.t = t
			a.post(locAPI+"insert-location", c.body).expectClientError().expect(c.status, c.detail)
		})
	}
	a.t = t
	check()
	a.post(locAPI+"list-locations", `{"schema_name":"x_distance-y_distance-z_distance"}`).expectExactBody(200, `[{"id":1,"x_distance":5.0,"y_distance":0.1,"z_distance":4.4}]`)
	// The bounds of int32 themselves are fine.
	a.post(locAPI+"insert-location", `{"identifiers":[{"name":"lo","units":null,"datatype":"integer"},{"name":"hi","units":null,"datatype":"integer"}],"values":[-2147483648,2147483647]}`).
		expectExactBody(201, `{"schema_name":"hi-lo"}`)
	var locs []map[string]any
	a.post(locAPI+"list-locations", `{"schema_name":"hi-lo"}`).expect(200, "").decode(&locs)
	if len(locs) != 1 || locs[0]["lo"] != float64(-2147483648) || locs[0]["hi"] != float64(2147483647) {
		t.Fatalf("hi-lo locations = %v", locs)
	}
}

func TestInsertLocationForSchema(t *testing.T) {
	a := newAPI(t)
	// Item 16 and 17.
	a.post(locAPI+"insert-location-for-schema", `{"coordinates":{"a":123.4,"b":432.1},"schema_name":"fakey"}`).
		expectExactBody(400, `{"detail":"Location schema does not exist"}`)
	a.post(locAPI+"insert-location-schema", xySchema).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"xy","coordinates":{"x":123.4,"y":432.1}}`).expectExactBody(201, `{"detail":"Location inserted"}`)
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"xy","coordinates":{"y":432.1,"x":123.4}}`).expectExactBody(409, `{"detail":"Location exists already"}`)
	// §4.11: integer literals are floats here, so 1 and 1.0 are the same coordinate.
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"xy","coordinates":{"x":1,"y":2}}`).expect(201, "Location inserted")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"xy","coordinates":{"x":1.0,"y":2}}`).expect(409, "Location exists already")
	// §4.9: duplicates are looked for in this schema only.
	a.post(locAPI+"insert-location-schema", strings.Replace(xySchema, `"xy"`, `"xy2"`, 1)).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"xy2","coordinates":{"x":123.4,"y":432.1}}`).expect(201, "Location inserted")
	a.post(locAPI+"list-locations", `{"schema_name":"xy"}`).expectExactBody(200, `[{"id":1,"x":123.4,"y":432.1},{"id":2,"x":1.0,"y":2.0}]`)
	a.post(locAPI+"list-locations", `{"schema_name":"xy2"}`).expectExactBody(200, `[{"id":3,"x":123.4,"y":432.1}]`)

	a.post(locAPI+"insert-location-schema", buildingSchema).expect(201, "")
	a.post(locAPI+"insert-location-schema", latlongSchema).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"latlong","coordinates":{"latitude":-2.0,"longitude":50.0}}`).expect(201, "")
	cases := []struct {
		name, body string
		status     int
	}{
		// Item 57.
		{"wrong identifier set", `{"schema_name":"latlong","coordinates":{"height":-3.0,"longitude":50.0}}`, 400},
		{"string for float", `{"schema_name":"latlong","coordinates":{"latitude":"north","longitude":50.0}}`, 400},
		{"duplicate", `{"schema_name":"latlong","coordinates":{"latitude":-2.0,"longitude":50.0}}`, 409},
		{"unknown schema", `{"schema_name":"latlong2","coordinates":{"latitude":-3.0,"longitude":50.0}}`, 400},
		{"missing identifier", `{"schema_name":"latlong","coordinates":{"latitude":-3.0}}`, 400},
		{"extra identifier", `{"schema_name":"latlong","coordinates":{"latitude":-3.0,"longitude":50.0,"height":1.0}}`, 400},
		{"no coordinates", `{"schema_name":"latlong","coordinates":{}}`, 400},
		{"boolean for float", `{"schema_name":"latlong","coordinates":{"latitude":false,"longitude":50.0}}`, 400},
		{"boolean for integer", `{"schema_name":"building-floor-room","coordinates":{"building":"A","floor":true,"room":"1"}}`, 400},
		{"float for integer", `{"schema_name":"building-floor-room","coordinates":{"building":"A","floor":1.0,"room":"1"}}`, 400},
		{"int32 overflow", `{"schema_name":"building-floor-room","coordinates":{"building":"A","floor":2147483648,"room":"1"}}`, 400},
		{"number for string", `{"schema_name":"building-floor-room","coordinates":{"building":1,"floor":1,"room":"1"}}`, 400},
		{"NUL in a string", `{"schema_name":"building-floor-room","coordinates":{"building":"\u0000","floor":1,"room":"1"}}`, 400},
		{"null coordinate", `{"schema_name":"latlong","coordinates":{"latitude":null,"longitude":50.0}}`, 422},
		{"null coordinates", `{"schema_name":"latlong","coordinates":null}`, 422},
		{"coordinates as a list", `{"schema_name":"latlong","coordinates":[-3.0,50.0]}`, 422},
		{"missing coordinates", `{"schema_name":"latlong"}`, 422},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a.t = t
			a.post(locAPI+"insert-location-for-schema", c.body).expectClientError().expect(c.status, "")
		})
	}
	a.t = t
	a.post(locAPI+"list-locations", `{"schema_name":"latlong"}`).expectExactBody(200, `[{"id":4,"latitude":-2.0,"longitude":50.0}]`)
	a.post(locAPI+"list-locations", `{"schema_name":"building-floor-room"}`).expectExactBody(200, `[]`)
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"building-floor-room","coordinates":{"building":"Main","floor":-2147483648,"room":"0.1"}}`).expect(201, "")
	a.post(locAPI+"list-locations", `{"schema_name":"building-floor-room"}`).expectExactBody(200, `[{"id":5,"building":"Main","floor":-2147483648,"room":"0.1"}]`)
}

func TestListLocations(t *testing.T) {
	a := newAPI(t)
	// Item 18, and an unknown schema lists nothing (§4.9).
	a.post(locAPI+"list-locations", `{"schema_name":"xy"}`).expectExactBody(200, `[]`)
	a.post(locAPI+"list-locations", `{"schema_name":"xy","coordinates":{"x":1.0}}`).expectExactBody(200, `[]`)

	a.post(locAPI+"insert-location-schema", latlongSchema).expect(201, "")
	// Insertion order (item 53), not value order.
	for _, c := range []string{`{"latitude":-1.0,"longitude":51.0}`, `{"latitude":-2.0,"longitude":50.0}`, `{"latitude":-1.5,"longitude":50.0}`} {
		a.post(locAPI+"insert-location-for-schema", `{"schema_name":"latlong","coordinates":`+c+`}`).expect(201, "")
	}
	all := `[{"id":1,"latitude":-1.0,"longitude":51.0},{"id":2,"latitude":-2.0,"longitude":50.0},{"id":3,"latitude":-1.5,"longitude":50.0}]`
	a.post(locAPI+"list-locations", `{"schema_name":"latlong"}`).expectExactBody(200, all)
	a.post(locAPI+"list-locations", `{"schema_name":"latlong","coordinates":null}`).expectExactBody(200, all)
	a.post(locAPI+"list-locations", `{"schema_name":"latlong","coordinates":{}}`).expectExactBody(200, all)
	// Item 58: partial coordinates filter.
	a.post(locAPI+"list-locations", `{"schema_name":"latlong","coordinates":{"latitude":-2.0}}`).expectExactBody(200, `[{"id":2,"latitude":-2.0,"longitude":50.0}]`)
	a.post(locAPI+"list-locations", `{"schema_name":"latlong","coordinates":{"latitude":-3.0}}`).expectExactBody(200, `[]`)
	a.post(locAPI+"list-locations", `{"schema_name":"latlong","coordinates":{"longitude":50}}`).
		expectExactBody(200, `[{"id":2,"latitude":-2.0,"longitude":50.0},{"id":3,"latitude":-1.5,"longitude":50.0}]`)
	a.post(locAPI+"list-locations", `{"schema_name":"latlong","coordinates":{"longitude":50.0,"latitude":-1.5}}`).expectExactBody(200, `[{"id":3,"latitude":-1.5,"longitude":50.0}]`)

	// §4.9: a schema whose identifiers are a superset does not leak into this one.
	a.post(locAPI+"insert-location-schema", `{"name":"latlongalt","description":null,"identifiers":[`+
		`{"name":"latitude","units":"degrees","datatype":"float"},{"name":"longitude","units":"degrees","datatype":"float"},{"name":"altitude","units":"m","datatype":"float"}]}`).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"latlongalt","coordinates":{"latitude":-2.0,"longitude":50.0,"altitude":10.0}}`).expect(201, "")
	a.post(locAPI+"list-locations", `{"schema_name":"latlong","coordinates":{"latitude":-2.0}}`).expectExactBody(200, `[{"id":2,"latitude":-2.0,"longitude":50.0}]`)
	a.post(locAPI+"list-locations", `{"schema_name":"latlongalt"}`).expectExactBody(200, `[{"id":4,"altitude":10.0,"latitude":-2.0,"longitude":50.0}]`)

	for name, body := range map[string]string{
		"filter key not an identifier": `{"schema_name":"latlong","coordinates":{"altitude":10.0}}`,
		"filter of the wrong type":     `{"schema_name":"latlong","coordinates":{"latitude":"-2.0"}}`,
		"NUL in the schema name":       `{"schema_name":"lat\u0000long"}`,
	} {
		t.Run(name, func(t *testing.T) {
			a.t = t
			a.post(locAPI+"list-locations", body).expectClientError().expect(400, "")
		})
	}
}

func TestDeleteLocation(t *testing.T) {
	a := newAPI(t)
	a.post(locAPI+"insert-location-schema", testSchemaXY).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"test-schema","coordinates":{"x":1.0,"y":2.0}}`).expect(201, "")
	// Item 21 and 60.
	body := `{"schema_name":"test-schema","coordinates":{"x":1.0,"y":2.0}}`
	a.post(locAPI+"delete-location", body).expectExactBody(200, `{"detail":"Location deleted"}`)
	a.post(locAPI+"list-locations", body).expectExactBody(200, `[]`)
	a.post(locAPI+"delete-location", body).expectExactBody(400, `{"detail":"Location not found"}`)

	// §4.10: partial coordinates act only on a single match.
	for _, c := range []string{`{"x":1.0,"y":2.0}`, `{"x":1.0,"y":3.0}`, `{"x":2.0,"y":3.0}`} {
		a.post(locAPI+"insert-location-for-schema", `{"schema_name":"test-schema","coordinates":`+c+`}`).expect(201, "")
	}
	// §4.9: the same coordinates in another schema are not touched.
	a.post(locAPI+"insert-location-schema", strings.Replace(testSchemaXY, `"test-schema"`, `"other-schema"`, 1)).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"other-schema","coordinates":{"x":1.0,"y":2.0}}`).expect(201, "")

	before := `[{"id":2,"x":1.0,"y":2.0},{"id":3,"x":1.0,"y":3.0},{"id":4,"x":2.0,"y":3.0}]`
	for name, c := range map[string]struct {
		body   string
		status int
		detail string
	}{
		"ambiguous partial coordinates": {`{"schema_name":"test-schema","coordinates":{"x":1.0}}`, 409, ""},
		"ambiguous empty coordinates":   {`{"schema_name":"test-schema","coordinates":{}}`, 409, ""},
		"no match":                      {`{"schema_name":"test-schema","coordinates":{"x":9.0}}`, 400, "Location not found"},
		"unknown schema":                {`{"schema_name":"nope","coordinates":{"x":1.0,"y":2.0}}`, 400, "Location schema does not exist"},
		"unknown coordinate key":        {`{"schema_name":"test-schema","coordinates":{"x":1.0,"z":2.0}}`, 400, ""},
		"wrong type":                    {`{"schema_name":"test-schema","coordinates":{"x":"1.0","y":2.0}}`, 400, ""},
		"null coordinates":              {`{"schema_name":"test-schema","coordinates":null}`, 422, ""},
		"missing coordinates":           {`{"schema_name":"test-schema"}`, 422, ""},
	} {
		t.Run(name, func(t *testing.T) {
			a.t = t
			a.post(locAPI+"delete-location", c.body).expectClientError().expect(c.status, c.detail)
			a.post(locAPI+"list-locations", `{"schema_name":"test-schema"}`).expectExactBody(200, before)
		})
	}
	a.t = t
	a.post(locAPI+"delete-location", `{"schema_name":"test-schema","coordinates":{"x":1,"y":3}}`).expect(200, "Location deleted")
	a.post(locAPI+"delete-location", `{"schema_name":"test-schema","coordinates":{"x":2.0}}`).expect(200, "Location deleted")
	a.post(locAPI+"list-locations", `{"schema_name":"test-schema"}`).expectExactBody(200, `[{"id":2,"x":1.0,"y":2.0}]`)
	a.post(locAPI+"list-locations", `{"schema_name":"other-schema"}`).expectExactBody(200, `[{"id":5,"x":1.0,"y":2.0}]`)

	// Item 61: a schema with locations cannot be deleted; without them it can.
	a.post(locAPI+"delete-location-schema", `{"schema_name":"test-schema"}`).expectClientError().expect(409, "")
	a.post(locAPI+"get-schema-details", `{"schema_name":"test-schema"}`).expect(200, "")
	a.post(locAPI+"delete-location", `{"schema_name":"test-schema","coordinates":{"x":1.0,"y":2.0}}`).expect(200, "Location deleted")
	a.post(locAPI+"delete-location-schema", `{"schema_name":"test-schema"}`).expect(200, "Location schema 'test-schema' has been deleted.")
	a.post(locAPI+"list-locations", `{"schema_name":"other-schema"}`).expectExactBody(200, `[{"id":5,"x":1.0,"y":2.0}]`)
}

// routesUnder returns the endpoints whose path starts with prefix.
func routesUnder(t *testing.T, prefix string) []handlers.Endpoint {
	var out []handlers.Endpoint
	for _, e := range handlers.Endpoints() {
		if strings.HasPrefix(e.Path, prefix) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no endpoints under %s", prefix)
	}
	return out
}

// expectAuthRequired checks that every route under prefix answers 401 without a valid access token,
// before looking at the body (api-contract.md §1.2).
func expectAuthRequired(t *testing.T, prefix string, want int) {
	a := newAPI(t)
	refresh := a.login(testEmail, testPassword).RefreshToken
	routes := routesUnder(t, prefix)
	if len(routes) != want {
		t.Fatalf("%d routes under %s, want %d", len(routes), prefix, want)
	}
	for _, e := range routes {
		a.do(e.Method, e.Path, nil, "").expectExactBody(401, `{"detail":"Not authenticated"}`)
		a.do(e.Method, e.Path, `{"schema_name":"xy"}`, "").expect(401, "Not authenticated")
		a.do(e.Method, e.Path, `{`, "not-a-jwt").expect(401, "Could not validate credentials")
		a.do(e.Method, e.Path, nil, refresh).expect(401, "Token of wrong type")
	}
}

// Item 22.
func TestLocationRoutesNeedToken(t *testing.T) { expectAuthRequired(t, locAPI, 9) }

// hostile holds values, by the kind of field they are sent in, that are invalid for that kind, and
// whole bodies that no POST endpoint accepts.
var hostile = func() (h struct{ junk, str, optStr, values, coords, datetime, datetimes, identifiers, bodies []string }) {
	h.junk = []string{`1`, `-1.5`, `true`, `[]`, `{}`, `["a"]`, `{"a":"b"}`, `1e400`, `99999999999999999999`, `NaN`, `Infinity`, `-Infinity`,
		`[[[[[]]]]]`, `{"a":{"b":{"c":[null]}}}`}
	h.str = append([]string{`null`, `"a\u0000b"`}, h.junk...)
	h.optStr = append([]string{`"\u0000"`}, h.junk...) // null is valid
	h.values = []string{`null`, `1`, `"a"`, `{}`, `[null]`, `[[]]`, `[{}]`, `[1e400]`, `[-1e400]`, `[NaN]`, `[1,[2]]`, `[{"a":1}]`, `[Infinity]`}
	h.coords = []string{`[]`, `"a"`, `1`, `true`, `1e400`, `[{"x":1}]`, `{"x":null}`, `{"x":[]}`, `{"x":{}}`, `{"x":1e400}`, `{"x":NaN}`,
		`{"x":{"y":[1,{"z":null}]}}`}
	h.datetime = []string{`null`, `"yesterday"`, `""`, `true`, `[]`, `{}`, `1e400`, `99999999999999999999`, `-1e300`, `"2023-02-30T00:00:00"`,
		`"2023-03-29T24:00:00"`, `"2023-03-29T00:00:00+25:00"`, `"10000-01-01T00:00:00"`, `"0000-01-01"`, `NaN`, `"2023-03-29T00:00:00\u0000"`}
	h.datetimes = []string{`null`, `"2023-03-29"`, `{}`, `[null]`, `["nope"]`, `[[]]`, `[1e400]`, `[true]`, `[NaN]`}
	h.identifiers = []string{`null`, `{}`, `"a"`, `1`, `[null]`, `[1]`, `[[]]`, `[{}]`, `[{"name":"a","units":null}]`, `[{"name":"a","datatype":"float"}]`,
		`[{"name":1,"units":null,"datatype":"float"}]`, `[{"name":"a","units":1,"datatype":"float"}]`, `[{"name":"a","units":null,"datatype":null}]`,
		`[{"name":"a","units":null,"datatype":"FLOAT"}]`, `[{"name":"a","units":null,"datatype":1e400}]`, `[{"name":"a","units":null,"datatype":"float","x":NaN}]`}
	h.bodies = []string{``, `   `, `null`, `[]`, `[{}]`, `"x"`, `42`, `true`, `{`, `}`, `{"a":1,}`, `{"a":1}{"b":2}`, `NaN`, `{"a":NaN}`,
		`1e400`, `99999999999999999999`, `{'a':1}`, `{"a":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, `[` + strings.Repeat(`{"a":1},`, 50) + `{}]`}
	return h
}()

// bodyField is one key of an endpoint's body: a valid value, the hostile ones, and whether it may be left out.
type bodyField struct {
	key, valid string
	bad        []string
	optional   bool
}

// expectNoServerError sends valid bodies with one field made hostile (or left out when required),
// and bodies of the wrong shape, to one endpoint: every answer must be a 4xx with a JSON detail.
func expectNoServerError(t *testing.T, a *api, path string, fields []bodyField) {
	t.Helper()
	body := func(skip int, value string) string {
		parts := make([]string, 0, len(fields))
		for i, f := range fields {
			v := f.valid
			if i == skip {
				if value == "" {
					continue
				}
				v = value
			}
			parts = append(parts, `"`+f.key+`":`+v)
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ",") + "}"
	}
	for i, f := range fields {
		bad := f.bad
		if !f.optional {
			bad = append([]string{""}, bad...) // "" leaves the key out
		}
		for _, v := range bad {
			res := a.post(path, body(i, v))
			if res.Status < 400 || res.Status >= 500 {
				t.Errorf("%s with %s=%s: status %d %s", path, f.key, v, res.Status, res.Body)
				continue
			}
			res.expectClientError()
		}
	}
	// Invalid UTF-8 in any field may be accepted (decoders replace it) but never crashes.
	for i, f := range fields {
		for _, v := range []string{"\"\xff\xfe\"", "[\"\xff\"]", "{\"x\":\"\xff\"}"} {
			res := a.post(path, body(i, v))
			if res.Status >= 500 || !json.Valid(res.Body) {
				t.Errorf("%s with %s=%q: status %d %s", path, f.key, v, res.Status, res.Body)
			}
		}
	}
	for _, b := range hostile.bodies {
		res := a.post(path, b)
		if res.Status < 400 || res.Status >= 500 {
			t.Errorf("%s with body %.60q: status %d %s", path, b, res.Status, res.Body)
			continue
		}
		res.expectClientError()
	}
	// A JSON body under another content type is not parsed (api-contract.md §1.1).
	a.do("POST", path, body(-1, ""), a.Token, "Content-Type", "text/plain").expectClientError().expect(422, "")
}

func TestLocationHostileBodies(t *testing.T) {
	a := newAPI(t)
	a.post(locAPI+"insert-location-schema", xySchema).expect(201, "")
	a.post(locAPI+"insert-location-for-schema", `{"schema_name":"xy","coordinates":{"x":1.0,"y":2.0}}`).expect(201, "")
	schemaName := bodyField{key: "schema_name", valid: `"xy"`, bad: hostile.str}
	coords := bodyField{key: "coordinates", valid: `{"x":1.0,"y":2.0}`, bad: append([]string{`null`}, hostile.coords...)}
	tests := map[string][]bodyField{
		"insert-location-schema": {
			{key: "name", valid: `"s"`, bad: hostile.str},
			{key: "description", valid: `null`, bad: hostile.optStr},
			{key: "identifiers", valid: `[{"name":"a","units":null,"datatype":"float"}]`, bad: hostile.identifiers},
		},
		"insert-location": {
			{key: "identifiers", valid: `[{"name":"x","units":"mm","datatype":"float"}]`, bad: hostile.identifiers},
			{key: "values", valid: `[3.0]`, bad: hostile.values},
		},
		"insert-location-for-schema": {schemaName, coords},
		"list-locations":             {schemaName, {key: "coordinates", valid: `{"x":1.0}`, bad: hostile.coords, optional: true}},
		"get-schema-details":         {schemaName},
		"delete-location-schema":     {schemaName},
		"delete-location":            {schemaName, coords},
	}
	for name, fields := range tests {
		t.Run(name, func(t *testing.T) {
			a.t = t
			expectNoServerError(t, a, locAPI+name, fields)
		})
	}
	a.t = t
	// Nothing above may have changed the data.
	a.post(locAPI+"list-locations", `{"schema_name":"xy"}`).expectExactBody(200, `[{"id":1,"x":1.0,"y":2.0}]`)
	// GET endpoints ignore any body.
	for _, p := range []string{"list-location-schemas", "list-location-identifiers"} {
		for _, b := range []string{`{`, `NaN`, `[1,2]`} {
			a.do("GET", locAPI+p, b, a.Token).expect(200, "")
		}
	}
}

package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers"
)

// adoptFixture is a database as the original Python DTBase leaves it: its schema rendered
// independently of our migrations, and a few rows of every kind (see the file's header).
const adoptFixture = "../dbcore/testdata/dtbase_original.sql"

// The fixture's users and their passwords.
const (
	adoptUserEmail     = "default_user@localhost"
	adoptUserPassword  = "original-pass"
	adoptAliceEmail    = "alice@example.com"
	adoptAlicePassword = "alice-secret"
)

// adoptTables are every table of the original schema, in the fixture's order.
var adoptTables = []string{
	"User",
	"location_identifier", "location_schema", "location_schema_identifier_relation", "location",
	"location_float_value", "location_integer_value", "location_boolean_value", "location_string_value",
	"sensor_measure", "sensor_type", "sensor_type_measure_relation", "sensor",
	"sensor_float_reading", "sensor_integer_reading", "sensor_boolean_reading", "sensor_string_reading",
	"sensor_location",
	"model", "model_scenario", "model_measure", "model_run", "model_product",
	"model_float_value", "model_integer_value", "model_booleanvalue", "model_string_value",
	"service", "service_parameter_set", "service_run_log",
}

// adoptFixtureCounts is how many rows the fixture puts in each table.
var adoptFixtureCounts = map[string]int{
	"User":                                2,
	"location_identifier":                 6,
	"location_schema":                     4,
	"location_schema_identifier_relation": 6,
	"location":                            4,
	"location_float_value":                4,
	"location_integer_value":              2,
	"location_boolean_value":              2,
	"location_string_value":               2,
	"sensor_measure":                      7,
	"sensor_type":                         3,
	"sensor_type_measure_relation":        6,
	"sensor":                              3,
	"sensor_float_reading":                7,
	"sensor_integer_reading":              3,
	"sensor_boolean_reading":              5,
	"sensor_string_reading":               3,
	"sensor_location":                     3,
	"model":                               3,
	"model_scenario":                      4,
	"model_measure":                       6,
	"model_run":                           4,
	"model_product":                       6,
	"model_float_value":                   5,
	"model_integer_value":                 2,
	"model_booleanvalue":                  2,
	"model_string_value":                  2,
	"service":                             4,
	"service_parameter_set":               3,
	"service_run_log":                     5,
}

// adoptCountRows counts the rows of every original table.
func adoptCountRows(t *testing.T, url string) map[string]int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	out := make(map[string]int, len(adoptTables))
	for _, table := range adoptTables {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// adoptReadingGroups counts the readings of each reading table by sensor and measure (name, units),
// which identify a series whatever the measure's id.
func adoptReadingGroups(t *testing.T, url string) map[string]int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	out := map[string]int{}
	for _, table := range []string{"sensor_float_reading", "sensor_integer_reading", "sensor_boolean_reading", "sensor_string_reading"} {
		rows, err := conn.Query(ctx, `SELECT s.unique_identifier, m.name, coalesce(m.units, '<NULL>'), count(*)
			FROM `+table+` r JOIN sensor s ON s.id = r.sensor_id JOIN sensor_measure m ON m.id = r.measure_id
			GROUP BY 1, 2, 3`)
		if err != nil {
			t.Fatalf("group %s: %v", table, err)
		}
		for rows.Next() {
			var sensor, measure, units string
			var n int
			if err := rows.Scan(&sensor, &measure, &units, &n); err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprintf("%s %s/%s/%s", table, sensor, measure, units)] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// adoptCatalog describes the public schema of a database: columns, constraints with their names and
// definitions, indexes, enum types and sequences, one sorted line each.
func adoptCatalog(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var out []string
	for _, q := range []string{
		`SELECT 'column ' || table_name || '.' || column_name || ' ' || udt_name || coalesce('(' || character_maximum_length || ')', '')
			|| ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '-')
			FROM information_schema.columns WHERE table_schema = 'public'`,
		`SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
		`SELECT 'index ' || tablename || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'`,
		`SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
			FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
		`SELECT 'sequence ' || sequence_name || ' ' || data_type FROM information_schema.sequences WHERE sequence_schema = 'public'`,
	} {
		rows, _ := conn.Query(ctx, q)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("read catalog: %v", err)
		}
		out = append(out, lines...)
	}
	sort.Strings(out)
	return out
}

// adoptCanonJSON re-encodes a JSON document keeping object key order and number literals as they are
// written, and normalising only string escapes, so that two documents compare equal exactly when
// they hold the same values in the same order with the same number formatting.
func adoptCanonJSON(data []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var sb strings.Builder
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				sb.WriteByte('{')
				for first := true; dec.More(); first = false {
					if !first {
						sb.WriteByte(',')
					}
					key, err := dec.Token()
					if err != nil {
						return err
					}
					k, _ := json.Marshal(key)
					sb.Write(k)
					sb.WriteByte(':')
					if err := walk(); err != nil {
						return err
					}
				}
				if _, err := dec.Token(); err != nil {
					return err
				}
				sb.WriteByte('}')
			case '[':
				sb.WriteByte('[')
				for first := true; dec.More(); first = false {
					if !first {
						sb.WriteByte(',')
					}
					if err := walk(); err != nil {
						return err
					}
				}
				if _, err := dec.Token(); err != nil {
					return err
				}
				sb.WriteByte(']')
			}
		case json.Number:
			sb.WriteString(v.String())
		case string:
			s, _ := json.Marshal(v)
			sb.Write(s)
		case bool:
			fmt.Fprint(&sb, v)
		case nil:
			sb.WriteString("null")
		}
		return nil
	}
	if err := walk(); err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("trailing data after the JSON value")
	}
	return sb.String(), nil
}

// adoptCheck sends a request and compares the status and the body's JSON, exactly, with want.
func (a *api) adoptCheck(method, path string, body any, wantStatus int, want string) {
	a.t.Helper()
	res := a.do(method, path, body, a.Token)
	if res.Status != wantStatus {
		a.t.Errorf("%s %s %v: status %d, want %d; body %s", method, path, body, res.Status, wantStatus, res.Body)
		return
	}
	got, err := adoptCanonJSON(res.Body)
	if err != nil {
		a.t.Errorf("%s %s %v: body is not JSON (%v): %s", method, path, body, err, res.Body)
		return
	}
	exp, err := adoptCanonJSON([]byte(want))
	if err != nil {
		a.t.Fatalf("bad expected JSON for %s %s: %v\n%s", method, path, err, want)
	}
	if got != exp {
		a.t.Errorf("%s %s %v:\n got  %s\n want %s", method, path, body, got, exp)
	}
}

// adoptRange is a dt window holding every timestamp of the fixture.
var adoptRange = map[string]any{"dt_from": "2000-01-01T00:00:00Z", "dt_to": "2100-01-01T00:00:00Z"}

func adoptWith(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m)+len(kv)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestAdoptOriginalDatabase(t *testing.T) {
	ctx := context.Background()
	script, err := os.ReadFile(adoptFixture)
	if err != nil {
		t.Fatal(err)
	}
	url := dbtest.NewEmptyURL(t)
	dbtest.Exec(t, url, string(script))

	before := adoptCountRows(t, url)
	for _, table := range adoptTables {
		if before[table] != adoptFixtureCounts[table] {
			t.Fatalf("fixture: %s has %d rows, want %d", table, before[table], adoptFixtureCounts[table])
		}
	}
	groupsBefore := adoptReadingGroups(t, url)

	// Adopt: every migration applies on the original's database, then nothing is pending.
	db, err := dbcore.Open(ctx, url, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrate the original's database: %v", err)
	}
	statuses, err := db.MigrationStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(statuses) {
		t.Errorf("first migrate applied %d migrations, want all %d", applied, len(statuses))
	}
	for _, s := range statuses {
		if !s.Applied {
			t.Errorf("migration %d (%s) not applied", s.Version, s.Name)
		}
	}
	if again, err := db.Migrate(ctx); err != nil || again != 0 {
		t.Fatalf("second migrate applied %d, err %v; want 0, nil", again, err)
	}

	// No row is lost. The only expected change: the duplicate door_open measure (NULL units, §4.5)
	// is merged into the older one, and its readings, type link and model run move with it.
	after := adoptCountRows(t, url)
	for _, table := range adoptTables {
		want := before[table]
		if table == "sensor_measure" {
			want--
		}
		if after[table] != want {
			t.Errorf("after migration %s has %d rows, want %d (before: %d)", table, after[table], want, before[table])
		}
	}
	// The adopted schema is exactly what the migrations build on an empty database, so that later
	// migrations, written against fresh databases, apply to adopted ones too.
	fresh := dbtest.NewEmptyURL(t)
	freshDB, err := dbcore.Open(ctx, fresh, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := freshDB.Migrate(ctx); err != nil {
		t.Fatalf("migrate an empty database: %v", err)
	}
	freshDB.Close()
	adoptedSchema, freshSchema := adoptCatalog(t, url), adoptCatalog(t, fresh)
	inFresh := make(map[string]bool, len(freshSchema))
	for _, line := range freshSchema {
		inFresh[line] = true
	}
	inAdopted := make(map[string]bool, len(adoptedSchema))
	for _, line := range adoptedSchema {
		inAdopted[line] = true
		if !inFresh[line] {
			t.Errorf("adopted schema only: %s", line)
		}
	}
	for _, line := range freshSchema {
		if !inAdopted[line] {
			t.Errorf("fresh schema only: %s", line)
		}
	}

	groupsAfter := adoptReadingGroups(t, url)
	if len(groupsAfter) != len(groupsBefore) {
		t.Errorf("reading series after migration: %v, before: %v", groupsAfter, groupsBefore)
	}
	for k, n := range groupsBefore {
		if groupsAfter[k] != n {
			t.Errorf("readings of %s: %d after migration, %d before", k, groupsAfter[k], n)
		}
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := handlers.New(db, handlers.Config{
		JWTSecret:         []byte(testSecret),
		AccessTokenTTL:    time.Hour,
		RefreshTokenGrace: time.Hour,
	}, log, nil)
	a := &api{t: t, URL: url, DB: db, Srv: srv, h: srv.Routes()}

	// The original's users log in with the passwords they had: bcrypt $2b$ hashes stored as bytea.
	a.Token = a.login(adoptUserEmail, adoptUserPassword).AccessToken
	a.login(adoptAliceEmail, adoptAlicePassword)
	a.do("POST", "/api/auth/login", map[string]string{"email": adoptUserEmail, "password": adoptAlicePassword}, "").
		expect(401, "Incorrect email or password")

	t.Run("users", func(t *testing.T) {
		a.t = t
		a.adoptCheck("GET", "/api/user/list-users", nil, 200, `["default_user@localhost","alice@example.com"]`)
	})

	t.Run("locations", func(t *testing.T) {
		a.t = t
		a.adoptCheck("GET", "/api/location/list-location-identifiers", nil, 200, `[
			{"name":"x","units":"m","datatype":"float"},
			{"name":"y","units":"m","datatype":"float"},
			{"name":"zone","units":null,"datatype":"string"},
			{"name":"floor","units":null,"datatype":"integer"},
			{"name":"indoor","units":null,"datatype":"boolean"},
			{"name":"altitude","units":"m","datatype":"float"}]`)
		xy := `{"name":"x-y","description":"x-y","identifiers":[
			{"name":"x","units":"m","datatype":"float"},
			{"name":"y","units":"m","datatype":"float"}]}`
		building := `{"name":"building","description":"Rooms in buildings","identifiers":[
			{"name":"floor","units":null,"datatype":"integer"},
			{"name":"indoor","units":null,"datatype":"boolean"},
			{"name":"zone","units":null,"datatype":"string"}]}`
		site := `{"name":"site","description":null,"identifiers":[{"name":"zone","units":null,"datatype":"string"}]}`
		empty := `{"name":"empty","description":"A schema without identifiers","identifiers":[]}`
		// The schema without identifiers is listed with [] (api-contract.md §4.17).
		a.adoptCheck("GET", "/api/location/list-location-schemas", nil, 200, "["+xy+","+building+","+site+","+empty+"]")
		a.adoptCheck("POST", "/api/location/get-schema-details", map[string]any{"schema_name": "x-y"}, 200, xy)
		a.adoptCheck("POST", "/api/location/get-schema-details", map[string]any{"schema_name": "building"}, 200, building)
		a.adoptCheck("POST", "/api/location/get-schema-details", map[string]any{"schema_name": "site"}, 200, site)
		a.adoptCheck("POST", "/api/location/get-schema-details", map[string]any{"schema_name": "empty"}, 200, empty)

		a.adoptCheck("POST", "/api/location/list-locations", map[string]any{"schema_name": "x-y"}, 200,
			`[{"id":1,"x":0.23,"y":1.44},{"id":2,"x":1.0,"y":-23.1}]`)
		a.adoptCheck("POST", "/api/location/list-locations", map[string]any{"schema_name": "x-y", "coordinates": map[string]any{"x": 1.0}}, 200,
			`[{"id":2,"x":1.0,"y":-23.1}]`)
		a.adoptCheck("POST", "/api/location/list-locations", map[string]any{"schema_name": "building"}, 200,
			`[{"id":3,"floor":2,"indoor":true,"zone":"A-wing"},{"id":4,"floor":-1,"indoor":false,"zone":"Café <lab> & \"B\""}]`)
		a.adoptCheck("POST", "/api/location/list-locations", map[string]any{"schema_name": "building", "coordinates": map[string]any{"indoor": false}}, 200,
			`[{"id":4,"floor":-1,"indoor":false,"zone":"Café <lab> & \"B\""}]`)
		a.adoptCheck("POST", "/api/location/list-locations", map[string]any{"schema_name": "site"}, 200, `[]`)
		a.adoptCheck("POST", "/api/location/list-locations", map[string]any{"schema_name": "empty"}, 200, `[]`)
	})

	t.Run("sensors", func(t *testing.T) {
		a.t = t
		a.adoptCheck("GET", "/api/sensor/list-sensor-types", nil, 200, `[
			{"name":"thermometer","description":"Measures temperature","measures":[
				{"name":"temperature","units":"Degrees Celsius","datatype":"float"},
				{"name":"door_open","units":null,"datatype":"boolean"},
				{"name":"status","units":null,"datatype":"string"}]},
			{"name":"door sensor","description":null,"measures":[
				{"name":"door_open","units":null,"datatype":"boolean"},
				{"name":"battery","units":"mV","datatype":"integer"},
				{"name":"humidity","units":"Percent","datatype":"float"}]},
			{"name":"unused type","description":"No sensors and no measures","measures":[]}]`)
		// The duplicate door_open is gone; every other measure is listed, used or not.
		a.adoptCheck("GET", "/api/sensor/list-measures", nil, 200, `[
			{"name":"temperature","units":"Degrees Celsius","datatype":"float"},
			{"name":"door_open","units":null,"datatype":"boolean"},
			{"name":"status","units":null,"datatype":"string"},
			{"name":"battery","units":"mV","datatype":"integer"},
			{"name":"humidity","units":"Percent","datatype":"float"},
			{"name":"pressure","units":"hPa","datatype":"float"}]`)
		therm1 := `{"unique_identifier":"THERM-1","name":"Lab thermometer","notes":"North wall","id":1,"sensor_type_name":"thermometer",
			"time_created":"2024-02-01T08:00:00Z"}`
		therm2 := `{"unique_identifier":"THERM-2","name":null,"notes":null,"id":2,"sensor_type_name":"thermometer",
			"time_created":"2024-02-01T08:01:00Z"}`
		door1 := `{"unique_identifier":"DOOR-1","name":"Front door","notes":"","id":3,"sensor_type_name":"door sensor",
			"time_created":"2024-02-01T08:02:00Z"}`
		a.adoptCheck("POST", "/api/sensor/list-sensors", map[string]any{}, 200, "["+therm1+","+therm2+","+door1+"]")
		a.adoptCheck("POST", "/api/sensor/list-sensors", map[string]any{"type_name": "door sensor"}, 200, "["+door1+"]")
		a.adoptCheck("POST", "/api/sensor/list-sensors", map[string]any{"type_name": "unused type"}, 200, `[]`)

		readings := func(sensor, measure string) map[string]any {
			return adoptWith(adoptRange, "unique_identifier", sensor, "measure_name", measure)
		}
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("THERM-1", "temperature"), 200, `[
			{"value":290.0,"timestamp":"2024-02-12T16:59:59.999999Z"},
			{"value":20.5,"timestamp":"2024-02-12T17:00:00.123456Z"},
			{"value":-23.0,"timestamp":"2024-02-12T18:00:00Z"},
			{"value":1e-05,"timestamp":"2024-02-12T19:00:00.000001Z"},
			{"value":1e+20,"timestamp":"2024-02-12T20:00:00Z"}]`)
		// Both ends are inclusive, to the microsecond.
		a.adoptCheck("POST", "/api/sensor/sensor-readings", map[string]any{"unique_identifier": "THERM-1", "measure_name": "temperature",
			"dt_from": "2024-02-12T17:00:00.123456Z", "dt_to": "2024-02-12T19:00:00.000001Z"}, 200, `[
			{"value":20.5,"timestamp":"2024-02-12T17:00:00.123456Z"},
			{"value":-23.0,"timestamp":"2024-02-12T18:00:00Z"},
			{"value":1e-05,"timestamp":"2024-02-12T19:00:00.000001Z"}]`)
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("THERM-2", "temperature"), 200,
			`[{"value":0.1,"timestamp":"2024-02-12T17:00:00Z"}]`)
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("DOOR-1", "humidity"), 200,
			`[{"value":45.25,"timestamp":"2024-02-12T23:00:00.500000Z"}]`)
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("DOOR-1", "battery"), 200, `[
			{"value":3300,"timestamp":"2024-02-12T17:00:00Z"},
			{"value":2147483647,"timestamp":"2024-02-12T17:15:00Z"},
			{"value":-2147483648,"timestamp":"2024-02-12T17:30:00.000100Z"}]`)
		// door_open readings were stored under two different measure rows; both series survive.
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("THERM-1", "door_open"), 200, `[
			{"value":true,"timestamp":"2024-02-12T17:00:00Z"},
			{"value":false,"timestamp":"2024-02-12T18:00:00.250000Z"}]`)
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("DOOR-1", "door_open"), 200, `[
			{"value":true,"timestamp":"2024-02-12T17:00:00Z"},
			{"value":false,"timestamp":"2024-02-12T18:00:00.250000Z"},
			{"value":true,"timestamp":"2024-02-12T19:00:00Z"}]`)
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("THERM-1", "status"), 200, `[
			{"value":"ok","timestamp":"2024-02-12T17:00:00.000010Z"},
			{"value":"überhitzt <hot> & \"x\"","timestamp":"2024-02-12T18:00:00Z"}]`)
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("THERM-2", "status"), 200,
			`[{"value":"","timestamp":"2024-02-12T17:00:00Z"}]`)
		a.adoptCheck("POST", "/api/sensor/sensor-readings", readings("THERM-2", "door_open"), 200, `[]`)

		a.adoptCheck("POST", "/api/sensor/list-sensor-locations", map[string]any{"unique_identifier": "THERM-1"}, 200, `[
			{"id":2,"x":1.0,"y":-23.1,"installation_datetime":"2024-03-01T10:00:00Z"},
			{"id":1,"x":0.23,"y":1.44,"installation_datetime":"2024-01-01T10:00:00.123456Z"}]`)
		a.adoptCheck("POST", "/api/sensor/list-sensor-locations", map[string]any{"unique_identifier": "DOOR-1"}, 200,
			`[{"id":3,"floor":2,"indoor":true,"zone":"A-wing","installation_datetime":"2024-02-01T00:00:00Z"}]`)
		a.adoptCheck("POST", "/api/sensor/list-sensor-locations", map[string]any{"unique_identifier": "THERM-2"}, 200, `[]`)
	})

	run1 := `{"id":1,"model_id":1,"model_name":"ARIMA","scenario_id":1,"scenario_description":"Default",
		"time_created":"2024-02-13T17:00:00.123456Z","sensor_unique_id":"THERM-1",
		"sensor_measure":{"name":"temperature","units":"Degrees Celsius"}}`
	// The scenario's NULL description comes out as null (api-contract.md §4.22).
	run2 := `{"id":2,"model_id":1,"model_name":"ARIMA","scenario_id":2,"scenario_description":null,
		"time_created":"2024-02-14T00:00:00Z","sensor_unique_id":null,"sensor_measure":null}`
	// Run 3 referred to the duplicate door_open measure that the migration merged.
	run3 := `{"id":3,"model_id":2,"model_name":"Heat model","scenario_id":3,"scenario_description":"Hot summer",
		"time_created":"2024-02-15T12:00:00.000001Z","sensor_unique_id":"DOOR-1",
		"sensor_measure":{"name":"door_open","units":null}}`
	run4 := `{"id":4,"model_id":1,"model_name":"ARIMA","scenario_id":1,"scenario_description":"Default",
		"time_created":"2024-02-16T06:30:00Z","sensor_unique_id":null,"sensor_measure":{"name":"battery","units":"mV"}}`

	t.Run("models", func(t *testing.T) {
		a.t = t
		a.adoptCheck("GET", "/api/model/list-models", nil, 200, `[{"name":"ARIMA"},{"name":"Heat model"},{"name":"Unused model"}]`)
		a.adoptCheck("GET", "/api/model/list-model-scenarios", nil, 200, `[
			{"model_name":"ARIMA","description":"Default"},
			{"model_name":"ARIMA","description":null},
			{"model_name":"Heat model","description":"Hot summer"},
			{"model_name":"Heat model","description":"Cold winter"}]`)
		a.adoptCheck("GET", "/api/model/list-model-measures", nil, 200, `[
			{"name":"mean temperature","units":"Degrees Celsius","datatype":"float"},
			{"name":"upper bound","units":"Degrees Celsius","datatype":"float"},
			{"name":"alarm count","units":"","datatype":"integer"},
			{"name":"frost","units":"yes/no","datatype":"boolean"},
			{"name":"summary","units":"text","datatype":"string"},
			{"name":"unused measure","units":"kg","datatype":"float"}]`)

		a.adoptCheck("POST", "/api/model/list-model-runs", adoptWith(adoptRange, "model_name", "ARIMA"), 200, "["+run1+","+run2+","+run4+"]")
		a.adoptCheck("POST", "/api/model/list-model-runs", adoptWith(adoptRange, "model_name", "ARIMA", "scenario", nil), 200, "["+run1+","+run2+","+run4+"]")
		a.adoptCheck("POST", "/api/model/list-model-runs", adoptWith(adoptRange, "model_name", "ARIMA", "scenario", "Default"), 200, "["+run1+","+run4+"]")
		a.adoptCheck("POST", "/api/model/list-model-runs", map[string]any{"model_name": "ARIMA",
			"dt_from": "2024-02-13T17:00:00.123456Z", "dt_to": "2024-02-13T17:00:00.123456Z"}, 200, "["+run1+"]")
		a.adoptCheck("POST", "/api/model/list-model-runs", adoptWith(adoptRange, "model_name", "Heat model"), 200, "["+run3+"]")
		a.adoptCheck("POST", "/api/model/list-model-runs", adoptWith(adoptRange, "model_name", "Unused model"), 200, `[]`)

		a.adoptCheck("POST", "/api/model/get-model-run", map[string]any{"run_id": 1}, 200, `{
			"mean temperature":[
				{"value":20.1,"timestamp":"2024-02-13T17:00:00.123456Z"},
				{"value":-23.0,"timestamp":"2024-02-13T18:00:00.123456Z"}],
			"upper bound":[{"value":1e+20,"timestamp":"2024-02-13T17:00:00Z"}],
			"alarm count":[
				{"value":7,"timestamp":"2024-02-13T17:00:00Z"},
				{"value":0,"timestamp":"2024-02-13T18:00:00Z"}]}`)
		a.adoptCheck("POST", "/api/model/get-model-run", map[string]any{"run_id": 2}, 200, `{
			"frost":[
				{"value":true,"timestamp":"2024-02-14T01:00:00Z"},
				{"value":false,"timestamp":"2024-02-14T02:00:00.000002Z"}],
			"summary":[
				{"value":"sunny, 20°C","timestamp":"2024-02-14T01:00:00Z"},
				{"value":"","timestamp":"2024-02-14T02:00:00Z"}]}`)
		a.adoptCheck("POST", "/api/model/get-model-run", map[string]any{"run_id": 3}, 200, `{
			"mean temperature":[
				{"value":1.5e-07,"timestamp":"2024-02-15T12:00:00Z"},
				{"value":0.5,"timestamp":"2024-02-15T13:00:00Z"}]}`)
		a.adoptCheck("POST", "/api/model/get-model-run", map[string]any{"run_id": 4}, 200, `{}`)
		a.adoptCheck("POST", "/api/model/get-model-run", map[string]any{"run_id": 99}, 200, `{}`)

		a.adoptCheck("POST", "/api/model/get-model-run-sensor-measure", map[string]any{"run_id": 1}, 200,
			`{"sensor_unique_id":"THERM-1","sensor_measure":{"name":"temperature","units":"Degrees Celsius"}}`)
		a.adoptCheck("POST", "/api/model/get-model-run-sensor-measure", map[string]any{"run_id": 2}, 200,
			`{"sensor_unique_id":null,"sensor_measure":null}`)
		a.adoptCheck("POST", "/api/model/get-model-run-sensor-measure", map[string]any{"run_id": 3}, 200,
			`{"sensor_unique_id":"DOOR-1","sensor_measure":{"name":"door_open","units":null}}`)
		a.adoptCheck("POST", "/api/model/get-model-run-sensor-measure", map[string]any{"run_id": 4}, 200,
			`{"sensor_unique_id":null,"sensor_measure":{"name":"battery","units":"mV"}}`)
		a.adoptCheck("POST", "/api/model/get-model-run-sensor-measure", map[string]any{"run_id": 99}, 400, `{"detail":"No such model run"}`)
	})

	setDefault := `{"service_name":"arima","name":"default","parameters":{"days":7,"threshold":0.5}}`
	setEmpty := `{"service_name":"arima","name":"empty","parameters":{}}`
	setNested := `{"service_name":"weather-fetch","name":"nested",
		"parameters":{"loc":{"lat":51.5,"lon":-0.12},"tags":["a","b"],"place":"café <1>"}}`
	// A run-log record has exactly the original's six keys (the original's rows have no error).
	logRun := func(service, set, params, response string, status int, timestamp string) string {
		return fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%s,"parameters":%s,"response_json":%s,
			"response_status_code":%d,"timestamp":%q}`, service, set, params, response, status, timestamp)
	}
	log1 := func(set string) string {
		return logRun("arima", set, `{"days":7,"threshold":0.5}`, `{"status":"ok","values":[1,2.5]}`, 200, "2024-03-01T09:00:00.654321Z")
	}
	log2 := logRun("arima", "null", "null", "null", 500, "2024-03-01T09:05:00Z")
	log3 := logRun("weather-fetch", `"nested"`, `{"loc":{"lat":51.5,"lon":-0.12},"tags":["a","b"],"place":"café <1>"}`, `[1,2,3]`, 200, "2024-03-01T09:10:00Z")
	log4 := logRun("cleanup", "null", `[1,"two"]`, "null", 404, "2024-03-01T09:15:00Z")
	log5 := logRun("arima", `"empty"`, "{}", `"done"`, 201, "2024-03-01T09:20:00.000001Z")

	t.Run("services", func(t *testing.T) {
		a.t = t
		a.adoptCheck("GET", "/api/service/list-services", nil, 200, `[
			{"name":"arima","url":"http://arima:8000/run","http_method":"POST"},
			{"name":"weather-fetch","url":"https://example.com/weather?x=1&y=2","http_method":"GET"},
			{"name":"cleanup","url":"http://cleanup/","http_method":"DELETE"},
			{"name":"uploader","url":"http://uploader/put","http_method":"PUT"}]`)
		a.adoptCheck("POST", "/api/service/list-parameter-sets", nil, 200, "["+setDefault+","+setEmpty+","+setNested+"]")
		a.adoptCheck("POST", "/api/service/list-parameter-sets", map[string]any{}, 200, "["+setDefault+","+setEmpty+","+setNested+"]")
		a.adoptCheck("POST", "/api/service/list-parameter-sets", map[string]any{"service_name": "weather-fetch"}, 200, "["+setNested+"]")
		a.adoptCheck("POST", "/api/service/list-runs", nil, 200, "["+log1(`"default"`)+","+log2+","+log3+","+log4+","+log5+"]")
		a.adoptCheck("POST", "/api/service/list-runs", map[string]any{"service_name": "arima"}, 200, "["+log1(`"default"`)+","+log2+","+log5+"]")
		a.adoptCheck("POST", "/api/service/list-runs", map[string]any{"service_name": "arima", "parameter_set_name": "default"}, 200, "["+log1(`"default"`)+"]")
		a.adoptCheck("POST", "/api/service/list-runs", map[string]any{"service_name": "cleanup"}, 200, "["+log4+"]")
	})

	// The adopted database takes writes through the API.
	t.Run("writes", func(t *testing.T) {
		a.t = t
		// A reading of the merged door_open measure, and one of a float measure, next to the old ones.
		a.post("/api/sensor/insert-sensor-readings", map[string]any{"unique_identifier": "DOOR-1", "measure_name": "door_open",
			"readings": []any{false}, "timestamps": []any{"2024-02-12T20:00:00.000123Z"}}).expect(201, "Sensor readings inserted")
		a.adoptCheck("POST", "/api/sensor/sensor-readings", adoptWith(adoptRange, "unique_identifier", "DOOR-1", "measure_name", "door_open"), 200, `[
			{"value":true,"timestamp":"2024-02-12T17:00:00Z"},
			{"value":false,"timestamp":"2024-02-12T18:00:00.250000Z"},
			{"value":true,"timestamp":"2024-02-12T19:00:00Z"},
			{"value":false,"timestamp":"2024-02-12T20:00:00.000123Z"}]`)
		// 20:00:00 is stored already: that reading is skipped and the old value kept, as in the original.
		a.post("/api/sensor/insert-sensor-readings", map[string]any{"unique_identifier": "THERM-1", "measure_name": "temperature",
			"readings": []any{21.5, 22.0}, "timestamps": []any{"2024-02-12T21:00:00.5Z", "2024-02-12T20:00:00Z"}}).expect(201, "Sensor readings inserted")
		a.adoptCheck("POST", "/api/sensor/sensor-readings", map[string]any{"unique_identifier": "THERM-1", "measure_name": "temperature",
			"dt_from": "2024-02-12T19:30:00Z", "dt_to": "2024-02-12T23:00:00Z"}, 200, `[
			{"value":1e+20,"timestamp":"2024-02-12T20:00:00Z"},
			{"value":21.5,"timestamp":"2024-02-12T21:00:00.500000Z"}]`)

		// A NULL-units measure that exists is reused, not duplicated again.
		a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "window sensor", "description": nil,
			"measures": []any{map[string]any{"name": "door_open", "units": nil, "datatype": "boolean"}}}).expect(201, "Sensor type inserted")
		a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "window sensor", "unique_identifier": "WIN-1"}).expect(201, "Sensor inserted")
		a.post("/api/sensor/insert-sensor-readings", map[string]any{"unique_identifier": "WIN-1", "measure_name": "door_open",
			"readings": []any{true}, "timestamps": []any{"2024-02-12T17:00:00Z"}}).expect(201, "Sensor readings inserted")
		a.adoptCheck("POST", "/api/sensor/sensor-readings", adoptWith(adoptRange, "unique_identifier", "WIN-1", "measure_name", "door_open"), 200,
			`[{"value":true,"timestamp":"2024-02-12T17:00:00Z"}]`)

		// A model run naming the merged measure: the serials continue after the original's ids.
		res := a.post("/api/model/insert-model-run", map[string]any{
			"model_name": "Heat model", "scenario_description": "Hot summer", "time_created": "2024-03-02T00:00:00Z",
			"sensor_unique_id": "DOOR-1", "sensor_measure": map[string]any{"name": "door_open", "units": nil},
			"measures_and_values": []any{map[string]any{"measure_name": "mean temperature",
				"values": []any{1.25, -0.5}, "timestamps": []any{"2024-03-02T00:00:00.000007Z", "2024-03-01T23:00:00Z"}}},
		}).expect(201, "Model run inserted")
		var inserted struct {
			RunID int `json:"run_id"`
		}
		res.decode(&inserted)
		if inserted.RunID != 5 {
			t.Errorf("new run id %d, want 5 (the original's last id was 4)", inserted.RunID)
		}
		run5 := `{"id":5,"model_id":2,"model_name":"Heat model","scenario_id":3,"scenario_description":"Hot summer",
			"time_created":"2024-03-02T00:00:00Z","sensor_unique_id":"DOOR-1","sensor_measure":{"name":"door_open","units":null}}`
		a.adoptCheck("POST", "/api/model/list-model-runs", adoptWith(adoptRange, "model_name", "Heat model"), 200, "["+run3+","+run5+"]")
		a.adoptCheck("POST", "/api/model/get-model-run", map[string]any{"run_id": 5}, 200, `{"mean temperature":[
			{"value":-0.5,"timestamp":"2024-03-01T23:00:00Z"},
			{"value":1.25,"timestamp":"2024-03-02T00:00:00.000007Z"}]}`)
		a.adoptCheck("POST", "/api/model/get-model-run", map[string]any{"run_id": 3}, 200, `{
			"mean temperature":[
				{"value":1.5e-07,"timestamp":"2024-02-15T12:00:00Z"},
				{"value":0.5,"timestamp":"2024-02-15T13:00:00Z"}]}`)

		// Deleting a parameter set keeps its runs, now without a set (api-contract.md §4.21).
		a.post("/api/service/delete-parameter-set", map[string]any{"service_name": "arima", "name": "default"}).
			expect(200, "Parameter set deleted successfully.")
		a.adoptCheck("POST", "/api/service/list-parameter-sets", nil, 200, "["+setEmpty+","+setNested+"]")
		a.adoptCheck("POST", "/api/service/list-runs", nil, 200, "["+log1("null")+","+log2+","+log3+","+log4+","+log5+"]")

		// A location added to an original schema, and a user added next to the original's.
		a.post("/api/location/insert-location-for-schema", map[string]any{"schema_name": "building",
			"coordinates": map[string]any{"floor": 3, "indoor": true, "zone": "B-wing"}}).expect(201, "Location inserted")
		a.adoptCheck("POST", "/api/location/list-locations", map[string]any{"schema_name": "building", "coordinates": map[string]any{"zone": "B-wing"}}, 200,
			`[{"id":5,"floor":3,"indoor":true,"zone":"B-wing"}]`)
		a.post("/api/user/change-password", map[string]any{"email": adoptAliceEmail, "password": "new-secret"}).expect(200, "Password changed")
		a.login(adoptAliceEmail, "new-secret")
		a.login(adoptUserEmail, adoptUserPassword)

		final := adoptCountRows(t, url)
		want := map[string]int{
			"sensor_measure":               adoptFixtureCounts["sensor_measure"] - 1,
			"sensor_type":                  adoptFixtureCounts["sensor_type"] + 1,
			"sensor_type_measure_relation": adoptFixtureCounts["sensor_type_measure_relation"] + 1,
			"sensor":                       adoptFixtureCounts["sensor"] + 1,
			"sensor_float_reading":         adoptFixtureCounts["sensor_float_reading"] + 1,
			"sensor_boolean_reading":       adoptFixtureCounts["sensor_boolean_reading"] + 2,
			"model_run":                    adoptFixtureCounts["model_run"] + 1,
			"model_product":                adoptFixtureCounts["model_product"] + 1,
			"model_float_value":            adoptFixtureCounts["model_float_value"] + 2,
			"service_parameter_set":        adoptFixtureCounts["service_parameter_set"] - 1,
			"location":                     adoptFixtureCounts["location"] + 1,
			"location_integer_value":       adoptFixtureCounts["location_integer_value"] + 1,
			"location_boolean_value":       adoptFixtureCounts["location_boolean_value"] + 1,
			"location_string_value":        adoptFixtureCounts["location_string_value"] + 1,
		}
		for _, table := range adoptTables {
			w, ok := want[table]
			if !ok {
				w = adoptFixtureCounts[table]
			}
			if final[table] != w {
				t.Errorf("after the writes %s has %d rows, want %d", table, final[table], w)
			}
		}
	})
}

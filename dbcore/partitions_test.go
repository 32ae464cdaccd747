package dbcore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
)

// partitionDB is a fresh database with sensors s1..sN of a type measuring float temperature,
// integer count and boolean door.
func partitionDB(t *testing.T, sensors int) (*dbcore.DB, string) {
	t.Helper()
	ctx := context.Background()
	url := dbtest.NewURL(t)
	db, err := dbcore.Open(ctx, url, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := db.InsertSensorType(ctx, dbcore.SensorType{Name: "weather", Measures: []dbcore.Measure{
		{Name: "temperature", Datatype: dbcore.Float}, {Name: "count", Datatype: dbcore.Integer}, {Name: "door", Datatype: dbcore.Boolean}}}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= sensors; i++ {
		if err := db.InsertSensor(ctx, "weather", dbcore.Sensor{UniqueIdentifier: fmt.Sprintf("s%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return db, url
}

func utc(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

// partitionMonths lists the months (YYYY-MM) that table has partitions for.
func partitionMonths(t *testing.T, db *dbcore.DB, table string) []string {
	t.Helper()
	parts, err := db.ReadingPartitions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range parts {
		if p.Table == table {
			out = append(out, p.From.Format("2006-01"))
			if want := fmt.Sprintf("%s_p%s", table, p.From.Format("2006_01")); p.Name != want || !p.To.Equal(p.From.AddDate(0, 1, 0)) {
				t.Errorf("partition %+v, want name %s and one month", p, want)
			}
		}
	}
	return out
}

func floats(vs ...float64) []dbcore.Value {
	out := make([]dbcore.Value, len(vs))
	for i, v := range vs {
		out[i] = dbcore.Value{Type: dbcore.Float, F: v}
	}
	return out
}

// readAll returns the readings of a sensor's measure keyed by time in UTC.
func readAll(t *testing.T, db *dbcore.DB, uid, measure string, from, to time.Time) map[time.Time]dbcore.Value {
	t.Helper()
	out := map[time.Time]dbcore.Value{}
	err := db.StreamReadings(context.Background(), dbcore.ReadingsQuery{UniqueID: uid, MeasureName: measure, From: from, To: to},
		func() error { return nil }, func(ts time.Time, v dbcore.Value) error { out[ts.UTC()] = v; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPartitionsAheadAfterMigrate: the migration leaves each readings table partitioned by month,
// with the current month and the three after it, in schema reading_partitions, and no default
// partition.
func TestPartitionsAheadAfterMigrate(t *testing.T) {
	db, url := partitionDB(t, 0)
	now := time.Now().UTC()
	for _, table := range []string{"sensor_float_reading", "sensor_integer_reading", "sensor_boolean_reading", "sensor_string_reading"} {
		months := partitionMonths(t, db, table)
		for k := 0; k <= dbcore.PartitionsAhead; k++ {
			m := time.Date(now.Year(), now.Month()+time.Month(k), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
			if !slices.Contains(months, m) {
				t.Errorf("%s has no partition for %s: %v", table, m, months)
			}
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var strategy string
	var defaults int
	if err := conn.QueryRow(ctx, `SELECT p.partstrat::text, (SELECT count(*) FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
			WHERE i.inhparent = p.partrelid AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT')
		FROM pg_partitioned_table p WHERE p.partrelid = 'sensor_float_reading'::regclass`).Scan(&strategy, &defaults); err != nil {
		t.Fatal(err)
	}
	if strategy != "r" || defaults != 0 {
		t.Errorf("partition strategy %q with %d default partitions, want range and none", strategy, defaults)
	}
}

// TestWritesCreatePartitionsOnDemand: readings of months without a partition (historical or far
// ahead) get their partitions on the way, through every write path, and read back.
func TestWritesCreatePartitionsOnDemand(t *testing.T) {
	ctx := context.Background()
	db, _ := partitionDB(t, 2)
	// One batch over three months none of which has a partition, out of order.
	ts := []time.Time{utc(2019, 3, 31, 23), utc(2019, 4, 1, 0), utc(2031, 7, 4, 12), utc(2019, 3, 1, 0)}
	if err := db.InsertReadings(ctx, "s1", "temperature", floats(1, 2, 3, 4), ts); err != nil {
		t.Fatal(err)
	}
	months := partitionMonths(t, db, "sensor_float_reading")
	for _, m := range []string{"2019-03", "2019-04", "2031-07"} {
		if !slices.Contains(months, m) {
			t.Errorf("no partition for %s: %v", m, months)
		}
	}
	got := readAll(t, db, "s1", "temperature", utc(2000, 1, 1, 0), utc(2100, 1, 1, 0))
	if len(got) != 4 || got[utc(2019, 3, 31, 23)].F != 1 || got[utc(2031, 7, 4, 12)].F != 3 {
		t.Fatalf("readings = %v", got)
	}

	// A batch repeating stored readings (the ON CONFLICT path) and reaching a new month: the old
	// values win, the new month is created.
	ts2 := []time.Time{utc(2019, 4, 1, 0), utc(2018, 12, 25, 8)}
	if err := db.InsertReadings(ctx, "s1", "temperature", floats(20, 21), ts2); err != nil {
		t.Fatal(err)
	}
	got = readAll(t, db, "s1", "temperature", utc(2000, 1, 1, 0), utc(2100, 1, 1, 0))
	if len(got) != 5 || got[utc(2019, 4, 1, 0)].F != 2 || got[utc(2018, 12, 25, 8)].F != 21 {
		t.Fatalf("after the repeated batch, readings = %v", got)
	}

	// A bad value in a batch that also needs a partition is still reported as the value's error.
	err := db.InsertReadings(ctx, "s1", "temperature", []dbcore.Value{{Type: dbcore.Float, F: 1}, {Type: dbcore.String, S: "x"}},
		[]time.Time{utc(2017, 1, 1, 0), utc(2017, 1, 2, 0)})
	if de, ok := dbcore.AsError(err); !ok || de.Kind != dbcore.KindInvalid {
		t.Fatalf("bad value: err = %v, want KindInvalid", err)
	}

	// Integer readings and the CSV import path.
	if err := db.InsertReadings(ctx, "s2", "count", []dbcore.Value{{Type: dbcore.Integer, I: 7}}, []time.Time{utc(2016, 6, 6, 6)}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(partitionMonths(t, db, "sensor_integer_reading"), "2016-06") {
		t.Error("no integer partition for 2016-06")
	}
	rows := []struct {
		t    time.Time
		vals []any
	}{
		{utc(2015, 1, 10, 0), []any{1.5, true}},
		{utc(2015, 2, 10, 0), []any{2.5, nil}},
		{utc(2015, 3, 10, 0), []any{nil, false}},
	}
	res, err := db.ImportReadings(ctx, "s2", []string{"temperature", "door"}, func([]dbcore.Datatype) dbcore.ImportSource {
		return &testImport{rows: rows, i: -1}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Readings != 4 {
		t.Errorf("imported %+v, want 4 readings", res)
	}
	for table, want := range map[string][]string{"sensor_float_reading": {"2015-01", "2015-02"}, "sensor_boolean_reading": {"2015-01", "2015-03"}} {
		months := partitionMonths(t, db, table)
		for _, m := range want {
			if !slices.Contains(months, m) {
				t.Errorf("%s: no partition for %s: %v", table, m, months)
			}
		}
	}
	if slices.Contains(partitionMonths(t, db, "sensor_boolean_reading"), "2015-02") {
		t.Error("a partition was made for a month with no boolean reading")
	}
}

type testImport struct {
	rows []struct {
		t    time.Time
		vals []any
	}
	i int
}

func (s *testImport) Next() bool { s.i++; return s.i < len(s.rows) }
func (s *testImport) Row() (time.Time, []any) {
	return s.rows[s.i].t, s.rows[s.i].vals
}
func (s *testImport) Err() error { return nil }

// TestConcurrentWritesIntoANewMonth: writers meeting the same missing month at once create it once
// and all succeed.
func TestConcurrentWritesIntoANewMonth(t *testing.T) {
	ctx := context.Background()
	const writers = 6
	db, _ := partitionDB(t, writers)
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = db.InsertReadings(ctx, fmt.Sprintf("s%d", w+1), "temperature", floats(1, 2),
				[]time.Time{utc(2012, 2, 1, w), utc(2012, 5, 1, w)})
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	months := partitionMonths(t, db, "sensor_float_reading")
	if !slices.Contains(months, "2012-02") || !slices.Contains(months, "2012-05") {
		t.Errorf("months = %v", months)
	}
	for w := range writers {
		if got := readAll(t, db, fmt.Sprintf("s%d", w+1), "temperature", utc(2012, 1, 1, 0), utc(2013, 1, 1, 0)); len(got) != 2 {
			t.Errorf("writer %d: %d readings stored, want 2", w, len(got))
		}
	}
}

// TestMaintainPartitions: maintenance creates the months ahead of any date, drops whole months
// older than the retention (their readings with them) and keeps the rest; without retention it
// drops nothing.
func TestMaintainPartitions(t *testing.T) {
	ctx := context.Background()
	db, _ := partitionDB(t, 1)
	ts := []time.Time{utc(2020, 1, 15, 0), utc(2020, 2, 15, 0), utc(2020, 3, 15, 0), utc(2020, 4, 15, 0)}
	if err := db.InsertReadings(ctx, "s1", "temperature", floats(1, 2, 3, 4), ts); err != nil {
		t.Fatal(err)
	}
	now := utc(2020, 4, 20, 0)
	rep, err := db.MaintainReadingPartitions(ctx, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Dropped) != 0 {
		t.Errorf("no retention, yet dropped %v", rep.Dropped)
	}
	// 2020-05..07 are new for each of the four tables; 2020-04 existed for floats only.
	if len(rep.Created) != 4*3+3 {
		t.Errorf("created %d partitions (%v), want 15", len(rep.Created), rep.Created)
	}
	for _, m := range []string{"2020-04", "2020-05", "2020-06", "2020-07"} {
		if !slices.Contains(partitionMonths(t, db, "sensor_string_reading"), m) {
			t.Errorf("no string partition for %s", m)
		}
	}
	again, err := db.MaintainReadingPartitions(ctx, now, 0)
	if err != nil || len(again.Created)+len(again.Dropped) != 0 {
		t.Fatalf("second run: %+v, %v; want nothing to do", again, err)
	}

	// 60 days before 2020-04-20 is 2020-02-20: January ended before it and goes; February, which
	// ends after it, stays.
	rep, err = db.MaintainReadingPartitions(ctx, now, 60*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Dropped, []string{"sensor_float_reading_p2020_01"}) {
		t.Errorf("dropped %v, want the float partition of 2020-01", rep.Dropped)
	}
	got := readAll(t, db, "s1", "temperature", utc(2000, 1, 1, 0), utc(2100, 1, 1, 0))
	if len(got) != 3 || got[utc(2020, 2, 15, 0)].F != 2 {
		t.Errorf("readings after retention = %v, want February to April", got)
	}
	// A write into the dropped month recreates it (retention drops it again next time).
	if err := db.InsertReadings(ctx, "s1", "temperature", floats(9), []time.Time{utc(2020, 1, 2, 0)}); err != nil {
		t.Fatal(err)
	}
}

// TestRetentionWaitsForReaders: a partition that a query is reading is not dropped under it;
// maintenance gives up on it quickly and drops it next time.
func TestRetentionWaitsForReaders(t *testing.T) {
	ctx := context.Background()
	db, url := partitionDB(t, 1)
	if err := db.InsertReadings(ctx, "s1", "temperature", floats(1), []time.Time{utc(2010, 1, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM sensor_float_reading WHERE timestamp < '2011-01-01'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("reader: %d, %v", n, err)
	}
	start := time.Now()
	rep, err := db.MaintainReadingPartitions(ctx, utc(2011, 6, 1, 0), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Skipped || slices.Contains(rep.Dropped, "sensor_float_reading_p2010_01") || time.Since(start) > 5*time.Second {
		t.Errorf("with a reader: %+v after %v; want the partition skipped within seconds", rep, time.Since(start))
	}
	tx.Rollback(ctx)
	rep, err = db.MaintainReadingPartitions(ctx, utc(2011, 6, 1, 0), 24*time.Hour)
	if err != nil || !slices.Contains(rep.Dropped, "sensor_float_reading_p2010_01") {
		t.Fatalf("after the reader: %+v, %v", rep, err)
	}
}

// TestMigrationPartitionsExistingReadings: readings of an adopted database are moved into monthly
// partitions, one per month that holds readings, none lost.
func TestMigrationPartitionsExistingReadings(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewEmptyURL(t)
	original, err := os.ReadFile("testdata/dtbase_original.sql")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Exec(t, url, string(original))
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func(table string) (n int, months []string) {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows, _ := conn.Query(ctx, `SELECT DISTINCT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM') FROM `+table+` ORDER BY 1`)
		months, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return n, months
	}
	tables := []string{"sensor_float_reading", "sensor_integer_reading", "sensor_boolean_reading", "sensor_string_reading"}
	before := map[string]int{}
	monthsBefore := map[string][]string{}
	for _, table := range tables {
		before[table], monthsBefore[table] = count(table)
	}
	db, err := dbcore.Open(ctx, url, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		n, _ := count(table)
		if n != before[table] {
			t.Errorf("%s: %d rows after migration, %d before", table, n, before[table])
		}
		months := partitionMonths(t, db, table)
		for _, m := range monthsBefore[table] {
			if !slices.Contains(months, m) {
				t.Errorf("%s: no partition for %s, which holds readings", table, m)
			}
		}
		var leftover bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table+"_unpartitioned").Scan(&leftover); err != nil || leftover {
			t.Errorf("%s_unpartitioned left behind (%v)", table, err)
		}
	}
}

// TestReadsFollowARecreatedSensor: reads remember resolved sensors, but a sensor deleted and
// created again under the same identifier is read afresh, and a deleted one reads as unknown.
func TestReadsFollowARecreatedSensor(t *testing.T) {
	ctx := context.Background()
	db, _ := partitionDB(t, 1)
	from, to := utc(2024, 1, 1, 0), utc(2024, 2, 1, 0)
	if err := db.InsertReadings(ctx, "s1", "temperature", floats(1, 2), []time.Time{utc(2024, 1, 1, 1), utc(2024, 1, 1, 2)}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second read uses what the first resolved
		if got := readAll(t, db, "s1", "temperature", from, to); len(got) != 2 {
			t.Fatalf("readings = %v", got)
		}
	}
	if err := db.DeleteSensor(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, db, "s1", "temperature", from, to); len(got) != 0 {
		t.Fatalf("deleted sensor reads %v", got)
	}
	if err := db.InsertSensor(ctx, "weather", dbcore.Sensor{UniqueIdentifier: "s1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertReadings(ctx, "s1", "temperature", floats(7), []time.Time{utc(2024, 1, 3, 0)}); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, db, "s1", "temperature", from, to); len(got) != 1 || got[utc(2024, 1, 3, 0)].F != 7 {
		t.Fatalf("recreated sensor reads %v", got)
	}
	// An unknown measure is still an error after a sensor was remembered.
	err := db.StreamReadings(ctx, dbcore.ReadingsQuery{UniqueID: "s1", MeasureName: "nope", From: from, To: to},
		func() error { return nil }, func(time.Time, dbcore.Value) error { return nil })
	if de, ok := dbcore.AsError(err); !ok || de.Detail != "No sensor measure named 'nope'" {
		t.Fatalf("unknown measure: %v", err)
	}
}

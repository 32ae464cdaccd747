package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dtbase-go/dtbase/dbcore/pgcluster"
)

// The readings-at-scale benchmark (make bench): about 100 million float readings, generated and
// loaded with COPY into a PostgreSQL cluster kept under .bench/postgres, which later runs reuse
// (the load is resumable: each month is one transaction, recorded when done). Each API figure is
// measured beside its plain-SQL equivalent in the same run, and beside the same query on an
// unpartitioned copy of the table, to measure the partitioning itself. A simulation of Azure
// Cosmos DB for PostgreSQL (Citus) places the readings in 32 hash shards by sensor, as Citus does.
//
// The data: 1,000 sensors through 2025 (UTC); sensors 1-10 report every 10 seconds (3,153,600
// readings each), the other 990 every 7.5 minutes (70,080 each): 100,915,200 readings.
// DT_BENCH_SCALE_MONTHS=n loads only the first n months (a quicker, smaller run, in its own
// database).

const (
	scaleSensors    = 1000
	scaleDense      = 10 // sensors 1..scaleDense report every scaleDenseStep
	scaleDenseStep  = 10 * time.Second
	scaleSparseStep = 450 * time.Second
	scaleShards     = 32 // Citus's default shard count
	scaleIngestN    = 200
	scaleIngestSize = 10_000
)

var scaleYearStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func scaleStep(k int) time.Duration { // k is 0-based
	if k < scaleDense {
		return scaleDenseStep
	}
	return scaleSparseStep
}

// scaleValue is a reading of sensor k at t: a daily cycle, an offset per sensor and some noise.
func scaleValue(k int, t time.Time) float64 {
	sec := t.Unix()
	noise := float64((uint64(sec)*2654435761+uint64(k)*97)%1000) / 1000
	return math.Round((280+8*math.Sin(2*math.Pi*float64(sec%86400)/86400)+float64(k%50)/10+noise)*100) / 100
}

// monthSource generates one month of readings, day by day and, within a day, sensor by sensor, as
// sensors sending daily batches would leave them.
type monthSource struct {
	ids       []int32
	measureID int32
	day, end  time.Time
	k         int
	t         time.Time
	row       [4]any
	n         int64
}

func newMonthSource(m time.Time, ids []int32, measureID int32) *monthSource {
	return &monthSource{ids: ids, measureID: measureID, day: m, end: m.AddDate(0, 1, 0), k: 0, t: m.Add(-scaleStep(0))}
}

func (s *monthSource) Next() bool {
	s.t = s.t.Add(scaleStep(s.k))
	if !s.t.Before(s.day.Add(24 * time.Hour)) {
		s.k++
		if s.k == len(s.ids) {
			s.k = 0
			s.day = s.day.Add(24 * time.Hour)
			if !s.day.Before(s.end) {
				return false
			}
		}
		s.t = s.day
	}
	s.n++
	return true
}

func (s *monthSource) Values() ([]any, error) {
	s.row = [4]any{s.ids[s.k], s.measureID, s.t, scaleValue(s.k, s.t)}
	return s.row[:], nil
}

func (s *monthSource) Err() error { return nil }

// scaleReadingsPerDay is how many readings sensor k has per day.
func scaleReadingsPerDay(k int) int64 { return int64(24 * time.Hour / scaleStep(k)) }

// scaleEnv is the loaded benchmark database.
type scaleEnv struct {
	b         *testing.B
	ctx       context.Context
	url       string
	conn      *pgx.Conn
	months    int
	ids       []int32 // sensor ids of scale-0001.., by k
	measureID int32
}

func (e *scaleEnv) exec(sql string, args ...any) {
	e.b.Helper()
	if _, err := e.conn.Exec(e.ctx, sql, args...); err != nil {
		e.b.Fatalf("%s: %v", firstLine(sql), err)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// done and markDone record the steps of the load that are complete.
func (e *scaleEnv) done(step string) bool {
	var ok bool
	if err := e.conn.QueryRow(e.ctx, `SELECT EXISTS (SELECT 1 FROM bench_scale_state WHERE step = $1)`, step).Scan(&ok); err != nil {
		e.b.Fatal(err)
	}
	return ok
}

func (e *scaleEnv) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench scale: "+format+"\n", args...)
}

// load makes sure every month is loaded, the unpartitioned copy exists and the shard simulation is
// built; each step is skipped when a previous run finished it.
func (e *scaleEnv) load() {
	e.exec(`CREATE TABLE IF NOT EXISTS bench_scale_state (step text PRIMARY KEY, done_at timestamptz NOT NULL DEFAULT now())`)
	for i := 0; i < e.months; i++ {
		m := scaleYearStart.AddDate(0, i, 0)
		step := "month " + m.Format("2006-01")
		if e.done(step) {
			continue
		}
		start := time.Now()
		n := e.loadMonth(m, step)
		e.logf("loaded %s: %d readings in %v (%.0f/s)", m.Format("2006-01"), n, time.Since(start).Round(time.Second), float64(n)/time.Since(start).Seconds())
	}
	if !e.done("analyze") {
		e.exec(`ANALYZE sensor_float_reading`)
		e.exec(`INSERT INTO bench_scale_state (step) VALUES ('analyze')`)
	}
	if !e.done("unpartitioned") {
		start := time.Now()
		tx, err := e.conn.Begin(e.ctx)
		if err != nil {
			e.b.Fatal(err)
		}
		for _, sql := range []string{
			`DROP TABLE IF EXISTS bench_flat_reading`,
			`CREATE TABLE bench_flat_reading (LIKE sensor_float_reading)`,
			`INSERT INTO bench_flat_reading SELECT * FROM sensor_float_reading WHERE timestamp >= '2025-01-01' AND timestamp < '2026-01-01'`,
			`SET LOCAL maintenance_work_mem = '1GB'`,
			`ALTER TABLE bench_flat_reading ADD PRIMARY KEY (sensor_id, measure_id, timestamp)`,
			`INSERT INTO bench_scale_state (step) VALUES ('unpartitioned')`,
		} {
			if _, err := tx.Exec(e.ctx, sql); err != nil {
				e.b.Fatalf("%s: %v", sql, err)
			}
		}
		if err := tx.Commit(e.ctx); err != nil {
			e.b.Fatal(err)
		}
		e.exec(`VACUUM ANALYZE bench_flat_reading`)
		e.logf("unpartitioned copy built in %v", time.Since(start).Round(time.Second))
	}
	if !e.done("citus") {
		start := time.Now()
		m := e.simMonth()
		tx, err := e.conn.Begin(e.ctx)
		if err != nil {
			e.b.Fatal(err)
		}
		stmts := []string{
			`DROP SCHEMA IF EXISTS citus_sim CASCADE`,
			`CREATE SCHEMA citus_sim`,
			// Citus places a row by hashint4(distribution column) in one of shard_count equal ranges of
			// the int4 hash space; this is that placement, with one local table per shard.
			`CREATE FUNCTION citus_sim.shard_of(sensor_id int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
				AS $$ SELECT ((hashint4(sensor_id)::int8 + 2147483648) / (4294967296 / ` + strconv.Itoa(scaleShards) + `))::int $$`,
			`CREATE TABLE citus_sim.readings (shard int NOT NULL, sensor_id int NOT NULL, measure_id int NOT NULL,
				timestamp timestamptz NOT NULL, value float8 NOT NULL) PARTITION BY LIST (shard)`,
		}
		for s := 0; s < scaleShards; s++ {
			stmts = append(stmts, fmt.Sprintf(`CREATE TABLE citus_sim.shard_%02d PARTITION OF citus_sim.readings FOR VALUES IN (%d)`, s, s))
		}
		stmts = append(stmts,
			`INSERT INTO citus_sim.readings SELECT citus_sim.shard_of(sensor_id), sensor_id, measure_id, timestamp, value
				FROM sensor_float_reading WHERE timestamp >= '`+m.Format(time.RFC3339)+`' AND timestamp < '`+m.AddDate(0, 1, 0).Format(time.RFC3339)+`'`,
			`SET LOCAL maintenance_work_mem = '512MB'`,
			`ALTER TABLE citus_sim.readings ADD PRIMARY KEY (shard, sensor_id, measure_id, timestamp)`,
			`INSERT INTO bench_scale_state (step) VALUES ('citus')`)
		for _, sql := range stmts {
			if _, err := tx.Exec(e.ctx, sql); err != nil {
				e.b.Fatalf("%s: %v", firstLine(sql), err)
			}
		}
		if err := tx.Commit(e.ctx); err != nil {
			e.b.Fatal(err)
		}
		e.exec(`VACUUM ANALYZE citus_sim.readings`)
		e.logf("shard simulation built in %v", time.Since(start).Round(time.Second))
	}
}

// simMonth is the month copied into the shard simulation.
func (e *scaleEnv) simMonth() time.Time {
	return scaleYearStart.AddDate(0, min(6, e.months)-1, 0)
}

// loadMonth loads one month into a new partition: COPY into a bare table, then its primary key, then
// ATTACH (validation skipped thanks to a CHECK constraint), all in one transaction.
func (e *scaleEnv) loadMonth(m time.Time, step string) int64 {
	name := fmt.Sprintf("sensor_float_reading_p%04d_%02d", m.Year(), int(m.Month()))
	qualified := "reading_partitions." + name
	lo, hi := m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339)
	tx, err := e.conn.Begin(e.ctx)
	if err != nil {
		e.b.Fatal(err)
	}
	defer tx.Rollback(e.ctx)
	run := func(sql string) {
		if _, err := tx.Exec(e.ctx, sql); err != nil {
			e.b.Fatalf("%s: %v", sql, err)
		}
	}
	run(`DROP TABLE IF EXISTS ` + qualified)
	run(`CREATE TABLE ` + qualified + ` (LIKE sensor_float_reading INCLUDING DEFAULTS)`)
	src := newMonthSource(m, e.ids, e.measureID)
	if _, err := tx.CopyFrom(e.ctx, pgx.Identifier{"reading_partitions", name}, []string{"sensor_id", "measure_id", "timestamp", "value"}, src); err != nil {
		e.b.Fatalf("copy %s: %v", name, err)
	}
	run(`SET LOCAL maintenance_work_mem = '1GB'`)
	run(`ALTER TABLE ` + qualified + ` ADD CONSTRAINT ` + name + `_pkey PRIMARY KEY (sensor_id, measure_id, timestamp)`)
	run(`ALTER TABLE ` + qualified + ` ADD CONSTRAINT month_bounds CHECK (timestamp >= '` + lo + `' AND timestamp < '` + hi + `')`)
	run(`ALTER TABLE sensor_float_reading ATTACH PARTITION ` + qualified + ` FOR VALUES FROM ('` + lo + `') TO ('` + hi + `')`)
	run(`ALTER TABLE ` + qualified + ` DROP CONSTRAINT month_bounds`)
	if _, err := tx.Exec(e.ctx, `INSERT INTO bench_scale_state (step) VALUES ($1)`, step); err != nil {
		e.b.Fatal(err)
	}
	if err := tx.Commit(e.ctx); err != nil {
		e.b.Fatal(err)
	}
	e.exec(`VACUUM ANALYZE ` + qualified)
	return src.n
}

// timeSQL runs a query on the plain connection, reads every row, and returns the time and row count.
func (e *scaleEnv) timeSQL(sql string, args ...any) (time.Duration, int) {
	e.b.Helper()
	start := time.Now()
	rows, err := e.conn.Query(e.ctx, sql, args...)
	if err != nil {
		e.b.Fatalf("%s: %v", firstLine(sql), err)
	}
	n := 0
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			e.b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		e.b.Fatalf("%s: %v", firstLine(sql), err)
	}
	return time.Since(start), n
}

// timedBody posts body to path and returns the time to read the whole answer and the answer.
func (c *benchClient) timedBody(path, body string) (time.Duration, []byte) {
	start := time.Now()
	resp := c.request("POST", path, body)
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil || resp.StatusCode != 200 {
		c.b.Fatalf("POST %s: %d %v %s", path, resp.StatusCode, err, data)
	}
	return d, data
}

// scaleFigure is one line of the report: the API, its plain-SQL equivalent, and the same on the
// unpartitioned table when measured.
type scaleFigure struct {
	name           string
	api, sql, flat float64
	unit, target   string
}

func BenchmarkReadingsAtScale(b *testing.B) {
	ctx := context.Background()
	months := 12
	if v := os.Getenv("DT_BENCH_SCALE_MONTHS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 12 {
			b.Fatalf("DT_BENCH_SCALE_MONTHS must be 1 to 12, got %q", v)
		}
		months = n
	}
	dir, err := filepath.Abs(filepath.Join(".bench", "postgres"))
	if err != nil {
		b.Fatal(err)
	}
	cluster, err := pgcluster.Start(dir, 0, true)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := cluster.Stop(); err != nil {
			b.Log(err)
		}
	})
	url := cluster.URL(fmt.Sprintf("dtbase_scale_%d", months))
	s := startServer(b, map[string]string{"DT_DATABASE_URL": url, "DT_DEFAULT_USER_PASS": "bench"})
	s.waitHealthy(b)
	pid := s.cmd.Process.Pid
	c := &benchClient{b: b, base: s.base, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	c.token = login(b, s.base, "default_user@localhost", "bench")
	postOK := func(path, body string) { // 201, or 409 when a previous run made it
		resp := c.request("POST", path, body)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 && resp.StatusCode != 409 {
			b.Fatalf("POST %s: %d %s", path, resp.StatusCode, data)
		}
	}
	postOK("/api/sensor/insert-sensor-type", `{"name":"scale","measures":[{"name":"temperature","units":"K","datatype":"float"}]}`)
	postOK("/api/sensor/insert-sensor-type", `{"name":"scale-ingest","measures":[{"name":"temperature","units":"K","datatype":"float"}]}`)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	e := &scaleEnv{b: b, ctx: ctx, url: url, conn: conn, months: months}
	var nSensors int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sensor WHERE unique_identifier LIKE 'scale-%'`).Scan(&nSensors); err != nil {
		b.Fatal(err)
	}
	if nSensors < scaleSensors {
		e.exec(`INSERT INTO sensor (type_id, unique_identifier) SELECT t.id, format('scale-%s', lpad(k::text, 4, '0'))
			FROM sensor_type t, generate_series(1, $1) AS k WHERE t.name = 'scale' ON CONFLICT DO NOTHING`, scaleSensors)
		e.exec(`INSERT INTO sensor (type_id, unique_identifier) SELECT t.id, format('ingest-%s', lpad(k::text, 3, '0'))
			FROM sensor_type t, generate_series(1, $1) AS k WHERE t.name = 'scale-ingest' ON CONFLICT DO NOTHING`, scaleIngestN)
	}
	rows, _ := conn.Query(ctx, `SELECT id FROM sensor WHERE unique_identifier LIKE 'scale-%' ORDER BY unique_identifier`)
	if e.ids, err = pgx.CollectRows(rows, pgx.RowTo[int32]); err != nil || len(e.ids) != scaleSensors {
		b.Fatalf("sensor ids: %d, %v", len(e.ids), err)
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM sensor_measure WHERE name = 'temperature' AND units = 'K'`).Scan(&e.measureID); err != nil {
		b.Fatal(err)
	}
	loadStart := time.Now()
	e.load()
	e.logf("data ready after %v", time.Since(loadStart).Round(time.Second))

	var total int64
	for k := range scaleSensors {
		total += scaleReadingsPerDay(k)
	}
	days := int(scaleYearStart.AddDate(0, months, 0).Sub(scaleYearStart).Hours() / 24)
	total *= int64(days)
	var dbBytes, tableBytes int64
	if err := conn.QueryRow(ctx, `SELECT pg_database_size(current_database()),
		(SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = 'sensor_float_reading'::regclass)`).Scan(&dbBytes, &tableBytes); err != nil {
		b.Fatal(err)
	}
	c.token = login(b, s.base, "default_user@localhost", "bench")
	b.ResetTimer()

	dense, denseUID := e.ids[0], "scale-0001"
	day := scaleYearStart.AddDate(0, min(6, months)-1, 14) // the 15th of June (or of the last month loaded)
	var figures []scaleFigure
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

	// Ingest: 200 batches of 10,000 readings (each batch one sensor) through the API into a month
	// without a partition yet (the first batch creates it); the same rows by pgx CopyFrom into the
	// next month; the same by COPY into the unpartitioned 100-million-row table.
	ingestMonth := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cleanIngest := func() {
		e.exec(`DROP TABLE IF EXISTS reading_partitions.sensor_float_reading_p2026_01, reading_partitions.sensor_float_reading_p2026_02`)
		e.exec(`DELETE FROM bench_flat_reading WHERE timestamp >= '2026-01-01'`)
	}
	cleanIngest()
	var ingestIDs []int32
	rows, _ = conn.Query(ctx, `SELECT id FROM sensor WHERE unique_identifier LIKE 'ingest-%' ORDER BY unique_identifier`)
	if ingestIDs, err = pgx.CollectRows(rows, pgx.RowTo[int32]); err != nil || len(ingestIDs) != scaleIngestN {
		b.Fatalf("ingest sensors: %d %v", len(ingestIDs), err)
	}
	bodies := make([][]byte, scaleIngestN)
	for i := range bodies {
		bodies[i] = scaleIngestBody(fmt.Sprintf("ingest-%03d", i+1), ingestMonth, scaleIngestSize)
	}
	start := time.Now()
	for _, body := range bodies {
		c.post("/api/sensor/insert-sensor-readings", string(body), 201)
	}
	apiIngest := time.Since(start)
	copyIngest := func(table string, month time.Time) time.Duration {
		start := time.Now()
		for i, id := range ingestIDs {
			t0 := month
			_, err := conn.CopyFrom(ctx, pgx.Identifier{table}, []string{"sensor_id", "measure_id", "timestamp", "value"},
				pgx.CopyFromSlice(scaleIngestSize, func(j int) ([]any, error) {
					t := t0.Add(time.Duration(j) * 10 * time.Second)
					return []any{id, e.measureID, t, scaleValue(i, t)}, nil
				}))
			if err != nil {
				b.Fatalf("copy into %s: %v", table, err)
			}
		}
		return time.Since(start)
	}
	// The baseline's month gets its partition first, as the API's first batch made its own.
	e.exec(`CREATE TABLE reading_partitions.sensor_float_reading_p2026_02 PARTITION OF sensor_float_reading
		FOR VALUES FROM ('2026-02-01T00:00:00Z') TO ('2026-03-01T00:00:00Z')`)
	sqlIngest := copyIngest("sensor_float_reading", ingestMonth.AddDate(0, 1, 0))
	flatIngest := copyIngest("bench_flat_reading", ingestMonth)
	ingested := float64(scaleIngestN * scaleIngestSize)
	figures = append(figures, scaleFigure{"ingest, readings/s (API batches of 10,000)", ingested / apiIngest.Seconds(), ingested / sqlIngest.Seconds(),
		ingested / flatIngest.Seconds(), "/s", ">= 0.5 x COPY"})
	cleanIngest()

	// One-hour window read of a 10-second sensor: 361 readings.
	hourFrom, hourTo := day.Add(12*time.Hour), day.Add(13*time.Hour)
	windowSQL := func(table string) string {
		return `SELECT timestamp, value FROM ` + table + ` WHERE sensor_id = $1 AND measure_id = $2 AND timestamp BETWEEN $3 AND $4 ORDER BY timestamp`
	}
	windowBody := fmt.Sprintf(`{"unique_identifier":%q,"measure_name":"temperature","dt_from":%q,"dt_to":%q}`, denseUID, hourFrom.Format(time.RFC3339), hourTo.Format(time.RFC3339))
	var wAPI, wSQL, wFlat []time.Duration
	for range 50 {
		d, body := c.timedBody("/api/sensor/sensor-readings", windowBody)
		if n := bytes.Count(body, []byte(`"timestamp"`)); n != 361 {
			b.Fatalf("window read: %d readings, want 361", n)
		}
		wAPI = append(wAPI, d)
		d, n := e.timeSQL(windowSQL("sensor_float_reading"), dense, e.measureID, hourFrom, hourTo)
		if n != 361 {
			b.Fatalf("window SQL: %d rows", n)
		}
		wSQL = append(wSQL, d)
		d, _ = e.timeSQL(windowSQL("bench_flat_reading"), dense, e.measureID, hourFrom, hourTo)
		wFlat = append(wFlat, d)
	}
	figures = append(figures, scaleFigure{"one-hour window read (361 readings), ms", ms(median(wAPI)), ms(median(wSQL)), ms(median(wFlat)), "ms", "<= 2 x SQL"})

	// Aggregations: one day of a 10-second sensor in 1-minute buckets; the whole year in days.
	aggSQL := func(table string) string {
		return `SELECT 0::int4, date_bin($1::interval, r.timestamp, $2::timestamptz) AS bucket, avg(r.value::float8), min(r.value), max(r.value), count(*)
			FROM ` + table + ` r WHERE r.sensor_id = $3 AND r.measure_id = $4 AND r.timestamp >= $5 AND r.timestamp < $6
			GROUP BY bucket ORDER BY bucket`
	}
	aggBody := func(from, to time.Time, width string) string {
		return fmt.Sprintf(`{"unique_identifier":%q,"measure_name":"temperature","dt_from":%q,"dt_to":%q,"width":%q,"functions":["mean","min","max","count"]}`,
			denseUID, from.Format(time.RFC3339), to.Format(time.RFC3339), width)
	}
	aggregate := func(name string, from, to time.Time, width string, stride time.Duration, buckets, runs int, target string) {
		var api, sql, flat []time.Duration
		for range runs {
			d, body := c.timedBody("/api/sensor/aggregate-readings", aggBody(from, to, width))
			if n := bytes.Count(body, []byte(`"bucket"`)); n != buckets {
				b.Fatalf("%s: %d buckets, want %d", name, n, buckets)
			}
			api = append(api, d)
			d, n := e.timeSQL(aggSQL("sensor_float_reading"), stride, time.Unix(0, 0), dense, e.measureID, from, to)
			if n != buckets {
				b.Fatalf("%s SQL: %d buckets", name, n)
			}
			sql = append(sql, d)
			d, _ = e.timeSQL(aggSQL("bench_flat_reading"), stride, time.Unix(0, 0), dense, e.measureID, from, to)
			flat = append(flat, d)
		}
		figures = append(figures, scaleFigure{name, ms(median(api)), ms(median(sql)), ms(median(flat)), "ms", target})
	}
	aggregate("one day in 1-minute buckets (8,640 readings), ms", day, day.Add(24*time.Hour), "1m", time.Minute, 1440, 30, "< 50 ms")
	yearEnd := scaleYearStart.AddDate(0, months, 0)
	aggregate(fmt.Sprintf("%d days in daily buckets (%s readings), ms", days, thousands(int64(days)*8640)), scaleYearStart, yearEnd, "1d", 24*time.Hour, days, 5, "<= 2 x SQL")

	// Latest values of 1,000 sensors.
	latestSQL := func(table string) string {
		return `SELECT s.id, m.id, s.unique_identifier, m.name, m.units, m.datatype, l.timestamp, l.value
			FROM sensor s JOIN sensor_type t ON t.id = s.type_id
			JOIN sensor_type_measure_relation rel ON rel.type_id = s.type_id JOIN sensor_measure m ON m.id = rel.measure_id
			CROSS JOIN LATERAL (SELECT r.timestamp, r.value FROM ` + table + ` r WHERE r.sensor_id = s.id AND r.measure_id = m.id
				ORDER BY r.timestamp DESC LIMIT 1) l
			WHERE t.name = 'scale' AND m.name = 'temperature' ORDER BY s.id, m.id`
	}
	var lAPI, lSQL, lFlat []time.Duration
	for range 30 {
		d, body := c.timedBody("/api/sensor/latest-readings", `{"type_name":"scale","measure_name":"temperature"}`)
		if n := bytes.Count(body, []byte(`"timestamp"`)); n != scaleSensors {
			b.Fatalf("latest: %d, want %d", n, scaleSensors)
		}
		lAPI = append(lAPI, d)
		d, n := e.timeSQL(latestSQL("sensor_float_reading"))
		if n != scaleSensors {
			b.Fatalf("latest SQL: %d rows", n)
		}
		lSQL = append(lSQL, d)
		d, _ = e.timeSQL(latestSQL("bench_flat_reading"))
		lFlat = append(lFlat, d)
	}
	figures = append(figures, scaleFigure{"latest values of 1,000 sensors, ms", ms(median(lAPI)), ms(median(lSQL)), ms(median(lFlat)), "ms", "< 20 ms"})

	// CSV export of every sensor for one week, against COPY ... TO STDOUT (CSV) of the same rows.
	weekFrom, weekTo := day, day.Add(7*24*time.Hour)
	var weekRows int64
	for k := range scaleSensors {
		weekRows += 7 * scaleReadingsPerDay(k)
	}
	exportBody := fmt.Sprintf(`{"type_name":"scale","dt_from":%q,"dt_to":%q}`, weekFrom.Format(time.RFC3339), weekTo.Format(time.RFC3339))
	copySQL := `COPY (SELECT s.unique_identifier, m.name, m.units, r.timestamp, r.value FROM sensor_float_reading r
		JOIN sensor s ON s.id = r.sensor_id JOIN sensor_measure m ON m.id = r.measure_id JOIN sensor_type t ON t.id = s.type_id
		WHERE t.name = 'scale' AND r.timestamp >= '` + weekFrom.Format(time.RFC3339) + `' AND r.timestamp < '` + weekTo.Format(time.RFC3339) + `'
		ORDER BY r.sensor_id, r.measure_id, r.timestamp) TO STDOUT WITH (FORMAT csv, HEADER)`
	rssBefore := procStatus(b, pid, "VmRSS")
	var eAPI, eSQL []time.Duration
	var exportBytes int64
	for range 3 {
		start := time.Now()
		resp := c.request("POST", "/api/sensor/export-readings", exportBody)
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("export: %d %v", resp.StatusCode, err)
		}
		eAPI = append(eAPI, time.Since(start))
		exportBytes = n
		start = time.Now()
		if _, err := conn.PgConn().CopyTo(ctx, io.Discard, copySQL); err != nil {
			b.Fatal(err)
		}
		eSQL = append(eSQL, time.Since(start))
	}
	peakRSS := procStatus(b, pid, "VmHWM")
	rate := func(d time.Duration) float64 { return float64(weekRows) / d.Seconds() }
	figures = append(figures, scaleFigure{fmt.Sprintf("CSV export, one week of all (%s readings), readings/s", thousands(weekRows)),
		rate(median(eAPI)), rate(median(eSQL)), 0, "/s", ">= 0.5 x COPY"})

	// The first bytes of an export of everything (all sensors, all time).
	var ttfb []time.Duration
	for range 5 {
		start := time.Now()
		resp := c.request("POST", "/api/sensor/export-readings", `{"dt_from":"2000-01-01T00:00:00Z","dt_to":"2100-01-01T00:00:00Z"}`)
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		ttfb = append(ttfb, time.Since(start))
		resp.Body.Close()
		if err != nil || !strings.HasPrefix(line, "unique_identifier,") {
			b.Fatalf("export of everything: %q %v", line, err)
		}
	}

	// Retention: dropping a month's partition against deleting the same month from the unpartitioned
	// table (each in a transaction rolled back, so the data stays).
	timeRolledBack := func(sql string) time.Duration {
		tx, err := conn.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback(ctx)
		start := time.Now()
		if _, err := tx.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
		return time.Since(start)
	}
	var notFound []time.Duration
	for range 200 {
		notFound = append(notFound, c.timed("POST", "/api/no-such-path", `{}`, 404))
	}
	dropMonth := timeRolledBack(`DROP TABLE reading_partitions.sensor_float_reading_p2025_01`)
	deleteMonth := timeRolledBack(`DELETE FROM bench_flat_reading WHERE timestamp < '2025-02-01'`)
	b.StopTimer()

	// The Citus simulation: balance of the whole data set (exact, from the generator), and of the
	// simulated month (counted); fan-out and per-shard times of the queries above.
	shardOf := func(id int32) int {
		var s int
		if err := conn.QueryRow(ctx, `SELECT citus_sim.shard_of($1)`, id).Scan(&s); err != nil {
			b.Fatal(err)
		}
		return s
	}
	shardRows := make([]int64, scaleShards)
	shardSensors := make([]int, scaleShards)
	for k, id := range e.ids {
		sh := shardOf(id)
		shardRows[sh] += scaleReadingsPerDay(k) * int64(days)
		shardSensors[sh]++
	}
	rows, _ = conn.Query(ctx, `SELECT shard, count(*) FROM citus_sim.readings GROUP BY shard ORDER BY shard`)
	type shardCount struct {
		shard int
		n     int64
	}
	simCounts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (shardCount, error) {
		var s shardCount
		return s, r.Scan(&s.shard, &s.n)
	})
	if err != nil {
		b.Fatal(err)
	}
	simRows := make([]int64, scaleShards)
	for _, sc := range simCounts {
		simRows[sc.shard] = sc.n
	}
	denseShard := shardOf(dense)
	// Latest values: each shard answers for its own sensors (what Citus's coordinator sends to every
	// worker); the slowest shard is the critical path when each shard has its own worker.
	var shardTimes []time.Duration
	var shardTotal time.Duration
	for sh := range scaleShards {
		var best time.Duration
		for r := range 5 {
			d, _ := e.timeSQL(`SELECT s.id, l.timestamp, l.value FROM sensor s JOIN sensor_type t ON t.id = s.type_id
				CROSS JOIN LATERAL (SELECT r.timestamp, r.value FROM citus_sim.readings r WHERE r.shard = $1 AND r.sensor_id = s.id
					AND r.measure_id = $2 ORDER BY r.timestamp DESC LIMIT 1) l
				WHERE t.name = 'scale' AND citus_sim.shard_of(s.id) = $1`, sh, e.measureID)
			if r == 0 || d < best {
				best = d
			}
		}
		shardTimes = append(shardTimes, best)
		shardTotal += best
	}
	simDay := e.simMonth().AddDate(0, 0, 14)
	var simAgg []time.Duration
	for range 20 {
		d, n := e.timeSQL(`SELECT date_bin('1 minute', r.timestamp, 'epoch'), avg(r.value), min(r.value), max(r.value), count(*)
			FROM citus_sim.readings r WHERE r.shard = $1 AND r.sensor_id = $2 AND r.measure_id = $3 AND r.timestamp >= $4 AND r.timestamp < $5
			GROUP BY 1 ORDER BY 1`, denseShard, dense, e.measureID, simDay, simDay.Add(24*time.Hour))
		if n != 1440 {
			b.Fatalf("simulated day aggregation: %d buckets", n)
		}
		simAgg = append(simAgg, d)
	}

	fmt.Printf("\nReadings at scale: %s float readings (%d sensors, %d months of 2025), table %.1f GB, database %.1f GB; server a separate process\n",
		thousands(total), scaleSensors, months, float64(tableBytes)/1e9, float64(dbBytes)/1e9)
	fmt.Printf("  %-62s %12s %12s %7s %14s   %s\n", "figure", "API", "plain SQL", "ratio", "unpartitioned", "target")
	for _, f := range figures {
		ratio := f.api / f.sql
		flat := fmt.Sprintf("%14.2f", f.flat)
		if f.flat == 0 {
			flat = fmt.Sprintf("%14s", "-")
		}
		if f.unit == "/s" {
			ratio = f.sql / f.api // the API's time over the baseline's, as for times
			if f.flat != 0 {
				flat = fmt.Sprintf("%14.0f", f.flat)
			}
			fmt.Printf("  %-62s %12.0f %12.0f %7.2f %s   %s\n", f.name, f.api, f.sql, ratio, flat, f.target)
			continue
		}
		fmt.Printf("  %-62s %12.2f %12.2f %7.2f %s   %s\n", f.name, f.api, f.sql, ratio, flat, f.target)
	}
	fmt.Printf("  %-62s %12.1f %12s\n", "export of everything: time to first byte, ms (median of 5)", ms(median(ttfb)), "")
	fmt.Printf("  %-62s %12.3f %12s   (the floor under every API figure)\n", "HTTP round trip of a 404 on the same connection, ms", ms(median(notFound)), "")
	fmt.Printf("  %-62s %12.1f %12s   (before: %.1f MB; %.0f MB exported per run)\n", "server peak memory during exports, MB", peakRSS, "", rssBefore, float64(exportBytes)/1e6)
	fmt.Printf("  %-62s %12.1f %12s %7s %14.1f   (in a rolled-back transaction)\n", "retention of one month: DROP partition vs DELETE, ms", ms(dropMonth), "", "", ms(deleteMonth))
	fmt.Printf("  (ratio: API time / plain SQL time, or plain SQL rate / API rate; unpartitioned: the plain SQL on one unpartitioned table)\n")

	stats := func(xs []int64) (lo, hi int64, mean float64) {
		lo, hi = slices.Min(xs), slices.Max(xs)
		var sum int64
		for _, x := range xs {
			sum += x
		}
		return lo, hi, float64(sum) / float64(len(xs))
	}
	fmt.Printf("\nSimulated Azure Cosmos DB for PostgreSQL (Citus) distribution by sensor_id: %d hash shards (hashint4 ranges, as Citus), local tables on this one server\n", scaleShards)
	lo, hi, mean := stats(shardRows)
	sensorsPer := make([]int64, scaleShards)
	for i, n := range shardSensors {
		sensorsPer[i] = int64(n)
	}
	slo, shi, _ := stats(sensorsPer)
	fmt.Printf("  whole data set (from the generator): rows per shard min %s, max %s, mean %s (max/mean %.2f); sensors per shard %d to %d\n",
		thousands(lo), thousands(hi), thousands(int64(mean)), float64(hi)/mean, slo, shi)
	lo, hi, mean = stats(simRows)
	fmt.Printf("  simulated month %s (copied into the shards): rows per shard min %s, max %s, mean %s (max/mean %.2f)\n",
		e.simMonth().Format("2006-01"), thousands(lo), thousands(hi), thousands(int64(mean)), float64(hi)/mean)
	fmt.Printf("  fan-out: one sensor's window, aggregation or export: 1 shard of %d; latest values of all sensors, export of all sensors: %d of %d\n",
		scaleShards, scaleShards, scaleShards)
	fmt.Printf("  latest values of 1,000 sensors over the shards: slowest shard %.2f ms, all shards one after another %.2f ms (one table: %.2f ms)\n",
		ms(slices.Max(shardTimes)), ms(shardTotal), ms(median(lSQL)))
	fmt.Printf("  one-day 1-minute aggregation on the sensor's shard: %.2f ms (partitioned table: %.2f ms)\n", ms(median(simAgg)), figures[2].sql)

	b.ReportMetric(figures[0].api, "ingest-readings/s")
	b.ReportMetric(figures[2].api, "day-agg-ms")
	b.ReportMetric(figures[4].api, "latest-1000-ms")
}

// scaleIngestBody is an insert-sensor-readings body of n readings every 10 seconds from t0.
func scaleIngestBody(uid string, t0 time.Time, n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"measure_name":"temperature","unique_identifier":"` + uid + `","readings":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.FormatFloat(scaleValue(i, t0.Add(time.Duration(i)*10*time.Second)), 'f', -1, 64))
	}
	buf.WriteString(`],"timestamps":[`)
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"` + t0.Add(time.Duration(i)*10*time.Second).Format("2006-01-02T15:04:05") + `"`)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

package dbcore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// AggregateFunc is a function computed over the readings of each bucket of an aggregation.
type AggregateFunc string

// The aggregate functions. mean, min, max, sum, first and last apply to float and integer
// measures; count to every aggregable measure; share_true (the fraction of readings that are true)
// to boolean ones.
const (
	AggMean      AggregateFunc = "mean"
	AggMin       AggregateFunc = "min"
	AggMax       AggregateFunc = "max"
	AggSum       AggregateFunc = "sum"
	AggCount     AggregateFunc = "count"
	AggFirst     AggregateFunc = "first"
	AggLast      AggregateFunc = "last"
	AggShareTrue AggregateFunc = "share_true"
)

// AggregateFuncs lists every aggregate function, in documentation order.
var AggregateFuncs = []AggregateFunc{AggMean, AggMin, AggMax, AggSum, AggCount, AggFirst, AggLast, AggShareTrue}

// AggregateFuncsFor lists the functions that apply to readings of datatype d (none for strings).
func AggregateFuncsFor(d Datatype) []AggregateFunc {
	switch d {
	case Float, Integer:
		return []AggregateFunc{AggMean, AggMin, AggMax, AggSum, AggCount, AggFirst, AggLast}
	case Boolean:
		return []AggregateFunc{AggCount, AggShareTrue}
	}
	return nil
}

// MaxSensorsPerQuery bounds the sensors one aggregation, latest or export request may name.
const MaxSensorsPerQuery = 10000

// AggregateQuery asks for readings of one measure of some sensors, in buckets of Width aligned to
// Origin (date_bin), over From <= timestamp < To.
type AggregateQuery struct {
	UniqueIDs   []string
	MeasureName string
	From, To    time.Time
	Width       time.Duration
	Origin      time.Time
	Functions   []AggregateFunc
}

// AggregateBucket is one bucket of one sensor: Values holds one value per function of the query,
// in order. The same AggregateBucket is reused from one call to the next.
type AggregateBucket struct {
	Sensor int // index into AggregateQuery.UniqueIDs
	Start  time.Time
	Values []Value
}

// AggregateReadings computes the buckets in PostgreSQL and calls fn for each non-empty one, in the
// order of the sensors, then of time. start is called once before the first bucket, with the
// measure's datatype. Errors are KindInvalid for unknown sensors, a measure a sensor's type lacks,
// a string measure, a function that does not apply, or From after To; KindConflict for an
// ambiguous measure name.
func (db *DB) AggregateReadings(ctx context.Context, q AggregateQuery, start func(Datatype) error, fn func(*AggregateBucket) error) error {
	switch {
	case len(q.UniqueIDs) == 0:
		return Invalidf("Give at least one sensor")
	case len(q.UniqueIDs) > MaxSensorsPerQuery:
		return Invalidf("At most %d sensors per request", MaxSensorsPerQuery)
	case len(q.Functions) == 0:
		return Invalidf("Give at least one aggregate function")
	case q.Width <= 0 || q.Width%time.Microsecond != 0:
		return Invalidf("The bucket width must be a positive whole number of microseconds")
	case q.From.After(q.To):
		return Invalidf("dt_from must not be after dt_to")
	}
	seen := map[AggregateFunc]bool{}
	for _, f := range q.Functions {
		if seen[f] {
			return Invalidf("Function '%s' is listed twice", f)
		}
		seen[f] = true
	}
	sms, err := resolveSensorsMeasure(ctx, db.pool, q.UniqueIDs, q.MeasureName)
	if err != nil {
		return err
	}
	d := sms[0].datatype
	for i, sm := range sms {
		if sm.datatype != d {
			return Invalidf("Measure '%s' is of datatype %s for sensor '%s' but %s for sensor '%s'",
				q.MeasureName, d, q.UniqueIDs[0], sm.datatype, q.UniqueIDs[i])
		}
	}
	applicable := AggregateFuncsFor(d)
	if len(applicable) == 0 {
		return Invalidf("Readings of datatype %s cannot be aggregated", d)
	}
	exprs := make([]string, len(q.Functions))
	for i, f := range q.Functions {
		ok := false
		for _, a := range applicable {
			ok = ok || a == f
		}
		if !ok {
			names := make([]string, len(applicable))
			for k, a := range applicable {
				names[k] = string(a)
			}
			return Invalidf("Function '%s' does not apply to %s readings; use %s", f, d, strings.Join(names, ", "))
		}
		exprs[i] = aggregateExpr(f, d)
	}
	sql, args := aggregateSQL(sms, d, exprs, q)
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return translate(fmt.Errorf("aggregate readings: %w", err))
	}
	defer rows.Close()
	b := AggregateBucket{Values: make([]Value, len(q.Functions))}
	dest := make([]any, 2+len(q.Functions))
	var ord int32
	dest[0], dest[1] = &ord, &b.Start
	var f64 = make([]float64, len(q.Functions))
	var i64 = make([]int64, len(q.Functions))
	var i32 = make([]int32, len(q.Functions))
	for i, f := range q.Functions {
		switch aggregateResultType(f, d) {
		case Float:
			dest[2+i] = &f64[i]
		case Integer:
			if f == AggCount || f == AggSum {
				dest[2+i] = &i64[i]
			} else {
				dest[2+i] = &i32[i]
			}
		}
	}
	started := false
	for rows.Next() {
		if !started {
			if err := start(d); err != nil {
				return err
			}
			started = true
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan bucket: %w", err)
		}
		b.Sensor = int(ord)
		for i, f := range q.Functions {
			switch aggregateResultType(f, d) {
			case Float:
				b.Values[i] = Value{Type: Float, F: f64[i]}
			case Integer:
				if f == AggCount || f == AggSum {
					b.Values[i] = Value{Type: Integer, I: i64[i]}
				} else {
					b.Values[i] = Value{Type: Integer, I: int64(i32[i])}
				}
			}
		}
		if err := fn(&b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return translate(fmt.Errorf("aggregate readings: %w", err))
	}
	if !started {
		return start(d)
	}
	return nil
}

// aggregateResultType is the datatype of f's result over readings of datatype d.
func aggregateResultType(f AggregateFunc, d Datatype) Datatype {
	switch f {
	case AggCount:
		return Integer
	case AggMean, AggShareTrue:
		return Float
	}
	return d // min, max, sum, first, last keep the readings' type (integer sums are 64-bit)
}

// aggregateExpr is the SQL of f over the readings r of datatype d. first and last take the value of
// the least and greatest timestamp in one pass (the minimum of [epoch, value] pairs), with no sort.
func aggregateExpr(f AggregateFunc, d Datatype) string {
	switch f {
	case AggMean:
		return `avg(r.value::float8)`
	case AggMin:
		return `min(r.value)`
	case AggMax:
		return `max(r.value)`
	case AggSum:
		return `sum(r.value)` // bigint for integers
	case AggCount:
		return `count(*)`
	case AggFirst, AggLast:
		agg := map[AggregateFunc]string{AggFirst: "min", AggLast: "max"}[f]
		expr := agg + `(ARRAY[date_part('epoch', r.timestamp), r.value::float8]))[2]`
		if d == Integer {
			return `(` + expr + `::int4`
		}
		return `(` + expr
	case AggShareTrue:
		return `(count(*) FILTER (WHERE r.value))::float8 / count(*)`
	}
	panic("unknown aggregate function " + string(f))
}

// aggregateSQL builds the aggregation: one sensor reads its index range directly; several join the
// readings to the list of (sensor, measure) pairs, each pair an index range scan.
func aggregateSQL(sms []sensorMeasure, d Datatype, exprs []string, q AggregateQuery) (string, []any) {
	table := sensorReadingTable(d)
	cols := strings.Join(exprs, ", ")
	if len(sms) == 1 {
		return `SELECT 0::int4, date_bin($1::interval, r.timestamp, $2::timestamptz) AS bucket, ` + cols + `
			FROM ` + table + ` r
			WHERE r.sensor_id = $3 AND r.measure_id = $4 AND r.timestamp >= $5 AND r.timestamp < $6
			GROUP BY bucket ORDER BY bucket`,
			[]any{q.Width, q.Origin, sms[0].sensorID, sms[0].measureID, q.From, q.To}
	}
	sensors, measures, ords := make([]int32, len(sms)), make([]int32, len(sms)), make([]int32, len(sms))
	for i, sm := range sms {
		sensors[i], measures[i], ords[i] = sm.sensorID, sm.measureID, int32(i)
	}
	return `SELECT p.ord, date_bin($1::interval, r.timestamp, $2::timestamptz) AS bucket, ` + cols + `
		FROM unnest($3::int4[], $4::int4[], $5::int4[]) AS p(sensor_id, measure_id, ord)
		JOIN ` + table + ` r ON r.sensor_id = p.sensor_id AND r.measure_id = p.measure_id
		WHERE r.timestamp >= $6 AND r.timestamp < $7
		GROUP BY p.ord, bucket ORDER BY p.ord, bucket`,
		[]any{q.Width, q.Origin, sensors, measures, ords, q.From, q.To}
}

// resolveSensorsMeasure is resolveSensorMeasure for several sensors in one query, in their order.
// Errors name the first sensor at fault: KindInvalid when it does not exist, when its type has no
// such measure, or when a sensor is listed twice; KindConflict when the name is ambiguous.
func resolveSensorsMeasure(ctx context.Context, q querier, uniqueIDs []string, measureName string) ([]sensorMeasure, error) {
	rows, _ := q.Query(ctx, `SELECT u.ord::int4, s.id, m.id, m.datatype
		FROM unnest($1::text[]) WITH ORDINALITY AS u(uid, ord)
		LEFT JOIN sensor s ON s.unique_identifier = u.uid
		LEFT JOIN (sensor_type_measure_relation r JOIN sensor_measure m ON m.id = r.measure_id AND m.name = $2)
			ON r.type_id = s.type_id
		ORDER BY u.ord, m.id`, uniqueIDs, measureName)
	type found struct {
		ord       int32
		sensorID  *int32
		measureID *int32
		datatype  *Datatype
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (found, error) {
		var f found
		err := row.Scan(&f.ord, &f.sensorID, &f.measureID, &f.datatype)
		return f, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("resolve measure %q: %w", measureName, err))
	}
	out := make([]sensorMeasure, len(uniqueIDs))
	count := make([]int, len(uniqueIDs))
	seen := make(map[int32]int, len(uniqueIDs))
	for _, f := range list {
		i := int(f.ord) - 1
		uid := uniqueIDs[i]
		switch {
		case f.sensorID == nil:
			return nil, Invalidf("Sensor '%s' does not exist", uid)
		case f.measureID == nil:
			return nil, Invalidf("Measure '%s' is not a measure of the type of sensor '%s'", measureName, uid)
		}
		if count[i] == 0 {
			if j, dup := seen[*f.sensorID]; dup && j != i {
				return nil, Invalidf("Sensor '%s' is listed twice", uid)
			}
			seen[*f.sensorID] = i
		}
		count[i]++
		if count[i] > 1 {
			return nil, Conflictf("Ambiguous measure name '%s'; the type of sensor '%s' has it with several units", measureName, uid)
		}
		out[i] = sensorMeasure{sensorID: *f.sensorID, measureID: *f.measureID, datatype: *f.datatype}
	}
	return out, nil
}

// LatestQuery selects the sensors and measures whose latest readings are wanted: every sensor, or
// those of one type, or those listed; every measure of each sensor's type, or one.
type LatestQuery struct {
	TypeName    *string
	UniqueIDs   []string
	MeasureName *string
}

// LatestReading is the latest reading of one measure of one sensor.
type LatestReading struct {
	UniqueID    string
	MeasureName string
	Units       *string
	Datatype    Datatype
	Timestamp   time.Time
	Value       Value
}

// LatestReadings returns, for each selected sensor and measure of its type that has readings, the
// reading with the greatest timestamp, ordered by sensor then measure (ids, i.e. creation order).
// Each is found by one backward step on the primary key of the newest partition holding the pair's
// readings, however many readings are stored. Errors are KindInvalid for an unknown type, sensor or
// measure name.
func (db *DB) LatestReadings(ctx context.Context, q LatestQuery) ([]LatestReading, error) {
	if len(q.UniqueIDs) > MaxSensorsPerQuery {
		return nil, Invalidf("At most %d sensors per request", MaxSensorsPerQuery)
	}
	// Listed sensors are checked first (one without readings would go unnoticed); a type or
	// measure name only when nothing is found (any reading proves both exist).
	if len(q.UniqueIDs) > 0 {
		if err := checkSelection(ctx, db.pool, q.TypeName, q.UniqueIDs, nullableList(q.MeasureName)); err != nil {
			return nil, err
		}
	}
	var uids []string // nil: every sensor
	if q.UniqueIDs != nil {
		uids = q.UniqueIDs
	}
	branch := func(d Datatype, valueCols string) string {
		return `SELECT p.sensor_id, p.measure_id, p.unique_identifier, p.name, p.units, p.datatype, l.timestamp, ` + valueCols + `
			FROM pairs p CROSS JOIN LATERAL (SELECT r.timestamp, r.value FROM ` + sensorReadingTable(d) + ` r
				WHERE r.sensor_id = p.sensor_id AND r.measure_id = p.measure_id ORDER BY r.timestamp DESC LIMIT 1) l
			WHERE p.datatype = '` + string(d) + `'`
	}
	rows, _ := db.pool.Query(ctx, `WITH pairs AS MATERIALIZED (
			SELECT s.id AS sensor_id, m.id AS measure_id, s.unique_identifier, m.name, m.units, m.datatype
			FROM sensor s
			JOIN sensor_type t ON t.id = s.type_id
			JOIN sensor_type_measure_relation rel ON rel.type_id = s.type_id
			JOIN sensor_measure m ON m.id = rel.measure_id
			WHERE ($1::text IS NULL OR t.name = $1) AND ($2::text[] IS NULL OR s.unique_identifier = ANY($2))
				AND ($3::text IS NULL OR m.name = $3))
		`+branch(Float, `l.value, NULL::int4, NULL::bool, NULL::text`)+`
		UNION ALL `+branch(Integer, `NULL::float8, l.value, NULL::bool, NULL::text`)+`
		UNION ALL `+branch(Boolean, `NULL::float8, NULL::int4, l.value, NULL::text`)+`
		UNION ALL `+branch(String, `NULL::float8, NULL::int4, NULL::bool, l.value`)+`
		ORDER BY 1, 2`, q.TypeName, uids, q.MeasureName)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LatestReading, error) {
		var l LatestReading
		var sensorID, measureID int32
		var f *float64
		var i *int32
		var b *bool
		var s *string
		err := row.Scan(&sensorID, &measureID, &l.UniqueID, &l.MeasureName, &l.Units, &l.Datatype, &l.Timestamp, &f, &i, &b, &s)
		switch {
		case f != nil:
			l.Value = Value{Type: Float, F: *f}
		case i != nil:
			l.Value = Value{Type: Integer, I: int64(*i)}
		case b != nil:
			l.Value = Value{Type: Boolean, B: *b}
		case s != nil:
			l.Value = Value{Type: String, S: *s}
		}
		return l, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("latest readings: %w", err))
	}
	if len(out) == 0 && len(q.UniqueIDs) == 0 {
		if err := checkSelection(ctx, db.pool, q.TypeName, nil, nullableList(q.MeasureName)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func nullableList(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

// checkSelection reports the first unknown sensor type, sensor or measure name of a selection, as
// KindInvalid, in one query.
func checkSelection(ctx context.Context, q querier, typeName *string, uniqueIDs, measureNames []string) error {
	if typeName == nil && len(uniqueIDs) == 0 && len(measureNames) == 0 {
		return nil
	}
	var what, name *string
	err := q.QueryRow(ctx, `SELECT what, name FROM (
			SELECT 1 AS k, 'type' AS what, $1::text AS name WHERE $1::text IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM sensor_type WHERE name = $1)
			UNION ALL
			SELECT 2, 'sensor', u.uid FROM unnest($2::text[]) WITH ORDINALITY AS u(uid, ord)
				WHERE NOT EXISTS (SELECT 1 FROM sensor WHERE unique_identifier = u.uid)
			UNION ALL
			SELECT 3, 'measure', u.name FROM unnest($3::text[]) WITH ORDINALITY AS u(name, ord)
				WHERE NOT EXISTS (SELECT 1 FROM sensor_measure WHERE name = u.name)
		) AS missing ORDER BY k LIMIT 1`, typeName, uniqueIDs, measureNames).Scan(&what, &name)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return translate(fmt.Errorf("check selection: %w", err))
	}
	switch *what {
	case "type":
		return Invalidf("Sensor type '%s' does not exist", *name)
	case "sensor":
		return Invalidf("Sensor '%s' does not exist", *name)
	}
	return Invalidf("No sensor measure named '%s'", *name)
}

// ExportQuery selects readings to export: of the listed sensors (none listed: every sensor, or
// every sensor of TypeName), of the listed measures (none listed: every measure of each sensor's
// type), with From <= timestamp < To.
type ExportQuery struct {
	UniqueIDs    []string
	TypeName     *string
	MeasureNames []string
	From, To     time.Time
}

// ExportRow is one exported reading. The same ExportRow is reused from one call to the next.
type ExportRow struct {
	UniqueID    string
	MeasureName string
	Units       *string
	Datatype    Datatype
	Timestamp   time.Time
	Value       Value
}

// ExportReadings streams the selected readings to fn, ordered by sensor (as listed, or by creation),
// measure (by creation), then timestamp. Each (sensor, measure) is one index range scan, read as
// PostgreSQL sends it: memory stays flat whatever the size. start is called once, after the
// selection has been checked and before the first row. Errors are KindInvalid for an unknown type,
// sensor or measure name, or From after To.
func (db *DB) ExportReadings(ctx context.Context, q ExportQuery, start func() error, fn func(*ExportRow) error) error {
	if q.From.After(q.To) {
		return Invalidf("dt_from must not be after dt_to")
	}
	if len(q.UniqueIDs) > MaxSensorsPerQuery {
		return Invalidf("At most %d sensors per request", MaxSensorsPerQuery)
	}
	if err := checkSelection(ctx, db.pool, q.TypeName, q.UniqueIDs, q.MeasureNames); err != nil {
		return err
	}
	var uids, measures []string
	if len(q.UniqueIDs) > 0 {
		uids = q.UniqueIDs
	}
	if len(q.MeasureNames) > 0 {
		measures = q.MeasureNames
	}
	rows, _ := db.pool.Query(ctx, `SELECT s.id, m.id, s.unique_identifier, m.name, m.units, m.datatype
		FROM sensor s
		JOIN sensor_type t ON t.id = s.type_id
		JOIN sensor_type_measure_relation rel ON rel.type_id = s.type_id
		JOIN sensor_measure m ON m.id = rel.measure_id
		LEFT JOIN unnest($2::text[]) WITH ORDINALITY AS u(uid, ord) ON u.uid = s.unique_identifier
		WHERE ($1::text IS NULL OR t.name = $1) AND ($2::text[] IS NULL OR u.uid IS NOT NULL)
			AND ($3::text[] IS NULL OR m.name = ANY($3))
		ORDER BY u.ord, s.id, m.id`, q.TypeName, uids, measures)
	type pair struct {
		sensorID, measureID int32
		row                 ExportRow
	}
	pairs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (pair, error) {
		var p pair
		err := row.Scan(&p.sensorID, &p.measureID, &p.row.UniqueID, &p.row.MeasureName, &p.row.Units, &p.row.Datatype)
		return p, err
	})
	if err != nil {
		return translate(fmt.Errorf("export readings: %w", err))
	}
	if err := start(); err != nil {
		return err
	}
	for i := range pairs {
		p := &pairs[i]
		rows, err := db.pool.Query(ctx, `SELECT timestamp, value FROM `+sensorReadingTable(p.row.Datatype)+`
			WHERE sensor_id = $1 AND measure_id = $2 AND timestamp >= $3 AND timestamp < $4 ORDER BY timestamp`,
			p.sensorID, p.measureID, q.From, q.To)
		if err != nil {
			return translate(fmt.Errorf("export readings: %w", err))
		}
		row := &p.row
		err = streamValues(rows, p.row.Datatype, func() error { return nil }, func(t time.Time, v Value) error {
			row.Timestamp, row.Value = t, v
			return fn(row)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

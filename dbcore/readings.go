package dbcore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// sensorMeasure is a sensor and one measure of its type, resolved from their names.
type sensorMeasure struct {
	sensorID, measureID int32
	datatype            Datatype
}

// errNoSensor marks an unknown sensor while resolving a sensor measure.
var errNoSensor = Invalidf("Sensor does not exist")

// resolveSensorMeasure finds the measure called measureName among the measures of the sensor's type.
// Errors: errNoSensor; KindInvalid when the type has no such measure; KindConflict when two measures
// of the type share the name (api-contract.md §4.4: never pick one silently).
func resolveSensorMeasure(ctx context.Context, q querier, uniqueID, measureName string) (sensorMeasure, error) {
	rows, _ := q.Query(ctx, `SELECT s.id, m.id, m.datatype
		FROM sensor s
		LEFT JOIN (sensor_type_measure_relation r JOIN sensor_measure m ON m.id = r.measure_id AND m.name = $2)
			ON r.type_id = s.type_id
		WHERE s.unique_identifier = $1
		ORDER BY m.id`, uniqueID, measureName)
	type found struct {
		sensorID  int32
		measureID *int32
		datatype  *Datatype
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (found, error) {
		var f found
		err := row.Scan(&f.sensorID, &f.measureID, &f.datatype)
		return f, err
	})
	if err != nil {
		return sensorMeasure{}, fmt.Errorf("resolve measure %q of sensor %q: %w", measureName, uniqueID, err)
	}
	var out []sensorMeasure
	for _, f := range list {
		if f.measureID != nil {
			out = append(out, sensorMeasure{sensorID: f.sensorID, measureID: *f.measureID, datatype: *f.datatype})
		}
	}
	switch {
	case len(list) == 0:
		return sensorMeasure{}, errNoSensor
	case len(out) == 0:
		return sensorMeasure{}, Invalidf("Measure '%s' is not a measure of this sensor's type", measureName)
	case len(out) > 1:
		return sensorMeasure{}, Conflictf("Ambiguous measure name '%s'; the sensor's type has it with several units", measureName)
	}
	return out[0], nil
}

// InsertReadings stores readings of one measure of one sensor, all or nothing. Values must match the
// measure's datatype (integer literals are accepted for floats); readings whose timestamp is already
// stored are skipped, keeping the old value, as in the original. Errors are KindInvalid for unknown
// references and bad values, KindConflict for an ambiguous measure name.
func (db *DB) InsertReadings(ctx context.Context, uniqueID, measureName string, values []Value, timestamps []time.Time) error {
	if len(values) != len(timestamps) {
		return Invalidf("Got %d readings but %d timestamps", len(values), len(timestamps))
	}
	sm, err := resolveSensorMeasure(ctx, db.pool, uniqueID, measureName)
	if err != nil {
		return translate(err)
	}
	if len(values) == 0 {
		return nil
	}
	column, err := valueColumn(values, sm.datatype, "Reading", measureName)
	if err != nil {
		return err
	}
	// One statement is atomic, so the batch is all or nothing without an explicit transaction.
	// unnest over binary-encoded arrays sends the whole batch in one round trip.
	_, err = db.pool.Exec(ctx, `INSERT INTO `+sensorReadingTable(sm.datatype)+` (sensor_id, measure_id, timestamp, value)
		SELECT $1, $2, t, v FROM unnest($3::timestamptz[], $4::`+sqlArrayType(sm.datatype)+`) AS u(t, v)
		ON CONFLICT DO NOTHING`, sm.sensorID, sm.measureID, timestamps, column)
	if err != nil {
		return translate(fmt.Errorf("insert readings of %q %q: %w", uniqueID, measureName, err))
	}
	return nil
}

// valueColumn converts values to datatype d and returns them as a typed slice for an array parameter.
// what and owner name the values in the error message.
func valueColumn(values []Value, d Datatype, what, owner string) (any, error) {
	bad := func(i int, v Value) error {
		return Invalidf("%s %d is %s, but '%s' is of datatype %s", what, i, v.Describe(), owner, d)
	}
	switch d {
	case Float:
		col := make([]float64, len(values))
		for i, v := range values {
			c, ok := v.As(d)
			if !ok {
				return nil, bad(i, v)
			}
			col[i] = c.F
		}
		return col, nil
	case Integer:
		col := make([]int32, len(values))
		for i, v := range values {
			c, ok := v.As(d)
			if !ok {
				return nil, bad(i, v)
			}
			col[i] = int32(c.I)
		}
		return col, nil
	case Boolean:
		col := make([]bool, len(values))
		for i, v := range values {
			if v.Type != Boolean {
				return nil, bad(i, v)
			}
			col[i] = v.B
		}
		return col, nil
	default:
		col := make([]string, len(values))
		for i, v := range values {
			if v.Type != String {
				return nil, bad(i, v)
			}
			col[i] = v.S
		}
		return col, nil
	}
}

func sqlArrayType(d Datatype) string {
	switch d {
	case Float:
		return "float8[]"
	case Integer:
		return "int4[]"
	case Boolean:
		return "bool[]"
	}
	return "text[]"
}

// ReadingsQuery selects readings of one measure of one sensor, from and to inclusive.
type ReadingsQuery struct {
	UniqueID, MeasureName string
	From, To              time.Time
}

// StreamReadings calls fn for each matching reading in timestamp order, without holding them all in
// memory. An unknown sensor, a measure its type lacks, or From after To yield nothing. Errors:
// KindInvalid when no sensor measure anywhere has the name, KindConflict for an ambiguous name.
// start is called once, before the first reading, when the query has succeeded.
func (db *DB) StreamReadings(ctx context.Context, q ReadingsQuery, start func() error, fn func(time.Time, Value) error) error {
	sm, err := resolveSensorMeasure(ctx, db.pool, q.UniqueID, q.MeasureName)
	if err != nil {
		if de, ok := AsError(err); ok && de.Kind == KindInvalid {
			var known bool
			if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sensor_measure WHERE name = $1)`, q.MeasureName).Scan(&known); err != nil {
				return translate(fmt.Errorf("check measure %q: %w", q.MeasureName, err))
			}
			if !known {
				return Invalidf("No sensor measure named '%s'", q.MeasureName)
			}
			return start()
		}
		return translate(err)
	}
	if q.From.After(q.To) {
		return start()
	}
	rows, err := db.pool.Query(ctx, `SELECT timestamp, value FROM `+sensorReadingTable(sm.datatype)+`
		WHERE sensor_id = $1 AND measure_id = $2 AND timestamp BETWEEN $3 AND $4 ORDER BY timestamp`,
		sm.sensorID, sm.measureID, q.From, q.To)
	if err != nil {
		return translate(fmt.Errorf("read readings: %w", err))
	}
	return streamValues(rows, sm.datatype, start, fn)
}

// streamValues scans (timestamp, value) rows of datatype d into fn, calling start first.
func streamValues(rows pgx.Rows, d Datatype, start func() error, fn func(time.Time, Value) error) error {
	defer rows.Close()
	started := false
	v := Value{Type: d}
	var ts time.Time
	var dest any
	switch d {
	case Float:
		dest = &v.F
	case Boolean:
		dest = &v.B
	case String:
		dest = &v.S
	}
	var i32 int32
	if d == Integer {
		dest = &i32
	}
	for rows.Next() {
		if !started {
			if err := start(); err != nil {
				return err
			}
			started = true
		}
		if err := rows.Scan(&ts, dest); err != nil {
			return fmt.Errorf("scan value: %w", err)
		}
		v.I = int64(i32)
		if err := fn(ts, v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return translate(fmt.Errorf("read values: %w", err))
	}
	if !started {
		return start()
	}
	return nil
}

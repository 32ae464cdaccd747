package dbcore

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// ReadingSource yields a batch of readings in order. Values are already of the Go type of the
// measure's datatype: float64, int32, bool or string.
type ReadingSource interface {
	Next() bool
	Reading() (time.Time, any)
	Err() error
}

// InsertReadings stores readings of one measure of one sensor, all or nothing. Values must match the
// measure's datatype (integer literals are accepted for floats); readings whose timestamp is already
// stored are skipped, keeping the old value, as in the original. Errors are KindInvalid for unknown
// references and bad values, KindConflict for an ambiguous measure name.
func (db *DB) InsertReadings(ctx context.Context, uniqueID, measureName string, values []Value, timestamps []time.Time) error {
	if len(values) != len(timestamps) {
		return Invalidf("Got %d readings but %d timestamps", len(values), len(timestamps))
	}
	return db.InsertReadingStream(ctx, uniqueID, measureName, func(d Datatype) ReadingSource {
		column, err := valueColumn(values, d, "Reading", measureName)
		return &sliceSource{ts: timestamps, column: column, i: -1, err: err}
	})
}

// sliceSource is a ReadingSource over converted slices.
type sliceSource struct {
	ts     []time.Time
	column any
	i      int
	err    error
}

func (s *sliceSource) Next() bool {
	s.i++
	return s.err == nil && s.i < len(s.ts)
}
func (s *sliceSource) Reading() (time.Time, any) { return s.ts[s.i], columnAt(s.column, s.i) }
func (s *sliceSource) Err() error                { return s.err }

// copySource adapts a ReadingSource to pgx's COPY, adding the sensor and measure columns.
type copySource struct {
	src                 ReadingSource
	sensorID, measureID int32
	row                 [4]any
}

func (c *copySource) Next() bool { return c.src.Next() }
func (c *copySource) Values() ([]any, error) {
	t, v := c.src.Reading()
	c.row = [4]any{c.sensorID, c.measureID, t, v}
	return c.row[:], nil
}
func (c *copySource) Err() error { return c.src.Err() }

// InsertReadingStream is InsertReadings for a batch decoded while it is written: open is called with
// the measure's datatype and its source is copied straight into PostgreSQL, so decoding overlaps the
// database's work. A source error aborts the batch and is returned as it is. open may be called a
// second time, from the start, when the batch holds readings already stored.
func (db *DB) InsertReadingStream(ctx context.Context, uniqueID, measureName string, open func(Datatype) ReadingSource) error {
	sm, err := resolveSensorMeasure(ctx, db.pool, uniqueID, measureName)
	if err != nil {
		return translate(err)
	}
	var srcErr error
	// Readings tables have no foreign keys (they would cost most of ingest's time); holding a key-share
	// lock on the sensor row while writing keeps DeleteSensor from removing the sensor meanwhile.
	// Writers of overlapping batches can deadlock on each other's new keys; PostgreSQL then aborts
	// one, which runs again (the source can be read again from the start).
	err = db.transactRetrying(ctx, func(tx pgx.Tx) error {
		var locked int32
		if err := tx.QueryRow(ctx, `SELECT id FROM sensor WHERE id = $1 FOR KEY SHARE`, sm.sensorID).Scan(&locked); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errNoSensor
			}
			return fmt.Errorf("lock sensor: %w", err)
		}
		// Fast path: COPY, which fails as a whole on a reading already stored; only then is the batch
		// inserted skipping those, keeping the original's semantics (old value kept) at COPY speed for
		// the usual, duplicate-free batch. A savepoint lets the transaction survive that failure. Both
		// create the partitions of months that have none, when they meet one (partitions.go).
		table := sensorReadingTable(sm.datatype)
		months := func() ([]time.Time, error) {
			ms, err := sourceMonths(open(sm.datatype))
			srcErr = err
			return ms, err
		}
		err := writeEnsuringPartitions(ctx, tx, table, months, func(sp pgx.Tx) error {
			src := open(sm.datatype)
			_, err := sp.CopyFrom(ctx, pgx.Identifier{table}, []string{"sensor_id", "measure_id", "timestamp", "value"},
				&copySource{src: src, sensorID: sm.sensorID, measureID: sm.measureID})
			if err != nil {
				if srcErr = src.Err(); srcErr != nil {
					return srcErr
				}
			}
			return err
		})
		if err == nil || srcErr != nil {
			return err
		}
		if !isUniqueViolation(err) {
			return fmt.Errorf("copy readings: %w", err)
		}
		src := open(sm.datatype)
		var ts []time.Time
		var values []any
		for src.Next() {
			t, v := src.Reading()
			ts, values = append(ts, t), append(values, v)
		}
		if srcErr = src.Err(); srcErr != nil {
			return srcErr
		}
		months = func() ([]time.Time, error) {
			var set monthSet
			for _, t := range ts {
				set.add(t)
			}
			return set.list(), nil
		}
		return writeEnsuringPartitions(ctx, tx, table, months, func(sp pgx.Tx) error {
			// In time order, so that writers of overlapping batches take key locks in one order.
			_, err := sp.Exec(ctx, `INSERT INTO `+table+` (sensor_id, measure_id, timestamp, value)
				SELECT $1, $2, t, v FROM unnest($3::timestamptz[], $4::`+sqlArrayType(sm.datatype)+`) AS u(t, v)
				ORDER BY t ON CONFLICT DO NOTHING`, sm.sensorID, sm.measureID, ts, typedColumn(sm.datatype, values))
			return err
		})
	})
	if srcErr != nil {
		return srcErr
	}
	if err != nil {
		return translate(fmt.Errorf("insert readings of %q %q: %w", uniqueID, measureName, err))
	}
	return nil
}

// typedColumn turns values of datatype d into a typed slice for an array parameter.
func typedColumn(d Datatype, values []any) any {
	switch d {
	case Float:
		return typed[float64](values)
	case Integer:
		return typed[int32](values)
	case Boolean:
		return typed[bool](values)
	}
	return typed[string](values)
}

func typed[T any](values []any) []T {
	out := make([]T, len(values))
	for i, v := range values {
		out[i] = v.(T)
	}
	return out
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

// columnAt returns element i of a column made by valueColumn.
func columnAt(column any, i int) any {
	switch c := column.(type) {
	case []float64:
		return c[i]
	case []int32:
		return c[i]
	case []bool:
		return c[i]
	case []string:
		return c[i]
	}
	panic(fmt.Sprintf("unexpected column type %T", column))
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
	// A sensor and measure read before cost one round trip: the read itself checks that the sensor
	// still has its id (a sensor deleted and created again gets another), and an empty answer, which
	// proves nothing, is answered by the path below.
	if sm, ok := knownSensorMeasure(db, q.UniqueID, q.MeasureName); ok && !q.From.After(q.To) {
		rows, err := db.pool.Query(ctx, `SELECT timestamp, value FROM `+sensorReadingTable(sm.datatype)+`
			WHERE sensor_id = $1 AND measure_id = $2 AND timestamp BETWEEN $3 AND $4
				AND EXISTS (SELECT 1 FROM sensor WHERE id = $1 AND unique_identifier = $5)
			ORDER BY timestamp`, sm.sensorID, sm.measureID, q.From, q.To, q.UniqueID)
		if err != nil {
			return translate(fmt.Errorf("read readings: %w", err))
		}
		found := false
		err = streamValues(rows, sm.datatype, func() error { return nil }, func(t time.Time, v Value) error {
			if !found {
				found = true
				if err := start(); err != nil {
					return err
				}
			}
			return fn(t, v)
		})
		if err != nil || found {
			return err
		}
	}
	sm, found, err := db.resolveForRead(ctx, q)
	if err != nil {
		return err
	}
	if !found {
		return start()
	}
	rememberSensorMeasure(db, q.UniqueID, q.MeasureName, sm)
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

// sensorMeasureKey names a sensor's measure of one database.
type sensorMeasureKey struct {
	db                    *DB
	uniqueID, measureName string
}

// knownSensorMeasures remembers resolved sensor measures. An entry never becomes wrong while its
// sensor exists: a sensor's id and type never change, nor do a type's measures. Readers check that
// the sensor still exists with its identifier.
var knownSensorMeasures = struct {
	sync.Mutex
	m map[sensorMeasureKey]sensorMeasure
}{m: map[sensorMeasureKey]sensorMeasure{}}

// maxKnownSensorMeasures bounds knownSensorMeasures; it starts afresh when full.
const maxKnownSensorMeasures = 10000

func knownSensorMeasure(db *DB, uniqueID, measureName string) (sensorMeasure, bool) {
	knownSensorMeasures.Lock()
	defer knownSensorMeasures.Unlock()
	sm, ok := knownSensorMeasures.m[sensorMeasureKey{db, uniqueID, measureName}]
	return sm, ok
}

func rememberSensorMeasure(db *DB, uniqueID, measureName string, sm sensorMeasure) {
	knownSensorMeasures.Lock()
	defer knownSensorMeasures.Unlock()
	if len(knownSensorMeasures.m) >= maxKnownSensorMeasures {
		clear(knownSensorMeasures.m)
	}
	knownSensorMeasures.m[sensorMeasureKey{db, uniqueID, measureName}] = sm
}

// resolveForRead finds the measure a read of q is about. found is false when the answer is empty
// (unknown sensor, or a measure its type lacks); KindInvalid when no sensor measure anywhere has
// the name, KindConflict for an ambiguous one.
func (db *DB) resolveForRead(ctx context.Context, q ReadingsQuery) (sm sensorMeasure, found bool, err error) {
	sm, err = resolveSensorMeasure(ctx, db.pool, q.UniqueID, q.MeasureName)
	if de, ok := AsError(err); ok && de.Kind == KindInvalid {
		var known bool
		if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sensor_measure WHERE name = $1)`, q.MeasureName).Scan(&known); err != nil {
			return sm, false, translate(fmt.Errorf("check measure %q: %w", q.MeasureName, err))
		}
		if !known {
			return sm, false, Invalidf("No sensor measure named '%s'", q.MeasureName)
		}
		return sm, false, nil
	}
	if err != nil {
		return sm, false, translate(err)
	}
	return sm, true, nil
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

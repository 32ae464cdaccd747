package dbcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ImportSource yields the rows of a bulk import: a timestamp and one value per measure (nil for an
// empty cell), each of the Go type of its measure's datatype (float64, int32, bool or string).
type ImportSource interface {
	Next() bool
	Row() (time.Time, []any)
	// Err reports why the source stopped early; a non-nil error aborts the import.
	Err() error
}

// ImportResult counts what an import did.
type ImportResult struct {
	Rows     int64 // data rows read
	Readings int64 // readings stored
	Skipped  int64 // readings already stored (kept as they were)
}

// ImportReadings stores readings of several measures of one sensor from a stream, in one
// transaction: the rows are copied into a temporary table as they are parsed (memory stays flat),
// then moved into the readings tables, skipping readings already stored. A source error aborts
// everything. open receives the measures' datatypes, in the order of measureNames.
func (db *DB) ImportReadings(ctx context.Context, uniqueID string, measureNames []string, open func([]Datatype) ImportSource) (ImportResult, error) {
	var res ImportResult
	var srcErr error
	err := db.transact(ctx, func(tx pgx.Tx) error {
		measures := make([]sensorMeasure, len(measureNames))
		types := make([]Datatype, len(measureNames))
		for i, name := range measureNames {
			sm, err := resolveSensorMeasure(ctx, tx, uniqueID, name)
			if err != nil {
				return err
			}
			measures[i], types[i] = sm, sm.datatype
		}
		if len(measures) == 0 {
			return Invalidf("No measure to import")
		}
		var locked int32
		if err := tx.QueryRow(ctx, `SELECT id FROM sensor WHERE id = $1 FOR KEY SHARE`, measures[0].sensorID).Scan(&locked); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errNoSensor
			}
			return fmt.Errorf("lock sensor: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_reading (measure smallint, timestamp timestamptz,
			f float8, i int4, b bool, s text) ON COMMIT DROP`); err != nil {
			return fmt.Errorf("create import table: %w", err)
		}
		src := &importCopySource{src: open(types), types: types}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_reading"}, []string{"measure", "timestamp", "f", "i", "b", "s"}, src); err != nil {
			if srcErr = src.src.Err(); srcErr != nil {
				return srcErr
			}
			return fmt.Errorf("copy rows: %w", err)
		}
		res.Rows = src.rows
		var total int64
		for k, sm := range measures {
			column := map[Datatype]string{Float: "f", Integer: "i", Boolean: "b", String: "s"}[sm.datatype]
			table := sensorReadingTable(sm.datatype)
			// Months without a partition get theirs when the insert meets one (partitions.go).
			months := func() ([]time.Time, error) {
				rows, _ := tx.Query(ctx, `SELECT DISTINCT date_trunc('month', timestamp AT TIME ZONE 'UTC')
					FROM import_reading WHERE measure = $1`, k)
				ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (time.Time, error) {
					var m time.Time
					err := row.Scan(&m)
					return time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC), err
				})
				if err != nil {
					return nil, fmt.Errorf("months of imported readings: %w", err)
				}
				return ms, nil
			}
			var tag pgconn.CommandTag
			err := writeEnsuringPartitions(ctx, tx, table, months, func(sp pgx.Tx) error {
				var err error
				tag, err = sp.Exec(ctx, `INSERT INTO `+table+` (sensor_id, measure_id, timestamp, value)
					SELECT $1, $2, timestamp, `+column+` FROM import_reading WHERE measure = $3
					ORDER BY timestamp ON CONFLICT DO NOTHING`, sm.sensorID, sm.measureID, k)
				return err
			})
			if err != nil {
				return fmt.Errorf("store readings of %q: %w", measureNames[k], err)
			}
			res.Readings += tag.RowsAffected()
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM import_reading`).Scan(&total); err != nil {
			return fmt.Errorf("count imported readings: %w", err)
		}
		res.Skipped = total - res.Readings
		return nil
	})
	if srcErr != nil {
		return ImportResult{}, srcErr
	}
	if err != nil {
		return ImportResult{}, translate(fmt.Errorf("import readings of %q: %w", uniqueID, err))
	}
	return res, nil
}

// importCopySource spreads each source row into one copy row per non-empty value.
type importCopySource struct {
	src     ImportSource
	types   []Datatype
	rows    int64
	pending []int // measure indexes of the current row still to emit
	ts      time.Time
	values  []any
	row     [6]any
}

func (c *importCopySource) Next() bool {
	for len(c.pending) == 0 {
		if !c.src.Next() {
			return false
		}
		c.rows++
		c.ts, c.values = c.src.Row()
		for k, v := range c.values {
			if v != nil {
				c.pending = append(c.pending, k)
			}
		}
	}
	return true
}

func (c *importCopySource) Values() ([]any, error) {
	k := c.pending[0]
	c.pending = c.pending[1:]
	c.row = [6]any{int16(k), c.ts, nil, nil, nil, nil}
	switch c.types[k] {
	case Float:
		c.row[2] = c.values[k]
	case Integer:
		c.row[3] = c.values[k]
	case Boolean:
		c.row[4] = c.values[k]
	default:
		c.row[5] = c.values[k]
	}
	return c.row[:], nil
}

func (c *importCopySource) Err() error { return c.src.Err() }

package dbcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ReadingSet is readings of one measure of one sensor, for WriteReadingSets.
type ReadingSet struct {
	UniqueID, MeasureName string
	Timestamps            []time.Time
	Values                []Value
	// Replace overwrites readings already stored at the same times (a newer forecast of the same
	// hour); otherwise they are kept, as everywhere else. With Replace the times must be distinct.
	Replace bool
}

// WriteReadingSets stores several sets in one transaction: all or nothing. Errors are those of
// InsertReadings.
func (db *DB) WriteReadingSets(ctx context.Context, sets []ReadingSet) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		for _, set := range sets {
			if len(set.Values) != len(set.Timestamps) {
				return Invalidf("Got %d readings but %d timestamps", len(set.Values), len(set.Timestamps))
			}
			sm, err := resolveSensorMeasure(ctx, tx, set.UniqueID, set.MeasureName)
			if err != nil {
				return err
			}
			var locked int32
			if err := tx.QueryRow(ctx, `SELECT id FROM sensor WHERE id = $1 FOR KEY SHARE`, sm.sensorID).Scan(&locked); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return errNoSensor
				}
				return fmt.Errorf("lock sensor: %w", err)
			}
			column, err := valueColumn(set.Values, sm.datatype, "Reading", set.MeasureName)
			if err != nil {
				return err
			}
			onConflict := `DO NOTHING`
			if set.Replace {
				onConflict = `(sensor_id, measure_id, timestamp) DO UPDATE SET value = EXCLUDED.value`
			}
			table := sensorReadingTable(sm.datatype)
			months := func() ([]time.Time, error) {
				var ms monthSet
				for _, t := range set.Timestamps {
					ms.add(t)
				}
				return ms.list(), nil
			}
			err = writeEnsuringPartitions(ctx, tx, table, months, func(tx pgx.Tx) error {
				// Sorted by time: concurrent writers lock rows in the same order and cannot deadlock.
				_, err := tx.Exec(ctx, `INSERT INTO `+table+` (sensor_id, measure_id, timestamp, value)
					SELECT $1, $2, t, v FROM unnest($3::timestamptz[], $4::`+sqlArrayType(sm.datatype)+`) AS u(t, v)
					ORDER BY t ON CONFLICT `+onConflict, sm.sensorID, sm.measureID, set.Timestamps, column)
				return err
			})
			if err != nil {
				return fmt.Errorf("write readings of %q %q: %w", set.UniqueID, set.MeasureName, err)
			}
		}
		return nil
	})
}

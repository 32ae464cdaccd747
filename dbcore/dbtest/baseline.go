package dbtest

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RawTable is a bare table equivalent to a readings table (same columns and key), the baseline that
// benchmarks compare the API against.
const RawTable = "bench_raw_reading"

// CreateRawTable creates RawTable on the database at url.
func CreateRawTable(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE `+RawTable+` (sensor_id integer NOT NULL, measure_id integer NOT NULL,
		timestamp timestamptz NOT NULL, value double precision NOT NULL, PRIMARY KEY (sensor_id, measure_id, timestamp))`)
	return err
}

// RawCopy loads rows into RawTable with COPY, batch rows per statement as the API receives them,
// and returns the time taken.
func RawCopy(ctx context.Context, url string, ts []time.Time, values []float64, batch int) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	start := time.Now()
	for lo := 0; lo < len(ts); lo += batch {
		hi := min(lo+batch, len(ts))
		n, err := conn.CopyFrom(ctx, pgx.Identifier{RawTable}, []string{"sensor_id", "measure_id", "timestamp", "value"},
			pgx.CopyFromSlice(hi-lo, func(i int) ([]any, error) {
				return []any{int32(1), int32(1), ts[lo+i], values[lo+i]}, nil
			}))
		if err != nil {
			return 0, err
		}
		if int(n) != hi-lo {
			return 0, fmt.Errorf("copied %d rows, want %d", n, hi-lo)
		}
	}
	return time.Since(start), nil
}

// RawSelect reads RawTable's rows between from and to in timestamp order, scanning each row, and
// returns the row count and the time taken.
func RawSelect(ctx context.Context, url string, from, to time.Time) (int, time.Duration, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	// Warm the statement cache as the pool of a running server would be.
	if _, err := conn.Exec(ctx, `SELECT 1`); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	rows, err := conn.Query(ctx, `SELECT timestamp, value FROM `+RawTable+`
		WHERE sensor_id = 1 AND measure_id = 1 AND timestamp BETWEEN $1 AND $2 ORDER BY timestamp`, from, to)
	if err != nil {
		return 0, 0, err
	}
	n := 0
	var t time.Time
	var v float64
	for rows.Next() {
		if err := rows.Scan(&t, &v); err != nil {
			return 0, 0, err
		}
		n++
	}
	return n, time.Since(start), rows.Err()
}

package dbcore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Keyset paging: each page continues after the last row of the previous one (a timestamp or an id),
// so a page costs one index range scan however deep it is, and rows written meanwhile neither shift
// nor repeat the pages.

// StreamReadingsPage is StreamReadings for one page: at most limit readings, after the timestamp
// after when it is not nil (otherwise from q.From), up to q.To inclusive.
func (db *DB) StreamReadingsPage(ctx context.Context, q ReadingsQuery, after *time.Time, limit int, start func() error, fn func(time.Time, Value) error) error {
	sm, found, err := db.resolveForRead(ctx, q)
	if err != nil {
		return err
	}
	if !found {
		return start()
	}
	if q.From.After(q.To) {
		return start()
	}
	lower, from := ">=", q.From
	if after != nil && !after.Before(q.From) {
		lower, from = ">", *after
	}
	rows, err := db.pool.Query(ctx, `SELECT timestamp, value FROM `+sensorReadingTable(sm.datatype)+`
		WHERE sensor_id = $1 AND measure_id = $2 AND timestamp `+lower+` $3 AND timestamp <= $4
		ORDER BY timestamp LIMIT $5`, sm.sensorID, sm.measureID, from, q.To, limit)
	if err != nil {
		return translate(fmt.Errorf("read readings: %w", err))
	}
	return streamValues(rows, sm.datatype, start, fn)
}

// ListModelRunsPage is ListModelRuns for one page: at most limit runs with an id greater than
// afterID.
func (db *DB) ListModelRunsPage(ctx context.Context, modelName string, from, to time.Time, scenario *string, afterID int64, limit int) ([]ModelRun, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+modelRunColumns+` `+modelRunJoins+`
		WHERE m.name = $1 AND r.time_created BETWEEN $2 AND $3 AND ($4::text IS NULL OR sc.description = $4)
			AND r.id > $5::int8
		ORDER BY r.id LIMIT $6`, modelName, from, to, scenario, afterID, limit)
	runs, err := pgx.CollectRows(rows, scanModelRun)
	if err != nil {
		return nil, translate(fmt.Errorf("list model runs of %q: %w", modelName, err))
	}
	return runs, nil
}

// ListRunsPage is ListRuns for one page: at most limit runs recorded after the run afterID (0: from
// the first). ids holds each run's id, the position to continue from.
func (db *DB) ListRunsPage(ctx context.Context, serviceName, setName *string, afterID int64, limit int) (runs []ServiceRun, ids []int64, err error) {
	rows, _ := db.pool.Query(ctx, `SELECT l.id, s.name, p.name, l.parameters::text, l.response_json::text,
			l.response_status_code, l.timestamp, l.duration_ms, l.error
		FROM service_run_log l JOIN service s ON s.id = l.service_id
		LEFT JOIN service_parameter_set p ON p.id = l.parameter_set_id
		WHERE ($1::text IS NULL OR s.name = $1) AND ($2::text IS NULL OR p.name = $2) AND l.id > $3::int8
		ORDER BY l.id LIMIT $4`, serviceName, setName, afterID, limit)
	defer rows.Close()
	for rows.Next() {
		var r ServiceRun
		var id int64
		var params string
		var response *string
		if err := rows.Scan(&id, &r.ServiceName, &r.ParameterSetName, &params, &response, &r.ResponseStatusCode, &r.Timestamp, &r.DurationMS, &r.Error); err != nil {
			return nil, nil, fmt.Errorf("scan run: %w", err)
		}
		r.Parameters = json.RawMessage(params)
		r.ResponseJSON = json.RawMessage("null")
		if response != nil {
			r.ResponseJSON = json.RawMessage(*response)
		}
		runs, ids = append(runs, r), append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, translate(fmt.Errorf("list runs: %w", err))
	}
	return runs, ids, nil
}

package dbcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Service is an external service that DTBase can call.
type Service struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	HTTPMethod string `json:"http_method"`
}

// ParameterSet is a named JSON object of parameters for a service.
type ParameterSet struct {
	ServiceName string          `json:"service_name"`
	Name        string          `json:"name"`
	Parameters  json.RawMessage `json:"parameters"`
}

// ServiceRun is one recorded call of a service, keys in the original's order; the last two are
// additive.
type ServiceRun struct {
	ServiceName        string          `json:"service_name"`
	ParameterSetName   *string         `json:"parameter_set_name"`
	Parameters         json.RawMessage `json:"parameters"`
	ResponseJSON       json.RawMessage `json:"response_json"`
	ResponseStatusCode int             `json:"response_status_code"`
	Timestamp          time.Time       `json:"-"`
	DurationMS         *float64        `json:"duration_ms"`
	Error              *string         `json:"error"`
}

// InsertService creates a service. KindConflict: the name is taken.
func (db *DB) InsertService(ctx context.Context, s Service) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO service (name, url, http_method) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, s.Name, s.URL, s.HTTPMethod)
	if err != nil {
		return translate(fmt.Errorf("insert service %q: %w", s.Name, err))
	}
	if tag.RowsAffected() == 0 {
		return Conflictf("Service already exists.")
	}
	return nil
}

// ListServices returns every service in creation order.
func (db *DB) ListServices(ctx context.Context) ([]Service, error) {
	rows, _ := db.pool.Query(ctx, `SELECT name, url, http_method::text FROM service ORDER BY id`)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Service])
	if err != nil {
		return nil, translate(fmt.Errorf("list services: %w", err))
	}
	return out, nil
}

// GetService returns one service. KindInvalid when there is none.
func (db *DB) GetService(ctx context.Context, name string) (Service, error) {
	rows, _ := db.pool.Query(ctx, `SELECT name, url, http_method::text FROM service WHERE name = $1`, name)
	s, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Service])
	if errors.Is(err, pgx.ErrNoRows) {
		return s, Invalidf("Service does not exist.")
	}
	return s, translate(err)
}

// DeleteService deletes a service with its parameter sets and run history. KindInvalid: unknown.
func (db *DB) DeleteService(ctx context.Context, name string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM service WHERE name = $1`, name)
	if err != nil {
		return translate(fmt.Errorf("delete service %q: %w", name, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("Service does not exist.")
	}
	return nil
}

// InsertParameterSet creates a parameter set. KindInvalid: unknown service; KindConflict: the
// service has a set of that name.
func (db *DB) InsertParameterSet(ctx context.Context, p ParameterSet) error {
	var serviceID int32
	err := db.pool.QueryRow(ctx, `SELECT id FROM service WHERE name = $1`, p.ServiceName).Scan(&serviceID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Invalidf("Service does not exist.")
	}
	if err != nil {
		return translate(fmt.Errorf("find service %q: %w", p.ServiceName, err))
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO service_parameter_set (name, service_id, parameters) VALUES ($1, $2, $3::text::json)
		ON CONFLICT (service_id, name) DO NOTHING`, p.Name, serviceID, string(p.Parameters))
	if err != nil {
		return translate(fmt.Errorf("insert parameter set %q: %w", p.Name, err))
	}
	if tag.RowsAffected() == 0 {
		return Conflictf("Parameter set already exists.")
	}
	return nil
}

// DeleteParameterSet deletes a set; its runs stay, without a set. KindInvalid: unknown set or service.
func (db *DB) DeleteParameterSet(ctx context.Context, serviceName, name string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM service_parameter_set p USING service s
		WHERE s.id = p.service_id AND s.name = $1 AND p.name = $2`, serviceName, name)
	if err != nil {
		return translate(fmt.Errorf("delete parameter set %q: %w", name, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("Parameter set does not exist.")
	}
	return nil
}

// EditParameterSet replaces a set's parameters. KindInvalid: unknown set or service.
func (db *DB) EditParameterSet(ctx context.Context, p ParameterSet) error {
	tag, err := db.pool.Exec(ctx, `UPDATE service_parameter_set p SET parameters = $3::text::json, time_updated = now()
		FROM service s WHERE s.id = p.service_id AND s.name = $1 AND p.name = $2`, p.ServiceName, p.Name, string(p.Parameters))
	if err != nil {
		return translate(fmt.Errorf("edit parameter set %q: %w", p.Name, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("Parameter set does not exist.")
	}
	return nil
}

// ListParameterSets returns the parameter sets, of one service when serviceName is not nil.
func (db *DB) ListParameterSets(ctx context.Context, serviceName *string) ([]ParameterSet, error) {
	rows, _ := db.pool.Query(ctx, `SELECT s.name, p.name, p.parameters::text FROM service_parameter_set p
		JOIN service s ON s.id = p.service_id WHERE $1::text IS NULL OR s.name = $1 ORDER BY p.id`, serviceName)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ParameterSet, error) {
		var p ParameterSet
		var params string
		err := row.Scan(&p.ServiceName, &p.Name, &params)
		p.Parameters = json.RawMessage(params)
		return p, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list parameter sets: %w", err))
	}
	return out, nil
}

// GetParameterSet returns one set. KindInvalid when the service or the set is unknown.
func (db *DB) GetParameterSet(ctx context.Context, serviceName, name string) (ParameterSet, error) {
	p := ParameterSet{ServiceName: serviceName, Name: name}
	var params string
	err := db.pool.QueryRow(ctx, `SELECT p.parameters::text FROM service_parameter_set p JOIN service s ON s.id = p.service_id
		WHERE s.name = $1 AND p.name = $2`, serviceName, name).Scan(&params)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, Invalidf("Parameter set does not exist.")
	}
	p.Parameters = json.RawMessage(params)
	return p, translate(err)
}

// RecordRun stores one service call. Parameters and ResponseJSON are raw JSON (nil ResponseJSON is
// SQL NULL; Parameters nil is the JSON value null, as the original stores it).
func (db *DB) RecordRun(ctx context.Context, r ServiceRun) error {
	params := "null"
	if r.Parameters != nil {
		params = string(r.Parameters)
	}
	var response *string
	if r.ResponseJSON != nil {
		s := string(r.ResponseJSON)
		response = &s
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO service_run_log
			(service_id, parameters, parameter_set_id, response_status_code, response_json, timestamp, duration_ms, error)
		SELECT s.id, $2::text::json, p.id, $4, $5::text::json, $6, $7, $8
		FROM service s LEFT JOIN service_parameter_set p ON p.service_id = s.id AND p.name = $3
		WHERE s.name = $1`,
		r.ServiceName, params, r.ParameterSetName, r.ResponseStatusCode, response, r.Timestamp, r.DurationMS, r.Error)
	if err != nil {
		return translate(fmt.Errorf("record run of %q: %w", r.ServiceName, err))
	}
	return nil
}

// ListRuns returns recorded runs, optionally of one service and one of its parameter sets, by id.
func (db *DB) ListRuns(ctx context.Context, serviceName, setName *string) ([]ServiceRun, error) {
	rows, _ := db.pool.Query(ctx, `SELECT s.name, p.name, l.parameters::text, l.response_json::text,
			l.response_status_code, l.timestamp, l.duration_ms, l.error
		FROM service_run_log l JOIN service s ON s.id = l.service_id
		LEFT JOIN service_parameter_set p ON p.id = l.parameter_set_id
		WHERE ($1::text IS NULL OR s.name = $1) AND ($2::text IS NULL OR p.name = $2)
		ORDER BY l.id`, serviceName, setName)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ServiceRun, error) {
		var r ServiceRun
		var params string
		var response *string
		err := row.Scan(&r.ServiceName, &r.ParameterSetName, &params, &response, &r.ResponseStatusCode, &r.Timestamp, &r.DurationMS, &r.Error)
		r.Parameters = json.RawMessage(params)
		r.ResponseJSON = json.RawMessage("null")
		if response != nil {
			r.ResponseJSON = json.RawMessage(*response)
		}
		return r, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list runs: %w", err))
	}
	return out, nil
}

// DeleteServiceRuns deletes a service's run history. DeleteService does this by cascade; it is
// here for the RunStore interface, which other stores implement.
func (db *DB) DeleteServiceRuns(ctx context.Context, serviceName string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM service_run_log l USING service s WHERE s.id = l.service_id AND s.name = $1`, serviceName)
	if err != nil {
		return translate(fmt.Errorf("delete runs of %q: %w", serviceName, err))
	}
	return nil
}

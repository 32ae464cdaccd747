package dbcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Schedule runs a service on a cron expression with a parameter set or inline parameters.
type Schedule struct {
	ServiceName      string
	Name             string
	ParameterSetName *string
	Parameters       json.RawMessage // nil: none
	Cron             string
	Enabled          bool
	NextDue          *time.Time
	LastRun          *time.Time
	LastStatus       *int
	LastError        *string
}

// DueSchedule is a schedule claimed for one due time, with what its run needs.
type DueSchedule struct {
	ID               int32
	Name             string
	Service          Service
	ParameterSetName *string
	Parameters       json.RawMessage // the effective parameters; nil: none
	DueAt            time.Time
}

// scheduleRefs resolves a schedule's service and parameter set names to ids.
func scheduleRefs(ctx context.Context, q querier, serviceName string, setName *string) (serviceID int32, setID *int32, err error) {
	err = q.QueryRow(ctx, `SELECT id FROM service WHERE name = $1`, serviceName).Scan(&serviceID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, Invalidf("Service does not exist.")
	}
	if err != nil {
		return 0, nil, fmt.Errorf("find service %q: %w", serviceName, err)
	}
	if setName != nil {
		var id int32
		err = q.QueryRow(ctx, `SELECT id FROM service_parameter_set WHERE service_id = $1 AND name = $2`, serviceID, *setName).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, nil, Invalidf("Parameter set does not exist.")
		}
		if err != nil {
			return 0, nil, fmt.Errorf("find parameter set %q: %w", *setName, err)
		}
		setID = &id
	}
	return serviceID, setID, nil
}

func jsonText(raw json.RawMessage) *string {
	if raw == nil {
		return nil
	}
	s := string(raw)
	return &s
}

// InsertSchedule creates a schedule. KindInvalid: unknown service or parameter set; KindConflict:
// the service has a schedule of that name.
func (db *DB) InsertSchedule(ctx context.Context, s Schedule) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		serviceID, setID, err := scheduleRefs(ctx, tx, s.ServiceName, s.ParameterSetName)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO service_schedule (service_id, name, parameter_set_id, parameters, cron, enabled, next_due)
			VALUES ($1, $2, $3, $4::text::json, $5, $6, $7) ON CONFLICT (service_id, name) DO NOTHING`,
			serviceID, s.Name, setID, jsonText(s.Parameters), s.Cron, s.Enabled, s.NextDue)
		if err != nil {
			return fmt.Errorf("insert schedule %q: %w", s.Name, err)
		}
		if tag.RowsAffected() == 0 {
			return Conflictf("Schedule already exists.")
		}
		return nil
	})
}

// GetSchedule returns one schedule. KindInvalid when the service or schedule is unknown.
func (db *DB) GetSchedule(ctx context.Context, serviceName, name string) (Schedule, error) {
	list, err := db.listSchedules(ctx, &serviceName, &name)
	if err != nil {
		return Schedule{}, err
	}
	if len(list) == 0 {
		return Schedule{}, Invalidf("Schedule does not exist.")
	}
	return list[0], nil
}

// ListSchedules returns the schedules, of one service when serviceName is not nil, by id.
func (db *DB) ListSchedules(ctx context.Context, serviceName *string) ([]Schedule, error) {
	return db.listSchedules(ctx, serviceName, nil)
}

func (db *DB) listSchedules(ctx context.Context, serviceName, name *string) ([]Schedule, error) {
	rows, _ := db.pool.Query(ctx, `SELECT s.name, sc.name, p.name, sc.parameters::text, sc.cron, sc.enabled,
			sc.next_due, sc.last_run, sc.last_status, sc.last_error
		FROM service_schedule sc JOIN service s ON s.id = sc.service_id
		LEFT JOIN service_parameter_set p ON p.id = sc.parameter_set_id
		WHERE ($1::text IS NULL OR s.name = $1) AND ($2::text IS NULL OR sc.name = $2)
		ORDER BY sc.id`, serviceName, name)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Schedule, error) {
		var s Schedule
		var params *string
		err := row.Scan(&s.ServiceName, &s.Name, &s.ParameterSetName, &params, &s.Cron, &s.Enabled,
			&s.NextDue, &s.LastRun, &s.LastStatus, &s.LastError)
		if params != nil {
			s.Parameters = json.RawMessage(*params)
		}
		return s, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list schedules: %w", err))
	}
	return out, nil
}

// EditSchedule replaces a schedule's settings (found by service and name). KindInvalid: unknown
// service, schedule or parameter set.
func (db *DB) EditSchedule(ctx context.Context, s Schedule) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		serviceID, setID, err := scheduleRefs(ctx, tx, s.ServiceName, s.ParameterSetName)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE service_schedule SET parameter_set_id = $3, parameters = $4::text::json,
				cron = $5, enabled = $6, next_due = $7, time_updated = now()
			WHERE service_id = $1 AND name = $2`,
			serviceID, s.Name, setID, jsonText(s.Parameters), s.Cron, s.Enabled, s.NextDue)
		if err != nil {
			return fmt.Errorf("edit schedule %q: %w", s.Name, err)
		}
		if tag.RowsAffected() == 0 {
			return Invalidf("Schedule does not exist.")
		}
		return nil
	})
}

// DeleteSchedule deletes a schedule. KindInvalid: unknown service or schedule.
func (db *DB) DeleteSchedule(ctx context.Context, serviceName, name string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM service_schedule sc USING service s
		WHERE s.id = sc.service_id AND s.name = $1 AND sc.name = $2`, serviceName, name)
	if err != nil {
		return translate(fmt.Errorf("delete schedule %q: %w", name, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("Schedule does not exist.")
	}
	return nil
}

// ClaimDueSchedules claims every enabled schedule due at or before now, in one transaction: rows
// another scheduler holds are skipped (FOR UPDATE SKIP LOCKED), and each claimed row's next_due moves
// to next(cron, now), so one due time is claimed once, and a schedule missed during downtime runs
// once, not once per missed slot. A schedule whose expression no longer parses is disabled.
func (db *DB) ClaimDueSchedules(ctx context.Context, now time.Time, next func(cron string, after time.Time) (time.Time, error)) ([]DueSchedule, error) {
	var due []DueSchedule
	err := db.transact(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT sc.id, sc.name, sc.cron, sc.next_due, s.name, s.url, s.http_method::text, p.name,
				coalesce(sc.parameters::text, p.parameters::text)
			FROM service_schedule sc JOIN service s ON s.id = sc.service_id
			LEFT JOIN service_parameter_set p ON p.id = sc.parameter_set_id
			WHERE sc.enabled AND sc.next_due <= $1
			ORDER BY sc.next_due, sc.id
			FOR UPDATE OF sc SKIP LOCKED`, now)
		type claimed struct {
			DueSchedule
			cron string
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (claimed, error) {
			var c claimed
			var params *string
			err := row.Scan(&c.ID, &c.Name, &c.cron, &c.DueAt, &c.Service.Name, &c.Service.URL, &c.Service.HTTPMethod,
				&c.ParameterSetName, &params)
			if params != nil {
				c.Parameters = json.RawMessage(*params)
			}
			return c, err
		})
		if err != nil {
			return fmt.Errorf("claim due schedules: %w", err)
		}
		for _, c := range list {
			n, err := next(c.cron, now)
			if err != nil {
				msg := "invalid cron expression: " + err.Error()
				if _, err := tx.Exec(ctx, `UPDATE service_schedule SET enabled = false, last_error = $2 WHERE id = $1`, c.ID, msg); err != nil {
					return fmt.Errorf("disable schedule: %w", err)
				}
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE service_schedule SET next_due = $2, last_run = $3 WHERE id = $1`, c.ID, n, now); err != nil {
				return fmt.Errorf("advance schedule: %w", err)
			}
			due = append(due, c.DueSchedule)
		}
		return nil
	})
	return due, err
}

// FinishScheduledRun records the outcome of a claimed schedule's run.
func (db *DB) FinishScheduledRun(ctx context.Context, id int32, status int, errText *string) error {
	if _, err := db.pool.Exec(ctx, `UPDATE service_schedule SET last_status = $2, last_error = $3 WHERE id = $1`, id, status, errText); err != nil {
		return translate(fmt.Errorf("record schedule outcome: %w", err))
	}
	return nil
}

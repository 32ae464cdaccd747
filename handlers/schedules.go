package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/dtbase-go/dtbase/dbcore"
)

// cronParser reads the six-field NCRONTAB expressions of Azure timer triggers:
// {second} {minute} {hour} {day} {month} {day-of-week}, in UTC.
var cronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// nextDue returns the first time after after that expr matches.
func nextDue(expr string, after time.Time) (time.Time, error) {
	sched, err := cronParser.Parse(expr)
	if err != nil {
		return time.Time{}, err
	}
	next := sched.Next(after.UTC())
	if next.IsZero() {
		return time.Time{}, fmt.Errorf("%q never matches", expr)
	}
	return next, nil
}

// scheduleJSON is a schedule on the wire.
type scheduleJSON struct {
	ServiceName      string          `json:"service_name"`
	Name             string          `json:"name"`
	ParameterSetName *string         `json:"parameter_set_name"`
	Parameters       json.RawMessage `json:"parameters"`
	Cron             string          `json:"cron"`
	Enabled          bool            `json:"enabled"`
	NextDue          *jsonTime       `json:"next_due"`
	LastRun          *jsonTime       `json:"last_run"`
	LastStatus       *int            `json:"last_status"`
	LastError        *string         `json:"last_error"`
}

func optTime(t *time.Time) *jsonTime {
	if t == nil {
		return nil
	}
	j := jsonTime(*t)
	return &j
}

// scheduleSettings reads the settings shared by insert-schedule and edit-schedule into sc; with
// partial set, absent keys keep sc's values.
func (s *Server) scheduleSettings(body *object, sc *dbcore.Schedule, partial bool) error {
	has := func(key string) bool { _, ok := body.field(key, false); return ok }
	if !partial || has("cron") {
		sc.Cron = body.str("cron")
	}
	if !partial || has("enabled") {
		sc.Enabled = body.boolean("enabled", true)
	}
	setGiven, paramsGiven := has("parameter_set_name"), has("parameters")
	if setGiven || paramsGiven || !partial {
		sc.ParameterSetName, sc.Parameters = body.optStr("parameter_set_name"), nil
		if v, ok := body.field("parameters", false); ok && v != nil {
			switch v.(type) {
			case map[string]any, []any:
				raw, err := jsonText(body, "parameters", v)
				if err != nil {
					return err
				}
				sc.Parameters = raw
			default:
				body.fail(body.at("parameters"), "dict_type", "Input should be a valid dictionary or list", v)
			}
		}
	}
	if err := body.err(); err != nil {
		return err
	}
	if sc.ParameterSetName != nil && sc.Parameters != nil {
		return badRequest("Give parameter_set_name or parameters, not both")
	}
	next, err := nextDue(sc.Cron, s.now())
	if err != nil {
		return badRequest("Invalid cron expression (six fields: second minute hour day month day-of-week, UTC): " + err.Error())
	}
	sc.NextDue = &next
	return nil
}

func (s *Server) insertSchedule(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	sc := dbcore.Schedule{ServiceName: body.str("service_name"), Name: body.str("name")}
	if err := s.scheduleSettings(body, &sc, false); err != nil {
		return err
	}
	if err := s.db.InsertSchedule(r.Context(), sc); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Schedule created successfully.")
	return nil
}

func (s *Server) editSchedule(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	service, name := body.str("service_name"), body.str("name")
	if err := body.err(); err != nil {
		return err
	}
	sc, err := s.db.GetSchedule(r.Context(), service, name)
	if err != nil {
		return err
	}
	if err := s.scheduleSettings(body, &sc, true); err != nil {
		return err
	}
	if err := s.db.EditSchedule(r.Context(), sc); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Schedule edited successfully.")
	return nil
}

func (s *Server) deleteSchedule(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	service, name := body.str("service_name"), body.str("name")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.DeleteSchedule(r.Context(), service, name); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Schedule deleted successfully.")
	return nil
}

func (s *Server) listSchedules(w http.ResponseWriter, r *http.Request) error {
	service, err := s.serviceFilter(r)
	if err != nil {
		return err
	}
	list, err := s.db.ListSchedules(r.Context(), service)
	if err != nil {
		return err
	}
	out := make([]scheduleJSON, len(list))
	for i, sc := range list {
		params := sc.Parameters
		if params == nil {
			params = json.RawMessage("null")
		}
		out[i] = scheduleJSON{sc.ServiceName, sc.Name, sc.ParameterSetName, params, sc.Cron, sc.Enabled,
			nil, optTime(sc.LastRun), sc.LastStatus, sc.LastError}
		if sc.Enabled {
			out[i].NextDue = optTime(sc.NextDue)
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxConcurrentScheduledRuns bounds how many services one scheduler tick calls at once.
const maxConcurrentScheduledRuns = 8

// RunDueSchedules runs every schedule due at now, once per due time, and returns one log line per
// run. Overlapping calls (two invocations, two instances) never run the same due time twice.
func (s *Server) RunDueSchedules(ctx context.Context, now time.Time) ([]string, error) {
	due, err := s.db.ClaimDueSchedules(ctx, now, nextDue)
	if err != nil {
		return nil, err
	}
	logs := make([]string, len(due))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxConcurrentScheduledRuns)
	for i, d := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			logs[i] = s.runScheduled(ctx, d)
		}()
	}
	wg.Wait()
	return logs, nil
}

func (s *Server) runScheduled(ctx context.Context, d dbcore.DueSchedule) string {
	run := s.callService(ctx, d.Service, d.Parameters)
	run.ParameterSetName = d.ParameterSetName
	label := d.Service.Name + "/" + d.Name + " due " + d.DueAt.UTC().Format(time.RFC3339)
	var problems []string
	if err := s.runs.RecordRun(context.WithoutCancel(ctx), run); err != nil {
		problems = append(problems, "recording the run failed: "+err.Error())
	}
	if err := s.db.FinishScheduledRun(context.WithoutCancel(ctx), d.ID, run.ResponseStatusCode, run.Error); err != nil {
		problems = append(problems, err.Error())
	}
	line := fmt.Sprintf("%s: status %d", label, run.ResponseStatusCode)
	if run.Error != nil {
		line = fmt.Sprintf("%s: failed: %s", label, *run.Error)
	}
	if len(problems) > 0 {
		line += " (" + strings.Join(problems, "; ") + ")"
	}
	return line
}

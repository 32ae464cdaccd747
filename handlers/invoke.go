package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// InvokeRequest is what the Functions host POSTs to /<FunctionName> for a non-HTTP trigger: Data
// keyed by the function's binding names, Metadata with trigger metadata (platform-notes 1a).
type InvokeRequest struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// InvokeResponse is the handler's answer: output bindings, log lines for the invocation, and the
// $return value. A non-2xx status tells the host the invocation failed.
type InvokeResponse struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// TimerInfo is a timer trigger's binding data. ScheduleStatus is null without schedule monitoring
// (no storage account, first run); IsPastDue is true when the host fired late.
type TimerInfo struct {
	Schedule struct {
		AdjustForDST bool `json:"AdjustForDST"`
	} `json:"Schedule"`
	ScheduleStatus *struct {
		Last        time.Time `json:"Last"`
		Next        time.Time `json:"Next"`
		LastUpdated time.Time `json:"LastUpdated"`
	} `json:"ScheduleStatus"`
	IsPastDue bool `json:"IsPastDue"`
}

// invocation is one non-HTTP function: it gets the decoded request and returns log lines.
type invocation func(ctx context.Context, req InvokeRequest) ([]string, error)

// invocations are the timer functions, by function name (the folder name under functions/).
func (s *Server) invocations() map[string]invocation {
	return map[string]invocation{
		"scheduler":       s.invokeScheduler,
		"arima":           s.invokeArima,
		"hodmd":           s.invokeHodmd,
		"ingress_weather": s.invokeIngressWeather,
	}
}

// InvocationNames lists the functions served through the invocation protocol.
func (s *Server) InvocationNames() []string {
	var names []string
	for name := range s.invocations() {
		names = append(names, name)
	}
	return names
}

// serveInvocation adapts an invocation to the host's protocol.
func (s *Server) serveInvocation(name string, inv invocation) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req InvokeRequest
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
		if err == nil && len(data) > 0 {
			err = json.Unmarshal(data, &req)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, InvokeResponse{Outputs: map[string]any{}, Logs: []string{"invalid invocation request: " + err.Error()}})
			return
		}
		logs, err := inv(r.Context(), req)
		if err != nil {
			s.log.ErrorContext(r.Context(), "invocation failed", "function", name, "err", err, "invocation_id", invocationID(r))
			writeJSON(w, http.StatusInternalServerError, InvokeResponse{Outputs: map[string]any{}, Logs: append(logs, name+" failed: "+err.Error())})
			return
		}
		if logs == nil {
			logs = []string{}
		}
		writeJSON(w, http.StatusOK, InvokeResponse{Outputs: map[string]any{}, Logs: logs})
	}
}

// invokeScheduler is the every-minute timer: it runs the schedules that are due.
func (s *Server) invokeScheduler(ctx context.Context, req InvokeRequest) ([]string, error) {
	var timer TimerInfo
	if raw, ok := req.Data["timer"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &timer); err != nil {
			return nil, errors.New("timer binding data is not a TimerInfo: " + err.Error())
		}
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	logs, err := s.RunDueSchedules(ctx, s.now())
	if err != nil {
		return nil, err
	}
	if timer.IsPastDue {
		logs = append([]string{"timer is past due; due schedules run once"}, logs...)
	}
	if len(logs) == 0 {
		logs = []string{"no schedule due"}
	}
	return logs, nil
}

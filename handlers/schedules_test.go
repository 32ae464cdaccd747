package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable clock for the server.
type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) set(t time.Time) { c.t.Store(&t) }
func (c *clock) now() time.Time  { return *c.t.Load() }

// countingService is a service that counts its calls and answers 200 {"ok":true}.
func countingService(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// timerPayload is the host's request for a timer trigger, as documented, with ScheduleStatus null
// (no schedule monitor) and IsPastDue as given.
func timerPayload(pastDue bool) string {
	p := map[string]any{
		"Data": map[string]any{"timer": map[string]any{
			"Schedule": map[string]any{"AdjustForDST": true}, "ScheduleStatus": nil, "IsPastDue": pastDue}},
		"Metadata": map[string]any{"sys": map[string]any{"MethodName": "scheduler", "UtcNow": "2024-05-01T12:01:05.004275Z", "RandGuid": "0f5b5a8e-8e0d-4c41-9f0e-4d0f1c3f6b9a"}},
	}
	data, _ := json.Marshal(p)
	return string(data)
}

type invokeResponse struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

func (a *api) invokeScheduler(pastDue bool) invokeResponse {
	a.t.Helper()
	res := a.do("POST", "/scheduler", timerPayload(pastDue), "", "X-Azure-Functions-InvocationId", "inv-1")
	if res.Status != 200 {
		a.t.Fatalf("scheduler invocation: %d %s", res.Status, res.Body)
	}
	var out invokeResponse
	res.decode(&out)
	if out.Outputs == nil || len(out.Logs) == 0 || out.ReturnValue != nil {
		a.t.Fatalf("invocation response %s: want Outputs {}, some Logs, ReturnValue null", res.Body)
	}
	return out
}

func TestScheduleRunsOncePerDueTime(t *testing.T) {
	a := newAPI(t)
	var c clock
	c.set(time.Date(2024, 5, 1, 12, 0, 30, 0, time.UTC))
	a.Srv.SetClock(c.now)
	svc, calls := countingService(t)
	a.post("/api/service/insert-service", map[string]any{"name": "tick", "url": svc.URL, "http_method": "POST"}).expect(201, "")
	a.post("/api/service/insert-schedule", map[string]any{"service_name": "tick", "name": "every minute",
		"cron": "0 * * * * *", "parameters": map[string]any{"n": 1}}).expect(201, "Schedule created successfully.")

	// Not due yet: nothing runs.
	a.invokeScheduler(false)
	if calls.Load() != 0 {
		t.Fatalf("ran before due: %d calls", calls.Load())
	}

	// Due at 12:01:00; several invocations race on the same minute.
	c.set(time.Date(2024, 5, 1, 12, 1, 5, 0, time.UTC))
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); a.invokeScheduler(false) }()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("racing invocations made %d calls for one due time, want 1", n)
	}

	// Down for six minutes: the missed slots run once, not six times.
	c.set(time.Date(2024, 5, 1, 12, 7, 10, 0, time.UTC))
	a.invokeScheduler(true)
	a.invokeScheduler(true)
	if n := calls.Load(); n != 2 {
		t.Fatalf("after downtime: %d calls in all, want 2", n)
	}

	var schedules []map[string]any
	a.post("/api/service/list-schedules", nil).expect(200, "").decode(&schedules)
	if len(schedules) != 1 {
		t.Fatalf("list-schedules = %v", schedules)
	}
	s := schedules[0]
	if s["next_due"] != "2024-05-01T12:08:00Z" || s["last_run"] != "2024-05-01T12:07:10Z" || s["last_status"] != 200.0 ||
		s["cron"] != "0 * * * * *" || s["enabled"] != true || s["last_error"] != nil {
		t.Errorf("schedule = %v", s)
	}
	var runs []map[string]any
	a.post("/api/service/list-runs", map[string]any{"service_name": "tick"}).expect(200, "").decode(&runs)
	if len(runs) != 2 {
		t.Fatalf("%d runs recorded, want 2", len(runs))
	}
	for _, r := range runs {
		if p, _ := r["parameters"].(map[string]any); p["n"] != 1.0 || r["response_status_code"] != 200.0 {
			t.Errorf("run = %v", r)
		}
	}
}

func TestScheduleDisabledAndFailing(t *testing.T) {
	a := newAPI(t)
	var c clock
	c.set(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	a.Srv.SetClock(c.now)
	svc, calls := countingService(t)
	a.post("/api/service/insert-service", map[string]any{"name": "s", "url": svc.URL, "http_method": "GET"}).expect(201, "")
	a.post("/api/service/insert-parameter-set", map[string]any{"service_name": "s", "name": "p", "parameters": map[string]any{"k": "v"}}).expect(201, "")
	a.post("/api/service/insert-schedule", map[string]any{"service_name": "s", "name": "hourly", "cron": "0 0 * * * *", "parameter_set_name": "p"}).expect(201, "")
	a.post("/api/service/edit-schedule", map[string]any{"service_name": "s", "name": "hourly", "enabled": false}).expect(200, "Schedule edited successfully.")

	c.set(time.Date(2024, 5, 1, 3, 0, 1, 0, time.UTC))
	a.invokeScheduler(false)
	if calls.Load() != 0 {
		t.Fatal("a disabled schedule ran")
	}
	var schedules []map[string]any
	a.post("/api/service/list-schedules", map[string]any{"service_name": "s"}).expect(200, "").decode(&schedules)
	if len(schedules) != 1 || schedules[0]["next_due"] != nil || schedules[0]["parameter_set_name"] != "p" {
		t.Fatalf("disabled schedule = %v", schedules)
	}

	// Re-enabled, it is due at the next full hour and runs with the set's parameters.
	a.post("/api/service/edit-schedule", map[string]any{"service_name": "s", "name": "hourly", "enabled": true}).expect(200, "")
	c.set(time.Date(2024, 5, 1, 4, 0, 0, 0, time.UTC))
	a.invokeScheduler(false)
	if calls.Load() != 1 {
		t.Fatalf("%d calls, want 1", calls.Load())
	}

	// A service that cannot be reached: the run is recorded with its error, the schedule shows it.
	svc.Close()
	c.set(time.Date(2024, 5, 1, 5, 0, 0, 0, time.UTC))
	out := a.invokeScheduler(false)
	a.post("/api/service/list-schedules", nil).expect(200, "").decode(&schedules)
	if schedules[0]["last_status"] != 0.0 || schedules[0]["last_error"] == nil {
		t.Fatalf("failed run not shown: %v (logs %v)", schedules[0], out.Logs)
	}
	var runs []map[string]any
	a.post("/api/service/list-runs", map[string]any{"service_name": "s", "parameter_set_name": "p"}).expect(200, "").decode(&runs)
	if len(runs) != 2 || runs[1]["error"] == nil {
		t.Fatalf("runs = %v", runs)
	}
}

func TestScheduleEndpoints(t *testing.T) {
	a := newAPI(t)
	a.post("/api/service/insert-service", map[string]any{"name": "s", "url": "http://127.0.0.1:9/x", "http_method": "POST"}).expect(201, "")
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		detail string
	}{
		{"unknown service", map[string]any{"service_name": "nope", "name": "n", "cron": "0 * * * * *"}, 400, "Service does not exist."},
		{"unknown set", map[string]any{"service_name": "s", "name": "n", "cron": "0 * * * * *", "parameter_set_name": "nope"}, 400, "Parameter set does not exist."},
		{"five fields", map[string]any{"service_name": "s", "name": "n", "cron": "* * * * *"}, 400, ""},
		{"nonsense", map[string]any{"service_name": "s", "name": "n", "cron": "every day"}, 400, ""},
		{"both set and parameters", map[string]any{"service_name": "s", "name": "n", "cron": "0 * * * * *", "parameter_set_name": "p", "parameters": map[string]any{}}, 400, "Give parameter_set_name or parameters, not both"},
		{"parameters a string", map[string]any{"service_name": "s", "name": "n", "cron": "0 * * * * *", "parameters": "x"}, 422, ""},
		{"missing cron", map[string]any{"service_name": "s", "name": "n"}, 422, ""},
		{"ok", map[string]any{"service_name": "s", "name": "n", "cron": "0 30 9 * * 1-5", "parameters": []any{1, 2}}, 201, "Schedule created successfully."},
		{"duplicate", map[string]any{"service_name": "s", "name": "n", "cron": "0 * * * * *"}, 409, "Schedule already exists."},
	} {
		t.Run(tc.name, func(t *testing.T) { a.post("/api/service/insert-schedule", tc.body).expect(tc.status, tc.detail) })
	}
	a.post("/api/service/edit-schedule", map[string]any{"service_name": "s", "name": "nope", "cron": "0 * * * * *"}).expect(400, "Schedule does not exist.")
	a.post("/api/service/edit-schedule", map[string]any{"service_name": "s", "name": "n", "cron": "bad"}).expect(400, "")
	a.post("/api/service/delete-schedule", map[string]any{"service_name": "s", "name": "n"}).expect(200, "Schedule deleted successfully.")
	a.post("/api/service/delete-schedule", map[string]any{"service_name": "s", "name": "n"}).expect(400, "Schedule does not exist.")
	a.do("POST", "/api/service/list-schedules", nil, "").expect(401, "Not authenticated")
}

func TestInvocationProtocol(t *testing.T) {
	a := newAPI(t)
	out := a.invokeScheduler(true)
	if out.Logs[0] != "timer is past due; due schedules run once" {
		t.Errorf("logs = %v", out.Logs)
	}
	// The host's other shapes: no body at all, and a timer with ScheduleStatus filled in.
	a.do("POST", "/scheduler", nil, "").expect(200, "")
	a.do("POST", "/scheduler", `{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2024-05-01T12:00:00Z","Next":"2024-05-01T12:01:00Z","LastUpdated":"2024-05-01T12:00:00Z"},"IsPastDue":false}},"Metadata":{}}`, "").expect(200, "")
	// A body that is not an invocation request is a real failure: non-2xx, with a log line.
	res := a.do("POST", "/scheduler", `{"Data":{"timer":"soon"}}`, "")
	if res.Status < 400 {
		t.Fatalf("malformed timer data: %d %s", res.Status, res.Body)
	}
	a.do("GET", "/scheduler", nil, "").expect(405, "")
}

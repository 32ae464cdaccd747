package handlers_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
)

func TestLoadTimerFunctions(t *testing.T) {
	fsys := fstest.MapFS{
		"sensor/function.json":    {Data: []byte(`{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","route":"sensor/{*path}"},{"type":"http","direction":"out","name":"res"}]}`)},
		"scheduler/function.json": {Data: []byte(`{"bindings":[{"type":"timerTrigger","direction":"in","name":"timer","schedule":"0 * * * * *"}]}`)},
		"weather/function.json":   {Data: []byte(`{"bindings":[{"type":"timerTrigger","direction":"in","name":"timer","schedule":"%WEATHER_SCHEDULE%"}]}`)},
	}
	env := map[string]string{"WEATHER_SCHEDULE": "0 5 * * * *"}
	fns, err := handlers.LoadTimerFunctions(fsys, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := []handlers.TimerFunction{{Name: "scheduler", Schedule: "0 * * * * *"}, {Name: "weather", Schedule: "0 5 * * * *"}}
	if len(fns) != 2 || fns[0] != want[0] || fns[1] != want[1] {
		t.Fatalf("timer functions = %+v, want %+v", fns, want)
	}
	delete(env, "WEATHER_SCHEDULE")
	fns, err = handlers.LoadTimerFunctions(fsys, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "weather needs WEATHER_SCHEDULE") || len(fns) != 1 || fns[0] != want[0] {
		t.Fatalf("missing app setting: %+v, err = %v; want the scheduler alone and the weather function named", fns, err)
	}
	env["WEATHER_SCHEDULE"] = "*/5 * * * *"
	if _, err := handlers.LoadTimerFunctions(fsys, func(k string) string { return env[k] }); err == nil {
		t.Fatal("a five-field schedule was accepted")
	}
}

// fakeClock lets a test decide when the timers' waits end.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan time.Duration
	fire  chan time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	f.waits <- d
	return f.fire
}

// TestRunTimersFiresThroughTheHostPath: outside the host, the scheduler timer fires on its cron
// schedule through the same route the host's invocation takes, and due schedules run.
func TestRunTimersFiresThroughTheHostPath(t *testing.T) {
	a := newAPI(t)
	clk := &fakeClock{now: time.Date(2024, 5, 1, 12, 0, 30, 0, time.UTC), waits: make(chan time.Duration), fire: make(chan time.Time)}
	a.Srv.SetClock(clk.Now)
	svc, calls := countingService(t)
	a.post("/api/service/insert-service", map[string]any{"name": "tick", "url": svc.URL, "http_method": "GET"}).expect(201, "")
	a.post("/api/service/insert-schedule", map[string]any{"service_name": "tick", "name": "m", "cron": "0 * * * * *"}).expect(201, "")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		a.Srv.RunTimers(ctx, []handlers.TimerFunction{{Name: "scheduler", Schedule: "0 * * * * *"}}, a.h, clk)
		close(done)
	}()
	if d := <-clk.waits; d != 30*time.Second {
		t.Fatalf("first wait %v, want 30s (until 12:01:00)", d)
	}
	clk.set(time.Date(2024, 5, 1, 12, 1, 0, 0, time.UTC))
	clk.fire <- clk.Now()
	if d := <-clk.waits; d != time.Minute { // fired, and waiting for 12:02:00
		t.Fatalf("second wait %v, want 1m", d)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("service called %d times, want 1", n)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunTimers did not return after cancel")
	}
}

package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
)

// TimerFunction is a timer-triggered function as its function.json declares it.
type TimerFunction struct {
	Name     string
	Schedule string // six-field NCRONTAB, app settings resolved
}

var appSetting = regexp.MustCompile(`%([^%]+)%`)

// LoadTimerFunctions reads <name>/function.json from fsys and returns the timer functions, with
// %AppSetting% references in their schedules resolved through getenv, as the host resolves them.
// A function whose setting is unset is left out and named in a *MissingSettingsError, returned
// with the others.
func LoadTimerFunctions(fsys fs.FS, getenv func(string) string) ([]TimerFunction, error) {
	files, err := fs.Glob(fsys, "*/function.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []TimerFunction
	var unset []string
	for _, file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		var fn struct {
			Bindings []struct {
				Type     string `json:"type"`
				Schedule string `json:"schedule"`
			} `json:"bindings"`
		}
		if err := json.Unmarshal(data, &fn); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, b := range fn.Bindings {
			if b.Type != "timerTrigger" {
				continue
			}
			var missing []string
			schedule := appSetting.ReplaceAllStringFunc(b.Schedule, func(m string) string {
				name := m[1 : len(m)-1]
				v := getenv(name)
				if v == "" {
					missing = append(missing, name)
				}
				return v
			})
			if len(missing) > 0 {
				// Like the Functions host, leave this function out and run the others.
				unset = append(unset, fmt.Sprintf("%s needs %s", path.Dir(file), strings.Join(missing, ", ")))
				continue
			}
			if _, err := cronParser.Parse(schedule); err != nil {
				return nil, fmt.Errorf("%s: schedule %q: %w", file, schedule, err)
			}
			out = append(out, TimerFunction{Name: path.Dir(file), Schedule: schedule})
		}
	}
	if len(unset) > 0 {
		return out, &MissingSettingsError{Functions: unset}
	}
	return out, nil
}

// MissingSettingsError lists timer functions left out because an app setting their schedule names
// is not set; LoadTimerFunctions returns it with the functions it could load.
type MissingSettingsError struct{ Functions []string }

func (e *MissingSettingsError) Error() string {
	return "timer functions left out, app settings not set: " + strings.Join(e.Functions, "; ")
}

// Clock is the time source of the standalone timers; tests replace it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time                         { return time.Now().UTC() }
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RunTimers fires each timer function on its schedule until ctx ends, by sending h the request the
// Functions host sends (POST /<name> with the timer payload), so a process outside the host (make
// run) behaves as under `func start`. It returns when ctx is done.
func (s *Server) RunTimers(ctx context.Context, fns []TimerFunction, h http.Handler, clock Clock) {
	done := make(chan struct{})
	for _, fn := range fns {
		go func() {
			defer func() { done <- struct{}{} }()
			sched, _ := cronParser.Parse(fn.Schedule) // checked by LoadTimerFunctions
			for {
				now := clock.Now()
				next := sched.Next(now)
				select {
				case <-ctx.Done():
					return
				case <-clock.After(next.Sub(now)):
				}
				s.fireTimer(ctx, fn.Name, h, clock.Now())
			}
		}()
	}
	for range fns {
		<-done
	}
}

func (s *Server) fireTimer(ctx context.Context, name string, h http.Handler, now time.Time) {
	payload, _ := json.Marshal(map[string]any{
		"Data": map[string]any{"timer": map[string]any{
			"Schedule": map[string]any{"AdjustForDST": true}, "ScheduleStatus": nil, "IsPastDue": false}},
		"Metadata": map[string]any{"sys": map[string]any{"MethodName": name, "UtcNow": now.Format(time.RFC3339Nano)}},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/"+name, bytes.NewReader(payload))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Azure-Functions-InvocationId", fmt.Sprintf("local-%s-%d", name, now.UnixNano()))
	rec := &bufferedResponse{header: http.Header{}}
	h.ServeHTTP(rec, req)
	var resp InvokeResponse
	_ = json.Unmarshal(rec.body.Bytes(), &resp)
	s.log.Info("timer fired", "function", name, "status", rec.status, "logs", resp.Logs)
}

// bufferedResponse collects a response in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers"
	"github.com/dtbase-go/dtbase/handlers/servicesdk"
	"github.com/dtbase-go/dtbase/handlers/servicesdk/internal/apitest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func client(t *testing.T, s *apitest.Server) *servicesdk.Client {
	t.Helper()
	c, err := servicesdk.New(servicesdk.WithBaseURL(s.BaseURL))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(context.Background(), apitest.Email, apitest.Password); err != nil {
		t.Fatal(err)
	}
	return c
}

type reading struct {
	Value     float64 `json:"value"`
	Timestamp string  `json:"timestamp"`
}

func readings(t *testing.T, c *servicesdk.Client, sensor string, from, to time.Time) []reading {
	t.Helper()
	var rs []reading
	_, err := c.Post(context.Background(), servicesdk.PathSensorReadings, map[string]string{
		"measure_name": measure, "unique_identifier": sensor,
		"dt_from": servicesdk.FormatTime(from), "dt_to": servicesdk.FormatTime(to),
	}, &rs)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// The ingress end to end with a fixed clock: exact readings, and a second run that succeeds.
func TestIngress(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	c := client(t, s)
	now := time.Date(2024, 3, 1, 12, 34, 56, 0, time.UTC)
	g := ingress{defaults: params{Count: 4}, interval: time.Hour, now: func() time.Time { return now }}
	ctx := context.Background()

	sum, err := servicesdk.Run(ctx, c, g, params{Sensor: "demo-1"})
	if err != nil || sum.Posted != 3 || sum.Conflicts != 0 {
		t.Fatalf("first run: %+v %v", sum, err)
	}
	sum, err = servicesdk.Run(ctx, c, g, params{Sensor: "demo-1"})
	if err != nil || sum.Posted != 1 || sum.Conflicts != 2 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	rs := readings(t, c, "demo-1", now.Add(-24*time.Hour), now)
	if len(rs) != 4 {
		t.Fatalf("%d readings, want 4: %+v", len(rs), rs)
	}
	for i, r := range rs {
		ts := time.Date(2024, 3, 1, 9+i, 0, 0, 0, time.UTC)
		if r.Timestamp != servicesdk.FormatTime(ts) || r.Value != temperature(ts) || r.Value < 285 || r.Value > 295 {
			t.Errorf("reading %d: %+v, want %v at %v", i, r, temperature(ts), ts)
		}
	}

	var types []servicesdk.SensorType
	if _, err := c.Get(ctx, "/sensor/list-sensor-types", &types); err != nil {
		t.Fatal(err)
	}
	if len(types) != 1 || types[0].Name != typeName || len(types[0].Measures) != 1 ||
		types[0].Measures[0] != (servicesdk.SensorMeasure{Name: measure, Units: units, Datatype: "float"}) {
		t.Fatalf("types %+v", types)
	}

	for _, p := range []params{{}, {Sensor: "x", Count: -1}, {Sensor: "x", Count: maxCount + 1}} {
		if _, err := g.Produce(ctx, p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

// The command line: -once twice against the API.
func TestRunOnce(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	t.Setenv(servicesdk.EnvBackendURL, s.BaseURL)
	t.Setenv(servicesdk.EnvUserEmail, apitest.Email)
	t.Setenv(servicesdk.EnvUserPass, apitest.Password)
	ctx := context.Background()
	var sums []servicesdk.Summary
	start := time.Now()
	for range 2 {
		var out, errs bytes.Buffer
		if err := run(ctx, []string{"-once", "-sensor", "demo-1", "-count", "5"}, &out, &errs); err != nil {
			t.Fatalf("run: %v\n%s", err, errs.String())
		}
		var sum servicesdk.Summary
		if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
			t.Fatalf("output %q: %v", out.String(), err)
		}
		sums = append(sums, sum)
	}
	if sums[0].Posted != 3 || sums[1].Posted != 1 || sums[1].Conflicts != 2 {
		t.Fatalf("summaries %+v", sums)
	}
	// Five readings a minute apart; a sixth when the runs straddled a minute boundary.
	rs := readings(t, client(t, s), "demo-1", start.Add(-10*time.Minute), time.Now())
	if len(rs) != 5 && len(rs) != 6 {
		t.Fatalf("%d readings: %+v", len(rs), rs)
	}

	var out, errs bytes.Buffer
	for _, args := range [][]string{{}, {"-once", "-listen", "127.0.0.1:0"}, {"-once", "-interval", "0s"}, {"-nope"}} {
		if err := run(ctx, args, &out, &errs); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
	t.Setenv(servicesdk.EnvUserPass, "")
	if err := run(ctx, []string{"-once", "-sensor", "x"}, &out, &errs); err == nil || !strings.Contains(err.Error(), "DT_USER_PASS") {
		t.Errorf("no password: %v", err)
	}
}

// The HTTP mode, called by the backend's run-service.
func TestServeForRunService(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	c := client(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := ingress{defaults: params{Count: 3}, interval: time.Minute, now: time.Now}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, servicesdk.Handler(c, g)) }()

	bg := context.Background()
	svc := map[string]string{"name": "example", "url": "http://" + ln.Addr().String() + "/", "http_method": "POST"}
	if _, err := c.Post(bg, "/service/insert-service", svc, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []params{{Sensor: "svc-1"}, {Sensor: "svc-1"}, {Sensor: "svc-1", Count: -5}} {
		if _, err := c.Post(bg, "/service/run-service", map[string]any{"service_name": "example", "parameters": p}, nil); err != nil {
			t.Fatal(err)
		}
	}
	var runs []struct {
		Status int `json:"response_status_code"`
		JSON   struct {
			Detail    string `json:"detail"`
			Posted    int    `json:"posted"`
			Conflicts int    `json:"conflicts"`
		} `json:"response_json"`
	}
	if _, err := c.Post(bg, "/service/list-runs", map[string]any{"service_name": "example"}, &runs); err != nil {
		t.Fatal(err)
	}
	got := map[[3]int]int{}
	for _, r := range runs {
		got[[3]int{r.Status, r.JSON.Posted, r.JSON.Conflicts}]++
	}
	if len(runs) != 3 || got[[3]int{200, 3, 0}] != 1 || got[[3]int{200, 1, 2}] != 1 || got[[3]int{400, 0, 0}] != 1 {
		t.Fatalf("runs %+v", runs)
	}
	if rs := readings(t, c, "svc-1", time.Now().Add(-time.Hour), time.Now()); len(rs) < 3 || len(rs) > 4 {
		t.Fatalf("%d readings", len(rs))
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

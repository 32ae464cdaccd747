package servicesdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
	"github.com/dtbase-go/dtbase/handlers/servicesdk"
	"github.com/dtbase-go/dtbase/handlers/servicesdk/internal/apitest"
)

func TestPostAll(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	ctx := context.Background()
	c := loggedIn(t, s.BaseURL)
	calls := ingressCalls("737GBNVUE82HF")

	sum, err := c.PostAll(ctx, calls)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Calls != 3 || sum.Posted != 3 || sum.Conflicts != 0 || len(sum.Results) != 3 || sum.Results[2] != (servicesdk.Result{Path: servicesdk.PathInsertSensorReadings, Status: 201}) {
		t.Fatalf("first run: %+v", sum)
	}

	// A second run: the sensor type and the sensor exist already (409, tolerated); the readings
	// that exist are skipped by the backend.
	sum, err = c.PostAll(ctx, calls)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	want := []servicesdk.Result{{Path: servicesdk.PathInsertSensorType, Status: 409}, {Path: servicesdk.PathInsertSensor, Status: 409}, {Path: servicesdk.PathInsertSensorReadings, Status: 201}}
	if sum.Posted != 1 || sum.Conflicts != 2 || len(sum.Results) != 3 || sum.Results[0] != want[0] || sum.Results[1] != want[1] || sum.Results[2] != want[2] {
		t.Fatalf("second run: %+v", sum)
	}
	rs := readingsOf(t, c, "737GBNVUE82HF", "Measure 1")
	if len(rs) != 3 || rs[0].Value != 5.0 || rs[1].Value != 1.6 || rs[2].Value != 34.245 || rs[1].Timestamp != "2021-01-01T00:00:01Z" {
		t.Fatalf("readings %+v", rs)
	}

	// A failure other than 409 stops the list and names the call.
	bad, err := servicesdk.ReadingsCall("737GBNVUE82HF", "no such measure", []time.Time{time.Now()}, []float64{1})
	if err != nil {
		t.Fatal(err)
	}
	never := servicesdk.Call{Path: servicesdk.PathInsertSensor, Payload: servicesdk.Sensor{TypeName: "random type", UniqueIdentifier: "never-posted"}}
	sum, err = c.PostAll(ctx, []servicesdk.Call{calls[0], bad, never})
	var ce *servicesdk.CallError
	if !errors.As(err, &ce) || ce.Index != 1 || ce.Total != 3 || ce.Path != servicesdk.PathInsertSensorReadings || !servicesdk.IsBadRequest(err) {
		t.Fatalf("bad call: %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "call 2 of 3 failed: POST /sensor/insert-sensor-readings: status 400 Bad Request: Measure 'no such measure' is not a measure") {
		t.Fatalf("message %q", msg)
	}
	if sum.Conflicts != 1 || sum.Posted != 0 || len(sum.Results) != 2 || sum.Results[1].Status != 400 {
		t.Fatalf("summary %+v", sum)
	}
	var sensors []struct {
		UniqueIdentifier string `json:"unique_identifier"`
	}
	if _, err := c.Post(ctx, "/sensor/list-sensors", map[string]any{}, &sensors); err != nil {
		t.Fatal(err)
	}
	if len(sensors) != 1 || sensors[0].UniqueIdentifier != "737GBNVUE82HF" {
		t.Fatalf("the call after the failure was made: %+v", sensors)
	}
}

func TestRun(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	ctx := context.Background()
	c := loggedIn(t, s.BaseURL)
	ingress := servicesdk.ProducerFunc[string](func(_ context.Context, sensor string) ([]servicesdk.Call, error) {
		if sensor == "" {
			return nil, errors.New("no sensor")
		}
		return ingressCalls(sensor), nil
	})
	if sum, err := servicesdk.Run(ctx, c, ingress, "run-1"); err != nil || sum.Posted != 3 {
		t.Fatalf("%+v %v", sum, err)
	}
	before := len(s.Paths())
	if _, err := servicesdk.Run(ctx, c, ingress, ""); err == nil || !strings.Contains(err.Error(), "produce service data: no sensor") {
		t.Fatalf("failing producer: %v", err)
	}
	if len(s.Paths()) != before {
		t.Fatal("something was posted after Produce failed")
	}
}

// ModelCalls posts a model's objects and run in the original's order; running it again gives only
// 409s.
func TestModelCalls(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	ctx := context.Background()
	c := loggedIn(t, s.BaseURL)
	t0 := time.Date(2024, 2, 12, 17, 0, 0, 0, time.UTC)
	ts := []time.Time{t0, t0.Add(time.Hour)}
	var values []servicesdk.ModelValues
	for i, name := range []string{"Mean Temperature", "Upper Bound Temperature"} {
		v, err := servicesdk.NewModelValues(name, ts, []float64{20 + float64(i), 21})
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, v)
	}
	calls := servicesdk.ModelCalls("Arima", "Business as usual",
		[]servicesdk.ModelMeasure{{Name: "Mean Temperature", Units: "Degrees C", Datatype: "float"}, {Name: "Upper Bound Temperature", Units: "Degrees C", Datatype: "float"}},
		[]servicesdk.ModelRun{{MeasuresAndValues: values, TimeCreated: servicesdk.FormatTime(t0)}})
	paths := make([]string, len(calls))
	for i, call := range calls {
		paths[i] = call.Path
	}
	if strings.Join(paths, " ") != "/model/insert-model /model/insert-model-scenario /model/insert-model-measure /model/insert-model-measure /model/insert-model-run" {
		t.Fatalf("paths %v", paths)
	}
	if sum, err := c.PostAll(ctx, calls); err != nil || sum.Posted != 5 {
		t.Fatalf("first run: %+v %v", sum, err)
	}
	if sum, err := c.PostAll(ctx, calls); err != nil || sum.Conflicts != 5 {
		t.Fatalf("second run: %+v %v", sum, err)
	}
	var runs []struct {
		ScenarioDescription string `json:"scenario_description"`
	}
	if _, err := c.Post(ctx, "/model/list-model-runs", map[string]any{"model_name": "Arima", "dt_from": "2024-01-01", "dt_to": "2025-01-01"}, &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ScenarioDescription != "Business as usual" {
		t.Fatalf("runs %+v", runs)
	}
}

func TestFloatEncoding(t *testing.T) {
	got, err := json.Marshal(servicesdk.Floats([]float64{290, -23.1, 0.1, 0, 1e-7, 1e21, 123456789, 2.5e20}))
	if err != nil {
		t.Fatal(err)
	}
	if want := `[290.0,-23.1,0.1,0.0,1e-07,1e+21,123456789.0,250000000000000000000.0]`; string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		if _, err := json.Marshal(servicesdk.Float(bad)); err == nil {
			t.Errorf("%v encoded", bad)
		}
	}
	call, err := servicesdk.ReadingsCall("s", "m", []time.Time{time.Date(2021, 1, 1, 0, 0, 0, 1500, time.FixedZone("", 3600))}, []float64{290})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = json.Marshal(call.Payload)
	if want := `{"measure_name":"m","unique_identifier":"s","readings":[290.0],"timestamps":["2020-12-31T23:00:00.000001Z"]}`; string(got) != want {
		t.Fatalf("readings payload %s, want %s", got, want)
	}
	if _, err := servicesdk.ReadingsCall("s", "m", []time.Time{time.Now()}, nil); err == nil {
		t.Fatal("length mismatch accepted")
	}
}

type handlerParams struct {
	Sensor  string `json:"sensor"`
	Measure string `json:"measure"`
	Crash   bool   `json:"crash"`
}

// testIngress posts a sensor type, a sensor and one reading of params.Measure ("Measure 1" by
// default).
func testIngress(_ context.Context, p handlerParams) ([]servicesdk.Call, error) {
	if p.Crash {
		return nil, errors.New("boom")
	}
	if p.Sensor == "" {
		return nil, servicesdk.InvalidParams(errors.New("no sensor"))
	}
	if p.Measure == "" {
		p.Measure = "Measure 1"
	}
	calls := ingressCalls(p.Sensor)
	readings, _ := servicesdk.ReadingsCall(p.Sensor, p.Measure, []time.Time{time.Date(2021, 1, 1, 5, 0, 0, 0, time.UTC)}, []float64{7})
	return append(calls[:2], readings), nil
}

type answer struct {
	Detail string `json:"detail"`
	servicesdk.Summary
}

func TestHandler(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	c := loggedIn(t, s.BaseURL)
	h := httptest.NewServer(servicesdk.Handler(c, servicesdk.ProducerFunc[handlerParams](testIngress)))
	t.Cleanup(h.Close)
	send := func(method, body string) (int, answer, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, h.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		var a answer
		if err := json.Unmarshal(data, &a); err != nil {
			t.Fatalf("answer %s is not JSON: %v", data, err)
		}
		return res.StatusCode, a, res.Header
	}

	status, a, _ := send("POST", `{"sensor":"h-1","unknown":1}`)
	if status != 200 || a.Calls != 3 || a.Posted != 3 || a.Conflicts != 0 || !strings.HasPrefix(a.Detail, "Service ran") {
		t.Fatalf("first run: %d %+v", status, a)
	}
	status, a, _ = send("POST", `{"sensor":"h-1"}`)
	if status != 200 || a.Posted != 1 || a.Conflicts != 2 {
		t.Fatalf("second run: %d %+v", status, a)
	}
	if rs := readingsOf(t, c, "h-1", "Measure 1"); len(rs) != 1 || rs[0].Value != 7.0 {
		t.Fatalf("readings %+v", rs)
	}

	for _, tc := range []struct {
		method, body string
		status       int
		detail       string
	}{
		{"POST", ``, 400, "produce service data: invalid parameters: no sensor"},
		{"POST", `null`, 400, "produce service data: invalid parameters: no sensor"},
		{"POST", `{"sensor":`, 400, "invalid parameters: unexpected end of JSON input"},
		{"POST", `[1]`, 400, "invalid parameters: json: cannot unmarshal array"},
		{"POST", `{"sensor":"h-2","crash":true}`, 500, "produce service data: boom"},
		{"POST", `{"sensor":"h-2","measure":"nope"}`, 502, "call 3 of 3 failed: POST /sensor/insert-sensor-readings: status 400"},
		{"GET", ``, 405, "Method Not Allowed"},
	} {
		status, a, hdr := send(tc.method, tc.body)
		if status != tc.status || !strings.HasPrefix(a.Detail, tc.detail) {
			t.Errorf("%s %q: %d %q, want %d %q", tc.method, tc.body, status, a.Detail, tc.status, tc.detail)
		}
		if status == 502 && (a.Posted+a.Conflicts != 2 || len(a.Results) != 3 || a.Results[2].Status != 400) {
			t.Errorf("502 summary %+v", a.Summary)
		}
		if status == 405 && hdr.Get("Allow") != "POST" {
			t.Errorf("405 Allow %q", hdr.Get("Allow"))
		}
	}
}

// The backend's run-service calls a Go service deployed with Handler and logs its answer.
func TestHandlerCalledByRunService(t *testing.T) {
	s := apitest.Start(t, handlers.Config{})
	ctx := context.Background()
	c := loggedIn(t, s.BaseURL)
	h := httptest.NewServer(servicesdk.Handler(c, servicesdk.ProducerFunc[handlerParams](testIngress)))
	t.Cleanup(h.Close)

	if _, err := c.Post(ctx, "/service/insert-service", map[string]string{"name": "go-ingress", "url": h.URL, "http_method": "POST"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, params := range []any{map[string]string{"sensor": "rs-1"}, map[string]string{"sensor": "rs-1"}, map[string]string{}} {
		if _, err := c.Post(ctx, "/service/run-service", map[string]any{"service_name": "go-ingress", "parameters": params}, nil); err != nil {
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
		Timestamp string `json:"timestamp"`
	}
	if _, err := c.Post(ctx, "/service/list-runs", map[string]any{"service_name": "go-ingress"}, &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Fatalf("runs %+v", runs)
	}
	byPosted := map[[3]int]bool{}
	for _, r := range runs {
		byPosted[[3]int{r.Status, r.JSON.Posted, r.JSON.Conflicts}] = true
	}
	if !byPosted[[3]int{200, 3, 0}] || !byPosted[[3]int{200, 1, 2}] || !byPosted[[3]int{400, 0, 0}] {
		t.Fatalf("runs %+v", runs)
	}
}

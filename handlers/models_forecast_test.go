package handlers_test

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/handlers"
	"github.com/dtbase-go/dtbase/handlers/forecast/arima"
)

// forecastAPI is a server with sensor TRH1 (type TRH1: Temperature in Degrees C, Humidity in
// Percent, both float, and a string Label), as the original's ARIMA tests set up.
func forecastAPI(t *testing.T) *api {
	t.Helper()
	a := newAPI(t)
	a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "TRH1", "measures": []map[string]any{
		{"name": "Temperature", "units": "Degrees C", "datatype": "float"},
		{"name": "Humidity", "units": "Percent", "datatype": "float"},
		{"name": "Label", "units": nil, "datatype": "string"},
	}}).expect(201, "")
	a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "TRH1", "unique_identifier": "TRH1"}).expect(201, "")
	return a
}

// insert stores float readings of a TRH1 measure.
func (a *api) insert(measure string, ts []time.Time, vs []float64) {
	a.t.Helper()
	values := make([]dbcore.Value, len(vs))
	for i, v := range vs {
		values[i] = dbcore.Value{Type: dbcore.Float, F: v}
	}
	if err := a.DB.InsertReadings(context.Background(), "TRH1", measure, values, ts); err != nil {
		a.t.Fatal(err)
	}
}

// forecastResponse is the body of a model function's answer.
type forecastResponse struct {
	Detail              string
	RunID               int                           `json:"run_id"`
	ModelName           string                        `json:"model_name"`
	ScenarioDescription string                        `json:"scenario_description"`
	SensorUniqueID      string                        `json:"sensor_unique_id"`
	SensorMeasure       struct{ Name, Units *string } `json:"sensor_measure"`
	Training            struct {
		From, To        time.Time
		Hours           int
		MissingHours    int `json:"missing_hours"`
		Readings        int
		DroppedReadings int `json:"dropped_readings"`
	}
	Forecast struct {
		From, To time.Time
		Steps    int
		Level    float64
	}
	Fit map[string]any
}

// runOutputs reads a run back through get-model-run.
func (a *api) runOutputs(id int) map[string][]struct {
	Value     float64
	Timestamp time.Time
} {
	a.t.Helper()
	var out map[string][]struct {
		Value     float64
		Timestamp time.Time
	}
	a.post("/api/model/get-model-run", map[string]any{"run_id": id}).expect(200, "").decode(&out)
	return out
}

var forecastEnd = time.Date(2024, 3, 20, 16, 0, 0, 0, time.UTC)

// TestArimaFunctionWritesModelRun: the arima function prepares hourly means from 10-minute readings
// (three per hour within 15 minutes of it; the others, outliers included, dropped), fits the
// original's (4,1,2)(1,1,0,24) and writes one run of three measures that the model endpoints return.
func TestArimaFunctionWritesModelRun(t *testing.T) {
	a := forecastAPI(t)
	rng := rand.New(rand.NewPCG(42, 7))
	const days = 10
	from := forecastEnd.Add(-days * 24 * time.Hour)
	var ts []time.Time
	var vs []float64
	sums := map[time.Time][]float64{}
	for t0 := from.Add(-2 * time.Hour); !t0.After(forecastEnd.Add(2 * time.Hour)); t0 = t0.Add(10 * time.Minute) {
		h := float64(t0.Unix()) / 3600
		v := 18 + 3*math.Sin(2*math.Pi*h/24) + 0.3*rng.NormFloat64()
		if t0.Minute() == 30 {
			v = 1000 // 30 minutes from any hour: dropped
		}
		ts, vs = append(ts, t0), append(vs, v)
		if !t0.Before(from) && !t0.After(forecastEnd) && (t0.Minute() <= 10 || t0.Minute() >= 50) {
			hour := t0.Round(time.Hour)
			sums[hour] = append(sums[hour], v)
		}
	}
	a.insert("Temperature", ts, vs)

	res := a.post("/api/forecast/arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature",
		"history_days": days, "end": forecastEnd.Format(time.RFC3339)}).expect(201, "Model run inserted")
	var got forecastResponse
	res.decode(&got)

	// The hourly means the test expects, independently of the handler.
	hours := int(forecastEnd.Sub(from)/time.Hour) + 1
	y := make([]float64, hours)
	for i := range y {
		vals := sums[from.Add(time.Duration(i)*time.Hour)]
		s := 0.0
		for _, v := range vals {
			s += v
		}
		y[i] = s / float64(len(vals))
	}
	inWindow := 0
	for _, t0 := range ts {
		if !t0.Before(from) && !t0.After(forecastEnd) {
			inWindow++
		}
	}
	tr := got.Training
	if got.ModelName != "Arima" || got.ScenarioDescription != "Business as usual" || got.SensorUniqueID != "TRH1" ||
		*got.SensorMeasure.Name != "Temperature" || *got.SensorMeasure.Units != "Degrees C" ||
		!tr.From.Equal(from) || !tr.To.Equal(forecastEnd) || tr.Hours != hours || tr.MissingHours != 0 ||
		tr.Readings != inWindow || tr.DroppedReadings != inWindow-(hours*3-2) {
		t.Fatalf("response %s (want %d hours, %d readings)", res.Body, hours, inWindow)
	}
	// The original's run starts at 17:00 after a 16:00 cut; here the series ends at 16:00 too.
	if !got.Forecast.From.Equal(forecastEnd.Add(time.Hour)) || !got.Forecast.To.Equal(forecastEnd.Add(48*time.Hour)) ||
		got.Forecast.Steps != 48 || math.Abs(got.Forecast.Level-0.68) > 1e-12 {
		t.Fatalf("forecast %+v", got.Forecast)
	}
	// The fitted parameters applied to the test's own hourly means give the run's log-likelihood
	// (so the handler fitted exactly these means) and its forecasts.
	var fitted struct {
		Order, SeasonalOrder []int
		Params               arima.Params
		LogLike              float64
	}
	raw, _ := json.Marshal(got.Fit)
	if err := json.Unmarshal(raw, &fitted); err != nil {
		t.Fatal(err)
	}
	fit, err := arima.Apply(y, arima.Spec{P: 4, D: 1, Q: 2, SP: 1, SD: 1, SQ: 0, S: 24}, fitted.Params)
	if err != nil {
		t.Fatalf("fit %s: %v", raw, err)
	}
	want, _ := fit.Forecast(48, 0.32)
	if math.Abs(fitted.LogLike-fit.LogLike) > 1e-9*math.Abs(fit.LogLike) || got.Fit["converged"] != true {
		t.Errorf("fit %s: loglike of the test's hourly means %v", raw, fit.LogLike)
	}

	// The model endpoints return the run, linked to the sensor and measure.
	var runs []map[string]any
	a.post("/api/model/list-model-runs", map[string]any{"model_name": "Arima"}).expect(200, "").decode(&runs)
	if len(runs) != 1 || int(runs[0]["id"].(float64)) != got.RunID || runs[0]["sensor_unique_id"] != "TRH1" ||
		runs[0]["scenario_description"] != "Business as usual" {
		t.Fatalf("list-model-runs: %v", runs)
	}
	var link struct {
		SensorUniqueID string                       `json:"sensor_unique_id"`
		SensorMeasure  struct{ Name, Units string } `json:"sensor_measure"`
	}
	a.post("/api/model/get-model-run-sensor-measure", map[string]any{"run_id": got.RunID}).expect(200, "").decode(&link)
	if link.SensorUniqueID != "TRH1" || link.SensorMeasure.Name != "Temperature" || link.SensorMeasure.Units != "Degrees C" {
		t.Fatalf("get-model-run-sensor-measure: %+v", link)
	}
	outs := a.runOutputs(got.RunID)
	mean, upper, lower := outs["Mean Temperature"], outs["Upper Bound Temperature"], outs["Lower Bound Temperature"]
	if len(outs) != 3 || len(mean) != 48 || len(upper) != 48 || len(lower) != 48 {
		t.Fatalf("get-model-run: %v", outs)
	}
	for i := range mean {
		at := forecastEnd.Add(time.Duration(i+1) * time.Hour)
		if !mean[i].Timestamp.Equal(at) || !upper[i].Timestamp.Equal(at) || !lower[i].Timestamp.Equal(at) {
			t.Fatalf("step %d at %v, want %v", i+1, mean[i].Timestamp, at)
		}
		if math.Abs(mean[i].Value-want[i].Mean) > 1e-9*math.Abs(want[i].Mean) || math.Abs(upper[i].Value-want[i].Upper) > 1e-9*math.Abs(want[i].Upper) ||
			math.Abs(lower[i].Value-want[i].Lower) > 1e-9*math.Abs(want[i].Lower) {
			t.Fatalf("step %d: %g [%g, %g], want %+v", i+1, mean[i].Value, lower[i].Value, upper[i].Value, want[i])
		}
		if !(lower[i].Value < mean[i].Value && mean[i].Value < upper[i].Value) {
			t.Fatalf("step %d: bounds %g %g %g", i+1, lower[i].Value, mean[i].Value, upper[i].Value)
		}
	}
	// The model measures carry the sensor measure's units.
	var measures []map[string]any
	a.get("/api/model/list-model-measures").expect(200, "").decode(&measures)
	if len(measures) != 3 {
		t.Fatalf("model measures %v", measures)
	}
	for _, m := range measures {
		if m["units"] != "Degrees C" || m["datatype"] != "float" {
			t.Errorf("model measure %v", m)
		}
	}
}

// hourlyTruth is a noise-free daily and half-daily cycle.
func hourlyTruth(t time.Time) float64 {
	h := float64(t.Unix()) / 3600
	return 20 + 2*math.Cos(2*math.Pi*h/24) + 0.5*math.Sin(2*math.Pi*h/12)
}

// TestHodmdFunctionContinuesSignal: on a noise-free signal the hodmd function's forecast is the
// signal's continuation, in the measure's units (the original wrote standardised values), at future
// timestamps (the original wrote the input's).
func TestHodmdFunctionContinuesSignal(t *testing.T) {
	a := forecastAPI(t)
	from := forecastEnd.Add(-20 * 24 * time.Hour).Add(time.Hour)
	var ts []time.Time
	var vs []float64
	for t0 := from; !t0.After(forecastEnd); t0 = t0.Add(time.Hour) {
		// Readings 10 minutes either side of the hour average to its value; readings at 20 minutes
		// past are too far from any hour and must not count.
		for _, off := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
			ts = append(ts, t0.Add(off))
			vs = append(vs, hourlyTruth(t0)+float64(off/time.Minute)/10)
		}
		ts, vs = append(ts, t0.Add(20*time.Minute)), append(vs, -500)
	}
	a.insert("Temperature", ts, vs)
	res := a.post("/api/forecast/hodmd", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature",
		"history_days": 21, "end": forecastEnd.Add(time.Hour), "delay": 48, "horizon": 24}).expect(201, "")
	var got forecastResponse
	res.decode(&got)
	if got.ModelName != "HODMD" || got.Training.Hours != 480 || got.Training.DroppedReadings != 480 || !got.Training.From.Equal(from) ||
		!got.Training.To.Equal(forecastEnd) || got.Fit["delay"] != 48.0 {
		t.Fatalf("response %s", res.Body)
	}
	outs := a.runOutputs(got.RunID)
	for i, p := range outs["Mean Temperature"] {
		at := forecastEnd.Add(time.Duration(i+1) * time.Hour)
		if !p.Timestamp.Equal(at) || math.Abs(p.Value-hourlyTruth(at)) > 1e-6 {
			t.Fatalf("step %d: %g at %v, want %g at %v", i+1, p.Value, p.Timestamp, hourlyTruth(at), at)
		}
		lo, up := outs["Lower Bound Temperature"][i].Value, outs["Upper Bound Temperature"][i].Value
		if !(lo <= p.Value && p.Value <= up) || up-lo > 1e-6 {
			t.Fatalf("step %d: bounds [%g, %g] around %g; a perfect fit has a near-zero band", i+1, lo, up, p.Value)
		}
	}
	if len(outs["Mean Temperature"]) != 24 {
		t.Fatalf("outputs %v", outs)
	}

	// Missing hours are filled by interpolation and reported; a series mostly missing is refused.
	var gapTs []time.Time
	var gapVs []float64
	for i := 0; i < 240; i++ {
		if i >= 100 && i < 103 {
			continue
		}
		t0 := forecastEnd.Add(time.Duration(i-239) * time.Hour)
		gapTs, gapVs = append(gapTs, t0), append(gapVs, hourlyTruth(t0))
	}
	values := make([]dbcore.Value, len(gapVs))
	for i, v := range gapVs {
		values[i] = dbcore.Value{Type: dbcore.Float, F: v}
	}
	if err := a.DB.InsertReadings(context.Background(), "TRH1", "Humidity", values, gapTs); err != nil {
		t.Fatal(err)
	}
	res = a.post("/api/forecast/hodmd", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Humidity",
		"history_days": 10, "end": forecastEnd, "delay": 48}).expect(201, "")
	res.decode(&got)
	if got.Training.MissingHours != 3 || got.Fit["interpolated_hours"] != 3.0 {
		t.Fatalf("gap: %s", res.Body)
	}
}

// TestForecastCleaningRules: the hourly grid runs from the first to the last hour with data (the
// original lost an hour at each end and cut to 04:00/16:00), and gaps are hours without readings.
func TestForecastCleaningRules(t *testing.T) {
	a := forecastAPI(t)
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var ts []time.Time
	var vs []float64
	for h := 0; h < 24*5; h++ {
		t0 := day.Add(time.Duration(h) * time.Hour)
		if h == 30 {
			continue // one hour without readings
		}
		off := 5 * time.Minute // 00:05 rounds to 00:00, which the original's grid (floor + 1 h) dropped
		if h == 24*5-1 {
			off = -10 * time.Minute // the last reading, 22:50 on the last day, belongs to 23:00
		}
		ts, vs = append(ts, t0.Add(off)), append(vs, 10+math.Sin(float64(h)))
	}
	a.insert("Temperature", ts, vs)
	res := a.post("/api/forecast/arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature",
		"end": day.Add(6 * 24 * time.Hour), "order": []int{1, 0, 0}, "seasonal_order": []int{0, 0, 0, 0}, "horizon": 3}).expect(201, "")
	var got forecastResponse
	res.decode(&got)
	last := day.Add(time.Duration(24*5-1) * time.Hour)
	if !got.Training.From.Equal(day) || !got.Training.To.Equal(last) || got.Training.Hours != 24*5 || got.Training.MissingHours != 1 ||
		got.Training.DroppedReadings != 0 || !got.Forecast.From.Equal(last.Add(time.Hour)) {
		t.Fatalf("training %+v forecast %+v", got.Training, got.Forecast)
	}
	// A narrower window drops the readings five minutes off the hour.
	res = a.post("/api/forecast/arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature",
		"end": day.Add(6 * 24 * time.Hour), "mins_from_the_hour": 4, "order": []int{1, 0, 0}, "seasonal_order": []int{0, 0, 0, 0}})
	res.expect(400, "")
	if !strings.Contains(res.Detail(), "within 4 minutes of an hour") {
		t.Fatalf("detail %q", res.Detail())
	}
}

// TestForecastRejectsBadRequests: every bad request is a 400 that says what is wrong, and nothing is
// written: no model, scenario, measure or run.
func TestForecastRejectsBadRequests(t *testing.T) {
	a := forecastAPI(t)
	start := forecastEnd.Add(-20 * time.Hour)
	var ts []time.Time
	var vs []float64
	for i := 0; i < 20; i++ {
		ts, vs = append(ts, start.Add(time.Duration(i)*time.Hour)), append(vs, float64(i%5))
	}
	a.insert("Temperature", ts, vs)
	base := func(model string, extra map[string]any) (string, map[string]any) {
		body := map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "end": forecastEnd}
		for k, v := range extra {
			body[k] = v
		}
		return "/api/forecast/" + model, body
	}
	for _, tc := range []struct {
		model string
		body  any
		want  string
	}{
		{"arima", "", "Give the parameters as a JSON object"},
		{"arima", "[1]", "Invalid parameters"},
		{"arima", map[string]any{"measure_name": "Temperature"}, "sensor_unique_id is required"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "horizn": 5}, `unknown field "horizn"`},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "horizon": "48"}, "Invalid parameters"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "horizon": 0, "alpha": 1.5}, "horizon must be from 1 to 1000 hours, got 0; alpha must lie strictly between 0 and 1"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "history_days": 400}, "history_days must be from 1 to 365"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "end": "yesterday"}, "end must be an ISO 8601 datetime"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "order": []int{1, 1}}, "order is [p, d, q]"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "seasonal_order": []int{1, 0, 0, 1}}, "seasonal period s must be at least 2"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "seasonal_order": []int{1, 0, 0, 168}}, "at most 120 are fitted on demand"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "delay": 5}, "delay and tolerance are HODMD parameters"},
		{"hodmd", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "order": []int{1, 0, 0}}, "ARIMA parameters"},
		{"hodmd", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "delay": 0, "tolerance": 2}, "delay must be from 1 to 500, got 0; tolerance must lie strictly between 0 and 1"},
		{"arima", map[string]any{"sensor_unique_id": "nope", "measure_name": "Temperature"}, "Sensor does not exist"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Pressure"}, "not a measure of this sensor's type"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Label"}, "holds string values; only numbers can be forecast"},
		{"arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Humidity"}, "Too little data: no readings of 'Humidity'"},
	} {
		res := a.post("/api/forecast/"+tc.model, tc.body)
		if res.Status != 400 || !strings.Contains(res.Detail(), tc.want) {
			t.Errorf("%s %v: %d %s, want 400 %q", tc.model, tc.body, res.Status, res.Body, tc.want)
		}
	}
	// Too little data for the model: the detail says how much there is and how much it needs.
	path, body := base("arima", nil)
	res := a.post(path, body).expect(400, "")
	if d := res.Detail(); !strings.Contains(d, "Too little data for Arima: 20 hourly means (0 missing) of 'Temperature'") || !strings.Contains(d, "needs at least 17 observations after the first 25") {
		t.Errorf("arima: %q", d)
	}
	path, body = base("hodmd", map[string]any{"delay": 30})
	if d := a.post(path, body).expect(400, "").Detail(); !strings.Contains(d, "delay d = 30 needs at least 32 samples, got 20") {
		t.Errorf("hodmd: %q", d)
	}
	for _, list := range []string{"/api/model/list-models", "/api/model/list-model-scenarios", "/api/model/list-model-measures"} {
		if body := string(a.get(list).expect(200, "").Body); body != "[]" {
			t.Errorf("%s after failures: %s", list, body)
		}
	}

	// A failure while writing (a model measure of the name exists with another datatype) leaves
	// nothing either: not the model, its scenario or the other two measures.
	var more []time.Time
	var moreVs []float64
	for i := 0; i < 100; i++ {
		more, moreVs = append(more, start.Add(time.Duration(-100+i)*time.Hour)), append(moreVs, math.Sin(float64(i)/3))
	}
	a.insert("Temperature", more, moreVs)
	a.post("/api/model/insert-model-measure", map[string]any{"name": "Lower Bound Temperature", "units": "Degrees C", "datatype": "integer"}).expect(201, "")
	path, body = base("arima", map[string]any{"order": []int{1, 0, 0}, "seasonal_order": []int{0, 0, 0, 0}})
	if res := a.post(path, body); res.Status != 409 || !strings.Contains(res.Detail(), "exists with a different datatype") {
		t.Fatalf("conflicting measure: %d %s", res.Status, res.Body)
	}
	if body := string(a.get("/api/model/list-models").Body); body != "[]" {
		t.Errorf("models after a failed write: %s", body)
	}
	var measures []map[string]any
	a.get("/api/model/list-model-measures").decode(&measures)
	if len(measures) != 1 {
		t.Errorf("measures after a failed write: %v", measures)
	}
}

// TestForecastFunctionKeysAndRunService: run-service sends no token, so it calls a model function
// with the function's key in the URL, which admins read from /api/forecast/function-keys.
func TestForecastFunctionKeysAndRunService(t *testing.T) {
	a := forecastAPI(t)
	var ts []time.Time
	var vs []float64
	for t0 := forecastEnd.Add(-10 * 24 * time.Hour); !t0.After(forecastEnd); t0 = t0.Add(time.Hour) {
		ts, vs = append(ts, t0), append(vs, hourlyTruth(t0))
	}
	a.insert("Temperature", ts, vs)
	params := map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Temperature", "end": forecastEnd, "delay": 30, "horizon": 6}

	// Neither token nor key; a wrong key; the other function's key.
	a.do("POST", "/api/forecast/hodmd", params, "").expect(401, "Not authenticated")
	a.do("POST", "/api/forecast/hodmd?code=guess", params, "").expect(401, "")
	var keys map[string]struct{ Path, Code, URL string }
	a.do("GET", "/api/forecast/function-keys", nil, a.Token, "X-Forwarded-Host", "dt.example", "X-Forwarded-Proto", "https").expect(200, "").decode(&keys)
	hk, ak := keys["hodmd"], keys["arima"]
	if hk.Path != "/api/forecast/hodmd" || ak.Path != "/api/forecast/arima" || len(hk.Code) < 40 || hk.Code == ak.Code ||
		hk.URL != "https://dt.example/api/forecast/hodmd?code="+hk.Code {
		t.Fatalf("keys %+v", keys)
	}
	a.do("POST", "/api/forecast/hodmd?code="+url.QueryEscape(ak.Code), params, "").expect(401, "")
	a.do("POST", "/api/forecast/hodmd?code="+url.QueryEscape(hk.Code), params, "").expect(201, "Model run inserted")
	a.do("POST", "/api/forecast/hodmd", params, "", "x-functions-key", hk.Code).expect(201, "Model run inserted")

	// The keys derive from the signing key.
	other := newAPIWith(t, func(c *handlers.Config) { c.JWTSecret = []byte("another-secret") })
	var otherKeys map[string]struct{ Code string }
	other.get("/api/forecast/function-keys").expect(200, "").decode(&otherKeys)
	if otherKeys["hodmd"].Code == hk.Code {
		t.Error("the key does not depend on the signing key")
	}

	// run-service calls the function through its URL, as it would call any service.
	srv := httptest.NewServer(a.h)
	t.Cleanup(srv.Close)
	a.post("/api/service/insert-service", map[string]any{"name": "hodmd", "url": srv.URL + hk.Path + "?code=" + url.QueryEscape(hk.Code),
		"http_method": "POST"}).expect(201, "")
	a.post("/api/service/run-service", map[string]any{"service_name": "hodmd", "parameters": params}).expect(200, "Service called successfully.")
	var runs []struct {
		ResponseStatusCode int `json:"response_status_code"`
		ResponseJSON       struct {
			RunID int `json:"run_id"`
		} `json:"response_json"`
	}
	a.post("/api/service/list-runs", map[string]any{"service_name": "hodmd"}).expect(200, "").decode(&runs)
	if len(runs) != 1 || runs[0].ResponseStatusCode != 201 || runs[0].ResponseJSON.RunID == 0 {
		t.Fatalf("service runs %+v", runs)
	}
	var modelRuns []map[string]any
	a.post("/api/model/list-model-runs", map[string]any{"model_name": "HODMD"}).expect(200, "").decode(&modelRuns)
	if len(modelRuns) != 3 || int(modelRuns[2]["id"].(float64)) != runs[0].ResponseJSON.RunID {
		t.Fatalf("model runs %v", modelRuns)
	}
}

func TestForecastFunctionKeysNeedAdmin(t *testing.T) {
	a := forecastAPI(t)
	if err := a.DB.CreateUser(context.Background(), "user@test.com", testHash); err != nil {
		t.Fatal(err)
	}
	user := a.login("user@test.com", testPassword).AccessToken
	a.do("GET", "/api/forecast/function-keys", nil, user).expect(403, "")
	a.do("GET", "/api/forecast/function-keys", nil, "").expect(401, "")
	// Any user may run a model with a token.
	a.do("POST", "/api/forecast/arima", map[string]any{"sensor_unique_id": "TRH1", "measure_name": "Humidity"}, user).expect(400, "")
}

// TestForecastTimers: the timer functions run the targets of their app setting, each on its own;
// the invocation fails, with a log line per target, when any of them failed.
func TestForecastTimers(t *testing.T) {
	a := forecastAPI(t)
	var ts []time.Time
	var vs []float64
	now := time.Now().UTC().Truncate(time.Hour)
	rng := rand.New(rand.NewPCG(3, 4))
	for t0 := now.Add(-5 * 24 * time.Hour); !t0.After(now); t0 = t0.Add(time.Hour) {
		ts, vs = append(ts, t0), append(vs, hourlyTruth(t0)+0.2*rng.NormFloat64())
	}
	a.insert("Temperature", ts, vs)
	invoke := func(name string, status int) invokeResponse {
		t.Helper()
		res := a.do("POST", "/"+name, timerPayload(false), "", "X-Azure-Functions-InvocationId", "inv-1")
		if res.Status != status {
			t.Fatalf("%s: %d %s, want %d", name, res.Status, res.Body, status)
		}
		var out invokeResponse
		res.decode(&out)
		return out
	}
	t.Setenv("DT_HODMD_PARAMETERS", "")
	if out := invoke("hodmd", 200); len(out.Logs) != 1 || !strings.Contains(out.Logs[0], "set DT_HODMD_PARAMETERS") {
		t.Fatalf("no targets: %v", out.Logs)
	}
	t.Setenv("DT_HODMD_PARAMETERS", `[{"sensor_unique_id":"TRH1","measure_name":"Temperature","delay":24,"history_days":5},
		{"sensor_unique_id":"TRH9","measure_name":"Temperature"}]`)
	out := invoke("hodmd", 500)
	if len(out.Logs) != 3 || !regexp.MustCompile(`^hodmd target 1 \(TRH1/Temperature\): run \d+, 48 hours from `).MatchString(out.Logs[0]) ||
		out.Logs[1] != "hodmd target 2 (TRH9/Temperature): failed: Sensor does not exist" || !strings.Contains(out.Logs[2], "1 of 2 runs failed") {
		t.Fatalf("logs %q", out.Logs)
	}
	t.Setenv("DT_ARIMA_PARAMETERS", `{"sensor_unique_id":"TRH1","measure_name":"Temperature","history_days":5,"order":[1,0,1],"seasonal_order":[1,1,0,24]}`)
	if out := invoke("arima", 200); len(out.Logs) != 1 || !strings.Contains(out.Logs[0], "arima target 1 (TRH1/Temperature): run ") {
		t.Fatalf("arima logs %q", out.Logs)
	}
	t.Setenv("DT_ARIMA_PARAMETERS", `[{"sensor_unique_id":`)
	if out := invoke("arima", 500); !strings.Contains(strings.Join(out.Logs, " "), "DT_ARIMA_PARAMETERS is not a JSON array") {
		t.Fatalf("bad setting: %q", out.Logs)
	}
	for _, model := range []string{"Arima", "HODMD"} {
		var runs []any
		a.post("/api/model/list-model-runs", map[string]any{"model_name": model}).expect(200, "").decode(&runs)
		if len(runs) != 1 {
			t.Errorf("%s runs: %v", model, runs)
		}
	}
}

// TestForecastFunctionDefinitions: the timer functions read their schedules from app settings, and
// `make run` (scripts/run.sh) gives those settings defaults, without which the binary would not
// start its in-process timers.
func TestForecastFunctionDefinitions(t *testing.T) {
	script, err := os.ReadFile("../scripts/run.sh")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, name := range []string{"DT_ARIMA_SCHEDULE", "DT_HODMD_SCHEDULE"} {
		m := regexp.MustCompile(name + `="\$\{` + name + `:-([^}]*)\}"`).FindSubmatch(script)
		if m == nil {
			t.Fatalf("scripts/run.sh gives %s no default", name)
		}
		env[name] = string(m[1])
	}
	fsys := fstest.MapFS{}
	for _, name := range []string{"arima", "hodmd", "forecast", "scheduler"} {
		data, err := os.ReadFile("../functions/" + name + "/function.json")
		if err != nil {
			t.Fatal(err)
		}
		fsys[name+"/function.json"] = &fstest.MapFile{Data: data}
	}
	fns, err := handlers.LoadTimerFunctions(fsys, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, f := range fns {
		names[f.Name] = f.Schedule
	}
	if len(fns) != 3 || names["arima"] != env["DT_ARIMA_SCHEDULE"] || names["hodmd"] != env["DT_HODMD_SCHEDULE"] {
		t.Fatalf("timer functions %+v", fns)
	}
	var fn struct {
		Bindings []struct{ Type, Route, AuthLevel string }
	}
	if err := json.Unmarshal(fsys["forecast/function.json"].Data, &fn); err != nil || fn.Bindings[0].Route != "forecast/{*path}" {
		t.Fatalf("forecast function: %+v %v", fn, err)
	}
}

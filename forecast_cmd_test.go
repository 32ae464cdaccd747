package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// statsmodelsFixture is a reference written by handlers/forecast/arima/testdata/generate.py.
type statsmodelsFixture struct {
	Y         []*float64
	Reference struct {
		Params struct {
			AR, MA     []float64
			SeasonalAR []float64 `json:"seasonal_ar"`
			SeasonalMA []float64 `json:"seasonal_ma"`
			Sigma2     float64
		}
		Loglike  float64
		Forecast []struct{ Mean, Lower, Upper float64 }
	}
}

func loadStatsmodels(t *testing.T, name string) statsmodelsFixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("handlers", "forecast", "arima", "testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f statsmodelsFixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func writeSeriesCSV(t *testing.T, header string, rows []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "series.csv")
	text := header + "\n"
	for _, r := range rows {
		text += r + "\n"
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runForecast runs the command through run(), as main does, and returns stdout.
func runForecast(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := forecastCmd(args, &out)
	if err != nil && out.Len() > 0 {
		t.Errorf("output on error: %s", out.String())
	}
	return out.String(), err
}

// keysOf returns the keys of a JSON object in document order.
func keysOf(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestForecastArimaAirline(t *testing.T) {
	f := loadStatsmodels(t, "airline")
	rows := make([]string, len(f.Y))
	for i, v := range f.Y {
		rows[i] = fmt.Sprint(*v)
	}
	out, err := runForecast(t, "arima", "--csv", writeSeriesCSV(t, "value", rows), "--order", "0,1,1", "--seasonal", "0,1,1,12",
		"--horizon", "24", "--alpha", "0.05")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "}\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("want one JSON object on one line, got %q", out)
	}
	raw := json.RawMessage(out)
	if got, want := keysOf(t, raw), []string{"model", "order", "seasonal_order", "params", "loglike", "aic", "nobs", "forecast"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	var res struct {
		Model         string
		Order         []int
		SeasonalOrder []int `json:"seasonal_order"`
		Params        map[string]json.RawMessage
		Loglike, AIC  float64
		NObs          int
		Forecast      []map[string]float64
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	var paramKeys []string
	for k := range res.Params {
		paramKeys = append(paramKeys, k)
	}
	sort.Strings(paramKeys)
	if !reflect.DeepEqual(paramKeys, []string{"ar", "ma", "seasonal_ar", "seasonal_ma", "sigma2"}) {
		t.Fatalf("params keys %v", paramKeys)
	}
	if string(res.Params["ar"]) != "[]" || string(res.Params["seasonal_ar"]) != "[]" {
		t.Errorf("absent terms must be empty lists: %s", out)
	}
	var ma, sma []float64
	var sigma2 float64
	json.Unmarshal(res.Params["ma"], &ma)
	json.Unmarshal(res.Params["seasonal_ma"], &sma)
	json.Unmarshal(res.Params["sigma2"], &sigma2)
	ref := f.Reference
	if res.Model != "arima" || !reflect.DeepEqual(res.Order, []int{0, 1, 1}) || !reflect.DeepEqual(res.SeasonalOrder, []int{0, 1, 1, 12}) || res.NObs != 144 {
		t.Errorf("header fields: %s", out)
	}
	// statsmodels' signs: both MA coefficients of the airline model are negative.
	if len(ma) != 1 || len(sma) != 1 || math.Abs(ma[0]-ref.Params.MA[0]) > 0.01 || math.Abs(sma[0]-ref.Params.SeasonalMA[0]) > 0.01 ||
		math.Abs(sigma2-ref.Params.Sigma2) > 0.01*ref.Params.Sigma2 {
		t.Errorf("params %s, statsmodels %+v", out, ref.Params)
	}
	if math.Abs(res.Loglike-ref.Loglike) > 0.5 || math.Abs(res.AIC-(-2*res.Loglike+6)) > 1e-9 {
		t.Errorf("loglike %g aic %g, statsmodels loglike %g", res.Loglike, res.AIC, ref.Loglike)
	}
	if len(res.Forecast) != 24 {
		t.Fatalf("%d forecast steps", len(res.Forecast))
	}
	for i, step := range res.Forecast {
		want := ref.Forecast[i]
		if len(step) != 4 || step["step"] != float64(i+1) {
			t.Fatalf("step %d: %v", i+1, step)
		}
		for _, c := range [][2]float64{{step["mean"], want.Mean}, {step["lower"], want.Lower}, {step["upper"], want.Upper}} {
			if math.Abs(c[0]-c[1]) > 0.01*math.Abs(c[1]) {
				t.Errorf("step %d: %v, statsmodels %+v", i+1, step, want)
			}
		}
	}
}

// TestForecastArimaDefaults: without flags the command fits the original configuration and
// forecasts 48 steps with a 68 % interval; timestamps are accepted when regularly spaced.
func TestForecastArimaDefaults(t *testing.T) {
	f := loadStatsmodels(t, "hourly")
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]string, len(f.Y))
	for i, v := range f.Y {
		rows[i] = start.Add(time.Duration(i)*time.Hour).Format(time.RFC3339) + "," + fmt.Sprint(*v)
	}
	out, err := runForecast(t, "arima", "--csv", writeSeriesCSV(t, "timestamp,value", rows))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Order         []int
		SeasonalOrder []int `json:"seasonal_order"`
		Loglike       float64
		Forecast      []struct {
			Step               int
			Mean, Lower, Upper float64
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Order, []int{4, 1, 2}) || !reflect.DeepEqual(res.SeasonalOrder, []int{1, 1, 0, 24}) || len(res.Forecast) != 48 {
		t.Fatalf("defaults: order %v seasonal %v, %d steps", res.Order, res.SeasonalOrder, len(res.Forecast))
	}
	if math.Abs(res.Loglike-f.Reference.Loglike) > 0.5 {
		t.Errorf("loglike %g, statsmodels %g", res.Loglike, f.Reference.Loglike)
	}
	for i, s := range res.Forecast {
		want := f.Reference.Forecast[i] // statsmodels at alpha 0.32
		if s.Step != i+1 || math.Abs(s.Mean-want.Mean) > 0.01*math.Abs(want.Mean) ||
			math.Abs((s.Upper-s.Lower)-(want.Upper-want.Lower)) > 0.01*(want.Upper-want.Lower) {
			t.Errorf("step %d: %+v, statsmodels %+v", i+1, s, want)
		}
	}
}

func TestForecastHODMD(t *testing.T) {
	const n, h = 200, 20
	y := func(k int) float64 {
		return 3 + 2*math.Exp(-0.01*float64(k))*math.Cos(2*math.Pi*0.05*float64(k)+0.4) + math.Exp(-0.002*float64(k))*math.Cos(2*math.Pi*0.2*float64(k))
	}
	rows := make([]string, n)
	for k := range rows {
		rows[k] = fmt.Sprint(y(k))
	}
	out, err := runForecast(t, "hodmd", "--csv", writeSeriesCSV(t, "value", rows), "--delay", "30", "--horizon", fmt.Sprint(h))
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, json.RawMessage(out)); !reflect.DeepEqual(got, []string{"model", "delay", "modes", "forecast"}) {
		t.Fatalf("keys %v", got)
	}
	var res struct {
		Model string
		Delay int
		Modes []map[string]float64
		// Forecast steps
		Forecast []map[string]float64
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Model != "hodmd" || res.Delay != 30 || len(res.Modes) != 5 || len(res.Forecast) != h {
		t.Fatalf("result %s", out)
	}
	want := [][2]float64{{0, 0}, {0.05, -0.01}, {-0.05, -0.01}, {0.2, -0.002}, {-0.2, -0.002}}
	for _, w := range want {
		found := false
		for _, m := range res.Modes {
			if len(m) != 3 {
				t.Fatalf("mode keys: %v", m)
			}
			if math.Abs(m["frequency"]-w[0]) < 1e-6 && math.Abs(m["growth"]-w[1]) < 1e-6 {
				found = true
			}
		}
		if !found {
			t.Errorf("no mode with frequency %g and growth %g: %v", w[0], w[1], res.Modes)
		}
	}
	for i, s := range res.Forecast {
		if len(s) != 2 || s["step"] != float64(i+1) || math.Abs(s["mean"]-y(n+i)) > 1e-6 {
			t.Fatalf("step %d: %v, continuation %g", i+1, s, y(n+i))
		}
	}
}

func TestForecastErrors(t *testing.T) {
	good := writeSeriesCSV(t, "value", []string{"1", "2", "3", "2", "1", "2", "3", "2", "1", "2", "3", "2"})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no model", nil, "name a model"},
		{"unknown model", []string{"prophet", "--csv", good}, "unknown model"},
		{"no csv", []string{"arima"}, "--csv FILE is required"},
		{"missing file", []string{"arima", "--csv", filepath.Join(t.TempDir(), "none.csv")}, "no such file"},
		{"bad order", []string{"arima", "--csv", good, "--order", "1,1"}, "--order wants 3"},
		{"negative order", []string{"arima", "--csv", good, "--order", "1,-1,0"}, "non-negative"},
		{"bad seasonal", []string{"arima", "--csv", good, "--seasonal", "1,1,0"}, "--seasonal wants 4"},
		{"bad alpha", []string{"arima", "--csv", good, "--alpha", "1.5"}, "--alpha"},
		{"bad horizon", []string{"arima", "--csv", good, "--horizon", "0"}, "--horizon"},
		{"unknown flag", []string{"arima", "--csv", good, "--trend", "c"}, "flag provided but not defined"},
		{"stray argument", []string{"arima", "--csv", good, "extra"}, "unexpected argument"},
		{"too little data", []string{"arima", "--csv", good}, "too little data"},
		{"overlapping lags", []string{"arima", "--csv", good, "--order", "13,0,0", "--seasonal", "1,0,0,12"}, "overlap"},
		{"no delay", []string{"hodmd", "--csv", good}, "--delay d"},
		{"delay too long", []string{"hodmd", "--csv", good, "--delay", "11"}, "needs at least 13 samples"},
		{"bad header", []string{"arima", "--csv", writeSeriesCSV(t, "time,reading", []string{"a,1"})}, "header must be"},
		{"not a number", []string{"arima", "--csv", writeSeriesCSV(t, "value", []string{"1", "x"})}, `"x" is not a number`},
		{"empty", []string{"arima", "--csv", writeSeriesCSV(t, "value", nil)}, "has no values"},
		{"irregular", []string{"arima", "--csv", writeSeriesCSV(t, "timestamp,value", []string{"2024-01-01T00:00:00Z,1", "2024-01-01T01:00:00Z,2", "2024-01-01T03:00:00Z,3"})}, "regularly spaced"},
		{"bad timestamp", []string{"arima", "--csv", writeSeriesCSV(t, "timestamp,value", []string{"yesterday,1"})}, "not ISO 8601"},
		{"hodmd missing value", []string{"hodmd", "--delay", "2", "--csv", writeSeriesCSV(t, "value", []string{"1", "", "3", "4"})}, "missing value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runForecast(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// Missing values are allowed for ARIMA: the Kalman filter skips them.
	rows := make([]string, 60)
	for i := range rows {
		rows[i] = fmt.Sprint(math.Sin(float64(i)) + 0.1*float64(i%5))
	}
	rows[10], rows[20] = "", "NaN"
	if _, err := runForecast(t, "arima", "--csv", writeSeriesCSV(t, "value", rows), "--order", "1,0,1", "--seasonal", "0,0,0,0", "--horizon", "3"); err != nil {
		t.Fatalf("missing values: %v", err)
	}
}

// TestForecastProcess runs the built binary: JSON on stdout and exit status 0, or a message on
// stderr, nothing on stdout and exit status 1.
func TestForecastProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "handler")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	csv := writeSeriesCSV(t, "value", []string{"1", "2", "1", "2", "1", "2", "1", "2", "1", "2", "1", "2", "1", "2"})
	cmd := exec.CommandContext(context.Background(), bin, "forecast", "hodmd", "--csv", csv, "--delay", "3", "--horizon", "2")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 || !json.Valid(stdout.Bytes()) {
		t.Fatalf("ok run: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	stdout.Reset()
	cmd = exec.Command(bin, "forecast", "arima", "--csv", csv, "--order", "x")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 || stdout.Len() > 0 || !strings.Contains(stderr.String(), "--order") {
		t.Fatalf("bad run: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
}

package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
)

// fakeOWM plays OpenWeatherMap's One Call 3.0 API: it answers the timemachine and forecast calls
// with the documented response format (fixtures in handlers/ingress/weather/testdata), the hour
// and values derived from the request, and can be told to fail.
type fakeOWM struct {
	*httptest.Server
	calls    atomic.Int32
	mu       sync.Mutex
	fail     func(r *http.Request, n int32) (status int, body string, header map[string]string)
	forecast float64 // added to forecast temperatures, to see refreshes
}

func newFakeOWM(t *testing.T) *fakeOWM {
	history := readFixture(t, "timemachine.json")
	forecast := readFixture(t, "onecall.json")
	f := &fakeOWM{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		q := r.URL.Query()
		if q.Get("appid") == "" || q.Get("units") != "metric" || q.Get("lat") != "51.53" || q.Get("lon") != "-0.127" {
			http.Error(w, `{"cod":400,"message":"bad query"}`, 400)
			return
		}
		f.mu.Lock()
		fail, shift := f.fail, f.forecast
		f.mu.Unlock()
		if fail != nil {
			if status, body, header := fail(r, n); status != 0 {
				for k, v := range header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(status)
				w.Write([]byte(body))
				return
			}
		}
		switch r.URL.Path {
		case "/data/3.0/onecall/timemachine":
			dt, _ := strconv.ParseInt(q.Get("dt"), 10, 64)
			page := clone(history)
			h := page["data"].([]any)[0].(map[string]any)
			h["dt"] = dt
			h["temp"] = float64(dt%86400) / 3600 // the hour of day, so values are checkable
			h["pressure"] = 1000 + dt%86400/3600
			json.NewEncoder(w).Encode(page)
		case "/data/3.0/onecall":
			if q.Get("exclude") != "current,minutely,daily,alerts" {
				http.Error(w, "exclude", 400)
				return
			}
			page := clone(forecast)
			proto := page["hourly"].([]any)[0].(map[string]any)
			var hourly []any
			for i := 0; i < 48; i++ {
				h := clone(proto)
				dt := forecastStart.Unix() + int64(i)*3600
				h["dt"] = dt
				h["temp"] = float64(dt%86400)/3600 + 100 + shift
				hourly = append(hourly, h)
			}
			page["hourly"] = hourly
			json.NewEncoder(w).Encode(page)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

// The tests' clock: 2024-01-06 10:30 UTC; forecasts start at the next full hour.
var (
	weatherNow    = time.Date(2024, 1, 6, 10, 30, 0, 0, time.UTC)
	forecastStart = time.Date(2024, 1, 6, 11, 0, 0, 0, time.UTC)
)

func readFixture(t *testing.T, name string) map[string]any {
	data, err := os.ReadFile("ingress/weather/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func clone[T any](v T) T {
	data, _ := json.Marshal(v)
	var out T
	json.Unmarshal(data, &out)
	return out
}

func newWeatherAPI(t *testing.T, owm *fakeOWM, timeout time.Duration) *api {
	a := newAPIWith(t, func(c *handlers.Config) {
		c.Weather = handlers.WeatherConfig{APIKey: "k3y", Lat: 51.53, Lon: -0.127, BaseURL: owm.URL, Timeout: timeout}
	})
	a.Srv.SetClock(func() time.Time { return weatherNow })
	return a
}

func (a *api) weatherReadings(sensor, measure string) []map[string]any {
	a.t.Helper()
	var out []map[string]any
	a.post("/api/sensor/sensor-readings", map[string]any{"unique_identifier": sensor, "measure_name": measure,
		"dt_from": "2023-12-01T00:00:00Z", "dt_to": "2024-02-01T00:00:00Z"}).expect(200, "").decode(&out)
	return out
}

func TestWeatherIngress(t *testing.T) {
	owm := newFakeOWM(t)
	a := newWeatherAPI(t, owm, 2*time.Second)
	// History 07:00-10:00 and the forecast to 13:00 in one call: the range spans now and is split.
	body := map[string]any{"dt_from": "2024-01-06T07:00:00Z", "dt_to": "2024-01-06T13:00:00Z"}
	res := a.post("/api/ingress/weather", body).expect(200, "")
	if !strings.Contains(res.Detail(), "stored 4 observed and 3 forecast hours") {
		t.Fatalf("detail %q", res.Detail())
	}
	if calls := owm.calls.Load(); calls != 5 {
		t.Errorf("%d calls to OpenWeatherMap, want 4 timemachine + 1 forecast", calls)
	}

	// The original's type, measures and sensors.
	var types []map[string]any
	a.get("/api/sensor/list-sensor-types").expect(200, "").decode(&types)
	wantMeasures := `[{"datatype":"float","name":"temperature","units":"degrees Celsius"},{"datatype":"integer","name":"relative humidity","units":"percent"},{"datatype":"integer","name":"air pressure","units":"millibar"},{"datatype":"float","name":"wind speed","units":"m/s"},{"datatype":"integer","name":"wind direction","units":"degrees"},{"datatype":"float","name":"rain","units":"mms"},{"datatype":"string","name":"icon","units":""}]`
	if len(types) != 1 || types[0]["name"] != "Weather" {
		t.Fatalf("types %v", types)
	}
	if got, _ := json.Marshal(types[0]["measures"]); string(got) != wantMeasures {
		t.Errorf("measures %s\nwant %s", got, wantMeasures)
	}
	var sensors []map[string]any
	a.post("/api/sensor/list-sensors", map[string]any{}).expect(200, "").decode(&sensors)
	if len(sensors) != 2 || sensors[0]["unique_identifier"] != "OpenWeatherMapHistory" || sensors[0]["name"] != "OpenWeatherMap Historical Data" ||
		sensors[1]["unique_identifier"] != "OpenWeatherMapForecast" || sensors[1]["name"] != "OpenWeatherMap Forecasts" {
		t.Fatalf("sensors %v", sensors)
	}

	temps := a.weatherReadings("OpenWeatherMapHistory", "temperature")
	if len(temps) != 4 || temps[0]["timestamp"] != "2024-01-06T07:00:00Z" || temps[0]["value"] != 7.0 || temps[3]["value"] != 10.0 {
		t.Fatalf("history temperatures %v", temps)
	}
	if p := a.weatherReadings("OpenWeatherMapHistory", "air pressure"); len(p) != 4 || p[1]["value"] != 1008.0 {
		t.Fatalf("history pressure %v", p)
	}
	if icons := a.weatherReadings("OpenWeatherMapHistory", "icon"); len(icons) != 4 || icons[0]["value"] != "01d" {
		t.Fatalf("icons %v", icons)
	}
	if rain := a.weatherReadings("OpenWeatherMapHistory", "rain"); len(rain) != 4 || rain[0]["value"] != 0.0 {
		t.Fatalf("rain without a rain field must be 0.0: %v", rain)
	}
	forecast := a.weatherReadings("OpenWeatherMapForecast", "temperature")
	if len(forecast) != 3 || forecast[0]["timestamp"] != "2024-01-06T11:00:00Z" || forecast[0]["value"] != 111.0 {
		t.Fatalf("forecast %v", forecast)
	}
	if rain := a.weatherReadings("OpenWeatherMapForecast", "rain"); len(rain) != 3 || rain[0]["value"] != 0.21 {
		t.Fatalf("forecast rain %v", rain)
	}

	// The same window again: the same readings, no duplicates; a newer forecast replaces the old.
	owm.mu.Lock()
	owm.forecast = 0.5
	owm.mu.Unlock()
	a.post("/api/ingress/weather", body).expect(200, "")
	if again := a.weatherReadings("OpenWeatherMapHistory", "temperature"); len(again) != 4 {
		t.Fatalf("re-run changed the history: %v", again)
	}
	if f := a.weatherReadings("OpenWeatherMapForecast", "temperature"); len(f) != 3 || f[0]["value"] != 111.5 {
		t.Fatalf("forecast not refreshed: %v", f)
	}
}

func TestWeatherIngressRefusedAndFailures(t *testing.T) {
	owm := newFakeOWM(t)
	a := newWeatherAPI(t, owm, 300*time.Millisecond)
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"from after to", map[string]any{"dt_from": "2024-01-06T09:00:00Z", "dt_to": "2024-01-06T08:00:00Z"}, 400},
		{"more than 5 days back", map[string]any{"dt_from": "2023-12-31T00:00:00Z", "dt_to": "present"}, 400},
		{"more than 48 hours ahead", map[string]any{"dt_from": "present", "dt_to": "2024-01-09T00:00:00Z"}, 400},
		{"missing dt_to", map[string]any{"dt_from": "present"}, 422},
		{"bad datetime", map[string]any{"dt_from": "yesterday", "dt_to": "present"}, 422},
	} {
		t.Run(tc.name, func(t *testing.T) { a.withT(t).post("/api/ingress/weather", tc.body).expect(tc.status, "") })
	}

	window := map[string]any{"dt_from": "2024-01-06T06:00:00Z", "dt_to": "2024-01-06T14:00:00Z"}
	for _, tc := range []struct {
		name     string
		fail     func(r *http.Request, n int32) (int, string, map[string]string)
		contains string
	}{
		{"bad key", func(*http.Request, int32) (int, string, map[string]string) {
			return 401, `{"cod":401,"message":"Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."}`, nil
		}, "refused the API key"},
		{"rate limited", func(*http.Request, int32) (int, string, map[string]string) {
			return 429, `{"cod":429,"message":"Your account is temporary blocked due to exceeding of requests limitation"}`, map[string]string{"Retry-After": "60"}
		}, "retry after 1m0s"},
		{"malformed JSON on the third call", func(_ *http.Request, n int32) (int, string, map[string]string) {
			if n%100 == 3 {
				return 200, `{"data":[{"dt":`, nil
			}
			return 0, "", nil
		}, "not the documented JSON"},
		{"timeout on the forecast", func(r *http.Request, _ int32) (int, string, map[string]string) {
			if r.URL.Path == "/data/3.0/onecall" {
				time.Sleep(time.Second)
			}
			return 0, "", nil
		}, "Timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			owm.calls.Store(0)
			owm.mu.Lock()
			owm.fail = tc.fail
			owm.mu.Unlock()
			res := a.withT(t).post("/api/ingress/weather", window)
			if res.Status != 502 || !strings.Contains(res.Detail(), tc.contains) || !strings.Contains(res.Detail(), "nothing stored") {
				t.Fatalf("%d %s; want 502 mentioning %q", res.Status, res.Body, tc.contains)
			}
			if strings.Contains(string(res.Body), "k3y") {
				t.Fatal("the API key leaked into the answer")
			}
		})
	}
	// Nothing was stored by any failed run.
	var sensors []map[string]any
	a.post("/api/sensor/list-sensors", map[string]any{}).expect(200, "").decode(&sensors)
	if len(sensors) != 0 {
		t.Fatalf("failed runs created sensors: %v", sensors)
	}
}

// TestWeatherIngressOnDemandAndTimer: run-service calls the function with its key and no token;
// the timer runs the last hours and the forecast; unconfigured, it does nothing and says so.
func TestWeatherIngressOnDemandAndTimer(t *testing.T) {
	owm := newFakeOWM(t)
	a := newWeatherAPI(t, owm, 2*time.Second)
	a.do("POST", "/api/ingress/weather", map[string]any{"dt_from": "present", "dt_to": "2024-01-06T12:00:00Z"}, "").expect(401, "Not authenticated")
	a.do("POST", "/api/ingress/weather?code=wrong", map[string]any{"dt_from": "present", "dt_to": "2024-01-06T12:00:00Z"}, "").expect(401, "")
	var keys map[string]map[string]string
	a.get("/api/forecast/function-keys").expect(200, "").decode(&keys)
	code := keys["ingress_weather"]["code"]
	if code == "" {
		t.Fatalf("no key for ingress_weather in %v", keys)
	}
	a.do("POST", "/api/ingress/weather?code="+code, map[string]any{"dt_from": "present", "dt_to": "2024-01-06T12:00:00Z"}, "").expect(200, "")

	res := a.do("POST", "/ingress_weather", timerPayload(false), "")
	if res.Status != 200 || !strings.Contains(string(res.Body), "stored 4 observed and 48 forecast hours") {
		t.Fatalf("timer: %d %s", res.Status, res.Body)
	}
	off := newAPI(t)
	res = off.do("POST", "/ingress_weather", timerPayload(false), "")
	if res.Status != 200 || !strings.Contains(string(res.Body), "not configured") {
		t.Fatalf("unconfigured timer: %d %s", res.Status, res.Body)
	}
	off.post("/api/ingress/weather", map[string]any{"dt_from": "present", "dt_to": "present"}).expect(503, "")
}

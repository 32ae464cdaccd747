package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/handlers/ingress/weather"
)

// WeatherConfig configures the OpenWeatherMap ingress; without an API key it is off.
type WeatherConfig struct {
	APIKey   string
	Lat, Lon float64
	BaseURL  string        // OpenWeatherMap's API when empty (tests point it at a fake)
	Timeout  time.Duration // per call; 20 s when zero
}

// The sensor type, measures and sensors the original's weather ingress creates, with its names,
// units and datatypes (dtbase-reference.md C).
var (
	weatherType = dbcore.SensorType{
		Name:        "Weather",
		Description: strPtr("Weather sensors and sensor-like data sources such as weather forecasts"),
		Measures: []dbcore.Measure{
			{Name: "temperature", Units: strPtr("degrees Celsius"), Datatype: dbcore.Float},
			{Name: "relative humidity", Units: strPtr("percent"), Datatype: dbcore.Integer},
			{Name: "air pressure", Units: strPtr("millibar"), Datatype: dbcore.Integer},
			{Name: "wind speed", Units: strPtr("m/s"), Datatype: dbcore.Float},
			{Name: "wind direction", Units: strPtr("degrees"), Datatype: dbcore.Integer},
			{Name: "rain", Units: strPtr("mms"), Datatype: dbcore.Float},
			{Name: "icon", Units: strPtr(""), Datatype: dbcore.String},
		},
	}
	weatherHistorySensor  = dbcore.Sensor{UniqueIdentifier: "OpenWeatherMapHistory", Name: strPtr("OpenWeatherMap Historical Data")}
	weatherForecastSensor = dbcore.Sensor{UniqueIdentifier: "OpenWeatherMapForecast", Name: strPtr("OpenWeatherMap Forecasts")}
)

func strPtr(s string) *string { return &s }

var errWeatherOff = &apiError{status: http.StatusServiceUnavailable,
	detail: "The weather ingress is not configured: set DT_OPENWEATHERMAP_APIKEY, DT_OPENWEATHERMAP_LAT and DT_OPENWEATHERMAP_LONG"}

// ingestWeather fetches [from, to] from OpenWeatherMap and stores it: observed hours under the
// history sensor (a re-run keeps what is stored), forecast hours under the forecast sensor, where a
// newer forecast of an hour replaces the older one. Everything is fetched before anything is
// written, and written in one transaction: a failure stores nothing.
func (s *Server) ingestWeather(ctx context.Context, from, to time.Time) (string, error) {
	cfg := s.cfg.Weather
	if cfg.APIKey == "" {
		return "", errWeatherOff
	}
	now := s.now()
	if err := weather.CheckRange(from, to, now); err != nil {
		return "", badRequest(err.Error())
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	client := &weather.Client{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, Lat: cfg.Lat, Lon: cfg.Lon, HTTP: &http.Client{Timeout: timeout}}
	window, err := client.Fetch(ctx, from, to, now)
	if err != nil {
		return "", &apiError{status: http.StatusBadGateway, detail: "Weather ingress failed, nothing stored: " + err.Error()}
	}
	if err := s.ensureWeatherSensors(ctx); err != nil {
		return "", err
	}
	sets := append(weatherSets(weatherHistorySensor.UniqueIdentifier, window.History, false),
		weatherSets(weatherForecastSensor.UniqueIdentifier, window.Forecast, true)...)
	if err := s.db.WriteReadingSets(ctx, sets); err != nil {
		return "", err
	}
	return fmt.Sprintf("stored %d observed and %d forecast hours from %s to %s", len(window.History), len(window.Forecast),
		from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339)), nil
}

// ensureWeatherSensors creates the Weather type and both sensors when missing.
func (s *Server) ensureWeatherSensors(ctx context.Context) error {
	ignoreExists := func(err error) error {
		if de, ok := dbcore.AsError(err); ok && de.Kind == dbcore.KindConflict && strings.Contains(de.Detail, "exists already") {
			return nil
		}
		return err
	}
	if err := ignoreExists(s.db.InsertSensorType(ctx, weatherType)); err != nil {
		return err
	}
	for _, sensor := range []dbcore.Sensor{weatherHistorySensor, weatherForecastSensor} {
		if err := ignoreExists(s.db.InsertSensor(ctx, weatherType.Name, sensor)); err != nil {
			return err
		}
	}
	return nil
}

// weatherSets turns hours into one reading set per measure, leaving out values OpenWeatherMap did
// not give.
func weatherSets(sensor string, hours []weather.Hour, replace bool) []dbcore.ReadingSet {
	sets := make([]dbcore.ReadingSet, len(weatherType.Measures))
	for i, m := range weatherType.Measures {
		sets[i] = dbcore.ReadingSet{UniqueID: sensor, MeasureName: m.Name, Replace: replace}
	}
	add := func(i int, t time.Time, v dbcore.Value) {
		sets[i].Timestamps = append(sets[i].Timestamps, t)
		sets[i].Values = append(sets[i].Values, v)
	}
	for _, h := range hours {
		if h.Temp != nil {
			add(0, h.Time, dbcore.Value{Type: dbcore.Float, F: *h.Temp})
		}
		if h.Humidity != nil {
			add(1, h.Time, dbcore.Value{Type: dbcore.Integer, I: int64(*h.Humidity)})
		}
		if h.Pressure != nil {
			add(2, h.Time, dbcore.Value{Type: dbcore.Integer, I: int64(*h.Pressure)})
		}
		if h.WindSpeed != nil {
			add(3, h.Time, dbcore.Value{Type: dbcore.Float, F: *h.WindSpeed})
		}
		if h.WindDeg != nil {
			add(4, h.Time, dbcore.Value{Type: dbcore.Integer, I: int64(*h.WindDeg)})
		}
		add(5, h.Time, dbcore.Value{Type: dbcore.Float, F: h.Rain})
		if h.Icon != nil {
			add(6, h.Time, dbcore.Value{Type: dbcore.String, S: *h.Icon})
		}
	}
	return sets
}

// ingressWeatherHTTP runs the ingress on demand: POST {"dt_from", "dt_to"} (datetimes, or
// "present"), with the function's key (run-service sends no token) or an access token.
func (s *Server) ingressWeatherHTTP(w http.ResponseWriter, r *http.Request) error {
	return s.keyOrToken(w, r, "ingress_weather", func(w http.ResponseWriter, r *http.Request) error {
		body, err := s.decodeBody(r, false)
		if err != nil {
			return err
		}
		now := s.now()
		when := func(key string) time.Time {
			v, ok := body.field(key, true)
			if !ok || v == "present" {
				return now
			}
			return body.asDatetime(body.at(key), v)
		}
		from, to := when("dt_from"), when("dt_to")
		if err := body.err(); err != nil {
			return err
		}
		summary, err := s.ingestWeather(r.Context(), from, to)
		if err != nil {
			return err
		}
		writeDetail(w, http.StatusOK, "Weather ingested: "+summary)
		return nil
	})
}

// invokeIngressWeather is the timer: the last three hours (late observations are caught up, and a
// re-run stores nothing twice) and the next 48.
func (s *Server) invokeIngressWeather(ctx context.Context, _ InvokeRequest) ([]string, error) {
	if s.cfg.Weather.APIKey == "" {
		return []string{"weather ingress not configured (DT_OPENWEATHERMAP_APIKEY unset); nothing to do"}, nil
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	now := s.now()
	summary, err := s.ingestWeather(ctx, now.Truncate(time.Hour).Add(-3*time.Hour), now.Add(weather.MaxForecast))
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, errors.New(ae.detail)
		}
		return nil, err
	}
	return []string{summary}, nil
}

// Package weather fetches hourly weather from the OpenWeatherMap One Call API 3.0: past hours
// through the timemachine call, the next 48 hours through the forecast call. It knows nothing of
// the database; the ingress function stores what it returns.
package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// DefaultBaseURL is OpenWeatherMap's API.
const DefaultBaseURL = "https://api.openweathermap.org"

// The original's limits: history up to 5 days back, forecasts up to 48 hours ahead.
const (
	MaxHistory  = 5 * 24 * time.Hour
	MaxForecast = 48 * time.Hour
)

// Client calls One Call 3.0 for one place.
type Client struct {
	BaseURL  string // DefaultBaseURL when empty
	APIKey   string
	Lat, Lon float64
	HTTP     *http.Client // a client with a timeout; http.DefaultClient when nil
}

// Hour is one hour of weather. Fields OpenWeatherMap left out are nil.
type Hour struct {
	Time      time.Time
	Temp      *float64 // degrees Celsius
	Humidity  *int     // percent
	Pressure  *int     // hPa (millibar)
	WindSpeed *float64 // m/s
	WindDeg   *int     // degrees
	Rain      float64  // mm in the last hour; 0 when absent, as the original
	Icon      *string
}

// Window is the result of Fetch: observed hours and forecast hours within the asked range.
type Window struct {
	History, Forecast []Hour
}

// APIError is an answer from OpenWeatherMap other than 200.
type APIError struct {
	Status     int
	Message    string
	RetryAfter time.Duration // from a 429's Retry-After, when given
}

func (e *APIError) Error() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "OpenWeatherMap refused the API key (401): " + e.Message
	case e.Status == http.StatusTooManyRequests && e.RetryAfter > 0:
		return fmt.Sprintf("OpenWeatherMap rate limit (429); retry after %s: %s", e.RetryAfter, e.Message)
	}
	return fmt.Sprintf("OpenWeatherMap answered %d: %s", e.Status, e.Message)
}

// CheckRange applies the original's date rules, with its bugs fixed: from must not be after to,
// history reaches back at most MaxHistory and forecasts at most MaxForecast ahead of now. A range
// spanning now is allowed (Fetch splits it) and an empty range at one instant is too.
func CheckRange(from, to, now time.Time) error {
	switch {
	case from.After(to):
		return errors.New("dt_from is after dt_to")
	case from.Before(now.Add(-MaxHistory)):
		return fmt.Errorf("dt_from is more than %v in the past: OpenWeatherMap keeps 5 days of history here", MaxHistory)
	case to.After(now.Add(MaxForecast)):
		return fmt.Errorf("dt_to is more than %v ahead: forecasts reach 48 hours", MaxForecast)
	}
	return nil
}

// Fetch returns the hours of [from, to], both ends included: hours up to now from the timemachine
// call (one call per hour), later hours from one forecast call. Any failed call fails the whole
// fetch, so a caller never stores part of a window.
func (c *Client) Fetch(ctx context.Context, from, to, now time.Time) (Window, error) {
	var w Window
	if err := CheckRange(from, to, now); err != nil {
		return w, err
	}
	if !from.After(now) {
		end := minTime(to, now)
		for t := from.Truncate(time.Hour); !t.After(end); t = t.Add(time.Hour) {
			if t.Before(from) {
				continue
			}
			var page struct {
				Data []hourJSON `json:"data"`
			}
			if err := c.get(ctx, "/data/3.0/onecall/timemachine", url.Values{"dt": {strconv.FormatInt(t.Unix(), 10)}}, &page); err != nil {
				return Window{}, err
			}
			w.History = appendInRange(w.History, page.Data, from, end)
		}
	}
	if to.After(now) {
		var page struct {
			Hourly []hourJSON `json:"hourly"`
		}
		if err := c.get(ctx, "/data/3.0/onecall", url.Values{"exclude": {"current,minutely,daily,alerts"}}, &page); err != nil {
			return Window{}, err
		}
		w.Forecast = appendInRange(w.Forecast, page.Hourly, maxTime(from, now.Add(time.Nanosecond)), to)
	}
	return w, nil
}

type hourJSON struct {
	Dt        *int64   `json:"dt"`
	Temp      *float64 `json:"temp"`
	Humidity  *int     `json:"humidity"`
	Pressure  *int     `json:"pressure"`
	WindSpeed *float64 `json:"wind_speed"`
	WindDeg   *int     `json:"wind_deg"`
	Rain      *struct {
		OneHour *float64 `json:"1h"`
	} `json:"rain"`
	Weather []struct {
		Icon *string `json:"icon"`
	} `json:"weather"`
}

// appendInRange adds the hours within [from, to], skipping entries without a time and hours
// already present (the same hour can come from two calls).
func appendInRange(out []Hour, hours []hourJSON, from, to time.Time) []Hour {
	for _, h := range hours {
		if h.Dt == nil {
			continue
		}
		t := time.Unix(*h.Dt, 0).UTC()
		if t.Before(from) || t.After(to) || (len(out) > 0 && !t.After(out[len(out)-1].Time)) {
			continue
		}
		hour := Hour{Time: t, Temp: h.Temp, Humidity: h.Humidity, Pressure: h.Pressure, WindSpeed: h.WindSpeed, WindDeg: h.WindDeg}
		if h.Rain != nil && h.Rain.OneHour != nil {
			hour.Rain = *h.Rain.OneHour
		}
		if len(h.Weather) > 0 {
			hour.Icon = h.Weather[0].Icon
		}
		out = append(out, hour)
	}
	return out
}

func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	q.Set("lat", strconv.FormatFloat(c.Lat, 'f', -1, 64))
	q.Set("lon", strconv.FormatFloat(c.Lon, 'f', -1, 64))
	q.Set("units", "metric")
	q.Set("appid", c.APIKey)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("build OpenWeatherMap request: %w", err)
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL carries the API key: report the error without it.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("call OpenWeatherMap %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("read OpenWeatherMap answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		apiErr := &APIError{Status: resp.StatusCode, Message: string(data)}
		var msg struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &msg) == nil && msg.Message != "" {
			apiErr.Message = msg.Message
		}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			apiErr.RetryAfter = time.Duration(secs) * time.Second
		}
		return apiErr
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("OpenWeatherMap answer %s is not the documented JSON: %w", path, err)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/handlers/forecast/arima"
	"github.com/dtbase-go/dtbase/handlers/forecast/hodmd"
)

// The forecasting model functions, `arima` and `hodmd`: each reads one sensor measure's readings,
// prepares hourly means, fits its model and writes one model run (mean and bounds) linked to the
// sensor and measure. They run on a timer (targets from an app setting) and on demand over HTTP
// (POST /api/forecast/arima and /api/forecast/hodmd), which run-service can call with the
// function's key in the URL, since it sends no token.

// Forecast defaults: the original DTBase configuration (config_arima.ini, data_config.ini, and the
// HODMD script's delay).
const (
	defaultHistoryDays     = 60
	maxHistoryDays         = 365
	defaultHorizon         = 48
	maxHorizon             = 1000
	defaultAlpha           = 0.32
	defaultMinsFromTheHour = 15
	defaultScenario        = "Business as usual"
	defaultDelay           = 250
	maxDelay               = 500
	defaultHODMDTolerance  = 0.02
	// maxARIMAStates bounds the state vector of an on-demand ARIMA fit (the original's model has 53).
	maxARIMAStates = 120
	// maxMissingFraction is the share of missing hours beyond which HODMD refuses a series: it
	// needs every hour, and fills gaps by linear interpolation.
	maxMissingFraction = 0.5
)

var (
	defaultOrder         = []int{4, 1, 2}
	defaultSeasonalOrder = []int{1, 1, 0, 24}
)

// forecastModels are the two model functions: function name, model name in the database.
var forecastModels = map[string]string{"arima": "Arima", "hodmd": "HODMD"}

// forecastParams are a model function's parameters: the HTTP body, or one entry of the timer's app
// setting. Absent fields take the defaults.
type forecastParams struct {
	SensorUniqueID  string          `json:"sensor_unique_id"`
	MeasureName     string          `json:"measure_name"`
	HistoryDays     *int            `json:"history_days"`
	End             json.RawMessage `json:"end"`
	Horizon         *int            `json:"horizon"`
	Alpha           *float64        `json:"alpha"`
	MinsFromTheHour *int            `json:"mins_from_the_hour"`
	Scenario        *string         `json:"scenario"`
	Order           []int           `json:"order"`
	SeasonalOrder   []int           `json:"seasonal_order"`
	Delay           *int            `json:"delay"`
	Tolerance       *float64        `json:"tolerance"`
}

// forecastJob is a validated request.
type forecastJob struct {
	model           string // "arima" or "hodmd"
	sensor, measure string
	from, end       time.Time
	horizon         int
	alpha           float64
	window          time.Duration
	scenario        string
	spec            arima.Spec
	delay           int
	tolerance       float64
}

// parseForecastParams decodes and checks parameters; every problem is a 400 with a clear detail.
func parseForecastParams(model string, data []byte, now time.Time) (forecastJob, error) {
	var p forecastParams
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if len(bytes.TrimSpace(data)) == 0 {
		return forecastJob{}, badRequest("Give the parameters as a JSON object: sensor_unique_id and measure_name at least")
	}
	if err := dec.Decode(&p); err != nil {
		return forecastJob{}, badRequest("Invalid parameters: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return forecastJob{}, badRequest("Invalid parameters: one JSON object expected")
	}
	job := forecastJob{model: model, sensor: p.SensorUniqueID, measure: p.MeasureName, end: now,
		horizon: defaultHorizon, alpha: defaultAlpha, window: defaultMinsFromTheHour * time.Minute, scenario: defaultScenario}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if job.sensor == "" {
		bad("sensor_unique_id is required")
	}
	if job.measure == "" {
		bad("measure_name is required")
	}
	days := defaultHistoryDays
	if p.HistoryDays != nil {
		days = *p.HistoryDays
		if days < 1 || days > maxHistoryDays {
			bad("history_days must be from 1 to %d, got %d", maxHistoryDays, days)
		}
	}
	if len(p.End) > 0 && string(p.End) != "null" {
		var v any
		dec := json.NewDecoder(bytes.NewReader(p.End))
		dec.UseNumber()
		t, err := time.Time{}, dec.Decode(&v)
		if err == nil {
			t, err = parseDatetime(v)
		}
		if err != nil {
			bad("end must be an ISO 8601 datetime")
		} else {
			job.end = t.UTC()
		}
	}
	job.from = job.end.Add(-time.Duration(days) * 24 * time.Hour)
	if p.Horizon != nil {
		job.horizon = *p.Horizon
		if job.horizon < 1 || job.horizon > maxHorizon {
			bad("horizon must be from 1 to %d hours, got %d", maxHorizon, job.horizon)
		}
	}
	if p.Alpha != nil {
		job.alpha = *p.Alpha
		if !(job.alpha > 0 && job.alpha < 1) {
			bad("alpha must lie strictly between 0 and 1 (the interval level is 1 - alpha), got %g", job.alpha)
		}
	}
	if p.MinsFromTheHour != nil {
		m := *p.MinsFromTheHour
		if m < 0 || m > 30 {
			bad("mins_from_the_hour must be from 0 to 30, got %d", m)
		}
		job.window = time.Duration(m) * time.Minute
	}
	if p.Scenario != nil {
		job.scenario = *p.Scenario
		if job.scenario == "" {
			bad("scenario must not be empty")
		}
	}
	switch model {
	case "arima":
		if p.Delay != nil || p.Tolerance != nil {
			bad("delay and tolerance are HODMD parameters")
		}
		order, seasonal := defaultOrder, defaultSeasonalOrder
		if p.Order != nil {
			order = p.Order
		}
		if p.SeasonalOrder != nil {
			seasonal = p.SeasonalOrder
		}
		if len(order) != 3 || len(seasonal) != 4 {
			bad("order is [p, d, q] and seasonal_order is [P, D, Q, s]")
			break
		}
		job.spec = arima.Spec{P: order[0], D: order[1], Q: order[2], SP: seasonal[0], SD: seasonal[1], SQ: seasonal[2], S: seasonal[3]}
		if err := job.spec.Validate(); err != nil {
			bad("%v", err)
		} else if states := arimaStates(job.spec); states > maxARIMAStates {
			bad("model %s needs %d states; at most %d are fitted on demand", job.spec, states, maxARIMAStates)
		}
	case "hodmd":
		if p.Order != nil || p.SeasonalOrder != nil {
			bad("order and seasonal_order are ARIMA parameters")
		}
		job.delay, job.tolerance = defaultDelay, defaultHODMDTolerance
		if p.Delay != nil {
			job.delay = *p.Delay
			if job.delay < 1 || job.delay > maxDelay {
				bad("delay must be from 1 to %d, got %d", maxDelay, job.delay)
			}
		}
		if p.Tolerance != nil {
			job.tolerance = *p.Tolerance
			if !(job.tolerance > 0 && job.tolerance < 1) {
				bad("tolerance must lie strictly between 0 and 1, got %g", job.tolerance)
			}
		}
	}
	if len(problems) > 0 {
		return job, badRequest("Invalid parameters: " + strings.Join(problems, "; "))
	}
	return job, nil
}

// arimaStates is the state dimension of the SARIMAX form: max(p+P·s, q+Q·s+1) + d + D·s.
func arimaStates(s arima.Spec) int {
	per := s.S
	if s.SP == 0 && s.SD == 0 && s.SQ == 0 {
		per = 0
	}
	return max(s.P+s.SP*per, s.Q+s.SQ*per+1) + s.D + s.SD*per
}

// hourlySeries is the prepared input of a model: hourly means on a regular grid.
type hourlySeries struct {
	start    time.Time // the first hour
	values   []float64 // NaN where no reading fell near the hour
	readings int       // readings read
	dropped  int       // readings too far from any hour
	missing  int       // hours without a mean
}

func (h hourlySeries) last() time.Time {
	return h.start.Add(time.Duration(len(h.values)-1) * time.Hour)
}

// hourlyAccumulator prepares readings as the original's clean_data, with its defects fixed:
//
//   - each timestamp is rounded to the nearest hour (in UTC), and a reading more than window from
//     that hour is dropped (the original's mins_from_the_hour, 15 minutes by default; the count is
//     reported rather than silently lost);
//   - readings are averaged per hour;
//   - the grid runs from the first to the last hour that has a mean, every hour in between, with
//     NaN where no reading fell (the original started one hour after the floor of the first reading
//     and ended at the floor of the last, losing an hour at each end);
//   - the series is not cut to the CROP farm's 04:00/16:00 "farm cycle": it ends at the last hour
//     with data, and forecasts start the hour after.
//
// It takes the readings as they stream in: memory grows with the hours, not the readings.
type hourlyAccumulator struct {
	window      time.Duration
	buckets     map[int64]*hourSum
	first, last int64
	readings    int
	dropped     int
}

type hourSum struct {
	sum float64
	n   int
}

func newHourlyAccumulator(window time.Duration) *hourlyAccumulator {
	return &hourlyAccumulator{window: window, buckets: map[int64]*hourSum{}, first: math.MaxInt64, last: math.MinInt64}
}

func (h *hourlyAccumulator) add(t time.Time, v float64) {
	h.readings++
	hour := t.UTC().Round(time.Hour)
	if d := t.Sub(hour); d > h.window || d < -h.window {
		h.dropped++
		return
	}
	k := hour.Unix() / 3600
	b := h.buckets[k]
	if b == nil {
		b = &hourSum{}
		h.buckets[k] = b
	}
	b.sum += v
	b.n++
	h.first, h.last = min(h.first, k), max(h.last, k)
}

func (h *hourlyAccumulator) series() hourlySeries {
	out := hourlySeries{readings: h.readings, dropped: h.dropped}
	if len(h.buckets) == 0 {
		return out
	}
	out.start = time.Unix(h.first*3600, 0).UTC()
	out.values = make([]float64, h.last-h.first+1)
	for i := range out.values {
		if b := h.buckets[h.first+int64(i)]; b != nil {
			out.values[i] = b.sum / float64(b.n)
		} else {
			out.values[i] = math.NaN()
			out.missing++
		}
	}
	return out
}

// interpolate fills NaN runs linearly between their neighbours (the ends of an hourly series are
// never NaN).
func interpolate(y []float64) []float64 {
	out := append([]float64(nil), y...)
	for i := 0; i < len(out); i++ {
		if !math.IsNaN(out[i]) {
			continue
		}
		j := i
		for j < len(out) && math.IsNaN(out[j]) {
			j++
		}
		if i == 0 || j == len(out) {
			return out // cannot happen for an hourly series
		}
		a, b := out[i-1], out[j]
		for k := i; k < j; k++ {
			out[k] = a + (b-a)*float64(k-i+1)/float64(j-i+1)
		}
		i = j
	}
	return out
}

// forecastResult is what a model function answers (and run-service records).
type forecastResult struct {
	Detail              string            `json:"detail"`
	RunID               int32             `json:"run_id"`
	ModelName           string            `json:"model_name"`
	ScenarioDescription string            `json:"scenario_description"`
	SensorUniqueID      string            `json:"sensor_unique_id"`
	SensorMeasure       dbcore.MeasureRef `json:"sensor_measure"`
	Training            trainingInfo      `json:"training"`
	Forecast            forecastInfo      `json:"forecast"`
	Fit                 any               `json:"fit"`
}

type trainingInfo struct {
	From            jsonTime `json:"from"`
	To              jsonTime `json:"to"`
	Hours           int      `json:"hours"`
	MissingHours    int      `json:"missing_hours"`
	Readings        int      `json:"readings"`
	DroppedReadings int      `json:"dropped_readings"`
}

type forecastInfo struct {
	From  jsonTime `json:"from"`
	To    jsonTime `json:"to"`
	Steps int      `json:"steps"`
	Level float64  `json:"level"`
}

type arimaFit struct {
	Order         [3]int       `json:"order"`
	SeasonalOrder [4]int       `json:"seasonal_order"`
	Params        arima.Params `json:"params"`
	LogLike       float64      `json:"loglike"`
	AIC           float64      `json:"aic"`
	NObs          int          `json:"nobs"`
	Converged     bool         `json:"converged"`
}

type hodmdFit struct {
	Delay      int     `json:"delay"`
	Tolerance  float64 `json:"tolerance"`
	Modes      int     `json:"modes"`
	ResidualSD float64 `json:"residual_sd"`
	// Interpolated hours filled before the fit.
	Interpolated int `json:"interpolated_hours"`
}

// fitSlots bounds the model fits running at once: each keeps a core busy for a while.
var fitSlots = make(chan struct{}, 2)

// runForecast does one model run: read, prepare, fit, write.
func (s *Server) runForecast(ctx context.Context, job forecastJob) (forecastResult, error) {
	src, err := s.db.ForecastSource(ctx, job.sensor, job.measure)
	if err != nil {
		return forecastResult{}, err
	}
	if src.Datatype != dbcore.Float && src.Datatype != dbcore.Integer {
		return forecastResult{}, badRequest(fmt.Sprintf("Measure '%s' holds %s values; only numbers can be forecast", job.measure, src.Datatype))
	}
	acc := newHourlyAccumulator(job.window)
	err = s.db.StreamReadings(ctx, dbcore.ReadingsQuery{UniqueID: job.sensor, MeasureName: job.measure, From: job.from, To: job.end},
		func() error { return nil },
		func(t time.Time, v dbcore.Value) error {
			if v.Type == dbcore.Integer {
				v.F = float64(v.I)
			}
			acc.add(t, v.F)
			return nil
		})
	if err != nil {
		return forecastResult{}, err
	}
	series := acc.series()
	if len(series.values) == 0 {
		return forecastResult{}, badRequest(fmt.Sprintf("Too little data: no readings of '%s' of sensor '%s' within %d minutes of an hour between %s and %s",
			job.measure, job.sensor, int(job.window/time.Minute), job.from.Format(time.RFC3339), job.end.Format(time.RFC3339)))
	}

	select {
	case fitSlots <- struct{}{}:
	case <-ctx.Done():
		return forecastResult{}, ctx.Err()
	}
	mean, lower, upper, fit, err := fitModel(job, series)
	<-fitSlots
	if err != nil {
		return forecastResult{}, err
	}

	units := ""
	if src.Units != nil {
		units = *src.Units
	}
	stamps := make([]time.Time, job.horizon)
	for i := range stamps {
		stamps[i] = series.last().Add(time.Duration(i+1) * time.Hour)
	}
	output := func(prefix string, values []float64) dbcore.ModelOutput {
		out := dbcore.ModelOutput{MeasureName: prefix + job.measure, Timestamps: stamps, Values: make([]dbcore.Value, len(values))}
		for i, v := range values {
			out.Values[i] = dbcore.Value{Type: dbcore.Float, F: v}
		}
		return out
	}
	for _, v := range [][]float64{mean, lower, upper} {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return forecastResult{}, badRequest("The fitted model gives a non-finite forecast; try other parameters")
			}
		}
	}
	run := dbcore.ForecastRun{
		ModelName: forecastModels[job.model], ScenarioDescription: job.scenario,
		SensorUniqueID: job.sensor, SensorMeasureName: job.measure, Units: units, TimeCreated: s.now(),
		// The original's measure names and order.
		Outputs: []dbcore.ModelOutput{output("Mean ", mean), output("Upper Bound ", upper), output("Lower Bound ", lower)},
	}
	id, err := s.db.InsertForecastRun(ctx, run)
	if err != nil {
		return forecastResult{}, err
	}
	name, measureUnits := job.measure, src.Units
	return forecastResult{
		Detail: "Model run inserted", RunID: id, ModelName: run.ModelName, ScenarioDescription: job.scenario,
		SensorUniqueID: job.sensor, SensorMeasure: dbcore.MeasureRef{Name: &name, Units: measureUnits},
		Training: trainingInfo{From: jsonTime(series.start), To: jsonTime(series.last()), Hours: len(series.values),
			MissingHours: series.missing, Readings: series.readings, DroppedReadings: series.dropped},
		Forecast: forecastInfo{From: jsonTime(stamps[0]), To: jsonTime(stamps[len(stamps)-1]), Steps: job.horizon, Level: 1 - job.alpha},
		Fit:      fit,
	}, nil
}

// fitModel fits the job's model to the hourly series and forecasts the horizon.
func fitModel(job forecastJob, series hourlySeries) (mean, lower, upper []float64, fit any, err error) {
	tooLittle := func(err error) error {
		reason := err.Error()
		for _, prefix := range []string{arima.ErrTooLittleData.Error() + ": ", hodmd.ErrTooLittleData.Error() + ": "} {
			reason = strings.TrimPrefix(reason, prefix)
		}
		return badRequest(fmt.Sprintf("Too little data for %s: %d hourly means (%d missing) of '%s' from %s to %s; %s",
			forecastModels[job.model], len(series.values), series.missing, job.measure,
			series.start.Format(time.RFC3339), series.last().Format(time.RFC3339), reason))
	}
	switch job.model {
	case "arima":
		res, err := arima.Fit(series.values, job.spec, nil)
		if errors.Is(err, arima.ErrTooLittleData) {
			return nil, nil, nil, nil, tooLittle(err)
		}
		if err != nil {
			return nil, nil, nil, nil, badRequest("ARIMA fit failed: " + err.Error())
		}
		fc, err := res.Forecast(job.horizon, job.alpha)
		if err != nil {
			return nil, nil, nil, nil, badRequest(err.Error())
		}
		for _, f := range fc {
			mean, lower, upper = append(mean, f.Mean), append(lower, f.Lower), append(upper, f.Upper)
		}
		p := res.Params
		for _, v := range []*[]float64{&p.AR, &p.MA, &p.SeasonalAR, &p.SeasonalMA} {
			if *v == nil {
				*v = []float64{}
			}
		}
		return mean, lower, upper, arimaFit{
			Order: [3]int{job.spec.P, job.spec.D, job.spec.Q}, SeasonalOrder: [4]int{job.spec.SP, job.spec.SD, job.spec.SQ, job.spec.S},
			Params: p, LogLike: res.LogLike, AIC: res.AIC, NObs: res.NObs, Converged: res.Converged,
		}, nil
	default:
		n := len(series.values)
		if float64(series.missing) > maxMissingFraction*float64(n) {
			return nil, nil, nil, nil, badRequest(fmt.Sprintf("Too little data for HODMD: %d of %d hours have no reading", series.missing, n))
		}
		// As the original, standardise with the series' mean and deviation, but map the forecast
		// back to the measure's units (the original wrote standardised values).
		y := interpolate(series.values)
		mu, sd := 0.0, 0.0
		for _, v := range y {
			mu += v
		}
		mu /= float64(n)
		for _, v := range y {
			sd += (v - mu) * (v - mu)
		}
		sd = math.Sqrt(sd / float64(n))
		if sd == 0 {
			sd = 1
		}
		z := make([]float64, n)
		for i, v := range y {
			z[i] = (v - mu) / sd
		}
		m, err := hodmd.FitSeries(z, hodmd.Options{Delay: job.delay, Tol1: job.tolerance, Tol2: job.tolerance, Stabilize: true})
		if errors.Is(err, hodmd.ErrTooLittleData) {
			return nil, nil, nil, nil, tooLittle(err)
		}
		if err != nil {
			return nil, nil, nil, nil, badRequest("HODMD failed: " + err.Error())
		}
		// Bounds from the in-sample reconstruction error: mean ± z·(residual deviation). A
		// heuristic band, not a predictive distribution.
		resid := 0.0
		for _, r := range m.Residuals(z) {
			resid += r * r
		}
		resid = math.Sqrt(resid/float64(n)) * sd
		q := distuv.UnitNormal.Quantile(1 - job.alpha/2)
		fc, err := m.Forecast(job.horizon)
		if err != nil {
			return nil, nil, nil, nil, badRequest(err.Error())
		}
		for _, v := range fc {
			x := v[0]*sd + mu
			mean, lower, upper = append(mean, x), append(lower, x-q*resid), append(upper, x+q*resid)
		}
		return mean, lower, upper, hodmdFit{Delay: job.delay, Tolerance: job.tolerance, Modes: len(m.Modes), ResidualSD: resid,
			Interpolated: series.missing}, nil
	}
}

func (s *Server) forecastArimaHTTP(w http.ResponseWriter, r *http.Request) error {
	return s.serveForecast(w, r, "arima")
}

func (s *Server) forecastHodmdHTTP(w http.ResponseWriter, r *http.Request) error {
	return s.serveForecast(w, r, "hodmd")
}

// serveForecast runs a model function on demand. The route is public to the router: the request
// needs either the function's key or an access token, checked here.
func (s *Server) serveForecast(w http.ResponseWriter, r *http.Request, name string) error {
	run := func(w http.ResponseWriter, r *http.Request) error {
		data, err := s.readBody(r)
		if err != nil {
			return err
		}
		job, err := parseForecastParams(name, data, s.now())
		if err != nil {
			return err
		}
		res, err := s.runForecast(r.Context(), job)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, res)
		return nil
	}
	return s.keyOrToken(w, r, name, run)
}

// forecastTargetsSetting is the app setting listing a timer's targets: a JSON object or array of
// objects, each the parameters of one run.
func forecastTargetsSetting(name string) string { return "DT_" + strings.ToUpper(name) + "_PARAMETERS" }

func (s *Server) invokeArima(ctx context.Context, req InvokeRequest) ([]string, error) {
	return s.invokeForecast(ctx, req, "arima")
}

func (s *Server) invokeHodmd(ctx context.Context, req InvokeRequest) ([]string, error) {
	return s.invokeForecast(ctx, req, "hodmd")
}

// invokeForecast is a model function's timer: one run per target of its app setting, each written
// (or not) on its own; the invocation fails when any run failed, with one log line per target.
func (s *Server) invokeForecast(ctx context.Context, req InvokeRequest, name string) ([]string, error) {
	if raw, ok := req.Data["timer"]; ok && string(raw) != "null" {
		var timer TimerInfo
		if err := json.Unmarshal(raw, &timer); err != nil {
			return nil, errors.New("timer binding data is not a TimerInfo: " + err.Error())
		}
	}
	setting := forecastTargetsSetting(name)
	raw := strings.TrimSpace(os.Getenv(setting))
	if raw == "" {
		return []string{"no targets: set " + setting + " to the parameters of the runs (a JSON object or array)"}, nil
	}
	var targets []json.RawMessage
	if strings.HasPrefix(raw, "[") {
		if err := json.Unmarshal([]byte(raw), &targets); err != nil {
			return nil, fmt.Errorf("%s is not a JSON array of objects: %v", setting, err)
		}
	} else {
		targets = []json.RawMessage{json.RawMessage(raw)}
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var logs []string
	failed := 0
	for i, target := range targets {
		label := fmt.Sprintf("%s target %d", name, i+1)
		job, err := parseForecastParams(name, target, s.now())
		if err == nil {
			label += " (" + job.sensor + "/" + job.measure + ")"
			var res forecastResult
			if res, err = s.runForecast(ctx, job); err == nil {
				logs = append(logs, fmt.Sprintf("%s: run %d, %d hours from %s", label, res.RunID, job.horizon,
					time.Time(res.Forecast.From).Format(time.RFC3339)))
				continue
			}
		}
		failed++
		msg := err.Error()
		if de, ok := dbcore.AsError(err); ok {
			msg = de.Detail
		}
		logs = append(logs, label+": failed: "+msg)
	}
	if failed > 0 {
		return logs, fmt.Errorf("%d of %d runs failed", failed, len(targets))
	}
	return logs, nil
}

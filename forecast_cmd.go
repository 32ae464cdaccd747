package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dtbase-go/dtbase/handlers/forecast/arima"
	"github.com/dtbase-go/dtbase/handlers/forecast/hodmd"
)

const forecastUsage = `usage:
  handler forecast arima --csv FILE [--order p,d,q] [--seasonal P,D,Q,s] [--horizon H] [--alpha A]
  handler forecast hodmd --csv FILE --delay d [--horizon H]

FILE is CSV with a header: "timestamp,value" (regularly spaced) or a single "value" column.
ARIMA defaults are the original DTBase configuration: --order 4,1,2 --seasonal 1,1,0,24
--horizon 48 --alpha 0.32 (a 68 % interval); empty or NaN values are missing. HODMD needs a
complete series; its horizon defaults to 48. The result is one JSON object on stdout.`

// forecastCmd is `handler forecast ...`: fits a model to a CSV file and prints one JSON object.
func forecastCmd(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("forecast: name a model (arima or hodmd)\n" + forecastUsage)
	}
	model, args := args[0], args[1:]
	fs := flag.NewFlagSet("forecast "+model, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("csv", "", "CSV file")
	horizon := fs.Int("horizon", 48, "steps to forecast")
	var out any
	switch model {
	case "arima":
		order := fs.String("order", "4,1,2", "p,d,q")
		seasonal := fs.String("seasonal", "1,1,0,24", "P,D,Q,s")
		alpha := fs.Float64("alpha", 0.32, "1 − interval level")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		o, err := ints(*order, 3, "--order")
		if err != nil {
			return err
		}
		so, err := ints(*seasonal, 4, "--seasonal")
		if err != nil {
			return err
		}
		if !(*alpha > 0 && *alpha < 1) {
			return fmt.Errorf("forecast: --alpha must lie strictly between 0 and 1, got %g", *alpha)
		}
		y, err := readSeries(*file, *horizon, true)
		if err != nil {
			return err
		}
		spec := arima.Spec{P: o[0], D: o[1], Q: o[2], SP: so[0], SD: so[1], SQ: so[2], S: so[3]}
		if out, err = arimaJSON(y, spec, *horizon, *alpha); err != nil {
			return fmt.Errorf("forecast: %w", err)
		}
	case "hodmd":
		delay := fs.Int("delay", 0, "delays d")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *delay < 1 {
			return errors.New("forecast: --delay d (at least 1) is required for hodmd")
		}
		y, err := readSeries(*file, *horizon, false)
		if err != nil {
			return err
		}
		if out, err = hodmdJSON(y, *delay, *horizon); err != nil {
			return fmt.Errorf("forecast: %w", err)
		}
	default:
		return fmt.Errorf("forecast: unknown model %q (arima or hodmd)\n%s", model, forecastUsage)
	}
	data, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("forecast: %w", err) // a NaN or infinite result
	}
	_, err = fmt.Fprintf(stdout, "%s\n", data)
	return err
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errors.New(forecastUsage)
		}
		return fmt.Errorf("forecast: %v\n%s", err, forecastUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("forecast: unexpected argument %q\n%s", fs.Arg(0), forecastUsage)
	}
	return nil
}

// ints parses n comma-separated non-negative integers.
func ints(s string, n int, flagName string) ([]int, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("forecast: %s wants %d comma-separated integers, got %q", flagName, n, s)
	}
	out := make([]int, n)
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return nil, fmt.Errorf("forecast: %s wants non-negative integers, got %q", flagName, s)
		}
		out[i] = v
	}
	return out, nil
}

// readSeries reads the values of a CSV file; missing values (empty, NaN, NA) become NaN when
// allowMissing, and are an error otherwise. Timestamps, when given, must be strictly increasing and
// regularly spaced.
func readSeries(path string, horizon int, allowMissing bool) ([]float64, error) {
	if path == "" {
		return nil, errors.New("forecast: --csv FILE is required\n" + forecastUsage)
	}
	if horizon < 1 || horizon > 100000 {
		return nil, fmt.Errorf("forecast: --horizon must be from 1 to 100000, got %d", horizon)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	// Line by line rather than one csv.Reader: that one skips empty lines, which in a single-column
	// file are missing values.
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("forecast: %s: no header", path)
	}
	header := splitCSV(lines[0])
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	var withTime bool
	switch strings.Join(header, ",") {
	case "timestamp,value":
		withTime = true
	case "value":
	default:
		return nil, fmt.Errorf("forecast: %s: the header must be \"timestamp,value\" or \"value\", got %q", path, strings.Join(header, ","))
	}
	var y []float64
	var prev time.Time
	var step time.Duration
	for i, text := range lines[1:] {
		line := i + 2
		rec := []string{text}
		if withTime {
			rec = splitCSV(text)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("forecast: %s line %d: %d fields, want %d", path, line, len(rec), len(header))
		}
		if withTime {
			ts, err := parseTimestamp(rec[0])
			if err != nil {
				return nil, fmt.Errorf("forecast: %s line %d: %v", path, line, err)
			}
			if len(y) == 1 {
				step = ts.Sub(prev)
			}
			if len(y) >= 1 && (step <= 0 || ts.Sub(prev) != step) {
				return nil, fmt.Errorf("forecast: %s line %d: timestamps must be strictly increasing and regularly spaced (%s after %s)",
					path, line, rec[0], prev.Format(time.RFC3339))
			}
			prev = ts
		}
		raw := strings.Trim(strings.TrimSpace(rec[len(rec)-1]), `"`)
		var v float64
		switch strings.ToLower(raw) {
		case "", "nan", "na", "null":
			if !allowMissing {
				return nil, fmt.Errorf("forecast: %s line %d: missing value (HODMD needs a complete series)", path, line)
			}
			v = math.NaN()
		default:
			v, err = strconv.ParseFloat(raw, 64)
			if err != nil || math.IsInf(v, 0) {
				return nil, fmt.Errorf("forecast: %s line %d: %q is not a number", path, line, raw)
			}
		}
		y = append(y, v)
	}
	if len(y) == 0 {
		return nil, fmt.Errorf("forecast: %s has no values", path)
	}
	return y, nil
}

// splitCSV splits one CSV line (quoted fields allowed).
func splitCSV(line string) []string {
	r := csv.NewReader(strings.NewReader(line))
	r.TrimLeadingSpace = true
	rec, err := r.Read()
	if err != nil {
		return []string{line}
	}
	return rec
}

var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}

func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q is not ISO 8601", s)
}

type arimaParamsJSON struct {
	AR         []float64 `json:"ar"`
	MA         []float64 `json:"ma"`
	SeasonalAR []float64 `json:"seasonal_ar"`
	SeasonalMA []float64 `json:"seasonal_ma"`
	Sigma2     float64   `json:"sigma2"`
}

type arimaStepJSON struct {
	Step  int     `json:"step"`
	Mean  float64 `json:"mean"`
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

type arimaOutput struct {
	Model         string          `json:"model"`
	Order         [3]int          `json:"order"`
	SeasonalOrder [4]int          `json:"seasonal_order"`
	Params        arimaParamsJSON `json:"params"`
	LogLike       float64         `json:"loglike"`
	AIC           float64         `json:"aic"`
	NObs          int             `json:"nobs"`
	Forecast      []arimaStepJSON `json:"forecast"`
}

func nonNil(v []float64) []float64 {
	if v == nil {
		return []float64{}
	}
	return v
}

func arimaJSON(y []float64, spec arima.Spec, horizon int, alpha float64) (arimaOutput, error) {
	res, err := arima.Fit(y, spec, nil)
	if err != nil {
		return arimaOutput{}, err
	}
	fc, err := res.Forecast(horizon, alpha)
	if err != nil {
		return arimaOutput{}, err
	}
	p := res.Params
	out := arimaOutput{
		Model:         "arima",
		Order:         [3]int{spec.P, spec.D, spec.Q},
		SeasonalOrder: [4]int{spec.SP, spec.SD, spec.SQ, spec.S},
		Params:        arimaParamsJSON{nonNil(p.AR), nonNil(p.MA), nonNil(p.SeasonalAR), nonNil(p.SeasonalMA), p.Sigma2},
		LogLike:       res.LogLike,
		AIC:           res.AIC,
		NObs:          res.NObs,
		Forecast:      make([]arimaStepJSON, len(fc)),
	}
	for i, f := range fc {
		out.Forecast[i] = arimaStepJSON{f.Step, f.Mean, f.Lower, f.Upper}
	}
	return out, nil
}

type hodmdModeJSON struct {
	Frequency float64 `json:"frequency"`
	Growth    float64 `json:"growth"`
	Amplitude float64 `json:"amplitude"`
}

type hodmdStepJSON struct {
	Step int     `json:"step"`
	Mean float64 `json:"mean"`
}

type hodmdOutput struct {
	Model    string          `json:"model"`
	Delay    int             `json:"delay"`
	Modes    []hodmdModeJSON `json:"modes"`
	Forecast []hodmdStepJSON `json:"forecast"`
}

func hodmdJSON(y []float64, delay, horizon int) (hodmdOutput, error) {
	m, err := hodmd.FitSeries(y, hodmd.Options{Delay: delay})
	if err != nil {
		return hodmdOutput{}, err
	}
	fc, err := m.Forecast(horizon)
	if err != nil {
		return hodmdOutput{}, err
	}
	out := hodmdOutput{Model: "hodmd", Delay: delay, Modes: make([]hodmdModeJSON, len(m.Modes)), Forecast: make([]hodmdStepJSON, len(fc))}
	for i, mode := range m.Modes {
		out.Modes[i] = hodmdModeJSON{mode.Frequency, mode.Growth, mode.Amplitude}
	}
	for i, v := range fc {
		out.Forecast[i] = hodmdStepJSON{i + 1, v[0]}
	}
	return out, nil
}

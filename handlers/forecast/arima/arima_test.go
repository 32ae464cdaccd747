package arima

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// fixture is a series with statsmodels' results, written by testdata/generate.py.
type fixture struct {
	Name     string
	Order    [3]int
	Seasonal [4]int `json:"seasonal_order"`
	Horizon  int
	Alpha    float64
	Y        []*float64
	Start    Params `json:"start_params"`
	Checks   []struct {
		Params  Params
		Loglike float64
	} `json:"loglike_checks"`
	Reference struct {
		Params   Params
		Loglike  float64
		AIC      float64
		NObs     int
		Forecast []struct {
			Step               int
			Mean, Lower, Upper float64
		}
	}
}

func (f fixture) spec() Spec {
	return Spec{f.Order[0], f.Order[1], f.Order[2], f.Seasonal[0], f.Seasonal[1], f.Seasonal[2], f.Seasonal[3]}
}

func (f fixture) series() []float64 {
	y := make([]float64, len(f.Y))
	for i, v := range f.Y {
		if v == nil {
			y[i] = math.NaN()
		} else {
			y[i] = *v
		}
	}
	return y
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("fixtures: %v (%d files)", err, len(files))
	}
	var out []fixture
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var f fixture
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out = append(out, f)
	}
	return out
}

func coefficients(p Params) []float64 {
	var out []float64
	for _, part := range [][]float64{p.AR, p.MA, p.SeasonalAR, p.SeasonalMA} {
		out = append(out, part...)
	}
	return out
}

// TestLogLikeMatchesStatsmodels checks the state space and the Kalman filter on their own: the
// log-likelihood at fixed parameters, where no optimiser is involved.
func TestLogLikeMatchesStatsmodels(t *testing.T) {
	for _, f := range loadFixtures(t) {
		for i, c := range f.Checks {
			got, err := LogLike(f.series(), f.spec(), c.Params)
			if err != nil {
				t.Fatalf("%s check %d: %v", f.Name, i, err)
			}
			// statsmodels' own value carries rounding noise of about 1e-9 relative (its 1e6 prior).
			if d := math.Abs(got - c.Loglike); d > 1e-5*math.Max(1, math.Abs(c.Loglike)) {
				t.Errorf("%s check %d: loglike %.9f, statsmodels %.9f", f.Name, i, got, c.Loglike)
			}
		}
	}
}

func TestStartParamsMatchStatsmodels(t *testing.T) {
	for _, f := range loadFixtures(t) {
		got := startParams(f.series(), f.spec())
		want := f.Start
		for i, v := range coefficients(want) {
			if g := coefficients(got)[i]; math.Abs(g-v) > 1e-9 {
				t.Errorf("%s: start coefficient %d = %g, statsmodels %g", f.Name, i, g, v)
			}
		}
		if math.Abs(got.Sigma2-want.Sigma2) > 1e-9*want.Sigma2 {
			t.Errorf("%s: start sigma2 = %g, statsmodels %g", f.Name, got.Sigma2, want.Sigma2)
		}
	}
}

// TestFitMatchesStatsmodels is the acceptance check: on every fixture (the airline model, the
// original DTBase configuration on three weeks of hourly data, and more) the estimates agree with
// statsmodels' SARIMAX to 0.01 (coefficients; the variance to 1 %), the log-likelihood to 0.5 and the
// forecast means and bounds to 1 %.
func TestFitMatchesStatsmodels(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			y := f.series()
			res, err := Fit(y, f.spec(), nil)
			if err != nil {
				t.Fatal(err)
			}
			ref := f.Reference
			if !res.Converged {
				t.Error("the optimiser did not converge")
			}
			maxCoef := 0.0
			for i, want := range coefficients(ref.Params) {
				maxCoef = math.Max(maxCoef, math.Abs(coefficients(res.Params)[i]-want))
			}
			if maxCoef > 0.01 {
				t.Errorf("coefficients %+v, statsmodels %+v (max difference %.4f)", res.Params, ref.Params, maxCoef)
			}
			if d := math.Abs(res.Params.Sigma2-ref.Params.Sigma2) / ref.Params.Sigma2; d > 0.01 {
				t.Errorf("sigma2 %g, statsmodels %g", res.Params.Sigma2, ref.Params.Sigma2)
			}
			dll := res.LogLike - ref.Loglike
			if math.Abs(dll) > 0.5 {
				t.Errorf("loglike %.4f, statsmodels %.4f", res.LogLike, ref.Loglike)
			}
			k := float64(f.spec().NumParams())
			if math.Abs(res.AIC-(-2*res.LogLike+2*k)) > 1e-9 || res.NObs != ref.NObs || res.NObs != len(y) {
				t.Errorf("aic %g nobs %d, want -2·loglike+2·%g and %d", res.AIC, res.NObs, k, ref.NObs)
			}
			fc, err := res.Forecast(f.Horizon, f.Alpha)
			if err != nil {
				t.Fatal(err)
			}
			maxRel := 0.0
			for i, want := range ref.Forecast {
				got := fc[i]
				// Relative to the mean, or to the interval's half-width for a series about zero.
				scale := math.Max(math.Abs(want.Mean), (want.Upper-want.Lower)/2)
				for _, d := range []float64{got.Mean - want.Mean, got.Lower - want.Lower, got.Upper - want.Upper} {
					maxRel = math.Max(maxRel, math.Abs(d)/scale)
				}
				if got.Step != i+1 {
					t.Fatalf("step %d at %d", got.Step, i)
				}
			}
			if maxRel > 0.01 {
				t.Errorf("forecasts differ from statsmodels' by up to %.4f relative", maxRel)
			}
			t.Logf("%s: max |Δcoef| %.5f, Δloglike %+.5f, max forecast relative difference %.2e (%d likelihood evaluations)",
				f.Name, maxCoef, dll, maxRel, res.Evaluations)
		})
	}
}

// TestApplyReproducesFit: the model applied with fitted parameters is the fitted model.
func TestApplyReproducesFit(t *testing.T) {
	f := loadFixtures(t)[0]
	res, err := Fit(f.series(), f.spec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Apply(f.series(), f.spec(), res.Params)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := res.Forecast(5, 0.1)
	b, _ := again.Forecast(5, 0.1)
	if again.LogLike != res.LogLike || again.AIC != res.AIC || !reflect.DeepEqual(a, b) {
		t.Fatalf("apply: %v %v, fit: %v %v", again.LogLike, b, res.LogLike, a)
	}
	if _, err := Apply(f.series(), f.spec(), Params{}); err == nil {
		t.Error("parameters of another model accepted")
	}
}

func TestForecastIntervals(t *testing.T) {
	f := loadFixtures(t)[0]
	res, err := Fit(f.series(), f.spec(), nil)
	if err != nil {
		t.Fatal(err)
	}
	narrow, _ := res.Forecast(12, 0.32)
	wide, _ := res.Forecast(12, 0.05)
	z68, z95 := distuv.UnitNormal.Quantile(0.84), distuv.UnitNormal.Quantile(0.975)
	for i := range narrow {
		n, w := narrow[i], wide[i]
		if n.Mean != w.Mean || n.SE != w.SE || !(n.SE > 0) {
			t.Fatalf("step %d: means %g/%g, SE %g/%g", i+1, n.Mean, w.Mean, n.SE, w.SE)
		}
		if math.Abs(n.Upper-n.Mean-z68*n.SE) > 1e-12 || math.Abs(w.Mean-w.Lower-z95*w.SE) > 1e-12 {
			t.Errorf("step %d: bounds are not mean ± z·SE", i+1)
		}
		if i > 0 && !(n.SE >= narrow[i-1].SE) {
			t.Errorf("standard error shrinks at step %d", i+1)
		}
	}
	if _, err := res.Forecast(0, 0.32); err == nil {
		t.Error("horizon 0 accepted")
	}
	for _, a := range []float64{0, 1, -0.1, math.NaN()} {
		if _, err := res.Forecast(3, a); err == nil {
			t.Errorf("alpha %g accepted", a)
		}
	}
}

func TestTransformRoundTrip(t *testing.T) {
	s := Spec{P: 4, Q: 2, SP: 1, SQ: 1, S: 12}
	u := []float64{0.3, -1.2, 2.5, -0.1, 0.7, -3, 0.9, -0.4}
	p := transform(s, u, false)
	for _, poly := range [][]float64{append([]float64{1}, neg(p.AR)...), append([]float64{1}, neg(p.SeasonalAR)...),
		append([]float64{1}, p.MA...), append([]float64{1}, p.SeasonalMA...)} {
		if !isInvertible(poly) {
			t.Errorf("transformed polynomial %v has a root inside the unit circle", poly)
		}
	}
	back, ok := untransform(s, p, false)
	if !ok {
		t.Fatal("untransform refused a transformed vector")
	}
	for i := range u {
		if math.Abs(back[i]-u[i]) > 1e-9 {
			t.Fatalf("round trip %v -> %v", u, back)
		}
	}
	if _, ok := untransform(Spec{P: 1}, Params{AR: []float64{1.2}}, false); ok {
		t.Error("an explosive AR(1) was untransformed")
	}
}

func TestBadInput(t *testing.T) {
	y := make([]float64, 200)
	for i := range y {
		y[i] = math.Sin(float64(i)) + float64(i%7)
	}
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{P: -1}, "negative"},
		{Spec{SP: 1, S: 1}, "seasonal period"},
		{Spec{P: 24, SP: 1, S: 24}, "overlap"},
		{Spec{Q: 12, SQ: 1, S: 12}, "overlap"},
		{Spec{D: 4}, "differencing"},
		{Spec{SP: 30, S: 24}, "lags beyond"},
	} {
		if _, err := Fit(y, tc.spec, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.spec, err, tc.want)
		}
	}
	// The original configuration on less than two days: 25 observations go to the burn-in.
	short := y[:40]
	_, err := Fit(short, Spec{4, 1, 2, 1, 1, 0, 24}, nil)
	if !errors.Is(err, ErrTooLittleData) || !strings.Contains(err.Error(), "needs at least 17 observations after the first 25") {
		t.Errorf("short series: err = %v", err)
	}
	nan := make([]float64, 100)
	for i := range nan {
		nan[i] = math.NaN()
	}
	if _, err := Fit(nan, Spec{P: 1}, nil); !errors.Is(err, ErrTooLittleData) {
		t.Errorf("all missing: err = %v", err)
	}
	if _, err := Fit(append([]float64{math.Inf(1)}, y...), Spec{P: 1}, nil); err == nil {
		t.Error("an infinite value was accepted")
	}
	if _, err := LogLike(y, Spec{P: 1}, Params{AR: []float64{0.5}}); err == nil {
		t.Error("LogLike accepted sigma2 = 0")
	}
}

// TestWhiteNoise: a model without ARMA terms is fitted too (one state, the variance only).
func TestWhiteNoise(t *testing.T) {
	y := make([]float64, 50)
	for i := range y {
		y[i] = math.Sin(1.7 * float64(i))
	}
	res, err := Fit(y, Spec{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, v := range y {
		want += v * v
	}
	want /= float64(len(y))
	if math.Abs(res.Params.Sigma2-want) > 1e-9 {
		t.Errorf("sigma2 %g, want the mean square %g", res.Params.Sigma2, want)
	}
}

// BenchmarkFitOriginalConfig fits the original DTBase configuration (4,1,2)(1,1,0,24) on three weeks
// of hourly data (504 values) and forecasts 48 hours with a 68 % interval.
func BenchmarkFitOriginalConfig(b *testing.B) {
	var f fixture
	for _, fx := range loadFixtures(b) {
		if fx.Name == "hourly" {
			f = fx
		}
	}
	y := f.series()
	if len(y) != 21*24 {
		b.Fatalf("hourly fixture has %d values", len(y))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Fit(y, f.spec(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.Forecast(48, 0.32); err != nil {
			b.Fatal(err)
		}
	}
}

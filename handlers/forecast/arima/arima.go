// Package arima fits seasonal ARIMA models (p,d,q)(P,D,Q,s) by exact Gaussian maximum likelihood and
// forecasts with prediction intervals. It follows statsmodels' SARIMAX with its defaults, so that the
// two agree on the same data:
//
//   - the state-space form of SARIMAX with the differencing inside the state vector
//     (simple_differencing=False) and Harvey's representation of the ARMA part;
//   - the ARMA states start from their stationary distribution (a discrete Lyapunov equation), the
//     d + s·D differencing states from the approximate diffuse prior N(0, 1e6·I), and the first
//     d + s·D observations are left out of the log-likelihood (statsmodels' loglikelihood_burn);
//   - stationarity and invertibility are enforced through the same transformation of unconstrained
//     parameters (Monahan 1984), and the variance is the square of an unconstrained parameter;
//   - starting values by conditional sum of squares on the differenced series, as SARIMAX.start_params;
//   - missing values (NaN) are skipped by the Kalman filter;
//   - signs: y_t = φ₁y_{t−1} + … + ε_t + θ₁ε_{t−1} + …, so AR and MA coefficients read as
//     statsmodels prints them (ar.L1, ma.L1, ar.S.L24, …).
//
// There is no trend or constant term (statsmodels' trend=None, the original DTBase configuration).
// The package is pure: no I/O, no logging.
package arima

import (
	"errors"
	"fmt"
	"math"
)

// Spec is a model order: (P, D, Q) non-seasonal, (SP, SD, SQ, S) seasonal with period S.
type Spec struct {
	P, D, Q       int
	SP, SD, SQ, S int
}

// String formats the spec as (p,d,q)(P,D,Q,s).
func (s Spec) String() string {
	return fmt.Sprintf("(%d,%d,%d)(%d,%d,%d,%d)", s.P, s.D, s.Q, s.SP, s.SD, s.SQ, s.S)
}

// maxLag bounds the polynomial degrees, so that a typo cannot ask for a huge state vector.
const maxLag = 400

// Validate checks the orders as statsmodels' SARIMAXSpecification does.
func (s Spec) Validate() error {
	for _, v := range []struct {
		name string
		n    int
	}{{"p", s.P}, {"d", s.D}, {"q", s.Q}, {"P", s.SP}, {"D", s.SD}, {"Q", s.SQ}, {"s", s.S}} {
		if v.n < 0 {
			return fmt.Errorf("order %s must not be negative, got %d", v.name, v.n)
		}
	}
	seasonal := s.SP > 0 || s.SD > 0 || s.SQ > 0
	if seasonal && s.S < 2 {
		return fmt.Errorf("seasonal period s must be at least 2 when P, D or Q is positive, got %d", s.S)
	}
	if !seasonal && s.S == 1 {
		return errors.New("seasonal period s = 1 is not a season; use 0")
	}
	if s.SP > 0 && s.P >= s.S {
		return fmt.Errorf("autoregressive lags overlap: p = %d must be below the seasonal period %d", s.P, s.S)
	}
	if s.SQ > 0 && s.Q >= s.S {
		return fmt.Errorf("moving average lags overlap: q = %d must be below the seasonal period %d", s.Q, s.S)
	}
	if s.D > 3 || s.SD > 2 {
		return fmt.Errorf("differencing orders d ≤ 3 and D ≤ 2 are supported, got d = %d, D = %d", s.D, s.SD)
	}
	if s.P+s.SP*s.S > maxLag || s.Q+s.SQ*s.S > maxLag || s.D+s.SD*s.S > maxLag {
		return fmt.Errorf("model %s has lags beyond %d", s, maxLag)
	}
	return nil
}

// seasonalPeriod is s when the model has a seasonal part, else 0 (statsmodels ignores s then).
func (s Spec) seasonalPeriod() int {
	if s.SP > 0 || s.SD > 0 || s.SQ > 0 {
		return s.S
	}
	return 0
}

// NumParams is the number of estimated parameters: the coefficients and the variance.
func (s Spec) NumParams() int { return s.P + s.Q + s.SP + s.SQ + 1 }

// Burn is the number of leading observations left out of the log-likelihood: one per diffuse state.
func (s Spec) Burn() int { return s.D + s.seasonalPeriod()*s.SD }

// Params are a model's parameters with statsmodels' signs.
type Params struct {
	AR         []float64 `json:"ar"`
	MA         []float64 `json:"ma"`
	SeasonalAR []float64 `json:"seasonal_ar"`
	SeasonalMA []float64 `json:"seasonal_ma"`
	Sigma2     float64   `json:"sigma2"`
}

func (p Params) check(s Spec) error {
	if len(p.AR) != s.P || len(p.MA) != s.Q || len(p.SeasonalAR) != s.SP || len(p.SeasonalMA) != s.SQ {
		return fmt.Errorf("parameters do not match model %s: %d AR, %d MA, %d seasonal AR, %d seasonal MA",
			s, len(p.AR), len(p.MA), len(p.SeasonalAR), len(p.SeasonalMA))
	}
	if !(p.Sigma2 > 0) || math.IsInf(p.Sigma2, 0) {
		return fmt.Errorf("sigma2 must be positive and finite, got %g", p.Sigma2)
	}
	for _, v := range [][]float64{p.AR, p.MA, p.SeasonalAR, p.SeasonalMA} {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return errors.New("parameters must be finite")
			}
		}
	}
	return nil
}

// vector flattens p in statsmodels' order: ar, ma, seasonal ar, seasonal ma, sigma2.
func (p Params) vector() []float64 {
	out := make([]float64, 0, len(p.AR)+len(p.MA)+len(p.SeasonalAR)+len(p.SeasonalMA)+1)
	out = append(out, p.AR...)
	out = append(out, p.MA...)
	out = append(out, p.SeasonalAR...)
	out = append(out, p.SeasonalMA...)
	return append(out, p.Sigma2)
}

// paramsFrom splits a vector in statsmodels' order; the variance is the last element when withVar.
func paramsFrom(s Spec, v []float64, withVar bool) Params {
	take := func(n int) []float64 {
		out := append([]float64{}, v[:n]...)
		v = v[n:]
		return out
	}
	p := Params{AR: take(s.P), MA: take(s.Q), SeasonalAR: take(s.SP), SeasonalMA: take(s.SQ)}
	if withVar {
		p.Sigma2 = v[0]
	}
	return p
}

// polymul multiplies polynomials given by coefficients in increasing degree.
func polymul(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		if x == 0 {
			continue
		}
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}

// lagPolynomials returns the reduced-form polynomials: ar with ar[0] = 1 and y_t = Σ ar[i]·y_{t−i}
// (i ≥ 1) + …, and ma with ma[0] = 1, as SARIMAX.update builds them.
func lagPolynomials(s Spec, p Params) (ar, ma []float64) {
	per := s.seasonalPeriod()
	polyAR := make([]float64, s.P+1)
	polyAR[0] = 1
	for i, v := range p.AR {
		polyAR[i+1] = -v
	}
	polySAR := make([]float64, s.SP*per+1)
	polySAR[0] = 1
	for i, v := range p.SeasonalAR {
		polySAR[(i+1)*per] = -v
	}
	polyMA := make([]float64, s.Q+1)
	polyMA[0] = 1
	copy(polyMA[1:], p.MA)
	polySMA := make([]float64, s.SQ*per+1)
	polySMA[0] = 1
	for i, v := range p.SeasonalMA {
		polySMA[(i+1)*per] = v
	}
	ar = polymul(polyAR, polySAR)
	for i := range ar {
		ar[i] = -ar[i]
	}
	ar[0] = 1
	return ar, polymul(polyMA, polySMA)
}

package arima

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Forecast is one step ahead of the series: the mean, its standard error and the bounds of the
// prediction interval.
type Forecast struct {
	Step         int
	Mean, SE     float64
	Lower, Upper float64
}

// Forecast predicts h steps beyond the series with (1 − alpha) Gaussian prediction intervals, as
// statsmodels' get_forecast(h).summary_frame(alpha): mean ± z_{1−alpha/2}·SE.
func (r *Result) Forecast(h int, alpha float64) ([]Forecast, error) {
	if h < 1 {
		return nil, fmt.Errorf("horizon must be at least 1, got %d", h)
	}
	if !(alpha > 0 && alpha < 1) {
		return nil, fmt.Errorf("alpha must lie strictly between 0 and 1, got %g", alpha)
	}
	ss := newSSM(r.Spec, r.Params)
	m := ss.m
	a := append([]float64(nil), r.final.a...)
	p := append([]float64(nil), r.final.p...)
	next := make([]float64, m)
	tmp := make([]float64, m*m)
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	out := make([]Forecast, h)
	for step := range out {
		mean, v := 0.0, 0.0
		for _, i := range ss.z {
			mean += a[i]
			for _, j := range ss.z {
				v += p[i*m+j]
			}
		}
		se := math.Sqrt(max(v, 0))
		out[step] = Forecast{Step: step + 1, Mean: mean, SE: se, Lower: mean - z*se, Upper: mean + z*se}
		for i, row := range ss.rows {
			s := 0.0
			for _, e := range row {
				s += e.v * a[e.col]
			}
			next[i] = s
		}
		a, next = next, a
		for i, row := range ss.rows {
			ti := tmp[i*m : (i+1)*m]
			clear(ti)
			for _, e := range row {
				for j, x := range p[e.col*m : (e.col+1)*m] {
					ti[j] += e.v * x
				}
			}
		}
		for i := 0; i < m; i++ {
			ti := tmp[i*m : (i+1)*m]
			for k := i; k < m; k++ {
				s := r.Params.Sigma2 * ss.r[i] * ss.r[k]
				for _, e := range ss.rows[k] {
					s += e.v * ti[e.col]
				}
				p[i*m+k], p[k*m+i] = s, s
			}
		}
	}
	return out, nil
}

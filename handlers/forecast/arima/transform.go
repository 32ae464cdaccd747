package arima

import (
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"
)

// constrainStationary maps any real vector to the coefficients of a stationary autoregressive
// polynomial, through partial autocorrelations in (−1, 1) (Monahan 1984; statsmodels'
// constrain_stationary_univariate).
func constrainStationary(u []float64) []float64 {
	n := len(u)
	if n == 0 {
		return nil
	}
	prev := make([]float64, n)
	cur := make([]float64, n)
	for k := 0; k < n; k++ {
		r := u[k] / math.Sqrt(1+u[k]*u[k])
		for i := 0; i < k; i++ {
			cur[i] = prev[i] + r*prev[k-i-1]
		}
		cur[k] = r
		prev, cur = cur, prev
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = -prev[i]
	}
	return out
}

// unconstrainStationary inverts constrainStationary (statsmodels' unconstrain_stationary_univariate).
// ok is false when c is not stationary.
func unconstrainStationary(c []float64) (u []float64, ok bool) {
	n := len(c)
	if n == 0 {
		return nil, true
	}
	y := make([][]float64, n)
	for i := range y {
		y[i] = make([]float64, n)
	}
	for i := range c {
		y[n-1][i] = -c[i]
	}
	for k := n - 1; k > 0; k-- {
		d := 1 - y[k][k]*y[k][k]
		if !(d > 0) {
			return nil, false
		}
		for i := 0; i < k; i++ {
			y[k-1][i] = (y[k][i] - y[k][k]*y[k][k-i-1]) / d
		}
	}
	u = make([]float64, n)
	for i := range u {
		r := y[i][i]
		if !(math.Abs(r) < 1) {
			return nil, false
		}
		u[i] = r / math.Sqrt(1-r*r)
	}
	return u, true
}

func neg(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = -x
	}
	return out
}

// transform maps unconstrained optimiser coordinates to model parameters (SARIMAX.transform_params);
// the variance is the square of the last coordinate when withVar.
func transform(s Spec, u []float64, withVar bool) Params {
	v := u
	take := func(n int) []float64 {
		out := v[:n]
		v = v[n:]
		return out
	}
	p := Params{
		AR:         constrainStationary(take(s.P)),
		MA:         neg(constrainStationary(take(s.Q))),
		SeasonalAR: constrainStationary(take(s.SP)),
		SeasonalMA: neg(constrainStationary(take(s.SQ))),
	}
	if withVar {
		p.Sigma2 = v[0] * v[0]
	}
	return p
}

// untransform is the inverse of transform (SARIMAX.untransform_params); ok is false when a polynomial
// is not stationary or invertible.
func untransform(s Spec, p Params, withVar bool) (u []float64, ok bool) {
	for _, part := range [][]float64{p.AR, neg(p.MA), p.SeasonalAR, neg(p.SeasonalMA)} {
		x, good := unconstrainStationary(part)
		if !good {
			return nil, false
		}
		u = append(u, x...)
	}
	if withVar {
		u = append(u, math.Sqrt(p.Sigma2))
	}
	return u, true
}

// isInvertible reports whether the lag polynomial c[0] + c[1]L + … has every root outside the unit
// circle, as statsmodels' is_invertible: the eigenvalues of its companion matrix lie inside
// 1 − 1e-10.
func isInvertible(c []float64) bool {
	n := len(c) - 1
	for n > 0 && c[n] == 0 {
		n--
	}
	if n <= 0 {
		return true
	}
	comp := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		comp.Set(i, 0, -c[i+1]/c[0])
		if i+1 < n {
			comp.Set(i, i+1, 1)
		}
	}
	var eig mat.Eigen
	if !eig.Factorize(comp, mat.EigenNone) {
		return false
	}
	for _, v := range eig.Values(nil) {
		if cmplx.Abs(v) >= 1-1e-10 {
			return false
		}
	}
	return true
}

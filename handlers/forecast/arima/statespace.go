package arima

import (
	"errors"
	"math"
)

// DiffuseVariance is the prior variance of the differencing states: statsmodels' approximate diffuse
// initialisation (initial_variance = 1e6), which SARIMAX uses by default.
const DiffuseVariance = 1e6

// entry is a non-zero element of a sparse row.
type entry struct {
	col int
	v   float64
}

// ssm is the SARIMAX state-space form for one parameter vector:
//
//	y_t = Z α_t,   α_{t+1} = T α_t + r η_t,   η_t ~ N(0, σ²)
//
// with the d + s·D differencing states first and the k ARMA states after them. Z is a 0/1 vector and
// T is sparse, so one filter step costs O(m · nnz(T)) instead of O(m³).
type ssm struct {
	m, kDiff, kOrder int
	z                []int     // states whose sum is y_t
	rows             [][]entry // T by rows
	r                []float64 // selection vector
	ar               []float64 // reduced AR polynomial (ar[0] = 1)
	shift            []int     // for a row of T that copies one state, that state; else −1
}

// newSSM builds the state space of spec s with parameters p (SARIMAX's initial_design,
// initial_transition and initial_selection, filled in as SARIMAX.update does).
func newSSM(s Spec, p Params) *ssm {
	per := s.seasonalPeriod()
	ar, ma := lagPolynomials(s, p)
	kAR, kMA := len(ar)-1, len(ma)-1
	kOrder := max(kAR, kMA+1)
	kDiff := s.D + per*s.SD
	m := kDiff + kOrder
	dense := make([][]float64, m)
	for i := range dense {
		dense[i] = make([]float64, m)
	}
	// ARMA block: companion matrix with the reduced AR coefficients in its first column.
	for i := 0; i < kOrder; i++ {
		if i+1 < kOrder {
			dense[kDiff+i][kDiff+i+1] = 1
		}
		if i < kAR {
			dense[kDiff+i][kDiff] = ar[i+1]
		}
	}
	// Seasonal differencing blocks.
	for b := 0; b < s.SD; b++ {
		start, end := s.D+b*per, s.D+(b+1)*per
		dense[start][end-1] = 1
		for i := 1; i < per; i++ {
			dense[start+i][start+i-1] = 1
		}
		for i := b + 1; i < s.SD; i++ {
			dense[start][end+per-1] = 1
		}
		dense[start][kDiff] = 1
	}
	// Non-seasonal differencing.
	for i := 0; i < s.D; i++ {
		for j := i; j < s.D; j++ {
			dense[i][j] = 1
		}
		for b := 0; b < s.SD; b++ {
			dense[i][s.D+b*per+per-1] = 1
		}
		dense[i][kDiff] = 1
	}
	out := &ssm{m: m, kDiff: kDiff, kOrder: kOrder, rows: make([][]entry, m), r: make([]float64, m), ar: ar}
	out.shift = make([]int, m)
	for i, row := range dense {
		for j, v := range row {
			if v != 0 {
				out.rows[i] = append(out.rows[i], entry{j, v})
			}
		}
		out.shift[i] = -1
		if len(out.rows[i]) == 1 && out.rows[i][0].v == 1 {
			out.shift[i] = out.rows[i][0].col
		}
	}
	for i := 0; i < s.D; i++ {
		out.z = append(out.z, i)
	}
	for b := 0; b < s.SD; b++ {
		out.z = append(out.z, s.D+b*per+per-1)
	}
	out.z = append(out.z, kDiff)
	out.r[kDiff] = 1
	for i := 1; i < kOrder && i <= kMA; i++ {
		out.r[kDiff+i] = ma[i]
	}
	return out
}

var errNotStationary = errors.New("the autoregressive part is not stationary")

// initialCov returns P₁: diffuse·I for the differencing states and, for the ARMA states, the
// stationary covariance solving P = A P Aᵀ + σ² r rᵀ, found by doubling (P ← P + Aᵏ P Aᵏᵀ,
// Aᵏ ← (Aᵏ)²), which converges for any stationary A.
func (ss *ssm) initialCov(sigma2, diffuse float64) ([]float64, error) {
	m, k, off := ss.m, ss.kOrder, ss.kDiff
	p0 := make([]float64, m*m)
	for i := 0; i < off; i++ {
		p0[i*m+i] = diffuse
	}
	a := make([]float64, k*k)
	for i := 0; i < k; i++ {
		if i+1 < k {
			a[i*k+i+1] = 1
		}
		if i+1 < len(ss.ar) {
			a[i*k] = ss.ar[i+1]
		}
	}
	p := make([]float64, k*k)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			p[i*k+j] = sigma2 * ss.r[off+i] * ss.r[off+j]
		}
	}
	tmp := make([]float64, k*k)
	next := make([]float64, k*k)
	for iter := 0; ; iter++ {
		if iter == 80 {
			return nil, errNotStationary
		}
		// tmp = A P; next = P + tmp Aᵀ.
		matMul(tmp, a, p, k, false)
		matMul(next, tmp, a, k, true)
		change, size := 0.0, 0.0
		for i := range p {
			change = max(change, math.Abs(next[i]))
			p[i] += next[i]
			size = max(size, math.Abs(p[i]))
		}
		if math.IsNaN(size) || math.IsInf(size, 0) || size > 1e300 {
			return nil, errNotStationary
		}
		if change <= 1e-15*size {
			break
		}
		matMul(tmp, a, a, k, false)
		a, tmp = tmp, a
	}
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			p0[(off+i)*m+off+j] = (p[i*k+j] + p[j*k+i]) / 2
		}
	}
	return p0, nil
}

// matMul sets dst = x·y (or x·yᵀ when yT), all k×k row-major.
func matMul(dst, x, y []float64, k int, yT bool) {
	clear(dst)
	for i := 0; i < k; i++ {
		xi := x[i*k : (i+1)*k]
		di := dst[i*k : (i+1)*k]
		if yT {
			for j := 0; j < k; j++ {
				yj := y[j*k : (j+1)*k]
				s := 0.0
				for l, v := range xi {
					s += v * yj[l]
				}
				di[j] = s
			}
			continue
		}
		for l, v := range xi {
			if v == 0 {
				continue
			}
			yl := y[l*k : (l+1)*k]
			for j := range di {
				di[j] += v * yl[j]
			}
		}
	}
}

// filterResult is what a pass of the Kalman filter yields.
type filterResult struct {
	sumLogF, sumV2F float64 // over the observations counted in the likelihood
	nEff            int     // observations counted: non-missing, past the burn-in
	a, p            []float64
}

// loglike is the Gaussian log-likelihood of the counted observations.
func (f filterResult) loglike() float64 {
	return -0.5 * (float64(f.nEff)*math.Log(2*math.Pi) + f.sumLogF + f.sumV2F)
}

var errFilter = errors.New("the Kalman filter broke down: an innovation variance is not positive (is the differenced series constant?)")

// steadyTol is the relative change of the predicted covariance below which the filter is taken to
// be in its steady state.
const steadyTol = 1e-13

// filter runs the Kalman filter over y from a₁ = 0 and P₁ = p0 with state noise variance sigma2,
// counting observations from burn on, and leaves the one-step prediction beyond y in the result.
//
// With exact set, the differencing states get the exact diffuse initialisation instead (Durbin and
// Koopman 2012, §5.2: P₁ = κ·P∞ + P*, κ → ∞, with p0 as P*): the observations that identify the
// diffuse states are left out, which for a series without missing values at its start are exactly
// the first d + s·D, the burn-in of the approximate diffuse filter. It is the limit of statsmodels'
// approximate diffuse likelihood, without the rounding noise of a 1e6 prior variance (about 1e-9
// relative), so the optimiser sees a smooth function.
//
// Once the predicted covariance stops changing (the filter's steady state) it is no longer updated,
// until a missing value disturbs it again.
func (ss *ssm) filter(y []float64, sigma2 float64, p0 []float64, burn int, exact bool) (filterResult, error) {
	m := ss.m
	a := make([]float64, m)
	af := make([]float64, m)
	p := append([]float64(nil), p0...)
	tmp := make([]float64, m*m)
	prev := make([]float64, m)
	pz := make([]float64, m)
	var pInf, mInf []float64
	if exact && ss.kDiff > 0 {
		pInf = make([]float64, m*m)
		mInf = make([]float64, m)
		for i := 0; i < ss.kDiff; i++ {
			pInf[i*m+i] = 1
			p[i*m+i] = 0
		}
		burn = 0
	}
	var res filterResult
	steady := false
	var steadyF float64
	for t, yt := range y {
		missing := math.IsNaN(yt)
		if missing && steady {
			steady = false // P no longer stays put: resume the covariance recursion
		}
		copy(af, a)
		if !steady {
			for i := range prev { // the predicted variances, to tell when they stop changing
				prev[i] = p[i*m+i]
			}
		}
		diffuseStep := false
		if !missing {
			pred := 0.0
			for _, j := range ss.z {
				pred += a[j]
			}
			v := yt - pred
			var f float64
			if steady {
				f = steadyF
			} else {
				f = ss.timesZ(p, pz)
			}
			if pInf != nil {
				if fInf := ss.timesZ(pInf, mInf); fInf > 1e-8 {
					// Diffuse update: the observation pins down a diffuse direction.
					diffuseStep = true
					f1 := 1 / fInf
					for i := 0; i < m; i++ {
						af[i] += mInf[i] * f1 * v
					}
					for i := 0; i < m; i++ {
						ci, di, ei := mInf[i]*f1, mInf[i]*f1*f1*f, pz[i]*f1
						ri, ii := p[i*m:(i+1)*m], pInf[i*m:(i+1)*m]
						for j := range m {
							ii[j] -= ci * mInf[j]
							ri[j] += di*mInf[j] - ei*mInf[j] - ci*pz[j]
						}
					}
				}
			}
			if !diffuseStep {
				if !(f > 0) || math.IsInf(f, 0) {
					return res, errFilter
				}
				for i := 0; i < m; i++ {
					af[i] += pz[i] * v / f
				}
				if t >= burn {
					res.nEff++
					res.sumLogF += math.Log(f)
					res.sumV2F += v * v / f
				}
				if !steady {
					for i := 0; i < m; i++ {
						c := pz[i] / f
						row := p[i*m : (i+1)*m]
						for j, x := range pz {
							row[j] -= c * x
						}
					}
					steadyF = f
				}
			}
		}
		// a = T af
		for i, row := range ss.rows {
			s := 0.0
			for _, e := range row {
				s += e.v * af[e.col]
			}
			a[i] = s
		}
		if steady {
			continue
		}
		change, size := ss.predictCov(p, tmp, sigma2, prev)
		if pInf != nil {
			if _, inf := ss.predictCov(pInf, tmp, 0, nil); inf < 1e-8 {
				pInf = nil // every diffuse direction is known: an ordinary filter from here on
			}
			continue
		}
		if !missing && change <= steadyTol*size && t >= burn {
			steady = true
		}
	}
	res.a, res.p = a, p
	return res, nil
}

// timesZ sets pz = P Zᵀ and returns Z P Zᵀ.
func (ss *ssm) timesZ(p, pz []float64) float64 {
	m := ss.m
	for i := 0; i < m; i++ {
		row := p[i*m : (i+1)*m]
		s := 0.0
		for _, j := range ss.z {
			s += row[j]
		}
		pz[i] = s
	}
	f := 0.0
	for _, j := range ss.z {
		f += pz[j]
	}
	return f
}

// predictCov replaces p by T p Tᵀ + q r rᵀ (through tmp = T p) and returns the largest change of
// a diagonal entry against prev (the previous diagonal, when given) and the largest entry.
func (ss *ssm) predictCov(p, tmp []float64, q float64, prev []float64) (change, size float64) {
	m := ss.m
	for i, row := range ss.rows {
		ti := tmp[i*m : (i+1)*m]
		if src := ss.shift[i]; src >= 0 {
			copy(ti, p[src*m:(src+1)*m])
			continue
		}
		clear(ti)
		for _, e := range row {
			pr := p[e.col*m : (e.col+1)*m]
			v := e.v
			for j, x := range pr {
				ti[j] += v * x
			}
		}
	}
	// Row by row, the whole matrix (both triangles: contiguous writes beat mirroring).
	for i := 0; i < m; i++ {
		ti := tmp[i*m : (i+1)*m]
		pi := p[i*m : (i+1)*m]
		ri := q * ss.r[i]
		for k := i; k < m; k++ {
			var s float64
			if src := ss.shift[k]; src >= 0 {
				s = ti[src]
			} else {
				for _, e := range ss.rows[k] {
					s += e.v * ti[e.col]
				}
			}
			s += ri * ss.r[k]
			pi[k] = s
			p[k*m+i] = s
		}
		// P is positive semi-definite, so its largest entry is on the diagonal; and the Riccati
		// recursion approaches its limit monotonically, so that |ΔP_ij| ≤ √(|ΔP_ii|·|ΔP_jj|) and
		// the diagonal tells when the whole matrix has stopped changing.
		d := pi[i]
		size = max(size, math.Abs(d))
		if prev != nil {
			change = max(change, math.Abs(d-prev[i]))
		}
	}
	return change, size
}

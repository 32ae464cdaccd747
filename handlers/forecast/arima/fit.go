package arima

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// ErrTooLittleData is returned (wrapped) when the series is too short for the model.
var ErrTooLittleData = errors.New("too little data")

// LogLike is the exact Gaussian log-likelihood of y under spec s with parameters p, as statsmodels'
// SARIMAX(...).loglike(params) computes it. NaN values of y are missing.
func LogLike(y []float64, s Spec, p Params) (float64, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if err := p.check(s); err != nil {
		return 0, err
	}
	f, err := run(y, s, p, p.Sigma2, false)
	if err != nil {
		return 0, err
	}
	return f.loglike(), nil
}

// Apply runs the model with known parameters over y, without estimating anything: the result has
// the log-likelihood and forecasts from the end of y (for example with a fitted model's parameters
// on a longer series). Converged is true and Evaluations 0.
func Apply(y []float64, s Spec, p Params) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := p.check(s); err != nil {
		return nil, err
	}
	f, err := run(y, s, p, p.Sigma2, false)
	if err != nil {
		return nil, err
	}
	ll := f.loglike()
	k := float64(s.NumParams())
	return &Result{Spec: s, Params: p, LogLike: ll, AIC: -2*ll + 2*k, NObs: len(y), NEff: f.nEff, Converged: true, final: f}, nil
}

// run builds the state space and filters y with state noise variance q, with statsmodels'
// approximate diffuse prior or, with exact, the exact diffuse initialisation.
func run(y []float64, s Spec, p Params, q float64, exact bool) (filterResult, error) {
	ss := newSSM(s, p)
	p0, err := ss.initialCov(q, DiffuseVariance)
	if err != nil {
		return filterResult{}, err
	}
	return ss.filter(y, q, p0, s.Burn(), exact)
}

// Result is a fitted model.
type Result struct {
	Spec   Spec
	Params Params
	// LogLike is the maximised log-likelihood, AIC = −2·LogLike + 2·(number of parameters).
	LogLike, AIC float64
	// NObs is the length of the series (missing values included, as statsmodels' nobs); NEff the
	// observations in the likelihood (non-missing, past the d + s·D burn-in).
	NObs, NEff int
	// Converged is false when the optimiser stopped on its iteration limit.
	Converged bool
	// Evaluations counts likelihood evaluations.
	Evaluations int

	final filterResult
}

// Options tune Fit; the zero value is the default.
type Options struct {
	// Start replaces the conditional-sum-of-squares starting values.
	Start *Params
	// MaxIterations bounds the optimiser's major iterations (default 500).
	MaxIterations int
}

// Fit estimates spec s on y by maximum likelihood. NaN values of y are missing.
//
// The optimiser is gonum's BFGS with central-difference gradients, on statsmodels' unconstrained
// coordinates, from statsmodels' starting values. It first maximises the likelihood with exact
// diffuse initialisation and the variance concentrated out (a smooth function, one parameter
// fewer); then, where statsmodels' approximate diffuse likelihood still has a gradient there, it
// polishes on that likelihood, the one statsmodels maximises. The reported log-likelihood is the
// approximate diffuse one, as statsmodels reports it.
func Fit(y []float64, s Spec, opts *Options) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &Options{}
	}
	for _, v := range y {
		if math.IsInf(v, 0) {
			return nil, errors.New("the series holds an infinite value")
		}
	}
	burn := s.Burn()
	valid := 0
	for i, v := range y {
		if i >= burn && !math.IsNaN(v) {
			valid++
		}
	}
	k := s.NumParams()
	if need := max(2*k+1, 10); valid < need {
		return nil, fmt.Errorf("%w: model %s needs at least %d observations after the first %d (the differencing burn-in), got %d",
			ErrTooLittleData, s, need, burn, valid)
	}

	start := startParams(y, s)
	if opts.Start != nil {
		if err := opts.Start.check(s); err != nil {
			return nil, fmt.Errorf("start parameters: %w", err)
		}
		start = *opts.Start
	}
	u0, ok := untransform(s, start, false)
	if !ok {
		return nil, errors.New("start parameters are not stationary and invertible")
	}
	maxIter := opts.MaxIterations
	if maxIter <= 0 {
		maxIter = 500
	}
	var evals atomic.Int64

	// Phase 1: the concentrated exact-diffuse likelihood (smooth, one parameter fewer).
	concentrated := func(u []float64) float64 {
		evals.Add(1)
		f, err := run(y, s, transform(s, u, false), 1, true)
		if err != nil || f.nEff == 0 {
			return math.Inf(1)
		}
		s2 := f.sumV2F / float64(f.nEff)
		return 0.5 * (math.Log(2*math.Pi) + math.Log(s2) + 1 + f.sumLogF/float64(f.nEff))
	}
	uHat, converged, err := minimize(concentrated, u0, 1e-5, 1e-6, 1e-7, maxIter)
	if err != nil {
		return nil, err
	}
	p := transform(s, uHat, false)
	f, err := run(y, s, p, 1, true)
	if err != nil {
		return nil, fmt.Errorf("maximum likelihood failed: %w", err)
	}
	p.Sigma2 = f.sumV2F / float64(f.nEff)

	// Phase 2: statsmodels maximises the approximate diffuse likelihood, whose 1e6 prior variance is
	// not quite diffuse for series with large levels, so its optimum can differ a little. Where that
	// likelihood's gradient at the phase 1 estimate stands out of its rounding noise (about 1e-9
	// relative, hence the larger difference step), polish on it, the variance included as log σ², and
	// keep the result only where the likelihood improved.
	nEff := float64(f.nEff)
	approx := func(u []float64) float64 {
		evals.Add(1)
		q := transform(s, u[:len(u)-1], false)
		q.Sigma2 = math.Exp(u[len(u)-1])
		f, err := run(y, s, q, q.Sigma2, false)
		if err != nil || f.nEff == 0 {
			return math.Inf(1)
		}
		return -f.loglike() / nEff
	}
	u1 := append(append([]float64(nil), uHat...), math.Log(p.Sigma2))
	grad := make([]float64, len(u1))
	fd.Gradient(grad, approx, u1, &fd.Settings{Formula: fd.Central, Step: polishStep, Concurrent: true})
	if floats.Norm(grad, math.Inf(1)) > polishGradient {
		if u2, _, err := minimize(approx, u1, polishStep, 0, polishGradient/10, 50); err == nil && approx(u2) < approx(u1) {
			p = transform(s, u2[:len(u2)-1], false)
			p.Sigma2 = math.Exp(u2[len(u2)-1])
		}
	}

	final, err := run(y, s, p, p.Sigma2, false)
	if err != nil {
		return nil, fmt.Errorf("maximum likelihood failed: %w", err)
	}
	ll := final.loglike()
	return &Result{
		Spec: s, Params: p, LogLike: ll, AIC: -2*ll + 2*float64(k),
		NObs: len(y), NEff: final.nEff, Converged: converged, Evaluations: int(evals.Load()), final: final,
	}, nil
}

// polishStep is the difference step on the approximate diffuse likelihood, and polishGradient the
// gradient (per observation) below which it is left alone: its rounding noise is about 1e-9 per
// observation, so central differences carry about 1e-5 of noise.
const (
	polishStep     = 1e-4
	polishGradient = 5e-5
)

// minimize runs gonum's BFGS on f from u0, up to maxIter iterations, with finite-difference
// gradients: central differences of the given step or, while forwardStep is positive and the
// gradient is larger than switchGradient, forward differences (half the evaluations, accurate
// enough far from the optimum). converged is false when it stopped on the iteration limit; a line
// search that cannot improve further (the function's rounding noise) ends it at the best point found.
func minimize(f func([]float64) float64, u0 []float64, step, forwardStep, gradTol float64, maxIter int) (u []float64, converged bool, err error) {
	if len(u0) == 0 {
		return u0, true, nil
	}
	central := &fd.Settings{Formula: fd.Central, Step: step, Concurrent: true}
	near := forwardStep <= 0
	var lastX []float64
	var lastF float64
	problem := optimize.Problem{
		Func: func(u []float64) float64 {
			v := f(u)
			lastX, lastF = append(lastX[:0], u...), v
			return v
		},
		Grad: func(grad, u []float64) {
			if !near {
				fwd := &fd.Settings{Formula: fd.Forward, Step: forwardStep, Concurrent: true}
				if floats.Equal(lastX, u) {
					fwd.OriginKnown, fwd.OriginValue = true, lastF
				}
				fd.Gradient(grad, f, u, fwd)
				if floats.Norm(grad, math.Inf(1)) > switchGradient {
					return
				}
				near = true
			}
			fd.Gradient(grad, f, u, central)
		},
	}
	settings := &optimize.Settings{
		MajorIterations:   maxIter,
		GradientThreshold: gradTol,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 10},
	}
	res, err := optimize.Minimize(problem, u0, settings, &optimize.BFGS{Linesearcher: &stallGuard{Linesearcher: &optimize.Bisection{}}})
	if res == nil || math.IsInf(res.F, 0) || math.IsNaN(res.F) {
		if err == nil {
			err = errors.New("no finite likelihood")
		}
		return nil, false, fmt.Errorf("maximum likelihood failed: %w", err)
	}
	return res.X, res.Status != optimize.IterationLimit && res.Status != optimize.FunctionEvaluationLimit, nil
}

// stallGuard ends a line search that keeps finding the function value it started from: at an
// optimum on the edge of the parameter space (an MA root on the unit circle) or within the
// function's rounding noise no step can improve it, and the search would otherwise go on trying.
type stallGuard struct {
	optimize.Linesearcher
	initF float64
	flat  int
}

func (g *stallGuard) Init(value, derivative, step float64) optimize.Operation {
	g.initF, g.flat = value, 0
	return g.Linesearcher.Init(value, derivative, step)
}

func (g *stallGuard) Iterate(value, derivative float64) (optimize.Operation, float64, error) {
	if !math.IsNaN(value) && math.Abs(value-g.initF) <= 1e-14*math.Abs(g.initF) {
		if g.flat++; g.flat >= 3 {
			return optimize.NoOperation, 0, optimize.ErrLinesearcherFailure
		}
	} else {
		g.flat = 0
	}
	return g.Linesearcher.Iterate(value, derivative)
}

// switchGradient is the gradient size (per observation) below which minimize turns from forward to
// central differences.
const switchGradient = 1e-4

// difference applies d ordinary and D seasonal differences, as statsmodels' diff.
func difference(y []float64, d, sd, per int) []float64 {
	out := append([]float64(nil), y...)
	for i := 0; i < sd; i++ {
		if len(out) <= per {
			return nil
		}
		next := make([]float64, len(out)-per)
		for t := range next {
			next[t] = out[t+per] - out[t]
		}
		out = next
	}
	for i := 0; i < d; i++ {
		if len(out) <= 1 {
			return nil
		}
		next := make([]float64, len(out)-1)
		for t := range next {
			next[t] = out[t+1] - out[t]
		}
		out = next
	}
	return out
}

// startParams are SARIMAX.start_params: conditional sum of squares on the differenced series with
// missing values dropped, separately for the non-seasonal and the seasonal ARMA parts; polynomials
// that are not stationary or invertible start from zero.
func startParams(y []float64, s Spec) Params {
	per := s.seasonalPeriod()
	dy := difference(y, s.D, s.SD, per)
	clean := dy[:0:0]
	for _, v := range dy {
		if !math.IsNaN(v) {
			clean = append(clean, v)
		}
	}
	arLags := lagsOf(s.P, 1)
	maLags := lagsOf(s.Q, 1)
	ar, ma, variance, haveVar := css(clean, s.P, arLags, s.Q, maLags)
	sarLags := lagsOf(s.SP, per)
	smaLags := lagsOf(s.SQ, per)
	sar, sma, svariance, haveSVar := css(clean, s.SP*per, sarLags, s.SQ*per, smaLags)

	if s.P > 0 && !isInvertible(append([]float64{1}, neg(ar)...)) {
		ar = make([]float64, s.P)
	}
	if s.Q > 0 && !isInvertible(append([]float64{1}, ma...)) {
		ma = make([]float64, s.Q)
	}
	if s.SP > 0 && !isInvertible(append([]float64{1}, neg(sar)...)) {
		sar = make([]float64, s.SP)
	}
	if s.SQ > 0 && !isInvertible(append([]float64{1}, sma...)) {
		sma = make([]float64, s.SQ)
	}
	if !haveVar {
		if haveSVar {
			variance = svariance
		} else {
			variance = 0
			for _, v := range clean {
				variance += v * v
			}
			variance /= float64(len(y))
		}
	}
	if !(variance > 1e-10) {
		variance = 1e-10
	}
	return Params{AR: ar, MA: ma, SeasonalAR: sar, SeasonalMA: sma, Sigma2: variance}
}

func lagsOf(n, step int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i + 1) * step
	}
	return out
}

// css is statsmodels' SARIMAX._conditional_sum_squares: an AR(2·kMA) regression gives residuals
// that stand in for the innovations, then one least-squares regression on the AR lags and the lagged
// residuals gives the coefficients. haveVar is false when there is no ARMA term at all.
func css(y []float64, kAR int, arLags []int, kMA int, maLags []int) (ar, ma []float64, variance float64, haveVar bool) {
	ar, ma = make([]float64, len(arLags)), make([]float64, len(maLags))
	if kAR+kMA == 0 {
		return ar, ma, 0, false
	}
	k := 2 * kMA
	r := max(k+kMA, kAR)
	fallback := func() ([]float64, []float64, float64, bool) {
		// Too few observations: zeros, and the variance of the demeaned series after 2·(number of MA
		// parameters) zeros, as statsmodels.
		mean := 0.0
		for _, v := range y {
			mean += v
		}
		if len(y) == 0 {
			return ar, ma, 1, true
		}
		mean /= float64(len(y))
		pad := 2 * len(maLags)
		s, n := 0.0, 0
		all := append(make([]float64, pad), y...)
		for i, v := range all {
			if i >= pad {
				v -= mean
			}
			if i >= len(maLags) {
				s += v * v
				n++
			}
		}
		if n == 0 {
			return ar, ma, 1, true
		}
		return ar, ma, s / float64(n), true
	}
	if len(y) <= r || len(y) <= k {
		return fallback()
	}
	var resid []float64 // resid[j] is the residual at time j+k
	if kMA > 0 {
		rows := len(y) - k
		x := mat.NewDense(rows, k, nil)
		yy := mat.NewVecDense(rows, nil)
		for t := k; t < len(y); t++ {
			for l := 1; l <= k; l++ {
				x.Set(t-k, l-1, y[t-l])
			}
			yy.SetVec(t-k, y[t])
		}
		beta, ok := lstsq(x, yy)
		if !ok {
			return fallback()
		}
		resid = make([]float64, rows)
		for i := range resid {
			fit := 0.0
			for l := 0; l < k; l++ {
				fit += x.At(i, l) * beta[l]
			}
			resid[i] = yy.AtVec(i) - fit
		}
	}
	rows := len(y) - r
	cols := len(arLags) + len(maLags)
	x := mat.NewDense(rows, cols, nil)
	yy := mat.NewVecDense(rows, nil)
	for t := r; t < len(y); t++ {
		c := 0
		for _, l := range arLags {
			x.Set(t-r, c, y[t-l])
			c++
		}
		for _, l := range maLags {
			x.Set(t-r, c, resid[t-k-l])
			c++
		}
		yy.SetVec(t-r, y[t])
	}
	beta, ok := lstsq(x, yy)
	if !ok {
		return fallback()
	}
	copy(ar, beta[:len(arLags)])
	copy(ma, beta[len(arLags):])
	res := make([]float64, rows)
	for i := range res {
		fit := 0.0
		for c := 0; c < cols; c++ {
			fit += x.At(i, c) * beta[c]
		}
		res[i] = yy.AtVec(i) - fit
	}
	if len(res) <= 1 {
		return ar, ma, variance0(y), true
	}
	s, n := 0.0, 0
	for _, v := range res[len(maLags):] {
		s += v * v
		n++
	}
	if n == 0 {
		return ar, ma, 0, false
	}
	return ar, ma, s / float64(n), true
}

// lstsq solves min ‖X β − y‖ with the pseudo-inverse (as numpy's pinv: singular values below
// 1e-15·σ_max are dropped).
func lstsq(x *mat.Dense, y *mat.VecDense) ([]float64, bool) {
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDThin) {
		return nil, false
	}
	rank := svd.Rank(1e-15)
	if rank == 0 {
		_, c := x.Dims()
		return make([]float64, c), true
	}
	var beta mat.VecDense
	svd.SolveVecTo(&beta, y, rank)
	return beta.RawVector().Data, true
}

// variance0 is numpy's var: the mean squared deviation from the mean.
func variance0(y []float64) float64 {
	if len(y) == 0 {
		return 1
	}
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	s := 0.0
	for _, v := range y {
		s += (v - mean) * (v - mean)
	}
	return s / float64(len(y))
}

// Package hodmd is higher order dynamic mode decomposition (Le Clainche and Vega, "Higher Order
// Dynamic Mode Decomposition", SIAM J. Appl. Dyn. Syst. 16(2), 2017), the DMD-d algorithm: it writes
// a sampled signal as a sum of modes u_m·a_m·μ_mᵏ and continues it by extending k.
//
//  1. Dimension reduction: the snapshot matrix (J values × K samples) is truncated by SVD, keeping
//     the singular values above Tol1 relative to the largest (for a scalar series this is only a
//     rescaling).
//  2. Delay embedding: d consecutive reduced snapshots are stacked into one (N·d values ×
//     K−d+1 columns) and this enlarged matrix is truncated again by SVD with Tol2.
//  3. The reduced Koopman matrix R with X₂ = R·X₁ (least squares over the columns) gives the
//     eigenvalues μ_m, hence frequency arg(μ)/(2π) in cycles per sample and growth rate ln|μ| per
//     sample, and the modes.
//  4. Amplitudes by least squares of the expansion against all K snapshots; modes whose amplitude
//     is below AmpTol relative to the largest are dropped and the amplitudes refitted.
//
// The package is pure: no I/O, no logging.
package hodmd

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Options tune Fit. Zero tolerances take the defaults, which suit noise-free data; noisy data
// wants tolerances near the noise level (e.g. 1e-2), so that noise does not become modes.
type Options struct {
	// Delay is d, the number of delayed snapshots stacked (d = 1 is plain DMD).
	Delay int
	// Tol1 and Tol2 truncate the two SVDs: singular values up to Tol·σ_max are dropped
	// (default 1e-10 each).
	Tol1, Tol2 float64
	// AmpTol drops modes whose amplitude is at most AmpTol times the largest (default 0: keep all).
	AmpTol float64
	// Stabilize moves growing modes (|μ| > 1) onto the unit circle before the amplitudes are fitted,
	// so that forecasts stay bounded (as the original DTBase did with PyDMD's ModesTuner).
	Stabilize bool
}

// DefaultTol is the default of Tol1 and Tol2.
const DefaultTol = 1e-10

// Mode is one term of the expansion.
type Mode struct {
	// Eigenvalue is μ; Frequency = arg(μ)/(2π) in cycles per sample, Growth = ln|μ| per sample.
	Eigenvalue        complex128
	Frequency, Growth float64
	// Amplitude is a_m ≥ 0: the mode's size at sample 0, ‖a_m·u_m‖/√J with a unit-norm u_m.
	Amplitude float64
	// Shape is the mode scaled by its complex amplitude (J values): sample k of the signal is
	// Re Σ_m Shape_m·μ_mᵏ.
	Shape []complex128
}

// Model is a fitted decomposition of K samples of J values.
type Model struct {
	Modes []Mode
	J, K  int
	// Rank1 and Rank2 are the ranks kept by the two SVDs.
	Rank1, Rank2 int
}

// ErrTooLittleData is returned (wrapped) when there are too few samples for the delay.
var ErrTooLittleData = errors.New("too little data")

// FitSeries decomposes a scalar series.
func FitSeries(y []float64, opts Options) (*Model, error) {
	snap := make([][]float64, len(y))
	for i, v := range y {
		snap[i] = []float64{v}
	}
	return Fit(snap, opts)
}

// Fit decomposes snapshots (K samples, each of J values, equally spaced).
func Fit(snapshots [][]float64, opts Options) (*Model, error) {
	K := len(snapshots)
	d := opts.Delay
	if d < 1 {
		return nil, fmt.Errorf("delay d must be at least 1, got %d", d)
	}
	if K < d+2 {
		return nil, fmt.Errorf("%w: delay d = %d needs at least %d samples, got %d", ErrTooLittleData, d, d+2, K)
	}
	J := len(snapshots[0])
	if J == 0 {
		return nil, errors.New("snapshots have no values")
	}
	v := mat.NewDense(J, K, nil)
	for k, s := range snapshots {
		if len(s) != J {
			return nil, fmt.Errorf("snapshot %d has %d values, want %d", k, len(s), J)
		}
		for j, x := range s {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("snapshot %d holds %g: fill missing values first", k, x)
			}
			v.Set(j, k, x)
		}
	}
	tol1, tol2 := opts.Tol1, opts.Tol2
	if tol1 == 0 {
		tol1 = DefaultTol
	}
	if tol2 == 0 {
		tol2 = DefaultTol
	}
	if !(tol1 > 0 && tol1 < 1) || !(tol2 > 0 && tol2 < 1) || !(opts.AmpTol >= 0 && opts.AmpTol < 1) {
		return nil, errors.New("tolerances must lie in (0, 1) (AmpTol in [0, 1))")
	}

	// Step 1: reduced snapshots R = Σ_N Wᵀ_N (N × K), V ≈ U_N R.
	u1, s1, w1, err := svd(v)
	if err != nil {
		return nil, err
	}
	n1 := rank(s1, tol1)
	if n1 == 0 {
		return nil, errors.New("the signal is zero")
	}
	r := mat.NewDense(n1, K, nil)
	for i := 0; i < n1; i++ {
		for k := 0; k < K; k++ {
			r.Set(i, k, s1[i]*w1.At(k, i))
		}
	}

	// Step 2: delay embedding (N·d × K−d+1) and its truncated SVD: X = Σ Wᵀ.
	cols := K - d + 1
	e := mat.NewDense(n1*d, cols, nil)
	for c := 0; c < cols; c++ {
		for b := 0; b < d; b++ {
			for i := 0; i < n1; i++ {
				e.Set(b*n1+i, c, r.At(i, c+b))
			}
		}
	}
	u2, s2, w2, err := svd(e)
	if err != nil {
		return nil, err
	}
	n2 := rank(s2, tol2)
	x := mat.NewDense(n2, cols, nil)
	for i := 0; i < n2; i++ {
		for c := 0; c < cols; c++ {
			x.Set(i, c, s2[i]*w2.At(c, i))
		}
	}

	// Step 3: the reduced Koopman matrix R̂ = X₂ X₁⁺ and its eigenpairs.
	x1 := x.Slice(0, n2, 0, cols-1)
	x2 := x.Slice(0, n2, 1, cols)
	ua, sa, wa, err := svd(x1)
	if err != nil {
		return nil, err
	}
	na := rank(sa, tol2)
	if na == 0 {
		return nil, errors.New("the embedded signal is zero")
	}
	// pinv(X₁) = W_a Σ_a⁻¹ U_aᵀ
	pinv := mat.NewDense(cols-1, n2, nil)
	for c := 0; c < cols-1; c++ {
		for i := 0; i < n2; i++ {
			s := 0.0
			for l := 0; l < na; l++ {
				s += wa.At(c, l) / sa[l] * ua.At(i, l)
			}
			pinv.Set(c, i, s)
		}
	}
	var koop mat.Dense
	koop.Mul(x2, pinv)
	var eig mat.Eigen
	if !eig.Factorize(&koop, mat.EigenRight) {
		return nil, errors.New("eigendecomposition failed")
	}
	mus := eig.Values(nil)
	var q mat.CDense
	eig.VectorsTo(&q)

	// Modes in the original space: the first block of the embedded mode, mapped back by U_N.
	shapes := make([][]complex128, len(mus))
	for m := range mus {
		emb := make([]complex128, n1)
		for i := 0; i < n1; i++ {
			var s complex128
			for l := 0; l < n2; l++ {
				s += complex(u2.At(i, l), 0) * q.At(l, m)
			}
			emb[i] = s
		}
		shape := make([]complex128, J)
		var norm float64
		for j := 0; j < J; j++ {
			var s complex128
			for i := 0; i < n1; i++ {
				s += complex(u1.At(j, i), 0) * emb[i]
			}
			shape[j] = s
			norm += real(s)*real(s) + imag(s)*imag(s)
		}
		norm = math.Sqrt(norm)
		if norm > 0 {
			for j := range shape {
				shape[j] /= complex(norm, 0)
			}
		}
		shapes[m] = shape
		if opts.Stabilize && cmplx.Abs(mus[m]) > 1 {
			mus[m] /= complex(cmplx.Abs(mus[m]), 0)
		}
	}

	// Step 4: amplitudes, truncation, amplitudes again.
	keep := make([]int, len(mus))
	for i := range keep {
		keep[i] = i
	}
	amps, err := amplitudes(v, mus, shapes, keep)
	if err != nil {
		return nil, err
	}
	if opts.AmpTol > 0 {
		largest := 0.0
		for _, a := range amps {
			largest = max(largest, cmplx.Abs(a))
		}
		var kept []int
		for i, a := range amps {
			if cmplx.Abs(a) > opts.AmpTol*largest {
				kept = append(kept, keep[i])
			}
		}
		if len(kept) < len(keep) {
			keep = kept
			if amps, err = amplitudes(v, mus, shapes, keep); err != nil {
				return nil, err
			}
		}
	}
	model := &Model{J: J, K: K, Rank1: n1, Rank2: n2}
	for i, m := range keep {
		mu := mus[m]
		shape := make([]complex128, J)
		for j := range shape {
			shape[j] = shapes[m][j] * amps[i]
		}
		model.Modes = append(model.Modes, Mode{
			Eigenvalue: mu,
			Frequency:  cmplx.Phase(mu) / (2 * math.Pi),
			Growth:     math.Log(cmplx.Abs(mu)),
			Amplitude:  cmplx.Abs(amps[i]) / math.Sqrt(float64(J)),
			Shape:      shape,
		})
	}
	sort.SliceStable(model.Modes, func(a, b int) bool { return model.Modes[a].Amplitude > model.Modes[b].Amplitude })
	return model, nil
}

// svd returns the thin SVD of a: U, the singular values in decreasing order, and V.
func svd(a mat.Matrix) (u *mat.Dense, s []float64, v *mat.Dense, err error) {
	var f mat.SVD
	if !f.Factorize(a, mat.SVDThin) {
		return nil, nil, nil, errors.New("singular value decomposition failed")
	}
	u, v = new(mat.Dense), new(mat.Dense)
	f.UTo(u)
	f.VTo(v)
	return u, f.Values(nil), v, nil
}

// rank counts the singular values above tol times the largest.
func rank(s []float64, tol float64) int {
	if len(s) == 0 || !(s[0] > 0) {
		return 0
	}
	n := 0
	for _, x := range s {
		if x > tol*s[0] {
			n++
		}
	}
	return n
}

// amplitudes fits complex amplitudes b (one per kept mode) minimising Σ_k ‖v_k − Σ_m b_m u_m μ_mᵏ‖²,
// as a real least-squares problem in (Re b, Im b).
func amplitudes(v *mat.Dense, mus []complex128, shapes [][]complex128, keep []int) ([]complex128, error) {
	J, K := v.Dims()
	M := len(keep)
	a := mat.NewDense(2*J*K, 2*M, nil)
	rhs := mat.NewVecDense(2*J*K, nil)
	for c, m := range keep {
		pow := complex(1, 0)
		for k := 0; k < K; k++ {
			for j := 0; j < J; j++ {
				l := shapes[m][j] * pow
				row := 2 * (k*J + j)
				a.Set(row, c, real(l))
				a.Set(row, M+c, -imag(l))
				a.Set(row+1, c, imag(l))
				a.Set(row+1, M+c, real(l))
			}
			pow *= mus[m]
		}
	}
	for k := 0; k < K; k++ {
		for j := 0; j < J; j++ {
			rhs.SetVec(2*(k*J+j), v.At(j, k))
		}
	}
	var f mat.SVD
	if !f.Factorize(a, mat.SVDThin) {
		return nil, errors.New("amplitude least squares failed")
	}
	var b mat.VecDense
	f.SolveVecTo(&b, rhs, f.Rank(1e-12))
	out := make([]complex128, M)
	for c := range out {
		out[c] = complex(b.AtVec(c), b.AtVec(M+c))
	}
	return out, nil
}

// At returns the reconstruction (or, for k ≥ K, the forecast) of sample k: Re Σ_m Shape_m·μ_mᵏ.
func (m *Model) At(k int) []float64 {
	out := make([]float64, m.J)
	for _, mode := range m.Modes {
		p := cmplx.Pow(mode.Eigenvalue, complex(float64(k), 0))
		if k == 0 {
			p = 1
		}
		for j := range out {
			out[j] += real(mode.Shape[j] * p)
		}
	}
	return out
}

// Forecast returns samples K … K+h−1, the continuation of the signal (its first value for a
// scalar series).
func (m *Model) Forecast(h int) ([][]float64, error) {
	if h < 1 {
		return nil, fmt.Errorf("horizon must be at least 1, got %d", h)
	}
	out := make([][]float64, h)
	for i := range out {
		out[i] = m.At(m.K + i)
	}
	return out, nil
}

// Residuals returns the reconstruction errors of the fitted samples' first values (the scalar
// series' residuals).
func (m *Model) Residuals(y []float64) []float64 {
	out := make([]float64, len(y))
	for k, v := range y {
		out[k] = v - m.At(k)[0]
	}
	return out
}

package hodmd

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// component is A·e^{δk}·cos(2πfk + φ); f = 0 is a (growing or decaying) constant.
type component struct{ amp, freq, growth, phase float64 }

func signal(cs []component, n int) []float64 {
	y := make([]float64, n)
	for k := range y {
		for _, c := range cs {
			y[k] += c.amp * math.Exp(c.growth*float64(k)) * math.Cos(2*math.Pi*c.freq*float64(k)+c.phase)
		}
	}
	return y
}

var damped = []component{
	{2.0, 0.05, -0.01, 0.3},
	{1.0, 0.13, -0.002, -1.1},
	{0.5, 0.21, 0.001, 2.0},
	{0.8, 0, -0.005, 0},
}

// find returns the mode closest to frequency f and growth g.
func find(m *Model, f, g float64) (Mode, float64) {
	best, dist := Mode{}, math.Inf(1)
	for _, mode := range m.Modes {
		if d := math.Hypot(mode.Frequency-f, mode.Growth-g); d < dist {
			best, dist = mode, d
		}
	}
	return best, dist
}

func TestNoiseFreeRecoversModesAndContinuesSignal(t *testing.T) {
	const n, h = 300, 100
	full := signal(damped, n+h)
	for _, d := range []int{8, 40, 120} {
		m, err := FitSeries(full[:n], Options{Delay: d})
		if err != nil {
			t.Fatal(err)
		}
		// Three oscillations (a conjugate pair each) and a real decaying mode.
		if len(m.Modes) != 7 || m.Rank2 != 7 {
			t.Fatalf("d=%d: %d modes (rank %d), want 7: %+v", d, len(m.Modes), m.Rank2, m.Modes)
		}
		for _, c := range damped {
			for _, sign := range []float64{1, -1} {
				if c.freq == 0 && sign < 0 {
					continue
				}
				mode, dist := find(m, sign*c.freq, c.growth)
				if math.Abs(mode.Frequency-sign*c.freq) > 1e-6 || math.Abs(mode.Growth-c.growth) > 1e-6 {
					t.Errorf("d=%d: component f=%g δ=%g: nearest mode f=%.9f δ=%.9f (distance %g)",
						d, sign*c.freq, c.growth, mode.Frequency, mode.Growth, dist)
				}
				want := c.amp
				if c.freq != 0 {
					want /= 2 // a real oscillation is two conjugate modes of half its amplitude
				}
				if math.Abs(mode.Amplitude-want) > 1e-6 {
					t.Errorf("d=%d: amplitude of f=%g is %.9f, want %g", d, c.freq, mode.Amplitude, want)
				}
			}
		}
		fc, err := m.Forecast(h)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range fc {
			if math.Abs(v[0]-full[n+i]) > 1e-6 {
				t.Fatalf("d=%d: forecast %d = %.9f, continuation %.9f", d, i+1, v[0], full[n+i])
			}
		}
		for k, r := range m.Residuals(full[:n]) {
			if math.Abs(r) > 1e-8 {
				t.Fatalf("d=%d: reconstruction error %g at %d", d, r, k)
			}
		}
	}
}

// TestDMDCannotButHODMDCan: a scalar series holds one value per snapshot, so plain DMD (d = 1)
// finds a single mode; the delays are what make several frequencies visible.
func TestDMDCannotButHODMDCan(t *testing.T) {
	y := signal(damped[:2], 200)
	m, err := FitSeries(y, Options{Delay: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Modes) != 1 {
		t.Fatalf("d = 1 gave %d modes", len(m.Modes))
	}
}

// TestNoiseDegradesGracefully: with noise, a tolerance at the noise level keeps the signal's modes;
// the estimates stay close, and the forecast error stays of the order of the noise.
func TestNoiseDegradesGracefully(t *testing.T) {
	const n, h = 400, 50
	clean := signal(damped[:3], n+h)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sigma := range []float64{0.01, 0.05, 0.1} {
		y := make([]float64, n)
		for i := range y {
			y[i] = clean[i] + sigma*rng.NormFloat64()
		}
		m, err := FitSeries(y, Options{Delay: 100, Tol2: 0.05})
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Modes) != 6 {
			t.Errorf("σ=%g: %d modes, want the 6 of the signal", sigma, len(m.Modes))
		}
		worstF, worstG := 0.0, 0.0
		for _, c := range damped[:3] {
			mode, _ := find(m, c.freq, c.growth)
			worstF = max(worstF, math.Abs(mode.Frequency-c.freq))
			worstG = max(worstG, math.Abs(mode.Growth-c.growth))
			if math.Abs(mode.Frequency-c.freq) > 0.005*sigma || math.Abs(mode.Growth-c.growth) > 0.01*sigma {
				t.Errorf("σ=%g: f=%g δ=%g estimated as f=%.5f δ=%.5f", sigma, c.freq, c.growth, mode.Frequency, mode.Growth)
			}
		}
		fc, _ := m.Forecast(h)
		rms := 0.0
		for i, v := range fc {
			rms += (v[0] - clean[n+i]) * (v[0] - clean[n+i])
		}
		rms = math.Sqrt(rms / h)
		if rms > 2*sigma {
			t.Errorf("σ=%g: forecast RMS error %.4f against the clean continuation", sigma, rms)
		}
		t.Logf("σ=%g: frequency error ≤ %.1e, growth error ≤ %.1e, forecast RMS error %.4f", sigma, worstF, worstG, rms)
	}
}

func TestMultivariate(t *testing.T) {
	const n = 200
	a := signal(damped[:2], n+10)
	b := signal([]component{{1.5, 0.05, -0.01, 1.0}, {0.3, 0.13, -0.002, 0.2}}, n+10)
	snap := make([][]float64, n)
	for k := range snap {
		snap[k] = []float64{a[k], b[k], a[k] - b[k]}
	}
	m, err := Fit(snap, Options{Delay: 10})
	if err != nil {
		t.Fatal(err)
	}
	if m.Rank1 != 2 || len(m.Modes) != 4 {
		t.Fatalf("rank %d, %d modes", m.Rank1, len(m.Modes))
	}
	fc, _ := m.Forecast(10)
	for i, v := range fc {
		if math.Abs(v[0]-a[n+i]) > 1e-6 || math.Abs(v[1]-b[n+i]) > 1e-6 || math.Abs(v[2]-(a[n+i]-b[n+i])) > 1e-6 {
			t.Fatalf("step %d: %v", i+1, v)
		}
	}
}

func TestAmplitudeTruncationAndStabilize(t *testing.T) {
	cs := []component{{1, 0.1, 0, 0}, {1e-4, 0.3, 0.004, 0}}
	y := signal(cs, 300)
	m, _ := FitSeries(y, Options{Delay: 20})
	if len(m.Modes) != 4 {
		t.Fatalf("%d modes", len(m.Modes))
	}
	m, _ = FitSeries(y, Options{Delay: 20, AmpTol: 1e-3})
	if len(m.Modes) != 2 || math.Abs(math.Abs(m.Modes[0].Frequency)-0.1) > 1e-6 {
		t.Fatalf("after truncation: %+v", m.Modes)
	}
	m, _ = FitSeries(y, Options{Delay: 20, Stabilize: true})
	for _, mode := range m.Modes {
		if mode.Growth > 1e-12 {
			t.Errorf("stabilised mode still grows: %+v", mode)
		}
	}
}

func TestBadInput(t *testing.T) {
	y := signal(damped, 50)
	if _, err := FitSeries(y, Options{Delay: 0}); err == nil {
		t.Error("delay 0 accepted")
	}
	if _, err := FitSeries(y, Options{Delay: 49}); !errors.Is(err, ErrTooLittleData) || !strings.Contains(err.Error(), "needs at least 51 samples") {
		t.Errorf("delay 49 on 50 samples: %v", err)
	}
	y[3] = math.NaN()
	if _, err := FitSeries(y, Options{Delay: 5}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("NaN: %v", err)
	}
	if _, err := FitSeries(make([]float64, 20), Options{Delay: 5}); err == nil {
		t.Error("a zero signal was decomposed")
	}
	if _, err := FitSeries(signal(damped, 50), Options{Delay: 5, Tol1: 2}); err == nil {
		t.Error("tolerance 2 accepted")
	}
	m, _ := FitSeries(signal(damped, 50), Options{Delay: 5})
	if _, err := m.Forecast(0); err == nil {
		t.Error("horizon 0 accepted")
	}
}

package dbcore_test

import (
	"math"
	"strconv"
	"testing"

	"github.com/dtbase-go/dtbase/dbcore"
)

// TestAppendPythonFloat: expected strings are Python 3's repr() of the same floats.
func TestAppendPythonFloat(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{290, "290.0"}, {290.5, "290.5"}, {-23.1, "-23.1"}, {0.1, "0.1"}, {1e-05, "1e-05"}, {0.0001, "0.0001"},
		{0.00012345, "0.00012345"}, {1e+20, "1e+20"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
		{123456789012345.6, "123456789012345.6"}, {1.5e-07, "1.5e-07"}, {-1.5e300, "-1.5e+300"}, {5e-324, "5e-324"},
		{0.30000000000000004, "0.30000000000000004"}, {2.5, "2.5"}, {math.Copysign(0, -1), "-0.0"}, {0, "0.0"}, {100, "100.0"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {12345.678, "12345.678"}, {9999999999999998, "9999999999999998.0"},
		{math.NaN(), "null"}, {math.Inf(1), "null"},
	} {
		if got := string(dbcore.AppendPythonFloat(nil, tc.f)); got != tc.want {
			t.Errorf("AppendPythonFloat(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
	// Every finite output parses back to the same float.
	for _, f := range []float64{1.0 / 3, 2.0 / 3 * 1e10, 6.02214076e23, 1e-4, 9.999e-5, 123.456e-3} {
		got := string(dbcore.AppendPythonFloat(nil, f))
		if back, err := strconv.ParseFloat(got, 64); err != nil || back != f {
			t.Errorf("%v -> %s does not round-trip", f, got)
		}
	}
}

func BenchmarkAppendPythonFloat(b *testing.B) {
	buf := make([]byte, 0, 64)
	for i := 0; i < b.N; i++ {
		buf = dbcore.AppendPythonFloat(buf[:0], 280+float64(i%1000)/10)
	}
}

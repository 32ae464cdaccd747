package handlers

import (
	"testing"
	"time"
)

// TestDatetimeAppender checks the day-cached formatter against time.Format across day, year and
// epoch boundaries, with and without microseconds.
func TestDatetimeAppender(t *testing.T) {
	var d datetimeAppender
	start := time.Date(1969, 12, 31, 23, 59, 58, 0, time.UTC)
	for _, step := range []time.Duration{time.Second, 7*time.Hour + 123456*time.Microsecond, 36 * time.Hour} {
		for i, ts := 0, start; i < 200; i, ts = i+1, ts.Add(step) {
			want := `"` + ts.Format("2006-01-02T15:04:05") + `Z"`
			if us := ts.Nanosecond() / 1000; us != 0 {
				want = `"` + ts.Format("2006-01-02T15:04:05.000000") + `Z"`
			}
			if got := string(d.append(nil, ts)); got != want {
				t.Fatalf("append(%v) = %s, want %s", ts, got, want)
			}
		}
	}
	if got := string(appendDatetime(nil, time.Date(2024, 2, 12, 18, 0, 0, 123456000, time.FixedZone("", 3600)))); got != `"2024-02-12T17:00:00.123456Z"` {
		t.Errorf("offset input: %s", got)
	}
}

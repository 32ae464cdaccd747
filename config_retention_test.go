package main

import (
	"strings"
	"testing"
	"time"
)

// TestReadingsRetentionSetting: DT_READINGS_RETENTION_DAYS is days (0, the default, keeps every
// reading); anything but a non-negative integer is refused at start.
func TestReadingsRetentionSetting(t *testing.T) {
	base := map[string]string{"DT_JWT_SECRET_KEY": "k", "DT_DATABASE_URL": "postgres://x@h/db"}
	with := func(v string) map[string]string {
		m := map[string]string{"DT_READINGS_RETENTION_DAYS": v}
		for k, x := range base {
			m[k] = x
		}
		return m
	}
	for v, want := range map[string]time.Duration{"": 0, "0": 0, "400": 400 * 24 * time.Hour, " 30 ": 30 * 24 * time.Hour} {
		c, err := loadConfig(env(with(v)), true)
		if err != nil || c.ReadingsRetention != want {
			t.Errorf("DT_READINGS_RETENTION_DAYS=%q: %v, %v; want %v", v, c.ReadingsRetention, err, want)
		}
	}
	for _, v := range []string{"-1", "a year", "1.5"} {
		if _, err := loadConfig(env(with(v)), true); err == nil || !strings.Contains(err.Error(), "DT_READINGS_RETENTION_DAYS") {
			t.Errorf("DT_READINGS_RETENTION_DAYS=%q: err = %v", v, err)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
)

func writeCSV(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "readings.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func countReadings(t *testing.T, db *dbcore.DB, sensor, measure string) int {
	t.Helper()
	n := 0
	err := db.StreamReadings(context.Background(), dbcore.ReadingsQuery{UniqueID: sensor, MeasureName: measure,
		From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		func() error { return nil }, func(time.Time, dbcore.Value) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportCommandDatabase(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewURL(t)
	db, err := dbcore.Open(ctx, url, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.InsertSensorType(ctx, dbcore.SensorType{Name: "t", Measures: []dbcore.Measure{{Name: "temp", Datatype: dbcore.Float}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.InsertSensor(ctx, "t", dbcore.Sensor{UniqueIdentifier: "s1"}); err != nil {
		t.Fatal(err)
	}
	getenv := env(map[string]string{"DT_DATABASE_URL": url})
	file := writeCSV(t, "timestamp,value\n2024-01-01T00:00:00Z,1.5\n2024-01-01T01:00:00Z,2\n")
	var out, errOut bytes.Buffer
	if err := importCommand(ctx, []string{"readings", "--csv", file, "--sensor", "s1", "--measure", "temp"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "imported 2 rows: 2 readings stored, 0 already stored") {
		t.Errorf("output %q", out.String())
	}
	if n := countReadings(t, db, "s1", "temp"); n != 2 {
		t.Fatalf("%d readings stored, want 2", n)
	}
	bad := writeCSV(t, "timestamp,value\n2024-01-02T00:00:00Z,1\n2024-01-02T01:00:00Z,warm\n")
	err = importCommand(ctx, []string{"readings", "--csv", bad, "--sensor", "s1", "--measure", "temp"}, getenv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad file: err = %v, want line 3 reported", err)
	}
	if n := countReadings(t, db, "s1", "temp"); n != 2 {
		t.Fatalf("%d readings after a refused import, want 2", n)
	}
	if err := importCommand(ctx, []string{"readings", "--csv", file}, getenv, &out, &errOut); err == nil {
		t.Fatal("missing --sensor accepted")
	}
}

func TestImportCommandAPI(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, map[string]string{"DT_DATABASE_URL": dbtest.NewEmptyURL(t), "DT_DEFAULT_USER_PASS": "pw"})
	s.waitHealthy(t)
	token := login(t, s.base, "default_user@localhost", "pw")
	for _, c := range []struct{ path, body string }{
		{"/api/sensor/insert-sensor-type", `{"name":"t","measures":[{"name":"temp","units":null,"datatype":"float"},{"name":"n","units":null,"datatype":"integer"}]}`},
		{"/api/sensor/insert-sensor", `{"type_name":"t","unique_identifier":"s1"}`},
	} {
		path, body := c.path, c.body
		req, _ := http.NewRequest("POST", s.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("%s: %v %v", path, err, resp)
		}
		resp.Body.Close()
	}
	var rows strings.Builder
	rows.WriteString("timestamp,temp,n\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&rows, "%d,%d.25,%d\n", 1704067200+60*i, i, i)
	}
	file := writeCSV(t, rows.String())
	getenv := env(map[string]string{"DT_DEFAULT_USER_PASS": "pw"})
	var out, errOut bytes.Buffer
	args := []string{"readings", "--csv", file, "--sensor", "s1", "--url", s.base + "/api"}
	if err := importCommand(ctx, args, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "imported 1000 rows: 2000 readings stored, 0 already stored") {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	if err := importCommand(ctx, args, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "imported 1000 rows: 0 readings stored, 2000 already stored") {
		t.Errorf("second import output %q", out.String())
	}
	wrong := env(map[string]string{"DT_DEFAULT_USER_PASS": "nope"})
	if err := importCommand(ctx, args, wrong, &out, &errOut); err == nil || !strings.Contains(err.Error(), "Incorrect email or password") {
		t.Fatalf("wrong password: %v", err)
	}
}

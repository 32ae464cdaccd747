package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore/dbtest"
)

const (
	benchReadings = 200_000
	benchBatch    = 10_000
)

// BenchmarkPlatform measures the figures the README quotes, each beside a baseline measured in the
// same run on the same machine: API ingest against pgx CopyFrom into an equivalent bare table, the
// API's full and one-hour reads against a plain SELECT, a list-sensors request against a 404 on the
// same connection, and the server's peak memory while serving the full read. The server is a
// separate process (this test binary in serve mode), reached over loopback TCP.
func BenchmarkPlatform(b *testing.B) {
	ctx := context.Background()
	url := dbtest.NewURL(b)
	started := time.Now()
	s := startServer(b, map[string]string{"DT_DATABASE_URL": url, "DT_DEFAULT_USER_PASS": "bench"})
	startup := time.Since(started)
	s.waitHealthy(b)
	pid := s.cmd.Process.Pid
	c := &benchClient{b: b, base: s.base, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	c.token = login(b, s.base, "default_user@localhost", "bench")

	c.post("/api/sensor/insert-sensor-type", `{"name":"bench","measures":[{"name":"temperature","units":"K","datatype":"float"}]}`, 201)
	c.post("/api/sensor/insert-sensor", `{"type_name":"bench","unique_identifier":"bench-1"}`, 201)

	// One reading a second from 2024-01-01: 200,000 readings span about 55.6 hours.
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ts := make([]time.Time, benchReadings)
	values := make([]float64, benchReadings)
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * time.Second)
		values[i] = 280 + float64(i%1000)/10
	}
	bodies := make([][]byte, 0, benchReadings/benchBatch)
	for lo := 0; lo < benchReadings; lo += benchBatch {
		bodies = append(bodies, readingsBody(ts[lo:lo+benchBatch], values[lo:lo+benchBatch]))
	}
	b.ResetTimer()

	// Ingest: the API, then the same rows by COPY into the bare table.
	start := time.Now()
	for _, body := range bodies {
		c.post("/api/sensor/insert-sensor-readings", string(body), 201)
	}
	apiIngest := time.Since(start)
	if err := dbtest.CreateRawTable(ctx, url); err != nil {
		b.Fatal(err)
	}
	copyIngest, err := dbtest.RawCopy(ctx, url, ts, values, benchBatch)
	if err != nil {
		b.Fatal(err)
	}

	// Reads: the whole range and one hour, through the API and by plain SELECT; medians of several.
	end := ts[len(ts)-1]
	hourFrom, hourTo := t0.Add(10*time.Hour), t0.Add(11*time.Hour)
	readBody := func(from, to time.Time) string {
		return fmt.Sprintf(`{"measure_name":"temperature","unique_identifier":"bench-1","dt_from":%q,"dt_to":%q}`,
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	rssBefore := procStatus(b, pid, "VmRSS")
	var fullAPI, fullSQL, hourAPI, hourSQL []time.Duration
	for range 5 {
		d, n := c.timedRead(readBody(t0, end))
		if n != benchReadings {
			b.Fatalf("full read returned %d readings, want %d", n, benchReadings)
		}
		fullAPI = append(fullAPI, d)
		rows, d2, err := dbtest.RawSelect(ctx, url, t0, end)
		if err != nil || rows != benchReadings {
			b.Fatalf("raw select: %d rows, %v", rows, err)
		}
		fullSQL = append(fullSQL, d2)
	}
	peakRSS := procStatus(b, pid, "VmHWM")
	for range 50 {
		d, n := c.timedRead(readBody(hourFrom, hourTo))
		if n != 3601 {
			b.Fatalf("hour read returned %d readings, want 3601", n)
		}
		hourAPI = append(hourAPI, d)
		_, d2, err := dbtest.RawSelect(ctx, url, hourFrom, hourTo)
		if err != nil {
			b.Fatal(err)
		}
		hourSQL = append(hourSQL, d2)
	}

	// Per-request cost: list-sensors against a 404, alternating on one kept-alive connection.
	var listD, notFoundD []time.Duration
	for range 2000 {
		listD = append(listD, c.timed("POST", "/api/sensor/list-sensors", `{}`, 200))
		notFoundD = append(notFoundD, c.timed("POST", "/api/no-such-path", `{}`, 404))
	}
	b.StopTimer()

	rate := func(d time.Duration) float64 { return benchReadings / d.Seconds() }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	full, fullRaw := median(fullAPI), median(fullSQL)
	hour, hourRaw := median(hourAPI), median(hourSQL)
	perRequest := median(listD) - median(notFoundD)
	fmt.Printf("\nDTBase benchmark (%d float readings, batches of %d; server is a separate process)\n", benchReadings, benchBatch)
	fmt.Printf("  %-44s %12s %14s %8s\n", "figure", "API", "baseline", "ratio")
	fmt.Printf("  %-44s %12.0f %14.0f %8.2f   (target >= 250000/s and >= 0.70 of COPY)\n", "ingest, readings/s (baseline: pgx CopyFrom)",
		rate(apiIngest), rate(copyIngest), rate(apiIngest)/rate(copyIngest))
	fmt.Printf("  %-44s %12.1f %14.1f %8.2f   (target <= 2.00 x SELECT)\n", "full read of 200,000, ms (baseline: SELECT)", ms(full), ms(fullRaw), ms(full)/ms(fullRaw))
	fmt.Printf("  %-44s %12.2f %14.2f %8.2f   (target < 5 ms)\n", "one-hour window read (3,601 rows), ms", ms(hour), ms(hourRaw), ms(hour)/ms(hourRaw))
	fmt.Printf("  %-44s %12.3f %14.3f %8s   (target < 0.3 ms server cost)\n", "list-sensors median, ms (baseline: 404)", ms(median(listD)), ms(median(notFoundD)), "")
	fmt.Printf("  %-44s %12.3f\n", "  => server cost of list-sensors, ms", ms(perRequest))
	fmt.Printf("  %-44s %12.1f %14.1f %8s   (target < 100 MB peak)\n", "server memory, MB (peak during reads; before)", peakRSS, rssBefore, "")
	fmt.Printf("  %-44s %12.1f\n", "start-up to first answer, ms", ms(startup))
	b.ReportMetric(rate(apiIngest), "ingest-readings/s")
	b.ReportMetric(rate(apiIngest)/rate(copyIngest), "ingest/copy")
	b.ReportMetric(ms(full)/ms(fullRaw), "fullread/select")
	b.ReportMetric(ms(hour), "hour-ms")
	b.ReportMetric(ms(perRequest), "list-sensors-ms")
	b.ReportMetric(peakRSS, "peak-MB")
}

func readingsBody(ts []time.Time, values []float64) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"measure_name":"temperature","unique_identifier":"bench-1","readings":[`)
	for i, v := range values {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.FormatFloat(v, 'f', 1, 64))
	}
	buf.WriteString(`],"timestamps":[`)
	for i, t := range ts {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`"` + t.Format("2006-01-02T15:04:05") + `"`)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

type benchClient struct {
	b      *testing.B
	base   string
	token  string
	client *http.Client
}

func (c *benchClient) request(method, path, body string) *http.Response {
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		c.b.Fatal(err)
	}
	return resp
}

func (c *benchClient) post(path, body string, want int) {
	resp := c.request("POST", path, body)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		c.b.Fatalf("POST %s: %d %s", path, resp.StatusCode, data)
	}
}

// timed returns how long one request took, body read to the end.
func (c *benchClient) timed(method, path, body string, want int) time.Duration {
	start := time.Now()
	resp := c.request(method, path, body)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != want {
		c.b.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
	return d
}

// timedRead reads sensor-readings to the end and counts the readings in the body.
func (c *benchClient) timedRead(body string) (time.Duration, int) {
	start := time.Now()
	resp := c.request("POST", "/api/sensor/sensor-readings", body)
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil || resp.StatusCode != 200 {
		c.b.Fatalf("sensor-readings: %d %v", resp.StatusCode, err)
	}
	if !json.Valid(data) {
		c.b.Fatal("sensor-readings body is not valid JSON")
	}
	return d, bytes.Count(data, []byte(`"timestamp"`))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// procStatus reads a memory figure (kB) of a process from /proc and returns it in MB.
func procStatus(b *testing.B, pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// BenchmarkImportCSV streams a 1,000,000-row CSV through POST /api/sensor/import-readings to a
// separate server process and reports the rate and the server's peak memory, beside the same rows
// loaded by pgx CopyFrom into the bare table in the same run.
func BenchmarkImportCSV(b *testing.B) {
	const rows = 1_000_000
	ctx := context.Background()
	url := dbtest.NewURL(b)
	s := startServer(b, map[string]string{"DT_DATABASE_URL": url, "DT_DEFAULT_USER_PASS": "bench"})
	s.waitHealthy(b)
	c := &benchClient{b: b, base: s.base, client: &http.Client{}}
	c.token = login(b, s.base, "default_user@localhost", "bench")
	c.post("/api/sensor/insert-sensor-type", `{"name":"bench","measures":[{"name":"temperature","units":"K","datatype":"float"}]}`, 201)
	c.post("/api/sensor/insert-sensor", `{"type_name":"bench","unique_identifier":"bench-1"}`, 201)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	ts := make([]time.Time, rows)
	values := make([]float64, rows)
	var csv bytes.Buffer
	csv.WriteString("timestamp,value\n")
	for i := range ts {
		ts[i] = t0.Add(time.Duration(i) * time.Minute)
		values[i] = float64(i%5000) / 10
		csv.WriteString(ts[i].Format(time.RFC3339))
		csv.WriteByte(',')
		csv.WriteString(strconv.FormatFloat(values[i], 'f', -1, 64))
		csv.WriteByte('\n')
	}
	body := csv.Bytes()
	b.ResetTimer()
	start := time.Now()
	req, _ := http.NewRequest("POST", s.base+"/api/sensor/import-readings?unique_identifier=bench-1&measure_name=temperature", bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	apiTime := time.Since(start)
	if resp.StatusCode != 201 || !strings.Contains(string(answer), `"readings":1000000`) {
		b.Fatalf("import: %d %s", resp.StatusCode, answer)
	}
	peak := procStatus(b, s.cmd.Process.Pid, "VmHWM")
	if err := dbtest.CreateRawTable(ctx, url); err != nil {
		b.Fatal(err)
	}
	copyTime, err := dbtest.RawCopy(ctx, url, ts, values, rows)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	fmt.Printf("\nCSV import of %d rows (%.1f MB) through the API, server a separate process\n", rows, float64(len(body))/1e6)
	fmt.Printf("  %-44s %12.0f %14.0f %8.2f\n", "rows/s (baseline: one pgx CopyFrom)", rows/apiTime.Seconds(), rows/copyTime.Seconds(), copyTime.Seconds()/apiTime.Seconds())
	fmt.Printf("  %-44s %12.1f\n", "server peak memory, MB", peak)
	b.ReportMetric(rows/apiTime.Seconds(), "import-rows/s")
	b.ReportMetric(peak, "peak-MB")
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/handlers"
)

// importCommand is `handler import readings --csv FILE --sensor ID [--measure NAME] [--url URL]`:
// a bulk import of readings from CSV into the configured database, or through a remote API.
func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "readings" {
		return errors.New("usage: handler import readings --csv FILE --sensor ID [--measure NAME] [--url URL]")
	}
	fs := flag.NewFlagSet("import readings", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("csv", "", "CSV file: timestamp,value (with --measure) or timestamp,<measure>,...")
	sensor := fs.String("sensor", "", "unique identifier of the sensor")
	measure := fs.String("measure", "", "measure of a timestamp,value file")
	apiURL := fs.String("url", "", "import through this API (e.g. http://localhost:7071/api) instead of the database; "+
		"logs in as DT_USER_EMAIL (default default_user@localhost) with DT_USER_PASS (default DT_DEFAULT_USER_PASS)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *file == "" || *sensor == "" {
		return errors.New("--csv and --sensor are required")
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	var in io.Reader = f
	if st, err := f.Stat(); err == nil && isTerminal(stderr) {
		in = &progressReader{r: f, total: st.Size(), out: stderr}
	}
	var counts importCounts
	start := time.Now()
	if *apiURL != "" {
		err = importViaAPI(ctx, *apiURL, *sensor, *measure, in, getenv, &counts)
	} else {
		err = importViaDatabase(ctx, *sensor, *measure, in, getenv, &counts)
	}
	if p, ok := in.(*progressReader); ok {
		p.finish()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d rows: %d readings stored, %d already stored, in %.1f s\n",
		counts.Rows, counts.Readings, counts.Skipped, time.Since(start).Seconds())
	return nil
}

// importCounts is what an import reports, as the API answers it.
type importCounts struct {
	Rows     int64 `json:"rows"`
	Readings int64 `json:"readings"`
	Skipped  int64 `json:"skipped_duplicates"`
}

func importViaDatabase(ctx context.Context, sensor, measure string, in io.Reader, getenv func(string) string, counts *importCounts) error {
	db, _, err := openDatabase(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	src, err := handlers.NewCSVReadings(in, measure)
	if err != nil {
		return err
	}
	res, err := db.ImportReadings(ctx, sensor, src.Measures, src.Open)
	if err != nil {
		return err
	}
	counts.Rows, counts.Readings, counts.Skipped = res.Rows, res.Readings, res.Skipped
	return nil
}

func importViaAPI(ctx context.Context, base, sensor, measure string, in io.Reader, getenv func(string) string, counts *importCounts) error {
	base = strings.TrimSuffix(base, "/")
	email := or(getenv("DT_USER_EMAIL"), dbcore.DefaultUserEmail)
	password := or(getenv("DT_USER_PASS"), getenv("DT_DEFAULT_USER_PASS"))
	login, _ := json.Marshal(map[string]string{"email": email, "password": password})
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	if err := call(ctx, http.MethodPost, base+"/auth/login", "application/json", "", strings.NewReader(string(login)), &tokens); err != nil {
		return fmt.Errorf("log in as %s: %w", email, err)
	}
	q := url.Values{"unique_identifier": {sensor}}
	if measure != "" {
		q.Set("measure_name", measure)
	}
	return call(ctx, http.MethodPost, base+"/sensor/import-readings?"+q.Encode(), "text/csv", tokens.AccessToken, in, counts)
}

// call sends one request and decodes a 2xx JSON answer into out; other answers become errors with
// the API's detail.
func call(ctx context.Context, method, u, contentType, token string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		var d struct {
			Detail any `json:"detail"`
		}
		if json.Unmarshal(data, &d) == nil && d.Detail != nil {
			return fmt.Errorf("%s: %v", resp.Status, d.Detail)
		}
		return fmt.Errorf("%s: %s", resp.Status, data)
	}
	return json.Unmarshal(data, out)
}

// progressReader draws a progress bar on a terminal as the file is read.
type progressReader struct {
	r         io.Reader
	total     int64
	read      int64
	out       io.Writer
	lastDrawn time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if time.Since(p.lastDrawn) > 100*time.Millisecond {
		p.draw()
	}
	return n, err
}

func (p *progressReader) draw() {
	p.lastDrawn = time.Now()
	frac := 1.0
	if p.total > 0 {
		frac = float64(p.read) / float64(p.total)
	}
	const width = 30
	filled := int(frac * width)
	fmt.Fprintf(p.out, "\r[%s%s] %3.0f%% %.1f of %.1f MB", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		frac*100, float64(p.read)/1e6, float64(p.total)/1e6)
}

func (p *progressReader) finish() {
	p.draw()
	fmt.Fprintln(p.out)
}

// isTerminal reports whether w is a character device (a terminal), where a progress bar belongs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Command example is a small DTBase ingress written with servicesdk. It creates a sensor type
// "Example" (measure temperature, Kelvin, float), a sensor, and posts synthetic readings for it.
//
// Run it once from the command line:
//
//	DT_BACKEND_URL=http://localhost:7071/api DT_USER_PASS=... go run ./handlers/servicesdk/example -once -sensor demo-1
//
// or serve it over HTTP, so that the backend's /service/run-service can call it (register it with
// POST /service/insert-service, url http://127.0.0.1:8090/, http_method POST; the run's parameters
// are {"sensor": "...", "count": n}, both optional):
//
//	go run ./handlers/servicesdk/example -listen 127.0.0.1:8090
//
// The credentials come from DT_USER_EMAIL and DT_USER_PASS, or default_user@localhost with
// DT_DEFAULT_USER_PASS. Running it again succeeds: the sensor type and the sensor exist already
// (409, tolerated) and readings that exist already are skipped by the backend.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dtbase-go/dtbase/handlers/servicesdk"
)

// The sensor type and measure the example creates.
const (
	typeName = "Example"
	measure  = "temperature"
	units    = "Kelvin"
	maxCount = 100000
)

// params are the parameters of one run, as /service/run-service sends them.
type params struct {
	Sensor string `json:"sensor"` // the sensor's unique identifier
	Count  int    `json:"count"`  // number of readings
}

// ingress produces the example's calls. Zero parameters take the defaults.
type ingress struct {
	defaults params
	interval time.Duration    // time between readings
	now      func() time.Time // the last reading is at now truncated to interval
}

// Produce returns the calls creating the sensor type, the sensor and count readings ending now.
// A reading's value depends only on its time, so repeated runs write the same values.
func (g ingress) Produce(_ context.Context, p params) ([]servicesdk.Call, error) {
	if p.Sensor == "" {
		p.Sensor = g.defaults.Sensor
	}
	if p.Count == 0 {
		p.Count = g.defaults.Count
	}
	if p.Sensor == "" {
		return nil, servicesdk.InvalidParams(errors.New("no sensor given"))
	}
	if p.Count < 1 || p.Count > maxCount {
		return nil, servicesdk.InvalidParams(fmt.Errorf("count %d is not between 1 and %d", p.Count, maxCount))
	}
	end := g.now().UTC().Truncate(g.interval)
	ts := make([]time.Time, p.Count)
	values := make([]float64, p.Count)
	for i := range ts {
		ts[i] = end.Add(-time.Duration(p.Count-1-i) * g.interval)
		values[i] = temperature(ts[i])
	}
	readings, err := servicesdk.ReadingsCall(p.Sensor, measure, ts, values)
	if err != nil {
		return nil, err
	}
	return []servicesdk.Call{
		{Path: servicesdk.PathInsertSensorType, Payload: servicesdk.SensorType{
			Name:        typeName,
			Description: "Synthetic sensors of the Go service SDK example",
			Measures:    []servicesdk.SensorMeasure{{Name: measure, Units: units, Datatype: servicesdk.DatatypeFloat}},
		}},
		{Path: servicesdk.PathInsertSensor, Payload: servicesdk.Sensor{
			TypeName: typeName, UniqueIdentifier: p.Sensor, Name: "Example sensor " + p.Sensor,
		}},
		readings,
	}, nil
}

// temperature is a daily cycle around 290 K, rounded to 0.01 K.
func temperature(t time.Time) float64 {
	day := float64(t.Unix()%86400) / 86400
	return math.Round((290+5*math.Sin(2*math.Pi*day))*100) / 100
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

// run parses the flags and runs the ingress once or serves it until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(stderr)
	once := fs.Bool("once", false, "run the ingress once and exit")
	listen := fs.String("listen", "", "serve the ingress over HTTP on this address, e.g. 127.0.0.1:8090")
	sensor := fs.String("sensor", "", "the sensor's unique identifier (default for HTTP runs)")
	count := fs.Int("count", 10, "number of readings")
	interval := fs.Duration("interval", time.Minute, "time between readings")
	timeout := fs.Duration("timeout", servicesdk.DefaultTimeout, "timeout of each backend request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *once == (*listen != "") {
		return errors.New("give exactly one of -once and -listen")
	}
	if *interval <= 0 {
		return errors.New("-interval must be positive")
	}
	email, password, err := servicesdk.CredentialsFromEnv()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	client, err := servicesdk.New(servicesdk.WithCredentials(email, password), servicesdk.WithTimeout(*timeout), servicesdk.WithLogger(log))
	if err != nil {
		return err
	}
	g := ingress{defaults: params{Sensor: *sensor, Count: *count}, interval: *interval, now: time.Now}
	if *once {
		sum, err := servicesdk.Run(ctx, client, g, params{})
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	log.Info("serving the example ingress", "addr", ln.Addr().String(), "backend", client.BaseURL())
	return serve(ctx, ln, servicesdk.Handler(client, g))
}

// serve serves h on ln until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

package servicesdk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers/servicesdk"
	"github.com/dtbase-go/dtbase/handlers/servicesdk/internal/apitest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newClient returns a client of base with fast retries (4 attempts, 1–5 ms apart) and opts.
func newClient(t *testing.T, base string, opts ...servicesdk.Option) *servicesdk.Client {
	t.Helper()
	opts = append([]servicesdk.Option{
		servicesdk.WithBaseURL(base),
		servicesdk.WithRetry(4, time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := servicesdk.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loggedIn returns a client of base logged in as the test user.
func loggedIn(t *testing.T, base string, opts ...servicesdk.Option) *servicesdk.Client {
	t.Helper()
	c := newClient(t, base, opts...)
	if err := c.Login(context.Background(), apitest.Email, apitest.Password); err != nil {
		t.Fatal(err)
	}
	return c
}

// clock is a settable clock shared by a client and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// proxy is a reverse proxy in front of the API that can inject faults into requests other than
// /auth/* ones. It records the paths it receives.
type proxy struct {
	URL string

	rp      *httputil.ReverseProxy
	release chan struct{}

	mu        sync.Mutex
	paths     []string
	fail503   int  // answer 503 to the next n requests without forwarding them
	failAfter int  // forward the next n requests, then answer 503 in place of the API's answer
	drop      int  // close the connection of the next n requests without answering
	hang      bool // hold requests until the client gives up (or 5 s have passed)
}

// newProxy forwards to target; a target with a path (ts.URL+"/api") prepends that path to every
// request's path.
func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{rp: httputil.NewSingleHostReverseProxy(u), release: make(chan struct{})}
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(p.release) }) // runs before ts.Close
	p.URL = ts.URL
	return p
}

// set changes the fault settings.
func (p *proxy) set(f func(p *proxy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.Path)
	var fail, failAfter, drop, hang bool
	if !strings.Contains(r.URL.Path, "/auth/") {
		switch {
		case p.hang:
			hang = true
		case p.fail503 > 0:
			p.fail503--
			fail = true
		case p.failAfter > 0:
			p.failAfter--
			failAfter = true
		case p.drop > 0:
			p.drop--
			drop = true
		}
	}
	p.mu.Unlock()
	switch {
	case hang:
		select {
		case <-r.Context().Done():
		case <-p.release:
		case <-time.After(5 * time.Second): // answer 200 at last, so that a client without timeout fails its test
		}
	case fail:
		unavailable(w)
	case failAfter:
		p.rp.ServeHTTP(httptest.NewRecorder(), r)
		unavailable(w)
	case drop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	default:
		p.rp.ServeHTTP(w, r)
	}
}

func unavailable(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte(`{"detail":"Service Unavailable"}`))
}

// count returns how many requests the proxy received for path.
func (p *proxy) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, q := range p.paths {
		if q == path {
			n++
		}
	}
	return n
}

func (p *proxy) allPaths() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

// ingressCalls are the calls of a small ingress: a sensor type with one float measure, a sensor,
// and three readings.
func ingressCalls(sensor string) []servicesdk.Call {
	t0 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	readings, err := servicesdk.ReadingsCall(sensor, "Measure 1",
		[]time.Time{t0, t0.Add(time.Second), t0.Add(2 * time.Second)}, []float64{5, 1.6, 34.245})
	if err != nil {
		panic(err) // the lengths are equal
	}
	return []servicesdk.Call{
		{Path: servicesdk.PathInsertSensorType, Payload: servicesdk.SensorType{
			Name:     "random type",
			Measures: []servicesdk.SensorMeasure{{Name: "Measure 1", Units: "Unit 1", Datatype: "float"}},
		}},
		{Path: servicesdk.PathInsertSensor, Payload: servicesdk.Sensor{TypeName: "random type", UniqueIdentifier: sensor, Name: "a sensor"}},
		readings,
	}
}

type reading struct {
	Value     any    `json:"value"`
	Timestamp string `json:"timestamp"`
}

// readingsOf returns the readings of a sensor's measure in 2021-01-01.
func readingsOf(t *testing.T, c *servicesdk.Client, sensor, measure string) []reading {
	t.Helper()
	var rs []reading
	_, err := c.Post(context.Background(), servicesdk.PathSensorReadings, map[string]string{
		"measure_name": measure, "unique_identifier": sensor,
		"dt_from": "2021-01-01T00:00:00Z", "dt_to": "2021-01-02T00:00:00Z",
	}, &rs)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

package cosmosruns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
	"github.com/dtbase-go/dtbase/handlers"
)

var _ handlers.RunStore = (*Store)(nil)

// suiteTTLDays is the time to live the Cosmos stores of the suite are made with.
const suiteTTLDays = 30

// TestRunStorePostgres runs the run-history suite on the default store: PostgreSQL.
func TestRunStorePostgres(t *testing.T) {
	runStoreSuite(t, func(t *testing.T) (handlers.RunStore, string) {
		return nil, dbtest.NewURL(t)
	})
}

// TestRunStoreCosmos runs the same suite on a Store in the Cosmos DB emulator.
func TestRunStoreCosmos(t *testing.T) {
	runStoreSuite(t, func(t *testing.T) (handlers.RunStore, string) {
		url := dbtest.NewURL(t)
		db := openDB(t, url)
		return newCosmosStore(t, suiteTTLDays, db.ListParameterSets), url
	})
}

var containerSeq atomic.Int64

// newCosmosStore makes a Store on a container of its own in the emulator, deleted at the end of
// the test.
func newCosmosStore(t *testing.T, ttlDays int, sets func(context.Context, *string) ([]dbcore.ParameterSet, error)) *Store {
	t.Helper()
	endpoint, client := emulator(t)
	opts := Options{
		Endpoint: endpoint, Key: emulatorKey, Database: "dtbase_test",
		Container: fmt.Sprintf("runs_%d", containerSeq.Add(1)), TTLDays: ttlDays,
		HTTPClient: client, ParameterSets: sets,
	}
	s, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("cosmosruns.New: %v\n%s", err, emulatorLog())
	}
	t.Cleanup(func() {
		if _, err := s.container.Delete(context.Background(), nil); err != nil {
			t.Errorf("delete container %s: %v", opts.Container, err)
		}
		s.Close()
	})
	return s
}

func openDB(t *testing.T, url string) *dbcore.DB {
	t.Helper()
	db, err := dbcore.Open(context.Background(), url, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

const (
	suiteSecret   = "suite-secret-key"
	suiteEmail    = "runs@test.com"
	suitePassword = "runs"
)

var (
	suiteHashOnce sync.Once
	suiteHash     []byte
)

// suiteAPI is a server on a fresh database with the run store under test.
type suiteAPI struct {
	t     *testing.T
	db    *dbcore.DB
	runs  handlers.RunStore // the store the server records into (the database when nil was given)
	srv   *handlers.Server
	h     http.Handler
	token string
	now   time.Time
}

func newSuiteAPI(t *testing.T, store handlers.RunStore, dbURL string) *suiteAPI {
	t.Helper()
	db := openDB(t, dbURL)
	suiteHashOnce.Do(func() { suiteHash, _ = bcrypt.GenerateFromPassword([]byte(suitePassword), bcrypt.MinCost) })
	if err := db.CreateUser(context.Background(), suiteEmail, suiteHash); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := handlers.New(db, handlers.Config{
		JWTSecret:         []byte(suiteSecret),
		AccessTokenTTL:    time.Hour,
		RefreshTokenGrace: time.Hour,
		ServiceTimeout:    5 * time.Second,
		Runs:              store,
	}, log, nil)
	a := &suiteAPI{t: t, db: db, runs: store, srv: srv, h: srv.Routes()}
	if store == nil {
		a.runs = db
	}
	// The frozen clock also dates tokens: log in at the latest time the suite sets, so that the
	// token is valid at every one of them.
	a.now = time.Date(2024, 3, 7, 0, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return a.now })
	res := a.do("/api/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, suiteEmail, suitePassword), "")
	if res.status != 200 {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	var tk struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(res.body, &tk); err != nil {
		t.Fatal(err)
	}
	a.token = tk.AccessToken
	return a
}

type suiteResponse struct {
	status int
	body   []byte
}

// do POSTs body (raw JSON text; "" sends none) through the router.
func (a *suiteAPI) do(path, body, token string) suiteResponse {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest("POST", path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return suiteResponse{rec.Code, rec.Body.Bytes()}
}

// post sends body to /api/service/<op> and checks the status and body.
func (a *suiteAPI) post(op, body string, wantStatus int, wantBody string) {
	a.t.Helper()
	res := a.do("/api/service/"+op, body, a.token)
	if res.status != wantStatus || string(res.body) != wantBody {
		a.t.Fatalf("%s %s\n got %d %s\nwant %d %s", op, body, res.status, res.body, wantStatus, wantBody)
	}
}

// listRuns checks the exact JSON text that list-runs answers.
func (a *suiteAPI) listRuns(body string, want ...string) {
	a.t.Helper()
	a.post("list-runs", body, 200, "["+strings.Join(want, ",")+"]")
}

func detail(s string) string { return fmt.Sprintf(`{"detail":%q}`, s) }

// runJSON is one run as list-runs shows it: exactly these keys in this order.
func runJSON(service, set, params, response string, status int, ts, errMsg string) string {
	if set != "null" {
		set = fmt.Sprintf("%q", set)
	}
	s := fmt.Sprintf(`{"service_name":%q,"parameter_set_name":%s,"parameters":%s,"response_json":%s,"response_status_code":%d,"timestamp":%q`,
		service, set, params, response, status, ts)
	if errMsg != "" {
		s += fmt.Sprintf(`,"error":%q`, errMsg)
	}
	return s + "}"
}

// testServices starts the services the suite calls: echo answers {"got":<body or null>,"method":..},
// missing answers 404 with text, array and text answer a JSON array and a JSON string; down is
// the URL of a port nothing listens on.
func testServices(t *testing.T) (echo, missing, array, text, down string) {
	t.Helper()
	start := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	echo = start(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if len(body) == 0 {
			body = []byte("null")
		} else if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want application/json", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"got": %s, "method": %q}`, body, r.Method)
	})
	missing = start(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no such page", http.StatusNotFound) })
	array = start(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `[1, {"b": 1, "a": 2}, "z"]`) })
	text = start(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `"done"`) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down = "http://" + ln.Addr().String() + "/"
	ln.Close()
	return
}

// runStoreSuite drives the run history through the API on a server whose runs are kept by the
// store newStore makes (nil: the database), comparing list-runs' exact answers.
func runStoreSuite(t *testing.T, newStore func(t *testing.T) (handlers.RunStore, string)) {
	store, dbURL := newStore(t)
	a := newSuiteAPI(t, store, dbURL)
	ctx := context.Background()

	echo, missing, array, text, down := testServices(t)
	downAddr := strings.TrimSuffix(strings.TrimPrefix(down, "http://"), "/")
	refused := "dial tcp " + downAddr + ": connect: connection refused"
	for _, s := range [][3]string{{"alpha", echo, "POST"}, {"missing", missing, "GET"}, {"listy", array, "GET"},
		{"texty", text, "PUT"}, {"down", down, "POST"}} {
		a.post("insert-service", fmt.Sprintf(`{"name":%q,"url":%q,"http_method":%q}`, s[0], s[1], s[2]),
			201, detail("Service created successfully."))
	}
	// Keys out of alphabetical order: their order must survive.
	a.post("insert-parameter-set", `{"service_name":"alpha","name":"default","parameters":{"b":2,"a":1}}`,
		201, detail("Parameter set created successfully."))
	a.post("insert-parameter-set", `{"service_name":"alpha","name":"other","parameters":{"x":[1,2.5,"s"],"nested":{"z":null}}}`,
		201, detail("Parameter set created successfully."))

	a.listRuns("")

	// Each run at its own frozen time; some earlier than the run before: list-runs gives
	// recording order, not time order.
	times := []time.Time{
		time.Date(2024, 3, 5, 10, 20, 30, 123456789, time.UTC), // nanoseconds: kept to the microsecond
		time.Date(2024, 3, 5, 10, 20, 31, 0, time.UTC),
		time.Date(2024, 3, 5, 9, 0, 0, 500000000, time.UTC),
		time.Date(2024, 3, 5, 9, 0, 0, 500000000, time.UTC), // the same instant as the run before
		time.Date(2023, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2024, 3, 6, 0, 0, 0, 1000, time.UTC),
		time.Date(2024, 3, 6, 1, 0, 0, 0, time.FixedZone("CET", 3600)), // 00:00 UTC
		time.Date(2024, 3, 6, 2, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 6, 3, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 6, 4, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 6, 5, 0, 0, 250000000, time.UTC), // by a schedule
	}
	wire := []string{
		"2024-03-05T10:20:30.123456Z", "2024-03-05T10:20:31Z", "2024-03-05T09:00:00.500000Z",
		"2024-03-05T09:00:00.500000Z", "2023-12-31T23:59:59.999999Z", "2024-03-06T00:00:00.000001Z",
		"2024-03-06T00:00:00Z", "2024-03-06T02:00:00Z", "2024-03-06T03:00:00Z", "2024-03-06T04:00:00Z",
		"2024-03-06T05:00:00.250000Z",
	}
	ok := detail("Service called successfully.")
	run := func(i int, body string, status int, want string) {
		t.Helper()
		a.now = times[i]
		a.post("run-service", body, status, want)
	}
	run(0, `{"service_name":"alpha","parameter_set_name":"default"}`, 200, ok)
	run(1, `{"service_name":"alpha","parameters":{"k":"v","n":1.5,"list":[1,"x",null,true]}}`, 200, ok)
	run(2, `{"service_name":"alpha"}`, 200, ok) // no parameters: the service gets no body
	run(3, `{"service_name":"alpha","parameter_set_name":"other","parameters":null}`, 200, ok)
	run(4, `{"service_name":"alpha","parameter_set_name":"default","parameters":{"explicit":true}}`, 200, ok)
	run(5, `{"service_name":"alpha","parameters":[1,2,3]}`, 200, ok)
	run(6, `{"service_name":"missing"}`, 200, ok)
	run(7, `{"service_name":"listy"}`, 200, ok)
	run(8, `{"service_name":"texty"}`, 200, ok)
	run(9, `{"service_name":"down","parameters":{"q":1}}`, 502, detail("Service call failed: "+refused))
	// A schedule's runs are recorded the same way, with its set.
	a.post("insert-schedule", `{"service_name":"alpha","name":"hourly","parameter_set_name":"other","cron":"0 0 * * * *"}`,
		201, detail("Schedule created successfully.")) // due at 05:00
	a.now = times[10]
	if logs, err := a.srv.RunDueSchedules(ctx, a.now); err != nil || len(logs) != 1 || logs[0] != "alpha/hourly due 2024-03-06T05:00:00Z: status 200" {
		t.Fatalf("RunDueSchedules: %q, %v", logs, err)
	}
	a.post("delete-schedule", `{"service_name":"alpha","name":"hourly"}`, 200, detail("Schedule deleted successfully."))
	// Refused before any call: nothing recorded.
	a.post("run-service", `{"service_name":"nope"}`, 400, detail("Service or parameter set does not exist."))
	a.post("run-service", `{"service_name":"alpha","parameter_set_name":"nope"}`, 400, detail("Service or parameter set does not exist."))

	r := []string{
		runJSON("alpha", "default", `{"b":2,"a":1}`, `{"got":{"b":2,"a":1},"method":"POST"}`, 200, wire[0], ""),
		runJSON("alpha", "null", `{"k":"v","n":1.5,"list":[1,"x",null,true]}`, `{"got":{"k":"v","n":1.5,"list":[1,"x",null,true]},"method":"POST"}`, 200, wire[1], ""),
		runJSON("alpha", "null", `null`, `{"got":null,"method":"POST"}`, 200, wire[2], ""),
		runJSON("alpha", "other", `{"x":[1,2.5,"s"],"nested":{"z":null}}`, `{"got":{"x":[1,2.5,"s"],"nested":{"z":null}},"method":"POST"}`, 200, wire[3], ""),
		runJSON("alpha", "default", `{"explicit":true}`, `{"got":{"explicit":true},"method":"POST"}`, 200, wire[4], ""),
		runJSON("alpha", "null", `[1,2,3]`, `{"got":[1,2,3],"method":"POST"}`, 200, wire[5], ""),
		runJSON("missing", "null", `null`, `null`, 404, wire[6], ""),
		runJSON("listy", "null", `null`, `[1,{"b":1,"a":2},"z"]`, 200, wire[7], ""),
		runJSON("texty", "null", `null`, `"done"`, 200, wire[8], ""),
		runJSON("down", "null", `{"q":1}`, `null`, 0, wire[9], refused),
		runJSON("alpha", "other", `{"x":[1,2.5,"s"],"nested":{"z":null}}`, `{"got":{"x":[1,2.5,"s"],"nested":{"z":null}},"method":"POST"}`, 200, wire[10], ""),
	}
	a.listRuns("", r...)
	a.listRuns(`{}`, r...)
	a.listRuns(`{"service_name":null,"parameter_set_name":null}`, r...)
	a.listRuns(`{"service_name":"alpha"}`, r[0], r[1], r[2], r[3], r[4], r[5], r[10])
	a.listRuns(`{"service_name":"alpha","parameter_set_name":"default"}`, r[0], r[4])
	a.listRuns(`{"service_name":"alpha","parameter_set_name":"other"}`, r[3], r[10])
	a.listRuns(`{"service_name":"alpha","parameter_set_name":"nope"}`)
	a.listRuns(`{"service_name":"missing"}`, r[6])
	a.listRuns(`{"service_name":"down"}`, r[9])
	a.listRuns(`{"service_name":"nope"}`)
	a.post("list-runs", `{"parameter_set_name":"default"}`, 400, detail("parameter_set_name cannot be provided without service_name."))

	// What the wire leaves out: the store keeps the duration of every call and the exact instant.
	runs, err := a.runs.ListRuns(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != len(times) {
		t.Fatalf("ListRuns: %d runs, want %d", len(runs), len(times))
	}
	for i, run := range runs {
		if want := times[i].Truncate(time.Microsecond); !run.Timestamp.Equal(want) {
			t.Errorf("run %d: timestamp %s, want %s", i, run.Timestamp.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
		if run.DurationMS == nil || *run.DurationMS < 0 {
			t.Errorf("run %d: duration %v", i, run.DurationMS)
		}
		if (run.Error != nil) != (i == 9) {
			t.Errorf("run %d: error %v", i, run.Error)
		}
	}
	setName := "default"
	if _, err := a.runs.ListRuns(ctx, nil, &setName); err != nil {
		t.Errorf("ListRuns by set alone: %v", err) // never asked by the handler, but answered
	}

	// Deleting a parameter set keeps its runs, which then list without a set (api-contract.md §4.21).
	a.post("delete-parameter-set", `{"service_name":"alpha","name":"default"}`, 200, detail("Parameter set deleted successfully."))
	r0, r4 := strings.Replace(r[0], `"default"`, "null", 1), strings.Replace(r[4], `"default"`, "null", 1)
	a.listRuns("", r0, r[1], r[2], r[3], r4, r[5], r[6], r[7], r[8], r[9], r[10])
	a.listRuns(`{"service_name":"alpha"}`, r0, r[1], r[2], r[3], r4, r[5], r[10])
	a.listRuns(`{"service_name":"alpha","parameter_set_name":"default"}`)
	a.listRuns(`{"service_name":"alpha","parameter_set_name":"other"}`, r[3], r[10])

	// Deleting a service deletes its runs: a new service of the same name starts with none.
	a.post("delete-service", `{"name":"missing"}`, 200, detail("Service deleted successfully."))
	a.listRuns("", r0, r[1], r[2], r[3], r4, r[5], r[7], r[8], r[9], r[10])
	a.listRuns(`{"service_name":"missing"}`)
	a.post("insert-service", fmt.Sprintf(`{"name":"missing","url":%q,"http_method":"GET"}`, missing), 201, detail("Service created successfully."))
	a.listRuns(`{"service_name":"missing"}`)
	run(0, `{"service_name":"missing"}`, 200, ok)
	rMissing := runJSON("missing", "null", `null`, `null`, 404, wire[0], "")
	a.listRuns(`{"service_name":"missing"}`, rMissing)
	a.post("delete-service", `{"name":"alpha"}`, 200, detail("Service deleted successfully."))
	a.listRuns("", r[7], r[8], r[9], rMissing)
	a.post("delete-service", `{"name":"alpha"}`, 400, detail("Service does not exist."))
	alpha := "alpha"
	if runs, err := a.runs.ListRuns(ctx, &alpha, nil); err != nil || len(runs) != 0 {
		t.Errorf("ListRuns(alpha) after delete-service: %d runs, %v", len(runs), err)
	}

	// The Cosmos container expires runs after the configured time to live.
	if cs, ok := store.(*Store); ok {
		resp, err := cs.container.Read(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.ContainerProperties.DefaultTimeToLive; got == nil || *got != suiteTTLDays*86400 {
			t.Errorf("container default TTL = %v, want %d", got, suiteTTLDays*86400)
		}
	}
}

// Package handlers is the Azure Functions custom handler: the DTBase HTTP API under /api, served
// from the original request paths that the Functions host forwards.
package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/dtbase-go/dtbase/dbcore"
)

// Config holds what the handlers need from the process configuration.
type Config struct {
	JWTSecret         []byte
	AccessTokenTTL    time.Duration
	RefreshTokenGrace time.Duration
	MaxBodyBytes      int64
	ServiceTimeout    time.Duration
	// CORSOrigins may call the API from a browser ("*": any); empty sends no CORS headers.
	CORSOrigins []string
	// MaxServiceCalls bounds the service calls in progress at once; 0 means 32.
	MaxServiceCalls int
	// BcryptCost is the cost of new password hashes; 0 means the original's 12.
	BcryptCost int
	// MaxImportBytes caps a CSV import's body.
	MaxImportBytes int64
	// Weather configures the OpenWeatherMap ingress.
	Weather WeatherConfig
	// Runs keeps the service run history; nil means the PostgreSQL database.
	Runs RunStore
	// FrontendDir is the built web app (frontend/dist) to serve at /; empty serves none.
	FrontendDir string
}

// Server serves the API. Its zero value is not usable; build one with New.
type Server struct {
	db     *dbcore.DB
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	ready  <-chan struct{}
	users  *userCache
	runs   RunStore
	logins *loginThrottle

	dummyOnce    sync.Once
	dummy        []byte
	serviceSlots chan struct{}
}

// New returns a Server. Requests wait for ready to close (start-up work such as migrations) before
// they touch the database; a nil ready means ready now.
func New(db *dbcore.DB, cfg Config, log *slog.Logger, ready <-chan struct{}) *Server {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = defaultBcryptCost
	}
	if cfg.MaxImportBytes == 0 {
		cfg.MaxImportBytes = 4 << 30
	}
	if cfg.ServiceTimeout == 0 {
		cfg.ServiceTimeout = 30 * time.Second
	}
	if ready == nil {
		c := make(chan struct{})
		close(c)
		ready = c
	}
	runs := cfg.Runs
	if runs == nil {
		runs = db
	}
	srv := &Server{db: db, cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() }, ready: ready,
		users: newUserCache(), runs: runs}
	srv.logins = newLoginThrottle(func() time.Time { return srv.now() })
	if cfg.MaxServiceCalls == 0 {
		cfg.MaxServiceCalls = 32
	}
	srv.serviceSlots = make(chan struct{}, cfg.MaxServiceCalls)
	return srv
}

// SetClock replaces the server's clock, for tests.
func (s *Server) SetClock(now func() time.Time) { s.now = now }

// route is one endpoint of the API.
type route struct {
	method, path string
	h            func(*Server, http.ResponseWriter, *http.Request) error
	public       bool
	meta         bool // answers during start-up too
	admin        bool // admins only: user management and deletes
}

// routes is the single table of every endpoint under /api.
var routes = []route{
	{"GET", "/health", (*Server).health, true, true, false},
	{"GET", "/openapi.json", (*Server).openAPI, true, true, false},
	{"GET", "/docs", (*Server).docs, true, true, false},

	{"POST", "/auth/login", (*Server).login, true, false, false},
	{"POST", "/auth/refresh", (*Server).refresh, true, false, false},

	{"GET", "/user/list-users", (*Server).listUsers, false, false, false},
	{"POST", "/user/create-user", (*Server).createUser, false, false, true},
	{"POST", "/user/delete-user", (*Server).deleteUser, false, false, true},
	{"POST", "/user/change-password", (*Server).changePassword, false, false, false},

	{"POST", "/location/insert-location-schema", (*Server).insertLocationSchema, false, false, false},
	{"POST", "/location/insert-location", (*Server).insertLocation, false, false, false},
	{"POST", "/location/insert-location-for-schema", (*Server).insertLocationForSchema, false, false, false},
	{"POST", "/location/list-locations", (*Server).listLocations, false, false, false},
	{"GET", "/location/list-location-schemas", (*Server).listLocationSchemas, false, false, false},
	{"GET", "/location/list-location-identifiers", (*Server).listLocationIdentifiers, false, false, false},
	{"POST", "/location/get-schema-details", (*Server).getSchemaDetails, false, false, false},
	{"POST", "/location/delete-location-schema", (*Server).deleteLocationSchema, false, false, true},
	{"POST", "/location/delete-location", (*Server).deleteLocation, false, false, true},

	{"POST", "/sensor/insert-sensor-type", (*Server).insertSensorType, false, false, false},
	{"POST", "/sensor/insert-sensor", (*Server).insertSensor, false, false, false},
	{"POST", "/sensor/insert-sensor-location", (*Server).insertSensorLocation, false, false, false},
	{"POST", "/sensor/list-sensor-locations", (*Server).listSensorLocations, false, false, false},
	{"POST", "/sensor/insert-sensor-readings", (*Server).insertSensorReadings, false, false, false},
	{"POST", "/sensor/list-sensors", (*Server).listSensors, false, false, false},
	{"GET", "/sensor/list-sensor-types", (*Server).listSensorTypes, false, false, false},
	{"GET", "/sensor/list-measures", (*Server).listMeasures, false, false, false},
	{"POST", "/sensor/sensor-readings", (*Server).sensorReadings, false, false, false},
	{"POST", "/sensor/delete-sensor", (*Server).deleteSensor, false, false, true},
	{"POST", "/sensor/delete-sensor-type", (*Server).deleteSensorType, false, false, true},
	{"POST", "/sensor/edit-sensor", (*Server).editSensor, false, false, false},
	{"POST", "/sensor/import-readings", (*Server).importReadings, false, false, false},
	{"POST", "/sensor/aggregate-readings", (*Server).aggregateReadings, false, false, false},
	{"POST", "/sensor/latest-readings", (*Server).latestReadings, false, false, false},
	{"POST", "/sensor/export-readings", (*Server).exportReadings, false, false, false},

	{"POST", "/model/insert-model", (*Server).insertModel, false, false, false},
	{"GET", "/model/list-models", (*Server).listModels, false, false, false},
	{"POST", "/model/delete-model", (*Server).deleteModel, false, false, true},
	{"POST", "/model/insert-model-scenario", (*Server).insertModelScenario, false, false, false},
	{"GET", "/model/list-model-scenarios", (*Server).listModelScenarios, false, false, false},
	{"POST", "/model/delete-model-scenario", (*Server).deleteModelScenario, false, false, true},
	{"POST", "/model/insert-model-measure", (*Server).insertModelMeasure, false, false, false},
	{"GET", "/model/list-model-measures", (*Server).listModelMeasures, false, false, false},
	{"POST", "/model/delete-model-measure", (*Server).deleteModelMeasure, false, false, true},
	{"POST", "/model/insert-model-run", (*Server).insertModelRun, false, false, false},
	{"POST", "/model/list-model-runs", (*Server).listModelRuns, false, false, false},
	{"POST", "/model/get-model-run", (*Server).getModelRun, false, false, false},
	{"POST", "/model/get-model-run-sensor-measure", (*Server).getModelRunSensorMeasure, false, false, false},

	{"POST", "/service/insert-service", (*Server).insertService, false, false, false},
	{"GET", "/service/list-services", (*Server).listServices, false, false, false},
	{"POST", "/service/delete-service", (*Server).deleteService, false, false, true},
	{"POST", "/service/insert-parameter-set", (*Server).insertParameterSet, false, false, false},
	{"POST", "/service/delete-parameter-set", (*Server).deleteParameterSet, false, false, true},
	{"POST", "/service/list-parameter-sets", (*Server).listParameterSets, false, false, false},
	{"POST", "/service/edit-parameter-set", (*Server).editParameterSet, false, false, false},
	{"POST", "/service/run-service", (*Server).runService, false, false, false},
	{"POST", "/service/list-runs", (*Server).listRuns, false, false, false},
	{"POST", "/service/insert-schedule", (*Server).insertSchedule, false, false, false},
	{"POST", "/service/list-schedules", (*Server).listSchedules, false, false, false},
	{"POST", "/service/edit-schedule", (*Server).editSchedule, false, false, false},
	{"POST", "/service/delete-schedule", (*Server).deleteSchedule, false, false, true},

	// Model functions on demand: public to the router, they take a function key or a token themselves.
	{"POST", "/forecast/arima", (*Server).forecastArimaHTTP, true, false, false},
	{"POST", "/forecast/hodmd", (*Server).forecastHodmdHTTP, true, false, false},
	{"GET", "/forecast/function-keys", (*Server).forecastFunctionKeys, false, false, true},
	{"POST", "/ingress/weather", (*Server).ingressWeatherHTTP, true, false, false},
}

// apiPrefix is the Functions route prefix (host.json extensions.http.routePrefix).
const apiPrefix = "/api"

// Routes returns the handler for everything the Functions host forwards to this process.
func (s *Server) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.logRequests, s.recoverPanics, s.securityHeaders)
	// The host's readiness probe: any answer will do, and it must not wait for the database. With a
	// web app to serve, / is its index.html.
	var site *staticSite
	if s.cfg.FrontendDir != "" {
		site = newStaticSite(s.cfg.FrontendDir, s.log)
		r.Get("/", site.ServeHTTP)
	} else {
		r.Get("/", func(w http.ResponseWriter, r *http.Request) { writeDetail(w, http.StatusOK, "DTBase handler running") })
	}
	r.Route(apiPrefix, func(api chi.Router) {
		for _, rt := range routes {
			var h http.Handler = s.handle(func(w http.ResponseWriter, r *http.Request) error { return rt.h(s, w, r) })
			if !rt.public {
				h = s.requireAccess(h, rt.admin)
			}
			if !rt.meta {
				h = s.waitReady(h)
			}
			api.Method(rt.method, rt.path, h)
		}
	})
	// Non-HTTP triggers: the host POSTs /<FunctionName>, without the /api prefix. They are reachable
	// only from the host (the handler listens on loopback), not through the public HTTP routes.
	for name, inv := range s.invocations() {
		r.Post("/"+name, s.serveInvocation(name, inv))
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if site != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !isAPIPath(r.URL.Path) {
			site.ServeHTTP(w, r)
			return
		}
		notFound(w, r)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		if methods := methodsFor(r.URL.Path); len(methods) > 0 {
			w.Header().Set("Allow", strings.Join(methods, ", "))
		}
		writeDetail(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	})
	return r
}

// notFound answers unknown paths; a known path with an extra or missing trailing slash is
// redirected to its canonical form with 307, whatever the method, as the original's framework does.
func notFound(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	alt := p + "/"
	if strings.HasSuffix(p, "/") {
		alt = strings.TrimSuffix(p, "/")
	}
	if alt != p && len(methodsFor(alt)) > 0 {
		u := *r.URL
		u.Path = alt
		http.Redirect(w, r, u.String(), http.StatusTemporaryRedirect)
		return
	}
	writeDetail(w, http.StatusNotFound, "Not Found")
}

// methodsFor lists the methods served at path ("/" is the host's readiness probe).
func methodsFor(path string) []string {
	if path == "/" {
		return []string{"GET"}
	}
	var out []string
	for _, rt := range routes {
		if apiPrefix+rt.path == path {
			out = append(out, rt.method)
		}
	}
	return out
}

// waitReady holds requests until start-up (migrations, default user) is done.
func (s *Server) waitReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-s.ready:
			next.ServeHTTP(w, r)
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
			writeDetail(w, http.StatusServiceUnavailable, "The service is starting; try again shortly")
		}
	})
}

// invocationID is the Functions host's id for this invocation, if the host sent the request.
func invocationID(r *http.Request) string { return r.Header.Get("X-Azure-Functions-InvocationId") }

// statusRecorder remembers the status a handler wrote, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// logRequests writes one log line per request, tagged with the Functions invocation id.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if r.URL.Path == "/" {
			return // the host's readiness probe
		}
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("invocation_id", invocationID(r)))
	})
}

// recoverPanics turns a panic in a handler into a logged 500 instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", "value", v, "path", r.URL.Path, "invocation_id", invocationID(r))
				writeDetail(w, http.StatusInternalServerError, "Internal server error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contextKey keys request-scoped values.
type contextKey int

const userKey contextKey = iota

// Endpoint is a method and path under /api, for documentation and its tests.
type Endpoint struct {
	Method, Path string
	Public       bool
	Admin        bool
}

// Endpoints lists every endpoint the router serves, with its full /api path.
func Endpoints() []Endpoint {
	out := make([]Endpoint, len(routes))
	for i, rt := range routes {
		out[i] = Endpoint{Method: rt.method, Path: apiPrefix + rt.path, Public: rt.public, Admin: rt.admin}
	}
	return out
}

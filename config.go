package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dtbase-go/dtbase/handlers"
)

// config is every setting the handler reads, all from the environment (Function App settings and
// local.settings.json Values both arrive as environment variables).
type config struct {
	DatabaseURL       string
	SQLAuth           string // DT_SQL_AUTH: sqlAuthPassword (the URL's password) or sqlAuthEntra (tokens)
	JWTSecret         string
	AccessTokenTTL    time.Duration
	RefreshTokenGrace time.Duration
	DefaultUserPass   string
	ListenAddr        string
	Port              int
	AutoMigrate       bool
	MaxBodyBytes      int64
	ServiceTimeout    time.Duration
	DBMaxConns        int32
	LogLevel          slog.Level
	// CORSOrigins are the browser origins allowed to call the API (DT_CORS_ORIGINS, comma-separated).
	CORSOrigins []string
	// Weather is the OpenWeatherMap ingress (DT_OPENWEATHERMAP_*); off without an API key.
	Weather handlers.WeatherConfig
	// FrontendDir is the built web app to serve at / (DT_FRONTEND_DIR; empty under Azure, where
	// Static Web Apps serves it).
	FrontendDir string
	// RunTimers fires the timer functions in-process: on when the binary runs outside the
	// Functions host (which fires them itself), unless DT_DISABLE_TIMERS is true.
	RunTimers bool
	// Run history in Azure Cosmos DB (handlers/cosmosruns) when CosmosEndpoint is set; CosmosKey
	// empty signs in with Microsoft Entra ID. RunLogTTLDays > 0 expires runs after that many days.
	CosmosEndpoint, CosmosKey, CosmosDatabase, CosmosContainer string
	RunLogTTLDays                                              int
	// ReadingsRetention drops readings partitions (whole UTC months) older than this
	// (DT_READINGS_RETENTION_DAYS; 0 keeps every reading).
	ReadingsRetention time.Duration
}

// loadConfig reads and validates the configuration; needSecret is false for subcommands that
// never issue or check tokens (migrate).
func loadConfig(getenv func(string) string, needSecret bool) (config, error) {
	c := config{
		JWTSecret:       getenv("DT_JWT_SECRET_KEY"),
		DefaultUserPass: getenv("DT_DEFAULT_USER_PASS"),
		ListenAddr:      or(getenv("DT_LISTEN_ADDR"), "127.0.0.1"),
		FrontendDir:     strings.TrimSpace(getenv("DT_FRONTEND_DIR")),
	}
	var errs []error
	intVar := func(name string, def int64) int64 {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s must be a non-negative integer, got %q", name, v))
			return def
		}
		return n
	}
	c.AccessTokenTTL = time.Duration(intVar("DT_JWT_ACCESS_TOKEN_EXPIRES_SECONDS", 3600)) * time.Second
	c.RefreshTokenGrace = time.Duration(intVar("DT_JWT_REFRESH_TOKEN_GRACE_SECONDS", 3600)) * time.Second
	c.MaxBodyBytes = intVar("DT_MAX_BODY_BYTES", 64<<20)
	c.ServiceTimeout = time.Duration(intVar("DT_SERVICE_TIMEOUT", 30)) * time.Second
	c.DBMaxConns = int32(intVar("DT_DB_MAX_CONNS", 0))
	c.CosmosEndpoint, c.CosmosKey = strings.TrimSpace(getenv("DT_COSMOS_ENDPOINT")), strings.TrimSpace(getenv("DT_COSMOS_KEY"))
	c.CosmosDatabase = or(strings.TrimSpace(getenv("DT_COSMOS_DATABASE")), "dtbase")
	c.CosmosContainer = or(strings.TrimSpace(getenv("DT_COSMOS_CONTAINER")), "service_runs")
	c.RunLogTTLDays = int(intVar("DT_RUN_LOG_TTL_DAYS", 0))
	c.ReadingsRetention = time.Duration(min(intVar("DT_READINGS_RETENTION_DAYS", 0), 1_000_000)) * 24 * time.Hour

	// The Functions host chooses the port; DT_PORT is for running the binary by hand.
	port := getenv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if port == "" {
		port = or(getenv("DT_PORT"), "7071")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("port must be a number from 0 to 65535, got %q", port))
	}
	c.Port = p

	boolVar := func(name string, def bool) bool {
		switch v := strings.ToLower(strings.TrimSpace(getenv(name))); v {
		case "":
			return def
		case "true", "1", "yes":
			return true
		case "false", "0", "no":
			return false
		default:
			errs = append(errs, fmt.Errorf("%s must be true or false, got %q", name, v))
			return def
		}
	}
	c.AutoMigrate = boolVar("DT_AUTO_MIGRATE", true)
	c.Weather = handlers.WeatherConfig{APIKey: getenv("DT_OPENWEATHERMAP_APIKEY"), BaseURL: getenv("DT_OPENWEATHERMAP_URL")}
	if c.Weather.APIKey != "" {
		for _, v := range []struct {
			name     string
			dst      *float64
			min, max float64
		}{{"DT_OPENWEATHERMAP_LAT", &c.Weather.Lat, -90, 90}, {"DT_OPENWEATHERMAP_LONG", &c.Weather.Lon, -180, 180}} {
			f, err := strconv.ParseFloat(strings.TrimSpace(getenv(v.name)), 64)
			if err != nil || f < v.min || f > v.max {
				errs = append(errs, fmt.Errorf("%s must be a number from %v to %v (needed with DT_OPENWEATHERMAP_APIKEY), got %q", v.name, v.min, v.max, getenv(v.name)))
			}
			*v.dst = f
		}
	}
	for _, o := range strings.Split(getenv("DT_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, o)
		}
	}
	c.RunTimers = getenv("FUNCTIONS_CUSTOMHANDLER_PORT") == "" && !boolVar("DT_DISABLE_TIMERS", false)
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("DT_LOG_LEVEL"), "info"))); err != nil {
		errs = append(errs, fmt.Errorf("DT_LOG_LEVEL: %w", err))
	}

	c.DatabaseURL, err = databaseURL(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("DT_SQL_AUTH"))); v {
	case "", sqlAuthPassword:
		c.SQLAuth = sqlAuthPassword
	case sqlAuthEntra:
		c.SQLAuth = sqlAuthEntra
		if c.DatabaseURL != "" {
			if c.DatabaseURL, err = entraDatabaseURL(c.DatabaseURL); err != nil {
				errs = append(errs, err)
			}
		}
	default:
		errs = append(errs, fmt.Errorf("DT_SQL_AUTH must be %q or %q, got %q", sqlAuthPassword, sqlAuthEntra, v))
	}
	// App Service leaves a Key Vault reference it could not resolve (e.g. before the identity's
	// role assignment has propagated) as the literal "@Microsoft.KeyVault(...)": never use that as a
	// key or password.
	for _, name := range []string{"DT_JWT_SECRET_KEY", "DT_DEFAULT_USER_PASS", "DT_DATABASE_URL", "DT_SQL_PASS"} {
		if strings.HasPrefix(strings.TrimSpace(getenv(name)), "@Microsoft.KeyVault(") {
			errs = append(errs, fmt.Errorf("%s is an unresolved Key Vault reference: the app's identity cannot read the secret yet (check its Key Vault Secrets User role, then restart the app)", name))
		}
	}
	if needSecret && c.JWTSecret == "" {
		errs = append(errs, errors.New("DT_JWT_SECRET_KEY is not set: it is the HS256 key that signs every token"))
	}
	return c, errors.Join(errs...)
}

// databaseURL is DT_DATABASE_URL, or a URL built from the original's DT_SQL_* settings: values
// trimmed, the database name lower-cased as the original does, the password encoded once.
func databaseURL(getenv func(string) string) (string, error) {
	if u := strings.TrimSpace(getenv("DT_DATABASE_URL")); u != "" {
		return u, nil
	}
	host := strings.TrimSpace(getenv("DT_SQL_HOST"))
	if host == "" {
		return "", errors.New("no database configured: set DT_DATABASE_URL, or DT_SQL_HOST with DT_SQL_USER, DT_SQL_PASS, DT_SQL_PORT and DT_SQL_DBNAME")
	}
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(strings.TrimSpace(getenv("DT_SQL_USER")), strings.TrimSpace(getenv("DT_SQL_PASS"))),
		Host:   host + ":" + or(strings.TrimSpace(getenv("DT_SQL_PORT")), "5432"),
		Path:   "/" + strings.ToLower(or(strings.TrimSpace(getenv("DT_SQL_DBNAME")), "dtbase")),
	}
	return u.String(), nil
}

// The values of DT_SQL_AUTH.
const (
	sqlAuthPassword = "password"
	sqlAuthEntra    = "entra"
)

// entraDatabaseURL checks a database URL for Microsoft Entra sign-in: it must name the user (the
// PostgreSQL role of the Entra principal, e.g. the Function App's name for its managed identity),
// and the token must never travel unencrypted, so TLS is required (sslmode=require is added when
// the URL sets no sslmode). Both URL and keyword/value forms are accepted.
func entraDatabaseURL(dsn string) (string, error) {
	const hint = "DT_SQL_AUTH=entra"
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: cannot parse the database URL", hint)
		}
		if u.User == nil || u.User.Username() == "" {
			return "", fmt.Errorf("%s: the database URL must name the user (the Entra principal's PostgreSQL role), e.g. postgres://my-function-app@server.postgres.database.azure.com:5432/dtbase", hint)
		}
		q := u.Query()
		switch mode := q.Get("sslmode"); mode {
		case "":
			q.Set("sslmode", "require")
			u.RawQuery = q.Encode()
		case "require", "verify-ca", "verify-full":
		default:
			return "", fmt.Errorf("%s: sslmode=%s would let the token travel unencrypted; use require, verify-ca or verify-full", hint, mode)
		}
		return u.String(), nil
	}
	var user, mode string
	for _, kv := range strings.Fields(dsn) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "user":
			user = v
		case "sslmode":
			mode = v
		}
	}
	if user == "" {
		return "", fmt.Errorf("%s: the database connection string must name the user (the Entra principal's PostgreSQL role)", hint)
	}
	switch mode {
	case "":
		return dsn + " sslmode=require", nil
	case "require", "verify-ca", "verify-full":
		return dsn, nil
	}
	return "", fmt.Errorf("%s: sslmode=%s would let the token travel unencrypted; use require, verify-ca or verify-full", hint, mode)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Command handler is the DTBase Azure Functions custom handler: an HTTP server for the whole API.
//
//	handler [serve]          serve the API (the default)
//	handler migrate [up]     apply pending database migrations
//	handler migrate status   list migrations and whether each is applied
//	handler import readings --csv FILE --sensor ID [--measure NAME] [--url URL]
//	                         bulk-import readings from CSV (database, or a remote API with --url)
//	handler forecast arima --csv FILE [--order p,d,q] [--seasonal P,D,Q,s] [--horizon H] [--alpha A]
//	handler forecast hodmd --csv FILE --delay d [--horizon H]
//	                         fit a model to a CSV series offline and print JSON
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/handlers"
	"github.com/dtbase-go/dtbase/handlers/cosmosruns"
)

// functionFiles are the function definitions; outside the Functions host the binary reads its
// timer schedules from them.
//
//go:embed functions/*/function.json
var functionFiles embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "handler:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv)
	case "migrate":
		return migrate(ctx, args, getenv)
	case "import":
		return importCommand(ctx, args, getenv, os.Stdout, os.Stderr)
	case "forecast":
		return forecastCmd(args, os.Stdout)
	}
	return fmt.Errorf("unknown command %q (commands: serve, migrate, import, forecast)", cmd)
}

func newLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
}

// openDatabase connects the subcommands that work on the database alone (no token secret needed).
func openDatabase(ctx context.Context, getenv func(string) string) (*dbcore.DB, config, error) {
	cfg, err := loadConfig(getenv, false)
	if err != nil {
		return nil, cfg, fmt.Errorf("configuration:\n%w", err)
	}
	opts, err := dbOptions(cfg)
	if err != nil {
		return nil, cfg, err
	}
	db, err := dbcore.Open(ctx, cfg.DatabaseURL, opts)
	return db, cfg, err
}

func migrate(ctx context.Context, args []string, getenv func(string) string) error {
	db, cfg, err := openDatabase(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "up":
		if cfg.SQLAuth != sqlAuthEntra { // see startUp
			if err := dbcore.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
				return err
			}
		}
		n, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("applied %d migration(s)\n", n)
	case "status":
		st, err := db.MigrationStatuses(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Printf("%05d %-8s %s\n", s.Version, state, s.Name)
		}
	default:
		return fmt.Errorf("unknown migrate command %q (up, status)", sub)
	}
	return nil
}

func serve(ctx context.Context, getenv func(string) string) error {
	cfg, err := loadConfig(getenv, true)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg.LogLevel)
	slog.SetDefault(log)

	// Listen before anything slow: the Functions host polls the port until it answers.
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ListenAddr, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	opts, err := dbOptions(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	db, err := dbcore.Open(ctx, cfg.DatabaseURL, opts)
	if err != nil {
		ln.Close()
		return err
	}
	defer db.Close()

	runs, err := runStore(ctx, log, db, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	ready := make(chan struct{})
	srv := handlers.New(db, handlers.Config{
		JWTSecret:         []byte(cfg.JWTSecret),
		AccessTokenTTL:    cfg.AccessTokenTTL,
		RefreshTokenGrace: cfg.RefreshTokenGrace,
		MaxBodyBytes:      cfg.MaxBodyBytes,
		ServiceTimeout:    cfg.ServiceTimeout,
		FrontendDir:       cfg.FrontendDir,
		CORSOrigins:       cfg.CORSOrigins,
		Weather:           cfg.Weather,
		Runs:              runs,
	}, log, ready)
	httpSrv := &http.Server{
		Handler:           srv.Routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())

	go func() {
		startUp(ctx, log, db, cfg)
		close(ready)
		srv.ListenForUserChanges(ctx)
	}()
	go maintainPartitions(ctx, log, db, cfg, ready)

	timersDone := make(chan struct{})
	if cfg.RunTimers {
		fsys, _ := fs.Sub(functionFiles, "functions")
		timers, err := handlers.LoadTimerFunctions(fsys, getenv)
		var missing *handlers.MissingSettingsError
		if errors.As(err, &missing) {
			log.Warn(err.Error())
		} else if err != nil {
			return fmt.Errorf("timer functions: %w", err)
		}
		log.Info("running timer functions in-process (DT_DISABLE_TIMERS=true turns this off)", "count", len(timers))
		go func() {
			srv.RunTimers(ctx, timers, httpSrv.Handler, handlers.SystemClock{})
			close(timersDone)
		}()
	} else {
		close(timersDone)
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-timersDone
	return nil
}

// dbOptions gives the pool options of the configuration: with DT_SQL_AUTH=entra, each new connection
// signs in with a Microsoft Entra token from DefaultAzureCredential (the app's managed identity).
func dbOptions(cfg config) (dbcore.Options, error) {
	opts := dbcore.Options{MaxConns: cfg.DBMaxConns}
	if cfg.SQLAuth == sqlAuthEntra {
		hook, err := dbcore.NewEntraBeforeConnect()
		if err != nil {
			return opts, err
		}
		opts.BeforeConnect = hook
	}
	return opts, nil
}

// runStore is where service runs are kept: Azure Cosmos DB when DT_COSMOS_ENDPOINT is set, else
// nil (the database). Opening contacts nobody, so the handler listens at once; the container is
// made ready in the background, and again on first use if that failed.
func runStore(ctx context.Context, log *slog.Logger, db *dbcore.DB, cfg config) (handlers.RunStore, error) {
	if cfg.CosmosEndpoint == "" {
		if cfg.RunLogTTLDays > 0 {
			log.Warn("DT_RUN_LOG_TTL_DAYS applies only to the Cosmos DB run history (DT_COSMOS_ENDPOINT): PostgreSQL keeps every run")
		}
		return nil, nil
	}
	store, err := cosmosruns.Open(cosmosruns.Options{
		Endpoint: cfg.CosmosEndpoint, Key: cfg.CosmosKey, Database: cfg.CosmosDatabase,
		Container: cfg.CosmosContainer, TTLDays: cfg.RunLogTTLDays, ParameterSets: db.ListParameterSets, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("configuration (DT_COSMOS_*, DT_RUN_LOG_TTL_DAYS): %w", err)
	}
	go func() {
		if err := store.Connect(ctx); err != nil {
			if ctx.Err() == nil {
				log.Error("Cosmos DB run history not ready; trying again on first use", "err", err)
			}
			return
		}
		log.Info("run history in Cosmos DB", "database", cfg.CosmosDatabase, "container", cfg.CosmosContainer,
			"ttl_days", cfg.RunLogTTLDays)
	}()
	return store, nil
}

// partitionMaintenanceInterval is how often a running instance creates the readings partitions
// ahead and applies DT_READINGS_RETENTION_DAYS (writes create missing partitions themselves).
const partitionMaintenanceInterval = time.Hour

// maintainPartitions runs readings partition maintenance once start-up is done and then every
// partitionMaintenanceInterval until ctx ends. Instances running it together are safe.
func maintainPartitions(ctx context.Context, log *slog.Logger, db *dbcore.DB, cfg config, ready <-chan struct{}) {
	select {
	case <-ready:
	case <-ctx.Done():
		return
	}
	for {
		rep, err := db.MaintainReadingPartitions(ctx, time.Now(), cfg.ReadingsRetention)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("readings partition maintenance failed; retrying later", "err", err)
		case len(rep.Created)+len(rep.Dropped) > 0:
			log.Info("readings partitions maintained", "created", rep.Created, "dropped", rep.Dropped)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(partitionMaintenanceInterval):
		}
	}
}

// startUp prepares the database: creates it when missing, applies migrations, sets up the default
// user. It retries until it succeeds, so the handler comes up even before its database does.
func startUp(ctx context.Context, log *slog.Logger, db *dbcore.DB, cfg config) {
	for delay := time.Second; ; delay = min(2*delay, 30*time.Second) {
		err := func() error {
			if cfg.AutoMigrate {
				// With Entra sign-in the database is provisioned with the server (infrastructure/)
				// and EnsureDatabase, which connects with the URL's password, cannot sign in.
				if cfg.SQLAuth != sqlAuthEntra {
					if err := dbcore.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
						return err
					}
				}
				n, err := db.Migrate(ctx)
				if err != nil {
					return err
				}
				if n > 0 {
					log.Info("applied migrations", "count", n)
				}
			}
			return handlers.SetUpDefaultUser(ctx, db, cfg.DefaultUserPass)
		}()
		if err == nil {
			log.Info("ready")
			return
		}
		if errors.Is(err, context.Canceled) {
			return
		}
		log.Error("start-up failed; retrying", "err", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

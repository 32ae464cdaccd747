// Package dbcore holds the DTBase domain types and all PostgreSQL access. It is the only package that
// imports pgx; callers see plain Go types and the error kinds of errors.go.
package dbcore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the DTBase database: a connection pool and the queries over it.
type DB struct {
	pool *pgxpool.Pool
}

// Options tune how Open connects.
type Options struct {
	// MaxConns caps the pool; zero keeps pgx's default.
	MaxConns int32
	// BeforeConnect, when set, may change each new connection's configuration (e.g. set a fresh
	// Entra token as the password).
	BeforeConnect func(context.Context, *pgx.ConnConfig) error
}

// Open parses a PostgreSQL URL and returns a pool for it. It does not wait for the server: the first
// query connects, so the handler can start listening at once.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", errors.New(redact(err.Error())))
	}
	// Naive datetimes never reach the server (handlers make them UTC), but UTC here also keeps any
	// server-side now() and casts in the same zone as the original's deployments.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.BeforeConnect != nil {
		cfg.BeforeConnect = opts.BeforeConnect
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create connection pool: %w", err)
	}
	return &DB{pool: pool}, nil
}

// redact keeps a parse error from echoing a password that was part of the URL.
func redact(msg string) string {
	const marker = "cannot parse `"
	if i := len(marker); len(msg) > i && msg[:i] == marker {
		return "cannot parse the database URL"
	}
	return msg
}

// Close closes every connection of the pool.
func (db *DB) Close() { db.pool.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// querier is what a query needs: the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// transact runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
func (db *DB) transact(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return translate(fmt.Errorf("begin transaction: %w", err))
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return translate(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// EnsureDatabase creates the database named in url when the server lacks it, as the original does
// at start-up. It needs the right to create databases only when the database is missing.
func EnsureDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", errors.New(redact(err.Error())))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" {
		return translate(fmt.Errorf("connect to database: %w", err))
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err = pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return translate(fmt.Errorf("connect to create database %q: %w", name, err))
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created meanwhile by another instance
			return nil
		}
		return translate(fmt.Errorf("create database %q: %w", name, err))
	}
	return nil
}

// transactRetrying is transact, run again (a few times, after a short random pause) when
// PostgreSQL aborts it to break a deadlock or a serialization conflict. fn must be safe to repeat.
func (db *DB) transactRetrying(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = db.transact(ctx, fn); !isRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(5+rand.IntN(20*(attempt+1))) * time.Millisecond):
		}
	}
	return err
}

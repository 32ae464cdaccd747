// Package dbtest gives each test its own PostgreSQL database, cloned from a migrated template on a
// throwaway cluster that Main starts and stops. Set DT_TEST_DATABASE_URL (a superuser URL) to use an
// existing server instead.
package dbtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/pgcluster"
)

var (
	serverURL string // superuser URL of the server's postgres database
	template  string
	cluster   *pgcluster.Cluster
	counter   atomic.Int64
)

// Main runs a package's tests with a database server ready; call it from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if err := setUp(); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	code := m.Run()
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest:", err)
		}
		os.RemoveAll(cluster.Dir)
	}
	return code
}

func setUp() error {
	serverURL = os.Getenv("DT_TEST_DATABASE_URL")
	if serverURL == "" {
		dir, err := os.MkdirTemp("", "dtbase-test-pg-")
		if err != nil {
			return err
		}
		if cluster, err = pgcluster.Start(dir, 0, true); err != nil {
			os.RemoveAll(dir)
			return err
		}
		serverURL = cluster.URL("postgres")
	}
	template = fmt.Sprintf("dtbase_template_%d", os.Getpid())
	if err := exec(fmt.Sprintf("CREATE DATABASE %s", template)); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := dbcore.Open(ctx, WithDatabase(serverURL, template), dbcore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}

// Cluster returns the throwaway cluster, or nil when the tests use DT_TEST_DATABASE_URL.
func Cluster() *pgcluster.Cluster { return cluster }

// WithDatabase returns serverURL pointing at database name.
func WithDatabase(serverURL, name string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func exec(sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// NewURL creates an empty, fully migrated database for one test and drops it when the test ends.
func NewURL(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("dtbase_test_%d_%d", os.Getpid(), counter.Add(1))
	if err := exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := exec(fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", name)); err != nil {
			tb.Error(err)
		}
	})
	return WithDatabase(serverURL, name)
}

// NewEmptyURL creates a database with no tables at all, for tests of migrations and adoption.
func NewEmptyURL(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("dtbase_empty_%d_%d", os.Getpid(), counter.Add(1))
	if err := exec(fmt.Sprintf("CREATE DATABASE %s", name)); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := exec(fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", name)); err != nil {
			tb.Error(err)
		}
	})
	return WithDatabase(serverURL, name)
}

// Exec runs SQL statements on the database at url, for fixtures the API cannot create.
func Exec(tb testing.TB, url, sql string, args ...any) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		tb.Fatalf("exec fixture SQL: %v", err)
	}
}

// NewLongLivedURL creates a migrated database that lives until the cluster goes (fuzz targets,
// whose inputs each get their own *testing.T, share one).
func NewLongLivedURL() (string, error) {
	name := fmt.Sprintf("dtbase_shared_%d_%d", os.Getpid(), counter.Add(1))
	if err := exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		return "", err
	}
	return WithDatabase(serverURL, name), nil
}

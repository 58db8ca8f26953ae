// Package testdb connects tests to the PostGIS test database.
//
// The database URL comes from FOURREAU_TEST_DATABASE_URL. Without it, tests
// that need the database are skipped, unless FOURREAU_REQUIRE_DB=1 (as set
// in CI), where a missing database fails the test instead.
package testdb

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/schemas"
)

// URLEnv is the environment variable holding the test database URL.
const URLEnv = "FOURREAU_TEST_DATABASE_URL"

// RequireEnv is the environment variable that, set to 1, turns a missing
// test database into a test failure.
const RequireEnv = "FOURREAU_REQUIRE_DB"

// URL returns the test database URL, or skips the test when none is
// configured (fails it when FOURREAU_REQUIRE_DB=1).
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(URLEnv)
	if url != "" {
		return url
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s is not set but %s=1: set it to a PostGIS database URL", URLEnv, RequireEnv)
	}
	t.Skipf("%s is not set: skipping the database test", URLEnv)
	return ""
}

// Pool opens a connection pool on the test database and closes it when the
// test ends. It skips or fails the test as URL does.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("testdb: open pool: %v", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		t.Fatalf("testdb: connect to %s: %v", URLEnv, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// MigratedPool is Pool followed by Migrate.
func MigratedPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool := Pool(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := Migrate(ctx, pool); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return pool
}

// Migrate applies the embedded migrations that are not recorded yet, as
// `fourreau migrate` does. Test packages of pkg/postgis that call it must be
// external (package postgis_test) to avoid an import cycle.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := postgis.Migrate(ctx, pool, schemas.FS, slog.New(slog.DiscardHandler))
	return err
}

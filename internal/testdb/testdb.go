// Package testdb connects tests to the PostGIS test database.
//
// The database URL comes from FOURREAU_TEST_DATABASE_URL. Without it, tests
// that need the database are skipped, unless FOURREAU_REQUIRE_DB=1 (as set
// in CI), where a missing database fails the test instead.
package testdb

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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

// migrationLockKey is the advisory lock key that serialises migrations of
// one database. It is the key of postgis.Migrate, so that a test and the
// server never apply the same file at the same time.
const migrationLockKey int64 = 7242917001

// Migrate applies the embedded migrations that public.schema_migration does
// not list yet, each in its own transaction, recording the file name
// without ".sql" as the version.
//
// It records versions as postgis.Migrate does, and is kept apart from it so
// that pkg/postgis tests can import this package without an import cycle.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()

	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	}()

	const createTable = `CREATE TABLE IF NOT EXISTS public.schema_migration (
		version text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`
	if _, err := conn.Exec(ctx, createTable); err != nil {
		return fmt.Errorf("migrate: create schema_migration: %w", err)
	}

	names, err := fs.Glob(schemas.FS, "*.sql")
	if err != nil {
		return fmt.Errorf("migrate: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := applyMigration(ctx, conn.Conn(), name); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, name string) error {
	version := strings.TrimSuffix(name, ".sql")
	var applied bool
	err := conn.QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM public.schema_migration WHERE version = $1)", version).Scan(&applied)
	if err != nil {
		return fmt.Errorf("migrate: check %s: %w", version, err)
	}
	if applied {
		return nil
	}

	body, err := fs.ReadFile(schemas.FS, name)
	if err != nil {
		return fmt.Errorf("migrate: read %s: %w", name, err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: begin %s: %w", version, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	// Exec without arguments uses the simple protocol, which accepts a file
	// of several statements.
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return fmt.Errorf("migrate: apply %s: %w", version, err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO public.schema_migration (version) VALUES ($1)", version); err != nil {
		return fmt.Errorf("migrate: record %s: %w", version, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate: commit %s: %w", version, err)
	}
	return nil
}

// Package postgis is the PostGIS store: the pgx connection pool, schema migrations,
// introspection of published tables, and the feature queries the protocols run, with
// every value bound as a parameter and every identifier checked against the layer list.
package postgis

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Options tunes the pool.
type Options struct {
	MaxConns int32
	// StatementTimeout bounds every statement on the server side; 0 leaves it unset.
	StatementTimeout time.Duration
	ApplicationName  string
}

// Connect opens a pool to url and checks that PostGIS answers.
func Connect(ctx context.Context, url string, opts Options, log *slog.Logger) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgis: parse database URL: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["DateStyle"] = "ISO, YMD"
	rp["TimeZone"] = "UTC"
	rp["extra_float_digits"] = "1"
	if opts.ApplicationName != "" {
		rp["application_name"] = opts.ApplicationName
	}
	if opts.StatementTimeout > 0 {
		rp["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: open pool: %w", err)
	}
	var version string
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.QueryRow(pingCtx, "SELECT postgis_lib_version()").Scan(&version); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: connect to %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	log.Info("database connected", "host", cfg.ConnConfig.Host, "port", cfg.ConnConfig.Port,
		"database", cfg.ConnConfig.Database, "postgis", version, "max_conns", cfg.MaxConns)
	return pool, nil
}

// Package testserver starts a real fourreau HTTP server on a loopback port, over the
// PostGIS test database, for tests that drive it as clients do (Go HTTP, GDAL, QGIS).
package testserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/pkg/server"
	"github.com/fourreau/fourreau/pkg/tiles"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Server is a running test server.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:41234; the WFS is at URL + "/wfs".
	URL     string
	Pool    *pgxpool.Pool
	Config  *config.Config
	Catalog *feature.Catalog
	// Tiles is the vector tile service, for tests of its in-process invalidation.
	Tiles *tiles.Service
}

// Option changes the configuration before the server starts.
type Option func(*config.Config)

// WithLayers publishes extra layers beside the default model's.
func WithLayers(layers ...config.LayerConfig) Option {
	return func(c *config.Config) { c.Layers = append(c.Layers, layers...) }
}

// Start runs a server over the test database until the test ends. It skips or fails
// the test as testdb.URL does when no database is configured. Set FOURREAU_TEST_LOG=1
// to see the server log.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	url := testdb.URL(t)
	cfg, err := config.Load([]string{"--config", ""})
	if err != nil {
		t.Fatalf("testserver: configuration: %v", err)
	}
	cfg.Database.URL = url
	cfg.Layers = config.DefaultLayers()
	// Each test server gets a tile cache of its own, so that parallel test packages do
	// not share (and clear) one folder.
	cfg.Tiles.Cache.Dir = t.TempDir()
	for _, o := range opts {
		o(cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("testserver: configuration: %v", err)
	}
	logOut := io.Discard
	if os.Getenv("FOURREAU_TEST_LOG") == "1" {
		logOut = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug}))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := postgis.Connect(ctx, url, postgis.Options{MaxConns: 8, ApplicationName: "fourreau-test"}, log)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(pool.Close)
	srv, err := server.Build(ctx, cfg, pool, log)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	t.Cleanup(srv.Close)

	ts := httptest.NewUnstartedServer(srv.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testserver: listen: %v", err)
	}
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return &Server{URL: ts.URL, Pool: pool, Config: cfg, Catalog: srv.Catalog(), Tiles: srv.Tiles()}
}

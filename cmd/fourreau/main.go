// Command fourreau serves network data from PostGIS over OGC web services.
//
// Usage:
//
//	fourreau serve    [flags]   serve WFS at server.listen
//	fourreau migrate  [flags]   apply the data model migrations
//	fourreau load     [flags]   load the demo dataset and the real data deliveries
//	fourreau partner  COMMAND   manage partner accounts: add, list, rotate-key, disable
//	fourreau version            print the version
//
// Flags of every command: --config FILE, --listen HOST:PORT, --database-url URL,
// --data-dir DIR, --log-level LEVEL.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/dataload"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/pkg/server"
	"github.com/fourreau/fourreau/schemas"
	"github.com/jackc/pgx/v5/pgxpool"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch cmd := os.Args[1]; cmd {
	case "serve":
		err = withConfig(ctx, os.Args[2:], serve)
	case "migrate":
		err = withConfig(ctx, os.Args[2:], migrate)
	case "load":
		err = withConfig(ctx, os.Args[2:], load)
	case "partner":
		err = partnerCommand(ctx, os.Args[2:])
	case "version", "--version", "-v":
		fmt.Println("fourreau", versionString())
		return
	case "help", "--help", "-h":
		usage()
		return
	default:
		fmt.Fprintf(os.Stderr, "fourreau: unknown command %q\n\n", cmd)
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fourreau:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `Usage: fourreau COMMAND [flags]

Commands:
  serve     serve WFS over the configured PostGIS layers
  migrate   apply the data model migrations (safe to re-run)
  load      load the demo dataset and the real data from data.dir (safe to re-run)
  partner   manage partner accounts and API keys: add, list, rotate-key, disable
            (fourreau partner help)
  version   print the version

Flags:
  --config FILE         configuration file (default config/fourreau.yaml when present)
  --listen HOST:PORT    address to serve on (server.listen)
  --database-url URL    PostgreSQL URL (database.url; also FOURREAU_DATABASE_URL, DATABASE_URL)
  --data-dir DIR        folder of real data deliveries (data.dir)
  --log-level LEVEL     debug, info, warn or error
`)
}

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "development build"
}

type command func(ctx context.Context, cfg *config.Config, log *slog.Logger, pool *pgxpool.Pool) error

func withConfig(ctx context.Context, args []string, run command) error {
	cfg, err := config.Load(args)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log)
	if cfg.File != "" {
		log.Info("configuration read", "file", cfg.File)
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	pool, err := postgis.Connect(ctx, cfg.Database.URL, postgis.Options{
		MaxConns: cfg.Database.MaxConns, StatementTimeout: cfg.Database.StatementTimeout, ApplicationName: "fourreau",
	}, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	return run(ctx, cfg, log, pool)
}

func newLogger(c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(c.Format, "json") {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger, pool *pgxpool.Pool) error {
	applied, err := postgis.Migrate(ctx, pool, schemas.FS, log)
	if err != nil {
		return err
	}
	log.Info("migrations done", "applied", len(applied))
	return nil
}

func load(ctx context.Context, cfg *config.Config, log *slog.Logger, pool *pgxpool.Pool) error {
	report, err := dataload.Run(ctx, pool, cfg.Database.URL, cfg.Data.Dir, log)
	if err != nil {
		return err
	}
	fmt.Println(report.String())
	return nil
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, pool *pgxpool.Pool) error {
	srv, err := server.Build(ctx, cfg, pool, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	catalog := srv.Catalog()

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
	}
	base := cfg.Server.PublicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	log.Info("serving", "address", ln.Addr().String(), "layers", len(catalog.Layers), "version", versionString())
	fmt.Printf("\nfourreau is serving %d layers.\n", len(catalog.Layers))
	fmt.Printf("  Map and layer list:   %s/\n", base)
	fmt.Printf("  WFS for QGIS:         %s/wfs   (Layer > Add WFS Layer > New, version 2.0.0 or 1.1.0)\n", base)
	fmt.Printf("  Vector tiles:         %s/tiles   (layers, groups, TileJSON and tile URL templates)\n", base)
	fmt.Printf("  GDAL:                 ogrinfo WFS:%s/wfs\n\n", base)
	err = srv.Run(ctx, ln)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Package server wires the protocol services into one HTTP server: routing, access
// logging, CORS, gzip, timeouts and graceful shutdown.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/pkg/tiles"
	"github.com/fourreau/fourreau/pkg/wfs"
	"github.com/gorilla/mux"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Server is the HTTP front of fourreau.
type Server struct {
	cfg     *config.Config
	log     *slog.Logger
	catalog *feature.Catalog
	handler http.Handler
	// router receives the routes of the services built after New.
	router *mux.Router
	tiles  *tiles.Service
	// categories are the network categories whose colours the map page draws in.
	categories []pageCategory
	// denseArea finds a place with features of a layer, where the map page opens.
	denseArea func(ctx context.Context, l *feature.Layer) (lon, lat float64, ok bool, err error)
	// closers stop the background work of the services, in order.
	closers []func()
}

// New builds the router: /wfs, /healthz, and the map page at / with its files under
// /map/. The middleware wraps the router inside CORS, gzip and the access log, first one
// outermost.
func New(cfg *config.Config, log *slog.Logger, catalog *feature.Catalog, wfs http.Handler, ready func(context.Context) error, middleware ...func(http.Handler) http.Handler) *Server {
	s := &Server{cfg: cfg, log: log, catalog: catalog}
	r := mux.NewRouter()
	s.router = r
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		http.Error(w, "method "+req.Method+" is not allowed here; use "+strings.Join(allowed, " or ")+"\n", http.StatusMethodNotAllowed)
	})
	r.Handle("/wfs", wfs).Methods(http.MethodGet, http.MethodHead, http.MethodPost)
	r.HandleFunc("/healthz", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			log.Warn("health check failed", "err", err)
			http.Error(w, "database unreachable\n", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	}).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/", s.index).Methods(http.MethodGet, http.MethodHead)
	// The embedded files are fixed at build time, so an error here is a bug.
	assets, err := assetHandler()
	if err != nil {
		panic(err)
	}
	r.Handle(assetPrefix+"{file:.+}", assets).Methods(http.MethodGet, http.MethodHead)

	var h http.Handler = r
	for i := len(middleware) - 1; i >= 0; i-- {
		h = middleware[i](h)
	}
	if cfg.Server.Gzip {
		h = compress(h)
	}
	h = cors(cfg.Server.CORSOrigins, h)
	h = accessLog(log, h)
	s.handler = h
	return s
}

// Handler returns the root handler, for tests.
func (s *Server) Handler() http.Handler { return s.handler }

// Run listens until ctx is cancelled, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.Server.ReadTimeout,
		WriteTimeout:      s.cfg.Server.WriteTimeout,
		IdleTimeout:       s.cfg.Server.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Build creates every service over the database and returns the server that `fourreau
// serve` runs; tests build it the same way.
func Build(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool, log *slog.Logger) (*Server, error) {
	catalog, err := postgis.LoadCatalog(ctx, pool, cfg.Layers)
	if err != nil {
		return nil, fmt.Errorf("read layers: %w", err)
	}
	registry := crs.NewRegistry(postgis.CRSLookup(pool))
	store := postgis.NewStore(pool)
	wfsService := wfs.New(cfg, catalog, store, registry, log)
	guard, err := postgis.LoadWriteGuard(ctx, pool, catalog, log)
	if err != nil {
		return nil, err
	}
	if cfg.WFS.Transactions == wfs.TransactionsOpen {
		guard.OpenToAnyone()
	}
	wfsService.EnableLocking(guard)
	wfsService.SetTxHooks(guard)
	authn := auth.NewAuthenticator(postgis.NewPartnerStore(pool), auth.PolicyFromConfig(cfg),
		auth.Options{Realm: cfg.Auth.Realm, CacheTTL: cfg.Auth.KeyCacheTTL}, log)
	reg := newMetricsRegistry()
	tileService, stopTiles, err := buildTiles(ctx, cfg, pool, catalog, store, reg, log)
	if err != nil {
		return nil, err
	}
	srv := New(cfg, log, catalog, wfsService, func(ctx context.Context) error { return pool.Ping(ctx) }, authn.Middleware)
	srv.tiles = tileService
	categories, err := postgis.ReadCodeList(ctx, pool, cfg.WMS.CategoryTable)
	if err != nil {
		stopTiles()
		return nil, fmt.Errorf("map page: %w", err)
	}
	srv.setCategories(categories)
	srv.denseArea = func(ctx context.Context, l *feature.Layer) (float64, float64, bool, error) {
		return store.DenseArea(ctx, l, homeSampleRows, homeCellDegrees)
	}
	tileService.Register(srv.router)
	srv.router.Handle("/metrics", metricsHandler(reg)).Methods(http.MethodGet, http.MethodHead)
	srv.closers = append(srv.closers, stopTiles)
	wmsService, err := buildWMS(ctx, cfg, pool, catalog, store, registry, log)
	if err != nil {
		stopTiles()
		return nil, err
	}
	srv.router.Handle("/wms", wmsService).Methods(http.MethodGet, http.MethodHead, http.MethodPost)
	return srv, nil
}

// Tiles returns the vector tile service; its Invalidate method drops cached tiles after
// a write.
func (s *Server) Tiles() *tiles.Service { return s.tiles }

// Close stops the background work of the services: the change listener of the tile
// cache and the cache itself.
func (s *Server) Close() {
	for _, c := range s.closers {
		c()
	}
}

// Catalog returns the published layers.
func (s *Server) Catalog() *feature.Catalog { return s.catalog }

// allowedMethods returns the methods that a route of r accepts for the path of req. A
// 405 response must list them in its Allow header.
func allowedMethods(r *mux.Router, req *http.Request) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := req.Clone(req.Context())
		probe.Method = m
		var match mux.RouteMatch
		// With a MethodNotAllowedHandler set, Match also reports a method mismatch as a
		// match, with MatchErr set.
		if r.Match(probe, &match) && match.MatchErr == nil {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

// Package tiles serves Mapbox Vector Tiles (MVT 2.1) of the published layers, built by
// PostGIS. Tiles come in the WebMercatorQuad tile matrix set of OGC 17-083r4 and in a
// Lambert-93 tile matrix set. The package also serves TileJSON 3.0.0 documents and the
// sets' definitions in the OGC TileMatrixSet JSON encoding.
//
// Tiles are cached (in files or in Redis) and the cache follows the data: the tables
// send a notification after every write (schemas/0030_change_notify.sql), and the
// service drops every cached tile that covers the old or new geometry of a changed row,
// at every zoom, before it answers from the cache again. docs/tiles.md describes the
// endpoints, the settings and the guarantees.
package tiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/feature"
)

// Options holds the dependencies and settings of New.
type Options struct {
	Config  *config.Config
	Catalog *feature.Catalog
	// Source builds tiles, and Store returns the layers' extents for TileJSON.
	Source feature.TileSource
	Store  feature.Store
	// Watched lists the geometry columns, as schema.table.column, whose tables send
	// change notifications. Only layers over them are cached.
	Watched []string
	// Fence waits until the change notifications of every transaction committed before
	// the call have been applied. It is nil when no fence is available.
	Fence func(ctx context.Context) error
	// Metrics receives the service's Prometheus metrics. With nil, none is registered.
	Metrics prometheus.Registerer
	Log     *slog.Logger
}

// Service is the vector tile service.
type Service struct {
	log          *slog.Logger
	source       feature.TileSource
	store        feature.Store
	publicURL    string
	prefix       string
	extent       int
	gzip         bool
	cacheControl string

	tmsList []*TileMatrixSet
	tms     map[string]*TileMatrixSet
	// layers and sets are indexed by name. sets contains every layer and every group.
	layers     map[string]*tileLayer
	layerOrder []*tileLayer
	sets       map[string]*layerSet
	groups     []*layerSet

	cache   Cache
	fence   func(ctx context.Context) error
	guard   guard
	builds  singleflight.Group
	metrics *metrics

	// listening is true while change notifications arrive.
	listening atomic.Bool
	// ready is closed once the cache is first cleared and in use.
	ready     chan struct{}
	readyOnce sync.Once
	stop      context.CancelFunc
	done      sync.WaitGroup
}

// buildTimeout bounds the build of a tile that several requests share, which does not
// stop when the request that started it goes away.
const buildTimeout = 2 * time.Minute

// fenceTimeout bounds the wait for the notification fence. Past it, the tile is built
// without the cache.
const fenceTimeout = 2 * time.Second

// New builds the service and opens its cache. The cache is not used until Connected
// reports that change notifications arrive.
func New(ctx context.Context, o Options) (*Service, error) {
	cfg := o.Config
	s := &Service{
		log: o.Log, source: o.Source, store: o.Store, publicURL: cfg.Server.PublicURL,
		prefix: cfg.Service.NamespacePrefix, extent: cfg.Tiles.Extent, gzip: cfg.Server.Gzip,
		cacheControl: "no-cache",
		tms:          map[string]*TileMatrixSet{},
		layers:       map[string]*tileLayer{},
		sets:         map[string]*layerSet{},
		fence:        o.Fence,
		metrics:      newMetrics(o.Metrics),
		ready:        make(chan struct{}),
	}
	if cfg.Tiles.MaxAge > 0 {
		s.cacheControl = "public, max-age=" + strconv.Itoa(int(cfg.Tiles.MaxAge.Seconds()))
	}
	for _, t := range []*TileMatrixSet{WebMercatorQuad(), Lambert93Quad()} {
		s.tmsList = append(s.tmsList, t)
		s.tms[t.ID] = t
	}
	if err := s.buildLayers(o.Config, o.Catalog, o.Watched); err != nil {
		return nil, err
	}

	var err error
	switch cfg.Tiles.Cache.Backend {
	case "file":
		dir := cfg.Tiles.Cache.Dir
		if dir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return nil, fmt.Errorf("tiles: no cache folder: set tiles.cache.dir: %w", err)
			}
			// One folder per database, so that instances serving different databases
			// never answer with each other's tiles.
			dir = filepath.Join(base, "fourreau", "tiles", databaseKey(cfg.Database.URL))
		}
		s.cache, err = NewFileCache(dir)
		if err == nil {
			s.log.Info("tile cache", "backend", "file", "dir", dir)
		}
	case "redis":
		prefix := cfg.Tiles.Cache.RedisPrefix + databaseKey(cfg.Database.URL) + ":"
		s.cache, err = NewRedisCache(ctx, cfg.Tiles.Cache.RedisURL, prefix)
		if err == nil {
			s.log.Info("tile cache", "backend", "redis", "prefix", prefix)
		}
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// buildLayers resolves the tile settings of every published layer and the groups.
func (s *Service) buildLayers(cfg *config.Config, catalog *feature.Catalog, watched []string) error {
	settings := map[string]*config.TileLayer{}
	for i := range cfg.Tiles.Layers {
		settings[cfg.Tiles.Layers[i].Name] = &cfg.Tiles.Layers[i]
	}
	isWatched := map[string]bool{}
	for _, w := range watched {
		isWatched[w] = true
	}
	for _, l := range catalog.Layers {
		tl, err := newTileLayer(l, settings[l.Name], cfg.Tiles.Buffer)
		if err != nil {
			return err
		}
		tl.watched = isWatched[l.Schema+"."+l.Table+"."+l.Geometry]
		if !tl.watched && cfg.Tiles.Cache.Backend != "none" {
			s.log.Warn("tiles of this layer are not cached: its table sends no change notifications (see netdata.notify_changes)",
				"layer", l.Name, "table", l.Schema+"."+l.Table)
		}
		s.layers[l.Name] = tl
		s.layerOrder = append(s.layerOrder, tl)
		s.sets[l.Name] = &layerSet{id: l.Name, label: l.Name, title: l.Title, layers: []*tileLayer{tl}, cacheable: tl.watched}
	}
	for _, g := range cfg.Tiles.Groups {
		set := &layerSet{id: g.Name, label: g.Name, title: g.Title, cacheable: true}
		for _, name := range g.Layers {
			tl, ok := s.layers[name]
			if !ok {
				return fmt.Errorf("tiles.groups (%s): layer %q is not published", g.Name, name)
			}
			set.layers = append(set.layers, tl)
			set.cacheable = set.cacheable && tl.watched
		}
		s.sets[g.Name] = set
		s.groups = append(s.groups, set)
	}
	return nil
}

// Register adds the service's routes to r.
func (s *Service) Register(r *mux.Router) {
	get := []string{http.MethodGet, http.MethodHead}
	r.HandleFunc("/tiles", s.serveIndex).Methods(get...)
	r.HandleFunc("/tiles/{set}.json", s.serveTileJSON).Methods(get...)
	r.HandleFunc("/tiles/{set}/{z:[0-9]+}/{x:[0-9]+}/{y:[0-9]+}.mvt", s.serveTile).Methods(get...)
	r.HandleFunc("/tiles/{tms}/{set}/{z:[0-9]+}/{x:[0-9]+}/{y:[0-9]+}.mvt", s.serveTile).Methods(get...)
	// The tile path of OGC API - Tiles: tile matrix, then row (y), then column (x).
	r.HandleFunc("/collections/{set}/tiles/{tms}/{z:[0-9]+}/{y:[0-9]+}/{x:[0-9]+}", s.serveTile).Methods(get...)
	r.HandleFunc("/tileMatrixSets", s.serveTMSList).Methods(get...)
	r.HandleFunc("/tileMatrixSets/{tms}", s.serveTMS).Methods(get...)
}

// Start runs the background work of the service until Close: it retries clearing a
// suspended cache while change notifications arrive.
func (s *Service) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if s.cache == nil {
		return
	}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		s.retryClear(ctx)
	}()
}

// retryClear clears the cache every few seconds while it is suspended and change
// notifications arrive, so that a failed clear or invalidation does not leave the
// cache off until the next reconnection.
func (s *Service) retryClear(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if s.guard.trusted.Load() || !s.listening.Load() {
			continue
		}
		if err := s.clear(ctx); err != nil {
			s.log.Warn("tile cache: clear failed again", "err", err)
			continue
		}
		s.readyOnce.Do(func() { close(s.ready) })
		s.log.Info("tile cache cleared and in use again")
	}
}

// Close stops the background work and closes the cache.
func (s *Service) Close() error {
	if s.stop != nil {
		s.stop()
	}
	s.done.Wait()
	if s.cache != nil {
		return s.cache.Close()
	}
	return nil
}

// WaitCacheReady waits until the cache is in use, that is once change notifications
// arrive and the cache was cleared, and reports whether that happened before ctx ended.
func (s *Service) WaitCacheReady(ctx context.Context) bool {
	select {
	case <-s.ready:
		return true
	case <-ctx.Done():
		return false
	}
}

// CacheEnabled reports whether a cache backend is configured, so that the caller knows
// whether change notifications are needed.
func (s *Service) CacheEnabled() bool { return s.cache != nil }

// databaseKey returns a short, stable name of the database a URL designates (host, port
// and database, without the credentials), for keeping the tiles of different databases
// apart in a shared cache.
func databaseKey(url string) string {
	id := url
	if c, err := pgconn.ParseConfig(url); err == nil {
		id = fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}

package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/pkg/tiles"
)

// cacheReadyTimeout bounds the wait at start-up for the tile cache to be in use.
const cacheReadyTimeout = 5 * time.Second

// buildTiles creates the vector tile service and, when its cache is on, starts the
// listener of change notifications that keeps the cache current. stop ends the
// listener and closes the cache.
func buildTiles(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool, catalog *feature.Catalog,
	store *postgis.Store, reg prometheus.Registerer, log *slog.Logger) (service *tiles.Service, stop func(), err error) {
	watched, err := store.WatchedColumns(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(watched))
	for i, w := range watched {
		names[i] = w.String()
	}
	listener := postgis.NewListener(pool, log)
	opts := tiles.Options{Config: cfg, Catalog: catalog, Source: store, Store: store, Watched: names,
		Metrics: reg, Log: log.With("service", "tiles")}
	if cfg.Tiles.Cache.NotificationFence {
		opts.Fence = listener.Fence
	}
	service, err = tiles.New(ctx, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("tiles: %w", err)
	}
	service.Start()
	if !service.CacheEnabled() {
		return service, func() { service.Close() }, nil
	}

	listenCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		listener.Run(listenCtx, service)
	}()
	// Serving starts once the cache is in use. If the listener cannot connect soon
	// enough, serving starts anyway and tiles are built without the cache until it does.
	waitCtx, cancelWait := context.WithTimeout(ctx, cacheReadyTimeout)
	defer cancelWait()
	if !service.WaitCacheReady(waitCtx) {
		log.Warn("tile cache not in use yet: the change notification listener is not connected; tiles are built without the cache until it is", "timeout", cacheReadyTimeout.String())
	}
	return service, func() {
		cancel()
		<-done
		service.Close()
	}, nil
}

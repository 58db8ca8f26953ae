package tiles

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/pkg/feature"
)

// invalidationLogSize is the number of recent invalidations kept to check the tiles
// built while they ran. A tile whose build started before the oldest one kept is not
// stored.
const invalidationLogSize = 1024

// guard keeps the cache consistent with the data.
//
// A tile built from a snapshot taken before a commit must not reach the cache after the
// invalidation of that commit ran, or it would stay there. Invalidations therefore take
// mu for writing and record themselves in a log with a growing epoch. A build notes the
// epoch before it queries the database. It stores its tile under mu held for reading,
// and only if no invalidation logged since then covers the tile. PostgreSQL delivers a
// notification only once its transaction is visible to new snapshots, so a build that
// misses a change always finds that change's invalidation in the log.
type guard struct {
	mu    sync.RWMutex
	epoch uint64
	log   []invalidation
	// trusted is false while changes may have been missed: before the first LISTEN,
	// after a lost connection or a failed invalidation, until the cache is cleared.
	trusted atomic.Bool
}

// invalidation is one logged invalidation: every tile, or the tiles of layers in
// ranges.
type invalidation struct {
	epoch  uint64
	all    bool
	layers map[string]bool
	ranges map[string][]TileRange // by tile matrix set id
}

// currentEpoch returns the epoch to note before a build.
func (g *guard) currentEpoch() uint64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.epoch
}

// record logs inv under a new epoch; mu must be held for writing.
func (g *guard) record(inv invalidation) {
	g.epoch++
	inv.epoch = g.epoch
	if len(g.log) == invalidationLogSize {
		copy(g.log, g.log[1:])
		g.log = g.log[:len(g.log)-1]
	}
	g.log = append(g.log, inv)
}

// stale reports whether an invalidation logged after epoch covers key of set; mu must be
// held.
func (g *guard) stale(since uint64, key Key, set *layerSet) bool {
	if since == g.epoch {
		return false
	}
	if len(g.log) == 0 || g.log[0].epoch > since+1 {
		return true
	}
	for i := len(g.log) - 1; i >= 0 && g.log[i].epoch > since; i-- {
		inv := g.log[i]
		if inv.all {
			return true
		}
		touches := false
		for _, tl := range set.layers {
			touches = touches || inv.layers[tl.layer.Name]
		}
		if !touches {
			continue
		}
		for _, r := range inv.ranges[key.TMS] {
			if r.Contains(key.Z, key.X, key.Y) {
				return true
			}
		}
	}
	return false
}

// storeTile writes a built tile to the cache unless an invalidation since epoch covers it
// or the cache is not trusted. It reports whether the tile was stored.
func (s *Service) storeTile(ctx context.Context, since uint64, key Key, set *layerSet, e *entry) (bool, error) {
	v, err := e.encode()
	if err != nil {
		return false, err
	}
	s.guard.mu.RLock()
	defer s.guard.mu.RUnlock()
	if !s.guard.trusted.Load() || s.guard.stale(since, key, set) {
		return false, nil
	}
	if err := s.cache.Set(ctx, key, v); err != nil {
		return false, err
	}
	return true, nil
}

// Invalidate drops the cached tiles of layer that cover boxes, given in EPSG code srid,
// at every zoom and in every tile matrix set, and returns once they are gone. A write
// path calls it right after its commit, so that the next tile request gets the change
// even before the change notification of that commit arrives.
func (s *Service) Invalidate(ctx context.Context, layer string, srid int, boxes []orb.Bound) error {
	tl, ok := s.layers[layer]
	if !ok {
		return fmt.Errorf("tiles: invalidate: unknown layer %q", layer)
	}
	if s.cache == nil {
		return nil
	}
	return s.invalidate(ctx, []*tileLayer{tl}, srid, boxes, false)
}

// Changed applies a change notification: it drops the cached tiles of the layers
// published from the changed table and column.
func (s *Service) Changed(ctx context.Context, c feature.ChangedArea) {
	if s.cache == nil {
		return
	}
	var affected []*tileLayer
	for _, tl := range s.layers {
		if tl.layer.Schema+"."+tl.layer.Table == c.Table && tl.layer.Geometry == c.Geometry {
			affected = append(affected, tl)
		}
	}
	if len(affected) == 0 {
		return
	}
	start := time.Now()
	if err := s.invalidate(ctx, affected, c.SRID, c.Boxes, c.All); err != nil {
		s.distrust(ctx, fmt.Errorf("apply change of %s: %w", c.Table, err))
		return
	}
	s.log.Debug("tile cache invalidated", "table", c.Table, "boxes", len(c.Boxes), "all", c.All,
		"duration_ms", time.Since(start).Milliseconds())
}

// invalidate drops the tiles of layers over boxes, or all their tiles when all is set.
func (s *Service) invalidate(ctx context.Context, layers []*tileLayer, srid int, boxes []orb.Bound, all bool) error {
	ranges := make(map[string]map[string][]TileRange) // layer → tile matrix set → ranges
	for _, tl := range layers {
		ranges[tl.layer.Name] = map[string][]TileRange{}
	}
	for _, tms := range s.tmsList {
		var native []orb.Bound
		if !all && len(boxes) > 0 {
			var err error
			if native, err = s.source.TransformBounds(ctx, boxes, srid, tms.SRID); err != nil {
				return err
			}
		}
		for _, tl := range layers {
			ranges[tl.layer.Name][tms.ID] = s.layerRanges(tms, tl, native, all)
		}
	}

	s.guard.mu.Lock()
	defer s.guard.mu.Unlock()
	removed := 0
	var errs []error
	for _, tl := range layers {
		name := tl.layer.Name
		s.guard.record(invalidation{layers: map[string]bool{name: true}, ranges: ranges[name]})
		for _, tms := range s.tmsList {
			n, err := s.cache.Invalidate(ctx, tms.ID, func(set string) bool { return s.setContains(set, name) }, ranges[name][tms.ID])
			removed += n
			errs = append(errs, err)
		}
	}
	s.metrics.invalidations.Inc()
	s.metrics.invalidatedTiles.Add(float64(removed))
	return errors.Join(errs...)
}

// layerRanges returns the tiles of tms that may show boxes of layer tl. At every level
// whose zoom has the layer, these are the tiles that the boxes touch once widened by
// the layer's buffer, plus two MVT units for the rounding to the integer grid.
func (s *Service) layerRanges(tms *TileMatrixSet, tl *tileLayer, boxes []orb.Bound, all bool) []TileRange {
	var out []TileRange
	for z := 0; z <= tms.MaxLevel; z++ {
		if !tl.inZoom(tms.Zoom(z)) {
			continue
		}
		if all {
			out = append(out, tms.FullRange(z))
			continue
		}
		margin := tms.TileSpan(z) * float64(tl.buffer+2) / float64(s.extent)
		for _, b := range boxes {
			if r, ok := tms.Range(z, b, margin); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// Connected runs each time the change notification connection starts listening. The
// changes made while the server was not listening are unknown, so the cache is cleared.
func (s *Service) Connected(ctx context.Context) {
	s.listening.Store(true)
	s.metrics.listenerUp.Set(1)
	if s.cache == nil {
		return
	}
	if err := s.clear(ctx); err != nil {
		s.log.Error("tile cache: clear failed; tiles are served without cache until it succeeds", "err", err)
		return
	}
	s.readyOnce.Do(func() { close(s.ready) })
	s.log.Info("tile cache cleared and in use: listening for changes")
}

// Disconnected runs when the change notification connection is lost: until it is back,
// tiles are neither read from nor written to the cache.
func (s *Service) Disconnected(err error) {
	s.listening.Store(false)
	s.metrics.listenerUp.Set(0)
	if s.cache != nil && s.guard.trusted.Swap(false) {
		if errors.Is(err, context.Canceled) {
			// The server is shutting down: nothing was lost.
			s.log.Debug("tile cache suspended: listener stopped")
			return
		}
		s.log.Warn("tile cache suspended: change notifications lost", "err", err)
	}
}

// distrust suspends the cache after a failed invalidation and tries to clear it.
func (s *Service) distrust(ctx context.Context, err error) {
	s.guard.trusted.Store(false)
	s.log.Error("tile cache: invalidation failed; clearing the cache", "err", err)
	if err := s.clear(ctx); err != nil {
		s.log.Error("tile cache: clear failed; tiles are served without cache until it succeeds", "err", err)
	}
}

// clear empties the cache and trusts it again.
func (s *Service) clear(ctx context.Context) error {
	s.guard.mu.Lock()
	defer s.guard.mu.Unlock()
	s.guard.record(invalidation{all: true})
	if err := s.cache.Clear(ctx); err != nil {
		s.guard.trusted.Store(false)
		return err
	}
	s.guard.trusted.Store(true)
	return nil
}

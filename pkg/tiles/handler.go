package tiles

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/feature"
)

// MVTContentType is the media type of Mapbox Vector Tiles.
const MVTContentType = "application/vnd.mapbox-vector-tile"

// Values of the X-Tile-Cache response header, which names the source of a tile.
const (
	cacheHit    = "hit"
	cacheMiss   = "miss"
	cacheBypass = "bypass"
)

// serveTile serves /tiles/{tms}/{set}/{z}/{x}/{y}.mvt, the short form without the tile
// matrix set, which means WebMercatorQuad, and the OGC API path, row before column.
func (s *Service) serveTile(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	vars := mux.Vars(r)
	tmsID := vars["tms"]
	if tmsID == "" {
		tmsID = "WebMercatorQuad"
	}
	tms, ok := s.tms[tmsID]
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "unknown tile matrix set "+strconv.Quote(tmsID)+"; /tileMatrixSets lists them")
		return
	}
	set, err := s.resolveSet(vars["set"])
	if err != nil {
		writeError(w, http.StatusNotFound, "NotFound", err.Error()+"; /tiles lists the layers and groups")
		return
	}
	if !s.authorize(w, r, set) {
		return
	}
	z, errZ := strconv.Atoi(vars["z"])
	x, errX := strconv.Atoi(vars["x"])
	y, errY := strconv.Atoi(vars["y"])
	if errZ != nil || errX != nil || errY != nil || !tms.Valid(z, x, y) {
		writeError(w, http.StatusNotFound, "NotFound", "tile matrix "+vars["z"]+", row (y) "+vars["y"]+", column (x) "+vars["x"]+" is outside tile matrix set "+tms.ID)
		return
	}

	e, source, err := s.tile(r.Context(), tms, set, z, x, y)
	status, sent := http.StatusInternalServerError, 0
	if err != nil {
		if errors.Is(err, context.Canceled) {
			status = 499 // the client went away; nothing is sent
		} else {
			s.log.Error("tile build failed", "tms", tms.ID, "layers", set.id, "z", z, "x", x, "y", y, "err", err)
			writeError(w, status, "ServerError", "the tile could not be built")
		}
	} else {
		w.Header().Set("X-Tile-Cache", source)
		status, sent = s.writeTile(w, r, e)
	}

	s.metrics.requests.WithLabelValues(set.label, strconv.Itoa(status)).Inc()
	s.metrics.duration.WithLabelValues(set.label).Observe(time.Since(start).Seconds())
	s.metrics.bytes.WithLabelValues(set.label).Add(float64(sent))
	switch source {
	case cacheHit:
		s.metrics.cacheHits.WithLabelValues(set.label).Inc()
	case cacheMiss:
		s.metrics.cacheMisses.WithLabelValues(set.label).Inc()
	case cacheBypass:
		s.metrics.cacheBypassed.WithLabelValues(set.label).Inc()
	}
}

// tile returns tile z/x/y of set from the cache, or builds it (storing it when it may
// be cached). It also returns the X-Tile-Cache value of the tile's source.
func (s *Service) tile(ctx context.Context, tms *TileMatrixSet, set *layerSet, z, x, y int) (*entry, string, error) {
	if !s.anyLayerAt(set, tms.Zoom(z)) {
		// Known to be empty without asking the database; not worth a cache entry.
		return newEntry(nil), cacheBypass, nil
	}
	if s.cache == nil || !set.cacheable || !s.guard.trusted.Load() || !s.passFence(ctx) {
		e, err := s.build(ctx, tms, set, z, x, y)
		return e, cacheBypass, err
	}

	key := Key{TMS: tms.ID, Set: set.id, Z: z, X: x, Y: y}
	v, ok, err := s.cache.Get(ctx, key)
	if err != nil {
		s.log.Warn("tile cache read failed; building the tile", "key", key.String(), "err", err)
	}
	if ok {
		if e, err := decodeEntry(v); err == nil {
			return e, cacheHit, nil
		}
		s.log.Warn("invalid tile cache entry; building the tile", "key", key.String())
	}

	// Concurrent requests for one missing tile share one build. It runs on a context
	// of its own, so that the tile still reaches the cache when its first requester
	// goes away.
	res, err, _ := s.builds.Do(key.String(), func() (any, error) {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), buildTimeout)
		defer cancel()
		since := s.guard.currentEpoch()
		e, err := s.build(bctx, tms, set, z, x, y)
		if err != nil {
			return nil, err
		}
		if _, err := s.storeTile(bctx, since, key, set, e); err != nil {
			s.log.Warn("tile cache write failed", "key", key.String(), "err", err)
		}
		return e, nil
	})
	if err != nil {
		return nil, cacheMiss, err
	}
	return res.(*entry), cacheMiss, nil
}

// authorize reports whether the caller may read every layer of set, and otherwise
// sends 401: partners read every layer, anonymous callers those the configuration
// opens to them. A tile does not depend on who reads it, so cached tiles are shared.
func (s *Service) authorize(w http.ResponseWriter, r *http.Request, set *layerSet) bool {
	access := auth.FromContext(r.Context())
	for _, tl := range set.layers {
		if !access.CanRead(tl.layer.Name) {
			writeError(w, http.StatusUnauthorized, "Unauthorized", "layer "+tl.layer.Name+
				" is only served to authenticated partners; send an API key in the X-API-Key header or HTTP Basic credentials")
			return false
		}
	}
	return true
}

// passFence waits for the notification fence when one is configured; false means the
// fence failed and the cache must not be read.
func (s *Service) passFence(ctx context.Context) bool {
	if s.fence == nil {
		return true
	}
	fctx, cancel := context.WithTimeout(ctx, fenceTimeout)
	defer cancel()
	if err := s.fence(fctx); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("notification fence failed; building the tile without the cache", "err", err)
		}
		return false
	}
	return true
}

func (s *Service) anyLayerAt(set *layerSet, zoom int) bool {
	for _, tl := range set.layers {
		if tl.inZoom(zoom) {
			return true
		}
	}
	return false
}

// build queries the database for tile z/x/y of set.
func (s *Service) build(ctx context.Context, tms *TileMatrixSet, set *layerSet, z, x, y int) (*entry, error) {
	zoom := tms.Zoom(z)
	q := &feature.TileQuery{Bounds: tms.TileBounds(z, x, y), SRID: tms.SRID, Extent: s.extent}
	for _, tl := range set.layers {
		if tl.inZoom(zoom) {
			q.Layers = append(q.Layers, tl.query(zoom))
		}
	}
	if len(q.Layers) == 0 {
		return newEntry(nil), nil
	}
	raw, err := s.source.Tile(ctx, q)
	if err != nil {
		return nil, err
	}
	return newEntry(raw), nil
}

// writeTile sends a tile: 204 when it is empty, 304 when the client's copy is current,
// gzip-compressed when the client accepts it. It returns the status and the body size.
func (s *Service) writeTile(w http.ResponseWriter, r *http.Request, e *entry) (int, int) {
	h := w.Header()
	h.Set("Content-Type", MVTContentType)
	h.Set("Cache-Control", s.cacheControl)
	addVary(h, "Accept-Encoding")
	useGzip := s.gzip && acceptsGzip(r.Header.Get("Accept-Encoding")) && !e.empty()
	etag := `"` + e.ETag + `"`
	if useGzip {
		// A compressed body is another representation: it gets its own tag.
		etag = `"` + e.ETag + `-gzip"`
	}
	h.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	if e.empty() {
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent, 0
	}

	var body []byte
	var err error
	if useGzip {
		body, err = e.gzipped()
		h.Set("Content-Encoding", "gzip")
	} else {
		body, err = e.raw()
	}
	if err != nil {
		s.log.Error("tile encoding failed", "err", err)
		h.Del("Content-Encoding")
		writeError(w, http.StatusInternalServerError, "ServerError", "the tile could not be encoded")
		return http.StatusInternalServerError, 0
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return http.StatusOK, 0
	}
	n, _ := w.Write(body)
	return http.StatusOK, n
}

// etagMatches reports whether an If-None-Match header names etag, with the weak
// comparison that RFC 9110 prescribes for If-None-Match.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip (and does not give
// it q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// addVary adds value to the Vary header unless it is there already.
func addVary(h http.Header, value string) {
	for _, v := range h.Values("Vary") {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), value) {
				return
			}
		}
	}
	h.Add("Vary", value)
}

// writeError sends an OGC API exception document (code and description).
func writeError(w http.ResponseWriter, status int, code, description string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"code": code, "description": description})
}

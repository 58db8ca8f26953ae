package tiles

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus metrics of the tile service. Their layer label is the
// layer or group name, or "(list)" for a comma list of layers.
type metrics struct {
	requests         *prometheus.CounterVec
	duration         *prometheus.HistogramVec
	bytes            *prometheus.CounterVec
	cacheHits        *prometheus.CounterVec
	cacheMisses      *prometheus.CounterVec
	cacheBypassed    *prometheus.CounterVec
	invalidations    prometheus.Counter
	invalidatedTiles prometheus.Counter
	listenerUp       prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fourreau_tile_requests_total",
			Help: "Tile requests, by layer and HTTP status.",
		}, []string{"layer", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fourreau_tile_request_duration_seconds",
			Help:    "Time to answer a tile request, by layer.",
			Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"layer"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fourreau_tile_response_bytes_total",
			Help: "Bytes of tile bodies sent, as sent (compressed or not), by layer.",
		}, []string{"layer"}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fourreau_tile_cache_hits_total",
			Help: "Tiles answered from the cache, by layer.",
		}, []string{"layer"}),
		cacheMisses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fourreau_tile_cache_misses_total",
			Help: "Tiles built because the cache did not have them, by layer.",
		}, []string{"layer"}),
		cacheBypassed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fourreau_tile_cache_bypassed_total",
			Help: "Tiles built without the cache (cache off or suspended, or a layer whose table sends no change notifications), by layer.",
		}, []string{"layer"}),
		invalidations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fourreau_tile_invalidations_total",
			Help: "Changes applied to the tile cache (notifications and direct calls).",
		}),
		invalidatedTiles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fourreau_tile_invalidated_tiles_total",
			Help: "Cached tiles deleted by invalidations.",
		}),
		listenerUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fourreau_tile_change_listener_up",
			Help: "1 while the server listens for change notifications, so that the tile cache is in use.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration, m.bytes, m.cacheHits, m.cacheMisses, m.cacheBypassed,
			m.invalidations, m.invalidatedTiles, m.listenerUp)
	}
	return m
}

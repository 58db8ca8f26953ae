package config

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Tiles is the configuration of the vector tile service.
type Tiles struct {
	// Extent is the size of a tile in MVT coordinate units.
	Extent int `mapstructure:"extent"`
	// Buffer is the margin around a tile, in MVT units, inside which geometries are kept
	// so that lines and polygons join across tile edges; a layer may set its own.
	Buffer int `mapstructure:"buffer"`
	// MaxAge is the max-age that Cache-Control gives clients; 0 sends no-cache, so that
	// clients revalidate every tile with its ETag.
	MaxAge time.Duration `mapstructure:"max_age"`
	Cache  TileCache     `mapstructure:"cache"`
	// Layers sets zooms, attributes and reductions per layer. A published layer without
	// an entry is served at every zoom with all its fields and no reduction.
	Layers []TileLayer `mapstructure:"layers"`
	// Groups are named lists of layers served together in one tile.
	Groups []TileGroup `mapstructure:"groups"`
}

// TileCache is the configuration of the tile cache.
type TileCache struct {
	// Backend is file, redis or none.
	Backend string `mapstructure:"backend"`
	// Dir is the folder of the file backend; empty means fourreau/tiles under the user's
	// cache folder (os.UserCacheDir).
	Dir string `mapstructure:"dir"`
	// RedisURL is the redis:// URL of the Redis backend.
	RedisURL string `mapstructure:"redis_url"`
	// RedisPrefix starts every key the Redis backend writes.
	RedisPrefix string `mapstructure:"redis_prefix"`
	// NotificationFence makes every cache hit wait until the change notifications of
	// the transactions committed before the request have been applied.
	NotificationFence bool `mapstructure:"notification_fence"`
}

// TileLayer is the tile configuration of one published layer. Zoom levels are
// WebMercatorQuad zoom levels; other tile matrix sets use the level of equal scale.
type TileLayer struct {
	Name    string `mapstructure:"name"`
	MinZoom int    `mapstructure:"min_zoom"`
	// MaxZoom is the last zoom whose tiles hold the layer; clients zoom further into the
	// tiles of this zoom. 0 means tiles.max_zoom_default (22).
	MaxZoom int `mapstructure:"max_zoom"`
	// CompleteZoom is the first zoom whose tiles hold every feature of their area with
	// the fields of Fields. Below it, the Reduce rules apply.
	CompleteZoom int `mapstructure:"complete_zoom"`
	// Fields are the attributes written from CompleteZoom up; all published fields when
	// empty.
	Fields []string `mapstructure:"fields"`
	// Buffer overrides tiles.buffer for this layer.
	Buffer *int `mapstructure:"buffer"`
	// Clip cuts geometries at the tile edge plus the buffer; true when unset.
	Clip *bool `mapstructure:"clip"`
	// Reduce lists, by increasing MaxZoom, what the tiles below CompleteZoom leave out.
	Reduce []TileReduction `mapstructure:"reduce"`
}

// TileReduction thins a layer in the tiles up to MaxZoom (and above the previous rule's
// MaxZoom).
type TileReduction struct {
	MaxZoom int `mapstructure:"max_zoom"`
	// Fields are the attributes kept; none when empty.
	Fields []string `mapstructure:"fields"`
	// SimplifyPx is the simplification tolerance, in screen pixels of a 256-pixel tile.
	SimplifyPx float64 `mapstructure:"simplify_px"`
	// MinSizePx writes lines and polygons whose bounding box is smaller than this many
	// pixels in both directions as a point at the centre of that box.
	MinSizePx float64 `mapstructure:"min_size_px"`
}

// TileGroup is a named list of layers served in one tile, in drawing order.
type TileGroup struct {
	Name   string   `mapstructure:"name"`
	Title  string   `mapstructure:"title"`
	Layers []string `mapstructure:"layers"`
}

// Zoom limits of the tile service.
const (
	// MaxTileZoom is the deepest WebMercatorQuad zoom the service serves.
	MaxTileZoom = 24
	// DefaultTileMaxZoom is a layer's max_zoom when the configuration sets none.
	DefaultTileMaxZoom = 22
)

func setTileDefaults(v *viper.Viper) {
	v.SetDefault("tiles.extent", 4096)
	v.SetDefault("tiles.buffer", 64)
	v.SetDefault("tiles.max_age", "0s")
	v.SetDefault("tiles.cache.backend", "file")
	v.SetDefault("tiles.cache.dir", "")
	v.SetDefault("tiles.cache.redis_url", "")
	v.SetDefault("tiles.cache.redis_prefix", "fourreau:tiles:")
	v.SetDefault("tiles.cache.notification_fence", true)
}

// applyTileDefaults fills tiles.layers and tiles.groups with the default model's
// settings when the configuration sets none, keeping only the entries whose layers are
// published.
func applyTileDefaults(v *viper.Viper, c *Config) {
	published := map[string]bool{}
	for _, l := range c.Layers {
		published[l.Name] = true
	}
	if !v.IsSet("tiles.layers") {
		c.Tiles.Layers = nil
		for _, tl := range DefaultTileLayers() {
			if published[tl.Name] {
				c.Tiles.Layers = append(c.Tiles.Layers, tl)
			}
		}
	}
	if !v.IsSet("tiles.groups") {
		c.Tiles.Groups = nil
		for _, g := range DefaultTileGroups() {
			var kept []string
			for _, name := range g.Layers {
				if published[name] {
					kept = append(kept, name)
				}
			}
			if len(kept) > 0 {
				g.Layers = kept
				c.Tiles.Groups = append(c.Tiles.Groups, g)
			}
		}
	}
}

// validateTiles adds every problem of the tiles section to add.
func (c *Config) validateTiles(add func(format string, args ...any)) {
	t := &c.Tiles
	if t.Extent < 256 || t.Extent > 1<<16 {
		add("tiles.extent: %d is out of range; use a value between 256 and 65536 (4096 is usual)", t.Extent)
	}
	if t.Buffer < 0 || t.Buffer > t.Extent {
		add("tiles.buffer: %d must be between 0 and tiles.extent", t.Buffer)
	}
	if t.MaxAge < 0 {
		add("tiles.max_age: %s is negative", t.MaxAge)
	}
	switch t.Cache.Backend {
	case "file", "none":
	case "redis":
		if u, err := url.Parse(t.Cache.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			add("tiles.cache.redis_url: %q is not a redis:// or rediss:// URL", redactURL(t.Cache.RedisURL))
		}
	default:
		add("tiles.cache.backend: %q is not file, redis or none", t.Cache.Backend)
	}

	published := map[string]bool{}
	for _, l := range c.Layers {
		published[l.Name] = true
	}
	seen := map[string]bool{}
	for i, tl := range t.Layers {
		where := fmt.Sprintf("tiles.layers[%d] (%s)", i, tl.Name)
		switch {
		case !published[tl.Name]:
			add("%s: no published layer has this name", where)
		case seen[tl.Name]:
			add("%s: the layer is configured twice", where)
		}
		seen[tl.Name] = true
		validateTileLayer(where, tl, t.Extent, t.Buffer, add)
	}
	for i, g := range t.Groups {
		where := fmt.Sprintf("tiles.groups[%d] (%s)", i, g.Name)
		switch {
		case !ncName.MatchString(g.Name) || strings.Contains(g.Name, ","):
			add("%s: name %q is not a valid XML name", where, g.Name)
		case published[g.Name] || seen[g.Name]:
			add("%s: the name %q is already a layer or group name", where, g.Name)
		}
		seen[g.Name] = true
		if len(g.Layers) == 0 {
			add("%s: layers is empty", where)
		}
		inGroup := map[string]bool{}
		for _, name := range g.Layers {
			if !published[name] {
				add("%s: layer %q is not published", where, name)
			}
			if inGroup[name] {
				add("%s: layer %q is listed twice", where, name)
			}
			inGroup[name] = true
		}
	}
}

func validateTileLayer(where string, tl TileLayer, extent, defaultBuffer int, add func(format string, args ...any)) {
	maxZoom := tl.MaxZoom
	if maxZoom == 0 {
		maxZoom = DefaultTileMaxZoom
	}
	if tl.MinZoom < 0 || maxZoom > MaxTileZoom || tl.MinZoom > maxZoom {
		add("%s: min_zoom %d and max_zoom %d must satisfy 0 <= min_zoom <= max_zoom <= %d", where, tl.MinZoom, maxZoom, MaxTileZoom)
	}
	if tl.CompleteZoom < 0 || tl.CompleteZoom > maxZoom {
		add("%s: complete_zoom %d must be between 0 and max_zoom %d", where, tl.CompleteZoom, maxZoom)
	}
	if tl.Buffer != nil && (*tl.Buffer < 0 || *tl.Buffer > extent) {
		add("%s: buffer %d must be between 0 and tiles.extent", where, *tl.Buffer)
	}
	previous := -1
	for j, r := range tl.Reduce {
		if r.MaxZoom <= previous {
			add("%s: reduce[%d].max_zoom %d must be greater than the previous rule's", where, j, r.MaxZoom)
		}
		previous = r.MaxZoom
		if !(r.SimplifyPx >= 0) || !(r.MinSizePx >= 0) || math.IsInf(r.SimplifyPx, 0) || math.IsInf(r.MinSizePx, 0) {
			add("%s: reduce[%d]: simplify_px and min_size_px must be finite and not negative", where, j)
		}
		// A feature below the minimum size that meets the tile has the centre of its box
		// within half that size of the tile, which must stay within the buffer. The size
		// is measured in the layer's CRS, whose pixels are not exactly the tile's (their
		// orientation differs away from the central meridian of a conic projection): the
		// limit is the buffer, twice what the arithmetic needs.
		buffer := defaultBuffer
		if tl.Buffer != nil {
			buffer = *tl.Buffer
		}
		if r.MinSizePx*float64(extent)/256 > float64(buffer) {
			add("%s: reduce[%d]: min_size_px %v is more than the buffer (%d units, %v pixels)",
				where, j, r.MinSizePx, buffer, float64(buffer)*256/float64(extent))
		}
	}
	if len(tl.Reduce) > 0 && previous != tl.CompleteZoom-1 {
		add("%s: the last reduce rule's max_zoom is %d; it must be complete_zoom - 1 (%d) so that every zoom below complete_zoom has a rule",
			where, previous, tl.CompleteZoom-1)
	}
	if len(tl.Reduce) == 0 && tl.CompleteZoom > tl.MinZoom {
		add("%s: complete_zoom %d is above min_zoom %d but no reduce rule says what the zooms in between leave out",
			where, tl.CompleteZoom, tl.MinZoom)
	}
}

// redactURL hides the password of a URL for error messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	return u.String()
}

// DefaultTileLayers returns the tile settings of the default model's layers, as
// config/fourreau.yaml also lists them.
func DefaultTileLayers() []TileLayer {
	return []TileLayer{
		{
			Name: "duct", MinZoom: 12, CompleteZoom: 15,
			Fields: []string{"code", "network_category", "lifecycle_status", "duct_type", "inner_diameter_mm",
				"outer_diameter_mm", "occupancy_class", "occupancy_pct", "available", "cable_count",
				"owner_org_id", "user_org_id", "precision_xy", "min_depth_m", "built_on"},
			Reduce: []TileReduction{
				{MaxZoom: 13, Fields: []string{"network_category", "lifecycle_status"}, SimplifyPx: 1, MinSizePx: 2},
				{MaxZoom: 14, Fields: []string{"network_category", "lifecycle_status", "occupancy_class", "available", "outer_diameter_mm"},
					SimplifyPx: 0.5, MinSizePx: 1},
			},
		},
		{
			Name: "route", MinZoom: 11, CompleteZoom: 15,
			Fields: []string{"code", "network_category", "lifecycle_status", "route_kind", "laying_method",
				"road_name", "free_duct_count", "length_m", "precision_xy"},
			Reduce: []TileReduction{
				{MaxZoom: 12, Fields: []string{"network_category", "lifecycle_status", "route_kind"}, SimplifyPx: 1, MinSizePx: 2},
				{MaxZoom: 14, Fields: []string{"network_category", "lifecycle_status", "route_kind", "free_duct_count"},
					SimplifyPx: 0.5, MinSizePx: 1},
			},
		},
		{
			Name: "technical_point", MinZoom: 13, CompleteZoom: 16,
			Fields: []string{"code", "label", "network_category", "lifecycle_status", "point_kind", "model",
				"owner_org_id", "precision_xy", "rotation_deg"},
			Reduce: []TileReduction{
				{MaxZoom: 15, Fields: []string{"network_category", "lifecycle_status", "point_kind"}},
			},
		},
		{
			Name: "network_link", MinZoom: 10, CompleteZoom: 15,
			Fields: []string{"code", "network_category", "lifecycle_status", "link_kind", "vertical_position",
				"voltage_domain", "telecom_technology", "capacity", "material", "nominal_size_mm", "sensitive",
				"precision_xy", "min_depth_m", "network_id"},
			Reduce: []TileReduction{
				{MaxZoom: 12, Fields: []string{"network_category", "lifecycle_status", "sensitive"}, SimplifyPx: 1, MinSizePx: 2},
				{MaxZoom: 14, Fields: []string{"network_category", "lifecycle_status", "link_kind", "sensitive", "precision_xy"},
					SimplifyPx: 0.5, MinSizePx: 1},
			},
		},
		{
			Name: "planned_works", MinZoom: 8, CompleteZoom: 13,
			Fields: []string{"reference", "title", "works_type", "network_category", "status", "planned_start",
				"planned_end", "duration_days", "l49_applicable", "request_deadline", "length_m", "project_owner_org_id"},
			Reduce: []TileReduction{
				{MaxZoom: 12, Fields: []string{"reference", "network_category", "status", "planned_start", "planned_end"},
					SimplifyPx: 1, MinSizePx: 1},
			},
		},
		{
			Name: "osm_power_line", MinZoom: 5, CompleteZoom: 12,
			Fields: []string{"name", "voltage", "voltage_max_v", "operator", "cables", "circuits", "ref"},
			Reduce: []TileReduction{
				{MaxZoom: 11, Fields: []string{"voltage_max_v"}, SimplifyPx: 1, MinSizePx: 2},
			},
		},
		{
			Name: "osm_power_tower", MinZoom: 13, CompleteZoom: 13,
			Fields: []string{"ref", "name", "operator", "design", "structure", "material", "height"},
		},
	}
}

// DefaultTileGroups returns the layer groups of the default model, as
// config/fourreau.yaml also lists them.
func DefaultTileGroups() []TileGroup {
	return []TileGroup{
		{Name: "networks", Title: "Networks: planned works, routes, ducts, network sections and technical points",
			Layers: []string{"planned_works", "route", "duct", "network_link", "technical_point"}},
		{Name: "osm_power", Title: "OpenStreetMap power lines and towers",
			Layers: []string{"osm_power_line", "osm_power_tower"}},
	}
}

package config

import (
	"strings"

	"github.com/spf13/viper"
)

// WMS is the configuration of the map service.
type WMS struct {
	// MaxWidth and MaxHeight bound the size of GetMap images, in pixels.
	MaxWidth  int `mapstructure:"max_width"`
	MaxHeight int `mapstructure:"max_height"`
	// MaxLayers bounds the number of layers of one GetMap; 0 means no limit.
	MaxLayers int `mapstructure:"max_layers"`
	// CRS lists the EPSG codes capabilities offer, with a bounding box for each. Maps
	// may be asked in any CRS PostGIS knows; CRS:84 is always offered in WMS 1.3.0.
	CRS []int `mapstructure:"crs"`
	// StylesDir is the folder of SLD files (*.sld) holding named styles; empty or
	// missing loads none.
	StylesDir string `mapstructure:"styles_dir"`
	// MaxFeatures bounds the features one layer may draw in one map; a larger map is
	// refused with a message to zoom in. 0 means no limit.
	MaxFeatures int `mapstructure:"max_features"`
	// MergeAboveScale is the scale denominator above which features that draw
	// identically at the map's resolution are read once (see docs/wms.md); 0 never
	// merges.
	MergeAboveScale float64 `mapstructure:"merge_above_scale"`
	// PNGCompression is speed, default, best or none.
	PNGCompression string `mapstructure:"png_compression"`
	// JPEGQuality is the JPEG quality, 1 to 100.
	JPEGQuality int `mapstructure:"jpeg_quality"`
	// InfoTolerance is the distance in pixels around the clicked pixel within which
	// GetFeatureInfo finds features.
	InfoTolerance float64 `mapstructure:"info_tolerance"`
	// MaxFeatureCount bounds FEATURE_COUNT.
	MaxFeatureCount int `mapstructure:"max_feature_count"`
	// CategoryLayers are the layers drawn, restricted to one category, by the layer of
	// each network category; a listed layer without a network_category column, or not
	// published, is skipped.
	CategoryLayers []string `mapstructure:"category_layers"`
	// CategoryTable and PointKindTable are the code lists the default styles are
	// derived from; a missing table leaves the default styles plain.
	CategoryTable  string `mapstructure:"category_table"`
	PointKindTable string `mapstructure:"point_kind_table"`
}

func setWMSDefaults(v *viper.Viper) {
	v.SetDefault("wms.max_width", 4096)
	v.SetDefault("wms.max_height", 4096)
	v.SetDefault("wms.max_layers", 100)
	v.SetDefault("wms.crs", []int{2154, 3857, 4326, 4258, 4171, 3035, 3942, 3943, 3944, 3945, 3946, 3947, 3948, 3949, 3950})
	v.SetDefault("wms.styles_dir", "config/styles")
	v.SetDefault("wms.max_features", 1000000)
	v.SetDefault("wms.merge_above_scale", 100000)
	v.SetDefault("wms.png_compression", "speed")
	v.SetDefault("wms.jpeg_quality", 85)
	v.SetDefault("wms.info_tolerance", 4)
	v.SetDefault("wms.max_feature_count", 50)
	v.SetDefault("wms.category_layers", []string{"route", "duct", "network_link", "technical_point"})
	v.SetDefault("wms.category_table", "netdata.network_category")
	v.SetDefault("wms.point_kind_table", "netdata.point_kind")
}

func (c *Config) validateWMS(add func(format string, args ...any)) {
	w := c.WMS
	if w.MaxWidth <= 0 || w.MaxHeight <= 0 || w.MaxWidth > 16384 || w.MaxHeight > 16384 {
		add("wms.max_width and wms.max_height must be between 1 and 16384 pixels, not %d and %d", w.MaxWidth, w.MaxHeight)
	}
	if w.MaxLayers < 0 || w.MaxFeatures < 0 || w.MergeAboveScale < 0 {
		add("wms.max_layers, wms.max_features and wms.merge_above_scale must not be negative; use 0 for no limit")
	}
	if len(w.CRS) == 0 {
		add("wms.crs: list at least one EPSG code")
	}
	for _, code := range w.CRS {
		if code <= 0 {
			add("wms.crs: %d is not an EPSG code", code)
		}
	}
	switch strings.ToLower(w.PNGCompression) {
	case "speed", "default", "best", "none":
	default:
		add("wms.png_compression: %q is not speed, default, best or none", w.PNGCompression)
	}
	if w.JPEGQuality < 1 || w.JPEGQuality > 100 {
		add("wms.jpeg_quality: %d is not between 1 and 100", w.JPEGQuality)
	}
	if w.InfoTolerance < 0 || w.InfoTolerance > 100 {
		add("wms.info_tolerance: %g is not between 0 and 100 pixels", w.InfoTolerance)
	}
	if w.MaxFeatureCount < 1 {
		add("wms.max_feature_count: %d is below 1", w.MaxFeatureCount)
	}
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad_WMSDefaults(t *testing.T) {
	cfg, err := Load([]string{"--config", "../../config/fourreau.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.WMS
	if w.MaxWidth != 4096 || w.MaxHeight != 4096 || w.PNGCompression != "speed" || w.InfoTolerance != 4 {
		t.Errorf("wms section of the shipped file: %+v", w)
	}
	if len(w.CRS) == 0 || w.CRS[0] != 2154 {
		t.Errorf("wms.crs = %v, want EPSG:2154 first", w.CRS)
	}
}

func TestValidate_WMS(t *testing.T) {
	file := filepath.Join(t.TempDir(), "wms.yaml")
	body := "wms:\n  max_width: 0\n  crs: [-4]\n  png_compression: fast\n  jpeg_quality: 101\n  info_tolerance: -1\n  max_feature_count: 0\n  max_features: -5\n"
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load([]string{"--config", file})
	if err == nil {
		t.Fatal("invalid wms section accepted")
	}
	for _, want := range []string{"wms.max_width", "wms.crs", "wms.png_compression", "wms.jpeg_quality", "wms.info_tolerance", "wms.max_feature_count", "wms.max_features"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

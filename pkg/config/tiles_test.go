package config

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestShippedFileTiles(t *testing.T) {
	cfg, err := Load([]string{"--config", "../../config/fourreau.yaml"})
	if err != nil {
		t.Fatalf("load shipped configuration: %v", err)
	}
	if !reflect.DeepEqual(cfg.Tiles.Layers, DefaultTileLayers()) {
		t.Errorf("config/fourreau.yaml tiles.layers differ from DefaultTileLayers():\nfile:    %+v\ndefault: %+v", cfg.Tiles.Layers, DefaultTileLayers())
	}
	if !reflect.DeepEqual(cfg.Tiles.Groups, DefaultTileGroups()) {
		t.Errorf("config/fourreau.yaml tiles.groups differ from DefaultTileGroups():\nfile:    %+v\ndefault: %+v", cfg.Tiles.Groups, DefaultTileGroups())
	}

	defaults, err := Load([]string{"--config", writeFile(t, "server:\n  listen: 127.0.0.1:8080\n")})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tiles.Extent != defaults.Tiles.Extent || cfg.Tiles.Buffer != defaults.Tiles.Buffer ||
		cfg.Tiles.MaxAge != defaults.Tiles.MaxAge || cfg.Tiles.Cache != defaults.Tiles.Cache {
		t.Errorf("config/fourreau.yaml tiles settings differ from the built-in defaults:\nfile:    %+v\ndefault: %+v", cfg.Tiles, defaults.Tiles)
	}
	if !reflect.DeepEqual(defaults.Tiles.Layers, DefaultTileLayers()) {
		t.Error("a file without tiles.layers does not get DefaultTileLayers()")
	}
}

func TestTileDefaultsFollowPublishedLayers(t *testing.T) {
	body := "layers:\n  - {name: duct, table: netdata.duct, key: id, geometry: geom}\n  - {name: other, table: a.b, key: id, geometry: geom}\n"
	cfg, err := Load([]string{"--config", writeFile(t, body)})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Tiles.Layers) != 1 || cfg.Tiles.Layers[0].Name != "duct" {
		t.Errorf("tiles.layers = %+v, want the default entry of duct only", cfg.Tiles.Layers)
	}
	if len(cfg.Tiles.Groups) != 1 || !reflect.DeepEqual(cfg.Tiles.Groups[0].Layers, []string{"duct"}) {
		t.Errorf("tiles.groups = %+v, want networks holding duct only", cfg.Tiles.Groups)
	}
}

func TestValidateTiles(t *testing.T) {
	body := `tiles:
  extent: 100
  cache:
    backend: memcached
  layers:
    - name: nowhere
    - name: duct
      min_zoom: 14
      max_zoom: 12
    - name: route
      complete_zoom: 15
      reduce:
        - {max_zoom: 12}
        - {max_zoom: 11, simplify_px: -1, min_size_px: .nan}
        - {max_zoom: 13, min_size_px: 400}
    - name: technical_point
      min_zoom: 10
      complete_zoom: 14
  groups:
    - name: duct
      layers: [route]
    - name: empty
    - name: twice
      layers: [route, route, ghost]
`
	_, err := Load([]string{"--config", writeFile(t, body)})
	if err == nil {
		t.Fatal("invalid tiles section accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"tiles.extent", "tiles.cache.backend", "(nowhere): no published layer",
		"(duct): min_zoom 14 and max_zoom 12", "greater than the previous rule", "must be finite and not negative",
		"must be complete_zoom - 1", "min_size_px 400 is more than the buffer", "(technical_point): complete_zoom 14 is above min_zoom 10",
		"already a layer or group name", "(empty): layers is empty", `layer "route" is listed twice`, `layer "ghost" is not published`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
}

func TestValidateRedisURL(t *testing.T) {
	body := "tiles:\n  cache:\n    backend: redis\n    redis_url: http://u:secret@127.0.0.1:1\n"
	_, err := Load([]string{"--config", writeFile(t, body)})
	if err == nil {
		t.Fatal("an http URL was accepted as the Redis URL")
	}
	if !strings.Contains(err.Error(), "tiles.cache.redis_url") {
		t.Errorf("error does not name tiles.cache.redis_url: %v", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestValidateTileReductionNotANumber(t *testing.T) {
	var messages []string
	add := func(format string, args ...any) { messages = append(messages, fmt.Sprintf(format, args...)) }
	tl := TileLayer{Name: "duct", CompleteZoom: 13, Reduce: []TileReduction{{MaxZoom: 12, MinSizePx: math.NaN()}}}
	validateTileLayer("tiles.layers[0] (duct)", tl, 4096, 64, add)
	if len(messages) != 1 || !strings.Contains(messages[0], "reduce[0]: simplify_px and min_size_px must be finite") {
		t.Errorf("min_size_px NaN gave %q, want one error on reduce[0]", messages)
	}
}

package tiles_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
)

func getJSON(t *testing.T, url string, v any) response {
	t.Helper()
	resp := get(t, url)
	if resp.status == http.StatusOK {
		if err := json.Unmarshal(resp.body, v); err != nil {
			t.Fatalf("%s: %v\n%s", url, err, resp.body)
		}
	}
	return resp
}

type tileJSONDoc struct {
	TileJSON     string     `json:"tilejson"`
	Name         string     `json:"name"`
	Scheme       string     `json:"scheme"`
	Tiles        []string   `json:"tiles"`
	MinZoom      int        `json:"minzoom"`
	MaxZoom      int        `json:"maxzoom"`
	Bounds       [4]float64 `json:"bounds"`
	Center       [3]float64 `json:"center"`
	VectorLayers []struct {
		ID      string            `json:"id"`
		MinZoom int               `json:"minzoom"`
		MaxZoom int               `json:"maxzoom"`
		Fields  map[string]string `json:"fields"`
	} `json:"vector_layers"`
}

func TestTileJSON(t *testing.T) {
	srv := testserver.Start(t)
	var doc tileJSONDoc
	if resp := getJSON(t, srv.URL+"/tiles/duct.json", &doc); resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	if doc.TileJSON != "3.0.0" || doc.Name != "duct" || doc.Scheme != "xyz" {
		t.Errorf("tilejson %q, name %q, scheme %q", doc.TileJSON, doc.Name, doc.Scheme)
	}
	if doc.MinZoom != 12 || doc.MaxZoom != 22 {
		t.Errorf("zooms %d-%d, want the configured 12-22", doc.MinZoom, doc.MaxZoom)
	}
	if len(doc.Tiles) != 1 || doc.Tiles[0] != srv.URL+"/tiles/WebMercatorQuad/duct/{z}/{x}/{y}.mvt" {
		t.Errorf("tiles %v", doc.Tiles)
	}
	// The demo data lies around Caen (0.4°W, 49.2°N) and a GraceTHD delivery near 2.6°E,
	// 47.2°N.
	if doc.Bounds[0] > -0.4 || doc.Bounds[2] < 2.5 || doc.Bounds[1] > 47.3 || doc.Bounds[3] < 49.2 {
		t.Errorf("bounds %v do not fit the data", doc.Bounds)
	}
	if len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != "duct" {
		t.Fatalf("vector_layers %+v", doc.VectorLayers)
	}
	fields := doc.VectorLayers[0].Fields
	for name, want := range map[string]string{"code": "String", "inner_diameter_mm": "Number", "min_depth_m": "Number", "available": "Boolean"} {
		if fields[name] != want {
			t.Errorf("field %s: %q, want %q", name, fields[name], want)
		}
	}
	if _, ok := fields["guid"]; ok {
		t.Error("a field outside the tile fields is listed")
	}

	// The tile URL template works.
	l, _ := srv.Catalog.Layer("duct")
	c := tilesWithData(t, srv, l, 15, 1)[0]
	url := strings.NewReplacer("{z}", strconv.Itoa(c[0]), "{x}", strconv.Itoa(c[1]), "{y}", strconv.Itoa(c[2])).Replace(doc.Tiles[0])
	if resp := get(t, url); resp.status != http.StatusOK {
		t.Errorf("%s: status %d", url, resp.status)
	}

	var group tileJSONDoc
	getJSON(t, srv.URL+"/tiles/networks.json", &group)
	var ids []string
	for _, vl := range group.VectorLayers {
		ids = append(ids, vl.ID)
	}
	if !slices.Equal(ids, []string{"planned_works", "route", "duct", "network_link", "technical_point"}) || group.MinZoom != 8 {
		t.Errorf("group TileJSON: layers %v, minzoom %d", ids, group.MinZoom)
	}
	if resp := get(t, srv.URL+"/tiles/nothing.json"); resp.status != http.StatusNotFound {
		t.Errorf("unknown layer: status %d", resp.status)
	}
}

func TestTileMatrixSetDocuments(t *testing.T) {
	srv := testserver.Start(t)
	var list struct {
		TileMatrixSets []struct {
			ID    string `json:"id"`
			CRS   string `json:"crs"`
			Links []struct {
				Href string `json:"href"`
				Rel  string `json:"rel"`
			} `json:"links"`
		} `json:"tileMatrixSets"`
	}
	getJSON(t, srv.URL+"/tileMatrixSets", &list)
	if len(list.TileMatrixSets) != 2 || list.TileMatrixSets[0].ID != "WebMercatorQuad" || list.TileMatrixSets[1].ID != "Lambert93Quad" {
		t.Fatalf("tile matrix sets %+v", list.TileMatrixSets)
	}
	for _, s := range list.TileMatrixSets {
		var def struct {
			ID           string   `json:"id"`
			CRS          string   `json:"crs"`
			OrderedAxes  []string `json:"orderedAxes"`
			TileMatrices []struct {
				ID            string     `json:"id"`
				CellSize      float64    `json:"cellSize"`
				PointOfOrigin [2]float64 `json:"pointOfOrigin"`
				MatrixWidth   int        `json:"matrixWidth"`
			} `json:"tileMatrices"`
		}
		if len(s.Links) == 0 {
			t.Fatalf("%s has no link", s.ID)
		}
		if resp := getJSON(t, s.Links[0].Href, &def); resp.status != http.StatusOK || def.ID != s.ID || def.CRS != s.CRS {
			t.Errorf("%s: status %d, definition %s in %s", s.Links[0].Href, resp.status, def.ID, def.CRS)
		}
		if s.ID == "Lambert93Quad" {
			if len(def.TileMatrices) != 19 || def.CRS != "http://www.opengis.net/def/crs/EPSG/0/2154" ||
				def.TileMatrices[0].CellSize != 8192 || def.TileMatrices[0].PointOfOrigin != [2]float64{-524288, 7340032} ||
				def.TileMatrices[18].MatrixWidth != 1<<18 {
				t.Errorf("Lambert93Quad definition %+v", def)
			}
		}
	}
	if resp := get(t, srv.URL+"/tileMatrixSets/Mercator"); resp.status != http.StatusNotFound {
		t.Errorf("unknown tile matrix set: status %d", resp.status)
	}

	var index struct {
		Layers []struct {
			Name     string `json:"name"`
			MinZoom  int    `json:"minzoom"`
			Cached   bool   `json:"cached"`
			TileJSON string `json:"tilejson"`
		} `json:"layers"`
		Groups []struct {
			Name   string   `json:"name"`
			Layers []string `json:"layers"`
		} `json:"groups"`
	}
	getJSON(t, srv.URL+"/tiles", &index)
	found := false
	for _, l := range index.Layers {
		if l.Name == "duct" {
			found = true
			if l.MinZoom != 12 || !l.Cached || l.TileJSON != srv.URL+"/tiles/duct.json" {
				t.Errorf("index entry of duct: %+v", l)
			}
		}
	}
	if !found || len(index.Groups) != 2 || index.Groups[0].Name != "networks" {
		t.Errorf("index: duct listed %v, groups %+v", found, index.Groups)
	}
}

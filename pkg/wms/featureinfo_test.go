package wms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
)

// infoJSON is the part of a GeoJSON GetFeatureInfo answer the tests read.
type infoJSON struct {
	Features []struct {
		ID         string         `json:"id"`
		Layer      string         `json:"layer"`
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type        string `json:"type"`
			Coordinates any    `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

func featureInfo(t *testing.T, srv *testserver.Server, params map[string]string) infoJSON {
	t.Helper()
	p := map[string]string{"REQUEST": "GetFeatureInfo", "INFO_FORMAT": "application/json"}
	for k, v := range params {
		p[k] = v
	}
	r := get(t, srv, mapQuery(p))
	if r.status != http.StatusOK || r.contentType != "application/json" {
		t.Fatalf("GetFeatureInfo: status %d, %s: %s", r.status, r.contentType, clip(r.body))
	}
	var out infoJSON
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("GetFeatureInfo JSON: %v\n%s", err, clip(r.body))
	}
	return out
}

func codes(info infoJSON) []string {
	var out []string
	for _, f := range info.Features {
		out = append(out, fmt.Sprint(f.Properties["code"]))
	}
	return out
}

// pointOf reads the position of a fixture point.
func pointOf(t *testing.T, srv *testserver.Server, code string, srid int) (x, y float64) {
	t.Helper()
	err := srv.Pool.QueryRow(context.Background(), "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(geom, $2::integer) AS g FROM wmstest.points WHERE code = $1) p",
		code, srid).Scan(&x, &y)
	if err != nil {
		t.Fatalf("read %s: %v", code, err)
	}
	return x, y
}

// TestGetFeatureInfo_PixelMaths checks I/J (1.3.0) and X/Y (1.1.1): columns from the
// left, rows from the top, from 0, the feature under the pixel found with no
// tolerance and missed two pixels away.
func TestGetFeatureInfo_PixelMaths(t *testing.T) {
	srv := startServer(t)
	x, y := pointOf(t, srv, "P-POLE", 2154)
	// An odd box and size, so that the point is not on a pixel edge.
	v := view{x - 301.7, y - 190.3, x + 250.9, y + 305.2, 333, 271}
	i, j := v.pixel(x, y)
	base := func(extra map[string]string) map[string]string {
		p := map[string]string{"BBOX": bboxParam(v.minX, v.minY, v.maxX, v.maxY), "WIDTH": fmt.Sprint(v.w), "HEIGHT": fmt.Sprint(v.h),
			"LAYERS": "test_points", "QUERY_LAYERS": "test_points", "BUFFER": "0"}
		for k, val := range extra {
			p[k] = val
		}
		return p
	}
	at := func(extra map[string]string) []string { return codes(featureInfo(t, srv, base(extra))) }

	if got := at(map[string]string{"I": fmt.Sprint(i), "J": fmt.Sprint(j)}); len(got) != 1 || got[0] != "P-POLE" {
		t.Errorf("1.3.0 I=%d J=%d: %v, want P-POLE", i, j, got)
	}
	if got := at(map[string]string{"VERSION": "1.1.1", "SRS": "EPSG:2154", "CRS": "", "X": fmt.Sprint(i), "Y": fmt.Sprint(j)}); len(got) != 1 || got[0] != "P-POLE" {
		t.Errorf("1.1.1 X=%d Y=%d: %v, want P-POLE", i, j, got)
	}
	for _, d := range [][2]int{{2, 0}, {-2, 0}, {0, 2}, {0, -2}} {
		if got := at(map[string]string{"I": fmt.Sprint(i + d[0]), "J": fmt.Sprint(j + d[1])}); len(got) != 0 {
			t.Errorf("two pixels off (%+d,%+d) with no tolerance: %v, want nothing", d[0], d[1], got)
		}
	}
	if got := at(map[string]string{"I": fmt.Sprint(i + 3), "J": fmt.Sprint(j), "BUFFER": "4"}); len(got) != 1 {
		t.Errorf("three pixels off with a tolerance of 4: %v, want P-POLE", got)
	}

	// In EPSG:4326 with WMS 1.3.0 the box is latitude first, but I still counts
	// columns (longitude) and J rows (latitude).
	lon, lat := pointOf(t, srv, "P-POLE", 4326)
	g := view{lon - 0.0031, lat - 0.0017, lon + 0.0023, lat + 0.0029, 300, 300}
	gi, gj := g.pixel(lon, lat)
	got := codes(featureInfo(t, srv, map[string]string{"CRS": "EPSG:4326", "BBOX": bboxParam(g.minY, g.minX, g.maxY, g.maxX),
		"WIDTH": "300", "HEIGHT": "300", "LAYERS": "test_points", "QUERY_LAYERS": "test_points", "BUFFER": "0",
		"I": fmt.Sprint(gi), "J": fmt.Sprint(gj)}))
	if len(got) != 1 || got[0] != "P-POLE" {
		t.Errorf("EPSG:4326 I=%d J=%d: %v, want P-POLE", gi, gj, got)
	}
}

func TestGetFeatureInfo_FeatureCountNearestFirst(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(256)
	// Between the ELEC line (y+80) and the GAZ line (y+160), nearer to GAZ.
	i, j := v.pixel(700200, originY+130)
	params := map[string]string{"BBOX": bboxParam(v.minX, v.minY, v.maxX, v.maxY), "LAYERS": "test_lines", "QUERY_LAYERS": "test_lines",
		"I": fmt.Sprint(i), "J": fmt.Sprint(j), "BUFFER": "20"}
	if got := codes(featureInfo(t, srv, params)); len(got) != 1 || got[0] != "L-GAZ" {
		t.Errorf("FEATURE_COUNT absent: %v, want the nearest line only, L-GAZ", got)
	}
	params["FEATURE_COUNT"] = "2"
	if got := codes(featureInfo(t, srv, params)); len(got) != 2 || got[0] != "L-GAZ" || got[1] != "L-ELEC" {
		t.Errorf("FEATURE_COUNT=2: %v, want L-GAZ then L-ELEC", got)
	}
}

func TestGetFeatureInfo_OnlyDrawnFeatures(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(256)
	i, j := v.pixel(700200, originY+160)
	params := map[string]string{"BBOX": bboxParam(v.minX, v.minY, v.maxX, v.maxY), "LAYERS": "test_lines", "QUERY_LAYERS": "test_lines",
		"I": fmt.Sprint(i), "J": fmt.Sprint(j)}
	if got := codes(featureInfo(t, srv, params)); len(got) != 1 || got[0] != "L-GAZ" {
		t.Fatalf("default style: %v, want L-GAZ", got)
	}
	// A style that draws only electricity leaves the gas line off the map, so it is not
	// reported either.
	params["SLD_BODY"] = `<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc">
  <NamedLayer><Name>test_lines</Name><UserStyle><Name>elec</Name><FeatureTypeStyle><Rule>
    <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>network_category</ogc:PropertyName><ogc:Literal>ELEC</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
    <LineSymbolizer><Stroke/></LineSymbolizer></Rule></FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>`
	if got := codes(featureInfo(t, srv, params)); len(got) != 0 {
		t.Errorf("with a style drawing electricity only: %v, want nothing", got)
	}
}

func TestGetFeatureInfo_Formats(t *testing.T) {
	srv := startServer(t)
	x, y := pointOf(t, srv, "P-CHAMBER", 2154)
	v := view{x - 100.3, y - 100.7, x + 99.1, y + 101.9, 200, 200}
	i, j := v.pixel(x, y)
	var id int64
	if err := srv.Pool.QueryRow(context.Background(), "SELECT id FROM wmstest.points WHERE code = 'P-CHAMBER'").Scan(&id); err != nil {
		t.Fatal(err)
	}
	fid := fmt.Sprintf("test_points.%d", id)
	query := func(format string) response {
		return get(t, srv, mapQuery(map[string]string{"REQUEST": "GetFeatureInfo", "BBOX": bboxParam(v.minX, v.minY, v.maxX, v.maxY),
			"WIDTH": "200", "HEIGHT": "200", "LAYERS": "test_points", "QUERY_LAYERS": "test_points",
			"I": fmt.Sprint(i), "J": fmt.Sprint(j), "INFO_FORMAT": format}))
	}
	cases := []struct {
		format, contentType string
		want                []string
	}{
		{"text/plain", "text/plain", []string{"Layer 'test_points'", "Feature " + fid, "code = P-CHAMBER", "network_category = ELEC"}},
		{"text/html", "text/html", []string{"<table>", fid, "<td>P-CHAMBER</td>"}},
		{"application/vnd.ogc.gml", "application/vnd.ogc.gml", []string{`fid="` + fid + `"`, "<net:code>P-CHAMBER</net:code>", "<gml:Point", "<gml:coordinates"}},
		{"application/vnd.ogc.gml/3.1.1", "application/vnd.ogc.gml/3.1.1", []string{`gml:id="` + fid + `"`, "<gml:pos"}},
	}
	for _, c := range cases {
		r := query(c.format)
		if r.status != http.StatusOK || !strings.HasPrefix(r.contentType, c.contentType) {
			t.Errorf("%s: status %d, content type %q", c.format, r.status, r.contentType)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(r.body), w) {
				t.Errorf("%s: %q missing in\n%s", c.format, w, clip(r.body))
			}
		}
	}
	info := featureInfo(t, srv, map[string]string{"BBOX": bboxParam(v.minX, v.minY, v.maxX, v.maxY), "WIDTH": "200", "HEIGHT": "200",
		"LAYERS": "test_points", "QUERY_LAYERS": "test_points", "I": fmt.Sprint(i), "J": fmt.Sprint(j)})
	if len(info.Features) != 1 || info.Features[0].ID != fid || info.Features[0].Geometry.Type != "Point" {
		t.Fatalf("JSON: %+v", info)
	}
	coords, _ := info.Features[0].Geometry.Coordinates.([]any)
	if len(coords) != 2 || math.Abs(coords[0].(float64)-x) > 0.01 || math.Abs(coords[1].(float64)-y) > 0.01 {
		t.Errorf("JSON geometry %v, want the point %g %g in the map CRS", coords, x, y)
	}

	if r := query("image/png"); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "InvalidFormat") {
		t.Errorf("INFO_FORMAT=image/png: status %d, %s", r.status, clip(r.body))
	}
}

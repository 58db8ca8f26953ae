package wms_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

var white = color.NRGBA{255, 255, 255, 255}

// view maps EPSG:2154 coordinates to the pixels of a GetMap of size w×h over a box.
type view struct {
	minX, minY, maxX, maxY float64
	w, h                   int
}

func fixtureView(size int) view {
	minX, minY, maxX, maxY := fixtureBBox()
	return view{minX, minY, maxX, maxY, size, size}
}

// pixel returns the pixel whose area holds (x, y): column from the left, row from the
// top.
func (v view) pixel(x, y float64) (int, int) {
	return int(math.Floor((x - v.minX) / (v.maxX - v.minX) * float64(v.w))), int(math.Floor((v.maxY - y) / (v.maxY - v.minY) * float64(v.h)))
}

func (v view) query(params map[string]string) string {
	p := map[string]string{"BBOX": bboxParam(v.minX, v.minY, v.maxX, v.maxY), "WIDTH": fmt.Sprint(v.w), "HEIGHT": fmt.Sprint(v.h)}
	for k, val := range params {
		p[k] = val
	}
	return mapQuery(p)
}

// categoryColour reads the colour of a network category from the code list.
func categoryColour(t *testing.T, srv *testserver.Server, code string) color.NRGBA {
	t.Helper()
	var hex string
	if err := srv.Pool.QueryRow(context.Background(), "SELECT colour_hex FROM netdata.network_category WHERE code = $1", code).Scan(&hex); err != nil {
		t.Fatalf("colour of %s: %v", code, err)
	}
	var c color.NRGBA
	if _, err := fmt.Sscanf(hex, "#%02X%02X%02X", &c.R, &c.G, &c.B); err != nil {
		t.Fatalf("colour %q: %v", hex, err)
	}
	c.A = 255
	return c
}

// fixtureLine is a line of the fixtures as the database has it.
type fixtureLine struct {
	code, category, status, precision string
	x0, y0, x1, y1                    float64
}

func fixtureLines(t *testing.T, srv *testserver.Server) []fixtureLine {
	t.Helper()
	rows, err := srv.Pool.Query(context.Background(), `SELECT code, network_category, lifecycle_status, precision_xy,
		ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)), ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom))
		FROM wmstest.lines ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []fixtureLine
	for rows.Next() {
		var l fixtureLine
		if err := rows.Scan(&l.code, &l.category, &l.status, &l.precision, &l.x0, &l.y0, &l.x1, &l.y1); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// TestGetMap_DefaultColours checks the default style at pixels computed from the
// coordinates of the fixture features. Lines in place are solid, in the NF P 98-332
// colour of their category. Projected and class C lines are dashed, abandoned lines
// grey, and technical points are filled with their category's colour.
func TestGetMap_DefaultColours(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(512)
	img := decodePNG(t, get(t, srv, v.query(map[string]string{"LAYERS": "test_lines,test_points"})))

	for _, l := range fixtureLines(t, srv) {
		want := categoryColour(t, srv, l.category)
		coloured, samples := 0, 0
		// Sample the middle 80 % of the line, one pixel apart, away from its ends.
		for f := 0.1; f <= 0.9; f += 0.5 / float64(v.w) {
			px, py := v.pixel(l.x0+f*(l.x1-l.x0), l.y0+f*(l.y1-l.y0))
			samples++
			if closeTo(nrgba(img, px, py), want, 12) {
				coloured++
			}
		}
		share := float64(coloured) / float64(samples)
		switch {
		case l.status == "decommissioned":
			px, py := v.pixel((l.x0+l.x1)/2, (l.y0+l.y1)/2)
			if !greyNear(img, px, py) {
				t.Errorf("%s: abandoned line is not drawn thin and grey around pixel %d,%d", l.code, px, py)
			}
			if share > 0 {
				t.Errorf("%s: abandoned line drawn in its category colour at %.0f %% of its pixels", l.code, 100*share)
			}
		case l.status == "projected" || l.precision == "C":
			if share < 0.3 || share > 0.85 {
				t.Errorf("%s: %.0f %% of the pixels along the line have the colour %v; a dashed line has both dashes and gaps", l.code, 100*share, want)
			}
		default:
			if share < 0.98 {
				t.Errorf("%s: only %.0f %% of the pixels along the line have the colour %v", l.code, 100*share, want)
			}
		}
	}

	rows, err := srv.Pool.Query(context.Background(), "SELECT code, network_category, ST_X(geom), ST_Y(geom) FROM wmstest.points")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, category string
		var x, y float64
		if err := rows.Scan(&code, &category, &x, &y); err != nil {
			t.Fatal(err)
		}
		px, py := v.pixel(x, y)
		if got, want := nrgba(img, px, py), categoryColour(t, srv, category); !closeTo(got, want, 12) {
			t.Errorf("%s: pixel %d,%d is %v, want the %s colour %v", code, px, py, got, category, want)
		}
	}
}

// greyNear reports whether a pixel within one pixel of (x, y) is a neutral grey.
func greyNear(img image.Image, x, y int) bool {
	for dx := -1; dx <= 1; dx++ {
		for dy := -1; dy <= 1; dy++ {
			c := nrgba(img, x+dx, y+dy)
			if c.R < 235 && c.R > 120 && absDiff(c.R, c.G) < 8 && absDiff(c.G, c.B) < 8 {
				return true
			}
		}
	}
	return false
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestGetMap_PolygonHoleAndReprojection(t *testing.T) {
	srv := startServer(t)
	v := view{699650, 6600000, 700000, 6600350, 256, 256}
	img := decodePNG(t, get(t, srv, v.query(map[string]string{"LAYERS": "test_areas"})))
	// The area is stored in EPSG:4326 and drawn in EPSG:2154.
	if px, py := v.pixel(699825, 6600175); nrgba(img, px, py) != white {
		t.Errorf("pixel in the hole is %v, want the white background", nrgba(img, px, py))
	}
	px, py := v.pixel(699730, 6600200)
	if c := nrgba(img, px, py); c.B < 200 || c.R > 220 || c == white {
		t.Errorf("pixel inside the ring is %v, want the translucent blue fill", c)
	}
	if px, py := v.pixel(699680, 6600200); nrgba(img, px, py) != white {
		t.Errorf("pixel outside the polygon is %v, want white", nrgba(img, px, py))
	}
}

// TestGetMap_AxisOrder is the WMS part of the axis-order case: EPSG:4326 in 1.3.0
// (latitude first), CRS:84, EPSG:4326 in 1.1.1 (longitude first) and EPSG:4258 in
// 1.3.0 (latitude first) must give the same image.
func TestGetMap_AxisOrder(t *testing.T) {
	srv := startServer(t)
	var minLon, minLat, maxLon, maxLat float64
	err := srv.Pool.QueryRow(context.Background(), `SELECT ST_XMin(e) - 0.002, ST_YMin(e) - 0.002, ST_XMax(e) + 0.002, ST_YMax(e) + 0.002
		FROM (SELECT ST_Extent(ST_Transform(geom, 4326)) AS e FROM wmstest.lines) x`).Scan(&minLon, &minLat, &maxLon, &maxLat)
	if err != nil {
		t.Fatal(err)
	}
	latLon := bboxParam(minLat, minLon, maxLat, maxLon)
	lonLat := bboxParam(minLon, minLat, maxLon, maxLat)
	cases := []map[string]string{
		{"VERSION": "1.3.0", "CRS": "EPSG:4326", "BBOX": latLon},
		{"VERSION": "1.3.0", "CRS": "CRS:84", "BBOX": lonLat},
		{"VERSION": "1.1.1", "SRS": "EPSG:4326", "CRS": "", "BBOX": lonLat},
		{"VERSION": "1.3.0", "CRS": "EPSG:4258", "BBOX": latLon},
	}
	var first []byte
	for i, c := range cases {
		c["LAYERS"], c["WIDTH"], c["HEIGHT"] = "test_lines", "520", "360"
		r := get(t, srv, mapQuery(c))
		img := decodePNG(t, r)
		if i == 0 {
			first = r.body
			if blank(img) {
				t.Fatal("the map of the fixtures is blank")
			}
			continue
		}
		if !bytes.Equal(r.body, first) {
			t.Errorf("%v: image differs from the EPSG:4326 1.3.0 image", c)
		}
	}

	// The literal requests of the case, over mainland France. The fixture layer is
	// drawn rather than the ducts, which other tests may be editing meanwhile.
	var sums []string
	for _, c := range []string{
		"VERSION=1.3.0&CRS=EPSG:4326&BBOX=42,-5,51,8",
		"VERSION=1.3.0&CRS=CRS:84&BBOX=-5,42,8,51",
		"VERSION=1.1.1&SRS=EPSG:4326&BBOX=-5,42,8,51",
		"VERSION=1.3.0&CRS=EPSG:4258&BBOX=42,-5,51,8",
	} {
		r := get(t, srv, "SERVICE=WMS&REQUEST=GetMap&LAYERS=test_lines&STYLES=&WIDTH=520&HEIGHT=360&FORMAT=image/png&"+c)
		if blank(decodePNG(t, r)) {
			t.Errorf("%s: the map of France is blank", c)
		}
		sums = append(sums, fmt.Sprintf("%x", sha256.Sum256(r.body)))
	}
	for i := 1; i < len(sums); i++ {
		if sums[i] != sums[0] {
			t.Errorf("France request %d gives a different image", i+1)
		}
	}
}

func blank(img image.Image) bool {
	b := img.Bounds()
	first := nrgba(img, b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if nrgba(img, x, y) != first {
				return false
			}
		}
	}
	return true
}

// pngColourType returns the colour type of a PNG's header: 2 RGB, 3 palette, 6 RGBA.
func pngColourType(body []byte) byte {
	if len(body) < 26 {
		return 0
	}
	return body[25]
}

// TestGetMap_Transparency is the transparent-output case, over an area without
// features.
func TestGetMap_Transparency(t *testing.T) {
	srv := startServer(t)
	empty := view{100000, 6000000, 101000, 6001000, 64, 64}

	r := get(t, srv, empty.query(map[string]string{"LAYERS": "test_lines", "TRANSPARENT": "TRUE"}))
	img := decodePNG(t, r)
	if ct := pngColourType(r.body); ct != 6 {
		t.Errorf("transparent PNG has colour type %d, want 6 (RGBA)", ct)
	}
	checkEvery(t, "TRANSPARENT=TRUE", img, func(c color.NRGBA) bool { return c.A == 0 })

	r = get(t, srv, empty.query(map[string]string{"LAYERS": "test_lines", "TRANSPARENT": "TRUE", "FORMAT": "image/png; mode=8bit"}))
	img = decodePNG(t, r)
	if ct := pngColourType(r.body); ct != 3 || !bytes.Contains(r.body, []byte("tRNS")) {
		t.Errorf("8-bit PNG: colour type %d, tRNS chunk %v; want a palette with a transparent entry", ct, bytes.Contains(r.body, []byte("tRNS")))
	}
	if _, ok := img.(*image.Paletted); !ok {
		t.Errorf("8-bit PNG decodes as %T", img)
	}
	checkEvery(t, "8-bit TRANSPARENT=TRUE", img, func(c color.NRGBA) bool { return c.A == 0 })

	r = get(t, srv, empty.query(map[string]string{"LAYERS": "test_lines", "TRANSPARENT": "FALSE", "BGCOLOR": "0x336699"}))
	img = decodePNG(t, r)
	checkEvery(t, "BGCOLOR=0x336699", img, func(c color.NRGBA) bool { return c == color.NRGBA{0x33, 0x66, 0x99, 255} })

	r = get(t, srv, empty.query(map[string]string{"LAYERS": "test_lines", "TRANSPARENT": "TRUE", "FORMAT": "image/jpeg"}))
	if r.status != http.StatusOK || r.contentType != "image/jpeg" {
		t.Fatalf("JPEG with TRANSPARENT=TRUE: status %d, %s: %s", r.status, r.contentType, clip(r.body))
	}
	jimg, err := jpeg.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	checkEvery(t, "JPEG with TRANSPARENT=TRUE", jimg, func(c color.NRGBA) bool { return closeTo(c, white, 3) })
}

func checkEvery(t *testing.T, what string, img image.Image, ok func(color.NRGBA) bool) {
	t.Helper()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := nrgba(img, x, y); !ok(c) {
				t.Errorf("%s: pixel %d,%d is %v", what, x, y, c)
				return
			}
		}
	}
}

// compareGolden compares an image with testdata/name: every channel of at least 99.5 %
// of the pixels must be within 8 levels.
func compareGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden image missing (run go test -update): %v", err)
	}
	a, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if a.Bounds() != b.Bounds() {
		t.Fatalf("size %v, golden %v", a.Bounds(), b.Bounds())
	}
	bad := 0
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			if !closeTo(nrgba(a, x, y), nrgba(b, x, y), 8) {
				bad++
			}
		}
	}
	if limit := a.Bounds().Dx() * a.Bounds().Dy() / 200; bad > limit {
		t.Errorf("%d pixels differ from %s (limit %d); look at the image and run go test -update if the change is right", bad, path, limit)
	}
}

func TestGetMap_Golden(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(256)
	cases := map[string]map[string]string{
		"default.png":       {"LAYERS": "test_areas,test_lines,test_points"},
		"file_style.png":    {"LAYERS": "test_lines", "STYLES": "thick"},
		"two_styles.png":    {"LAYERS": "test_lines,test_lines", "STYLES": "default,thick", "TRANSPARENT": "TRUE"},
		"category_elec.png": {"LAYERS": "networks.ELEC,networks.GAZ"},
	}
	for name, params := range cases {
		t.Run(name, func(t *testing.T) {
			compareGolden(t, name, get(t, srv, v.query(params)).body)
		})
	}
}

func TestGetMap_CategoryLayers(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(256)
	img := decodePNG(t, get(t, srv, v.query(map[string]string{"LAYERS": "networks.GAZ"})))
	lines := fixtureLines(t, srv)
	for _, l := range lines {
		px, py := v.pixel((l.x0+l.x1)/2, (l.y0+l.y1)/2)
		drawn := nrgba(img, px, py) != white
		if drawn != (l.category == "GAZ") {
			t.Errorf("networks.GAZ: line %s (%s) drawn = %v", l.code, l.category, drawn)
		}
	}
	// The group draws every category.
	img = decodePNG(t, get(t, srv, v.query(map[string]string{"LAYERS": "networks"})))
	for _, l := range lines {
		px, py := v.pixel((l.x0+l.x1)/2, (l.y0+l.y1)/2)
		if nrgba(img, px, py) == white && l.status != "decommissioned" && l.precision != "C" && l.status != "projected" {
			t.Errorf("networks: line %s is not drawn", l.code)
		}
	}
}

func TestGetMap_SLDBody(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(256)
	sld := `<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc">
  <NamedLayer><Name>test_lines</Name><UserStyle><Name>gas_only</Name><FeatureTypeStyle><Rule>
    <ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>code</ogc:PropertyName><ogc:Literal>L-GAZ</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>
    <LineSymbolizer><Stroke><CssParameter name="stroke">#0000FF</CssParameter><CssParameter name="stroke-width">5</CssParameter></Stroke></LineSymbolizer>
  </Rule></FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>`
	lines := fixtureLines(t, srv)
	for _, params := range []map[string]string{
		{"LAYERS": "test_lines", "SLD_BODY": sld},
		{"LAYERS": "", "SLD_BODY": sld},
		{"LAYERS": "test_lines", "STYLES": "gas_only", "SLD_BODY": sld},
	} {
		img := decodePNG(t, get(t, srv, v.query(params)))
		for _, l := range lines {
			px, py := v.pixel((l.x0+l.x1)/2, (l.y0+l.y1)/2)
			got := nrgba(img, px, py)
			if l.code == "L-GAZ" && got != (color.NRGBA{0, 0, 255, 255}) {
				t.Errorf("LAYERS=%q: L-GAZ pixel is %v, want the SLD_BODY blue", params["LAYERS"], got)
			}
			if l.code != "L-GAZ" && got != white {
				t.Errorf("LAYERS=%q: %s pixel is %v, want nothing drawn", params["LAYERS"], l.code, got)
			}
		}
	}

	bad := get(t, srv, v.query(map[string]string{"LAYERS": "test_lines", "SLD_BODY": strings.Replace(sld, "code", "no_such_column", 1)}))
	if bad.status != http.StatusBadRequest || !strings.Contains(string(bad.body), "no_such_column") {
		t.Errorf("SLD_BODY reading a missing property: status %d, %s", bad.status, clip(bad.body))
	}
}

func TestGetMap_ScaleDependentRules(t *testing.T) {
	srv := startServer(t)
	near := fixtureView(256)
	if blank(decodePNG(t, get(t, srv, near.query(map[string]string{"LAYERS": "test_points"})))) {
		t.Error("technical points are not drawn at a large scale")
	}
	// 40 km over 256 pixels is about 1:560,000, beyond the 1:100,000 limit of points.
	far := view{originX - 20000, originY - 20000, originX + 20000, originY + 20000, 256, 256}
	if !blank(decodePNG(t, get(t, srv, far.query(map[string]string{"LAYERS": "test_points"})))) {
		t.Error("technical points are drawn at a small scale")
	}
	// Lines stay: generalised and merged, but drawn.
	if blank(decodePNG(t, get(t, srv, far.query(map[string]string{"LAYERS": "test_lines"})))) {
		t.Error("lines disappear at a small scale")
	}
}

func TestGetMap_DPIScalesSymbols(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(256)
	width := func(dpi string) int {
		img := decodePNG(t, get(t, srv, v.query(map[string]string{"LAYERS": "test_lines", "STYLES": "thick", "DPI": dpi})))
		px, _ := v.pixel(700200, originY+80)
		n := 0
		for y := 0; y < v.h; y++ {
			if c := nrgba(img, px, y); c.R < 60 && c.G < 60 && c.B < 60 {
				n++
			}
		}
		return n
	}
	normal, double := width("90.7"), width("181.4")
	if normal < 5 || normal > 7 || double < 11 || double > 13 {
		t.Errorf("a 6 px line is %d px wide at 90.7 dpi and %d px at 181.4 dpi; want 6 and 12", normal, double)
	}
}

func TestGetMap_MaxFeatures(t *testing.T) {
	srv := startServer(t, func(c *config.Config) { c.WMS.MaxFeatures = 2 })
	r := get(t, srv, fixtureView(64).query(map[string]string{"LAYERS": "test_lines"}))
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "zoom in") {
		t.Errorf("a map over the feature limit: status %d, %s", r.status, clip(r.body))
	}
}

func TestGetMap_Formats(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(128)
	for format, want := range map[string]string{"image/png": "image/png", "image/png; mode=8bit": "image/png", "image/png8": "image/png", "image/jpeg": "image/jpeg"} {
		r := get(t, srv, v.query(map[string]string{"LAYERS": "test_lines", "FORMAT": format}))
		if r.status != http.StatusOK || r.contentType != want {
			t.Errorf("FORMAT=%s: status %d, content type %q", format, r.status, r.contentType)
			continue
		}
		img, _, err := image.Decode(bytes.NewReader(r.body))
		if err != nil || img.Bounds().Dx() != 128 || blank(img) {
			t.Errorf("FORMAT=%s: %v, blank or wrong size", format, err)
		}
	}
}

// TestGetMap_ConcurrentRequestsAgree draws one map from eight goroutines at once: the
// images must be identical (run with -race to check the shared state of the service).
func TestGetMap_ConcurrentRequestsAgree(t *testing.T) {
	srv := startServer(t)
	query := fixtureView(200).query(map[string]string{"LAYERS": "test_areas,test_lines,test_points", "FORMAT": "image/png; mode=8bit"})
	want := get(t, srv, query).body
	results := make(chan []byte, 8)
	for i := 0; i < 8; i++ {
		go func() {
			resp, err := http.Get(srv.URL + "/wms?" + query)
			if err != nil {
				results <- nil
				return
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			results <- buf.Bytes()
		}()
	}
	for i := 0; i < 8; i++ {
		if got := <-results; !bytes.Equal(got, want) {
			t.Errorf("concurrent request %d drew a different image (%d bytes, want %d)", i, len(got), len(want))
		}
	}
}

// A map of the whole world, as clients ask when zoomed out, reaches the poles, which
// Lambert-93 cannot hold: the layers stored in it are still drawn.
func TestGetMap_WholeWorld(t *testing.T) {
	srv := startServer(t)
	var lon, lat float64
	err := srv.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p)
		FROM (SELECT ST_Transform(ST_SetSRID(ST_Centroid(ST_Extent(geom)::geometry), 2154), 4326) AS p FROM wmstest.lines) x`).Scan(&lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ crs, bbox string }{
		{"EPSG:4326", "-90,-180,90,180"},
		{"CRS:84", "-180,-90,180,90"},
	} {
		r := get(t, srv, mapQuery(map[string]string{"LAYERS": "test_lines", "CRS": tc.crs, "BBOX": tc.bbox, "WIDTH": "720", "HEIGHT": "360"}))
		if r.status != http.StatusOK {
			t.Errorf("%s: status %d: %s", tc.crs, r.status, clip(r.body))
			continue
		}
		img := decodePNG(t, r)
		x, y := int((lon+180)*2), int((90-lat)*2)
		drawn := false
		for dx := -2; dx <= 2; dx++ {
			for dy := -2; dy <= 2; dy++ {
				drawn = drawn || nrgba(img, x+dx, y+dy) != white
			}
		}
		if !drawn {
			t.Errorf("%s: nothing drawn around pixel %d,%d, where the test lines are", tc.crs, x, y)
		}
	}
}

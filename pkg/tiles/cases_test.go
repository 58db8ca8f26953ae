package tiles_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/fourreau/fourreau/pkg/tiles"
)

// shoelace returns the area of a ring by the surveyor's formula, in tile units: positive
// for a clockwise ring in tile coordinates (y down), which MVT 2.1 requires of exterior
// rings.
func shoelace(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// Features that cross a tile edge are clipped to the tile plus its buffer, in both tiles,
// so that the pieces overlap at the seam. Polygons stay valid, with exterior rings
// clockwise and no edge along the seam. A point in the buffer is in both tiles.
func TestEdgeClippingAndBuffer(t *testing.T) {
	createTestTables(t)
	srv := testserver.Start(t, testLayers())
	tms := tiles.WebMercatorQuad()
	z, x, y := parisTile[0], parisTile[1], parisTile[2]
	west := tms.TileBounds(z, x, y)
	east := tms.TileBounds(z, x+1, y)
	seam := west.Max[0]
	unit := tms.TileSpan(z) / 4096
	buffer := srv.Config.Tiles.Buffer
	midY := west.Center()[1]

	ductID := insertDuct(t, srv.Pool, "EDGE", mercatorWKT(orb.Point{seam - 600, midY}, orb.Point{seam + 700, midY + 90}))
	parcelID := insertRow(t, srv.Pool, "parcel", "edge", wkt.MarshalString(orb.Polygon{{
		{seam - 300, midY - 400}, {seam + 250, midY - 400}, {seam + 250, midY - 200}, {seam - 300, midY - 200}, {seam - 300, midY - 400},
	}}))
	markerID := insertRow(t, srv.Pool, "marker", "in both buffers", wkt.MarshalString(orb.Point{seam + 10*unit, midY + 300}))

	westTile, _ := fetchTile(t, tileURL(srv, tms.ID, "duct,parcel,marker", z, x, y))
	eastTile, _ := fetchTile(t, tileURL(srv, tms.ID, "duct,parcel,marker", z, x+1, y))
	find := func(tile decodedTile, layer string, id int64) orb.Geometry {
		t.Helper()
		l := tile.layers[layer]
		if l == nil {
			t.Fatalf("layer %s missing from the tile", layer)
		}
		for i, f := range l.Features {
			if int64(*tile.raw[layer].Features[i].Id) == id {
				return f.Geometry
			}
		}
		t.Fatalf("feature %d missing from layer %s", id, layer)
		return nil
	}

	// The duct: in the west tile it reaches into the buffer past the seam (x > 4096),
	// in the east tile it starts in the buffer before it (x < 0), and never beyond.
	westLine, eastLine := allPoints(find(westTile, "duct", ductID)), allPoints(find(eastTile, "duct", ductID))
	maxWest, minEast := -1e9, 1e9
	for _, p := range westLine {
		maxWest = max(maxWest, p[0])
	}
	for _, p := range eastLine {
		minEast = min(minEast, p[0])
	}
	if maxWest <= 4096 || maxWest > float64(4096+buffer) {
		t.Errorf("west piece ends at x = %v, want in the buffer (4096, %d]", maxWest, 4096+buffer)
	}
	if minEast >= 0 || minEast < float64(-buffer) {
		t.Errorf("east piece starts at x = %v, want in the buffer [%d, 0)", minEast, -buffer)
	}
	// In map units the two pieces overlap across the seam.
	westEnd := toCRS(orb.Point{maxWest, 0}, west, 4096)[0]
	eastStart := toCRS(orb.Point{minEast, 0}, east, 4096)[0]
	if !(westEnd > seam && eastStart < seam) {
		t.Errorf("pieces do not overlap at the seam: west ends at %v, east starts at %v, seam %v", westEnd, eastStart, seam)
	}

	// The parcel, in each tile.
	for name, tile := range map[string]decodedTile{"west": westTile, "east": eastTile} {
		poly, ok := find(tile, "parcel", parcelID).(orb.Polygon)
		if !ok {
			t.Fatalf("%s tile: the parcel is not a polygon", name)
		}
		if a := shoelace(poly[0]); a <= 0 {
			t.Errorf("%s tile: exterior ring area %v, want positive (clockwise with y down)", name, a)
		}
		for i := 0; i+1 < len(poly[0]); i++ {
			p, q := poly[0][i], poly[0][i+1]
			if p[0] == q[0] && (p[0] == 0 || p[0] == 4096) {
				t.Errorf("%s tile: the parcel has an edge along the tile edge x = %v", name, p[0])
			}
		}
		var valid bool
		if err := srv.Pool.QueryRow(ctxT(t), "SELECT ST_IsValid(ST_GeomFromText($1))", wkt.MarshalString(poly)).Scan(&valid); err != nil || !valid {
			t.Errorf("%s tile: the parcel is not valid: %v", name, err)
		}
	}

	// The marker, 10 units east of the seam, is in both tiles, at the same place.
	westPoint := toCRS(find(westTile, "marker", markerID).(orb.Point), west, 4096)
	eastPoint := toCRS(find(eastTile, "marker", markerID).(orb.Point), east, 4096)
	if westPoint.Equal(orb.Point{}) || westPoint.X()-eastPoint.X() > unit || eastPoint.X()-westPoint.X() > unit {
		t.Errorf("marker at %v in the west tile and %v in the east tile", westPoint, eastPoint)
	}
}

// Gzip: a compressed body carries Content-Encoding and Vary; a client without gzip gets
// the same tile uncompressed; each representation has its own ETag.
func TestGzipEncoding(t *testing.T) {
	srv := testserver.Start(t)
	l, _ := srv.Catalog.Layer("duct")
	c := tilesWithData(t, srv, l, 15, 1)[0]
	for _, set := range []string{"duct", "net.duct"} {
		url := tileURL(srv, "WebMercatorQuad", set, c[0], c[1], c[2])
		for round := 1; round <= 2; round++ { // built, then from the cache
			where := fmt.Sprintf("%s (request %d)", set, round)
			zipped := get(t, url, "Accept-Encoding", "gzip")
			plain := get(t, url)
			refused := get(t, url, "Accept-Encoding", "gzip;q=0, identity")
			if zipped.status != http.StatusOK || plain.status != http.StatusOK {
				t.Fatalf("%s: status %d and %d", where, zipped.status, plain.status)
			}
			if ce := zipped.header.Get("Content-Encoding"); ce != "gzip" {
				t.Errorf("%s: Content-Encoding %q with gzip accepted", where, ce)
			}
			if !bytes.HasPrefix(zipped.body, []byte{0x1f, 0x8b}) {
				t.Errorf("%s: compressed body does not start with the gzip signature", where)
			}
			inner := gunzip(t, zipped.body)
			if bytes.HasPrefix(inner, []byte{0x1f, 0x8b}) {
				t.Errorf("%s: the body is compressed twice", where)
			}
			if !bytes.Equal(inner, plain.body) {
				t.Errorf("%s: the decompressed body differs from the uncompressed one", where)
			}
			decodeTile(t, plain.body)
			for _, r := range []response{zipped, plain, refused} {
				if ct := r.header.Get("Content-Type"); ct != tiles.MVTContentType {
					t.Errorf("%s: Content-Type %q", where, ct)
				}
				if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Encoding") {
					t.Errorf("%s: Vary %q lacks Accept-Encoding", where, r.header.Values("Vary"))
				}
				tokens := strings.Split(strings.Join(r.header.Values("Vary"), ","), ",")
				if len(tokens) != len(dedupe(r.header.Values("Vary"))) {
					t.Errorf("%s: Vary values repeated: %q", where, r.header.Values("Vary"))
				}
			}
			if ce := plain.header.Get("Content-Encoding") + refused.header.Get("Content-Encoding"); ce != "" {
				t.Errorf("%s: Content-Encoding %q without gzip accepted", where, ce)
			}
			if zipped.header.Get("ETag") == plain.header.Get("ETag") || plain.header.Get("ETag") == "" {
				t.Errorf("%s: ETags %q (gzip) and %q (plain), want two different tags", where, zipped.header.Get("ETag"), plain.header.Get("ETag"))
			}
			if cc := plain.header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("%s: Cache-Control %q, want no-cache", where, cc)
			}
		}
	}
}

func dedupe(values []string) map[string]bool {
	out := map[string]bool{}
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			out[strings.TrimSpace(p)] = true
		}
	}
	return out
}

// A revalidation with the current ETag gets 304 without a body, for each encoding.
func TestConditionalRequests(t *testing.T) {
	srv := testserver.Start(t)
	l, _ := srv.Catalog.Layer("duct")
	c := tilesWithData(t, srv, l, 15, 1)[0]
	url := tileURL(srv, "WebMercatorQuad", "duct", c[0], c[1], c[2])
	for _, enc := range []string{"gzip", ""} {
		first := get(t, url, "Accept-Encoding", enc)
		etag := first.header.Get("ETag")
		again := get(t, url, "Accept-Encoding", enc, "If-None-Match", etag)
		if again.status != http.StatusNotModified || len(again.body) != 0 || again.header.Get("ETag") != etag {
			t.Errorf("Accept-Encoding %q: revalidation answered %d with %d bytes and ETag %q", enc, again.status, len(again.body), again.header.Get("ETag"))
		}
		if stale := get(t, url, "Accept-Encoding", enc, "If-None-Match", `"0000000000000000"`); stale.status != http.StatusOK {
			t.Errorf("Accept-Encoding %q: an old ETag answered %d", enc, stale.status)
		}
	}
	empty := get(t, srv.URL+"/tiles/duct/16/0/0.mvt")
	if again := get(t, srv.URL+"/tiles/duct/16/0/0.mvt", "If-None-Match", empty.header.Get("ETag")); again.status != http.StatusNotModified {
		t.Errorf("revalidation of an empty tile answered %d", again.status)
	}
}

// CORS: preflights succeed without credentials, and every tile response, the empty 204
// ones included, carries Access-Control-Allow-Origin and exposes ETag.
func TestCORS(t *testing.T) {
	origin := "https://app.example.org"
	for _, tc := range []struct {
		name    string
		origins []string
		want    string
	}{{"any origin", []string{"*"}, "*"}, {"listed origin", []string{origin}, origin}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testserver.Start(t, func(c *config.Config) { c.Server.CORSOrigins = tc.origins })
			pre := do(t, http.MethodOptions, srv.URL+"/tiles/net.duct/14/0/0.mvt", "Origin", origin,
				"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
			if pre.status != http.StatusNoContent && pre.status != http.StatusOK {
				t.Errorf("preflight status %d", pre.status)
			}
			if got := pre.header.Get("Access-Control-Allow-Origin"); got != tc.want {
				t.Errorf("preflight Allow-Origin %q, want %q", got, tc.want)
			}
			if !strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "GET") ||
				!strings.Contains(strings.ToLower(pre.header.Get("Access-Control-Allow-Headers")), "if-none-match") ||
				pre.header.Get("Access-Control-Max-Age") == "" {
				t.Errorf("preflight headers %v", pre.header)
			}

			empty := get(t, srv.URL+"/tiles/net.duct/14/0/0.mvt", "Origin", origin)
			if empty.status != http.StatusNoContent {
				t.Errorf("empty tile status %d, want 204", empty.status)
			}
			if got := empty.header.Get("Access-Control-Allow-Origin"); got != tc.want {
				t.Errorf("204 tile Allow-Origin %q, want %q", got, tc.want)
			}
			if !strings.Contains(empty.header.Get("Access-Control-Expose-Headers"), "ETag") {
				t.Errorf("Expose-Headers %q lacks ETag", empty.header.Get("Access-Control-Expose-Headers"))
			}
			if tc.want != "*" && !dedupe(empty.header.Values("Vary"))["Origin"] {
				t.Errorf("Vary %q lacks Origin although the origin is echoed", empty.header.Values("Vary"))
			}
			missing := get(t, srv.URL+"/tiles/nothing/14/0/0.mvt", "Origin", origin)
			if missing.header.Get("Access-Control-Allow-Origin") != tc.want {
				t.Errorf("404 without Allow-Origin")
			}
		})
	}
}

// Feature ids are the integer keys, as in WFS (duct.42 is feature 42); tags keep their
// types and NULLs are left out. A layer with a text key cannot be published, so no tile
// carries a made-up id.
func TestFeatureIDsAndTypes(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	z, x, y := parisSubTile(16, 1, 0)
	b := tms.TileBounds(z, x, y)
	c := b.Center()
	id := insertDuct(t, srv.Pool, "TYPES", mercatorWKT(orb.Point{c[0] - 50, c[1]}, orb.Point{c[0] + 50, c[1] + 20}))

	tile, _ := fetchTile(t, tileURL(srv, tms.ID, "duct", z, x, y))
	raw := tile.raw["duct"]
	if raw == nil || len(raw.Features) != 1 {
		t.Fatalf("want one duct in tile %d/%d/%d, got %v", z, x, y, raw)
	}
	if got := raw.Features[0].GetId(); got != uint64(id) {
		t.Errorf("feature id %d, want the key %d", got, id)
	}
	wfs := get(t, fmt.Sprintf("%s/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESOURCEID=duct.%d&OUTPUTFORMAT=application/json", srv.URL, id))
	if !strings.Contains(string(wfs.body), fmt.Sprintf(`"duct.%d"`, id)) {
		t.Errorf("WFS does not know feature duct.%d: %.300s", id, wfs.body)
	}
	tags := featureTags(raw, 0)
	for name, want := range map[string]typedValue{
		"code":              {"string", testCodePrefix + "TYPES"},
		"inner_diameter_mm": {"uint", int64(33)},
		"outer_diameter_mm": {"uint", int64(40)},
		"min_depth_m":       {"double", 0.85},
		"available":         {"bool", true},
		"built_on":          {"string", "2024-05-06"},
		"network_category":  {"string", "COM"},
	} {
		got, ok := tags[name]
		if !ok || got != want {
			t.Errorf("tag %s = %+v (present %v), want %+v", name, got, ok, want)
		}
	}
	for _, name := range []string{"cable_count", "occupancy_pct", "user_org_id", "id"} {
		if v, ok := tags[name]; ok {
			t.Errorf("tag %s = %+v written, want it left out (NULL, or the key)", name, v)
		}
	}

	createTestTables(t)
	_, err := postgis.LoadCatalog(ctxT(t), testdb.Pool(t), []config.LayerConfig{{Name: "cable", Table: "tilestest.cable", Key: "code", Geometry: "geom"}})
	if err == nil || !strings.Contains(err.Error(), "integer") {
		t.Errorf("a layer keyed by a text column was accepted: %v", err)
	}
}

// A line smaller than one MVT unit is still in a complete tile, as a point, and below
// the complete zoom too, where it is smaller than the minimum size.
func TestTinyFeatureAtCompleteZoom(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	z, x, y := parisSubTile(15, 0, 1)
	b := tms.TileBounds(z, x, y)
	c := b.Center()
	unit := tms.TileSpan(z) / 4096
	id := insertDuct(t, srv.Pool, "TINY", mercatorWKT(c, orb.Point{c[0] + unit/5, c[1]}))

	tile, _ := fetchTile(t, tileURL(srv, tms.ID, "duct", z, x, y))
	l := tile.layers["duct"]
	if l == nil || len(l.Features) != 1 || int64(tile.raw["duct"].Features[0].GetId()) != id {
		t.Fatalf("the tiny duct is missing from the complete tile %d/%d/%d", z, x, y)
	}
	p, ok := l.Features[0].Geometry.(orb.Point)
	if !ok {
		t.Fatalf("the tiny duct is a %T, want a point", l.Features[0].Geometry)
	}
	if got := toCRS(p, b, 4096); got.X()-c.X() > unit || c.X()-got.X() > unit || got.Y()-c.Y() > unit || c.Y()-got.Y() > unit {
		t.Errorf("point at %v, want within one unit of %v", got, c)
	}
	reduced, _ := fetchTile(t, tileURL(srv, tms.ID, "duct", 13, x/4, y/4))
	if l := reduced.layers["duct"]; l == nil || len(l.Features) != 1 || int64(reduced.raw["duct"].Features[0].GetId()) != id {
		t.Fatalf("the tiny duct is missing from the reduced tile 13/%d/%d", x/4, y/4)
	} else if _, ok := l.Features[0].Geometry.(orb.Point); !ok {
		t.Errorf("at zoom 13 the tiny duct is a %T, want a point", l.Features[0].Geometry)
	}
}

// Below the minimum size, ducts are points at the centre of their bounding box. Each
// keeps its own id even when they draw the same pixel. The complete zoom has their lines.
func TestSmallFeaturesArePoints(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	_, x15, y15 := parisSubTile(15, 0, 1)
	z, x, y := 13, x15/4, y15/4
	b := tms.TileBounds(z, x, y)
	c := b.Center()
	d := tms.TileSpan(z) / 256 / 10 // a tenth of a pixel
	// The three bounding boxes have the same centre.
	want := []int64{
		insertDuct(t, srv.Pool, "SMALL-A", mercatorWKT(orb.Point{c[0] - d, c[1]}, orb.Point{c[0] + d, c[1]})),
		insertDuct(t, srv.Pool, "SMALL-B", mercatorWKT(orb.Point{c[0], c[1] - d}, orb.Point{c[0], c[1] + d})),
		insertDuct(t, srv.Pool, "SMALL-C", mercatorWKT(orb.Point{c[0] - d, c[1] - d}, orb.Point{c[0] + d, c[1] + d})),
	}

	tile, _ := fetchTile(t, tileURL(srv, tms.ID, "duct", z, x, y))
	var got []int64
	if l := tile.layers["duct"]; l != nil {
		for i, f := range l.Features {
			id := int64(tile.raw["duct"].Features[i].GetId())
			got = append(got, id)
			p, ok := f.Geometry.(orb.Point)
			if !ok {
				t.Errorf("zoom %d: duct %d is a %T, want a point", z, id, f.Geometry)
				continue
			}
			// The server finds the centre in Lambert-93: allow a fifth of a pixel.
			if q := toCRS(p, b, 4096); math.Abs(q[0]-c[0]) > 2*d || math.Abs(q[1]-c[1]) > 2*d {
				t.Errorf("zoom %d: duct %d is at %v, want the centre of its box %v", z, id, q, c)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("zoom %d tile contains ducts %v, want %v", z, got, want)
	}
	// At zoom 15, which is complete, each duct is a line in the tiles under the zoom 13 tile.
	var lines []int64
	for dx := 0; dx < 4; dx++ {
		for dy := 0; dy < 4; dy++ {
			tile, _ := fetchTile(t, tileURL(srv, tms.ID, "duct", 15, x*4+dx, y*4+dy))
			if l := tile.layers["duct"]; l != nil {
				for i, f := range l.Features {
					if _, ok := f.Geometry.(orb.LineString); ok {
						lines = append(lines, int64(tile.raw["duct"].Features[i].GetId()))
					}
				}
			}
		}
	}
	slices.Sort(lines)
	if lines = slices.Compact(lines); !slices.Equal(lines, want) {
		t.Errorf("zoom 15 tiles contain the lines of ducts %v, want %v", lines, want)
	}
}

// Layers closed to anonymous callers are not served to them as tiles or TileJSON, nor
// listed, nor reachable through a group or a comma list.
func TestClosedLayerNeedsCredentials(t *testing.T) {
	closed := false
	srv := testserver.Start(t, func(c *config.Config) {
		for i := range c.Layers {
			if c.Layers[i].Name == "duct" {
				c.Layers[i].AnonymousRead = &closed
			}
		}
	})
	for _, path := range []string{"/tiles/duct/16/0/0.mvt", "/tiles/networks/16/0/0.mvt", "/tiles/route,duct/16/0/0.mvt", "/tiles/duct.json"} {
		resp := get(t, srv.URL+path)
		if resp.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", path, resp.status)
		}
		if resp.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", path)
		}
	}
	if resp := get(t, srv.URL+"/tiles/route/16/0/0.mvt"); resp.status != http.StatusNoContent {
		t.Errorf("an open layer answered %d", resp.status)
	}
	index := string(get(t, srv.URL+"/tiles").body)
	if strings.Contains(index, `"name": "duct"`) || strings.Contains(index, `"name": "networks"`) {
		t.Error("the index lists a layer or group closed to anonymous callers")
	}
	if !strings.Contains(index, `"name": "route"`) {
		t.Error("the index lacks an open layer")
	}
}

// A line of a layer in EPSG:4326 next to the antimeridian stays a line below the
// complete zoom. The tile's buffer crosses ±180°, and its pixels must still be measured
// at the tile, not across the whole world.
func TestLineAtAntimeridianStaysALine(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	var id int64
	err := srv.Pool.QueryRow(ctxT(t), `INSERT INTO osm.power_line (osm_id, source, geom)
		VALUES (-1, 'tilestest', ST_GeomFromText('LINESTRING(-179.9 0.2, -179.7 0.5, -179.5 0.3)', 4326)) RETURNING id`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := srv.Pool.Exec(context.Background(), "DELETE FROM osm.power_line WHERE id = $1", id); err != nil {
			t.Errorf("delete the test line: %v", err)
		}
	})
	// Zoom 8 is below the layer's complete zoom (12), where lines under 2 pixels are points.
	tile, _ := fetchTile(t, tileURL(srv, tms.ID, "osm_power_line", 8, 0, 127))
	l := tile.layers["osm_power_line"]
	if l == nil || len(l.Features) != 1 || int64(tile.raw["osm_power_line"].Features[0].GetId()) != id {
		t.Fatalf("the test line is not the only feature of tile 8/0/127")
	}
	if _, ok := l.Features[0].Geometry.(orb.LineString); !ok {
		t.Errorf("the test line, 0.4° long, is a %T in tile 8/0/127, want a line", l.Features[0].Geometry)
	}
}

package tiles_test

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/tiles"
)

// stableRows selects the rows that no test writes: rows written through the server get
// source 'wfs-t', and the rows of this package's tests 'tilestest'. Other packages'
// tests may add features to the shared test database while these tests compare tiles
// with it.
const stableRows = "t.source NOT IN ('wfs-t', 'tilestest')"

// expectation is what one layer of a tile must hold.
type expectation struct {
	layer    *feature.Layer
	fields   []string
	complete bool
	// simplifyPx and minSizePx are the reduction of the tile's zoom.
	simplifyPx, minSizePx float64
	buffer                int
}

// expectationFor returns what the configuration promises for layer at WebMercatorQuad
// zoom.
func expectationFor(t *testing.T, srv *testserver.Server, layer string, zoom int) expectation {
	t.Helper()
	l, ok := srv.Catalog.Layer(layer)
	if !ok {
		t.Fatalf("layer %s is not published", layer)
	}
	e := expectation{layer: l, complete: true, buffer: srv.Config.Tiles.Buffer}
	for _, f := range l.Fields {
		e.fields = append(e.fields, f.Column)
	}
	for _, tl := range srv.Config.Tiles.Layers {
		if tl.Name != layer {
			continue
		}
		if len(tl.Fields) > 0 {
			e.fields = tl.Fields
		}
		if tl.Buffer != nil {
			e.buffer = *tl.Buffer
		}
		if zoom >= max(tl.CompleteZoom, tl.MinZoom) {
			break
		}
		e.complete = false
		for _, r := range tl.Reduce {
			if zoom <= r.MaxZoom {
				e.fields, e.simplifyPx, e.minSizePx = r.Fields, r.SimplifyPx, r.MinSizePx
				break
			}
		}
	}
	return e
}

// tilesWithData returns up to n WebMercatorQuad tiles at zoom z that hold features of
// layer, taken from the features' positions in id order.
func tilesWithData(t *testing.T, srv *testserver.Server, l *feature.Layer, z, n int) [][3]int {
	t.Helper()
	sql := fmt.Sprintf(`SELECT ST_X(p), ST_Y(p) FROM (
		SELECT ST_Transform(ST_PointOnSurface(t.%[1]s), 3857) AS p FROM %[2]s t WHERE %[3]s ORDER BY t.%[4]s LIMIT 2000) s`,
		pgx.Identifier{l.Geometry}.Sanitize(), pgx.Identifier{l.Schema, l.Table}.Sanitize(), stableRows, pgx.Identifier{l.Key}.Sanitize())
	rows, err := srv.Pool.Query(ctxT(t), sql)
	if err != nil {
		t.Fatal(err)
	}
	points, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (orb.Point, error) {
		var p orb.Point
		err := r.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[3]int]bool{}
	var out [][3]int
	// Spread the picks over the table: every k-th feature.
	step := max(1, len(points)/(4*n))
	for i := 0; i < len(points) && len(out) < n; i += step {
		x, y := webMercatorTile(z, points[i])
		k := [3]int{z, x, y}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		t.Fatalf("layer %s has no features: load the data with `fourreau load`", l.Name)
	}
	return out
}

// dbRow is what the database holds for one feature of a tile.
type dbRow struct {
	source   string
	inTile   bool
	inBuffer bool
	values   map[string]*string
	// sizePx is the larger side of the feature's bounding box in the tile matrix set's
	// CRS, in pixels of the tile's zoom; points have 0.
	sizePx    float64
	dimension int
	// centre is the centre of the feature's bounding box, in MVT units of the tile.
	centre orb.Point
}

// readRows returns the database rows of ids, with where they lie relative to the tile.
func readRows(t *testing.T, srv *testserver.Server, e expectation, tms *tiles.TileMatrixSet, bounds orb.Bound, ids []int64) map[int64]dbRow {
	t.Helper()
	l := e.layer
	span := bounds.Max[0] - bounds.Min[0]
	sql := fmt.Sprintf(`SELECT t.%[1]s, t.source,
		ST_Intersects(g, ST_MakeEnvelope($2, $3, $4, $5, $6)),
		ST_Intersects(g, ST_Expand(ST_MakeEnvelope($2, $3, $4, $5, $6), $7::float8)),
		greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)) / $8::float8,
		ST_Dimension(g),
		((ST_XMin(g) + ST_XMax(g)) / 2 - $2) / $8::float8 * 16,
		($5 - (ST_YMin(g) + ST_YMax(g)) / 2) / $8::float8 * 16`, pgx.Identifier{l.Key}.Sanitize())
	for _, f := range e.fields {
		sql += ", t." + pgx.Identifier{f}.Sanitize() + "::text"
	}
	sql += fmt.Sprintf(" FROM (SELECT *, ST_Transform(%s, $6::integer) AS g FROM %s) t WHERE t.%s = ANY($1)",
		pgx.Identifier{l.Geometry}.Sanitize(), pgx.Identifier{l.Schema, l.Table}.Sanitize(), pgx.Identifier{l.Key}.Sanitize())
	rows, err := srv.Pool.Query(ctxT(t), sql, ids, bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1], tms.SRID,
		span*float64(e.buffer)/4096, span/256)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]dbRow{}
	for rows.Next() {
		var id int64
		r := dbRow{values: map[string]*string{}}
		dest := []any{&id, &r.source, &r.inTile, &r.inBuffer, &r.sizePx, &r.dimension, &r.centre[0], &r.centre[1]}
		vals := make([]*string, len(e.fields))
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		for i, f := range e.fields {
			r.values[f] = vals[i]
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// idsInTile returns the stable features of the layer that intersect the tile.
func idsInTile(t *testing.T, srv *testserver.Server, l *feature.Layer, tms *tiles.TileMatrixSet, bounds orb.Bound) []int64 {
	t.Helper()
	sql := fmt.Sprintf(`SELECT t.%s FROM %s t WHERE %s AND ST_Intersects(ST_Transform(t.%s, $5::integer), ST_MakeEnvelope($1, $2, $3, $4, $5))`,
		pgx.Identifier{l.Key}.Sanitize(), pgx.Identifier{l.Schema, l.Table}.Sanitize(), stableRows, pgx.Identifier{l.Geometry}.Sanitize())
	rows, err := srv.Pool.Query(ctxT(t), sql, bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1], tms.SRID)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkLayer compares one layer of a decoded tile with the database.
func checkLayer(t *testing.T, srv *testserver.Server, tile decodedTile, tms *tiles.TileMatrixSet, z, x, y int, e expectation) {
	t.Helper()
	name := e.layer.Name
	where := fmt.Sprintf("%s %s %d/%d/%d", name, tms.ID, z, x, y)
	bounds := tms.TileBounds(z, x, y)
	extent := float64(srv.Config.Tiles.Extent)
	ml, raw := tile.layers[name], tile.raw[name]
	var ids []int64
	if ml != nil {
		if ml.Extent != uint32(extent) || raw.GetVersion() != 2 {
			t.Errorf("%s: extent %d, version %d; want %v and 2", where, ml.Extent, raw.GetVersion(), extent)
		}
		for i := range raw.Features {
			if raw.Features[i].Id == nil {
				t.Errorf("%s: feature %d has no id", where, i)
				continue
			}
			ids = append(ids, int64(*raw.Features[i].Id))
		}
	}
	rows := readRows(t, srv, e, tms, bounds, ids)

	// At every zoom, complete or reduced, every feature that intersects the tile is there.
	for _, id := range idsInTile(t, srv, e.layer, tms, bounds) {
		if !slices.Contains(ids, id) {
			t.Errorf("%s: feature %d intersects the tile but is missing", where, id)
		}
	}

	for i, id := range ids {
		row, ok := rows[id]
		if !ok {
			t.Errorf("%s: feature id %d is not a key of %s.%s", where, id, e.layer.Schema, e.layer.Table)
			continue
		}
		if row.source == "wfs-t" || row.source == "tilestest" {
			continue // written by a test meanwhile
		}
		if !row.inBuffer {
			t.Errorf("%s: feature %d lies outside the tile and its buffer", where, id)
		}
		checkValues(t, where, id, e, row, featureTags(raw, i))
		g := ml.Features[i].Geometry
		for _, p := range allPoints(g) {
			lim := float64(e.buffer) + 1
			if p[0] < -lim || p[1] < -lim || p[0] > extent+lim || p[1] > extent+lim {
				t.Errorf("%s: feature %d has vertex %v outside the tile plus its buffer of %d", where, id, p, e.buffer)
				break
			}
		}
		_, isPoint := g.(orb.Point)
		if !e.complete && e.minSizePx > 0 && row.dimension > 0 && row.sizePx < 0.9*e.minSizePx {
			if p, ok := g.(orb.Point); !ok {
				t.Errorf("%s: feature %d is %.2f pixels across, below the minimum size of %v, but not a point", where, id, row.sizePx, e.minSizePx)
			} else if d := math.Hypot(p[0]-row.centre[0], p[1]-row.centre[1]); d > 2 {
				t.Errorf("%s: feature %d is a point %.1f MVT units from the centre of its box", where, id, d)
			}
		}
		if !e.complete && row.dimension > 0 && row.sizePx > 1.1*e.minSizePx && row.sizePx > 0.1 && isPoint {
			t.Errorf("%s: feature %d is %.2f pixels across, above the minimum size of %v, but written as a point", where, id, row.sizePx, e.minSizePx)
		}
		if row.inTile {
			checkGeometry(t, srv, where, id, e, tms, bounds, g, extent)
		}
	}

}

// checkValues compares a feature's tags with the database row: the configured fields
// only, NULLs left out, and each value with the MVT type of its column.
func checkValues(t *testing.T, where string, id int64, e expectation, row dbRow, tags map[string]typedValue) {
	t.Helper()
	for key := range tags {
		if !slices.Contains(e.fields, key) {
			t.Errorf("%s: feature %d has tag %q, which the zoom does not keep (fields %v)", where, id, key, e.fields)
		}
	}
	for _, name := range e.fields {
		dbValue := row.values[name]
		tag, present := tags[name]
		if dbValue == nil {
			if present {
				t.Errorf("%s: feature %d: NULL %s written as %v", where, id, name, tag.value)
			}
			continue
		}
		if !present {
			t.Errorf("%s: feature %d: %s = %q is missing", where, id, name, *dbValue)
			continue
		}
		f, _ := e.layer.Field(name)
		switch f.Kind {
		case feature.KindInt, feature.KindLong:
			want, _ := strconv.ParseInt(*dbValue, 10, 64)
			if (tag.kind != "int" && tag.kind != "uint" && tag.kind != "sint") || tag.value.(int64) != want {
				t.Errorf("%s: feature %d: %s = %s %v, want integer %d", where, id, name, tag.kind, tag.value, want)
			}
		case feature.KindDecimal, feature.KindFloat:
			want, _ := strconv.ParseFloat(*dbValue, 64)
			got, isFloat := tag.value.(float64)
			if (tag.kind != "double" && tag.kind != "float") || !isFloat || math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: feature %d: %s = %s %v, want number %v", where, id, name, tag.kind, tag.value, want)
			}
		case feature.KindBool:
			if tag.kind != "bool" || tag.value.(bool) != (*dbValue == "true") {
				t.Errorf("%s: feature %d: %s = %s %v, want boolean %s", where, id, name, tag.kind, tag.value, *dbValue)
			}
		case feature.KindDateTime:
			if tag.kind != "string" {
				t.Errorf("%s: feature %d: %s is %s, want a string", where, id, name, tag.kind)
			}
		default:
			if tag.kind != "string" || tag.value.(string) != *dbValue {
				t.Errorf("%s: feature %d: %s = %s %v, want string %q", where, id, name, tag.kind, tag.value, *dbValue)
			}
		}
	}
}

// checkGeometry compares a decoded geometry with the database geometry, both ways:
// every decoded vertex lies near the database geometry, and every point of the
// database geometry inside the tile lies near the decoded geometry. "Near" is the
// rounding to the MVT grid, plus the simplification tolerance of reduced zooms.
func checkGeometry(t *testing.T, srv *testserver.Server, where string, id int64, e expectation, tms *tiles.TileMatrixSet,
	bounds orb.Bound, g orb.Geometry, extent float64) {
	t.Helper()
	unit := (bounds.Max[0] - bounds.Min[0]) / extent
	tolerance := 1.5 + e.simplifyPx*extent/256
	decoded := wkt.MarshalString(geometryToCRS(g, bounds, extent))
	l := e.layer
	var toDB, fromDB *float64
	var dbDimension int
	sql := fmt.Sprintf(`SELECT (SELECT max(ST_Distance(p.geom, g)) FROM ST_DumpPoints(d) p),
	           (SELECT max(ST_Distance(p.geom, d)) FROM ST_DumpPoints(ST_Segmentize(ST_ClipByBox2D(g, env), $8::float8)) p),
	           ST_Dimension(g)
	      FROM (SELECT ST_Transform(t.%s, $6::integer) AS g, ST_GeomFromText($1, $6) AS d,
	                   ST_MakeEnvelope($2, $3, $4, $5, $6) AS env
	              FROM %s t WHERE t.%s = $7) s`,
		pgx.Identifier{l.Geometry}.Sanitize(), pgx.Identifier{l.Schema, l.Table}.Sanitize(), pgx.Identifier{l.Key}.Sanitize())
	err := srv.Pool.QueryRow(ctxT(t), sql, decoded, bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1], tms.SRID, id, 4*unit).
		Scan(&toDB, &fromDB, &dbDimension)
	if err != nil {
		t.Fatalf("%s: feature %d: compare geometries: %v", where, id, err)
	}
	if _, isPoint := g.(orb.Point); isPoint && dbDimension > 0 {
		// A line or polygon smaller than one MVT unit, or below the zoom's minimum size,
		// written as a point: checkLayer checks its size.
		fromDB = nil
	}
	if toDB != nil && *toDB/unit > tolerance {
		t.Errorf("%s: feature %d: a decoded vertex lies %.2f MVT units from the database geometry, more than %.2f",
			where, id, *toDB/unit, tolerance)
	}
	if fromDB != nil && *fromDB/unit > tolerance {
		t.Errorf("%s: feature %d: the database geometry inside the tile lies %.2f MVT units from the decoded one, more than %.2f",
			where, id, *fromDB/unit, tolerance)
	}
}

func TestTilesMatchDatabaseAtCompleteZoom(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	for _, tl := range config.DefaultTileLayers() {
		t.Run(tl.Name, func(t *testing.T) {
			l, _ := srv.Catalog.Layer(tl.Name)
			for _, z := range []int{max(tl.CompleteZoom, tl.MinZoom), max(tl.CompleteZoom, tl.MinZoom) + 2} {
				e := expectationFor(t, srv, tl.Name, z)
				if !e.complete {
					t.Fatalf("zoom %d of %s is not complete", z, tl.Name)
				}
				for _, c := range tilesWithData(t, srv, l, z, 3) {
					tile, _ := fetchTile(t, tileURL(srv, tms.ID, tl.Name, c[0], c[1], c[2]))
					if len(tile.layers[tl.Name].Features) == 0 {
						t.Errorf("tile %v of %s is empty", c, tl.Name)
					}
					checkLayer(t, srv, tile, tms, c[0], c[1], c[2], e)
				}
			}
		})
	}
}

func TestTilesMatchDatabaseAtReducedZoom(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	for _, tc := range []struct {
		layer string
		zoom  int
	}{{"duct", 12}, {"duct", 14}, {"route", 12}, {"network_link", 11}, {"technical_point", 14}, {"planned_works", 10}} {
		t.Run(tc.layer+"/"+strconv.Itoa(tc.zoom), func(t *testing.T) {
			l, _ := srv.Catalog.Layer(tc.layer)
			e := expectationFor(t, srv, tc.layer, tc.zoom)
			if e.complete {
				t.Fatalf("zoom %d of %s is complete", tc.zoom, tc.layer)
			}
			for _, c := range tilesWithData(t, srv, l, tc.zoom, 2) {
				tile, _ := fetchTile(t, tileURL(srv, tms.ID, tc.layer, c[0], c[1], c[2]))
				checkLayer(t, srv, tile, tms, c[0], c[1], c[2], e)
			}
		})
	}
}

func TestSimplificationDropsVertices(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	l, _ := srv.Catalog.Layer("duct")
	// The same area at zoom 14 (reduced: simplified by 0.5 pixel) and zoom 15 (complete).
	c := tilesWithData(t, srv, l, 14, 1)[0]
	reduced, _ := fetchTile(t, tileURL(srv, tms.ID, "duct", 14, c[1], c[2]))
	vertices := map[uint64]int{}
	for i, f := range reduced.layers["duct"].Features {
		vertices[*reduced.raw["duct"].Features[i].Id] = len(allPoints(f.Geometry))
	}
	fewer := 0
	for dx := 0; dx < 2; dx++ {
		for dy := 0; dy < 2; dy++ {
			full, _ := fetchTile(t, tileURL(srv, tms.ID, "duct", 15, 2*c[1]+dx, 2*c[2]+dy))
			if full.layers["duct"] == nil {
				continue
			}
			for i, f := range full.layers["duct"].Features {
				n, ok := vertices[*full.raw["duct"].Features[i].Id]
				if ok && n < len(allPoints(f.Geometry)) {
					fewer++
				}
			}
		}
	}
	if fewer == 0 {
		t.Error("no duct has fewer vertices at zoom 14 than at zoom 15")
	}
}

func TestLambert93TilesMatchDatabase(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.Lambert93Quad()
	for _, layer := range []string{"duct", "technical_point", "planned_works"} {
		t.Run(layer, func(t *testing.T) {
			l, _ := srv.Catalog.Layer(layer)
			var points []orb.Point
			sql := fmt.Sprintf("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM %s t WHERE %s ORDER BY id LIMIT 3) s",
				pgx.Identifier{l.Schema, l.Table}.Sanitize(), stableRows)
			rows, err := srv.Pool.Query(ctxT(t), sql)
			if err != nil {
				t.Fatal(err)
			}
			points, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (orb.Point, error) {
				var p orb.Point
				return p, r.Scan(&p[0], &p[1])
			})
			if err != nil || len(points) == 0 {
				t.Fatalf("no %s features: %v", layer, err)
			}
			for _, level := range []int{11, 13} {
				e := expectationFor(t, srv, layer, tms.Zoom(level))
				for _, p := range points {
					r, _ := tms.Range(level, orb.Bound{Min: p, Max: p}, 0)
					tile, _ := fetchTile(t, tileURL(srv, tms.ID, layer, level, r.MaxX, r.MaxY))
					if tile.layers[layer] == nil {
						t.Errorf("level %d tile %d/%d of %s is empty", level, r.MaxX, r.MaxY, layer)
						continue
					}
					checkLayer(t, srv, tile, tms, level, r.MaxX, r.MaxY, e)
				}
			}
		})
	}
}

func TestGroupAndListTiles(t *testing.T) {
	srv := testserver.Start(t)
	tms := tiles.WebMercatorQuad()
	l, _ := srv.Catalog.Layer("technical_point")
	c := tilesWithData(t, srv, l, 16, 1)[0]

	group, _ := fetchTile(t, tileURL(srv, tms.ID, "networks", c[0], c[1], c[2]))
	var want []string
	for _, name := range []string{"planned_works", "route", "duct", "network_link", "technical_point"} {
		single, _ := fetchTile(t, tileURL(srv, tms.ID, name, c[0], c[1], c[2]))
		if single.layers[name] == nil {
			continue
		}
		want = append(want, name)
		if got, exp := len(group.layers[name].Features), len(single.layers[name].Features); got != exp {
			t.Errorf("group tile: %s has %d features, its own tile %d", name, got, exp)
		}
	}
	if !slices.Equal(group.order, want) {
		t.Errorf("group tile layers %v, want %v in the group's order", group.order, want)
	}

	list, _ := fetchTile(t, tileURL(srv, tms.ID, "technical_point,net:duct", c[0], c[1], c[2]))
	if !slices.Equal(list.order, []string{"technical_point", "duct"}) {
		t.Errorf("comma list tile layers %v, want [technical_point duct]", list.order)
	}
	short := get(t, fmt.Sprintf("%s/tiles/technical_point/%d/%d/%d.mvt", srv.URL, c[0], c[1], c[2]))
	long := get(t, tileURL(srv, tms.ID, "technical_point", c[0], c[1], c[2]))
	if short.status != http.StatusOK || string(short.body) != string(long.body) {
		t.Errorf("the short form answers %d with %d bytes, the long form %d bytes", short.status, len(short.body), len(long.body))
	}
	// OGC API - Tiles orders the row (y) before the column (x).
	ogc := get(t, fmt.Sprintf("%s/collections/technical_point/tiles/%s/%d/%d/%d", srv.URL, tms.ID, c[0], c[2], c[1]))
	if ogc.status != http.StatusOK || string(ogc.body) != string(long.body) {
		t.Errorf("the OGC API path answers %d with %d bytes, the long form %d bytes", ogc.status, len(ogc.body), len(long.body))
	}
}

func TestTileErrors(t *testing.T) {
	srv := testserver.Start(t)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/tiles/WebMercatorQuad/duct/3/8/0.mvt", http.StatusNotFound},
		{"/tiles/WebMercatorQuad/duct/25/0/0.mvt", http.StatusNotFound},
		{"/tiles/Lambert93Quad/duct/19/0/0.mvt", http.StatusNotFound},
		{"/tiles/Mercator/duct/1/0/0.mvt", http.StatusNotFound},
		{"/tiles/nothing/1/0/0.mvt", http.StatusNotFound},
		{"/tiles/duct,duct/1/0/0.mvt", http.StatusNotFound},
		{"/tiles/duct/99999999999999999999/0/0.mvt", http.StatusNotFound},
		// Below the layer's minimum zoom and far from any data: empty tiles.
		{"/tiles/duct/3/0/0.mvt", http.StatusNoContent},
		{"/tiles/WebMercatorQuad/duct/16/0/0.mvt", http.StatusNoContent},
	} {
		resp := get(t, srv.URL+tc.path)
		if resp.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.path, resp.status, tc.status, resp.body)
		}
		if tc.status == http.StatusNotFound && resp.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: error content type %q", tc.path, resp.header.Get("Content-Type"))
		}
		if tc.status == http.StatusNoContent && (len(resp.body) != 0 || resp.header.Get("ETag") == "") {
			t.Errorf("%s: empty tile with %d bytes, ETag %q", tc.path, len(resp.body), resp.header.Get("ETag"))
		}
	}
}

package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/pkg/feature"
)

// Tile implements feature.TileSource: one statement builds every layer of the tile with
// ST_AsMVTGeom and ST_AsMVT.
func (s *Store) Tile(ctx context.Context, q *feature.TileQuery) ([]byte, error) {
	sql, args := TileSQL(q)
	var tile []byte
	if err := s.pool.QueryRow(ctx, sql, args...).Scan(&tile); err != nil {
		return nil, queryError(err)
	}
	return tile, nil
}

// TileSQL returns the statement that builds tile q, with its arguments. Its result is one
// bytea: the layers' ST_AsMVT encodings concatenated, which is a valid tile because a
// tile is a sequence of layer messages.
func TileSQL(q *feature.TileQuery) (string, []any) {
	b := &builder{}
	b.sql.WriteString("SELECT ")
	bounds := []string{b.arg(q.Bounds.Min[0]), b.arg(q.Bounds.Min[1]), b.arg(q.Bounds.Max[0]), b.arg(q.Bounds.Max[1])}
	srid := b.arg(q.SRID)
	tile := fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, %s::integer)", bounds[0], bounds[1], bounds[2], bounds[3], srid)
	extent := b.arg(q.Extent)
	if len(q.Layers) == 0 {
		b.sql.WriteString("''::bytea")
	}
	for i := range q.Layers {
		if i > 0 {
			b.sql.WriteString(" || ")
		}
		writeTileLayer(b, q, &q.Layers[i], tile, srid, extent)
	}
	return b.sql.String(), b.args
}

// writeTileLayer writes the subquery that encodes one layer of the tile.
//
// The rows are selected with the spatial index: the tile plus its buffer, transformed
// to the layer's CRS when it differs from the tile matrix set's. The envelope is
// densified before the transformation, because the image of a rectangle's corners
// does not bound the image of its edges, and widened by 1 % for the curvature left
// between the densified points.
func writeTileLayer(b *builder, q *feature.TileQuery, tl *feature.TileLayer, tile, srid, extent string) {
	l := tl.Layer
	width := q.Bounds.Max[0] - q.Bounds.Min[0]
	bufferUnits := width * float64(tl.Buffer) / float64(q.Extent)
	clip := fmt.Sprintf("ST_Expand(%s, %s::float8)", tile, b.arg(bufferUnits))
	// px_x and px_y are the width and height of a pixel (1/256 of the tile) in the
	// layer's CRS, measured at the tile's centre. They differ in a geographic CRS. The
	// width of the whole transformed area would not do: where the buffer crosses the
	// antimeridian, that area spans the whole world.
	// NOTE: at low zooms the scale changes across a tile, so for features far from its
	// centre the pixel size, and with it the minimum size test, is only approximate.
	var env, pixel, probe string
	if l.SRID == q.SRID {
		env = clip
		p := b.arg(width/256) + "::float8"
		pixel = p + " AS px_x, " + p + " AS px_y"
	} else {
		env = fmt.Sprintf("(SELECT ST_Expand(x, greatest(ST_XMax(x) - ST_XMin(x), ST_YMax(x) - ST_YMin(x)) / 100) FROM (SELECT ST_Transform(ST_Segmentize(%s, %s::float8), %s::integer) AS x) d)",
			clip, b.arg((width+2*bufferUnits)/16), b.arg(l.SRID))
		// The probe is a line from the tile's centre to one pixel east, then to one pixel
		// north of the centre, transformed once into the layer's CRS.
		c, step := q.Bounds.Center(), width/256
		point := func(x, y float64) string {
			return fmt.Sprintf("ST_MakePoint(%s::float8, %s::float8)", b.arg(x), b.arg(y))
		}
		probe = fmt.Sprintf(", ST_Transform(ST_SetSRID(ST_MakeLine(ARRAY[%s, %s, %s]), %s::integer), %s::integer) AS probe",
			point(c[0], c[1]), point(c[0]+step, c[1]), point(c[0], c[1]+step), srid, b.arg(l.SRID))
		pixel = "ST_Distance(ST_PointN(probe, 1), ST_PointN(probe, 2)) AS px_x, ST_Distance(ST_PointN(probe, 1), ST_PointN(probe, 3)) AS px_y"
	}

	key := ident(l.Key)
	geomAlias := uniqueAlias("mvt_geom", tl.Fields, l.Key)
	geomCol := "t." + ident(l.Geometry)
	raw := geomCol
	if l.SRID != q.SRID {
		raw = fmt.Sprintf("ST_Transform(%s, %s::integer)", raw, srid)
	}
	g := raw
	if tl.SimplifyPx > 0 && !isPointType(l.GeometryType) {
		g = fmt.Sprintf("ST_Simplify(%s, %s::float8 * least(q.px_x, q.px_y), true)", geomCol, b.arg(tl.SimplifyPx))
		if l.SRID != q.SRID {
			g = fmt.Sprintf("ST_Transform(%s, %s::integer)", g, srid)
		}
	}
	buffer, clipFlag := b.arg(tl.Buffer), b.arg(tl.Clip)
	mvtGeom := fmt.Sprintf("ST_AsMVTGeom(%s, q.tile::box2d, %s::integer, %s::integer, %s::boolean)", g, extent, buffer, clipFlag)
	if !isPointType(l.GeometryType) {
		// A line or polygon smaller than one MVT unit collapses to nothing on the integer
		// grid. The tile still carries it, as a point on its clipped geometry.
		point := fmt.Sprintf("ST_AsMVTGeom(ST_PointOnSurface(ST_ClipByBox2D(%s, q.clip::box2d)), q.tile::box2d, %s::integer, %s::integer, %s::boolean)",
			raw, extent, buffer, clipFlag)
		mvtGeom = "coalesce(" + mvtGeom + ", " + point + ")"
		if tl.MinSizePx > 0 {
			// Below the minimum size, a line or polygon is a point at the centre of its
			// bounding box. The box2d casts read the bounding box stored with the
			// geometry, where ST_XMin and the like would decode the whole geometry.
			bb := geomCol + "::box2d"
			minSize := b.arg(tl.MinSizePx) + "::float8"
			centre := fmt.Sprintf("ST_SetSRID(ST_MakePoint((ST_XMin(%[1]s) + ST_XMax(%[1]s)) / 2, (ST_YMin(%[1]s) + ST_YMax(%[1]s)) / 2), %[2]s::integer)", bb, b.arg(l.SRID))
			if l.SRID != q.SRID {
				centre = fmt.Sprintf("ST_Transform(%s, %s::integer)", centre, srid)
			}
			mvtGeom = fmt.Sprintf("CASE WHEN ST_XMax(%[1]s) - ST_XMin(%[1]s) < %[2]s * q.px_x AND ST_YMax(%[1]s) - ST_YMin(%[1]s) < %[2]s * q.px_y THEN ST_AsMVTGeom(%[3]s, q.tile::box2d, %[4]s::integer, %[5]s::integer, %[6]s::boolean) ELSE %[7]s END",
				bb, minSize, centre, extent, buffer, clipFlag, mvtGeom)
		}
	}

	b.sql.WriteString("coalesce((SELECT ST_AsMVT(m, " + b.arg(tl.Name) + "::text, " + extent + "::integer, " +
		b.arg(geomAlias) + "::text, " + b.arg(l.Key) + "::text ORDER BY m." + key + ") FROM (SELECT t." + key + ", " +
		mvtGeom + " AS " + ident(geomAlias))
	for _, f := range tl.Fields {
		b.sql.WriteString(", " + tileFieldExpr(f) + " AS " + ident(f.Column))
	}
	b.sql.WriteString(" FROM " + tableOf(l) + " AS t, (SELECT tile, clip, env, " + pixel + " FROM (SELECT " +
		tile + " AS tile, " + clip + " AS clip, " + env + " AS env" + probe + ") e) q WHERE " + geomCol + " && q.env")
	// ST_AsMVT skips rows whose geometry is NULL, so no filter on it is needed, and one
	// would cost twice: PostgreSQL flattens the subquery and evaluates the ST_AsMVTGeom
	// expression once in the filter and once more in the row.
	b.sql.WriteString(") m), ''::bytea)")
}

// tileFieldExpr returns the SQL that reads a field with the MVT value type it is written
// as. ST_AsMVT writes booleans, integers and floating-point numbers with their own
// value types and every other type as a string. Numeric becomes a double so that
// decimals stay numbers. Dates and times take the form WFS writes.
func tileFieldExpr(f *feature.Field) string {
	col := "t." + ident(f.Column)
	switch f.Kind {
	case feature.KindInt, feature.KindLong, feature.KindFloat, feature.KindBool:
		return col
	case feature.KindDecimal:
		return col + "::float8"
	case feature.KindDateTime:
		if strings.HasPrefix(f.DBType, "timestamp with time zone") {
			return "to_char(" + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
		}
		return "to_char(" + col + `, 'YYYY-MM-DD"T"HH24:MI:SS.US')`
	default:
		// text, dates (ISO with the pool's DateStyle), uuid, arrays; jsonb too, which
		// ST_AsMVT would otherwise spread into one attribute per key.
		return col + "::text"
	}
}

func isPointType(geometryType string) bool {
	return geometryType == "Point" || geometryType == "MultiPoint"
}

// uniqueAlias returns base, followed by underscores if needed, so that it names no field
// and not the key.
func uniqueAlias(base string, fields []*feature.Field, key string) string {
	alias := base
	for {
		taken := alias == key
		for _, f := range fields {
			taken = taken || f.Column == alias
		}
		if !taken {
			return alias
		}
		alias += "_"
	}
}

// TransformBounds implements feature.TileSource. Each box is densified before the
// transformation, so that the result bounds the transformed area and not only its
// corners.
func (s *Store) TransformBounds(ctx context.Context, boxes []orb.Bound, from, to int) ([]orb.Bound, error) {
	if from == to {
		return append([]orb.Bound(nil), boxes...), nil
	}
	xmin, ymin, xmax, ymax := make([]float64, len(boxes)), make([]float64, len(boxes)), make([]float64, len(boxes)), make([]float64, len(boxes))
	for i, bx := range boxes {
		xmin[i], ymin[i], xmax[i], ymax[i] = bx.Min[0], bx.Min[1], bx.Max[0], bx.Max[1]
	}
	const sql = `
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
  FROM (SELECT ST_Transform(ST_Segmentize(g, greatest(ST_XMax(g) - ST_XMin(g), ST_YMax(g) - ST_YMin(g)) / 16), $6::integer)::box2d AS e, n
          FROM (SELECT ST_Expand(ST_MakeEnvelope(x0, y0, x1, y1, $5::integer), 1e-6) AS g, n
                  FROM unnest($1::float8[], $2::float8[], $3::float8[], $4::float8[]) WITH ORDINALITY AS b(x0, y0, x1, y1, n)) s) t
 ORDER BY n`
	rows, err := s.pool.Query(ctx, sql, xmin, ymin, xmax, ymax, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgis: transform boxes from EPSG:%d to EPSG:%d: %w", from, to, err)
	}
	defer rows.Close()
	out := make([]orb.Bound, 0, len(boxes))
	for rows.Next() {
		var bx orb.Bound
		if err := rows.Scan(&bx.Min[0], &bx.Min[1], &bx.Max[0], &bx.Max[1]); err != nil {
			return nil, fmt.Errorf("postgis: transform boxes: %w", err)
		}
		out = append(out, bx)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: transform boxes from EPSG:%d to EPSG:%d: %w", from, to, err)
	}
	return out, nil
}

// WatchedColumn is a geometry column whose table sends change notifications.
type WatchedColumn struct {
	Schema, Table, Geometry string
}

// WatchedColumns returns the geometry columns whose tables carry the change notification
// triggers of netdata.notify_changes; none when the migration that adds them has not
// run.
func (s *Store) WatchedColumns(ctx context.Context) ([]WatchedColumn, error) {
	const sql = `
SELECT DISTINCT n.nspname, c.relname, split_part(encode(t.tgargs, 'escape'), '\000', 1)
  FROM pg_trigger t
  JOIN pg_class c ON c.oid = t.tgrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE t.tgfoid = to_regproc('netdata.notify_change') AND t.tgenabled <> 'D'`
	rows, err := s.pool.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("postgis: read change notification triggers: %w", err)
	}
	defer rows.Close()
	var out []WatchedColumn
	for rows.Next() {
		var w WatchedColumn
		if err := rows.Scan(&w.Schema, &w.Table, &w.Geometry); err != nil {
			return nil, fmt.Errorf("postgis: read change notification triggers: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: read change notification triggers: %w", err)
	}
	return out, nil
}

// String returns schema.table.column.
func (w WatchedColumn) String() string {
	return w.Schema + "." + w.Table + "." + w.Geometry
}

package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/jackc/pgx/v5"
)

// Column aliases of the map query, chosen so as not to collide with a table's columns:
// filters name columns without a table qualifier.
const (
	aliasRaw = "fourreau_map_g0"
	aliasGen = "fourreau_map_g"
)

// MapSQL returns the query that reads the features of a map layer.
//
// Generalisation happens in the database, so that a small-scale map does not transfer
// every vertex: geometries are snapped to a grid of q.Tolerance (which also drops the
// vertices that fall on one grid point) and simplified by the same tolerance, keeping
// lines that collapse as two-point lines. Geometries that generalise to nothing are
// returned empty, for the caller to skip: testing for them in SQL would generalise
// every geometry twice more. With q.Merge, see mergeSQL.
func MapSQL(q *feature.MapQuery) (string, []any, error) {
	l := q.Layer
	b := &builder{}
	raw := "t." + ident(l.Geometry)
	if q.BBox.SRID != l.SRID {
		raw = "ST_Transform(" + raw + ", " + b.arg(q.BBox.SRID) + "::integer)"
	}
	gen := aliasRaw
	if q.Tolerance > 0 {
		tol := b.arg(q.Tolerance) + "::float8"
		gen = "ST_Simplify(ST_SnapToGrid(" + aliasRaw + ", " + tol + "), " + tol + ", true)"
	}
	if q.Merge && q.Tolerance > 0 {
		return mergeSQL(q, b, raw, gen)
	}

	if err := mapColumns(q, b); err != nil {
		return "", nil, err
	}
	fmt.Fprintf(&b.sql, ", ST_AsBinary(%s) FROM %s AS t", aliasGen, tableOf(l))
	fmt.Fprintf(&b.sql, " CROSS JOIN LATERAL (SELECT %s AS %s) x0", raw, aliasRaw)
	fmt.Fprintf(&b.sql, " CROSS JOIN LATERAL (SELECT %s AS %s) x WHERE ", gen, aliasGen)
	if err := mapWhere(q, b); err != nil {
		return "", nil, err
	}
	if q.Ordered {
		b.sql.WriteString(" ORDER BY t." + ident(l.Key))
	}
	if q.Limit > 0 {
		b.sql.WriteString(" LIMIT " + b.arg(int64(q.Limit)+1))
	}
	return b.sql.String(), b.args, nil
}

// mergeSQL reads each group of features that draw identically once. A feature whose
// bounding box fits in a pixel (twice the tolerance) in both directions becomes the
// centre of its pixel, and its group is that pixel. Larger features are grouped by
// their generalised geometry. Features also group by their rule results and field
// values, so that each group draws exactly as its members would. The bounding box is
// computed once per feature: the OFFSET 0 keeps PostgreSQL from inlining the subquery
// and computing it for every reference.
func mergeSQL(q *feature.MapQuery, b *builder, raw, gen string) (string, []any, error) {
	l := q.Layer
	pixel := b.arg(2*q.Tolerance) + "::float8"
	b.sql.WriteString("SELECT r, ")
	for i := range q.Fields {
		fmt.Fprintf(&b.sql, "f%d, ", i)
	}
	fmt.Fprintf(&b.sql, "coalesce(g, ST_AsBinary(ST_MakePoint((px + 0.5) * %[1]s, (py + 0.5) * %[1]s))) FROM (", pixel)
	if err := mapColumns(q, b); err != nil {
		return "", nil, err
	}
	fmt.Fprintf(&b.sql, `, CASE WHEN small THEN NULL ELSE ST_AsBinary(%[1]s) END AS g,
		CASE WHEN small THEN floor((ST_XMin(bb) + ST_XMax(bb)) / 2 / %[2]s) END AS px,
		CASE WHEN small THEN floor((ST_YMin(bb) + ST_YMax(bb)) / 2 / %[2]s) END AS py`, gen, pixel)
	fmt.Fprintf(&b.sql, ` FROM %[1]s AS t CROSS JOIN LATERAL (
		SELECT %[2]s, bb, ST_XMax(bb) - ST_XMin(bb) <= %[3]s AND ST_YMax(bb) - ST_YMin(bb) <= %[3]s AS small
		  FROM (SELECT %[4]s AS %[2]s, box2d(%[4]s) AS bb OFFSET 0) y) x0 WHERE `, tableOf(l), aliasRaw, pixel, raw)
	if err := mapWhere(q, b); err != nil {
		return "", nil, err
	}
	b.sql.WriteString(") s GROUP BY r, ")
	for i := range q.Fields {
		fmt.Fprintf(&b.sql, "f%d, ", i)
	}
	b.sql.WriteString("g, px, py")
	if q.Limit > 0 {
		b.sql.WriteString(" LIMIT " + b.arg(int64(q.Limit)+1))
	}
	return b.sql.String(), b.args, nil
}

// mapColumns writes the rule results as one string of 0 and 1, named r (a NULL rule
// result counts as false), and the fields, named f0, f1...
func mapColumns(q *feature.MapQuery, b *builder) error {
	l := q.Layer
	b.sql.WriteString("SELECT concat(''")
	for _, r := range q.Rules {
		b.sql.WriteString(", coalesce((")
		if err := b.where(l, r); err != nil {
			return err
		}
		b.sql.WriteString("), false)::int")
	}
	b.sql.WriteString(") AS r")
	for i, f := range q.Fields {
		fmt.Fprintf(&b.sql, ", %s AS f%d", fieldExpr(f), i)
	}
	return nil
}

// mapWhere writes the conditions: the map area, the filter, and at least one rule
// when q.MatchAnyRule is set. The bounding boxes are enough for the area: the renderer
// clips what lies outside the map, and the exact intersection test would cost a
// second index scan.
func mapWhere(q *feature.MapQuery, b *builder) error {
	l := q.Layer
	env := b.boxIn(q.BBox.MinX, q.BBox.MinY, q.BBox.MaxX, q.BBox.MaxY, q.BBox.SRID, l.SRID)
	fmt.Fprintf(&b.sql, "t.%s && %s", ident(l.Geometry), env)
	if q.Filter != nil {
		b.sql.WriteString(" AND (")
		if err := b.node(l, q.Filter); err != nil {
			return err
		}
		b.sql.WriteString(")")
	}
	if q.MatchAnyRule && len(q.Rules) > 0 {
		b.sql.WriteString(" AND (")
		if err := b.node(l, filter.Or{Children: q.Rules}); err != nil {
			return err
		}
		b.sql.WriteString(")")
	}
	return nil
}

// mapReader runs map queries on one connection or transaction.
type mapReader struct {
	q querier
	// tx is set in a transaction, where settings can be changed for one query.
	tx pgx.Tx
}

// ReadMap implements feature.MapStore: fn's queries share one read-only transaction.
// JIT compilation is turned off in it: on a whole-region map it took PostgreSQL 15
// about a second to compile the query, more than running it. Parallel workers are
// turned off too, because maps come several at a time and each already keeps a core
// busy. Passing the rows from workers to the leader cost more CPU than the workers
// saved: 0.22 s of database CPU per 768×768 map of 60,000 ducts with them, 0.18 s
// without (PostgreSQL 15, 2 cores).
func (s *Store) ReadMap(ctx context.Context, fn func(feature.MapReader) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return queryError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
		return queryError(err)
	}
	if err := fn(mapReader{q: tx, tx: tx}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// MapFeatures implements feature.MapReader on the pool.
func (s *Store) MapFeatures(ctx context.Context, q *feature.MapQuery, fn func(*feature.MapRow) error) error {
	return mapReader{q: s.pool}.MapFeatures(ctx, q, fn)
}

// FeatureInfo implements feature.MapReader on the pool.
func (s *Store) FeatureInfo(ctx context.Context, q *feature.InfoQuery, fn func(*feature.Row) error) error {
	return mapReader{q: s.pool}.FeatureInfo(ctx, q, fn)
}

// MapFeatures streams the rows of a map query.
func (r mapReader) MapFeatures(ctx context.Context, q *feature.MapQuery, fn func(*feature.MapRow) error) error {
	sql, args, err := MapSQL(q)
	if err != nil {
		return err
	}
	if q.Merge {
		// PostgreSQL cannot estimate the number of groups, takes it for the number of
		// rows, and sorts them on disk. Hashing them in memory took a third of the time
		// on a million ducts (PostgreSQL 15, 2 cores).
		// NOTE: 64 MB per merged query is an estimate for region maps of a few hundred
		// thousand groups; a larger hash spills to disk, which stays correct.
		if err := r.set(ctx, "SET LOCAL enable_sort = off", "SET LOCAL work_mem = '64MB'"); err != nil {
			return err
		}
		defer r.set(context.WithoutCancel(ctx), "RESET enable_sort", "RESET work_mem")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := r.q.Query(ctx, sql, args...)
	if err != nil {
		return queryError(err)
	}
	defer rows.Close()

	row := &feature.MapRow{Rules: make([]bool, len(q.Rules))}
	n := 0
	for rows.Next() {
		n++
		if q.Limit > 0 && n > q.Limit {
			cancel()
			rows.Close()
			return fmt.Errorf("%w: layer %s has more than %d features in the area", feature.ErrTooManyFeatures, q.Layer.Name, q.Limit)
		}
		raw := rows.RawValues()
		bits := raw[0]
		for i := range row.Rules {
			row.Rules[i] = i < len(bits) && bits[i] == '1'
		}
		row.Values = raw[1 : 1+len(q.Fields)]
		row.Geometry = raw[1+len(q.Fields)]
		if err := fn(row); err != nil {
			cancel()
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryError(err)
	}
	return nil
}

// InfoSQL returns the query of the features near a point, nearest first.
func InfoSQL(q *feature.InfoQuery) (string, []any, error) {
	l := q.Layer
	b := &builder{}
	g := ident(l.Geometry)
	if q.SRID != l.SRID {
		g = "ST_Transform(" + g + ", " + b.arg(q.SRID) + "::integer)"
	}
	b.sql.WriteString("SELECT " + ident(l.Key) + "::text")
	for i := range l.Fields {
		b.sql.WriteString(", " + fieldExpr(&l.Fields[i]))
	}
	pt := fmt.Sprintf("ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), %s::integer)", b.arg(q.X), b.arg(q.Y), b.arg(q.SRID))
	fmt.Fprintf(&b.sql, ", ST_AsBinary(%s) FROM %s WHERE ", g, tableOf(l))
	box := filter.BBox{MinX: q.X - q.Radius, MinY: q.Y - q.Radius, MaxX: q.X + q.Radius, MaxY: q.Y + q.Radius, SRID: q.SRID}
	if err := b.bbox(l, box); err != nil {
		return "", nil, err
	}
	if q.Filter != nil {
		b.sql.WriteString(" AND (")
		if err := b.node(l, q.Filter); err != nil {
			return "", nil, err
		}
		b.sql.WriteString(")")
	}
	radius := b.arg(q.Radius) + "::float8"
	fmt.Fprintf(&b.sql, " AND ST_DWithin(%s, %s, %s) ORDER BY ST_Distance(%s, %s), %s", g, pt, radius, g, pt, ident(l.Key))
	if q.Limit > 0 {
		b.sql.WriteString(" LIMIT " + b.arg(int64(q.Limit)))
	}
	return b.sql.String(), b.args, nil
}

// set runs settings statements in the reader's transaction; outside one (a reader on
// the pool) it does nothing, since a setting would outlive the query on a pooled
// connection.
func (r mapReader) set(ctx context.Context, statements ...string) error {
	if r.tx == nil {
		return nil
	}
	for _, st := range statements {
		if _, err := r.tx.Exec(ctx, st); err != nil {
			return queryError(err)
		}
	}
	return nil
}

// FeatureInfo streams the features near a point.
func (r mapReader) FeatureInfo(ctx context.Context, q *feature.InfoQuery, fn func(*feature.Row) error) error {
	sql, args, err := InfoSQL(q)
	if err != nil {
		return err
	}
	rows, err := r.q.Query(ctx, sql, args...)
	if err != nil {
		return queryError(err)
	}
	defer rows.Close()
	row := &feature.Row{}
	n := len(q.Layer.Fields)
	for rows.Next() {
		raw := rows.RawValues()
		row.Key, row.Values, row.Geometry = raw[0], raw[1:1+n], raw[1+n]
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryError(err)
	}
	return nil
}

// TransformExtent implements feature.MapStore. The box is densified before it is
// reprojected, so that its curved edges are covered.
func (s *Store) TransformExtent(ctx context.Context, e feature.Extent, fromSRID int, toSRIDs []int) (map[int]feature.Extent, error) {
	const sql = `SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
		SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, $5::integer),
			greatest($3::float8 - $1::float8, $4::float8 - $2::float8, 1e-9) / 32), $6::integer)::box2d AS b) x`
	out := make(map[int]feature.Extent, len(toSRIDs))
	for _, to := range toSRIDs {
		if to == fromSRID {
			out[to] = e
			continue
		}
		var t feature.Extent
		err := s.pool.QueryRow(ctx, sql, e.Min[0], e.Min[1], e.Max[0], e.Max[1], fromSRID, to).Scan(&t.Min[0], &t.Min[1], &t.Max[0], &t.Max[1])
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// The CRS cannot hold the box (EPSG:3857 beyond 85° of latitude, say).
			continue
		}
		out[to] = t
	}
	return out, nil
}

// CodeEntry is one entry of a code list table.
type CodeEntry struct {
	Code    string
	LabelFR string
	LabelEN string
	// Colour is the colour_hex column, for the tables that have one.
	Colour string
}

// ReadCodeList reads a code list table of the data model (code, label_fr, label_en,
// sort_order and, when present, colour_hex), in its sort order. A missing table gives
// an empty list.
func ReadCodeList(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, table string) ([]CodeEntry, error) {
	schema, name, ok := strings.Cut(table, ".")
	if !ok {
		schema, name = "public", table
	}
	qualified := pgx.Identifier{schema, name}.Sanitize()
	var hasColour *bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c AND attname = 'colour_hex' AND NOT attisdropped)
		FROM to_regclass($1) AS c WHERE c IS NOT NULL`, qualified).Scan(&hasColour)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgis: read code list %s: %w", table, err)
	}
	colour := "''"
	if hasColour != nil && *hasColour {
		colour = "colour_hex"
	}
	rows, err := q.Query(ctx, "SELECT code, label_fr, label_en, "+colour+" FROM "+qualified+" ORDER BY sort_order, code")
	if err != nil {
		return nil, fmt.Errorf("postgis: read code list %s: %w", table, err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CodeEntry, error) {
		var e CodeEntry
		err := r.Scan(&e.Code, &e.LabelFR, &e.LabelEN, &e.Colour)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: read code list %s: %w", table, err)
	}
	return entries, nil
}

package postgis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/jackc/pgx/v5"
)

// A stage is a temporary table holding the features of an Insert or Replace action as
// text, loaded with COPY, where they are checked in SQL before one INSERT ... SELECT per
// group writes them. A group holds the features that give the same set of properties,
// so that each column the client left out gets its default.
type stage struct {
	ws    *writeSchema
	table string
	// columns are the attribute columns some feature gives, staged as c0, c1...
	columns  []*writeColumn
	features []*stagedFeature
	// groups lists, per group, the indexes in columns that its features give.
	groups [][]int
}

// stagedFeature is one feature of a stage; its seq is its index in stage.features.
type stagedFeature struct {
	f     *feature.NewFeature
	key   int64
	group int
	// values holds the text of each stage column; nullText for NULL, and absent
	// columns are not in the feature's group.
	values map[int]string
}

// precisionColumn is the DT-DICT precision class of the location (A, B or C). As-built
// data must declare it: the table default (C) is never applied to a new feature.
const precisionColumn = "precision_xy"

// buildStage checks the features of an action in Go (types, code lists, required
// columns) and returns them grouped. Stamped columns are written on inserts only.
func (w *txWriter) buildStage(ctx context.Context, ws *writeSchema, a *feature.Action, features []*feature.NewFeature, insert bool) (*stage, error) {
	st := &stage{ws: ws}
	index := map[string]int{}
	groupOf := map[string]int{}
	columnIndex := func(c *writeColumn) int {
		i, ok := index[c.name]
		if !ok {
			i = len(st.columns)
			index[c.name] = i
			st.columns = append(st.columns, c)
		}
		return i
	}
	stamped := w.stampedColumns(ws, insert)

	for _, f := range features {
		sf := &stagedFeature{f: f, values: map[int]string{}}
		for _, p := range f.Properties {
			c := ws.column(p.Field)
			if c == nil || c.readOnly || c.name == ws.layer.Key {
				continue // computed by the server; the documentation lists these columns
			}
			if _, ok := stamped[c.name]; ok {
				continue
			}
			text, err := w.checkValue(ctx, ws, c, p.Value)
			if err != nil {
				return nil, w.invalid(a, f, "%s", err)
			}
			sf.values[columnIndex(c)] = text
		}
		for name, text := range stamped {
			sf.values[columnIndex(ws.columns[name])] = text
		}
		if err := w.checkRequired(ws, st, sf, index); err != nil {
			return nil, w.invalid(a, f, "%s", err)
		}
		if f.Geometry == nil && ws.columns[ws.layer.Geometry] != nil && ws.columns[ws.layer.Geometry].notNull {
			return nil, w.invalid(a, f, "the geometry (%s) is missing", ws.layer.GeomElement)
		}

		given := make([]int, 0, len(sf.values))
		for i := range sf.values {
			given = append(given, i)
		}
		slices.Sort(given)
		sig := fmt.Sprint(given)
		g, ok := groupOf[sig]
		if !ok {
			g = len(st.groups)
			groupOf[sig] = g
			st.groups = append(st.groups, given)
		}
		sf.group = g
		st.features = append(st.features, sf)
	}
	return st, nil
}

// stampedColumns returns the columns the server writes on inserted features: the
// managed values (source) and the hooks' stamp.
func (w *txWriter) stampedColumns(ws *writeSchema, insert bool) map[string]string {
	out := map[string]string{}
	if !insert {
		return out
	}
	for _, c := range ws.ordered {
		if c.managedValue != "" {
			out[c.name] = c.managedValue
		}
	}
	for name, v := range w.stamp {
		if c, ok := ws.columns[name]; ok && !c.computed {
			out[name] = v
		}
	}
	return out
}

// checkValue returns the text of a value for a column, checked against the column type
// and, for a code, against the lookup table.
func (w *txWriter) checkValue(ctx context.Context, ws *writeSchema, c *writeColumn, v feature.Value) (string, error) {
	name := c.xmlName
	if v.Null {
		return nullText, nil
	}
	raw := v.Text
	if c.codeList {
		// No code has surrounding white space, so pretty-printed values are unambiguous,
		// and an empty code can only mean none.
		raw = strings.TrimSpace(raw)
		if raw == "" {
			return nullText, nil
		}
	}
	text, err := normaliseValue(c, raw)
	if err != nil {
		return "", fmt.Errorf("%s %q %s", name, shorten(v.Text), err)
	}
	if text == nullText || !c.codeList {
		return text, nil
	}
	cl, err := w.codeList(ctx, c)
	if err != nil {
		return "", err
	}
	if !cl.codes[text] {
		return "", fmt.Errorf("%s %q is not a code of %s; the codes are %s", name, shorten(text), c.refTable, cl.describe())
	}
	return text, nil
}

// checkRequired reports a NOT NULL column without a default that the feature leaves
// out or sets to NULL, and a missing precision class.
func (w *txWriter) checkRequired(ws *writeSchema, st *stage, sf *stagedFeature, index map[string]int) error {
	for _, c := range ws.checked {
		i, given := index[c.name]
		text, has := "", false
		if given {
			text, has = sf.values[i]
		}
		switch {
		case has && text == nullText && c.notNull:
			return fmt.Errorf("%s cannot be NULL", c.xmlName)
		case !has && c.notNull && !c.hasDefault:
			return fmt.Errorf("%s is required", c.xmlName)
		case !has && c.name == precisionColumn:
			return fmt.Errorf("%s (precision class A, B or C of the location) is required for network data", c.xmlName)
		}
	}
	return nil
}

// codeList returns the codes of a column's lookup table, read once per transaction.
func (w *txWriter) codeList(ctx context.Context, c *writeColumn) (*codeList, error) {
	if cl, ok := w.codes[c.refTable]; ok {
		return cl, nil
	}
	cl, err := w.store.codes.get(ctx, w.tx, c.refTable, c.refColumn)
	if err != nil {
		return nil, err
	}
	if w.codes == nil {
		w.codes = map[string]*codeList{}
	}
	w.codes[c.refTable] = cl
	return cl, nil
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// load creates the temporary table of the stage and copies the features into it, with
// their keys and geometries, then reprojects the geometries to the layer CRS.
func (w *txWriter) load(ctx context.Context, st *stage, a *feature.Action) error {
	w.stages++
	st.table = ident("fourreau_stage_" + strconv.Itoa(w.stages))
	var ddl strings.Builder
	ddl.WriteString("CREATE TEMPORARY TABLE " + st.table + " (seq integer PRIMARY KEY, grp integer, id bigint, wkb bytea, has_z boolean, g geometry")
	names := []string{"seq", "grp", "id", "wkb", "has_z"}
	for i := range st.columns {
		ddl.WriteString(", c" + strconv.Itoa(i) + " text")
		names = append(names, "c"+strconv.Itoa(i))
	}
	ddl.WriteString(") ON COMMIT DROP")
	if _, err := w.tx.Exec(ctx, ddl.String()); err != nil {
		return fmt.Errorf("postgis: create stage table: %w", err)
	}

	rows := make([][]any, len(st.features))
	for seq, sf := range st.features {
		row := make([]any, len(names))
		row[0], row[1], row[2] = int32(seq), int32(sf.group), sf.key
		if g := sf.f.Geometry; g != nil {
			row[3], row[4] = g.WKB, g.HasZ
		}
		for i, text := range sf.values {
			if text != nullText {
				row[5+i] = text
			}
		}
		rows[seq] = row
	}
	tableName := strings.Trim(st.table, `"`)
	if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{tableName}, names, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("postgis: copy features into the stage table: %w", err)
	}

	// Reprojection fails on coordinates the CRS cannot transform; the feature is then
	// found by halves.
	transform := fmt.Sprintf("UPDATE %s SET g = ST_Transform(ST_GeomFromEWKB(wkb), %d) WHERE wkb IS NOT NULL", st.table, st.ws.layer.SRID)
	runErr, err := w.savepoint(ctx, func() error {
		_, err := w.tx.Exec(ctx, transform)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgis: reproject staged geometries: %w", err)
	}
	if runErr != nil {
		return w.locateStageFailure(ctx, st, a, runErr, func(seqs []int32) error {
			_, err := w.tx.Exec(ctx, transform+" AND seq = ANY($1)", seqs)
			return err
		})
	}
	return nil
}

// locateStageFailure finds the feature that makes a statement over the stage fail, and
// returns the failure located at it.
func (w *txWriter) locateStageFailure(ctx context.Context, st *stage, a *feature.Action, bulkErr error, run func(seqs []int32) error) error {
	if !locatable(bulkErr) {
		return w.dbFailure(st.ws, a, nil, bulkErr)
	}
	all := make([]int32, len(st.features))
	for i := range all {
		all[i] = int32(i)
	}
	i, runErr, err := w.firstFailing(ctx, len(all), func(lo, hi int) error { return run(all[lo:hi]) })
	if err != nil {
		return w.dbFailure(st.ws, a, nil, bulkErr)
	}
	return w.dbFailure(st.ws, a, st.features[i].f, runErr)
}

// validateStage checks in SQL what Go cannot: references to other features, geometry
// validity, and coordinates inside the area where the layer's CRS is valid.
func (w *txWriter) validateStage(ctx context.Context, st *stage, a *feature.Action) error {
	ws := st.ws
	for i, c := range st.columns {
		if c.refTable == "" || c.codeList {
			continue
		}
		col := "c" + strconv.Itoa(i)
		sql := fmt.Sprintf(`SELECT s.seq, s.%[1]s FROM %[2]s s
			WHERE s.%[1]s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %[3]s r WHERE r.%[4]s = s.%[1]s::%[5]s)`,
			col, st.table, c.refTable, ident(c.refColumn), c.dbType)
		if c.refTable == tableOf(ws.layer) {
			// A feature may refer to another feature of the same request.
			sql += fmt.Sprintf(" AND NOT EXISTS (SELECT 1 FROM %s o WHERE o.id = s.%s::bigint)", st.table, col)
		}
		var seq int32
		var value string
		err := w.tx.QueryRow(ctx, sql+" ORDER BY s.seq LIMIT 1").Scan(&seq, &value)
		if err == nil {
			return w.invalid(a, st.features[seq].f, "%s %s refers to no row of %s", c.xmlName, value, c.refTable)
		}
		if err != pgx.ErrNoRows {
			return fmt.Errorf("postgis: check references of %s: %w", c.name, err)
		}
	}

	var seq int32
	var reason string
	err := w.tx.QueryRow(ctx, "SELECT seq, ST_IsValidReason(ST_Force2D(g)) FROM "+st.table+
		" WHERE g IS NOT NULL AND NOT ST_IsValid(ST_Force2D(g)) ORDER BY seq LIMIT 1").Scan(&seq, &reason)
	if err == nil {
		return w.invalid(a, st.features[seq].f, "the geometry is not valid: %s", reason)
	}
	if err != pgx.ErrNoRows {
		return fmt.Errorf("postgis: check staged geometries: %w", err)
	}

	return w.checkStageArea(ctx, st, a)
}

// checkStageArea checks that the staged geometries lie in the area of the layer CRS.
// Geometries sent in the layer CRS are checked in Go, vertex by vertex, and the
// reprojected ones in SQL.
func (w *txWriter) checkStageArea(ctx context.Context, st *stage, a *feature.Action) error {
	ws := st.ws
	area, err := w.store.area(ctx, ws.layer.SRID)
	if err != nil || area == nil {
		return err
	}
	outside := func(seq int32) error {
		return w.invalid(a, st.features[seq].f, "the geometry lies outside the area where EPSG:%d is valid (%s); check the coordinates, their CRS and their axis order",
			ws.layer.SRID, area.name)
	}
	var d geom.Decoder
	var reprojected []int32
	for seq, sf := range st.features {
		g := sf.f.Geometry
		switch {
		case g == nil:
		case g.SRID != ws.layer.SRID:
			reprojected = append(reprojected, int32(seq))
		default:
			inside, err := area.contains(&d, g.WKB)
			if err != nil {
				return fmt.Errorf("postgis: read a staged geometry: %w", err)
			}
			if !inside {
				return outside(int32(seq))
			}
		}
	}
	if len(reprojected) == 0 {
		return nil
	}
	// The area is read once in a CTE, so that PostGIS prepares it a single time for
	// every row: passed as a parameter, it would be parsed again for each.
	var seq int32
	err = w.tx.QueryRow(ctx, "WITH a AS MATERIALIZED (SELECT ST_GeomFromEWKB($1) AS area) SELECT s.seq FROM "+st.table+
		" s, a WHERE s.seq = ANY($2) AND NOT ST_CoveredBy(s.g, a.area) ORDER BY s.seq LIMIT 1", area.ewkb, reprojected).Scan(&seq)
	if err == nil {
		return outside(seq)
	}
	if err != pgx.ErrNoRows {
		return fmt.Errorf("postgis: check the area of staged geometries: %w", err)
	}
	return nil
}

// geometryExprs returns the SQL that writes the geometry g, already in the layer CRS,
// into the geometry column and into the 3D column when the table has one. The geometry
// column gets the 2D projection unless it is itself 3D. The 3D column gets the geometry
// when it was sent with Z, and NULL otherwise.
func geometryExprs(ws *writeSchema, g, hasZ string) (geom, geom3D string) {
	geom = "ST_Force2D(" + g + ")"
	if ws.layer.HasZ {
		geom = "ST_Force3D(" + g + ")"
	}
	if ws.geom3D != "" {
		geom3D = "CASE WHEN " + hasZ + " THEN " + g + " END"
	}
	return geom, geom3D
}

// insertStaged writes the staged features whose seq is listed, one INSERT per group.
func (w *txWriter) insertStaged(ctx context.Context, st *stage, a *feature.Action, seqs []int32) error {
	ws := st.ws
	bySeq := map[int][]int32{}
	for _, s := range seqs {
		g := st.features[s].group
		bySeq[g] = append(bySeq[g], s)
	}
	for g, given := range st.groups {
		members := bySeq[g]
		if len(members) == 0 {
			continue
		}
		cols := []string{ident(ws.layer.Key)}
		exprs := []string{"s.id"}
		for _, i := range given {
			c := st.columns[i]
			cols = append(cols, ident(c.name))
			exprs = append(exprs, fmt.Sprintf("s.c%d::%s", i, c.dbType))
		}
		geom, geom3D := geometryExprs(ws, "s.g", "s.has_z")
		cols = append(cols, ident(ws.layer.Geometry))
		exprs = append(exprs, geom)
		if geom3D != "" {
			cols = append(cols, ident(ws.geom3D))
			exprs = append(exprs, geom3D)
		}
		sql := fmt.Sprintf("INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s s WHERE s.grp = $1 AND s.seq = ANY($2) ORDER BY s.seq",
			tableOf(ws.layer), strings.Join(cols, ", "), strings.Join(exprs, ", "), st.table)
		run := func(part []int32) error {
			_, err := w.tx.Exec(ctx, sql, int32(g), part)
			return err
		}
		whole := func() error {
			// Every feature of the group: the seq list would only slow the statement.
			_, err := w.tx.Exec(ctx, strings.Replace(sql, " AND s.seq = ANY($2)", "", 1), int32(g))
			return err
		}
		if len(members) != st.groupSize(g) {
			whole = func() error { return run(members) }
		}
		runErr, err := w.savepoint(ctx, whole)
		if err != nil {
			return fmt.Errorf("postgis: insert into %s: %w", ws.layer.Name, err)
		}
		if runErr != nil {
			return w.locateStageFailure(ctx, st, a, runErr, func(part []int32) error {
				return run(intersect(part, members))
			})
		}
	}
	return nil
}

// replaceStaged writes the staged feature seq over the existing features keys: each
// writable column gets the staged value, or its default when the feature leaves it out.
// Columns the hooks stamp on inserts, managed columns and an owner column left out keep
// their values.
func (w *txWriter) replaceStaged(ctx context.Context, st *stage, a *feature.Action, seq int32, keys []int64) error {
	ws := st.ws
	sf := st.features[seq]
	given := map[int]bool{}
	for _, i := range st.groups[sf.group] {
		given[i] = true
	}
	index := map[string]int{}
	for i, c := range st.columns {
		index[c.name] = i
	}
	stamped := w.stampedColumns(ws, true)
	var sets []string
	for _, c := range ws.ordered {
		if c.readOnly || c.name == ws.layer.Key || c.typName == "geometry" {
			continue
		}
		if _, ok := stamped[c.name]; ok {
			continue
		}
		if _, published := ws.layer.Field(c.name); !published {
			continue
		}
		switch i, ok := index[c.name]; {
		case ok && given[i]:
			sets = append(sets, fmt.Sprintf("%s = s.c%d::%s", ident(c.name), i, c.dbType))
		case c.owner:
			// Left out: the feature keeps its owner, so that an administrator's Replace
			// does not hand it to the administrator's organisation.
		default:
			sets = append(sets, ident(c.name)+" = DEFAULT")
		}
	}
	geom, geom3D := geometryExprs(ws, "s.g", "s.has_z")
	sets = append(sets, ident(ws.layer.Geometry)+" = "+geom)
	if geom3D != "" {
		sets = append(sets, ident(ws.geom3D)+" = "+geom3D)
	}
	sql := fmt.Sprintf("UPDATE %s t SET %s FROM %s s WHERE s.seq = $1 AND t.%s = ANY($2)",
		tableOf(ws.layer), strings.Join(sets, ", "), st.table, ident(ws.layer.Key))
	runErr, err := w.savepoint(ctx, func() error {
		_, err := w.tx.Exec(ctx, sql, seq, keys)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgis: replace features of %s: %w", ws.layer.Name, err)
	}
	if runErr != nil {
		return w.dbFailure(ws, a, sf.f, runErr)
	}
	return nil
}

func intersect(part, members []int32) []int32 {
	set := make(map[int32]bool, len(members))
	for _, m := range members {
		set[m] = true
	}
	out := part[:0:0]
	for _, p := range part {
		if set[p] {
			out = append(out, p)
		}
	}
	return out
}

// groupSize returns the number of staged features in group g.
func (st *stage) groupSize(g int) int {
	n := 0
	for _, sf := range st.features {
		if sf.group == g {
			n++
		}
	}
	return n
}

package postgis

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/jackc/pgx/v5"
)

// builder accumulates SQL text and its bound arguments.
type builder struct {
	sql  strings.Builder
	args []any
}

func (b *builder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func tableOf(l *feature.Layer) string { return pgx.Identifier{l.Schema, l.Table}.Sanitize() }

// fieldExpr returns the SQL that reads a field as text in the form the encoders write.
func fieldExpr(f *feature.Field) string {
	col := ident(f.Column)
	if f.Kind == feature.KindDateTime {
		if strings.HasPrefix(f.DBType, "timestamp with time zone") {
			return "to_char(" + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
		}
		return "to_char(" + col + `, 'YYYY-MM-DD"T"HH24:MI:SS.US')`
	}
	return col + "::text"
}

// where compiles the filter into a WHERE clause (without the keyword), or "TRUE".
func (b *builder) where(l *feature.Layer, n filter.Node) error {
	if n == nil {
		b.sql.WriteString("TRUE")
		return nil
	}
	if err := b.node(l, n); err != nil {
		return err
	}
	if len(b.args) > maxParams-8 {
		return invalidFilter("the filter holds %d values; split the request", len(b.args))
	}
	return nil
}

func (b *builder) node(l *feature.Layer, n filter.Node) error {
	switch n := n.(type) {
	case filter.And:
		return b.list(l, n.Children, " AND ", "TRUE")
	case filter.Or:
		return b.list(l, n.Children, " OR ", "FALSE")
	case filter.Not:
		b.sql.WriteString("NOT (")
		if err := b.node(l, n.Child); err != nil {
			return err
		}
		b.sql.WriteString(")")
		return nil
	case filter.Compare:
		return b.compare(l, n)
	case filter.Like:
		return b.like(l, n)
	case filter.IsNull:
		if l.IsGeometry(propertyName(l, n.Property)) {
			b.sql.WriteString(ident(l.Geometry) + " IS NULL")
			return nil
		}
		f, err := field(l, n.Property)
		if err != nil {
			return err
		}
		b.sql.WriteString(ident(f.Column) + " IS NULL")
		return nil
	case filter.Between:
		f, err := field(l, n.Property)
		if err != nil {
			return err
		}
		lo, err := literal(f, n.Lower)
		if err != nil {
			return err
		}
		hi, err := literal(f, n.Upper)
		if err != nil {
			return err
		}
		col := columnFor(f, lo)
		if _, ok := hi.(dateTimeValue); ok {
			col = columnFor(f, hi)
		}
		fmt.Fprintf(&b.sql, "%s BETWEEN %s AND %s", col, b.typedArg(f, lo), b.typedArg(f, hi))
		return nil
	case filter.BBox:
		return b.bbox(l, n)
	case filter.CompareExpr:
		return b.compareExpr(l, n)
	case filter.LikeExpr:
		return b.likeExpr(l, n)
	case filter.Spatial:
		return b.spatial(l, n)
	case filter.Distance:
		return b.distance(l, n)
	case filter.Temporal:
		return b.temporal(l, n)
	case filter.Include:
		b.sql.WriteString("TRUE")
		return nil
	case filter.Exclude:
		b.sql.WriteString("FALSE")
		return nil
	case filter.ResourceID:
		var keys []int64
		for _, id := range n.IDs {
			name, key, ok := strings.Cut(id, ".")
			if !ok || name != l.Name {
				continue
			}
			if k, err := strconv.ParseInt(key, 10, 64); err == nil {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			b.sql.WriteString("FALSE")
			return nil
		}
		b.sql.WriteString(ident(l.Key) + " = ANY(" + b.arg(keys) + "::bigint[])")
		return nil
	default:
		return ows.Errorf(ows.OperationProcessingFailed, "filter", "filter operator %T is not supported", n)
	}
}

func (b *builder) list(l *feature.Layer, children []filter.Node, sep, empty string) error {
	if len(children) == 0 {
		b.sql.WriteString(empty)
		return nil
	}
	b.sql.WriteString("(")
	for i, c := range children {
		if i > 0 {
			b.sql.WriteString(sep)
		}
		b.sql.WriteString("(")
		if err := b.node(l, c); err != nil {
			return err
		}
		b.sql.WriteString(")")
	}
	b.sql.WriteString(")")
	return nil
}

func field(l *feature.Layer, name string) (*feature.Field, error) {
	name = propertyName(l, name)
	f, ok := l.Field(name)
	if !ok {
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "%s has no property %q", l.Name, name)
	}
	return f, nil
}

// literal converts a filter literal to a Go value of the field's type, so that a value
// that does not fit the column is an InvalidParameterValue, not a database error.
func literal(f *feature.Field, s string) (any, error) {
	t := strings.TrimSpace(s)
	bad := func() error {
		return ows.Errorf(ows.InvalidParameterValue, "filter", "%q is not a valid %s value for %s", s, f.Kind.XSDType(), f.XMLName)
	}
	switch f.Kind {
	case feature.KindInt, feature.KindLong:
		v, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return nil, bad()
		}
		return v, nil
	case feature.KindFloat:
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, bad()
		}
		return v, nil
	case feature.KindDecimal:
		if _, err := strconv.ParseFloat(t, 64); err != nil {
			return nil, bad()
		}
		return t, nil
	case feature.KindBool:
		switch strings.ToLower(t) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, bad()
	case feature.KindDate:
		// Clients send dates with slashes, and GDAL sends a date-time at midnight for a
		// date (2000-01-01T00:00:00). A time other than midnight compares as a timestamp.
		norm := strings.ReplaceAll(t, "/", "-")
		if d, err := time.Parse("2006-01-02", norm); err == nil {
			return d.Format("2006-01-02"), nil
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
			d, err := time.Parse(layout, norm)
			if err != nil {
				continue
			}
			if d.Hour() == 0 && d.Minute() == 0 && d.Second() == 0 && d.Nanosecond() == 0 {
				return d.Format("2006-01-02"), nil
			}
			return dateTimeValue(d.Format(time.RFC3339Nano)), nil
		}
		return nil, bad()
	case feature.KindDateTime:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
			if d, err := time.Parse(layout, t); err == nil {
				return d.Format(time.RFC3339Nano), nil
			}
		}
		return nil, bad()
	default:
		return s, nil
	}
}

// dateTimeValue is a date-time literal compared with a date column: both sides are
// compared as timestamps.
type dateTimeValue string

// columnFor returns the column expression to compare with v.
func columnFor(f *feature.Field, v any) string {
	if _, ok := v.(dateTimeValue); ok {
		return ident(f.Column) + "::timestamptz"
	}
	return ident(f.Column)
}

// typedArg binds v with a cast to the column's type where Go's type does not say it.
func (b *builder) typedArg(f *feature.Field, v any) string {
	if dt, ok := v.(dateTimeValue); ok {
		return b.arg(string(dt)) + "::timestamptz"
	}
	p := b.arg(v)
	switch f.Kind {
	case feature.KindDecimal:
		return p + "::numeric"
	case feature.KindDate:
		return p + "::date"
	case feature.KindDateTime:
		return p + "::timestamptz"
	case feature.KindString:
		return p + "::text"
	}
	return p
}

func (b *builder) compare(l *feature.Layer, c filter.Compare) error {
	f, err := field(l, c.Property)
	if err != nil {
		return err
	}
	v, err := literal(f, c.Literal)
	if err != nil {
		return err
	}
	col := columnFor(f, v)
	if f.Kind == feature.KindString {
		col += "::text"
		if !c.MatchCase {
			fmt.Fprintf(&b.sql, "lower(%s) %s lower(%s)", col, c.Op, b.typedArg(f, v))
			return nil
		}
	}
	fmt.Fprintf(&b.sql, "%s %s %s", col, c.Op, b.typedArg(f, v))
	return nil
}

// like translates the request's wildcard, single-character and escape characters into a
// SQL LIKE pattern with backslash as the escape, escaping SQL's own metacharacters.
func (b *builder) like(l *feature.Layer, c filter.Like) error {
	f, err := field(l, c.Property)
	if err != nil {
		return err
	}
	return b.likeSQL(ident(f.Column)+"::text", c.Pattern, c.WildCard, c.SingleChar, c.EscapeChar, c.MatchCase)
}

// likeSQL writes "value LIKE pattern" with the pattern translated as like describes.
func (b *builder) likeSQL(value, pattern, wildCard, singleChar, escapeChar string, matchCase bool) error {
	wild, single, esc := []rune(wildCard), []rune(singleChar), []rune(escapeChar)
	if len(wild) != 1 || len(single) != 1 || len(esc) > 1 {
		return ows.Errorf(ows.InvalidParameterValue, "filter", "PropertyIsLike needs one-character wildCard and singleChar attributes")
	}
	var p strings.Builder
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
			writeLikeLiteral(&p, r)
		case len(esc) == 1 && r == esc[0]:
			escaped = true
		case r == wild[0]:
			p.WriteByte('%')
		case r == single[0]:
			p.WriteByte('_')
		default:
			writeLikeLiteral(&p, r)
		}
	}
	op := "LIKE"
	if !matchCase {
		op = "ILIKE"
	}
	fmt.Fprintf(&b.sql, `%s %s %s ESCAPE '\'`, value, op, b.arg(p.String()))
	return nil
}

func writeLikeLiteral(p *strings.Builder, r rune) {
	if r == '%' || r == '_' || r == '\\' {
		p.WriteByte('\\')
	}
	p.WriteRune(r)
}

func (b *builder) bbox(l *feature.Layer, n filter.BBox) error {
	if n.Property != "" {
		if !l.IsGeometry(propertyName(l, n.Property)) {
			return ows.Errorf(ows.InvalidParameterValue, "filter", "BBOX needs a geometry property; %q is not the geometry of %s", n.Property, l.Name)
		}
	}
	for _, v := range []float64{n.MinX, n.MinY, n.MaxX, n.MaxY} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ows.Errorf(ows.InvalidParameterValue, "bbox", "the bounding box has a coordinate that is not a finite number")
		}
	}
	if n.MinX > n.MaxX || n.MinY > n.MaxY {
		return ows.Errorf(ows.InvalidParameterValue, "bbox", "the lower corner of the bounding box is above or right of the upper corner")
	}
	env := b.boxIn(n.MinX, n.MinY, n.MaxX, n.MaxY, n.SRID, l.SRID)
	if n.SRID != l.SRID {
		fmt.Fprintf(&b.sql, "ST_Intersects(%s, %s)", ident(l.Geometry), env)
		return nil
	}
	// A geometry whose bounding box lies inside the rectangle intersects it, so only the
	// geometries that cross its edges need the exact test: this halves the cost of a
	// town-sized BBOX on the benchmark dataset.
	fmt.Fprintf(&b.sql, "(%[1]s && %[2]s AND (%[1]s @ %[2]s OR ST_Intersects(%[1]s, %[2]s)))", ident(l.Geometry), env)
	return nil
}

// boxIn returns the SQL of a box given in EPSG:srid as a geometry in EPSG:layerSRID. A
// box in another CRS is densified before it is transformed, so that it keeps its shape.
func (b *builder) boxIn(minX, minY, maxX, maxY float64, srid, layerSRID int) string {
	x0, x1, crs := b.arg(minX)+"::float8", b.arg(maxX)+"::float8", b.arg(srid)+"::integer"
	y0, y1 := b.arg(minY)+"::float8", b.arg(maxY)+"::float8"
	if srid == layerSRID {
		return fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, %s)", x0, y0, x1, y1, crs)
	}
	// A box that reaches a pole, as clients send when zoomed out to the whole world,
	// cannot be projected to a conic or cylindrical CRS. In a geographic CRS the box
	// therefore stops just short of the poles, and at ±180° of longitude, because beyond
	// it a longitude names the same meridians again. Other CRSs keep their values.
	geographic := "(SELECT coalesce(bool_or(proj4text LIKE " + b.arg("%+proj=longlat%") + "::text), false) FROM spatial_ref_sys WHERE srid = " + crs + ")"
	bound := func(v, limit, fn string) string {
		return fmt.Sprintf("CASE WHEN %s THEN %s(%s, %s::float8) ELSE %s END", geographic, fn, v, limit, v)
	}
	x0, x1 = bound(x0, b.arg(-180.0), "greatest"), bound(x1, b.arg(180.0), "least")
	y0, y1 = bound(y0, b.arg(-89.999999), "greatest"), bound(y1, b.arg(89.999999), "least")
	seg := math.Max(maxX-minX, maxY-minY) / 32
	if seg <= 0 {
		seg = 1
	}
	// ST_Envelope of the diagonal is the box, or a line or a point when the box has no
	// width or height: GEOS rejects the five equal corners of ST_MakeEnvelope then.
	return fmt.Sprintf("ST_Transform(ST_Segmentize(ST_Envelope(ST_SetSRID(ST_MakeLine(ST_MakePoint(%s, %s), ST_MakePoint(%s, %s)), %s)), %s::float8), %s::integer)",
		x0, y0, x1, y1, crs, b.arg(seg), b.arg(layerSRID))
}

package postgis

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/ows"
)

// maxParams is the number of bound parameters one PostgreSQL statement can carry.
const maxParams = 65535

// valueType is the SQL type family of a filter expression, which decides how the
// literals compared with it are converted and bound.
type valueType int

const (
	typeUnknown valueType = iota // a literal, typed by what it is compared with
	typeText
	typeInteger
	typeNumeric
	typeFloat
	typeBool
	typeDate
	typeTimestamp
	typeGeometry
)

func (t valueType) String() string {
	return [...]string{"a literal", "text", "an integer", "a decimal number", "a number", "a boolean",
		"a date", "a date-time", "a geometry"}[t]
}

func (t valueType) numeric() bool {
	return t == typeInteger || t == typeNumeric || t == typeFloat
}

func (t valueType) temporal() bool { return t == typeDate || t == typeTimestamp }

// comparable reports whether values of the two types can be compared in SQL.
func comparable(a, b valueType) bool {
	switch {
	case a == b:
		return a != typeGeometry
	case a.numeric() && b.numeric(), a.temporal() && b.temporal():
		return true
	}
	return false
}

func kindType(k feature.Kind) valueType {
	switch k {
	case feature.KindInt, feature.KindLong:
		return typeInteger
	case feature.KindDecimal:
		return typeNumeric
	case feature.KindFloat:
		return typeFloat
	case feature.KindBool:
		return typeBool
	case feature.KindDate:
		return typeDate
	case feature.KindDateTime:
		return typeTimestamp
	}
	return typeText
}

func specType(xsd string) valueType {
	switch xsd {
	case filter.TypeString:
		return typeText
	case filter.TypeInteger:
		return typeInteger
	case filter.TypeDouble:
		return typeFloat
	case filter.TypeGeometry:
		return typeGeometry
	}
	return typeUnknown
}

// propertyName reduces a property reference to the name of a field: a namespace prefix
// is dropped from each step, and a first step naming the layer itself (duct/code,
// net:duct/net:code) is skipped.
func propertyName(l *feature.Layer, name string) string {
	name = strings.TrimPrefix(strings.TrimSpace(name), "/")
	steps := strings.Split(name, "/")
	for i, s := range steps {
		if j := strings.IndexByte(s, ':'); j >= 0 {
			steps[i] = s[j+1:]
		}
	}
	if len(steps) == 2 && steps[0] == l.Name {
		steps = steps[1:]
	}
	return strings.Join(steps, "/")
}

// typeOf returns the type of an expression without writing SQL.
func typeOf(l *feature.Layer, x filter.Expr) (valueType, error) {
	switch x := x.(type) {
	case filter.Property:
		if l.IsGeometry(propertyName(l, x.Name)) {
			return typeGeometry, nil
		}
		f, err := field(l, x.Name)
		if err != nil {
			return 0, err
		}
		return kindType(f.Kind), nil
	case filter.Literal:
		return typeUnknown, nil
	case filter.Function:
		spec, ok := filter.LookupFunction(x.Name)
		if !ok {
			return 0, invalidFilter("function %q is not supported; Filter_Capabilities lists the supported ones", x.Name)
		}
		return specType(spec.Returns), nil
	case filter.Arithmetic:
		return typeNumeric, nil
	}
	return 0, invalidFilter("expression %T is not supported", x)
}

func invalidFilter(format string, args ...any) *ows.Exception {
	return ows.Errorf(ows.InvalidParameterValue, "filter", format, args...)
}

// expr writes the SQL of an expression; want is the type that literals are converted
// to (typeUnknown binds them as text).
func (b *builder) expr(l *feature.Layer, x filter.Expr, want valueType) (string, error) {
	switch x := x.(type) {
	case filter.Property:
		name := propertyName(l, x.Name)
		if l.IsGeometry(name) {
			return ident(l.Geometry), nil
		}
		f, err := field(l, x.Name)
		if err != nil {
			return "", err
		}
		if f.Kind == feature.KindString {
			return ident(f.Column) + "::text", nil
		}
		return ident(f.Column), nil
	case filter.Literal:
		return b.literalOf(x.Value, want)
	case filter.Function:
		return b.function(l, x)
	case filter.Arithmetic:
		left, err := b.numericOperand(l, x.Left)
		if err != nil {
			return "", err
		}
		right, err := b.numericOperand(l, x.Right)
		if err != nil {
			return "", err
		}
		return "(" + left + " " + string(x.Op) + " " + right + ")", nil
	}
	return "", invalidFilter("expression %T is not supported", x)
}

func (b *builder) numericOperand(l *feature.Layer, x filter.Expr) (string, error) {
	t, err := typeOf(l, x)
	if err != nil {
		return "", err
	}
	if t != typeUnknown && !t.numeric() {
		return "", invalidFilter("arithmetic needs numbers; the operand is %s", t)
	}
	s, err := b.expr(l, x, typeNumeric)
	if err != nil {
		return "", err
	}
	return "(" + s + ")::numeric", nil
}

// literalOf binds a literal converted to the type t, so that a value that does not fit
// is an InvalidParameterValue rather than a database error.
func (b *builder) literalOf(s string, t valueType) (string, error) {
	v := strings.TrimSpace(s)
	bad := func() (string, error) {
		return "", invalidFilter("%q is not %s", truncated(s), t)
	}
	switch t {
	case typeInteger:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			// A decimal literal compared with an integer compares as a number.
			if f, ferr := strconv.ParseFloat(v, 64); ferr == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return b.arg(v) + "::numeric", nil
			}
			return bad()
		}
		return b.arg(n) + "::bigint", nil
	case typeNumeric, typeFloat:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return bad()
		}
		if t == typeFloat {
			return b.arg(f) + "::float8", nil
		}
		return b.arg(v) + "::numeric", nil
	case typeBool:
		switch strings.ToLower(v) {
		case "true", "1":
			return b.arg(true) + "::boolean", nil
		case "false", "0":
			return b.arg(false) + "::boolean", nil
		}
		return bad()
	case typeDate, typeTimestamp:
		d, ok := filter.ParseTime(strings.ReplaceAll(v, "/", "-"))
		if !ok {
			return bad()
		}
		return b.timeArg(d, t == typeTimestamp), nil
	case typeGeometry:
		return "", invalidFilter("a text literal cannot stand for a geometry")
	}
	return b.arg(s) + "::text", nil
}

func truncated(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// function writes a call of one of filter.Functions.
func (b *builder) function(l *feature.Layer, x filter.Function) (string, error) {
	spec, ok := filter.LookupFunction(x.Name)
	if !ok {
		return "", invalidFilter("function %q is not supported; Filter_Capabilities lists the supported ones", x.Name)
	}
	if len(x.Args) != len(spec.Args) {
		return "", invalidFilter("function %s takes %d arguments, found %d", spec.Name, len(spec.Args), len(x.Args))
	}
	args := make([]string, len(x.Args))
	for i, a := range x.Args {
		want := specType(spec.Args[i].Type)
		got, err := typeOf(l, a)
		if err != nil {
			return "", err
		}
		switch {
		case want == typeGeometry && got != typeGeometry:
			return "", invalidFilter("function %s needs a geometry property as argument %d", spec.Name, i+1)
		case want.numeric() && got != typeUnknown && !got.numeric():
			return "", invalidFilter("function %s needs a number as argument %d, found %s", spec.Name, i+1, got)
		}
		s, err := b.expr(l, a, want)
		if err != nil {
			return "", err
		}
		if want == typeText && got != typeText {
			s = "(" + s + ")::text"
		}
		args[i] = s
	}
	switch strings.ToLower(spec.Name) {
	case "lower", "upper":
		return strings.ToLower(spec.Name) + "(" + args[0] + ")", nil
	case "trim":
		return "btrim(" + args[0] + ")", nil
	case "strlength":
		return "char_length(" + args[0] + ")", nil
	case "concat":
		return "(" + args[0] + " || " + args[1] + ")", nil
	case "abs", "floor", "ceil", "round":
		return strings.ToLower(spec.Name) + "((" + args[0] + ")::float8)", nil
	case "area", "length":
		fn := map[string]string{"area": "ST_Area", "length": "ST_Length"}[spec.Name]
		if l.Geographic {
			return fn + "(" + args[0] + "::geography)", nil
		}
		if l.UnitMetres > 0 && l.UnitMetres != 1 {
			factor := l.UnitMetres
			if spec.Name == "area" {
				factor *= factor
			}
			return "(" + fn + "(" + args[0] + ") * " + b.arg(factor) + "::float8)", nil
		}
		return fn + "(" + args[0] + ")", nil
	}
	return "", invalidFilter("function %q has no SQL translation", spec.Name)
}

// compareExpr writes "left op right" with the literals converted to the type of the
// other side.
func (b *builder) compareExpr(l *feature.Layer, c filter.CompareExpr) error {
	lt, err := typeOf(l, c.Left)
	if err != nil {
		return err
	}
	rt, err := typeOf(l, c.Right)
	if err != nil {
		return err
	}
	switch {
	case lt == typeUnknown && rt == typeUnknown:
		// Two literals compare as numbers when both are numbers, else as text.
		lt, rt = typeText, typeText
		if isNumber(c.Left) && isNumber(c.Right) {
			lt, rt = typeFloat, typeFloat
		}
	case lt == typeUnknown:
		lt = rt
	case rt == typeUnknown:
		rt = lt
	}
	if !comparable(lt, rt) {
		return invalidFilter("cannot compare %s with %s", lt, rt)
	}
	left, err := b.expr(l, c.Left, lt)
	if err != nil {
		return err
	}
	right, err := b.expr(l, c.Right, rt)
	if err != nil {
		return err
	}
	if lt == typeText && !c.MatchCase {
		left, right = "lower("+left+")", "lower("+right+")"
	}
	fmt.Fprintf(&b.sql, "%s %s %s", left, c.Op, right)
	return nil
}

func isNumber(x filter.Expr) bool {
	l, ok := x.(filter.Literal)
	if !ok {
		return false
	}
	_, err := strconv.ParseFloat(strings.TrimSpace(l.Value), 64)
	return err == nil
}

// likeExpr writes a LIKE on an expression other than a bare property.
func (b *builder) likeExpr(l *feature.Layer, c filter.LikeExpr) error {
	t, err := typeOf(l, c.Value)
	if err != nil {
		return err
	}
	if t == typeGeometry {
		return invalidFilter("PropertyIsLike cannot match a geometry")
	}
	value, err := b.expr(l, c.Value, typeText)
	if err != nil {
		return err
	}
	return b.likeSQL("("+value+")::text", c.Pattern, c.WildCard, c.SingleChar, c.EscapeChar, c.MatchCase)
}

// geometryColumn returns the geometry column a spatial operator names; "" is the layer's
// geometry. Any other property is an InvalidParameterValue.
func geometryColumn(l *feature.Layer, op, prop string) (string, error) {
	if prop != "" && !l.IsGeometry(propertyName(l, prop)) {
		return "", invalidFilter("%s needs a geometry property; %q is not the geometry of %s", op, prop, l.Name)
	}
	return ident(l.Geometry), nil
}

// geometryArg binds a geometry as extended WKB and reprojects it to the layer's CRS when
// it is in another. Edges are densified first so that a polygon keeps its shape once
// reprojected. The result is a constant of the query, so PostgreSQL can use it as a
// GiST index condition.
func (b *builder) geometryArg(l *feature.Layer, g *geom.Geometry) string {
	s := "ST_GeomFromEWKB(" + b.arg(g.EWKB()) + "::bytea)"
	if g.SRID == l.SRID || g.SRID == 0 {
		return s
	}
	if g.Type != geom.Point && g.Type != geom.MultiPoint {
		if minX, minY, maxX, maxY, ok := g.Bounds(); ok {
			if seg := math.Max(maxX-minX, maxY-minY) / 32; seg > 0 {
				s = "ST_Segmentize(" + s + ", " + b.arg(seg) + "::float8)"
			}
		}
	}
	return "ST_Transform(" + s + ", " + b.arg(l.SRID) + "::integer)"
}

var spatialFunctions = map[filter.SpatialOp]string{
	filter.Equals: "ST_Equals", filter.Disjoint: "ST_Disjoint", filter.Touches: "ST_Touches",
	filter.Within: "ST_Within", filter.Overlaps: "ST_Overlaps", filter.Crosses: "ST_Crosses",
	filter.Intersects: "ST_Intersects", filter.Contains: "ST_Contains",
}

func (b *builder) spatial(l *feature.Layer, s filter.Spatial) error {
	fn, ok := spatialFunctions[s.Op]
	if !ok {
		return invalidFilter("spatial operator %s is not supported", s.Op)
	}
	col, err := geometryColumn(l, string(s.Op), s.Property)
	if err != nil {
		return err
	}
	fmt.Fprintf(&b.sql, "%s(%s, %s)", fn, col, b.geometryArg(l, &s.Geometry))
	return nil
}

// metresPerDegree is the length of one degree of a great circle of the WGS 84 equator
// (2π × 6378137 m / 360), used to convert between degrees and metres on projected
// layers.
const metresPerDegree = 111319.49079327357

// minMetresPerDegreeLatitude is the shortest degree of latitude on the WGS 84 ellipsoid
// (at the equator), so that a margin computed with it in degrees covers at least the
// distance.
const minMetresPerDegreeLatitude = 110574.0

func (b *builder) distance(l *feature.Layer, d filter.Distance) error {
	op := "DWithin"
	if d.Beyond {
		op = "Beyond"
	}
	col, err := geometryColumn(l, op, d.Property)
	if err != nil {
		return err
	}
	g := b.geometryArg(l, &d.Geometry)
	not := ""
	if d.Beyond {
		not = "NOT "
	}
	if l.Geographic && d.Unit == filter.UnitMetre {
		// Metres on a layer in degrees: the exact test is on the spheroid (geography),
		// and a box widened by the distance in degrees lets the GiST index of the
		// geometry column find the candidates. The longitude margin grows with the
		// latitude and is computed at the box's edge closest to a pole, capped at 89°.
		// NOTE: within a degree of a pole the margin can be too small.
		dist := b.arg(d.Value) + "::float8"
		if d.Beyond {
			fmt.Fprintf(&b.sql, "NOT ST_DWithin(%s::geography, %s::geography, %s)", col, g, dist)
			return nil
		}
		lat := fmt.Sprintf("(%s / %v)", dist, minMetresPerDegreeLatitude)
		fmt.Fprintf(&b.sql, "(%[1]s && (SELECT ST_Expand(g, %[3]s / (%[5]v * cos(radians(least(89.0, greatest(abs(ST_YMin(g)), abs(ST_YMax(g))) + %[4]s)))), %[4]s) FROM (SELECT %[2]s AS g) AS lit)"+
			" AND ST_DWithin(%[1]s::geography, %[2]s::geography, %[3]s))", col, g, dist, lat, metresPerDegree)
		return nil
	}
	value := d.Value
	switch {
	case d.Unit == filter.UnitMetre && l.UnitMetres > 0:
		value = d.Value / l.UnitMetres
	case d.Unit == filter.UnitDegree && !l.Geographic:
		// NOTE: a degree is converted at its equatorial length; the true length of a
		// degree of longitude shrinks with the latitude.
		unit := l.UnitMetres
		if unit <= 0 {
			unit = 1
		}
		value = d.Value * metresPerDegree / unit
	}
	fmt.Fprintf(&b.sql, "%sST_DWithin(%s, %s, %s::float8)", not, col, g, b.arg(value))
	return nil
}

// temporal writes a temporal operator on a date or timestamp property, which is an
// instant: After and Before compare it with the instant or the period's bounds, During
// puts it strictly inside the period, Begins and Ends on its bounds, and AnyInteracts
// anywhere in it, bounds included.
func (b *builder) temporal(l *feature.Layer, t filter.Temporal) error {
	f, err := field(l, t.Property)
	if err != nil {
		return err
	}
	if f.Kind != feature.KindDate && f.Kind != feature.KindDateTime {
		return invalidFilter("%s needs a date or date-time property; %q is %s", t.Op, t.Property, kindType(f.Kind))
	}
	col := ident(f.Column)
	withZone := strings.HasPrefix(f.DBType, "timestamp with time zone")
	at := func(v time.Time) string { return b.timeArg(v, withZone) }
	if !t.Period {
		op := map[filter.TemporalOp]string{filter.After: ">", filter.Before: "<", filter.TEquals: "=", filter.AnyInteracts: "="}[t.Op]
		if op == "" {
			return invalidFilter("%s needs a time period", t.Op)
		}
		fmt.Fprintf(&b.sql, "%s %s %s", col, op, at(t.Begin))
		return nil
	}
	switch t.Op {
	case filter.After:
		fmt.Fprintf(&b.sql, "%s > %s", col, at(t.End))
	case filter.Before:
		fmt.Fprintf(&b.sql, "%s < %s", col, at(t.Begin))
	case filter.During:
		fmt.Fprintf(&b.sql, "(%[1]s > %[2]s AND %[1]s < %[3]s)", col, at(t.Begin), at(t.End))
	case filter.Begins:
		fmt.Fprintf(&b.sql, "%s = %s", col, at(t.Begin))
	case filter.Ends:
		fmt.Fprintf(&b.sql, "%s = %s", col, at(t.End))
	case filter.AnyInteracts:
		fmt.Fprintf(&b.sql, "%s BETWEEN %s AND %s", col, at(t.Begin), at(t.End))
	default:
		return invalidFilter("%s does not apply to a time period here", t.Op)
	}
	return nil
}

// timeArg binds a UTC time: as timestamptz for columns with a time zone, and as a UTC
// wall-clock timestamp for date and timestamp columns, so that the comparison does not
// depend on the session's TimeZone setting.
func (b *builder) timeArg(v time.Time, withZone bool) string {
	if withZone {
		return b.arg(v.Format(time.RFC3339Nano)) + "::timestamptz"
	}
	return b.arg(v.UTC().Format("2006-01-02T15:04:05.999999999")) + "::timestamp"
}

package gml

import (
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/ows"
)

// Geometry is a geometry read from GML: x/y coordinates in the EPSG code SRID, Z kept, and
// EWKB() gives the bytes to bind as a PostGIS parameter (ST_GeomFromEWKB).
type Geometry = geom.Geometry

// SRSResolver returns the EPSG code that an srsName designates and whether coordinates
// in that spelling are written northing (latitude) first. The empty name stands for the
// CRS that applies when a geometry names none.
type SRSResolver func(srsName string) (srid int, swap bool, err error)

// Read reads a GML 2, 3.1 or 3.2 geometry element: Point, LineString, LinearRing, Curve
// (of line segments), Polygon, Surface (of one polygon patch), Envelope and Box (read as
// a rectangle polygon), MultiPoint, MultiLineString, MultiCurve, MultiPolygon,
// MultiSurface and MultiGeometry. A geometry without srsName is in defaultCRS. Axis
// order follows the srsName spelling by the rules of package crs, and the coordinates
// are returned x/y. Errors are *ows.Exception values with code InvalidParameterValue
// and no locator; callers set the locator, and may change the code (InvalidValue in a
// transaction).
func Read(e *ows.Element, defaultCRS crs.Name, reg *crs.Registry) (Geometry, error) {
	return ReadWith(e, RegistryResolver(reg, defaultCRS))
}

// RegistryResolver returns an SRSResolver that reads srsName values with crs.Parse,
// checks that reg knows the code, and uses def for geometries that name no CRS.
func RegistryResolver(reg *crs.Registry, def crs.Name) SRSResolver {
	return func(srsName string) (int, bool, error) {
		n := def
		if srsName != "" {
			var err error
			n, err = crs.Parse(srsName)
			if err != nil {
				return 0, false, invalid("unknown CRS %q in srsName", srsName)
			}
		}
		if _, ok, err := reg.Lookup(n.SRID); err != nil {
			return 0, false, err
		} else if !ok {
			return 0, false, invalid("unknown CRS %q in srsName", srsName)
		}
		swap, err := reg.Swap(n)
		return n.SRID, swap, err
	}
}

// ReadWith is Read with a resolver of srsName values.
func ReadWith(e *ows.Element, resolve SRSResolver) (Geometry, error) {
	r := &reader{resolve: resolve}
	ctx, err := r.context(e, frame{}, true)
	if err != nil {
		return Geometry{}, err
	}
	g, err := r.geometry(e, ctx, 0)
	if err != nil {
		return Geometry{}, err
	}
	g.SRID = ctx.srid
	if err := g.Validate(); err != nil {
		return Geometry{}, invalid("invalid %s: %s", e.Local, strings.TrimPrefix(err.Error(), "geom: "))
	}
	return g, nil
}

// IsGeometry reports whether e is a GML geometry element that Read accepts.
func IsGeometry(e *ows.Element) bool {
	if !isGMLNamespace(e.Space) {
		return false
	}
	switch e.Local {
	case "Point", "LineString", "LinearRing", "Curve", "Polygon", "Surface", "Envelope", "Box",
		"MultiPoint", "MultiLineString", "MultiCurve", "MultiPolygon", "MultiSurface", "MultiGeometry":
		return true
	}
	return false
}

func isGMLNamespace(ns string) bool {
	return ns == "http://www.opengis.net/gml" || ns == "http://www.opengis.net/gml/3.2" || ns == ""
}

func invalid(format string, args ...any) *ows.Exception {
	return ows.Errorf(ows.InvalidParameterValue, "", format, args...)
}

// maxDepth bounds the nesting of members, as the WKB decoder does.
const maxDepth = 32

type reader struct {
	resolve SRSResolver
}

// frame is what a geometry element passes to its parts: its CRS, its axis order and its
// number of values per position (0 when not declared).
type frame struct {
	srid int
	swap bool
	dim  int
}

// context reads the srsName and srsDimension of e on top of the parent's frame. The
// root always resolves its CRS, so that a geometry without srsName takes the default.
func (r *reader) context(e *ows.Element, parent frame, root bool) (frame, error) {
	f := parent
	name, named := e.AttrValue("srsName")
	name = strings.TrimSpace(name)
	if root || (named && name != "") {
		srid, swap, err := r.resolve(name)
		if err != nil {
			return frame{}, err
		}
		if !root && srid != parent.srid {
			return frame{}, invalid("member %s is in EPSG:%d but its parent geometry is in EPSG:%d; one geometry has one CRS", e.Local, srid, parent.srid)
		}
		f.srid, f.swap = srid, swap
	}
	if v, ok := e.AttrValue("srsDimension"); ok {
		d, err := dimension(v)
		if err != nil {
			return frame{}, err
		}
		f.dim = d
	}
	return f, nil
}

func dimension(v string) (int, error) {
	d, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || d < 2 || d > 3 {
		return 0, invalid("srsDimension=%q is not supported; use 2 or 3", v)
	}
	return d, nil
}

func (r *reader) geometry(e *ows.Element, f frame, depth int) (Geometry, error) {
	if depth > maxDepth {
		return Geometry{}, invalid("the geometry is nested deeper than %d levels", maxDepth)
	}
	if !isGMLNamespace(e.Space) {
		return Geometry{}, invalid("element %s is not a GML geometry", e.Local)
	}
	switch e.Local {
	case "Point":
		return r.point(e, f)
	case "LineString":
		return r.line(e, f, geom.LineString)
	case "LinearRing":
		return r.line(e, f, geom.Ring)
	case "Curve":
		return r.curve(e, f, geom.LineString)
	case "Polygon":
		return r.polygon(e, f, depth)
	case "Surface":
		return r.surface(e, f, depth)
	case "Envelope", "Box":
		return r.envelope(e, f)
	case "MultiPoint":
		return r.multi(e, f, depth, geom.MultiPoint, []string{"pointMember", "pointMembers"})
	case "MultiLineString":
		return r.multi(e, f, depth, geom.MultiLineString, []string{"lineStringMember", "lineStringMembers"})
	case "MultiCurve":
		return r.multi(e, f, depth, geom.MultiLineString, []string{"curveMember", "curveMembers"})
	case "MultiPolygon":
		return r.multi(e, f, depth, geom.MultiPolygon, []string{"polygonMember", "polygonMembers"})
	case "MultiSurface":
		return r.multi(e, f, depth, geom.MultiPolygon, []string{"surfaceMember", "surfaceMembers"})
	case "MultiGeometry":
		return r.multi(e, f, depth, geom.GeometryCollection, []string{"geometryMember", "geometryMembers"})
	}
	return Geometry{}, invalid("GML geometry %s is not supported; use Point, LineString, Polygon, Envelope or their Multi forms", e.Local)
}

// member reads the geometry child of e, which has its own srsName and srsDimension.
func (r *reader) member(e *ows.Element, f frame, depth int) (Geometry, error) {
	f, err := r.context(e, f, false)
	if err != nil {
		return Geometry{}, err
	}
	return r.geometry(e, f, depth+1)
}

func (r *reader) point(e *ows.Element, f frame) (Geometry, error) {
	coords, dim, err := r.positions(e, f)
	if err != nil {
		return Geometry{}, err
	}
	if len(coords) != dim {
		return Geometry{}, invalid("a gml:Point needs exactly one position")
	}
	return Geometry{Type: geom.Point, HasZ: dim == 3, Coords: coords}, nil
}

func (r *reader) line(e *ows.Element, f frame, t geom.Type) (Geometry, error) {
	coords, dim, err := r.positions(e, f)
	if err != nil {
		return Geometry{}, err
	}
	return Geometry{Type: t, HasZ: dim == 3, Coords: coords}, nil
}

// curve reads a gml:Curve whose segments are all LineStringSegment elements.
func (r *reader) curve(e *ows.Element, f frame, t geom.Type) (Geometry, error) {
	segs := e.Child("segments")
	if segs == nil {
		return Geometry{}, invalid("gml:Curve needs gml:segments")
	}
	out := Geometry{Type: t}
	dim := 0
	for _, s := range segs.Children {
		if s.Local != "LineStringSegment" {
			return Geometry{}, invalid("curve segment %s is not supported; only gml:LineStringSegment is", s.Local)
		}
		sf, err := r.context(s, f, false)
		if err != nil {
			return Geometry{}, err
		}
		coords, d, err := r.positions(s, sf)
		if err != nil {
			return Geometry{}, err
		}
		if dim != 0 && d != dim {
			return Geometry{}, invalid("the segments of a gml:Curve have different dimensions")
		}
		dim = d
		// Consecutive segments share their joining position.
		if len(out.Coords) >= d && len(coords) >= d && equal(out.Coords[len(out.Coords)-d:], coords[:d]) {
			coords = coords[d:]
		}
		out.Coords = append(out.Coords, coords...)
	}
	if dim == 0 {
		return Geometry{}, invalid("gml:Curve has no segment")
	}
	out.HasZ = dim == 3
	return out, nil
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (r *reader) polygon(e *ows.Element, f frame, depth int) (Geometry, error) {
	var exterior *Geometry
	var interiors []Geometry
	for _, c := range e.Children {
		isExterior := false
		switch c.Local {
		case "exterior", "outerBoundaryIs":
			isExterior = true
		case "interior", "innerBoundaryIs":
		default:
			return Geometry{}, invalid("unexpected element %s in gml:Polygon", c.Local)
		}
		if len(c.Children) != 1 {
			return Geometry{}, invalid("gml:%s needs one ring", c.Local)
		}
		ring, err := r.ring(c.Children[0], f, depth)
		if err != nil {
			return Geometry{}, err
		}
		if !isExterior {
			interiors = append(interiors, ring)
			continue
		}
		if exterior != nil {
			return Geometry{}, invalid("gml:Polygon has two exterior rings")
		}
		exterior = &ring
	}
	if exterior == nil {
		return Geometry{}, invalid("gml:Polygon needs an exterior ring")
	}
	out := Geometry{Type: geom.Polygon, HasZ: exterior.HasZ, Parts: append([]Geometry{*exterior}, interiors...)}
	for _, p := range out.Parts {
		if p.HasZ != out.HasZ {
			return Geometry{}, invalid("the rings of a gml:Polygon have different dimensions")
		}
	}
	return out, nil
}

// ring reads a LinearRing, or a Ring made of curve members, as a Ring.
func (r *reader) ring(e *ows.Element, f frame, depth int) (Geometry, error) {
	f, err := r.context(e, f, false)
	if err != nil {
		return Geometry{}, err
	}
	switch e.Local {
	case "LinearRing":
		return r.line(e, f, geom.Ring)
	case "Ring":
		out := Geometry{Type: geom.Ring}
		dim := 0
		for _, m := range e.Children {
			if m.Local != "curveMember" || len(m.Children) != 1 {
				return Geometry{}, invalid("gml:Ring holds gml:curveMember elements with one curve each")
			}
			c, err := r.member(m.Children[0], f, depth)
			if err != nil {
				return Geometry{}, err
			}
			if c.Type != geom.LineString {
				return Geometry{}, invalid("a gml:Ring member must be a line")
			}
			d := c.Dim()
			if dim != 0 && d != dim {
				return Geometry{}, invalid("the members of a gml:Ring have different dimensions")
			}
			dim = d
			coords := c.Coords
			if len(out.Coords) >= d && equal(out.Coords[len(out.Coords)-d:], coords[:d]) {
				coords = coords[d:]
			}
			out.Coords = append(out.Coords, coords...)
		}
		out.HasZ = dim == 3
		return out, nil
	}
	return Geometry{}, invalid("polygon boundary %s is not supported; use gml:LinearRing", e.Local)
}

func (r *reader) surface(e *ows.Element, f frame, depth int) (Geometry, error) {
	patches := e.Child("patches")
	if patches == nil {
		patches = e.Child("polygonPatches")
	}
	if patches == nil || len(patches.Children) != 1 || patches.Children[0].Local != "PolygonPatch" {
		return Geometry{}, invalid("gml:Surface is supported with exactly one gml:PolygonPatch")
	}
	pf, err := r.context(patches.Children[0], f, false)
	if err != nil {
		return Geometry{}, err
	}
	return r.polygon(patches.Children[0], pf, depth)
}

// envelope reads gml:Envelope (GML 3) and gml:Box (GML 2) as a rectangle polygon.
func (r *reader) envelope(e *ows.Element, f frame) (Geometry, error) {
	var corners []float64
	dim := 0
	lc, uc := e.Child("lowerCorner"), e.Child("upperCorner")
	switch {
	case lc != nil && uc != nil:
		lo, dl, err := r.positions(lc, f)
		if err != nil {
			return Geometry{}, err
		}
		hi, dh, err := r.positions(uc, f)
		if err != nil {
			return Geometry{}, err
		}
		if len(lo) != dl || len(hi) != dh || dl != dh {
			return Geometry{}, invalid("the envelope corners need one position each, of the same dimension")
		}
		corners, dim = append(lo, hi...), dl
	default:
		var err error
		corners, dim, err = r.positions(e, f)
		if err != nil {
			return Geometry{}, err
		}
		if len(corners) != 2*dim {
			return Geometry{}, invalid("gml:%s needs lowerCorner and upperCorner, or two positions", e.Local)
		}
	}
	x0, y0, x1, y1 := corners[0], corners[1], corners[dim], corners[dim+1]
	if x0 > x1 || y0 > y1 {
		return Geometry{}, invalid("the lower corner of gml:%s is above or right of its upper corner", e.Local)
	}
	ring := Geometry{Type: geom.Ring, Coords: []float64{x0, y0, x1, y0, x1, y1, x0, y1, x0, y0}}
	return Geometry{Type: geom.Polygon, Parts: []Geometry{ring}}, nil
}

func (r *reader) multi(e *ows.Element, f frame, depth int, t geom.Type, members []string) (Geometry, error) {
	out := Geometry{Type: t}
	add := func(g Geometry) error {
		if len(out.Parts) > 0 && out.HasZ != g.HasZ {
			return invalid("the members of gml:%s have different dimensions", e.Local)
		}
		out.HasZ = g.HasZ
		// A MultiCurve or MultiSurface member may itself be a collection: its members
		// are taken one by one.
		if g.Type == t && t != geom.GeometryCollection {
			out.Parts = append(out.Parts, g.Parts...)
		} else {
			out.Parts = append(out.Parts, g)
		}
		return nil
	}
	for _, c := range e.Children {
		switch c.Local {
		case members[0]:
			if len(c.Children) != 1 {
				return Geometry{}, invalid("gml:%s needs exactly one geometry", c.Local)
			}
			g, err := r.member(c.Children[0], f, depth)
			if err != nil {
				return Geometry{}, err
			}
			if err := add(g); err != nil {
				return Geometry{}, err
			}
		case members[1]:
			for _, m := range c.Children {
				g, err := r.member(m, f, depth)
				if err != nil {
					return Geometry{}, err
				}
				if err := add(g); err != nil {
					return Geometry{}, err
				}
			}
		default:
			return Geometry{}, invalid("unexpected element %s in gml:%s", c.Local, e.Local)
		}
	}
	return out, nil
}

// positions reads the coordinates of e, in whichever form it uses: gml:posList, gml:pos
// elements, gml:pointProperty or gml:pointRep points, GML 2 gml:coordinates or gml:coord
// elements. It returns the x/y[/z] values and the number of values per position.
func (r *reader) positions(e *ows.Element, f frame) ([]float64, int, error) {
	var out []float64
	dim := f.dim
	addPos := func(vals []float64, d int) error {
		if dim == 0 {
			dim = d
		}
		if d != dim || len(vals) != d {
			return invalid("a position of gml:%s has %d values where %d are expected", e.Local, len(vals), dim)
		}
		out = append(out, vals...)
		return nil
	}
	// A Point, a corner or a pos element holds its values as text.
	if e.Local == "pos" || e.Local == "lowerCorner" || e.Local == "upperCorner" {
		vals, err := numbers(e.TrimText())
		if err != nil {
			return nil, 0, err
		}
		d := dim
		if v, ok := e.AttrValue("srsDimension"); ok {
			if d, err = dimension(v); err != nil {
				return nil, 0, err
			}
		} else if d == 0 {
			d = len(vals)
		}
		if len(vals) != d || (d != 2 && d != 3) {
			return nil, 0, invalid("gml:%s holds %d values; a position needs 2 or 3", e.Local, len(vals))
		}
		return swapped(vals, d, f.swap), d, nil
	}
	for _, c := range e.Children {
		switch c.Local {
		case "posList":
			vals, err := numbers(c.TrimText())
			if err != nil {
				return nil, 0, err
			}
			d := dim
			if v, ok := c.AttrValue("srsDimension"); ok {
				if d, err = dimension(v); err != nil {
					return nil, 0, err
				}
			} else if d == 0 {
				d = 2
			}
			if len(vals)%d != 0 {
				return nil, 0, invalid("gml:posList holds %d values, which is not a multiple of srsDimension %d", len(vals), d)
			}
			if dim != 0 && d != dim {
				return nil, 0, invalid("gml:posList has srsDimension %d inside a geometry of dimension %d", d, dim)
			}
			dim = d
			out = append(out, swapped(vals, d, f.swap)...)
		case "pos":
			vals, d, err := r.positions(c, frame{srid: f.srid, swap: f.swap, dim: dim})
			if err != nil {
				return nil, 0, err
			}
			if err := addPos(vals, d); err != nil {
				return nil, 0, err
			}
		case "pointProperty", "pointRep":
			if len(c.Children) != 1 || c.Children[0].Local != "Point" {
				return nil, 0, invalid("gml:%s needs one gml:Point", c.Local)
			}
			pf, err := r.context(c.Children[0], frame{srid: f.srid, swap: f.swap, dim: dim}, false)
			if err != nil {
				return nil, 0, err
			}
			p, err := r.point(c.Children[0], pf)
			if err != nil {
				return nil, 0, err
			}
			if err := addPos(p.Coords, p.Dim()); err != nil {
				return nil, 0, err
			}
		case "coordinates":
			vals, d, err := gml2Coordinates(c)
			if err != nil {
				return nil, 0, err
			}
			if dim != 0 && d != dim {
				return nil, 0, invalid("gml:coordinates tuples have %d values where %d are expected", d, dim)
			}
			dim = d
			out = append(out, swapped(vals, d, f.swap)...)
		case "coord":
			vals, err := gml2Coord(c)
			if err != nil {
				return nil, 0, err
			}
			if err := addPos(swapped(vals, len(vals), f.swap), len(vals)); err != nil {
				return nil, 0, err
			}
		}
	}
	if len(out) == 0 {
		return nil, 0, invalid("gml:%s has no coordinates", e.Local)
	}
	return out, dim, nil
}

// swapped exchanges the first two values of each position in place when swap is set.
func swapped(vals []float64, dim int, swap bool) []float64 {
	if swap {
		for i := 0; i+1 < len(vals); i += dim {
			vals[i], vals[i+1] = vals[i+1], vals[i]
		}
	}
	return vals
}

func numbers(s string) ([]float64, error) {
	fields := strings.Fields(s)
	out := make([]float64, 0, len(fields))
	for _, f := range fields {
		v, err := parseNumber(f)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v || v > 1e300 || v < -1e300 {
		return 0, invalid("coordinate %q is not a finite number", truncate(s))
	}
	return v, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// gml2Coordinates reads GML 2 gml:coordinates with its decimal, cs and ts attributes
// (".", "," and a space by default).
func gml2Coordinates(e *ows.Element) ([]float64, int, error) {
	dec, cs, ts := ".", ",", " "
	if v, ok := e.AttrValue("decimal"); ok && v != "" {
		dec = v
	}
	if v, ok := e.AttrValue("cs"); ok && v != "" {
		cs = v
	}
	if v, ok := e.AttrValue("ts"); ok && v != "" {
		ts = v
	}
	if dec == cs || dec == ts || cs == ts {
		return nil, 0, invalid("gml:coordinates needs distinct decimal, cs and ts characters")
	}
	text := e.TrimText()
	var tuples []string
	if strings.TrimSpace(ts) == "" {
		tuples = strings.Fields(text)
	} else {
		for _, t := range strings.Split(text, ts) {
			if t = strings.TrimSpace(t); t != "" {
				tuples = append(tuples, t)
			}
		}
	}
	var out []float64
	dim := 0
	for _, t := range tuples {
		parts := strings.Split(t, cs)
		if dim == 0 {
			dim = len(parts)
		}
		if len(parts) != dim || (dim != 2 && dim != 3) {
			return nil, 0, invalid("gml:coordinates tuple %q needs 2 or 3 values like the others", truncate(t))
		}
		for _, p := range parts {
			p = strings.TrimSpace(p)
			if dec != "." {
				p = strings.ReplaceAll(p, dec, ".")
			}
			v, err := parseNumber(p)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, 0, invalid("gml:coordinates is empty")
	}
	return out, dim, nil
}

func gml2Coord(e *ows.Element) ([]float64, error) {
	var out []float64
	for _, name := range []string{"X", "Y", "Z"} {
		c := e.Child(name)
		if c == nil {
			if name == "Z" {
				break
			}
			return nil, invalid("gml:coord needs X and Y")
		}
		v, err := parseNumber(c.TrimText())
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

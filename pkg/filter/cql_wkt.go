package filter

import (
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/geom"
)

var wktTypes = map[string]geom.Type{
	"POINT": geom.Point, "LINESTRING": geom.LineString, "POLYGON": geom.Polygon,
	"MULTIPOINT": geom.MultiPoint, "MULTILINESTRING": geom.MultiLineString,
	"MULTIPOLYGON": geom.MultiPolygon, "GEOMETRYCOLLECTION": geom.GeometryCollection,
}

// wkt reads a WKT geometry whose type keyword is the next token. Coordinates are x/y,
// with Z when the keyword is followed by Z.
func (p *cqlParser) wkt(srid, depth int) (geom.Geometry, error) {
	g, err := p.wktTagged(depth)
	if err != nil {
		return geom.Geometry{}, err
	}
	g.SRID = srid
	if err := g.Validate(); err != nil {
		return geom.Geometry{}, invalidf("invalid WKT geometry: %s", strings.TrimPrefix(err.Error(), "geom: "))
	}
	return g, nil
}

func (p *cqlParser) wktTagged(depth int) (geom.Geometry, error) {
	if err := p.depthCheck(depth); err != nil {
		return geom.Geometry{}, err
	}
	t := p.next()
	typ, ok := wktTypes[strings.ToUpper(t.text)]
	if !ok || t.kind != tokIdent {
		return geom.Geometry{}, syntaxError(t.pos, "expected a WKT geometry type, found %s", describe(t))
	}
	hasZ := false
	switch {
	case p.keyword("Z"):
		p.i++
		hasZ = true
	case p.keyword("M"), p.keyword("ZM"):
		return geom.Geometry{}, syntaxError(p.peek().pos, "M coordinates are not supported")
	case p.keyword("EMPTY"):
		return geom.Geometry{}, syntaxError(p.peek().pos, "empty geometries are not supported")
	}
	return p.wktBody(typ, hasZ, depth)
}

func (p *cqlParser) wktBody(typ geom.Type, hasZ bool, depth int) (geom.Geometry, error) {
	g := geom.Geometry{Type: typ, HasZ: hasZ}
	var err error
	switch typ {
	case geom.Point:
		g.Coords, err = p.wktPositions(hasZ)
	case geom.LineString, geom.Ring:
		g.Coords, err = p.wktPositions(hasZ)
	case geom.Polygon:
		g.Parts, err = p.wktList(func() (geom.Geometry, error) { return p.wktBody(geom.Ring, hasZ, depth+1) })
	case geom.MultiPoint:
		// Members are written (x y) or, as many writers do, bare x y.
		if p.punct("(") && p.peekAt(1).kind != tokPunct || p.punct("(") && p.peekAt(1).text == "-" {
			var coords []float64
			coords, err = p.wktPositions(hasZ)
			dim := g.Dim()
			for i := 0; err == nil && i+dim <= len(coords); i += dim {
				g.Parts = append(g.Parts, geom.Geometry{Type: geom.Point, HasZ: hasZ, Coords: coords[i : i+dim]})
			}
			break
		}
		g.Parts, err = p.wktList(func() (geom.Geometry, error) { return p.wktBody(geom.Point, hasZ, depth+1) })
	case geom.MultiLineString:
		g.Parts, err = p.wktList(func() (geom.Geometry, error) { return p.wktBody(geom.LineString, hasZ, depth+1) })
	case geom.MultiPolygon:
		g.Parts, err = p.wktList(func() (geom.Geometry, error) { return p.wktBody(geom.Polygon, hasZ, depth+1) })
	case geom.GeometryCollection:
		g.Parts, err = p.wktList(func() (geom.Geometry, error) {
			m, err := p.wktTagged(depth + 1)
			if err == nil && m.HasZ != hasZ {
				return m, syntaxError(p.peek().pos, "the members of a GEOMETRYCOLLECTION have different dimensions")
			}
			return m, err
		})
	}
	return g, err
}

// wktList reads "(item, item...)".
func (p *cqlParser) wktList(item func() (geom.Geometry, error)) ([]geom.Geometry, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var out []geom.Geometry
	for {
		g, err := item()
		if err != nil {
			return nil, err
		}
		out = append(out, g)
		if !p.punct(",") {
			break
		}
		p.i++
	}
	return out, p.expect(")")
}

// wktPositions reads "(x y, x y...)".
func (p *cqlParser) wktPositions(hasZ bool) ([]float64, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	dim := 2
	if hasZ {
		dim = 3
	}
	var out []float64
	for {
		for i := 0; i < dim; i++ {
			v, err := p.wktNumber()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if !p.punct(",") {
			break
		}
		p.i++
	}
	return out, p.expect(")")
}

func (p *cqlParser) wktNumber() (float64, error) {
	sign := 1.0
	if p.punct("-") {
		p.i++
		sign = -1
	} else if p.punct("+") {
		p.i++
	}
	t := p.next()
	if t.kind != tokNumber {
		return 0, syntaxError(t.pos, "expected a coordinate, found %s", describe(t))
	}
	v, err := strconv.ParseFloat(t.text, 64)
	if err != nil || v != v || v > 1e300 {
		return 0, syntaxError(t.pos, "coordinate %s is not a finite number", t.text)
	}
	return sign * v, nil
}

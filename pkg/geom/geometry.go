package geom

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Geometry is a geometry built in Go from a request (a GML fragment, WKT text), ready to be
// sent to PostGIS as extended WKB. Coordinates are x/y (easting or longitude first) in the
// CRS SRID, with Z as a third value when HasZ is set.
type Geometry struct {
	Type Type
	// SRID is the EPSG code of the coordinates; members carry the root's.
	SRID int
	HasZ bool
	// Coords holds the positions of a Point, LineString or Ring, Dim() values each.
	Coords []float64
	// Parts holds the rings of a Polygon and the members of the other collections.
	Parts []Geometry
}

// Dim returns the number of values per position: 2, or 3 with Z.
func (g *Geometry) Dim() int {
	if g.HasZ {
		return 3
	}
	return 2
}

// Errors of Validate.
var (
	ErrEmpty        = errors.New("geom: empty geometry")
	ErrRingNotClose = errors.New("geom: polygon ring is not closed")
)

// Validate checks what PostGIS checks when it reads WKB, so that a bad geometry in a
// request is reported in words before it reaches the database: finite coordinates,
// two positions per line, four per ring and closed rings.
func (g *Geometry) Validate() error {
	return g.validate(0)
}

func (g *Geometry) validate(depth int) error {
	if depth > 32 {
		return errors.New("geom: geometry nested too deeply")
	}
	dim := g.Dim()
	if len(g.Coords)%dim != 0 {
		return fmt.Errorf("geom: %d coordinate values do not make whole %d-dimensional positions", len(g.Coords), dim)
	}
	for _, v := range g.Coords {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("geom: coordinates must be finite numbers")
		}
	}
	n := len(g.Coords) / dim
	switch g.Type {
	case Point:
		if n != 1 {
			return fmt.Errorf("geom: a point needs one position, found %d", n)
		}
	case LineString:
		if n < 2 {
			return fmt.Errorf("geom: a line needs at least two positions, found %d", n)
		}
	case Ring:
		if n < 4 {
			return fmt.Errorf("geom: a polygon ring needs at least four positions, found %d", n)
		}
		for i := 0; i < dim; i++ {
			if g.Coords[i] != g.Coords[len(g.Coords)-dim+i] {
				return ErrRingNotClose
			}
		}
	case Polygon:
		if len(g.Parts) == 0 {
			return fmt.Errorf("geom: a polygon needs an exterior ring")
		}
		for i := range g.Parts {
			if g.Parts[i].Type != Ring {
				return fmt.Errorf("geom: a polygon holds rings only")
			}
		}
	case MultiPoint, MultiLineString, MultiPolygon, GeometryCollection:
		want := map[Type]Type{MultiPoint: Point, MultiLineString: LineString, MultiPolygon: Polygon}[g.Type]
		for i := range g.Parts {
			if want != 0 && g.Parts[i].Type != want {
				return fmt.Errorf("geom: a %s holds %s members only", g.Type, want)
			}
			if g.Parts[i].Type == Ring {
				return fmt.Errorf("geom: a ring cannot be a collection member")
			}
		}
	default:
		return fmt.Errorf("geom: unsupported geometry type %d", g.Type)
	}
	for i := range g.Parts {
		if g.Parts[i].HasZ != g.HasZ {
			return errors.New("geom: mixed dimensions in one geometry")
		}
		if err := g.Parts[i].validate(depth + 1); err != nil {
			return err
		}
	}
	return nil
}

// EWKB returns the geometry as PostGIS extended WKB (little endian, SRID on the root,
// Z flag when HasZ), the form ST_GeomFromEWKB reads.
func (g *Geometry) EWKB() []byte {
	return g.appendEWKB(nil, true)
}

const (
	ewkbZ    = 0x80000000
	ewkbSRID = 0x20000000
)

func (g *Geometry) appendEWKB(b []byte, root bool) []byte {
	code := uint32(g.Type)
	if g.Type == Ring {
		code = uint32(LineString)
	}
	if g.HasZ {
		code |= ewkbZ
	}
	if root && g.SRID != 0 {
		code |= ewkbSRID
	}
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint32(b, code)
	if root && g.SRID != 0 {
		b = binary.LittleEndian.AppendUint32(b, uint32(g.SRID))
	}
	switch g.Type {
	case Point:
		return appendFloats(b, g.Coords)
	case LineString, Ring:
		b = binary.LittleEndian.AppendUint32(b, uint32(len(g.Coords)/g.Dim()))
		return appendFloats(b, g.Coords)
	case Polygon:
		b = binary.LittleEndian.AppendUint32(b, uint32(len(g.Parts)))
		for i := range g.Parts {
			r := &g.Parts[i]
			b = binary.LittleEndian.AppendUint32(b, uint32(len(r.Coords)/r.Dim()))
			b = appendFloats(b, r.Coords)
		}
		return b
	default:
		b = binary.LittleEndian.AppendUint32(b, uint32(len(g.Parts)))
		for i := range g.Parts {
			b = g.Parts[i].appendEWKB(b, false)
		}
		return b
	}
}

func appendFloats(b []byte, vs []float64) []byte {
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// Bounds returns the x/y bounding box of the geometry; ok is false when it has no
// position.
func (g *Geometry) Bounds() (minX, minY, maxX, maxY float64, ok bool) {
	minX, minY = math.Inf(1), math.Inf(1)
	maxX, maxY = math.Inf(-1), math.Inf(-1)
	var walk func(h *Geometry)
	walk = func(h *Geometry) {
		dim := h.Dim()
		for i := 0; i+1 < len(h.Coords); i += dim {
			x, y := h.Coords[i], h.Coords[i+1]
			minX, maxX = math.Min(minX, x), math.Max(maxX, x)
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
			ok = true
		}
		for i := range h.Parts {
			walk(&h.Parts[i])
		}
	}
	walk(g)
	return minX, minY, maxX, maxY, ok
}

// String returns the geometry as EWKT (SRID=2154;LINESTRING(...)), for logs and tests.
func (g *Geometry) String() string {
	var b strings.Builder
	if g.SRID != 0 {
		b.WriteString("SRID=" + strconv.Itoa(g.SRID) + ";")
	}
	g.writeWKT(&b, true)
	return b.String()
}

func (t Type) String() string {
	switch t {
	case Point:
		return "Point"
	case LineString:
		return "LineString"
	case Polygon:
		return "Polygon"
	case MultiPoint:
		return "MultiPoint"
	case MultiLineString:
		return "MultiLineString"
	case MultiPolygon:
		return "MultiPolygon"
	case GeometryCollection:
		return "GeometryCollection"
	case Ring:
		return "Ring"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

func (g *Geometry) writeWKT(b *strings.Builder, tagged bool) {
	if tagged {
		b.WriteString(strings.ToUpper(g.Type.String()))
		if g.HasZ {
			b.WriteString(" Z")
		}
		b.WriteByte(' ')
	}
	switch g.Type {
	case Point, LineString, Ring:
		b.WriteByte('(')
		dim := g.Dim()
		for i := 0; i < len(g.Coords); i += dim {
			if i > 0 {
				b.WriteByte(',')
			}
			for j := 0; j < dim && i+j < len(g.Coords); j++ {
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(strconv.FormatFloat(g.Coords[i+j], 'f', -1, 64))
			}
		}
		b.WriteByte(')')
	default:
		b.WriteByte('(')
		for i := range g.Parts {
			if i > 0 {
				b.WriteByte(',')
			}
			// Members of typed collections are written without their tag, as WKT does.
			g.Parts[i].writeWKT(b, g.Type == GeometryCollection)
		}
		b.WriteByte(')')
	}
}

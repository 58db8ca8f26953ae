package filter

import (
	"strings"

	"github.com/fourreau/fourreau/pkg/geom"
)

// SpatialOp is a binary spatial operator of FES 2.0 and Filter 1.x, with the meaning of
// the OGC simple features predicates (ST_Equals, ST_Disjoint... in PostGIS).
type SpatialOp string

// The binary spatial operators besides BBOX, DWithin and Beyond.
const (
	Equals     SpatialOp = "Equals"
	Disjoint   SpatialOp = "Disjoint"
	Touches    SpatialOp = "Touches"
	Within     SpatialOp = "Within"
	Overlaps   SpatialOp = "Overlaps"
	Crosses    SpatialOp = "Crosses"
	Intersects SpatialOp = "Intersects"
	Contains   SpatialOp = "Contains"
)

// Spatial is true when "property Op geometry" holds, as in Within(geom, polygon): the
// feature's geometry is within the polygon.
type Spatial struct {
	Op SpatialOp
	// Property is the geometry property; "" means the layer's geometry.
	Property string
	Geometry geom.Geometry
}

// DistanceUnit is the unit of Distance.Value.
type DistanceUnit int

// The units a distance is converted to when parsed.
const (
	// UnitCRS is the unit of the layer's CRS: the request gave no unit.
	UnitCRS DistanceUnit = iota
	UnitMetre
	UnitDegree
)

// Distance is DWithin (the property is within Value of the geometry) or, with Beyond,
// its negation: the property is farther than Value from the geometry.
type Distance struct {
	Beyond   bool
	Property string
	Geometry geom.Geometry
	Value    float64
	Unit     DistanceUnit
}

func (Spatial) isNode()  {}
func (Distance) isNode() {}

// linearUnits maps unit names and codes to metres. Keys are lower case, and a code is
// matched on what follows the last ':', '/' or '#' of a URN or URL, so that
// urn:ogc:def:uom:EPSG::9001 and http://www.opengis.net/def/uom/EPSG/0/9001 both read as
// 9001.
var linearUnits = map[string]float64{
	"m": 1, "metre": 1, "meter": 1, "metres": 1, "meters": 1, "9001": 1,
	"km": 1000, "kilometre": 1000, "kilometer": 1000, "kilometres": 1000, "kilometers": 1000, "9036": 1000,
	"cm": 0.01, "centimetre": 0.01, "centimeter": 0.01, "centimetres": 0.01, "centimeters": 0.01, "1033": 0.01,
	"mm": 0.001, "millimetre": 0.001, "millimeter": 0.001, "millimetres": 0.001, "millimeters": 0.001, "1025": 0.001,
	"ft": 0.3048, "foot": 0.3048, "feet": 0.3048, "9002": 0.3048,
	"us-ft": 1200.0 / 3937, "9003": 1200.0 / 3937,
	"mi": 1609.344, "mile": 1609.344, "miles": 1609.344, "statute mile": 1609.344, "9093": 1609.344,
	"nm": 1852, "nmi": 1852, "nautical mile": 1852, "nautical miles": 1852, "9030": 1852,
}

var angularUnits = map[string]bool{
	"deg": true, "degree": true, "degrees": true, "9102": true, "9122": true,
}

// ParseUnit reads a unit of measure and the factor that turns a value in it into metres
// or degrees. An empty unit means the unit of the layer's CRS.
func ParseUnit(s string) (unit DistanceUnit, factor float64, ok bool) {
	u := strings.ToLower(strings.TrimSpace(s))
	if u == "" {
		return UnitCRS, 1, true
	}
	if i := strings.LastIndexAny(u, ":/#"); i >= 0 && i < len(u)-1 {
		u = u[i+1:]
	}
	if f, found := linearUnits[u]; found {
		return UnitMetre, f, true
	}
	if angularUnits[u] {
		return UnitDegree, 1, true
	}
	return 0, 0, false
}

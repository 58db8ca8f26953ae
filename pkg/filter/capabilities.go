package filter

import "strings"

// The lists below are what the parsers accept and the PostGIS compiler implements. The
// WFS writes its Filter_Capabilities from them, so that the server advertises exactly
// what it evaluates.

// ComparisonOperators are the FES 2.0 names of the comparison operators.
var ComparisonOperators = []string{
	"PropertyIsEqualTo", "PropertyIsNotEqualTo", "PropertyIsLessThan", "PropertyIsGreaterThan",
	"PropertyIsLessThanOrEqualTo", "PropertyIsGreaterThanOrEqualTo", "PropertyIsLike",
	"PropertyIsNull", "PropertyIsNil", "PropertyIsBetween",
}

// SpatialOperators are the spatial operators, as FES 2.0 and Filter 1.1 name them.
var SpatialOperators = []string{
	"BBOX", "Equals", "Disjoint", "Touches", "Within", "Overlaps", "Crosses", "Intersects",
	"Contains", "DWithin", "Beyond",
}

// TemporalOperators are the FES 2.0 temporal operators accepted on date and timestamp
// properties. The others (BegunBy, EndedBy, TContains, Meets, MetBy, TOverlaps,
// OverlappedBy) relate two periods, and a property here is always an instant.
var TemporalOperators = []string{
	string(After), string(Before), string(Begins), string(Ends), string(During),
	string(TEquals), string(AnyInteracts),
}

// GeometryOperands are the GML geometry elements a spatial operator accepts.
var GeometryOperands = []string{
	"gml:Envelope", "gml:Point", "gml:LineString", "gml:Curve", "gml:Polygon", "gml:Surface",
	"gml:MultiPoint", "gml:MultiCurve", "gml:MultiLineString", "gml:MultiSurface",
	"gml:MultiPolygon", "gml:MultiGeometry",
}

// TemporalOperands are the GML time elements a temporal operator accepts.
var TemporalOperands = []string{"gml:TimeInstant", "gml:TimePeriod"}

// Argument is one argument of a filter function, with its XML Schema or GML type.
type Argument struct {
	Name string
	Type string
}

// FunctionSpec declares a filter function: its arguments and the type it returns.
type FunctionSpec struct {
	Name    string
	Args    []Argument
	Returns string
}

// XML Schema and GML types of function arguments and results.
const (
	TypeString   = "xs:string"
	TypeDouble   = "xs:double"
	TypeInteger  = "xs:integer"
	TypeGeometry = "gml:AbstractGeometryType"
)

// Functions are the filter functions. Areas are in square metres and lengths in metres,
// measured on the spheroid for layers in a geographic CRS.
var Functions = []FunctionSpec{
	{Name: "lower", Args: []Argument{{"value", TypeString}}, Returns: TypeString},
	{Name: "upper", Args: []Argument{{"value", TypeString}}, Returns: TypeString},
	{Name: "trim", Args: []Argument{{"value", TypeString}}, Returns: TypeString},
	{Name: "strLength", Args: []Argument{{"value", TypeString}}, Returns: TypeInteger},
	{Name: "concat", Args: []Argument{{"first", TypeString}, {"second", TypeString}}, Returns: TypeString},
	{Name: "abs", Args: []Argument{{"value", TypeDouble}}, Returns: TypeDouble},
	{Name: "floor", Args: []Argument{{"value", TypeDouble}}, Returns: TypeDouble},
	{Name: "ceil", Args: []Argument{{"value", TypeDouble}}, Returns: TypeDouble},
	{Name: "round", Args: []Argument{{"value", TypeDouble}}, Returns: TypeDouble},
	{Name: "area", Args: []Argument{{"geometry", TypeGeometry}}, Returns: TypeDouble},
	{Name: "length", Args: []Argument{{"geometry", TypeGeometry}}, Returns: TypeDouble},
}

// LookupFunction returns the function called name, matched without regard to case.
func LookupFunction(name string) (FunctionSpec, bool) {
	for _, f := range Functions {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return FunctionSpec{}, false
}

// Package feature is the core model shared by the protocols: published layers and their
// fields, feature queries, and the Store interface that the PostGIS package implements.
// It knows nothing of HTTP or SQL.
package feature

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the value type of a field, as the protocols see it.
type Kind int

// Field kinds.
const (
	KindString Kind = iota
	KindInt
	KindLong
	KindDecimal
	KindFloat
	KindBool
	KindDate
	KindDateTime
)

// XSDType returns the XML Schema type that DescribeFeatureType declares for the kind.
func (k Kind) XSDType() string {
	switch k {
	case KindInt:
		return "int"
	case KindLong:
		return "long"
	case KindDecimal:
		return "decimal"
	case KindFloat:
		return "double"
	case KindBool:
		return "boolean"
	case KindDate:
		return "date"
	case KindDateTime:
		return "dateTime"
	default:
		return "string"
	}
}

// Numeric reports whether values of the kind are written as JSON numbers.
func (k Kind) Numeric() bool {
	return k == KindInt || k == KindLong || k == KindDecimal || k == KindFloat
}

// Field is one published attribute column.
type Field struct {
	// Column is the database column name; GeoJSON and MVT use it as the property name.
	Column string
	// XMLName is the element name in GML and the name filters use: Column turned into a
	// valid XML NCName by ElementName.
	XMLName  string
	Kind     Kind
	DBType   string
	Nullable bool
}

// Layer is a published feature type.
type Layer struct {
	Name     string
	Title    string
	Abstract string
	Keywords []string

	Schema string
	Table  string
	// Key is the integer key column; feature ids are Name + "." + key value.
	Key string
	// Geometry is the geometry column and GeomElement its XML element name.
	Geometry     string
	GeomElement  string
	SRID         int
	GeometryType string // Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon or Geometry
	// Geographic is true when the CRS is in degrees (EPSG:4326): distances in metres are
	// then measured on the spheroid.
	Geographic bool
	// UnitMetres is the length of one unit of a projected CRS in metres (1 for
	// Lambert-93); 0 when the CRS is geographic or its unit is unknown.
	UnitMetres float64
	HasZ       bool
	Fields     []Field
}

// Field returns the field whose XML name or column name is name.
func (l *Layer) Field(name string) (*Field, bool) {
	for i := range l.Fields {
		if l.Fields[i].XMLName == name || l.Fields[i].Column == name {
			return &l.Fields[i], true
		}
	}
	return nil, false
}

// IsGeometry reports whether name designates the layer's geometry property.
func (l *Layer) IsGeometry(name string) bool {
	return name == l.GeomElement || name == l.Geometry
}

// FeatureID returns the id that WFS writes for a key value, such as duct.42.
func (l *Layer) FeatureID(key string) string {
	return l.Name + "." + key
}

// ElementName maps a column name to a valid XML NCName, deterministically: characters
// that an NCName cannot hold become '_', and a name that does not start with a letter or
// '_' gets a leading '_'. Accented letters are kept.
func ElementName(column string) string {
	var b strings.Builder
	for i, r := range column {
		switch {
		case r == '_' || unicode.IsLetter(r):
			b.WriteRune(r)
		case i > 0 && (unicode.IsDigit(r) || r == '-' || r == '.' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)):
			b.WriteRune(r)
		case i == 0 && unicode.IsDigit(r):
			b.WriteByte('_')
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || !utf8.ValidString(s) {
		return "_"
	}
	return s
}

// Catalog is the set of published layers.
type Catalog struct {
	Layers []*Layer
	byName map[string]*Layer
}

// NewCatalog indexes layers by name (case-sensitive, as XML names are).
func NewCatalog(layers []*Layer) *Catalog {
	c := &Catalog{Layers: layers, byName: make(map[string]*Layer, len(layers))}
	for _, l := range layers {
		c.byName[l.Name] = l
	}
	return c
}

// Layer returns the layer called name.
func (c *Catalog) Layer(name string) (*Layer, bool) {
	l, ok := c.byName[name]
	return l, ok
}

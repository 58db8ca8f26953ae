// Package filter is the filter tree shared by the protocols: parsers for OGC Filter
// Encoding (FES 2.0, Filter 1.1 and 1.0) produce it, and the PostGIS store compiles it to
// SQL with every value bound as a parameter.
package filter

// Node is a filter expression.
type Node interface{ isNode() }

// And is true when every child is.
type And struct{ Children []Node }

// Or is true when one child is.
type Or struct{ Children []Node }

// Not negates its child.
type Not struct{ Child Node }

// CompareOp is a binary comparison operator.
type CompareOp string

// The comparison operators of FES 2.0 and Filter 1.x.
const (
	EqualTo              CompareOp = "="
	NotEqualTo           CompareOp = "<>"
	LessThan             CompareOp = "<"
	GreaterThan          CompareOp = ">"
	LessThanOrEqualTo    CompareOp = "<="
	GreaterThanOrEqualTo CompareOp = ">="
)

// Compare compares a property with a literal.
type Compare struct {
	Op        CompareOp
	Property  string
	Literal   string
	MatchCase bool
}

// Like matches a property against a pattern with the request's own wildcard characters.
type Like struct {
	Property   string
	Pattern    string
	WildCard   string
	SingleChar string
	EscapeChar string
	MatchCase  bool
}

// IsNull is true when the property is NULL (PropertyIsNull and PropertyIsNil).
type IsNull struct{ Property string }

// Between is true when Lower <= property <= Upper.
type Between struct {
	Property     string
	Lower, Upper string
}

// BBox is true when the geometry property intersects the envelope. Coordinates are x/y
// (easting or longitude first) in the CRS SRID.
type BBox struct {
	// Property is the geometry property; "" means the layer's geometry.
	Property               string
	MinX, MinY, MaxX, MaxY float64
	SRID                   int
}

// ResourceID selects features by id (duct.42). IDs of other layers select nothing in
// this layer; the protocol checks them against the requested types.
type ResourceID struct{ IDs []string }

func (And) isNode()        {}
func (Or) isNode()         {}
func (Not) isNode()        {}
func (Compare) isNode()    {}
func (Like) isNode()       {}
func (IsNull) isNode()     {}
func (Between) isNode()    {}
func (BBox) isNode()       {}
func (ResourceID) isNode() {}

// Conjoin returns the And of the non-nil nodes, or the single one, or nil.
func Conjoin(nodes ...Node) Node {
	var kept []Node
	for _, n := range nodes {
		if n != nil {
			kept = append(kept, n)
		}
	}
	switch len(kept) {
	case 0:
		return nil
	case 1:
		return kept[0]
	default:
		return And{Children: kept}
	}
}

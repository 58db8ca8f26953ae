package filter

import (
	"strconv"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// EnvelopeCRS resolves the srsName of a GML geometry or envelope in a filter and reports
// whether its coordinates are written northing first. The empty name stands for the
// CRS of geometries that name none.
type EnvelopeCRS func(srsName string) (srid int, swap bool, err error)

// Namespaces of the filter dialects.
const (
	NamespaceFES20 = "http://www.opengis.net/fes/2.0"
	NamespaceOGC   = "http://www.opengis.net/ogc"
)

// dialect is the filter language of a document, given by the namespace of its Filter
// element. A filter without a namespace is read with the union of both.
type dialect int

const (
	dialectAny   dialect = iota
	dialectFES20         // fes:Filter, FES 2.0
	dialectOGC           // ogc:Filter, Filter 1.0 and 1.1
)

// invalidf returns the exception of a filter that is well-formed but cannot be
// evaluated: an unknown operator, a missing operand, a bad value.
func invalidf(format string, args ...any) *ows.Exception {
	return ows.Errorf(ows.InvalidParameterValue, "filter", format, args...)
}

// ParseXML reads a fes:Filter (FES 2.0) or ogc:Filter (Filter 1.0 and 1.1) element. The
// operators of the other dialect are rejected: arithmetic (Add, Sub, Mul, Div) in FES
// 2.0, which dropped it, and temporal operators in Filter 1.x, which has none. A filter
// element without a namespace accepts both. env resolves the srsName of GML geometries.
func ParseXML(e *ows.Element, env EnvelopeCRS) (Node, error) {
	if e.Local != "Filter" {
		return nil, ows.Errorf(ows.OperationParsingFailed, "filter", "expected a Filter element, found %s", e.Local)
	}
	p := &parser{env: env}
	switch e.Space {
	case NamespaceFES20:
		p.dialect = dialectFES20
	case NamespaceOGC:
		p.dialect = dialectOGC
	case "":
	default:
		return nil, invalidf("the Filter element is in namespace %q; use %s (FES 2.0) or %s (Filter 1.x)", e.Space, NamespaceFES20, NamespaceOGC)
	}
	nodes, err := p.predicates(e.Children, 0)
	if err != nil {
		return nil, err
	}
	switch len(nodes) {
	case 0:
		return nil, invalidf("the filter is empty")
	case 1:
		return nodes[0], nil
	}
	return nil, invalidf("a filter holds one operator; combine several with And or Or")
}

type parser struct {
	env     EnvelopeCRS
	dialect dialect
}

// maxNesting bounds the depth of logical operators and expressions. The XML parser
// already limits documents to ows.MaxXMLDepth levels; this keeps the bound explicit.
const maxNesting = ows.MaxXMLDepth

// predicates reads a list of filter predicates. The identifiers (ResourceId, FeatureId,
// GmlObjectId) of the list form one ResourceID node, placed first.
func (p *parser) predicates(children []*ows.Element, depth int) ([]Node, error) {
	var ids []string
	var nodes []Node
	for _, c := range children {
		switch c.Local {
		case "ResourceId", "FeatureId", "GmlObjectId":
			if err := p.checkNamespace(c); err != nil {
				return nil, err
			}
			id := strings.TrimSpace(attr(c, "rid", "fid", "id"))
			if id == "" {
				return nil, invalidf("%s without an identifier", c.Local)
			}
			ids = append(ids, id)
		default:
			n, err := p.node(c, depth)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
	}
	if len(ids) == 0 {
		return nodes, nil
	}
	// FES 2.0 lets a logical operator hold identifiers beside other predicates, but a
	// filter itself holds either identifiers or one predicate.
	if len(nodes) > 0 && depth == 0 {
		return nil, invalidf("a filter cannot mix identifiers with other operators")
	}
	return append([]Node{ResourceID{IDs: ids}}, nodes...), nil
}

func attr(e *ows.Element, names ...string) string {
	for _, n := range names {
		if v, ok := e.AttrValue(n); ok {
			return v
		}
	}
	return ""
}

// checkNamespace rejects operator elements of a namespace other than the filter's.
func (p *parser) checkNamespace(e *ows.Element) error {
	switch e.Space {
	case "", NamespaceFES20, NamespaceOGC:
		return nil
	}
	return invalidf("element %s in namespace %q is not a filter operator", e.Local, e.Space)
}

var compareOps = map[string]CompareOp{
	"PropertyIsEqualTo":              EqualTo,
	"PropertyIsNotEqualTo":           NotEqualTo,
	"PropertyIsLessThan":             LessThan,
	"PropertyIsGreaterThan":          GreaterThan,
	"PropertyIsLessThanOrEqualTo":    LessThanOrEqualTo,
	"PropertyIsGreaterThanOrEqualTo": GreaterThanOrEqualTo,
}

var spatialOps = map[string]SpatialOp{
	"Equals": Equals, "Disjoint": Disjoint, "Touches": Touches, "Within": Within,
	"Overlaps": Overlaps, "Crosses": Crosses, "Intersects": Intersects, "Contains": Contains,
}

func (p *parser) node(e *ows.Element, depth int) (Node, error) {
	if depth > maxNesting {
		return nil, invalidf("the filter is nested deeper than %d levels", maxNesting)
	}
	if err := p.checkNamespace(e); err != nil {
		return nil, err
	}
	switch e.Local {
	case "And", "Or":
		kids, err := p.predicates(e.Children, depth+1)
		if err != nil {
			return nil, err
		}
		if len(kids) < 2 {
			return nil, invalidf("%s needs at least two operands", e.Local)
		}
		if e.Local == "And" {
			return And{Children: kids}, nil
		}
		return Or{Children: kids}, nil
	case "Not":
		kids, err := p.predicates(e.Children, depth+1)
		if err != nil {
			return nil, err
		}
		if len(kids) != 1 {
			return nil, invalidf("Not needs exactly one operand")
		}
		return Not{Child: kids[0]}, nil
	case "PropertyIsLike":
		return p.like(e, depth)
	case "PropertyIsNull", "PropertyIsNil":
		prop := propertyName(e)
		if prop == "" || len(e.Children) != 1 {
			return nil, invalidf("%s needs exactly one property name", e.Local)
		}
		return IsNull{Property: prop}, nil
	case "PropertyIsBetween":
		return p.between(e, depth)
	case "BBOX":
		return p.bbox(e)
	case "DWithin", "Beyond":
		return p.distance(e)
	}
	if op, ok := compareOps[e.Local]; ok {
		ops, err := p.operands(e, depth)
		if err != nil {
			return nil, err
		}
		if len(ops) != 2 {
			return nil, invalidf("%s needs two operands, found %d", e.Local, len(ops))
		}
		return comparison(op, ops[0], ops[1], matchCase(e)), nil
	}
	if op, ok := spatialOps[e.Local]; ok {
		return p.spatial(e, op)
	}
	if isTemporal(e.Local) {
		if p.dialect == dialectOGC {
			return nil, invalidf("temporal operator %s is not part of Filter 1.x; use an FES 2.0 fes:Filter", e.Local)
		}
		return p.temporal(e)
	}
	return nil, invalidf("filter operator %s is not supported; Filter_Capabilities lists the supported ones", e.Local)
}

func isTemporal(name string) bool {
	switch TemporalOp(name) {
	case After, Before, Begins, Ends, During, TEquals, AnyInteracts:
		return true
	}
	switch name {
	case "BegunBy", "EndedBy", "TContains", "Meets", "MetBy", "TOverlaps", "OverlappedBy":
		return true
	}
	return false
}

func matchCase(e *ows.Element) bool {
	v, ok := e.AttrValue("matchCase")
	v = strings.TrimSpace(v)
	return !ok || v == "true" || v == "1"
}

// propertyName returns the text of the first ValueReference or PropertyName child.
func propertyName(e *ows.Element) string {
	for _, c := range e.Children {
		if c.Local == "ValueReference" || c.Local == "PropertyName" {
			return c.TrimText()
		}
	}
	return ""
}

// operands reads the expression children of an operator.
func (p *parser) operands(e *ows.Element, depth int) ([]Expr, error) {
	var out []Expr
	for _, c := range e.Children {
		x, err := p.expr(c, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// expr reads an expression element: a property name, a literal, a function or, in
// Filter 1.x, an arithmetic operator.
func (p *parser) expr(e *ows.Element, depth int) (Expr, error) {
	if depth > maxNesting {
		return nil, invalidf("the filter is nested deeper than %d levels", maxNesting)
	}
	if err := p.checkNamespace(e); err != nil {
		return nil, err
	}
	switch e.Local {
	case "ValueReference", "PropertyName":
		name := e.TrimText()
		if name == "" || len(e.Children) > 0 {
			return nil, invalidf("%s needs a property name as text", e.Local)
		}
		return Property{Name: name}, nil
	case "Literal":
		if len(e.Children) > 0 {
			return nil, invalidf("a Literal holding the element %s is not supported here", e.Children[0].Local)
		}
		// Literal content keeps its white space: it is compared as given.
		return Literal{Value: e.Text}, nil
	case "Function":
		name := strings.TrimSpace(attr(e, "name"))
		spec, ok := LookupFunction(name)
		if !ok {
			return nil, invalidf("function %q is not supported; Filter_Capabilities lists the supported ones", name)
		}
		args, err := p.operands(e, depth)
		if err != nil {
			return nil, err
		}
		if len(args) != len(spec.Args) {
			return nil, invalidf("function %s takes %d arguments, found %d", spec.Name, len(spec.Args), len(args))
		}
		return Function{Name: spec.Name, Args: args}, nil
	case "Add", "Sub", "Mul", "Div":
		if p.dialect == dialectFES20 {
			return nil, invalidf("arithmetic operator %s is not part of FES 2.0; use an ogc:Filter (Filter 1.1) or CQL_FILTER", e.Local)
		}
		args, err := p.operands(e, depth)
		if err != nil {
			return nil, err
		}
		if len(args) != 2 {
			return nil, invalidf("%s needs two operands, found %d", e.Local, len(args))
		}
		op := map[string]ArithmeticOp{"Add": Add, "Sub": Sub, "Mul": Mul, "Div": Div}[e.Local]
		return Arithmetic{Op: op, Left: args[0], Right: args[1]}, nil
	}
	return nil, invalidf("%s is not an expression; use a property name, a literal or a function", e.Local)
}

func (p *parser) like(e *ows.Element, depth int) (Node, error) {
	ops, err := p.operands(e, depth)
	if err != nil {
		return nil, err
	}
	if len(ops) != 2 {
		return nil, invalidf("PropertyIsLike needs a property and a literal pattern")
	}
	pattern, ok := ops[1].(Literal)
	if !ok {
		return nil, invalidf("the pattern of PropertyIsLike must be a literal")
	}
	wild, single, esc := attr(e, "wildCard"), attr(e, "singleChar"), attr(e, "escapeChar", "escape")
	if prop, ok := ops[0].(Property); ok {
		return Like{Property: prop.Name, Pattern: pattern.Value, WildCard: wild, SingleChar: single, EscapeChar: esc, MatchCase: matchCase(e)}, nil
	}
	return LikeExpr{Value: ops[0], Pattern: pattern.Value, WildCard: wild, SingleChar: single, EscapeChar: esc, MatchCase: matchCase(e)}, nil
}

func (p *parser) between(e *ows.Element, depth int) (Node, error) {
	var value, lower, upper Expr
	for _, c := range e.Children {
		switch c.Local {
		case "LowerBoundary", "UpperBoundary":
			if len(c.Children) != 1 {
				return nil, invalidf("%s needs one expression", c.Local)
			}
			x, err := p.expr(c.Children[0], depth+1)
			if err != nil {
				return nil, err
			}
			if c.Local == "LowerBoundary" {
				lower = x
			} else {
				upper = x
			}
		default:
			if value != nil {
				return nil, invalidf("PropertyIsBetween has more than one value expression")
			}
			x, err := p.expr(c, depth+1)
			if err != nil {
				return nil, err
			}
			value = x
		}
	}
	if value == nil || lower == nil || upper == nil {
		return nil, invalidf("PropertyIsBetween needs a value, a LowerBoundary and an UpperBoundary")
	}
	return between(value, lower, upper), nil
}

// geometryOperand splits the children of a spatial operator into the optional property
// name and the GML geometry, which may sit directly in the operator or in a Literal.
func (p *parser) geometryOperand(e *ows.Element, skip ...string) (prop string, g *ows.Element, err error) {
	for _, c := range e.Children {
		switch {
		case c.Local == "ValueReference" || c.Local == "PropertyName":
			if prop != "" {
				return "", nil, invalidf("%s compares one property with a geometry; two property names are not supported", e.Local)
			}
			prop = c.TrimText()
		case c.Local == "Literal" && len(c.Children) == 1 && gml.IsGeometry(c.Children[0]):
			g = c.Children[0]
		case gml.IsGeometry(c):
			if g != nil {
				return "", nil, invalidf("%s takes one geometry", e.Local)
			}
			g = c
		case contains(skip, c.Local):
		default:
			return "", nil, invalidf("%s: operand %s is not supported; use a property name and a GML geometry", e.Local, c.Local)
		}
	}
	if g == nil {
		return "", nil, invalidf("%s needs a GML geometry", e.Local)
	}
	return prop, g, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (p *parser) readGeometry(e *ows.Element) (gml.Geometry, error) {
	g, err := gml.ReadWith(e, gml.SRSResolver(p.env))
	if err != nil {
		x := ows.AsException(err)
		if x.Code == ows.InvalidParameterValue && x.Locator == "" {
			x.Locator = "filter"
		}
		return gml.Geometry{}, x
	}
	return g, nil
}

func (p *parser) spatial(e *ows.Element, op SpatialOp) (Node, error) {
	prop, ge, err := p.geometryOperand(e)
	if err != nil {
		return nil, err
	}
	g, err := p.readGeometry(ge)
	if err != nil {
		return nil, err
	}
	return Spatial{Op: op, Property: prop, Geometry: g}, nil
}

func (p *parser) distance(e *ows.Element) (Node, error) {
	prop, ge, err := p.geometryOperand(e, "Distance")
	if err != nil {
		return nil, err
	}
	d := e.Child("Distance")
	if d == nil {
		return nil, invalidf("%s needs a Distance", e.Local)
	}
	value, err := strconv.ParseFloat(d.TrimText(), 64)
	if err != nil || value < 0 || value != value || value > 1e12 {
		return nil, invalidf("the distance %q of %s is not a non-negative number", d.TrimText(), e.Local)
	}
	unitName := attr(d, "uom", "units")
	unit, factor, ok := ParseUnit(unitName)
	if !ok {
		return nil, invalidf("unit of measure %q is not supported; use m, km, ft, mi, nmi or deg, or an EPSG unit code", unitName)
	}
	g, err := p.readGeometry(ge)
	if err != nil {
		return nil, err
	}
	return Distance{Beyond: e.Local == "Beyond", Property: prop, Geometry: g, Value: value * factor, Unit: unit}, nil
}

func (p *parser) temporal(e *ows.Element) (Node, error) {
	op := TemporalOp(e.Local)
	if !contains(TemporalOperators, e.Local) {
		return nil, invalidf("temporal operator %s relates two periods; properties here are instants, so it is not supported", e.Local)
	}
	t := Temporal{Op: op}
	found := false
	for _, c := range e.Children {
		switch c.Local {
		case "ValueReference", "PropertyName":
			t.Property = c.TrimText()
		case "Literal":
			if len(c.Children) == 1 {
				if err := readTime(c.Children[0], &t); err != nil {
					return nil, err
				}
			} else {
				v, ok := ParseTime(c.Text)
				if !ok {
					return nil, invalidf("%q is not an ISO 8601 date or time", c.TrimText())
				}
				t.Begin = v
			}
			found = true
		case "TimeInstant", "TimePeriod":
			if err := readTime(c, &t); err != nil {
				return nil, err
			}
			found = true
		default:
			return nil, invalidf("%s: operand %s is not supported; use a property name and a gml:TimeInstant or gml:TimePeriod", e.Local, c.Local)
		}
	}
	if t.Property == "" || !found {
		return nil, invalidf("%s needs a property name and a time instant or period", e.Local)
	}
	return checkTemporal(t)
}

// readTime reads a gml:TimeInstant or gml:TimePeriod into t.
func readTime(e *ows.Element, t *Temporal) error {
	switch e.Local {
	case "TimeInstant":
		v, err := timePosition(e.Child("timePosition"))
		if err != nil {
			return err
		}
		t.Begin = v
		return nil
	case "TimePeriod":
		begin, err := periodEnd(e, "beginPosition", "begin")
		if err != nil {
			return err
		}
		end, err := periodEnd(e, "endPosition", "end")
		if err != nil {
			return err
		}
		t.Begin, t.End, t.Period = begin, end, true
		return nil
	}
	return invalidf("%s is not a time instant or period", e.Local)
}

// periodEnd reads one end of a gml:TimePeriod, written as a position element or as an
// instant inside begin or end.
func periodEnd(period *ows.Element, position, instant string) (time.Time, error) {
	if c := period.Child(position); c != nil {
		return timePosition(c)
	}
	if c := period.Child(instant); c != nil {
		if ti := c.Child("TimeInstant"); ti != nil {
			return timePosition(ti.Child("timePosition"))
		}
	}
	return time.Time{}, invalidf("gml:TimePeriod needs gml:%s", position)
}

func timePosition(e *ows.Element) (time.Time, error) {
	if e == nil {
		return time.Time{}, invalidf("the time instant needs a gml:timePosition")
	}
	v, ok := ParseTime(e.Text)
	if !ok {
		return time.Time{}, invalidf("time position %q is not an ISO 8601 date or time", e.TrimText())
	}
	return v, nil
}

func (p *parser) bbox(e *ows.Element) (Node, error) {
	b := BBox{}
	var env *ows.Element
	for _, c := range e.Children {
		switch {
		case c.Local == "ValueReference" || c.Local == "PropertyName":
			b.Property = c.TrimText()
		case c.Local == "Envelope" || c.Local == "Box":
			env = c
		case c.Local == "Literal" && len(c.Children) == 1 && (c.Children[0].Local == "Envelope" || c.Children[0].Local == "Box"):
			env = c.Children[0]
		default:
			return nil, invalidf("BBOX: operand %s is not supported; use a property name and a gml:Envelope", c.Local)
		}
	}
	if env == nil {
		return nil, invalidf("BBOX needs a gml:Envelope")
	}
	g, err := p.readGeometry(env)
	if err != nil {
		return nil, err
	}
	minX, minY, maxX, maxY, _ := g.Bounds()
	b.MinX, b.MinY, b.MaxX, b.MaxY, b.SRID = minX, minY, maxX, maxY, g.SRID
	return b, nil
}

// CRSResolver returns an EnvelopeCRS that reads srsName with the axis-order rules of
// package crs, using defaultSRID when the envelope names none.
func CRSResolver(reg *crs.Registry, defaultSRID int, defaultSwap bool) EnvelopeCRS {
	return func(srsName string) (int, bool, error) {
		if srsName == "" {
			return defaultSRID, defaultSwap, nil
		}
		n, err := crs.Parse(srsName)
		if err != nil {
			return 0, false, ows.Errorf(ows.InvalidParameterValue, "srsName", "unknown CRS %q", srsName)
		}
		if _, ok, err := reg.Lookup(n.SRID); err != nil {
			return 0, false, err
		} else if !ok {
			return 0, false, ows.Errorf(ows.InvalidParameterValue, "srsName", "unknown CRS %q", srsName)
		}
		swap, err := reg.Swap(n)
		return n.SRID, swap, err
	}
}

package filter

import (
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/ows"
)

// EnvelopeCRS resolves the CRS of a GML envelope and says whether its coordinates are
// written northing first. defaultSRID is used when the envelope has no srsName.
type EnvelopeCRS func(srsName string) (srid int, swap bool, err error)

// ParseXML reads a fes:Filter (FES 2.0) or ogc:Filter (Filter 1.0 and 1.1) element. The
// operators are matched by local name, so both namespaces are accepted.
func ParseXML(e *ows.Element, env EnvelopeCRS) (Node, error) {
	if e.Local != "Filter" {
		return nil, ows.Errorf(ows.OperationParsingFailed, "filter", "expected a Filter element, found %s", e.Local)
	}
	p := &parser{env: env}
	var ids []string
	var nodes []Node
	for _, c := range e.Children {
		switch c.Local {
		case "ResourceId", "FeatureId", "GmlObjectId":
			id := attr(c, "rid", "fid", "id")
			if id == "" {
				return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "%s without an identifier", c.Local)
			}
			ids = append(ids, id)
		default:
			n, err := p.node(c)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
	}
	switch {
	case len(ids) > 0 && len(nodes) > 0:
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "a filter cannot mix identifiers with other operators")
	case len(ids) > 0:
		return ResourceID{IDs: ids}, nil
	case len(nodes) == 1:
		return nodes[0], nil
	case len(nodes) == 0:
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "the filter is empty")
	default:
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "a filter holds one operator; combine several with And or Or")
	}
}

type parser struct {
	env EnvelopeCRS
}

func attr(e *ows.Element, names ...string) string {
	for _, n := range names {
		if v, ok := e.AttrValue(n); ok {
			return v
		}
	}
	return ""
}

var compareOps = map[string]CompareOp{
	"PropertyIsEqualTo":              EqualTo,
	"PropertyIsNotEqualTo":           NotEqualTo,
	"PropertyIsLessThan":             LessThan,
	"PropertyIsGreaterThan":          GreaterThan,
	"PropertyIsLessThanOrEqualTo":    LessThanOrEqualTo,
	"PropertyIsGreaterThanOrEqualTo": GreaterThanOrEqualTo,
}

func (p *parser) node(e *ows.Element) (Node, error) {
	switch e.Local {
	case "And", "Or":
		var kids []Node
		for _, c := range e.Children {
			n, err := p.node(c)
			if err != nil {
				return nil, err
			}
			kids = append(kids, n)
		}
		if len(kids) < 2 {
			return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "%s needs at least two operands", e.Local)
		}
		if e.Local == "And" {
			return And{Children: kids}, nil
		}
		return Or{Children: kids}, nil
	case "Not":
		if len(e.Children) != 1 {
			return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "Not needs exactly one operand")
		}
		n, err := p.node(e.Children[0])
		if err != nil {
			return nil, err
		}
		return Not{Child: n}, nil
	case "PropertyIsLike":
		prop, lit, err := propertyAndLiteral(e)
		if err != nil {
			return nil, err
		}
		return Like{Property: prop, Pattern: lit, WildCard: attr(e, "wildCard"), SingleChar: attr(e, "singleChar"),
			EscapeChar: attr(e, "escapeChar", "escape"), MatchCase: matchCase(e)}, nil
	case "PropertyIsNull", "PropertyIsNil":
		prop := propertyName(e)
		if prop == "" {
			return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "%s needs a property name", e.Local)
		}
		return IsNull{Property: prop}, nil
	case "PropertyIsBetween":
		prop := propertyName(e)
		lo, hi := e.Child("LowerBoundary"), e.Child("UpperBoundary")
		if prop == "" || lo == nil || hi == nil || lo.Child("Literal") == nil || hi.Child("Literal") == nil {
			return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "PropertyIsBetween needs a property, a LowerBoundary and an UpperBoundary literal")
		}
		return Between{Property: prop, Lower: lo.Child("Literal").TrimText(), Upper: hi.Child("Literal").TrimText()}, nil
	case "BBOX":
		return p.bbox(e)
	}
	if op, ok := compareOps[e.Local]; ok {
		prop, lit, err := propertyAndLiteral(e)
		if err != nil {
			return nil, err
		}
		return Compare{Op: op, Property: prop, Literal: lit, MatchCase: matchCase(e)}, nil
	}
	return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "filter operator %s is not supported; Filter_Capabilities lists the supported ones", e.Local)
}

func matchCase(e *ows.Element) bool {
	v, ok := e.AttrValue("matchCase")
	return !ok || v == "true" || v == "1"
}

func propertyName(e *ows.Element) string {
	for _, c := range e.Children {
		if c.Local == "ValueReference" || c.Local == "PropertyName" {
			return c.TrimText()
		}
	}
	return ""
}

func propertyAndLiteral(e *ows.Element) (prop, lit string, err error) {
	found := false
	for _, c := range e.Children {
		switch c.Local {
		case "ValueReference", "PropertyName":
			prop = c.TrimText()
		case "Literal":
			// Literal content keeps its white space: it is compared as given.
			lit, found = c.Text, true
		default:
			return "", "", ows.Errorf(ows.InvalidParameterValue, "filter", "%s: operand %s is not supported; use a property name and a literal", e.Local, c.Local)
		}
	}
	if prop == "" || !found {
		return "", "", ows.Errorf(ows.InvalidParameterValue, "filter", "%s needs a property name and a literal", e.Local)
	}
	return prop, lit, nil
}

func (p *parser) bbox(e *ows.Element) (Node, error) {
	b := BBox{Property: propertyName(e)}
	var env *ows.Element
	for _, c := range e.Children {
		if c.Local == "Envelope" || c.Local == "Box" {
			env = c
		}
	}
	if env == nil {
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "BBOX needs a gml:Envelope")
	}
	srsName, _ := env.AttrValue("srsName")
	srid, swap, err := p.env(srsName)
	if err != nil {
		return nil, err
	}
	var lower, upper []float64
	if lc, uc := env.Child("lowerCorner"), env.Child("upperCorner"); lc != nil && uc != nil {
		lower, err = numbers(lc.TrimText(), " ")
		if err == nil {
			upper, err = numbers(uc.TrimText(), " ")
		}
	} else if co := env.Child("coordinates"); co != nil {
		// GML 2 Box: "x1,y1 x2,y2".
		pairs := strings.Fields(co.TrimText())
		if len(pairs) != 2 {
			return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "gml:Box coordinates need two positions")
		}
		lower, err = numbers(pairs[0], ",")
		if err == nil {
			upper, err = numbers(pairs[1], ",")
		}
	} else if cs := childrenNamed(env, "coord"); len(cs) == 2 {
		lower, err = coord(cs[0])
		if err == nil {
			upper, err = coord(cs[1])
		}
	} else {
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "the envelope needs lowerCorner and upperCorner")
	}
	if err != nil {
		return nil, err
	}
	if len(lower) < 2 || len(upper) < 2 {
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "the envelope corners need two coordinates each")
	}
	if swap {
		lower[0], lower[1] = lower[1], lower[0]
		upper[0], upper[1] = upper[1], upper[0]
	}
	b.MinX, b.MinY, b.MaxX, b.MaxY, b.SRID = lower[0], lower[1], upper[0], upper[1], srid
	return b, nil
}

func childrenNamed(e *ows.Element, local string) []*ows.Element {
	var out []*ows.Element
	for _, c := range e.Children {
		if c.Local == local {
			out = append(out, c)
		}
	}
	return out
}

func coord(e *ows.Element) ([]float64, error) {
	x, y := e.Child("X"), e.Child("Y")
	if x == nil || y == nil {
		return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "gml:coord needs X and Y")
	}
	return numbers(x.TrimText()+" "+y.TrimText(), " ")
}

func numbers(s, sep string) ([]float64, error) {
	var out []float64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(sep+" \t\n\r", r) }) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, ows.Errorf(ows.InvalidParameterValue, "filter", "%q is not a number", f)
		}
		out = append(out, v)
	}
	return out, nil
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

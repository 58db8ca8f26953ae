package style

import (
	"fmt"
	"strings"

	"github.com/fourreau/fourreau/pkg/filter"
)

// Category is a network category of the data model with its NF P 98-332 colour, as the
// netdata.network_category table holds it.
type Category struct {
	Code    string
	Label   string // French label
	LabelEN string
	Colour  string // #RRGGBB
}

// Code is an entry of a code list: a code and its label.
type Code struct {
	Code, Label string
}

// Model holds the code lists that default styles are derived from.
type Model struct {
	Categories []Category
	PointKinds []Code
}

// Columns of the data model that default styles read.
const (
	ColumnCategory  = "network_category"
	ColumnStatus    = "lifecycle_status"
	ColumnPrecision = "precision_xy"
	ColumnPointKind = "point_kind"
	ColumnCode      = "code"
	columnRouteKind = "route_kind"
	columnWorksType = "works_type"
	columnWorksStat = "status"
)

// Colours and sizes of the default styles.
const (
	// undefinedColour is the grey NF P 98-332 gives to undefined networks, used when a
	// feature has no category or one missing from the code list.
	undefinedColour = "#828282"
	abandonedColour = "#A0A0A0"
	casingColour    = "#404040"
	defaultBlue     = "#1F78B4"
	// labelMaxScale is the scale denominator below which technical points are labelled.
	labelMaxScale = 5000
	// pointMaxScale is the scale denominator below which technical points are drawn: at
	// smaller scales they would only cover the lines.
	pointMaxScale = 100000
)

// DefaultName is the name of every layer's default style.
const DefaultName = "default"

// abandonedStatuses are the life-cycle statuses drawn thin and grey.
var abandonedStatuses = []string{"decommissioned", "dismantled"}

// LayerShape describes what a default style is derived from: the layer's geometry type
// and which columns it has.
type LayerShape struct {
	GeometryType string // Point, LineString, Polygon, their Multi forms, or Geometry
	Has          func(column string) bool
}

// Default derives the default style of a layer from the data model. Layers with a
// network_category column are drawn in the colour of their category: dashed when
// projected or of precision class C, thin and grey when abandoned. Technical points get
// a symbol per kind. Other layers get a plain blue style for their geometry type.
func Default(shape LayerShape, m Model) *Style {
	has := shape.Has
	if has == nil {
		has = func(string) bool { return false }
	}
	geomKind := kindOf(shape.GeometryType)
	s := &Style{Name: DefaultName}
	switch {
	case has(ColumnCategory) && has(ColumnPointKind) && geomKind == "point":
		s.Title = "Technical points by kind, in network colours"
		s.FeatureTypeStyles = []FeatureTypeStyle{{Rules: pointRules(has, m)}}
	case has(ColumnCategory) && has(columnWorksType) && geomKind == "line":
		s.Title = "Planned works, dashed, in network colours"
		s.FeatureTypeStyles = []FeatureTypeStyle{{Rules: worksRules(has, m)}}
	case has(ColumnCategory) && geomKind == "line":
		s.Title = "Network colours (NF P 98-332)"
		width := 2.0
		if has(columnRouteKind) {
			width = 3
		}
		s.FeatureTypeStyles = []FeatureTypeStyle{{Rules: lineRules(has, m, width)}}
	default:
		s.Title = "Default"
		s.FeatureTypeStyles = []FeatureTypeStyle{{Rules: []Rule{plainRule(geomKind)}}}
	}
	return s
}

func kindOf(geometryType string) string {
	t := strings.TrimPrefix(strings.ToLower(geometryType), "multi")
	switch t {
	case "point":
		return "point"
	case "linestring":
		return "line"
	case "polygon":
		return "polygon"
	}
	return "any"
}

// categoryColour is a Recode of network_category into the colours of the code list.
func categoryColour(m Model) Expr {
	items := make([]RecodeItem, 0, len(m.Categories))
	for _, c := range m.Categories {
		items = append(items, RecodeItem{Data: c.Code, Value: c.Colour, Label: c.Label})
	}
	return NewRecode(ColumnCategory, undefinedColour, items)
}

// casingOpacity is 1 for categories whose colour is too light to see on a light base
// map (yellow, white), which get a dark casing, and 0 for the others.
func casingOpacity(m Model) Expr {
	var items []RecodeItem
	for _, c := range m.Categories {
		col, err := ParseColor(c.Colour)
		if err != nil {
			continue
		}
		lum := 0.2126*float64(col.R)/255 + 0.7152*float64(col.G)/255 + 0.0722*float64(col.B)/255
		if lum > 0.8 {
			items = append(items, RecodeItem{Data: c.Code, Value: "1", Label: c.Label})
		}
	}
	return NewRecode(ColumnCategory, "0", items)
}

func inList(column string, values ...string) filter.Node {
	var nodes []filter.Node
	for _, v := range values {
		nodes = append(nodes, filter.Compare{Op: filter.EqualTo, Property: column, Literal: v, MatchCase: true})
	}
	if len(nodes) == 1 {
		return nodes[0]
	}
	return filter.Or{Children: nodes}
}

func lineRules(has func(string) bool, m Model, width float64) []Rule {
	w := fmt.Sprint(width)
	colour := categoryColour(m)
	casing := &LineSymbolizer{Stroke: &Stroke{Color: Lit(casingColour), Opacity: casingOpacity(m), Width: Lit(fmt.Sprint(width + 2)), LineCap: "round", LineJoin: "round"}}
	var abandoned, uncertain filter.Node
	if has(ColumnStatus) {
		abandoned = inList(ColumnStatus, abandonedStatuses...)
		uncertain = inList(ColumnStatus, "projected")
	}
	if has(ColumnPrecision) {
		uncertain = filter.Conjoin(orOf(uncertain, inList(ColumnPrecision, "C")))
	}
	notAbandoned := negate(abandoned)

	var rules []Rule
	if abandoned != nil {
		rules = append(rules, Rule{Name: "abandoned", Title: "Decommissioned or dismantled", Filter: abandoned,
			Symbolizers: []Symbolizer{&LineSymbolizer{Stroke: &Stroke{Color: Lit(abandonedColour), Width: Lit("1"), LineCap: "round", LineJoin: "round"}}}})
	}
	if uncertain != nil {
		rules = append(rules, Rule{Name: "uncertain", Title: "Projected, or precision class C (dashed)",
			Filter: filter.Conjoin(notAbandoned, uncertain),
			Symbolizers: []Symbolizer{casing, &LineSymbolizer{Stroke: &Stroke{Color: colour, Width: Lit(w), LineCap: "butt", LineJoin: "round",
				DashArray: []float64{3 * width, 2 * width}}}}})
	}
	rules = append(rules, Rule{Name: "network", Title: "Network category", Filter: filter.Conjoin(notAbandoned, negate(uncertain)),
		Symbolizers: []Symbolizer{casing, &LineSymbolizer{Stroke: &Stroke{Color: colour, Width: Lit(w), LineCap: "round", LineJoin: "round"}}}})
	return rules
}

func orOf(a, b filter.Node) filter.Node {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return filter.Or{Children: []filter.Node{a, b}}
}

func negate(n filter.Node) filter.Node {
	if n == nil {
		return nil
	}
	return filter.Not{Child: n}
}

func worksRules(has func(string) bool, m Model) []Rule {
	colour := categoryColour(m)
	var cancelled filter.Node
	if has(columnWorksStat) {
		cancelled = inList(columnWorksStat, "cancelled")
	}
	var rules []Rule
	if cancelled != nil {
		rules = append(rules, Rule{Name: "cancelled", Title: "Cancelled", Filter: cancelled,
			Symbolizers: []Symbolizer{&LineSymbolizer{Stroke: &Stroke{Color: Lit(abandonedColour), Width: Lit("1"), DashArray: []float64{4, 4}}}}})
	}
	rules = append(rules, Rule{Name: "works", Title: "Planned works (dashed)", Filter: negate(cancelled),
		Symbolizers: []Symbolizer{
			&LineSymbolizer{Stroke: &Stroke{Color: Lit(casingColour), Opacity: casingOpacity(m), Width: Lit("5"), DashArray: []float64{10, 5}}},
			&LineSymbolizer{Stroke: &Stroke{Color: colour, Width: Lit("3"), DashArray: []float64{10, 5}}},
		}})
	return rules
}

// pointShapes gives the symbol of each technical-point kind: squares for chambers,
// circles for poles and triangles for cabinets, as network plans draw them.
var pointShapes = map[string]string{
	"chamber":            "square",
	"manhole":            "square",
	"pole":               "circle",
	"cabinet":            "triangle",
	"facade_anchor":      "diamond",
	"building_entry":     "cross",
	"technical_building": "star",
	"junction":           "circle",
	"other":              "x",
}

func pointRules(has func(string) bool, m Model) []Rule {
	colour := categoryColour(m)
	outline := &Stroke{Color: Lit(casingColour), Width: Lit("1")}
	var abandoned filter.Node
	if has(ColumnStatus) {
		abandoned = inList(ColumnStatus, abandonedStatuses...)
	}
	var rules []Rule
	if abandoned != nil {
		rules = append(rules, Rule{Name: "abandoned", Title: "Decommissioned or dismantled", Filter: abandoned, MaxScale: pointMaxScale,
			Symbolizers: []Symbolizer{&PointSymbolizer{Graphic: Graphic{Size: Lit("5"),
				Mark: Mark{WellKnownName: "circle", Fill: &Fill{Color: Lit(abandonedColour)}, Stroke: outline}}}}})
	}
	var kinds []string
	for _, k := range m.PointKinds {
		shape, ok := pointShapes[k.Code]
		if !ok {
			shape = "circle"
		}
		size := "9"
		if k.Code == "junction" {
			size = "6"
		}
		kinds = append(kinds, k.Code)
		rules = append(rules, Rule{Name: k.Code, Title: k.Label, MaxScale: pointMaxScale,
			Filter: filter.Conjoin(inList(ColumnPointKind, k.Code), negate(abandoned)),
			Symbolizers: []Symbolizer{&PointSymbolizer{Graphic: Graphic{Size: Lit(size),
				Mark: Mark{WellKnownName: shape, Fill: &Fill{Color: colour}, Stroke: outline}}}}})
	}
	// Kinds missing from the code list are drawn as circles.
	var other filter.Node
	if len(kinds) > 0 {
		other = negate(inList(ColumnPointKind, kinds...))
	}
	rules = append(rules, Rule{Name: "unlisted", Title: "Other kinds", MaxScale: pointMaxScale,
		Filter: filter.Conjoin(other, negate(abandoned)),
		Symbolizers: []Symbolizer{&PointSymbolizer{Graphic: Graphic{Size: Lit("7"),
			Mark: Mark{WellKnownName: "circle", Fill: &Fill{Color: colour}, Stroke: outline}}}}})
	if has(ColumnCode) {
		rules = append(rules, Rule{Name: "label", Title: "Code", MaxScale: labelMaxScale,
			Symbolizers: []Symbolizer{&TextSymbolizer{Label: Prop(ColumnCode), Font: Font{Size: Lit("11")},
				AnchorX: 0, AnchorY: 0.5, DisplacementX: 7,
				Fill: &Fill{Color: Lit("#202020")}, Halo: &Halo{Radius: Lit("1.5"), Fill: &Fill{Color: Lit("#FFFFFF")}}}}})
	}
	return rules
}

// plainRule draws any geometry in one colour.
func plainRule(geomKind string) Rule {
	stroke := &Stroke{Color: Lit(defaultBlue), Width: Lit("1.5"), LineCap: "round", LineJoin: "round"}
	point := &PointSymbolizer{Graphic: Graphic{Size: Lit("7"), Mark: Mark{WellKnownName: "circle",
		Fill: &Fill{Color: Lit(defaultBlue)}, Stroke: &Stroke{Color: Lit("#FFFFFF"), Width: Lit("1")}}}}
	polygon := &PolygonSymbolizer{Fill: &Fill{Color: Lit(defaultBlue), Opacity: Lit("0.3")}, Stroke: stroke}
	r := Rule{Name: "default", Title: "Features"}
	switch geomKind {
	case "point":
		r.Symbolizers = []Symbolizer{point}
	case "line":
		r.Symbolizers = []Symbolizer{&LineSymbolizer{Stroke: stroke}}
	case "polygon":
		r.Symbolizers = []Symbolizer{polygon}
	default:
		r.Symbolizers = []Symbolizer{polygon, point}
	}
	return r
}

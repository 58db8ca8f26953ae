// Package style holds map styles: the rules and symbolizers of OGC Styled Layer
// Descriptor 1.0 (OGC 02-070) and Symbology Encoding 1.1 (OGC 05-077r4). Styles are read
// from files or from a request's SLD_BODY, or derived from the data model: NF P 98-332
// network colours, dashes for uncertain or projected works, point symbols by
// technical-point kind.
//
// Rule filters are trees of package filter, the same as WFS filters, so the PostGIS
// store evaluates them in SQL. Symbolizer parameters are expressions: a literal, a
// property value, or a Recode lookup (SE 1.1 §11.6.2) of a property.
package style

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/filter"
)

// Style is a named style: its feature type styles are drawn one after the other.
type Style struct {
	Name     string
	Title    string
	Abstract string
	// FeatureTypeStyles are drawn in order: each one over the previous.
	FeatureTypeStyles []FeatureTypeStyle
}

// FeatureTypeStyle is an ordered list of rules.
type FeatureTypeStyle struct {
	Rules []Rule
}

// Rule selects features with a filter and a scale range, and draws them with its
// symbolizers.
type Rule struct {
	Name     string
	Title    string
	Abstract string
	// Filter selects the features; nil selects them all.
	Filter filter.Node
	// ElseFilter makes the rule select the features that no other rule of the feature
	// type style selects at the current scale.
	ElseFilter bool
	// MinScale and MaxScale bound the scale denominators at which the rule applies:
	// MinScale <= scale < MaxScale. Zero means no bound.
	MinScale, MaxScale float64
	Symbolizers        []Symbolizer
}

// AppliesAt reports whether the rule is used at the scale denominator.
func (r *Rule) AppliesAt(scale float64) bool {
	if r.MinScale > 0 && scale < r.MinScale {
		return false
	}
	if r.MaxScale > 0 && scale >= r.MaxScale {
		return false
	}
	return true
}

// Symbolizer is one of LineSymbolizer, PolygonSymbolizer, PointSymbolizer and
// TextSymbolizer.
type Symbolizer interface{ isSymbolizer() }

// LineSymbolizer strokes lines, and polygon outlines.
type LineSymbolizer struct {
	Stroke *Stroke
	// PerpendicularOffset is not supported; the parser rejects it.
}

// PolygonSymbolizer fills polygons and strokes their outlines.
type PolygonSymbolizer struct {
	Fill   *Fill
	Stroke *Stroke
}

// PointSymbolizer draws a graphic at points (and at the middle of lines, and at the
// centre of polygons).
type PointSymbolizer struct {
	Graphic Graphic
}

// TextSymbolizer draws labels.
type TextSymbolizer struct {
	Label Expr
	Font  Font
	// Placement: a point placement with an anchor and a displacement, or a line
	// placement, which follows the direction of the line at its middle.
	AnchorX, AnchorY, DisplacementX, DisplacementY float64
	Rotation                                       Expr
	LinePlacement                                  bool
	Halo                                           *Halo
	Fill                                           *Fill
}

func (*LineSymbolizer) isSymbolizer()    {}
func (*PolygonSymbolizer) isSymbolizer() {}
func (*PointSymbolizer) isSymbolizer()   {}
func (*TextSymbolizer) isSymbolizer()    {}

// Stroke is the SVG-like stroke of Symbology Encoding.
type Stroke struct {
	Color    Expr
	Opacity  Expr
	Width    Expr
	LineJoin string // mitre, round or bevel
	LineCap  string // butt, round or square
	// DashArray alternates dash and gap lengths in pixels.
	DashArray  []float64
	DashOffset float64
}

// Fill is a solid fill.
type Fill struct {
	Color   Expr
	Opacity Expr
}

// Graphic is a point symbol: a well-known mark.
type Graphic struct {
	Mark     Mark
	Size     Expr
	Rotation Expr
	Opacity  Expr
}

// Mark is a well-known shape with its fill and stroke.
type Mark struct {
	WellKnownName string
	Fill          *Fill
	Stroke        *Stroke
}

// Font selects the typeface of a label.
type Font struct {
	Size Expr
	Bold bool
}

// Halo is the outline drawn around label text.
type Halo struct {
	Radius Expr
	Fill   *Fill
}

// Expr is a symbolizer parameter: a literal, the value of a property, or a Recode of a
// property. The zero value is empty.
type Expr struct {
	Literal  string
	Property string
	Recode   *Recode
}

// Recode maps the values of a property to other values.
type Recode struct {
	Property string
	Items    []RecodeItem
	Fallback string
	byData   map[string]string
}

// RecodeItem maps one value.
type RecodeItem struct {
	Data, Value string
	// Label names the item in legends; empty uses Data.
	Label string
}

// Lit returns a literal expression.
func Lit(v string) Expr { return Expr{Literal: v} }

// Prop returns an expression reading a property.
func Prop(name string) Expr { return Expr{Property: name} }

// NewRecode returns a Recode expression over property.
func NewRecode(property, fallback string, items []RecodeItem) Expr {
	r := &Recode{Property: property, Items: items, Fallback: fallback}
	r.index()
	return Expr{Recode: r}
}

func (r *Recode) index() {
	r.byData = make(map[string]string, len(r.Items))
	for _, it := range r.Items {
		if _, dup := r.byData[it.Data]; !dup {
			r.byData[it.Data] = it.Value
		}
	}
}

// IsZero reports whether the expression is empty.
func (e Expr) IsZero() bool { return e.Literal == "" && e.Property == "" && e.Recode == nil }

// Values gives the attribute values of one feature by property name.
type Values func(property string) (value string, ok bool)

// Eval returns the value of the expression for a feature.
func (e Expr) Eval(v Values) string {
	switch {
	case e.Recode != nil:
		s, ok := v(e.Recode.Property)
		if !ok {
			return e.Recode.Fallback
		}
		if out, found := e.Recode.byData[s]; found {
			return out
		}
		return e.Recode.Fallback
	case e.Property != "":
		s, _ := v(e.Property)
		return s
	default:
		return e.Literal
	}
}

// Float evaluates the expression as a number, or returns def when it is empty or not a
// number.
func (e Expr) Float(v Values, def float64) float64 {
	if e.IsZero() {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(e.Eval(v)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return def
	}
	return f
}

// Properties returns the properties the expression reads.
func (e Expr) Properties() []string {
	switch {
	case e.Recode != nil:
		return []string{e.Recode.Property}
	case e.Property != "":
		return []string{e.Property}
	}
	return nil
}

// ParseColor reads #RRGGBB, #RRGGBBAA, 0xRRGGBB (the WMS BGCOLOR form) and #RGB.
func ParseColor(s string) (color.NRGBA, error) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "#"):
		t = t[1:]
	case strings.HasPrefix(t, "0x"), strings.HasPrefix(t, "0X"):
		t = t[2:]
	default:
		return color.NRGBA{}, fmt.Errorf("style: colour %q does not start with # or 0x", s)
	}
	if len(t) == 3 {
		t = string([]byte{t[0], t[0], t[1], t[1], t[2], t[2]})
	}
	if len(t) != 6 && len(t) != 8 {
		return color.NRGBA{}, fmt.Errorf("style: colour %q needs 6 or 8 hexadecimal digits", s)
	}
	v, err := strconv.ParseUint(t, 16, 32)
	if err != nil {
		return color.NRGBA{}, fmt.Errorf("style: colour %q is not hexadecimal", s)
	}
	if len(t) == 6 {
		return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
	}
	return color.NRGBA{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// Properties returns every property that the style's symbolizers read, in first-use
// order. Filter properties are not listed: the store evaluates filters itself.
func (s *Style) Properties() []string {
	var out []string
	seen := map[string]bool{}
	add := func(exprs ...Expr) {
		for _, e := range exprs {
			for _, p := range e.Properties() {
				if !seen[p] {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	}
	for _, fts := range s.FeatureTypeStyles {
		for _, r := range fts.Rules {
			for _, sym := range r.Symbolizers {
				add(symbolizerExprs(sym)...)
			}
		}
	}
	return out
}

func symbolizerExprs(sym Symbolizer) []Expr {
	var out []Expr
	stroke := func(s *Stroke) {
		if s != nil {
			out = append(out, s.Color, s.Opacity, s.Width)
		}
	}
	fill := func(f *Fill) {
		if f != nil {
			out = append(out, f.Color, f.Opacity)
		}
	}
	switch s := sym.(type) {
	case *LineSymbolizer:
		stroke(s.Stroke)
	case *PolygonSymbolizer:
		fill(s.Fill)
		stroke(s.Stroke)
	case *PointSymbolizer:
		out = append(out, s.Graphic.Size, s.Graphic.Rotation, s.Graphic.Opacity)
		fill(s.Graphic.Mark.Fill)
		stroke(s.Graphic.Mark.Stroke)
	case *TextSymbolizer:
		out = append(out, s.Label, s.Font.Size, s.Rotation)
		fill(s.Fill)
		if s.Halo != nil {
			out = append(out, s.Halo.Radius)
			fill(s.Halo.Fill)
		}
	}
	return out
}

// ScaleRange returns the scale denominators outside which no rule of the style
// applies: min is 0 and max is +Inf when unbounded.
func (s *Style) ScaleRange() (minScale, maxScale float64) {
	minScale, maxScale = math.Inf(1), 0
	for _, fts := range s.FeatureTypeStyles {
		for _, r := range fts.Rules {
			lo, hi := r.MinScale, r.MaxScale
			if hi == 0 {
				hi = math.Inf(1)
			}
			minScale = math.Min(minScale, lo)
			maxScale = math.Max(maxScale, hi)
		}
	}
	if math.IsInf(minScale, 1) {
		return 0, math.Inf(1)
	}
	return minScale, maxScale
}

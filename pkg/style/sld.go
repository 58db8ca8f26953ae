package style

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
)

// LayerStyles are the styles an SLD document gives to one layer.
type LayerStyles struct {
	// Layer is the name in NamedLayer or UserLayer.
	Layer string
	// Styles are the UserStyles, in document order.
	Styles []*Style
	// Default is the index in Styles of the style marked IsDefault, or -1.
	Default int
	// Named are the NamedStyle references, which select styles the server already has.
	Named []string
}

// EnvelopeCRSFunc returns how the envelopes of BBOX filters are read for a layer.
type EnvelopeCRSFunc func(layer string) filter.EnvelopeCRS

// ParseSLD reads a StyledLayerDescriptor document, SLD 1.0.0 or SLD 1.1.0 with
// Symbology Encoding 1.1. Elements are matched by local name, so both namespaces are
// accepted. Anything the renderer cannot draw (raster symbolizers, external graphics,
// graphic fills, offsets) is rejected with an error that names it, never ignored.
func ParseSLD(r io.Reader, env EnvelopeCRSFunc) ([]LayerStyles, error) {
	doc, err := ows.ParseXML(r)
	if err != nil {
		return nil, err
	}
	if doc.Local != "StyledLayerDescriptor" {
		return nil, fmt.Errorf("style: the document root is %s, not StyledLayerDescriptor", doc.Local)
	}
	var out []LayerStyles
	for _, c := range doc.Children {
		if c.Local != "NamedLayer" && c.Local != "UserLayer" {
			continue
		}
		ls, err := parseLayer(c, env)
		if err != nil {
			return nil, err
		}
		out = append(out, ls)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("style: the StyledLayerDescriptor has no NamedLayer")
	}
	return out, nil
}

func parseLayer(e *ows.Element, env EnvelopeCRSFunc) (LayerStyles, error) {
	ls := LayerStyles{Default: -1}
	if n := e.Child("Name"); n != nil {
		ls.Layer = n.TrimText()
	}
	if ls.Layer == "" {
		return ls, fmt.Errorf("style: %s without a Name", e.Local)
	}
	var crsOf filter.EnvelopeCRS
	if env != nil {
		crsOf = env(ls.Layer)
	}
	for _, c := range e.Children {
		switch c.Local {
		case "NamedStyle":
			if n := c.Child("Name"); n != nil {
				ls.Named = append(ls.Named, n.TrimText())
			}
		case "UserStyle":
			s, isDefault, err := parseUserStyle(c, crsOf)
			if err != nil {
				return ls, fmt.Errorf("style: layer %s: %w", ls.Layer, err)
			}
			if isDefault && ls.Default < 0 {
				ls.Default = len(ls.Styles)
			}
			ls.Styles = append(ls.Styles, s)
		}
	}
	return ls, nil
}

// text returns the trimmed text of the named child, looking also under Description as
// Symbology Encoding 1.1 places Title and Abstract there.
func text(e *ows.Element, local string) string {
	if c := e.Child(local); c != nil {
		return c.TrimText()
	}
	if d := e.Child("Description"); d != nil {
		if c := d.Child(local); c != nil {
			return c.TrimText()
		}
	}
	return ""
}

func parseUserStyle(e *ows.Element, env filter.EnvelopeCRS) (*Style, bool, error) {
	s := &Style{Name: text(e, "Name"), Title: text(e, "Title"), Abstract: text(e, "Abstract")}
	isDefault := false
	if d := e.Child("IsDefault"); d != nil {
		v := strings.ToLower(d.TrimText())
		isDefault = v == "1" || v == "true"
	}
	for _, c := range e.Children {
		if c.Local != "FeatureTypeStyle" && c.Local != "CoverageStyle" {
			continue
		}
		if c.Local == "CoverageStyle" {
			return nil, false, fmt.Errorf("CoverageStyle is not supported: the layers are vector data")
		}
		var fts FeatureTypeStyle
		for _, rc := range c.Children {
			if rc.Local != "Rule" {
				continue
			}
			rule, err := parseRule(rc, env)
			if err != nil {
				return nil, false, fmt.Errorf("style %q: %w", s.Name, err)
			}
			fts.Rules = append(fts.Rules, rule)
		}
		s.FeatureTypeStyles = append(s.FeatureTypeStyles, fts)
	}
	if len(s.FeatureTypeStyles) == 0 {
		return nil, false, fmt.Errorf("style %q has no FeatureTypeStyle", s.Name)
	}
	return s, isDefault, nil
}

func parseRule(e *ows.Element, env filter.EnvelopeCRS) (Rule, error) {
	r := Rule{Name: text(e, "Name"), Title: text(e, "Title"), Abstract: text(e, "Abstract")}
	for _, c := range e.Children {
		var err error
		switch c.Local {
		case "Filter":
			if env == nil {
				env = func(string) (int, bool, error) { return 0, false, nil }
			}
			r.Filter, err = filter.ParseXML(c, env)
		case "ElseFilter":
			r.ElseFilter = true
		case "MinScaleDenominator":
			r.MinScale, err = number(c)
		case "MaxScaleDenominator":
			r.MaxScale, err = number(c)
		case "LineSymbolizer", "PolygonSymbolizer", "PointSymbolizer", "TextSymbolizer":
			var sym Symbolizer
			sym, err = parseSymbolizer(c)
			if err == nil {
				r.Symbolizers = append(r.Symbolizers, sym)
			}
		case "RasterSymbolizer":
			err = fmt.Errorf("RasterSymbolizer is not supported: the layers are vector data")
		}
		if err != nil {
			return r, fmt.Errorf("rule %q: %w", r.Name, err)
		}
	}
	if r.Filter != nil && r.ElseFilter {
		return r, fmt.Errorf("rule %q has both a Filter and an ElseFilter", r.Name)
	}
	return r, nil
}

func number(e *ows.Element) (float64, error) {
	v, err := strconv.ParseFloat(e.TrimText(), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("%s: %q is not a non-negative number", e.Local, e.TrimText())
	}
	return v, nil
}

func parseSymbolizer(e *ows.Element) (Symbolizer, error) {
	if uom, ok := e.AttrValue("uom"); ok && !strings.HasSuffix(uom, "/pixel") {
		return nil, fmt.Errorf("%s: unit of measure %q is not supported; sizes are in pixels", e.Local, uom)
	}
	switch e.Local {
	case "LineSymbolizer":
		if err := rejectOffset(e); err != nil {
			return nil, err
		}
		s, err := parseStroke(e.Child("Stroke"))
		if err != nil {
			return nil, err
		}
		if s == nil {
			s = defaultStroke()
		}
		return &LineSymbolizer{Stroke: s}, nil
	case "PolygonSymbolizer":
		if err := rejectOffset(e); err != nil {
			return nil, err
		}
		f, err := parseFill(e.Child("Fill"))
		if err != nil {
			return nil, err
		}
		s, err := parseStroke(e.Child("Stroke"))
		if err != nil {
			return nil, err
		}
		if f == nil && s == nil {
			f = &Fill{Color: Lit("#808080")}
		}
		return &PolygonSymbolizer{Fill: f, Stroke: s}, nil
	case "PointSymbolizer":
		g, err := parseGraphic(e.Child("Graphic"))
		if err != nil {
			return nil, err
		}
		return &PointSymbolizer{Graphic: g}, nil
	default:
		return parseText(e)
	}
}

func rejectOffset(e *ows.Element) error {
	if c := e.Child("PerpendicularOffset"); c != nil {
		if v, err := strconv.ParseFloat(c.TrimText(), 64); err != nil || v != 0 {
			return fmt.Errorf("%s: PerpendicularOffset is not supported", e.Local)
		}
	}
	if c := e.Child("Displacement"); c != nil && e.Local == "PolygonSymbolizer" {
		return fmt.Errorf("PolygonSymbolizer: Displacement is not supported")
	}
	return nil
}

func defaultStroke() *Stroke { return &Stroke{Color: Lit("#000000"), Width: Lit("1")} }

// parameters returns the CssParameter (SLD 1.0) and SvgParameter (SE 1.1) children.
func parameters(e *ows.Element) (map[string]*ows.Element, error) {
	out := map[string]*ows.Element{}
	for _, c := range e.Children {
		switch c.Local {
		case "CssParameter", "SvgParameter":
			name, _ := c.AttrValue("name")
			out[strings.ToLower(strings.TrimSpace(name))] = c
		case "GraphicFill", "GraphicStroke":
			return nil, fmt.Errorf("%s is not supported; use a solid colour", c.Local)
		}
	}
	return out, nil
}

func parseStroke(e *ows.Element) (*Stroke, error) {
	if e == nil {
		return nil, nil
	}
	ps, err := parameters(e)
	if err != nil {
		return nil, err
	}
	s := defaultStroke()
	for name, p := range ps {
		switch name {
		case "stroke":
			s.Color, err = expression(p)
		case "stroke-opacity":
			s.Opacity, err = expression(p)
		case "stroke-width":
			s.Width, err = expression(p)
		case "stroke-linejoin":
			s.LineJoin = strings.ToLower(p.TrimText())
		case "stroke-linecap":
			s.LineCap = strings.ToLower(p.TrimText())
		case "stroke-dasharray":
			s.DashArray, err = dashArray(p.TrimText())
		case "stroke-dashoffset":
			s.DashOffset, err = strconv.ParseFloat(p.TrimText(), 64)
		}
		if err != nil {
			return nil, fmt.Errorf("Stroke %s: %w", name, err)
		}
	}
	return s, nil
}

func dashArray(s string) ([]float64, error) {
	var out []float64
	total := 0.0
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("%q is not a list of non-negative lengths", s)
		}
		out = append(out, v)
		total += v
	}
	if len(out) == 0 || total == 0 {
		return nil, nil
	}
	if len(out)%2 == 1 {
		out = append(out, out...) // an odd list repeats, as in SVG
	}
	return out, nil
}

func parseFill(e *ows.Element) (*Fill, error) {
	if e == nil {
		return nil, nil
	}
	ps, err := parameters(e)
	if err != nil {
		return nil, err
	}
	f := &Fill{Color: Lit("#808080")}
	for name, p := range ps {
		switch name {
		case "fill":
			f.Color, err = expression(p)
		case "fill-opacity":
			f.Opacity, err = expression(p)
		}
		if err != nil {
			return nil, fmt.Errorf("Fill %s: %w", name, err)
		}
	}
	return f, nil
}

func parseGraphic(e *ows.Element) (Graphic, error) {
	g := Graphic{Mark: Mark{WellKnownName: "square", Fill: &Fill{Color: Lit("#808080")}, Stroke: defaultStroke()}, Size: Lit("6")}
	if e == nil {
		return g, nil
	}
	var err error
	for _, c := range e.Children {
		switch c.Local {
		case "Mark":
			g.Mark, err = parseMark(c)
		case "ExternalGraphic":
			err = fmt.Errorf("ExternalGraphic is not supported; use a Mark")
		case "Size":
			g.Size, err = expression(c)
		case "Rotation":
			g.Rotation, err = expression(c)
		case "Opacity":
			g.Opacity, err = expression(c)
		}
		if err != nil {
			return g, fmt.Errorf("Graphic: %w", err)
		}
	}
	return g, nil
}

func parseMark(e *ows.Element) (Mark, error) {
	m := Mark{WellKnownName: "square"}
	if n := e.Child("WellKnownName"); n != nil && n.TrimText() != "" {
		m.WellKnownName = strings.ToLower(n.TrimText())
	}
	if !knownMark(m.WellKnownName) {
		return m, fmt.Errorf("WellKnownName %q is not one of square, circle, triangle, star, cross, x, diamond", m.WellKnownName)
	}
	var err error
	if m.Fill, err = parseFill(e.Child("Fill")); err != nil {
		return m, err
	}
	if m.Stroke, err = parseStroke(e.Child("Stroke")); err != nil {
		return m, err
	}
	// A mark with neither fill nor stroke is drawn grey with a black outline, as the
	// standard's defaults say.
	if e.Child("Fill") == nil && e.Child("Stroke") == nil {
		m.Fill, m.Stroke = &Fill{Color: Lit("#808080")}, defaultStroke()
	}
	return m, nil
}

func knownMark(name string) bool {
	switch name {
	case "square", "circle", "triangle", "star", "cross", "x", "diamond":
		return true
	}
	return false
}

func parseText(e *ows.Element) (Symbolizer, error) {
	t := &TextSymbolizer{AnchorX: 0, AnchorY: 0.5, Font: Font{Size: Lit("10")}, Fill: &Fill{Color: Lit("#000000")}}
	var err error
	for _, c := range e.Children {
		switch c.Local {
		case "Label":
			t.Label, err = expression(c)
		case "Font":
			err = parseFont(c, &t.Font)
		case "LabelPlacement":
			err = parsePlacement(c, t)
		case "Halo":
			t.Halo = &Halo{Radius: Lit("1"), Fill: &Fill{Color: Lit("#FFFFFF")}}
			if r := c.Child("Radius"); r != nil {
				t.Halo.Radius, err = expression(r)
			}
			if err == nil && c.Child("Fill") != nil {
				t.Halo.Fill, err = parseFill(c.Child("Fill"))
			}
		case "Fill":
			t.Fill, err = parseFill(c)
		}
		if err != nil {
			return nil, fmt.Errorf("TextSymbolizer: %w", err)
		}
	}
	if t.Label.IsZero() {
		return nil, fmt.Errorf("TextSymbolizer without a Label")
	}
	return t, nil
}

func parseFont(e *ows.Element, f *Font) error {
	ps, err := parameters(e)
	if err != nil {
		return err
	}
	for name, p := range ps {
		switch name {
		case "font-size":
			if f.Size, err = expression(p); err != nil {
				return err
			}
		case "font-weight":
			f.Bold = strings.EqualFold(p.TrimText(), "bold")
		}
	}
	return nil
}

func parsePlacement(e *ows.Element, t *TextSymbolizer) error {
	if lp := e.Child("LinePlacement"); lp != nil {
		t.LinePlacement = true
		t.AnchorX, t.AnchorY = 0.5, 0.5
		return nil
	}
	pp := e.Child("PointPlacement")
	if pp == nil {
		return nil
	}
	var err error
	read := func(parent *ows.Element, local string, dst *float64) {
		if parent == nil || err != nil {
			return
		}
		if c := parent.Child(local); c != nil {
			*dst, err = strconv.ParseFloat(c.TrimText(), 64)
		}
	}
	read(pp.Child("AnchorPoint"), "AnchorPointX", &t.AnchorX)
	read(pp.Child("AnchorPoint"), "AnchorPointY", &t.AnchorY)
	read(pp.Child("Displacement"), "DisplacementX", &t.DisplacementX)
	read(pp.Child("Displacement"), "DisplacementY", &t.DisplacementY)
	if err != nil {
		return fmt.Errorf("PointPlacement: %w", err)
	}
	if r := pp.Child("Rotation"); r != nil {
		t.Rotation, err = expression(r)
	}
	return err
}

// expression reads a parameter's value: text, ogc:Literal, ogc:PropertyName, se:Recode,
// or the Recode function of SLD 1.0 renderers (ogc:Function name="Recode", the property
// then data and value pairs).
func expression(e *ows.Element) (Expr, error) {
	for _, c := range e.Children {
		switch c.Local {
		case "Literal":
			return Lit(c.TrimText()), nil
		case "PropertyName", "ValueReference":
			return Prop(propertyName(c.TrimText())), nil
		case "Recode":
			return parseRecode(c)
		case "Function":
			return parseRecodeFunction(c)
		default:
			return Expr{}, fmt.Errorf("%s: %s is not supported as a value", e.Local, c.Local)
		}
	}
	return Lit(e.TrimText()), nil
}

// propertyName drops a namespace prefix: net:code is the property code.
func propertyName(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func parseRecode(e *ows.Element) (Expr, error) {
	fallback, _ := e.AttrValue("fallbackValue")
	lv := e.Child("LookupValue")
	if lv == nil || lv.Child("PropertyName") == nil && lv.Child("ValueReference") == nil {
		return Expr{}, fmt.Errorf("Recode needs a LookupValue holding a PropertyName")
	}
	prop := lv.Child("PropertyName")
	if prop == nil {
		prop = lv.Child("ValueReference")
	}
	var items []RecodeItem
	for _, c := range e.Children {
		if c.Local != "MapItem" {
			continue
		}
		d, v := c.Child("Data"), c.Child("Value")
		if d == nil || v == nil {
			return Expr{}, fmt.Errorf("Recode MapItem needs Data and Value")
		}
		items = append(items, RecodeItem{Data: d.TrimText(), Value: v.TrimText()})
	}
	return NewRecode(propertyName(prop.TrimText()), fallback, items), nil
}

func parseRecodeFunction(e *ows.Element) (Expr, error) {
	name, _ := e.AttrValue("name")
	if !strings.EqualFold(name, "Recode") {
		return Expr{}, fmt.Errorf("function %q is not supported; only Recode is", name)
	}
	var args []string
	prop := ""
	for i, c := range e.Children {
		if i == 0 {
			if c.Local != "PropertyName" {
				return Expr{}, fmt.Errorf("the first argument of Recode must be a PropertyName")
			}
			prop = propertyName(c.TrimText())
			continue
		}
		args = append(args, c.TrimText())
	}
	if prop == "" || len(args)%2 != 0 {
		return Expr{}, fmt.Errorf("Recode needs a property and pairs of data and value")
	}
	var items []RecodeItem
	for i := 0; i < len(args); i += 2 {
		items = append(items, RecodeItem{Data: args[i], Value: args[i+1]})
	}
	return NewRecode(prop, "", items), nil
}

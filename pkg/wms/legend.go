package wms

import (
	"image/color"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/render"
	"github.com/fourreau/fourreau/pkg/style"
)

// Legend layout, in pixels.
const (
	legendPad       = 4
	legendGap       = 6
	legendTextSize  = 12
	legendRowGap    = 2
	legendHeadingPt = 12
)

// legendOptions are the parameters of a GetLegendGraphic that change the layout.
type legendOptions struct {
	iconWidth, iconHeight int
	// rule keeps only the rule of that name; "" keeps them all.
	rule string
	// scale keeps the rules that apply at that scale denominator; 0 keeps them all.
	scale float64
}

// legendEntry is one row of a legend: a heading, or a symbol and its label.
type legendEntry struct {
	heading bool
	label   string
	rule    *style.Rule
	values  map[string]string
}

// legendEntries lists the rows of a layer's legend in a style. A category layer draws
// its rules in the colour of its category. Elsewhere, when several rules colour their
// features with a Recode of one property, the last of them (the one drawn on top) gets
// one row per value of the Recode, labelled with the value's label. The others get one
// row each, in the Recode's fallback colour.
func legendEntries(l *Layer, ls *LayerStyle, opt legendOptions) []legendEntry {
	var out []legendEntry
	for i, st := range ls.BySource {
		if st == nil {
			continue
		}
		if len(ls.BySource) > 1 {
			out = append(out, legendEntry{heading: true, label: l.Sources[i].Layer.Title})
		}
		fixed := map[string]string{}
		if l.category != "" {
			fixed[style.ColumnCategory] = l.category
		}
		out = append(out, styleEntries(st, fixed, opt)...)
	}
	return out
}

func styleEntries(st *style.Style, fixed map[string]string, opt legendOptions) []legendEntry {
	var rules []*style.Rule
	for fi := range st.FeatureTypeStyles {
		for ri := range st.FeatureTypeStyles[fi].Rules {
			r := &st.FeatureTypeStyles[fi].Rules[ri]
			if !drawsGeometry(r) || (opt.rule != "" && r.Name != opt.rule) || (opt.scale > 0 && !r.AppliesAt(opt.scale)) {
				continue
			}
			rules = append(rules, r)
		}
	}
	// The last rule with a Recode on a property is the one expanded.
	expandAt := map[string]int{}
	for i, r := range rules {
		if rc := mainRecode(r, fixed); rc != nil {
			expandAt[rc.Property] = i
		}
	}
	var out []legendEntry
	for i, r := range rules {
		label := r.Title
		if label == "" {
			label = r.Name
		}
		rc := mainRecode(r, fixed)
		if rc == nil || expandAt[rc.Property] != i {
			out = append(out, legendEntry{label: label, rule: r, values: fixed})
			continue
		}
		for _, it := range rc.Items {
			values := map[string]string{rc.Property: it.Data}
			for k, v := range fixed {
				values[k] = v
			}
			text := it.Label
			if text == "" {
				text = it.Data
			}
			out = append(out, legendEntry{label: text, rule: r, values: values})
		}
	}
	return out
}

// mainRecode returns the Recode with the most items among the colours of a rule, over
// a property that is not fixed.
func mainRecode(r *style.Rule, fixed map[string]string) *style.Recode {
	var best *style.Recode
	consider := func(e style.Expr) {
		if e.Recode == nil {
			return
		}
		if _, isFixed := fixed[e.Recode.Property]; isFixed {
			return
		}
		if best == nil || len(e.Recode.Items) > len(best.Items) {
			best = e.Recode
		}
	}
	for _, sym := range r.Symbolizers {
		switch s := sym.(type) {
		case *style.LineSymbolizer:
			consider(s.Stroke.Color)
		case *style.PolygonSymbolizer:
			if s.Fill != nil {
				consider(s.Fill.Color)
			}
			if s.Stroke != nil {
				consider(s.Stroke.Color)
			}
		case *style.PointSymbolizer:
			if s.Graphic.Mark.Fill != nil {
				consider(s.Graphic.Mark.Fill.Color)
			}
		}
	}
	return best
}

// legendSize returns the size of the legend image.
func (s *Service) legendSize(l *Layer, ls *LayerStyle, opt legendOptions) (int, int) {
	entries := legendEntries(l, ls, opt)
	width, height := 0.0, float64(legendPad)
	for _, e := range entries {
		if e.heading {
			width = math.Max(width, s.fonts.Measure(e.label, legendHeadingPt, true))
			height += legendHeadingPt + 6
			continue
		}
		width = math.Max(width, float64(opt.iconWidth+legendGap)+s.fonts.Measure(e.label, legendTextSize, false))
		height += float64(max(opt.iconHeight, legendTextSize+4) + legendRowGap)
	}
	if len(entries) == 0 {
		return opt.iconWidth + 2*legendPad, opt.iconHeight + 2*legendPad
	}
	return int(math.Ceil(width)) + 2*legendPad, int(math.Ceil(height)) + legendPad
}

// drawLegend draws the legend of a layer in a style.
func (s *Service) drawLegend(l *Layer, ls *LayerStyle, opt legendOptions, transparent bool) *render.Canvas {
	w, h := s.legendSize(l, ls, opt)
	c := render.NewCanvas(w, h)
	if !transparent {
		c.Clear(color.NRGBA{255, 255, 255, 255})
	}
	labels := render.NewLabeller(s.fonts)
	y := float64(legendPad)
	black := color.NRGBA{0, 0, 0, 255}
	for _, e := range legendEntries(l, ls, opt) {
		if e.heading {
			labels.Add(render.Label{Text: e.label, X: legendPad, Y: y + legendHeadingPt/2 + 2, AnchorY: 0.5,
				Style: render.TextStyle{Size: legendHeadingPt, Bold: true, Color: black}})
			y += legendHeadingPt + 6
			continue
		}
		row := float64(max(opt.iconHeight, legendTextSize+4))
		iconY := y + (row-float64(opt.iconHeight))/2
		s.drawIcon(c, e, legendPad, iconY, float64(opt.iconWidth), float64(opt.iconHeight))
		labels.Add(render.Label{Text: e.label, X: float64(legendPad + opt.iconWidth + legendGap), Y: y + row/2, AnchorY: 0.5,
			Style: render.TextStyle{Size: legendTextSize, Color: black}})
		y += row + legendRowGap
	}
	labels.Draw(c)
	return c
}

// drawIcon draws the symbolizers of a rule in a box: a horizontal line for line
// symbolizers, a square for polygons, the mark at the centre for points.
func (s *Service) drawIcon(c *render.Canvas, e legendEntry, x, y, w, h float64) {
	v := &mapView{dpi: standardDPI}
	p := newPainter(c, nil, v, &style.Style{}, 0)
	p.values = func(prop string) (string, bool) {
		val, ok := e.values[prop]
		return val, ok
	}
	for _, sym := range e.rule.Symbolizers {
		switch sm := sym.(type) {
		case *style.LineSymbolizer:
			if st, ok := p.stroke(sm.Stroke, 1); ok {
				shape := c.NewShape(st.Width + 4)
				shape.AddLine([]float64{x, y + h/2, x + w, y + h/2})
				c.Stroke(shape, st)
			}
		case *style.PolygonSymbolizer:
			shape := c.NewShape(4)
			shape.AddPolygon([][]float64{{x + 1, y + 1, x + w - 1, y + 1, x + w - 1, y + h - 1, x + 1, y + h - 1}})
			if col, ok := p.fill(sm.Fill, 1); ok {
				c.Fill(shape, col)
			}
			if st, ok := p.stroke(sm.Stroke, 1); ok {
				c.Stroke(shape, st)
			}
		case *style.PointSymbolizer:
			if m, ok := p.mark(&sm.Graphic); ok {
				m.Size = math.Min(m.Size, math.Min(w, h)-2)
				shape := c.NewShape(m.Size + 4)
				shape.AddPoint(x+w/2, y+h/2)
				c.Marks(shape, m)
			}
		}
	}
}

// getLegendGraphic writes the legend of a layer's style as a PNG.
func (s *Service) getLegendGraphic(w http.ResponseWriter, r *http.Request, req *request) error {
	kvp := req.kvp
	name := kvp.Value("LAYER")
	if name == "" {
		return ows.Errorf(ows.MissingParameterValue, "LAYER", "LAYER is missing")
	}
	l, err := s.lookup(r, name, "LAYER")
	if err != nil {
		return err
	}
	if f := kvp.Value("FORMAT"); f != "" {
		if format, err := parseFormat(f); err != nil || format != formatPNG {
			return ows.Errorf(codeInvalidFormat, "FORMAT", "legends are drawn as image/png, not %q", f)
		}
	}
	opt := legendOptions{iconWidth: 20, iconHeight: 20, rule: kvp.Value("RULE")}
	if opt.iconWidth, err = legendDimension(kvp, "WIDTH", 20); err != nil {
		return err
	}
	if opt.iconHeight, err = legendDimension(kvp, "HEIGHT", 20); err != nil {
		return err
	}
	if sc := kvp.Value("SCALE"); sc != "" {
		if opt.scale, err = strconv.ParseFloat(sc, 64); err != nil || opt.scale <= 0 {
			return ows.Errorf(ows.InvalidParameterValue, "SCALE", "SCALE is %q; give a positive scale denominator", sc)
		}
	}
	ls, err := s.legendStyle(l, kvp.Value("STYLE"), kvp.Value("SLD_BODY"))
	if err != nil {
		return err
	}
	transparent := strings.EqualFold(kvp.Value("TRANSPARENT"), "TRUE")
	c := s.drawLegend(l, ls, opt, transparent)
	return s.writeImage(w, c, &mapView{format: formatPNG, bgcolor: color.NRGBA{255, 255, 255, 255}})
}

func legendDimension(kvp ows.KVP, key string, def int) (int, error) {
	raw := kvp.Value(key)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 4 || n > 512 {
		return 0, ows.Errorf(ows.InvalidParameterValue, key, "%s is %q; give the symbol size in pixels, from 4 to 512", key, raw)
	}
	return n, nil
}

// legendStyle resolves the style of a legend request, from SLD_BODY or the layer's
// named styles. A group layer has no legend of its own.
func (s *Service) legendStyle(l *Layer, name, sldBody string) (*LayerStyle, error) {
	if l.isGroup() {
		return nil, ows.Errorf(codeLayerNotDefined, "LAYER", "%q is a group of layers; ask for the legend of each of its layers", l.Name)
	}
	sld, err := s.parseSLDBody(sldBody)
	if err != nil {
		return nil, err
	}
	if st, ok, err := sld.pick(l, name); err != nil || ok {
		if err != nil {
			return nil, err
		}
		ls := &LayerStyle{Name: st.Name, Title: st.Title}
		for range l.Sources {
			ls.BySource = append(ls.BySource, st)
		}
		return ls, nil
	}
	ls, ok := l.style(name)
	if !ok {
		return nil, ows.Errorf(codeStyleNotDefined, "STYLE", "layer %q has no style %q; capabilities list its styles", l.Name, name)
	}
	return ls, nil
}

package wms

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/render"
	"github.com/fourreau/fourreau/pkg/style"
)

// painter draws the features of one layer in one style. Lines and polygons are not
// drawn one by one. Each symbolizer gathers the geometries of every feature that
// resolves to the same paint (colour, width...) into one shape. flush then draws the
// shapes in the order of the style's feature type styles, rules and symbolizers.
// Overlapping features of one paint are therefore painted once, and the casing of a
// line lies under every line of the layer rather than over the lines drawn before it.
// Marks are drawn one by one instead. Each point symbolizer keeps its marks of every
// paint in feature order, and each mark gets its fill and then its outline before the
// next one, so that every point of a dense cluster keeps its own centre visible.
type painter struct {
	canvas *render.Canvas
	labels *render.Labeller
	view   *mapView
	factor float64

	rules     []*activeRule
	ftsCount  int
	hasLabels bool
	// fieldIndex maps a property name to its index in the row's values.
	fieldIndex map[string]int

	row    *feature.MapRow
	values style.Values
	dec    geom.Decoder
	shape  pixelGeometry
	keyBuf []byte

	// cache maps, per symbolizer, the values its expressions read to its batches.
	cache   []map[string][]*batch
	batches []*batch
	// markLists is, per point symbolizer, the list of its marks in feature order.
	markLists []*render.MarkList
}

// activeRule is a rule that applies at the map's scale.
type activeRule struct {
	fts  int
	rule *style.Rule
	// queryIndex is the rule's index in the map query, or -1 for an else rule.
	queryIndex int
	syms       []symbolizerRef
}

// symbolizerRef is a symbolizer with its position in drawing order.
type symbolizerRef struct {
	order int
	sym   style.Symbolizer
	props []string
}

// batch is the shape of one paint, or for a mark, its paint in the symbolizer's list.
type batch struct {
	order  int // symbolizer order
	part   int // 0: fill, 1: stroke, 2: mark
	paint  string
	shape  *render.Shape
	fill   color.NRGBA
	line   render.Stroke
	marks  *render.MarkList
	markID int
}

func newPainter(c *render.Canvas, labels *render.Labeller, v *mapView, st *style.Style, scale float64) *painter {
	p := &painter{canvas: c, labels: labels, view: v, factor: v.symbolFactor(), fieldIndex: map[string]int{}}
	order := 0
	for fi, fts := range st.FeatureTypeStyles {
		for ri := range fts.Rules {
			r := &fts.Rules[ri]
			if !r.AppliesAt(scale) {
				continue
			}
			ar := &activeRule{fts: fi, rule: r, queryIndex: -1}
			for _, sym := range r.Symbolizers {
				ar.syms = append(ar.syms, symbolizerRef{order: order, sym: sym, props: symbolizerProperties(sym)})
				if _, ok := sym.(*style.TextSymbolizer); ok {
					p.hasLabels = true
				}
				order++
			}
			p.rules = append(p.rules, ar)
		}
	}
	p.ftsCount = len(st.FeatureTypeStyles)
	p.cache = make([]map[string][]*batch, order)
	p.markLists = make([]*render.MarkList, order)
	p.values = func(prop string) (string, bool) {
		i, ok := p.fieldIndex[prop]
		if !ok || p.row == nil || p.row.Values[i] == nil {
			return "", false
		}
		return string(p.row.Values[i]), true
	}
	return p
}

func symbolizerProperties(sym style.Symbolizer) []string {
	st := &style.Style{FeatureTypeStyles: []style.FeatureTypeStyle{{Rules: []style.Rule{{Symbolizers: []style.Symbolizer{sym}}}}}}
	return st.Properties()
}

// feature adds one row.
func (p *painter) feature(row *feature.MapRow) {
	p.row = row
	decoded := false
	for fts := 0; fts < p.ftsCount; fts++ {
		matched := false
		for _, r := range p.rules {
			if r.fts != fts || r.queryIndex < 0 || !row.Rules[r.queryIndex] {
				continue
			}
			matched = true
			if !decoded {
				if !p.decode(row.Geometry) {
					return
				}
				decoded = true
			}
			p.apply(r)
		}
		if matched {
			continue
		}
		for _, r := range p.rules {
			if r.fts != fts || !r.rule.ElseFilter {
				continue
			}
			if !decoded {
				if !p.decode(row.Geometry) {
					return
				}
				decoded = true
			}
			p.apply(r)
		}
	}
}

func (p *painter) decode(wkb []byte) bool {
	if err := p.dec.Decode(wkb); err != nil {
		return false
	}
	p.shape.load(&p.dec, p.view)
	return len(p.shape.parts) > 0
}

// apply draws the row with the symbolizers of a rule.
func (p *painter) apply(r *activeRule) {
	for _, ref := range r.syms {
		if t, ok := ref.sym.(*style.TextSymbolizer); ok {
			p.label(t)
			continue
		}
		for _, b := range p.batchesFor(ref) {
			p.add(b)
		}
	}
}

// batchesFor returns the batches of a symbolizer for the current row's values.
func (p *painter) batchesFor(ref symbolizerRef) []*batch {
	key := p.keyBuf[:0]
	for _, prop := range ref.props {
		if v, ok := p.values(prop); ok {
			key = append(key, 2)
			key = append(key, v...)
		} else {
			key = append(key, 1)
		}
		key = append(key, 0)
	}
	p.keyBuf = key
	m := p.cache[ref.order]
	if m == nil {
		m = map[string][]*batch{}
		p.cache[ref.order] = m
	}
	if bs, ok := m[string(key)]; ok {
		return bs
	}
	bs := p.newBatches(ref)
	m[string(key)] = bs
	p.batches = append(p.batches, bs...)
	return bs
}

// newBatches resolves the paint of a symbolizer for the current row. Invisible paints
// (zero opacity) get no batch.
func (p *painter) newBatches(ref symbolizerRef) []*batch {
	var out []*batch
	switch s := ref.sym.(type) {
	case *style.LineSymbolizer:
		if st, ok := p.stroke(s.Stroke, 1); ok {
			out = append(out, p.strokeBatch(ref.order, st))
		}
	case *style.PolygonSymbolizer:
		if s.Fill != nil {
			if col, ok := p.fill(s.Fill, 1); ok {
				out = append(out, &batch{order: ref.order, part: 0, paint: fmt.Sprint(col), fill: col, shape: p.canvas.NewShape(4)})
			}
		}
		if st, ok := p.stroke(s.Stroke, 1); ok && s.Stroke != nil {
			out = append(out, p.strokeBatch(ref.order, st))
		}
	case *style.PointSymbolizer:
		if m, ok := p.mark(&s.Graphic); ok {
			list := p.markLists[ref.order]
			if list == nil {
				list = p.canvas.NewMarkList()
				p.markLists[ref.order] = list
			}
			out = append(out, &batch{order: ref.order, part: 2, paint: markKey(m), marks: list, markID: list.AddMark(m)})
		}
	}
	return out
}

// markKey identifies the paint of a mark by value, so that batches sort the same way on
// every request.
func markKey(m render.Mark) string {
	key := fmt.Sprint(m.Shape, m.Size, m.Rotation)
	if m.Fill != nil {
		key += fmt.Sprint(" fill", *m.Fill)
	}
	if m.Stroke != nil {
		key += fmt.Sprint(" stroke", *m.Stroke)
	}
	return key
}

func (p *painter) strokeBatch(order int, st render.Stroke) *batch {
	return &batch{order: order, part: 1, paint: fmt.Sprint(st.Color, st.Width, st.Join, st.Cap, st.Dash, st.DashOffset),
		line: st, shape: p.canvas.NewShape(st.Width*4 + 4)}
}

// stroke resolves a stroke; ok is false when nothing would be drawn.
func (p *painter) stroke(s *style.Stroke, opacity float64) (render.Stroke, bool) {
	if s == nil {
		return render.Stroke{}, false
	}
	col := p.colour(s.Color, color.NRGBA{0, 0, 0, 255}, s.Opacity.Float(p.values, 1)*opacity)
	st := render.Stroke{Width: s.Width.Float(p.values, 1) * p.factor, Color: col, MiterLimit: 4}
	switch strings.ToLower(s.LineJoin) {
	case "round":
		st.Join = render.JoinRound
	case "bevel":
		st.Join = render.JoinBevel
	default:
		st.Join = render.JoinMiter
	}
	switch strings.ToLower(s.LineCap) {
	case "round":
		st.Cap = render.CapRound
	case "square":
		st.Cap = render.CapSquare
	default:
		st.Cap = render.CapButt
	}
	for _, d := range s.DashArray {
		st.Dash = append(st.Dash, d*p.factor)
	}
	st.DashOffset = s.DashOffset * p.factor
	return st, st.Color.A > 0 && st.Width > 0
}

func (p *painter) fill(f *style.Fill, opacity float64) (color.NRGBA, bool) {
	if f == nil {
		return color.NRGBA{}, false
	}
	col := p.colour(f.Color, color.NRGBA{128, 128, 128, 255}, f.Opacity.Float(p.values, 1)*opacity)
	return col, col.A > 0
}

func (p *painter) colour(e style.Expr, def color.NRGBA, opacity float64) color.NRGBA {
	col := def
	if !e.IsZero() {
		if c, err := style.ParseColor(e.Eval(p.values)); err == nil {
			col = c
		}
	}
	opacity = math.Max(0, math.Min(1, opacity))
	col.A = uint8(math.Round(float64(col.A) * opacity))
	return col
}

func (p *painter) mark(g *style.Graphic) (render.Mark, bool) {
	opacity := g.Opacity.Float(p.values, 1)
	m := render.Mark{Shape: g.Mark.WellKnownName, Size: g.Size.Float(p.values, 6) * p.factor, Rotation: g.Rotation.Float(p.values, 0)}
	if col, ok := p.fill(g.Mark.Fill, opacity); ok {
		m.Fill = &col
	}
	if st, ok := p.stroke(g.Mark.Stroke, opacity); ok {
		m.Stroke = &st
	}
	return m, m.Size > 0 && (m.Fill != nil || m.Stroke != nil)
}

// add puts the current row's geometry into a batch, as the batch's kind needs it.
func (p *painter) add(b *batch) {
	g := &p.shape
	for _, part := range g.parts {
		switch b.part {
		case 0: // fill: polygons only
			if part.kind == partPolygon {
				b.shape.AddPolygon(g.ringsOf(part))
			}
		case 1: // stroke: every geometry; a point becomes a dot
			switch part.kind {
			case partPoint:
				x, y := g.point(part)
				b.shape.AddPoint(x, y)
			case partLine:
				b.shape.AddLine(g.ring(part.first))
			default:
				b.shape.AddPolygon(g.ringsOf(part))
			}
		case 2: // mark: at points, at the middle of lines, at the centre of polygons
			x, y, _, ok := g.anchor(part)
			if ok {
				b.marks.Add(x, y, b.markID)
			}
		}
	}
}

// label queues the label of the current row.
func (p *painter) label(t *style.TextSymbolizer) {
	text := strings.TrimSpace(t.Label.Eval(p.values))
	if text == "" {
		return
	}
	g := &p.shape
	best, bestLen := -1, -1.0
	for i, part := range g.parts {
		l := g.extent(part)
		if l > bestLen {
			best, bestLen = i, l
		}
	}
	if best < 0 {
		return
	}
	x, y, angle, ok := g.anchor(g.parts[best])
	if !ok {
		return
	}
	if !t.LinePlacement || g.parts[best].kind != partLine {
		angle = 0
	}
	angle += t.Rotation.Float(p.values, 0)
	fill, _ := p.fill(t.Fill, 1)
	ts := render.TextStyle{Size: t.Font.Size.Float(p.values, 10) * p.factor, Bold: t.Font.Bold, Color: fill}
	if t.Halo != nil {
		ts.HaloRadius = t.Halo.Radius.Float(p.values, 1) * p.factor
		ts.HaloColor, _ = p.fill(t.Halo.Fill, 1)
	}
	p.labels.Add(render.Label{Text: text, X: x, Y: y, AnchorX: t.AnchorX, AnchorY: t.AnchorY,
		DX: t.DisplacementX * p.factor, DY: t.DisplacementY * p.factor, Angle: angle, Style: ts})
}

// flush draws the batches in drawing order, and the marks of a point symbolizer in
// feature order.
func (p *painter) flush() {
	sort.SliceStable(p.batches, func(i, j int) bool {
		a, b := p.batches[i], p.batches[j]
		if a.order != b.order {
			return a.order < b.order
		}
		if a.part != b.part {
			return a.part < b.part
		}
		return a.paint < b.paint
	})
	for _, b := range p.batches {
		switch b.part {
		case 0:
			p.canvas.Fill(b.shape, b.fill)
		case 1:
			p.canvas.Stroke(b.shape, b.line)
		case 2:
			// Every paint of the symbolizer shares one list: draw it once.
			if p.markLists[b.order] == b.marks {
				p.canvas.DrawMarks(b.marks)
				p.markLists[b.order] = nil
			}
		}
	}
}

// Geometry kinds of pixelGeometry parts.
const (
	partPoint = iota
	partLine
	partPolygon
)

// pixelGeometry is a feature's geometry converted to image pixels: a list of points,
// lines and polygons, whatever the nesting of multi-geometries and collections.
type pixelGeometry struct {
	xy    []float64
	rings [][2]int // start and end indices in xy
	parts []pixelPart
	buf   [][]float64
}

type pixelPart struct {
	kind        int
	first, last int // ring indices, last excluded
}

func (g *pixelGeometry) load(d *geom.Decoder, v *mapView) {
	g.xy, g.rings, g.parts = g.xy[:0], g.rings[:0], g.parts[:0]
	g.walk(d, 0, v)
}

func (g *pixelGeometry) walk(d *geom.Decoder, i int, v *mapView) {
	n := d.Nodes[i]
	switch n.Type {
	case geom.Point:
		if n.End > n.Start {
			g.parts = append(g.parts, pixelPart{kind: partPoint, first: len(g.rings), last: len(g.rings) + 1})
			g.addRing(d, n, v)
		}
	case geom.LineString:
		if n.End-n.Start >= 2*d.Dim {
			g.parts = append(g.parts, pixelPart{kind: partLine, first: len(g.rings), last: len(g.rings) + 1})
			g.addRing(d, n, v)
		}
	case geom.Polygon:
		first := len(g.rings)
		for c := n.First; c < n.First+n.Count; c++ {
			g.addRing(d, d.Nodes[c], v)
		}
		if len(g.rings) > first {
			g.parts = append(g.parts, pixelPart{kind: partPolygon, first: first, last: len(g.rings)})
		}
	default:
		for c := n.First; c < n.First+n.Count; c++ {
			g.walk(d, c, v)
		}
	}
}

func (g *pixelGeometry) addRing(d *geom.Decoder, n geom.Node, v *mapView) {
	start := len(g.xy)
	for i := n.Start; i < n.End; i += d.Dim {
		x, y := v.toPixel(d.Coords[i], d.Coords[i+1])
		g.xy = append(g.xy, x, y)
	}
	g.rings = append(g.rings, [2]int{start, len(g.xy)})
}

func (g *pixelGeometry) ring(i int) []float64 { return g.xy[g.rings[i][0]:g.rings[i][1]] }

func (g *pixelGeometry) ringsOf(p pixelPart) [][]float64 {
	g.buf = g.buf[:0]
	for i := p.first; i < p.last; i++ {
		g.buf = append(g.buf, g.ring(i))
	}
	return g.buf
}

func (g *pixelGeometry) point(p pixelPart) (float64, float64) {
	r := g.ring(p.first)
	return r[0], r[1]
}

// extent returns a size used to pick the part a label goes on: the length of a line,
// the perimeter of a polygon's exterior, 0 for a point.
func (g *pixelGeometry) extent(p pixelPart) float64 {
	if p.kind == partPoint {
		return 0
	}
	r := g.ring(p.first)
	l := 0.0
	for i := 2; i+1 < len(r); i += 2 {
		l += math.Hypot(r[i]-r[i-2], r[i+1]-r[i-1])
	}
	return l
}

// anchor returns where a mark or a label goes: the point itself, the middle of a line
// (measured along it) with the direction there in degrees clockwise, or the centroid of
// a polygon's exterior ring.
func (g *pixelGeometry) anchor(p pixelPart) (x, y, angle float64, ok bool) {
	r := g.ring(p.first)
	switch p.kind {
	case partPoint:
		return r[0], r[1], 0, true
	case partLine:
		half := g.extent(p) / 2
		for i := 2; i+1 < len(r); i += 2 {
			x0, y0, x1, y1 := r[i-2], r[i-1], r[i], r[i+1]
			seg := math.Hypot(x1-x0, y1-y0)
			if seg >= half && seg > 0 {
				t := half / seg
				return x0 + t*(x1-x0), y0 + t*(y1-y0), uprightAngle(x1-x0, y1-y0), true
			}
			half -= seg
		}
		return r[0], r[1], 0, len(r) >= 2
	default:
		return centroid(r)
	}
}

// uprightAngle returns the direction of (dx, dy) in degrees clockwise, turned by half
// a turn when the text along it would read upside down.
func uprightAngle(dx, dy float64) float64 {
	a := math.Atan2(dy, dx) * 180 / math.Pi
	if a > 90 {
		a -= 180
	} else if a < -90 {
		a += 180
	}
	return a
}

func centroid(r []float64) (x, y, angle float64, ok bool) {
	n := len(r) / 2
	if n == 0 {
		return 0, 0, 0, false
	}
	var a, cx, cy float64
	for i := 0; i < n; i++ {
		j := (i + 1) % n
		cross := r[2*i]*r[2*j+1] - r[2*j]*r[2*i+1]
		a += cross
		cx += (r[2*i] + r[2*j]) * cross
		cy += (r[2*i+1] + r[2*j+1]) * cross
	}
	if math.Abs(a) < 1e-12 {
		b := render.EmptyRect()
		for i := 0; i < n; i++ {
			b.Extend(r[2*i], r[2*i+1])
		}
		return (b.MinX + b.MaxX) / 2, (b.MinY + b.MaxY) / 2, 0, true
	}
	return cx / (3 * a), cy / (3 * a), 0, true
}

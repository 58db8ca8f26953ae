package render

import (
	"image/color"
	"math"
	"strings"
)

// Mark is a point symbol: one of the well-known shapes of Symbology Encoding, filled
// and outlined.
type Mark struct {
	// Shape is square, circle, triangle, star, cross or x (the Symbology Encoding
	// well-known names), or diamond.
	Shape string
	// Size is the height of the symbol in pixels.
	Size float64
	// Rotation turns the symbol clockwise, in degrees.
	Rotation float64
	Fill     *color.NRGBA
	Stroke   *Stroke
}

// unitShapes are outlines in a box of size 1 centred on the origin, y down.
var unitShapes = map[string][]float64{
	"square":   {-0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5, 0.5},
	"triangle": {0, -0.5, 0.5, 0.5, -0.5, 0.5},
	"diamond":  {0, -0.5, 0.5, 0, 0, 0.5, -0.5, 0},
	"cross":    crossOutline(),
	"star":     starOutline(),
	"x":        rotated(crossOutline(), 45),
}

func crossOutline() []float64 {
	return []float64{-0.1, -0.5, 0.1, -0.5, 0.1, -0.1, 0.5, -0.1, 0.5, 0.1, 0.1, 0.1,
		0.1, 0.5, -0.1, 0.5, -0.1, 0.1, -0.5, 0.1, -0.5, -0.1, -0.1, -0.1}
}

func starOutline() []float64 {
	var xy []float64
	for i := 0; i < 10; i++ {
		r := 0.5
		if i%2 == 1 {
			r = 0.2
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		xy = append(xy, r*math.Cos(a), r*math.Sin(a)+0.05)
	}
	return xy
}

func rotated(xy []float64, degrees float64) []float64 {
	s, c := math.Sincos(degrees * math.Pi / 180)
	out := make([]float64, len(xy))
	for i := 0; i+1 < len(xy); i += 2 {
		out[i] = xy[i]*c - xy[i+1]*s
		out[i+1] = xy[i]*s + xy[i+1]*c
	}
	return out
}

// markOutline appends the outline of the mark centred on (x, y).
func markOutline(dst []float64, m *Mark, x, y float64) []float64 {
	if isCircle(m.Shape) {
		return appendCircle(dst, x, y, m.Size/2)
	}
	unit := unitShapes[strings.ToLower(m.Shape)]
	s, c := 0.0, 1.0
	if m.Rotation != 0 {
		s, c = math.Sincos(m.Rotation * math.Pi / 180)
	}
	for i := 0; i+1 < len(unit); i += 2 {
		ux, uy := unit[i]*m.Size, unit[i+1]*m.Size
		dst = append(dst, x+ux*c-uy*s, y+ux*s+uy*c)
	}
	return dst
}

// Marks draws the mark at every position of the shape, in the order the positions were
// added: each position gets its fill and then its outline before the next one, so that
// where marks overlap, the last one drawn shows whole.
func (c *Canvas) Marks(s *Shape, m Mark) {
	if s.Empty() || m.Size <= 0 {
		return
	}
	c.forEachPosition(s, func(x, y float64) {
		c.drawMark(&m, x, y)
	})
}

// drawMark draws one mark centred on (x, y): its fill, then its outline, each in a
// rasteriser pass sized to what it paints.
func (c *Canvas) drawMark(m *Mark, x, y float64) {
	c.tmp = markOutline(c.tmp[:0], m, x, y)
	box := EmptyRect()
	for i := 0; i+1 < len(c.tmp); i += 2 {
		box.Extend(c.tmp[i], c.tmp[i+1])
	}
	if m.Fill != nil && m.Fill.A > 0 {
		if r, ok := c.begin(box); ok {
			c.orient = true
			c.polygon(c.tmp)
			c.end(r, *m.Fill)
		}
	}
	st := m.Stroke
	if st == nil || st.Width <= 0 || st.Color.A == 0 {
		return
	}
	if r, ok := c.begin(box.Inset(m.outlineReach())); ok {
		c.orient = true
		c.str = stroker{hw: st.Width / 2, join: st.Join, cap: st.Cap, miterLimit: st.miterLimit(), sink: c,
			buf: c.str.buf, pts: c.str.pts, dash: c.str.dash}
		c.str.strokePolyline(c.tmp, true, st.Dash, st.DashOffset, 0)
		c.end(r, st.Color)
	}
}

// outlineReach returns how far the mark's outline paints beyond the mark's shape. A
// circle is a polygon of at least 8 sides, whose mitre joins reach half the width
// divided by cos(22.5°), less than 1.1 times half the width.
func (m *Mark) outlineReach() float64 {
	if isCircle(m.Shape) {
		return m.Stroke.Width / 2 * 1.1
	}
	return m.Stroke.margin()
}

func isCircle(shape string) bool {
	shape = strings.ToLower(shape)
	return shape == "circle" || unitShapes[shape] == nil
}

// forEachPosition calls fn with each single position of the shape.
func (c *Canvas) forEachPosition(s *Shape, fn func(x, y float64)) {
	for _, p := range s.parts {
		if p.end-p.start != 1 {
			continue
		}
		fn(float64(s.xy[2*p.start]), float64(s.xy[2*p.start+1]))
	}
}

// MarkList gathers marks of several paints at single positions, to be drawn in the
// order they were added. Where the marks of different paints overlap, the one added
// last shows whole, as when features are drawn one by one.
type MarkList struct {
	bounds Rect
	marks  []Mark
	reach  []float64
	items  []placedMark
}

type placedMark struct {
	x, y float32
	mark int32
}

// NewMarkList returns an empty list for the canvas.
func (c *Canvas) NewMarkList() *MarkList {
	return &MarkList{bounds: c.Bounds()}
}

// AddMark registers a paint and returns its index for Add.
func (l *MarkList) AddMark(m Mark) int {
	l.marks = append(l.marks, m)
	l.reach = append(l.reach, m.Size/2+1+strokeMargin(m.Stroke))
	return len(l.marks) - 1
}

// Add appends the mark of index mark at (x, y), unless it would paint nothing on the
// canvas.
func (l *MarkList) Add(x, y float64, mark int) {
	r := l.reach[mark]
	if x < l.bounds.MinX-r || x > l.bounds.MaxX+r || y < l.bounds.MinY-r || y > l.bounds.MaxY+r {
		return
	}
	l.items = append(l.items, placedMark{x: float32(x), y: float32(y), mark: int32(mark)})
}

// Empty reports whether no position was added.
func (l *MarkList) Empty() bool { return len(l.items) == 0 }

// DrawMarks draws the marks of the list in the order they were added, each with its
// fill and then its outline.
func (c *Canvas) DrawMarks(l *MarkList) {
	for _, it := range l.items {
		m := &l.marks[it.mark]
		if m.Size <= 0 {
			continue
		}
		c.drawMark(m, float64(it.x), float64(it.y))
	}
}

func strokeMargin(s *Stroke) float64 {
	if s == nil {
		return 0
	}
	return s.margin()
}

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
	shape := strings.ToLower(m.Shape)
	if shape == "circle" || unitShapes[shape] == nil {
		return appendCircle(dst, x, y, m.Size/2)
	}
	unit := unitShapes[shape]
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

// Marks draws the mark at every position of the shape: first all the fills, then all
// the outlines.
func (c *Canvas) Marks(s *Shape, m Mark) {
	if s.Empty() || m.Size <= 0 {
		return
	}
	reach := m.Size/2 + 1
	if m.Stroke != nil {
		reach += m.Stroke.margin()
	}
	if m.Fill != nil && m.Fill.A > 0 {
		if r, ok := c.begin(s.box.Inset(reach)); ok {
			c.orient = true
			c.forEachPosition(s, func(x, y float64) {
				c.tmp = markOutline(c.tmp[:0], &m, x, y)
				c.polygon(c.tmp)
			})
			c.end(r, *m.Fill)
		}
	}
	if m.Stroke == nil || m.Stroke.Width <= 0 || m.Stroke.Color.A == 0 {
		return
	}
	st := *m.Stroke
	if r, ok := c.begin(s.box.Inset(reach)); ok {
		c.orient = true
		c.str = stroker{hw: st.Width / 2, join: st.Join, cap: st.Cap, miterLimit: st.miterLimit(), sink: c,
			buf: c.str.buf, pts: c.str.pts, dash: c.str.dash}
		var outline []float64
		c.forEachPosition(s, func(x, y float64) {
			outline = markOutline(outline[:0], &m, x, y)
			c.str.strokePolyline(outline, true, st.Dash, st.DashOffset, 0)
		})
		c.end(r, st.Color)
	}
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

package render

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/vector"
)

// Canvas is an RGBA image with a rasteriser.
type Canvas struct {
	Image *image.RGBA

	ras     vector.Rasterizer
	originX float64
	originY float64
	// orient makes every polygon sent to the rasteriser turn the same way, for strokes
	// and marks, whose pieces overlap.
	orient bool
	tmp    []float64
	str    stroker
	// paint is the source of every pass and paintColour its colour. paint holds a
	// pointer to paintColour, so that setting the colour of a pass allocates nothing.
	paint       image.Uniform
	paintColour color.NRGBA
}

// NewCanvas returns a transparent canvas of w×h pixels.
func NewCanvas(w, h int) *Canvas {
	return &Canvas{Image: image.NewRGBA(image.Rect(0, 0, w, h))}
}

// Clear paints every pixel with c (use a zero alpha for a transparent image).
func (c *Canvas) Clear(col color.NRGBA) {
	r, g, b, a := premultiply(col)
	pix := c.Image.Pix
	if len(pix) < 4 {
		return
	}
	pix[0], pix[1], pix[2], pix[3] = r, g, b, a
	for filled := 4; filled < len(pix); filled *= 2 {
		copy(pix[filled:], pix[:filled])
	}
}

func premultiply(col color.NRGBA) (r, g, b, a uint8) {
	a32 := uint32(col.A)
	return uint8(uint32(col.R) * a32 / 255), uint8(uint32(col.G) * a32 / 255), uint8(uint32(col.B) * a32 / 255), col.A
}

// Bounds returns the image rectangle in pixels.
func (c *Canvas) Bounds() Rect {
	b := c.Image.Bounds()
	return Rect{float64(b.Min.X), float64(b.Min.Y), float64(b.Max.X), float64(b.Max.Y)}
}

// Shape gathers the geometries drawn with one paint. Lines and rings are clipped to the
// canvas grown by a margin as they are added.
type Shape struct {
	clip  Rect
	xy    []float32
	parts []shapePart
	box   Rect
	tmp   []float64
	ring  []float64
}

type shapePart struct {
	start, end int32 // indices of points in xy
	closed     bool
	// phase is the distance along the original line at which this piece starts.
	phase float32
}

// NewShape returns an empty shape clipped to the canvas grown by margin pixels on every
// side; the margin must exceed the reach of the widest stroke drawn with it.
func (c *Canvas) NewShape(margin float64) *Shape {
	return &Shape{clip: c.Bounds().Inset(margin), box: EmptyRect()}
}

// Reset empties the shape, keeping its memory and clip rectangle.
func (s *Shape) Reset() {
	s.xy, s.parts, s.box = s.xy[:0], s.parts[:0], EmptyRect()
}

// Empty reports whether nothing was added.
func (s *Shape) Empty() bool { return len(s.parts) == 0 }

func (s *Shape) appendPart(xy []float64, closed bool, phase float64) {
	start := int32(len(s.xy) / 2)
	for i := 0; i+1 < len(xy); i += 2 {
		s.xy = append(s.xy, float32(xy[i]), float32(xy[i+1]))
		s.box.Extend(xy[i], xy[i+1])
	}
	s.parts = append(s.parts, shapePart{start: start, end: int32(len(s.xy) / 2), closed: closed, phase: float32(phase)})
}

// AddLine adds an open polyline (x, y pairs).
func (s *Shape) AddLine(xy []float64) {
	clipPolyline(xy, s.clip, &s.tmp, func(piece []float64, start float64) {
		s.appendPart(piece, false, start)
	})
}

// AddPoint adds a single position: a mark is drawn there, and a stroke draws a dot.
func (s *Shape) AddPoint(x, y float64) {
	if x < s.clip.MinX || x > s.clip.MaxX || y < s.clip.MinY || y > s.clip.MaxY {
		return
	}
	s.appendPart([]float64{x, y}, false, 0)
}

// AddPolygon adds a polygon: the first ring is the exterior, the others are holes. The
// rings are oriented so that holes stay empty when the shape is filled.
func (s *Shape) AddPolygon(rings [][]float64) {
	for i, r := range rings {
		s.ring = clipRing(s.ring[:0], r, s.clip, &s.tmp)
		if len(s.ring) < 6 {
			continue
		}
		area := signedArea(s.ring)
		if (i == 0) != (area > 0) {
			reverse(s.ring)
		}
		s.appendPart(s.ring, true, 0)
	}
}

func reverse(xy []float64) {
	for i, j := 0, len(xy)-2; i < j; i, j = i+2, j-2 {
		xy[i], xy[j] = xy[j], xy[i]
		xy[i+1], xy[j+1] = xy[j+1], xy[i+1]
	}
}

// part returns the points of part i as float64 x, y pairs in buf.
func (s *Shape) part(i int, buf []float64) ([]float64, shapePart) {
	p := s.parts[i]
	buf = buf[:0]
	for _, v := range s.xy[2*p.start : 2*p.end] {
		buf = append(buf, float64(v))
	}
	return buf, p
}

// begin sizes the rasteriser to the part of the canvas that box covers, or returns
// false when they do not overlap.
func (c *Canvas) begin(box Rect) (image.Rectangle, bool) {
	r := image.Rect(int(math.Floor(box.MinX)), int(math.Floor(box.MinY)), int(math.Ceil(box.MaxX))+1, int(math.Ceil(box.MaxY))+1)
	r = r.Intersect(c.Image.Bounds())
	if r.Empty() {
		return r, false
	}
	c.ras.Reset(r.Dx(), r.Dy())
	c.originX, c.originY = float64(r.Min.X), float64(r.Min.Y)
	return r, true
}

func (c *Canvas) end(r image.Rectangle, col color.NRGBA) {
	c.paintColour = col
	c.paint.C = &c.paintColour
	c.ras.Draw(c.Image, r, &c.paint, image.Point{})
}

// polygon implements polygonSink: it adds one closed polygon to the rasteriser.
func (c *Canvas) polygon(xy []float64) {
	n := len(xy) / 2
	if n < 3 {
		return
	}
	ox, oy := c.originX, c.originY
	if c.orient && signedArea(xy) > 0 {
		c.ras.MoveTo(float32(xy[2*n-2]-ox), float32(xy[2*n-1]-oy))
		for i := n - 2; i >= 0; i-- {
			c.ras.LineTo(float32(xy[2*i]-ox), float32(xy[2*i+1]-oy))
		}
	} else {
		c.ras.MoveTo(float32(xy[0]-ox), float32(xy[1]-oy))
		for i := 1; i < n; i++ {
			c.ras.LineTo(float32(xy[2*i]-ox), float32(xy[2*i+1]-oy))
		}
	}
	c.ras.ClosePath()
}

// Fill fills the rings of the shape with col, by the non-zero winding rule.
func (c *Canvas) Fill(s *Shape, col color.NRGBA) {
	if s.Empty() || col.A == 0 {
		return
	}
	r, ok := c.begin(s.box)
	if !ok {
		return
	}
	c.orient = false
	for i := range s.parts {
		var p shapePart
		c.tmp, p = s.part(i, c.tmp)
		if p.end-p.start >= 3 {
			c.polygon(c.tmp)
		}
	}
	c.end(r, col)
}

// Stroke draws the lines and ring outlines of the shape. Overlapping parts of one call
// are painted once, so a translucent stroke does not darken where lines cross.
func (c *Canvas) Stroke(s *Shape, st Stroke) {
	if s.Empty() || st.Color.A == 0 || st.Width <= 0 {
		return
	}
	r, ok := c.begin(s.box.Inset(st.margin()))
	if !ok {
		return
	}
	c.orient = true
	c.str = stroker{hw: st.Width / 2, join: st.Join, cap: st.Cap, miterLimit: st.miterLimit(), sink: c,
		buf: c.str.buf, pts: c.str.pts, dash: c.str.dash}
	for i := range s.parts {
		var p shapePart
		c.tmp, p = s.part(i, c.tmp)
		if p.end-p.start == 1 {
			c.dot(c.tmp[0], c.tmp[1], st)
			continue
		}
		c.str.strokePolyline(c.tmp, p.closed, st.Dash, st.DashOffset, float64(p.phase))
	}
	c.end(r, st.Color)
}

// dot draws a line that collapsed to one position as a disc or square of the stroke's
// width, so that features smaller than a pixel stay visible.
func (c *Canvas) dot(x, y float64, st Stroke) {
	h := math.Max(st.Width/2, 0.5)
	if st.Cap == CapRound {
		c.str.buf = appendCircle(c.str.buf[:0], x, y, h)
	} else {
		c.str.buf = append(c.str.buf[:0], x-h, y-h, x+h, y-h, x+h, y+h, x-h, y+h)
	}
	c.polygon(c.str.buf)
}

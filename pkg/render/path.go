// Package render draws maps: antialiased polygon fills, strokes with joins, caps and
// dashes, point marks and text labels on an RGBA image, and encodes the result as PNG
// (32-bit or 8-bit paletted) or JPEG.
//
// Fills are rasterised by golang.org/x/image/vector with the non-zero winding rule. A
// stroke is turned into polygons by this package: one quadrilateral per segment, plus
// join and cap polygons, all with the same orientation, so that their union is the
// stroke. Shapes that share one paint are gathered in a Shape and drawn in a single
// rasteriser pass, which keeps the cost per feature low on large maps.
//
// All coordinates are pixels: x to the right, y down, (0,0) at the top-left corner of
// the image.
package render

import "math"

// Path is a list of subpaths (polylines or rings) in pixel coordinates.
type Path struct {
	// XY holds the points as x0, y0, x1, y1...
	XY    []float64
	parts []pathPart
}

type pathPart struct {
	start, end int // point indices
	closed     bool
}

// Reset empties the path, keeping its memory.
func (p *Path) Reset() {
	p.XY = p.XY[:0]
	p.parts = p.parts[:0]
}

// MoveTo starts a new subpath at (x, y).
func (p *Path) MoveTo(x, y float64) {
	n := len(p.XY) / 2
	p.parts = append(p.parts, pathPart{start: n, end: n})
	p.LineTo(x, y)
}

// LineTo adds a point to the current subpath; it starts one when there is none.
func (p *Path) LineTo(x, y float64) {
	if len(p.parts) == 0 {
		p.parts = append(p.parts, pathPart{start: len(p.XY) / 2})
	}
	p.XY = append(p.XY, x, y)
	p.parts[len(p.parts)-1].end = len(p.XY) / 2
}

// Close marks the current subpath as a ring.
func (p *Path) Close() {
	if len(p.parts) > 0 {
		p.parts[len(p.parts)-1].closed = true
	}
}

// Len returns the number of subpaths.
func (p *Path) Len() int { return len(p.parts) }

// Part returns the points of subpath i as x, y pairs and whether it is closed.
func (p *Path) Part(i int) (xy []float64, closed bool) {
	pp := p.parts[i]
	return p.XY[2*pp.start : 2*pp.end], pp.closed
}

// Rect is an axis-aligned rectangle in pixels.
type Rect struct{ MinX, MinY, MaxX, MaxY float64 }

// EmptyRect is the neutral element of Union.
func EmptyRect() Rect {
	return Rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

// Empty reports whether the rectangle holds no point.
func (r Rect) Empty() bool { return r.MinX > r.MaxX || r.MinY > r.MaxY }

// Extend grows r to hold (x, y).
func (r *Rect) Extend(x, y float64) {
	r.MinX = math.Min(r.MinX, x)
	r.MinY = math.Min(r.MinY, y)
	r.MaxX = math.Max(r.MaxX, x)
	r.MaxY = math.Max(r.MaxY, y)
}

// Intersects reports whether r and o overlap.
func (r Rect) Intersects(o Rect) bool {
	return r.MinX <= o.MaxX && o.MinX <= r.MaxX && r.MinY <= o.MaxY && o.MinY <= r.MaxY
}

// Inset returns r grown by d on every side (shrunk when d is negative).
func (r Rect) Inset(d float64) Rect {
	return Rect{r.MinX - d, r.MinY - d, r.MaxX + d, r.MaxY + d}
}

// bounds returns the bounding rectangle of the x, y pairs.
func bounds(xy []float64) Rect {
	r := EmptyRect()
	for i := 0; i+1 < len(xy); i += 2 {
		r.Extend(xy[i], xy[i+1])
	}
	return r
}

// signedArea returns twice the signed area of the ring xy (positive when the ring
// turns clockwise on screen, where y points down).
func signedArea(xy []float64) float64 {
	n := len(xy) / 2
	if n < 3 {
		return 0
	}
	a := 0.0
	px, py := xy[2*(n-1)], xy[2*(n-1)+1]
	for i := 0; i < n; i++ {
		x, y := xy[2*i], xy[2*i+1]
		a += px*y - x*py
		px, py = x, y
	}
	return a
}

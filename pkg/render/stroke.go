package render

import (
	"image/color"
	"math"
)

// Join is the shape drawn where two segments of a stroke meet.
type Join int

// Line joins, as in SVG and Symbology Encoding.
const (
	JoinRound Join = iota
	JoinMiter
	JoinBevel
)

// Cap is the shape drawn at the open ends of a stroke.
type Cap int

// Line caps, as in SVG and Symbology Encoding.
const (
	CapButt Cap = iota
	CapRound
	CapSquare
)

// Stroke is the paint of a line.
type Stroke struct {
	Width float64 // pixels
	Color color.NRGBA
	Join  Join
	Cap   Cap
	// MiterLimit is the largest ratio of miter length to stroke width before a miter
	// join falls back to a bevel; 0 means 4, the SVG default.
	MiterLimit float64
	// Dash alternates dash and gap lengths in pixels; empty draws a solid line.
	Dash       []float64
	DashOffset float64
}

// margin returns how far the stroke reaches beyond its centre line.
func (s *Stroke) margin() float64 {
	hw := s.Width / 2
	if s.Join == JoinMiter {
		return hw*s.miterLimit() + 1
	}
	return hw*math.Sqrt2 + 1
}

func (s *Stroke) miterLimit() float64 {
	if s.MiterLimit <= 0 {
		return 4
	}
	return s.MiterLimit
}

// polygonSink receives the polygons whose union is a stroke or a mark.
type polygonSink interface {
	polygon(xy []float64)
}

// stroker turns polylines into polygons.
type stroker struct {
	hw         float64
	join       Join
	cap        Cap
	miterLimit float64
	sink       polygonSink
	buf        []float64
	pts        []float64
	dash       []float64
}

// strokePolyline emits the polygons of one polyline, dashed when pattern is not empty.
// start is the distance along the original line at which xy begins.
func (k *stroker) strokePolyline(xy []float64, closed bool, pattern []float64, offset, start float64) {
	pts := k.dedupe(xy, closed)
	if len(pts) < 4 {
		k.dot(pts)
		return
	}
	if len(pattern) == 0 {
		k.solid(pts, closed)
		return
	}
	k.dashed(pts, pattern, offset+start)
}

// dedupe drops repeated points and, for a ring, appends the first point at the end.
func (k *stroker) dedupe(xy []float64, closed bool) []float64 {
	pts := k.pts[:0]
	for i := 0; i+1 < len(xy); i += 2 {
		n := len(pts)
		if n >= 2 && math.Abs(pts[n-2]-xy[i]) < 1e-9 && math.Abs(pts[n-1]-xy[i+1]) < 1e-9 {
			continue
		}
		pts = append(pts, xy[i], xy[i+1])
	}
	if closed && len(pts) >= 6 {
		if pts[0] != pts[len(pts)-2] || pts[1] != pts[len(pts)-1] {
			pts = append(pts, pts[0], pts[1])
		}
	}
	k.pts = pts
	return pts
}

// dot draws a zero-length line: a disc for round caps, a square for square caps, and
// nothing for butt caps, as SVG does.
func (k *stroker) dot(pts []float64) {
	if len(pts) < 2 {
		return
	}
	switch k.cap {
	case CapRound:
		k.circle(pts[0], pts[1], k.hw)
	case CapSquare:
		x, y, h := pts[0], pts[1], k.hw
		k.buf = append(k.buf[:0], x-h, y-h, x+h, y-h, x+h, y+h, x-h, y+h)
		k.sink.polygon(k.buf)
	}
}

// solid emits a quadrilateral per segment, a join at each inner vertex and the caps.
func (k *stroker) solid(pts []float64, closed bool) {
	n := len(pts) / 2
	isRing := closed && n >= 4 && pts[0] == pts[2*n-2] && pts[1] == pts[2*n-1]
	for i := 0; i+1 < n; i++ {
		k.segment(pts[2*i], pts[2*i+1], pts[2*i+2], pts[2*i+3])
	}
	for i := 1; i+1 < n; i++ {
		k.joint(pts[2*i-2], pts[2*i-1], pts[2*i], pts[2*i+1], pts[2*i+2], pts[2*i+3])
	}
	if isRing {
		k.joint(pts[2*n-4], pts[2*n-3], pts[0], pts[1], pts[2], pts[3])
		return
	}
	k.capAt(pts[0], pts[1], pts[2], pts[3])
	k.capAt(pts[2*n-2], pts[2*n-1], pts[2*n-4], pts[2*n-3])
}

func (k *stroker) segment(x0, y0, x1, y1 float64) {
	dx, dy := x1-x0, y1-y0
	l := hypot(dx, dy)
	if l == 0 {
		return
	}
	nx, ny := -dy/l*k.hw, dx/l*k.hw
	k.buf = append(k.buf[:0], x0+nx, y0+ny, x1+nx, y1+ny, x1-nx, y1-ny, x0-nx, y0-ny)
	k.sink.polygon(k.buf)
}

// capAt draws the cap at the end (x, y) of a line whose next point is (nx, ny).
func (k *stroker) capAt(x, y, nx, ny float64) {
	switch k.cap {
	case CapRound:
		k.circle(x, y, k.hw)
	case CapSquare:
		dx, dy := x-nx, y-ny
		l := hypot(dx, dy)
		if l == 0 {
			return
		}
		ux, uy := dx/l*k.hw, dy/l*k.hw // outwards
		px, py := -uy, ux              // across
		k.buf = append(k.buf[:0], x+px, y+py, x+px+ux, y+py+uy, x-px+ux, y-py+uy, x-px, y-py)
		k.sink.polygon(k.buf)
	}
}

// joint draws the join at (x1, y1) between the segments from (x0, y0) and to (x2, y2).
func (k *stroker) joint(x0, y0, x1, y1, x2, y2 float64) {
	ax, ay := x1-x0, y1-y0
	bx, by := x2-x1, y2-y1
	la, lb := hypot(ax, ay), hypot(bx, by)
	if la == 0 || lb == 0 {
		return
	}
	ax, ay, bx, by = ax/la, ay/la, bx/lb, by/lb
	cross := ax*by - ay*bx
	dot := ax*bx + ay*by
	if math.Abs(cross) < 1e-9 && dot > 0 {
		return // straight on: the two quadrilaterals already meet
	}
	// Up to 2 pixels wide, a bevel stays within 0.3 pixel of a round join (at a right
	// angle; less at gentler turns) and has three vertices where the disc has eight.
	if k.join == JoinRound && k.hw > 1 {
		k.circle(x1, y1, k.hw)
		return
	}
	// The outer side of the turn is to the left of the travel for a turn to the right.
	s := 1.0
	if cross > 0 {
		s = -1
	}
	n0x, n0y := -ay*k.hw*s, ax*k.hw*s
	n1x, n1y := -by*k.hw*s, bx*k.hw*s
	if k.join == JoinMiter && 1+dot > 1e-12 {
		ratio := math.Sqrt(2 / (1 + dot))
		if ratio <= k.miterLimit {
			mx, my := (n0x+n1x)/(1+dot), (n0y+n1y)/(1+dot)
			k.buf = append(k.buf[:0], x1, y1, x1+n0x, y1+n0y, x1+mx, y1+my, x1+n1x, y1+n1y)
			k.sink.polygon(k.buf)
			return
		}
	}
	k.buf = append(k.buf[:0], x1, y1, x1+n0x, y1+n0y, x1+n1x, y1+n1y)
	k.sink.polygon(k.buf)
}

// circle emits a disc as a regular polygon fine enough for its radius.
func (k *stroker) circle(cx, cy, r float64) {
	k.buf = appendCircle(k.buf[:0], cx, cy, r)
	k.sink.polygon(k.buf)
}

// Discs are polygons of 8 to maxCircleSides sides, with sides of about 1.5 pixels.
const maxCircleSides = 96

// unitCircles holds, for each number of sides n, the vertices of a regular n-gon of
// radius 1: computed once, so that round joins do not call sin and cos.
var unitCircles = func() [maxCircleSides + 1][]float64 {
	var t [maxCircleSides + 1][]float64
	for n := 8; n <= maxCircleSides; n++ {
		for i := 0; i < n; i++ {
			s, c := math.Sincos(2 * math.Pi * float64(i) / float64(n))
			t[n] = append(t[n], c, s)
		}
	}
	return t
}()

func appendCircle(dst []float64, cx, cy, r float64) []float64 {
	n := int(math.Ceil(2 * math.Pi * r / 1.5))
	n = max(8, min(n, maxCircleSides))
	unit := unitCircles[n]
	for i := 0; i < len(unit); i += 2 {
		dst = append(dst, cx+r*unit[i], cy+r*unit[i+1])
	}
	return dst
}

// dashed walks the polyline and strokes each dash as a polyline of its own. phase is
// the distance into the pattern at the first point.
func (k *stroker) dashed(pts []float64, pattern []float64, phase float64) {
	total := 0.0
	for _, v := range pattern {
		total += v
	}
	if total <= 0 {
		k.solid(pts, false)
		return
	}
	phase = math.Mod(phase, total)
	if phase < 0 {
		phase += total
	}
	idx := 0
	for phase >= pattern[idx] {
		phase -= pattern[idx]
		idx = (idx + 1) % len(pattern)
	}
	left := pattern[idx] - phase // length left in the current dash or gap
	on := idx%2 == 0
	dash := k.dash[:0]
	if on {
		dash = append(dash, pts[0], pts[1])
	}
	n := len(pts) / 2
	for i := 0; i+1 < n; i++ {
		x0, y0, x1, y1 := pts[2*i], pts[2*i+1], pts[2*i+2], pts[2*i+3]
		segLen := hypot(x1-x0, y1-y0)
		pos := 0.0
		for segLen-pos > left {
			pos += left
			t := pos / segLen
			x, y := x0+t*(x1-x0), y0+t*(y1-y0)
			if on {
				dash = append(dash, x, y)
				k.emitDash(dash)
				dash = dash[:0]
			} else {
				dash = append(dash[:0], x, y)
			}
			on = !on
			idx = (idx + 1) % len(pattern)
			left = pattern[idx]
		}
		left -= segLen - pos
		if on {
			dash = append(dash, x1, y1)
		}
	}
	if on {
		k.emitDash(dash)
	}
	k.dash = dash
}

func (k *stroker) emitDash(d []float64) {
	if len(d) < 4 {
		return
	}
	// The dash slice is reused, so the stroke must not keep it.
	k.solid(d, false)
}

func hypot(dx, dy float64) float64 { return math.Sqrt(dx*dx + dy*dy) }

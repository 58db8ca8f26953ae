package render

// Geometries are clipped to a rectangle slightly larger than the image before they are
// rasterised: the rasteriser walks every pixel row between a segment's ends, so an
// unclipped segment that reaches far outside the image costs time in proportion to its
// length in pixels, and float32 loses precision far from the origin.

// clipRing clips a ring to r (Sutherland-Hodgman) and appends the result to dst. The
// winding of the part inside r is kept, so rings clipped one by one still fill by the
// non-zero rule as the whole polygon would inside r.
func clipRing(dst, xy []float64, r Rect, tmp *[]float64) []float64 {
	in := xy
	if n := len(in); n >= 4 && in[0] == in[n-2] && in[1] == in[n-1] {
		in = in[:n-2] // drop the closing point
	}
	if len(in) < 6 {
		return dst
	}
	b := bounds(in)
	if b.MinX >= r.MinX && b.MaxX <= r.MaxX && b.MinY >= r.MinY && b.MaxY <= r.MaxY {
		return append(dst, in...)
	}
	if !b.Intersects(r) {
		return dst
	}
	buf := (*tmp)[:0]
	cur := append([]float64(nil), in...)
	for edge := 0; edge < 4; edge++ {
		buf = buf[:0]
		n := len(cur) / 2
		if n == 0 {
			break
		}
		px, py := cur[2*(n-1)], cur[2*(n-1)+1]
		pin := inside(edge, px, py, r)
		for i := 0; i < n; i++ {
			x, y := cur[2*i], cur[2*i+1]
			cin := inside(edge, x, y, r)
			if cin != pin {
				ix, iy := intersect(edge, px, py, x, y, r)
				buf = append(buf, ix, iy)
			}
			if cin {
				buf = append(buf, x, y)
			}
			px, py, pin = x, y, cin
		}
		cur = append(cur[:0], buf...)
	}
	*tmp = buf
	if len(cur) < 6 {
		return dst
	}
	return append(dst, cur...)
}

func inside(edge int, x, y float64, r Rect) bool {
	switch edge {
	case 0:
		return x >= r.MinX
	case 1:
		return x <= r.MaxX
	case 2:
		return y >= r.MinY
	default:
		return y <= r.MaxY
	}
}

func intersect(edge int, x0, y0, x1, y1 float64, r Rect) (float64, float64) {
	switch edge {
	case 0, 1:
		ex := r.MinX
		if edge == 1 {
			ex = r.MaxX
		}
		t := (ex - x0) / (x1 - x0)
		return ex, y0 + t*(y1-y0)
	default:
		ey := r.MinY
		if edge == 3 {
			ey = r.MaxY
		}
		t := (ey - y0) / (y1 - y0)
		return x0 + t*(x1-x0), ey
	}
}

// clipPolyline clips a polyline to r and calls emit for each visible piece with the
// distance along the original line at which the piece starts, so that dash patterns
// keep their phase wherever the image edge cuts the line.
func clipPolyline(xy []float64, r Rect, tmp *[]float64, emit func(piece []float64, start float64)) {
	n := len(xy) / 2
	if n < 2 {
		return
	}
	b := bounds(xy)
	if b.MinX >= r.MinX && b.MaxX <= r.MaxX && b.MinY >= r.MinY && b.MaxY <= r.MaxY {
		emit(xy, 0)
		return
	}
	if !b.Intersects(r) {
		return
	}
	piece := (*tmp)[:0]
	dist, pieceStart := 0.0, 0.0
	flush := func() {
		if len(piece) >= 4 {
			emit(piece, pieceStart)
		}
		piece = piece[:0]
	}
	for i := 0; i+1 < n; i++ {
		x0, y0, x1, y1 := xy[2*i], xy[2*i+1], xy[2*i+2], xy[2*i+3]
		segLen := hypot(x1-x0, y1-y0)
		t0, t1, ok := liangBarsky(x0, y0, x1, y1, r)
		if !ok {
			flush()
			dist += segLen
			continue
		}
		ax, ay := x0+t0*(x1-x0), y0+t0*(y1-y0)
		bx, by := x0+t1*(x1-x0), y0+t1*(y1-y0)
		if len(piece) == 0 || t0 > 0 {
			flush()
			pieceStart = dist + t0*segLen
			piece = append(piece, ax, ay)
		}
		piece = append(piece, bx, by)
		if t1 < 1 {
			flush()
		}
		dist += segLen
	}
	flush()
	*tmp = piece
}

// liangBarsky returns the parameter range [t0, t1] of the segment inside r.
func liangBarsky(x0, y0, x1, y1 float64, r Rect) (t0, t1 float64, ok bool) {
	t0, t1 = 0, 1
	dx, dy := x1-x0, y1-y0
	p := [4]float64{-dx, dx, -dy, dy}
	q := [4]float64{x0 - r.MinX, r.MaxX - x0, y0 - r.MinY, r.MaxY - y0}
	for i := 0; i < 4; i++ {
		if p[i] == 0 {
			if q[i] < 0 {
				return 0, 0, false
			}
			continue
		}
		t := q[i] / p[i]
		if p[i] < 0 {
			if t > t1 {
				return 0, 0, false
			}
			if t > t0 {
				t0 = t
			}
		} else {
			if t < t0 {
				return 0, 0, false
			}
			if t < t1 {
				t1 = t
			}
		}
	}
	return t0, t1, true
}

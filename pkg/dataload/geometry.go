package dataload

import (
	"fmt"
	"math"
	"strings"
)

// xy is a point in EPSG:2154 metres.
type xy struct{ X, Y float64 }

func (p xy) add(q xy) xy        { return xy{p.X + q.X, p.Y + q.Y} }
func (p xy) sub(q xy) xy        { return xy{p.X - q.X, p.Y - q.Y} }
func (p xy) scale(k float64) xy { return xy{p.X * k, p.Y * k} }
func (p xy) length() float64    { return math.Hypot(p.X, p.Y) }
func (p xy) rotate(angle float64) xy {
	s, c := math.Sincos(angle)
	return xy{p.X*c - p.Y*s, p.X*s + p.Y*c}
}

// normal returns the unit vector perpendicular to p, to its left.
func (p xy) normal() xy {
	l := p.length()
	return xy{-p.Y / l, p.X / l}
}

// offsetLine moves every vertex of line by d metres along the normal of its
// first segment. It keeps short demo lines parallel to their source.
func offsetLine(line []xy, d float64) []xy {
	n := line[len(line)-1].sub(line[0]).normal().scale(d)
	out := make([]xy, len(line))
	for i, p := range line {
		out[i] = p.add(n)
	}
	return out
}

func coords(b *strings.Builder, line []xy) {
	for i, p := range line {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%.2f %.2f", p.X, p.Y)
	}
}

func pointWKT(p xy) string {
	return fmt.Sprintf("POINT(%.2f %.2f)", p.X, p.Y)
}

func lineWKT(line []xy) string {
	var b strings.Builder
	b.WriteString("LINESTRING(")
	coords(&b, line)
	b.WriteString(")")
	return b.String()
}

// lineZWKT returns a 3D line whose Z is ground level z0 minus depth.
func lineZWKT(line []xy, z0, depth float64) string {
	var b strings.Builder
	b.WriteString("LINESTRING Z(")
	for i, p := range line {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%.2f %.2f %.2f", p.X, p.Y, z0-depth+0.05*float64(i))
	}
	b.WriteString(")")
	return b.String()
}

func multiLineWKT(parts [][]xy) string {
	var b strings.Builder
	b.WriteString("MULTILINESTRING(")
	for i, part := range parts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		coords(&b, part)
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

// rectangleWKT returns a w × h metre rectangle centred on c, turned by angle
// radians.
func rectangleWKT(c xy, w, h, angle float64) string {
	corners := []xy{{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}, {-w / 2, -h / 2}}
	ring := make([]xy, len(corners))
	for i, k := range corners {
		ring[i] = c.add(k.rotate(angle))
	}
	var b strings.Builder
	b.WriteString("POLYGON((")
	coords(&b, ring)
	b.WriteString("))")
	return b.String()
}

package render

import (
	"image/color"
	"math"
	"math/rand"
	"testing"
)

// benchLines returns 6,000 random polylines of 12 vertices 15 px apart over 1024², the
// workload of the renderer comparison in docs/wms.md.
func benchLines() [][]float64 {
	rng := rand.New(rand.NewSource(1))
	var out [][]float64
	for i := 0; i < 6000; i++ {
		x, y := rng.Float64()*1024, rng.Float64()*1024
		a := rng.Float64() * 2 * math.Pi
		l := []float64{x, y}
		for j := 1; j < 12; j++ {
			a += rng.Float64() - 0.5
			x += 15 * math.Cos(a)
			y += 15 * math.Sin(a)
			l = append(l, x, y)
		}
		out = append(out, l)
	}
	return out
}

func BenchmarkStroke_OnePassPerLine(b *testing.B) {
	lines := benchLines()
	for i := 0; i < b.N; i++ {
		c := NewCanvas(1024, 1024)
		s := c.NewShape(8)
		for _, l := range lines {
			s.Reset()
			s.AddLine(l)
			c.Stroke(s, Stroke{Width: 2, Color: color.NRGBA{255, 0, 0, 255}, Join: JoinRound, Cap: CapRound})
		}
	}
}

func BenchmarkStroke_OnePassForAll(b *testing.B) {
	lines := benchLines()
	for i := 0; i < b.N; i++ {
		c := NewCanvas(1024, 1024)
		s := c.NewShape(8)
		for _, l := range lines {
			s.AddLine(l)
		}
		c.Stroke(s, Stroke{Width: 2, Color: color.NRGBA{255, 0, 0, 255}, Join: JoinRound, Cap: CapRound})
	}
}

func BenchmarkEncodePNG_768(b *testing.B) {
	c := NewCanvas(768, 768)
	s := c.NewShape(8)
	for _, l := range benchLines()[:3000] {
		s.AddLine(l)
	}
	c.Stroke(s, Stroke{Width: 2, Color: color.NRGBA{255, 0, 0, 255}})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := EncodePNG(discard{}, c.Image, PNGOptions{Compression: -2}); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// benchPoints returns 11,356 random positions over 768², the count of technical points
// on the town map of the WMS GetMap benchmark in docs/benchmarks.md.
func benchPoints() [][2]float64 {
	rng := rand.New(rand.NewSource(2))
	out := make([][2]float64, 11356)
	for i := range out {
		out[i] = [2]float64{rng.Float64() * 768, rng.Float64() * 768}
	}
	return out
}

func BenchmarkMarks_OutlinedCircles(b *testing.B) {
	points := benchPoints()
	m := Mark{Shape: "circle", Size: 5, Fill: &color.NRGBA{40, 40, 40, 255},
		Stroke: &Stroke{Width: 1, Color: color.NRGBA{255, 255, 255, 255}}}
	for i := 0; i < b.N; i++ {
		c := NewCanvas(768, 768)
		s := c.NewShape(8)
		for _, p := range points {
			s.AddPoint(p[0], p[1])
		}
		c.Marks(s, m)
	}
}

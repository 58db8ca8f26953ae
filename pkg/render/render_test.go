package render

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

var (
	white = color.NRGBA{255, 255, 255, 255}
	red   = color.NRGBA{255, 0, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
	black = color.NRGBA{0, 0, 0, 255}
)

// pixel returns the non-premultiplied colour at (x, y).
func pixel(c *Canvas, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(c.Image.At(x, y)).(color.NRGBA)
}

func near(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) int { return int(math.Abs(float64(x) - float64(y))) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol && d(a.A, b.A) <= tol
}

// compareGolden compares img with testdata/name: every channel of at least 99.8 % of the
// pixels must be within 8 levels, which absorbs rounding differences of the rasteriser
// across Go versions but not a moved or recoloured line.
func compareGolden(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden image missing (run go test -update): %v", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != img.Bounds() {
		t.Fatalf("size %v, golden %v", img.Bounds(), want.Bounds())
	}
	bad := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			got := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			exp := color.NRGBAModel.Convert(want.At(x, y)).(color.NRGBA)
			if !near(got, exp, 8) {
				bad++
			}
		}
	}
	if limit := b.Dx() * b.Dy() / 500; bad > limit {
		t.Errorf("%d pixels differ from %s (limit %d)", bad, path, limit)
	}
}

func drawSampler() *Canvas {
	c := NewCanvas(200, 150)
	c.Clear(white)
	poly := c.NewShape(20)
	poly.AddPolygon([][]float64{{10, 10, 90, 10, 90, 70, 10, 70}, {30, 30, 70, 30, 70, 50, 30, 50}})
	c.Fill(poly, color.NRGBA{0, 0, 255, 128})
	c.Stroke(poly, Stroke{Width: 1.5, Color: black})
	for i, j := range []Join{JoinRound, JoinMiter, JoinBevel} {
		line := c.NewShape(20)
		y := 90 + float64(i)*20
		line.AddLine([]float64{10, y + 10, 40, y, 70, y + 12, 95, y})
		c.Stroke(line, Stroke{Width: 6, Color: color.NRGBA{255, 0, 0, 200}, Join: j, Cap: Cap(i)})
	}
	dash := c.NewShape(20)
	dash.AddLine([]float64{110, 10, 190, 40, 120, 80})
	c.Stroke(dash, Stroke{Width: 2, Color: color.NRGBA{0, 150, 0, 255}, Dash: []float64{8, 4}})
	for i, name := range []string{"square", "circle", "triangle", "star", "cross", "x", "diamond"} {
		m := c.NewShape(20)
		m.AddPoint(115+float64(i%4)*22, 110+float64(i/4)*22)
		c.Marks(m, Mark{Shape: name, Size: 14, Fill: &color.NRGBA{255, 255, 0, 255}, Stroke: &Stroke{Width: 1, Color: color.NRGBA{64, 64, 64, 255}}})
	}
	return c
}

func TestCanvas_Golden(t *testing.T) {
	compareGolden(t, "sampler.png", drawSampler().Image)
}

func TestFill_HoleStaysEmpty(t *testing.T) {
	c := drawSampler()
	if got := pixel(c, 50, 40); got != white {
		t.Errorf("pixel inside the hole = %v, want white", got)
	}
	if got := pixel(c, 20, 20); !near(got, color.NRGBA{127, 127, 255, 255}, 3) {
		t.Errorf("pixel inside the ring = %v, want half-transparent blue over white", got)
	}
}

func TestStroke_TranslucentOverlapPaintedOnce(t *testing.T) {
	c := NewCanvas(40, 40)
	c.Clear(white)
	s := c.NewShape(10)
	s.AddLine([]float64{0, 20, 40, 20})
	s.AddLine([]float64{20, 0, 20, 40})
	c.Stroke(s, Stroke{Width: 6, Color: color.NRGBA{0, 0, 0, 128}})
	cross, arm := pixel(c, 20, 20), pixel(c, 5, 20)
	if !near(cross, arm, 2) {
		t.Errorf("crossing = %v, arm = %v; a translucent stroke must not darken where lines cross", cross, arm)
	}
}

func TestStroke_WidthAndAntialiasing(t *testing.T) {
	c := NewCanvas(40, 40)
	s := c.NewShape(10)
	s.AddLine([]float64{0, 20, 40, 20})
	c.Stroke(s, Stroke{Width: 4, Color: red})
	for y, want := range map[int]uint8{17: 0, 18: 255, 19: 255, 20: 255, 21: 255, 22: 0} {
		if got := pixel(c, 20, y).A; got != want {
			t.Errorf("alpha at row %d = %d, want %d", y, got, want)
		}
	}
	d := c.NewShape(10)
	d.AddLine([]float64{0, 0, 40, 30})
	c2 := NewCanvas(40, 40)
	c2.Stroke(d, Stroke{Width: 1, Color: red})
	partial := 0
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			if a := pixel(c2, x, y).A; a > 0 && a < 255 {
				partial++
			}
		}
	}
	if partial < 20 {
		t.Errorf("%d partly covered pixels on a diagonal line; antialiasing should give many", partial)
	}
}

func TestStroke_DashPhaseAcrossClip(t *testing.T) {
	// The same dashed line drawn whole and with its start cut by the image edge must
	// give the same pixels, so that tiles join.
	whole := NewCanvas(100, 10)
	s := whole.NewShape(10)
	s.AddLine([]float64{0, 5, 100, 5})
	whole.Stroke(s, Stroke{Width: 2, Color: black, Dash: []float64{7, 3}})

	cut := NewCanvas(60, 10)
	s2 := cut.NewShape(10)
	s2.AddLine([]float64{-40, 5, 60, 5})
	cut.Stroke(s2, Stroke{Width: 2, Color: black, Dash: []float64{7, 3}})
	for x := 0; x < 60; x++ {
		if a, b := pixel(whole, x+40, 5).A, pixel(cut, x, 5).A; int(a)-int(b) > 3 || int(b)-int(a) > 3 {
			t.Fatalf("column %d: alpha %d whole, %d cut", x, a, b)
		}
	}
}

func TestStroke_FarOutsideIsClipped(t *testing.T) {
	c := NewCanvas(50, 50)
	s := c.NewShape(10)
	s.AddLine([]float64{-1e9, 25, 1e9, 25})
	c.Stroke(s, Stroke{Width: 2, Color: red})
	if got := pixel(c, 25, 25); got != red {
		t.Errorf("a line far beyond the image edges: pixel %v, want red", got)
	}
}

func TestPaletted_ExactAndTransparent(t *testing.T) {
	c := NewCanvas(20, 20)
	s := c.NewShape(4)
	s.AddPolygon([][]float64{{0, 0, 10, 0, 10, 20, 0, 20}})
	c.Fill(s, red)
	p := Paletted(c.Image)
	if len(p.Palette) > 3 {
		t.Errorf("palette has %d colours for an image of two", len(p.Palette))
	}
	if _, _, _, a := p.Palette[p.ColorIndexAt(15, 10)].RGBA(); a != 0 {
		t.Errorf("transparent pixel has alpha %d in the palette", a)
	}
	if got := color.NRGBAModel.Convert(p.Palette[p.ColorIndexAt(5, 10)]).(color.NRGBA); got != red {
		t.Errorf("red pixel became %v", got)
	}
}

func TestPaletted_ManyColours(t *testing.T) {
	c := drawSampler()
	p := Paletted(c.Image)
	if len(p.Palette) > 256 {
		t.Fatalf("palette has %d entries", len(p.Palette))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, p); err != nil {
		t.Fatal(err)
	}
	back, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := back.(*image.Paletted); !ok {
		t.Fatalf("decoded %T, want a paletted image", back)
	}
	far := 0
	b := c.Image.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if !near(pixel(c, x, y), color.NRGBAModel.Convert(back.At(x, y)).(color.NRGBA), 24) {
				far++
			}
		}
	}
	if far > b.Dx()*b.Dy()/100 {
		t.Errorf("%d pixels moved more than 24 levels after quantisation", far)
	}
}

func TestEncodeJPEG_FlattensOnBackground(t *testing.T) {
	c := NewCanvas(16, 16)
	var buf bytes.Buffer
	if err := EncodeJPEG(&buf, c.Image, 90, color.NRGBA{0x33, 0x66, 0x99, 0}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := color.NRGBAModel.Convert(img.At(8, 8)).(color.NRGBA)
	if !near(got, color.NRGBA{0x33, 0x66, 0x99, 255}, 4) {
		t.Errorf("transparent pixel became %v in JPEG, want the background #336699", got)
	}
}

func TestLabeller_SkipsOverlaps(t *testing.T) {
	fonts, err := LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	c := NewCanvas(200, 60)
	l := NewLabeller(fonts)
	st := TextStyle{Size: 14, Color: blue}
	l.Add(Label{Text: "first", X: 10, Y: 30, AnchorY: 0.5, Style: st})
	l.Add(Label{Text: "second", X: 20, Y: 30, AnchorY: 0.5, Style: st})
	l.Add(Label{Text: "edge", X: 195, Y: 30, AnchorY: 0.5, Style: st})
	l.Draw(c)
	inked := func(x0, x1 int) bool {
		for y := 0; y < 60; y++ {
			for x := x0; x < x1; x++ {
				if pixel(c, x, y).A > 0 {
					return true
				}
			}
		}
		return false
	}
	if !inked(10, 40) {
		t.Error("the first label was not drawn")
	}
	if inked(55, 200) {
		t.Error("a label overlapping the first one, or crossing the image edge, was drawn")
	}
}

// inkBounds returns the bounding box of the pixels with some alpha.
func inkBounds(c *Canvas) (minX, minY, maxX, maxY int) {
	b := c.Image.Bounds()
	minX, minY, maxX, maxY = b.Max.X, b.Max.Y, -1, -1
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if pixel(c, x, y).A > 128 {
				minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			}
		}
	}
	return
}

func TestLabeller_Anchor(t *testing.T) {
	fonts, err := LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	draw := func(ax, ay float64) (int, int, int, int) {
		c := NewCanvas(120, 80)
		l := NewLabeller(fonts)
		l.Add(Label{Text: "HHH", X: 60, Y: 40, AnchorX: ax, AnchorY: ay, Style: TextStyle{Size: 20, Color: black}})
		l.Draw(c)
		return inkBounds(c)
	}
	// Centred: the capitals straddle the point.
	minX, minY, maxX, maxY := draw(0.5, 0.5)
	if cx, cy := (minX+maxX)/2, (minY+maxY)/2; cx < 58 || cx > 62 || cy < 37 || cy > 43 {
		t.Errorf("centred label: ink %d,%d-%d,%d, centre %d,%d; want about 60,40", minX, minY, maxX, maxY, cx, cy)
	}
	// Bottom-left anchor: the text lies above and right of the point.
	minX, _, _, maxY = draw(0, 0)
	if minX < 59 || minX > 63 || maxY > 40 {
		t.Errorf("bottom-left anchor: ink starts at x=%d and ends at y=%d; want x≈60 and y≤40", minX, maxY)
	}
	// Top anchor: the text lies below the point.
	_, minY, _, _ = draw(0, 1)
	if minY < 40 {
		t.Errorf("top anchor: ink starts at y=%d, above the point at 40", minY)
	}
}

// Two outlined circles overlap by more than a radius: the outline of the first crosses
// the centre of the second. Drawn one by one, the second's fill covers that outline.
func TestMarks_EachFillThenOutline(t *testing.T) {
	dark, white := color.NRGBA{40, 40, 40, 255}, color.NRGBA{255, 255, 255, 255}
	c := NewCanvas(50, 40)
	c.Clear(color.NRGBA{200, 200, 200, 255})
	s := c.NewShape(20)
	s.AddPoint(20, 20)
	s.AddPoint(26, 20)
	c.Marks(s, Mark{Shape: "circle", Size: 14, Fill: &dark, Stroke: &Stroke{Width: 2, Color: white}})

	if got := pixel(c, 26, 20); !near(got, dark, 8) {
		t.Errorf("centre of the second circle = %v, want its fill %v over the first's outline", got, dark)
	}
	if got := pixel(c, 15, 20); !near(got, dark, 8) {
		t.Errorf("inside the first circle only = %v, want its fill %v", got, dark)
	}
	if got := pixel(c, 19, 20); !near(got, white, 40) {
		t.Errorf("outline of the second circle inside the first = %v, want %v", got, white)
	}
}

// Marks of different paints in one list keep the order they were added in, which no
// drawing paint by paint can give: red, blue, then red again, each overlapping the last.
func TestDrawMarks_OrderAcrossPaints(t *testing.T) {
	red, blue := color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 255}
	c := NewCanvas(60, 40)
	c.Clear(color.NRGBA{255, 255, 255, 255})
	l := c.NewMarkList()
	redID := l.AddMark(Mark{Shape: "square", Size: 10, Fill: &red})
	blueID := l.AddMark(Mark{Shape: "square", Size: 10, Fill: &blue})
	l.Add(20, 20, redID)
	l.Add(26, 20, blueID)
	l.Add(32, 20, redID)
	l.Add(-100, 20, blueID) // outside the canvas: dropped
	c.DrawMarks(l)

	if got := pixel(c, 23, 20); !near(got, blue, 2) {
		t.Errorf("overlap of the first red and the blue = %v, want blue", got)
	}
	if got := pixel(c, 29, 20); !near(got, red, 2) {
		t.Errorf("overlap of the blue and the second red = %v, want red", got)
	}
	if got := len(l.items); got != 3 {
		t.Errorf("list holds %d marks, want 3", got)
	}
}

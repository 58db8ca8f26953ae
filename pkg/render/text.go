package render

import (
	"fmt"
	"image/color"
	"math"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Fonts holds the typefaces labels are drawn with: the Go fonts (BSD licence), which
// cover Latin, Greek and Cyrillic.
type Fonts struct {
	regular *sfnt.Font
	bold    *sfnt.Font
}

// LoadFonts parses the embedded typefaces. The result is safe for concurrent use.
func LoadFonts() (*Fonts, error) {
	regular, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("render: parse the regular font: %w", err)
	}
	bold, err := sfnt.Parse(gobold.TTF)
	if err != nil {
		return nil, fmt.Errorf("render: parse the bold font: %w", err)
	}
	return &Fonts{regular: regular, bold: bold}, nil
}

// Measure returns the advance width of text in pixels.
func (f *Fonts) Measure(text string, size float64, bold bool) float64 {
	face := f.regular
	if bold {
		face = f.bold
	}
	var buf sfnt.Buffer
	var path Path
	w, err := appendGlyphs(&path, face, &buf, fixed.Int26_6(math.Round(size*64)), text)
	if err != nil {
		return 0
	}
	return w
}

// TextStyle is the paint of a label.
type TextStyle struct {
	Size       float64 // pixels per em
	Bold       bool
	Color      color.NRGBA
	HaloRadius float64 // pixels; 0 draws no halo
	HaloColor  color.NRGBA
}

// Label is a text placed at a point.
type Label struct {
	Text string
	X, Y float64
	// AnchorX and AnchorY place the point in the text's box, as Symbology Encoding's
	// AnchorPoint does: (0, 0) is the bottom-left corner, (0.5, 0.5) the centre.
	AnchorX, AnchorY float64
	// DX and DY move the text, in pixels, right and up.
	DX, DY float64
	// Angle turns the text clockwise, in degrees.
	Angle float64
	Style TextStyle
}

// Labeller draws labels in the order they were added, leaving out any label that would
// overlap one already drawn or cross the edge of the image.
type Labeller struct {
	fonts  *Fonts
	labels []Label
}

// NewLabeller returns an empty labeller drawing with fonts.
func NewLabeller(fonts *Fonts) *Labeller { return &Labeller{fonts: fonts} }

// Add queues a label.
func (l *Labeller) Add(lb Label) {
	if lb.Text != "" && lb.Style.Size > 0 {
		l.labels = append(l.labels, lb)
	}
}

// Draw places and draws the queued labels on c.
func (l *Labeller) Draw(c *Canvas) {
	var placed []Rect
	var buf sfnt.Buffer
	var path Path
	for i := range l.labels {
		lb := &l.labels[i]
		box, err := l.layout(&buf, &path, lb)
		if err != nil {
			continue
		}
		if box.MinX < 0 || box.MinY < 0 || box.MaxX > float64(c.Image.Bounds().Dx()) || box.MaxY > float64(c.Image.Bounds().Dy()) {
			continue
		}
		overlaps := false
		for _, p := range placed {
			if p.Intersects(box) {
				overlaps = true
				break
			}
		}
		if overlaps {
			continue
		}
		placed = append(placed, box)
		drawText(c, &path, lb.Style)
	}
}

func drawText(c *Canvas, path *Path, st TextStyle) {
	shape := c.NewShape(st.HaloRadius + 2)
	for i := 0; i < path.Len(); i++ {
		xy, _ := path.Part(i)
		shape.addRing(xy)
	}
	if st.HaloRadius > 0 && st.HaloColor.A > 0 {
		c.Stroke(shape, Stroke{Width: 2 * st.HaloRadius, Color: st.HaloColor, Join: JoinRound, Cap: CapRound})
	}
	c.Fill(shape, st.Color)
}

// addRing adds a ring with its own winding, as glyph contours need.
func (s *Shape) addRing(xy []float64) {
	s.ring = clipRing(s.ring[:0], xy, s.clip, &s.tmp)
	if len(s.ring) >= 6 {
		s.appendPart(s.ring, true, 0)
	}
}

// layout builds the outline of the label in path and returns its box on the image,
// halo included.
func (l *Labeller) layout(buf *sfnt.Buffer, path *Path, lb *Label) (Rect, error) {
	f := l.fonts.regular
	if lb.Style.Bold {
		f = l.fonts.bold
	}
	ppem := fixed.Int26_6(math.Round(lb.Style.Size * 64))
	metrics, err := f.Metrics(buf, ppem, font.HintingNone)
	if err != nil {
		return Rect{}, err
	}
	ascent, descent := fixedFloat(metrics.Ascent), fixedFloat(metrics.Descent)
	path.Reset()
	width, err := appendGlyphs(path, f, buf, ppem, lb.Text)
	if err != nil {
		return Rect{}, err
	}

	// Local coordinates: the baseline starts at (0, 0), y down, so the box spans
	// [0, width] × [-ascent, descent]. The anchor point of the box, (AnchorX × width,
	// descent - AnchorY × (ascent + descent)), moves to the label's position.
	tx := -lb.AnchorX * width
	ty := lb.AnchorY*(ascent+descent) - descent
	s, co := math.Sincos(lb.Angle * math.Pi / 180)
	px, py := lb.X+lb.DX, lb.Y-lb.DY
	box := EmptyRect()
	for i := 0; i+1 < len(path.XY); i += 2 {
		x, y := path.XY[i]+tx, path.XY[i+1]+ty
		path.XY[i], path.XY[i+1] = px+x*co-y*s, py+x*s+y*co
	}
	for _, corner := range [4][2]float64{{0, -ascent}, {width, -ascent}, {width, descent}, {0, descent}} {
		x, y := corner[0]+tx, corner[1]+ty
		box.Extend(px+x*co-y*s, py+x*s+y*co)
	}
	return box.Inset(lb.Style.HaloRadius), nil
}

// appendGlyphs appends the glyph outlines of text, flattened to polylines, starting at
// the origin, and returns the advance width.
func appendGlyphs(path *Path, f *sfnt.Font, buf *sfnt.Buffer, ppem fixed.Int26_6, text string) (float64, error) {
	x := 0.0
	prev := sfnt.GlyphIndex(0)
	for _, r := range text {
		if !unicode.IsPrint(r) {
			r = ' '
		}
		idx, err := f.GlyphIndex(buf, r)
		if err != nil {
			return 0, err
		}
		if prev != 0 {
			if k, err := f.Kern(buf, prev, idx, ppem, font.HintingNone); err == nil {
				x += fixedFloat(k)
			}
		}
		segs, err := f.LoadGlyph(buf, idx, ppem, nil)
		if err != nil {
			return 0, err
		}
		appendSegments(path, segs, x)
		adv, err := f.GlyphAdvance(buf, idx, ppem, font.HintingNone)
		if err != nil {
			return 0, err
		}
		x += fixedFloat(adv)
		prev = idx
	}
	return x, nil
}

func appendSegments(path *Path, segs sfnt.Segments, dx float64) {
	var cx, cy float64
	for _, sg := range segs {
		a := sg.Args
		switch sg.Op {
		case sfnt.SegmentOpMoveTo:
			if path.Len() > 0 {
				path.Close()
			}
			cx, cy = fixedFloat(a[0].X)+dx, fixedFloat(a[0].Y)
			path.MoveTo(cx, cy)
		case sfnt.SegmentOpLineTo:
			cx, cy = fixedFloat(a[0].X)+dx, fixedFloat(a[0].Y)
			path.LineTo(cx, cy)
		case sfnt.SegmentOpQuadTo:
			bx, by := fixedFloat(a[0].X)+dx, fixedFloat(a[0].Y)
			ex, ey := fixedFloat(a[1].X)+dx, fixedFloat(a[1].Y)
			for i := 1; i <= 4; i++ {
				t := float64(i) / 4
				u := 1 - t
				path.LineTo(u*u*cx+2*u*t*bx+t*t*ex, u*u*cy+2*u*t*by+t*t*ey)
			}
			cx, cy = ex, ey
		case sfnt.SegmentOpCubeTo:
			b1x, b1y := fixedFloat(a[0].X)+dx, fixedFloat(a[0].Y)
			b2x, b2y := fixedFloat(a[1].X)+dx, fixedFloat(a[1].Y)
			ex, ey := fixedFloat(a[2].X)+dx, fixedFloat(a[2].Y)
			for i := 1; i <= 6; i++ {
				t := float64(i) / 6
				u := 1 - t
				path.LineTo(u*u*u*cx+3*u*u*t*b1x+3*u*t*t*b2x+t*t*t*ex, u*u*u*cy+3*u*u*t*b1y+3*u*t*t*b2y+t*t*t*ey)
			}
			cx, cy = ex, ey
		}
	}
	if path.Len() > 0 {
		path.Close()
	}
}

func fixedFloat(v fixed.Int26_6) float64 { return float64(v) / 64 }

package render

import (
	"bytes"
	"compress/flate"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// TestWritePNG_RoundTrip decodes what writePNG wrote, with every filter, for an opaque
// image (written as RGB) and a translucent one (RGBA with straight alpha).
func TestWritePNG_RoundTrip(t *testing.T) {
	for _, bg := range []color.NRGBA{{255, 255, 255, 255}, {0, 0, 0, 0}} {
		c := NewCanvas(61, 37)
		c.Clear(bg)
		s := c.NewShape(8)
		s.AddLine([]float64{2, 3, 50, 30, 58, 4})
		c.Stroke(s, Stroke{Width: 3, Color: color.NRGBA{220, 30, 30, 160}, Join: JoinRound})
		for _, f := range []byte{pngFilterNone, pngFilterSub, pngFilterUp, pngFilterPaeth} {
			var buf bytes.Buffer
			if err := writePNG(&buf, c.Image, flate.BestSpeed, f); err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("filter %d: %v", f, err)
			}
			// image/png reads 24-bit files as *image.RGBA and 32-bit ones as *image.NRGBA.
			if _, rgb := got.(*image.RGBA); rgb != (bg.A == 255) {
				t.Errorf("filter %d, background %v: read as %T", f, bg, got)
			}
			for y := 0; y < 37; y++ {
				for x := 0; x < 61; x++ {
					w := color.NRGBAModel.Convert(c.Image.At(x, y)).(color.NRGBA)
					g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
					if absDiff(w.R, g.R) > 1 || absDiff(w.G, g.G) > 1 || absDiff(w.B, g.B) > 1 || w.A != g.A {
						t.Fatalf("filter %d, background %v, pixel %d,%d: wrote %v, read %v", f, bg, x, y, w, g)
					}
				}
			}
		}
	}
}

func absDiff(a, b uint8) uint8 {
	if a > b {
		return a - b
	}
	return b - a
}

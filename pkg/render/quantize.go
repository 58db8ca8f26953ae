package render

import (
	"image"
	"image/color"
	"sort"
)

// Paletted reduces img to at most 256 colours for an 8-bit PNG. Fully transparent
// pixels share index 0, which is transparent, so the PNG keeps a transparent colour in
// its tRNS chunk. An image of at most 256 colours keeps them exactly. Otherwise a
// median cut chooses the palette from a histogram of 5 bits per colour channel and 4
// bits of alpha. Pixels are not dithered, which suits the flat colours of maps.
func Paletted(img *image.RGBA) *image.Paletted {
	b := img.Bounds()
	out := image.NewPaletted(b, nil)
	if pal, idx, ok := exactPalette(img); ok {
		out.Palette = pal
		copy(out.Pix, idx)
		return out
	}
	hist := make(map[uint32]*bucket)
	forEachNRGBA(img, func(_ int, c color.NRGBA) {
		if c.A == 0 {
			return
		}
		k := bucketKey(c)
		bk := hist[k]
		if bk == nil {
			bk = &bucket{key: k}
			hist[k] = bk
		}
		bk.add(c)
	})
	buckets := make([]*bucket, 0, len(hist))
	for _, bk := range hist {
		buckets = append(buckets, bk)
	}
	// The map's order is random: sorting makes the palette, and the file, deterministic.
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].key < buckets[j].key })
	palette := color.Palette{color.NRGBA{}}
	for _, box := range medianCut(buckets, 255) {
		if len(box) > 0 {
			palette = append(palette, box.mean())
		}
	}
	nearest := make(map[uint32]uint8, len(hist))
	forEachNRGBA(img, func(i int, c color.NRGBA) {
		if c.A == 0 {
			out.Pix[i] = 0
			return
		}
		k := bucketKey(c)
		p, ok := nearest[k]
		if !ok {
			p = uint8(nearestIndex(palette, c))
			nearest[k] = p
		}
		out.Pix[i] = p
	})
	out.Palette = palette
	return out
}

// exactPalette returns the image's own colours when there are at most 256 of them
// (transparent ones counted as one).
func exactPalette(img *image.RGBA) (color.Palette, []uint8, bool) {
	index := map[color.NRGBA]uint8{{}: 0}
	palette := color.Palette{color.NRGBA{}}
	idx := make([]uint8, img.Bounds().Dx()*img.Bounds().Dy())
	ok := true
	var last color.NRGBA
	var lastIndex uint8
	forEachNRGBA(img, func(i int, c color.NRGBA) {
		if !ok {
			return
		}
		if c.A == 0 {
			idx[i] = 0
			return
		}
		if i > 0 && c == last {
			idx[i] = lastIndex
			return
		}
		p, seen := index[c]
		if !seen {
			if len(palette) == 256 {
				ok = false
				return
			}
			p = uint8(len(palette))
			index[c] = p
			palette = append(palette, c)
		}
		idx[i], last, lastIndex = p, c, p
	})
	return palette, idx, ok
}

// forEachNRGBA calls fn with the index and the non-premultiplied colour of each pixel.
func forEachNRGBA(img *image.RGBA, fn func(i int, c color.NRGBA)) {
	b := img.Bounds()
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		for x := 0; x+3 < len(row); x += 4 {
			fn(i, unpremultiply(row[x], row[x+1], row[x+2], row[x+3]))
			i++
		}
	}
}

func unpremultiply(r, g, b, a uint8) color.NRGBA {
	switch a {
	case 0:
		return color.NRGBA{}
	case 255:
		return color.NRGBA{r, g, b, 255}
	}
	a32 := uint32(a)
	return color.NRGBA{uint8(uint32(r) * 255 / a32), uint8(uint32(g) * 255 / a32), uint8(uint32(b) * 255 / a32), a}
}

func bucketKey(c color.NRGBA) uint32 {
	return uint32(c.R>>3)<<14 | uint32(c.G>>3)<<9 | uint32(c.B>>3)<<4 | uint32(c.A>>4)
}

// bucket sums the colours of one histogram cell.
type bucket struct {
	key                    uint32
	n                      uint64
	sumR, sumG, sumB, sumA uint64
}

func (b *bucket) add(c color.NRGBA) {
	b.n++
	b.sumR += uint64(c.R)
	b.sumG += uint64(c.G)
	b.sumB += uint64(c.B)
	b.sumA += uint64(c.A)
}

func (b *bucket) channel(ch int) uint64 {
	switch ch {
	case 0:
		return b.sumR / b.n
	case 1:
		return b.sumG / b.n
	case 2:
		return b.sumB / b.n
	default:
		return b.sumA / b.n
	}
}

type box []*bucket

func (bx box) mean() color.NRGBA {
	var n, r, g, b, a uint64
	for _, bk := range bx {
		n += bk.n
		r += bk.sumR
		g += bk.sumG
		b += bk.sumB
		a += bk.sumA
	}
	return color.NRGBA{uint8(r / n), uint8(g / n), uint8(b / n), uint8(a / n)}
}

// widest returns the channel with the largest range of values in the box, and that
// range weighted by the number of pixels, which ranks boxes for splitting.
func (bx box) widest() (channel int, score uint64) {
	var count uint64
	for _, bk := range bx {
		count += bk.n
	}
	best, bestRange := 0, uint64(0)
	for ch := 0; ch < 4; ch++ {
		lo, hi := uint64(255), uint64(0)
		for _, bk := range bx {
			v := bk.channel(ch)
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo > bestRange || ch == 0 {
			best, bestRange = ch, hi-lo
		}
	}
	return best, bestRange * count
}

// medianCut splits the buckets into at most n boxes.
func medianCut(buckets []*bucket, n int) []box {
	boxes := []box{buckets}
	for len(boxes) < n {
		pick, pickScore, pickChannel := -1, uint64(0), 0
		for i, bx := range boxes {
			if len(bx) < 2 {
				continue
			}
			ch, score := bx.widest()
			if score > pickScore || pick < 0 {
				pick, pickScore, pickChannel = i, score, ch
			}
		}
		if pick < 0 || pickScore == 0 {
			break
		}
		bx := boxes[pick]
		sort.SliceStable(bx, func(i, j int) bool { return bx[i].channel(pickChannel) < bx[j].channel(pickChannel) })
		var total, acc uint64
		for _, bk := range bx {
			total += bk.n
		}
		cut := 1
		for i, bk := range bx {
			acc += bk.n
			if acc*2 >= total {
				cut = max(1, min(i+1, len(bx)-1))
				break
			}
		}
		boxes[pick] = bx[:cut]
		boxes = append(boxes, bx[cut:])
	}
	return boxes
}

func nearestIndex(p color.Palette, c color.NRGBA) int {
	best, bestDist := 1, int64(-1)
	for i := 1; i < len(p); i++ {
		q := p[i].(color.NRGBA)
		dr, dg, db, da := int64(c.R)-int64(q.R), int64(c.G)-int64(q.G), int64(c.B)-int64(q.B), int64(c.A)-int64(q.A)
		d := dr*dr + dg*dg + db*db + 2*da*da
		if bestDist < 0 || d < bestDist {
			best, bestDist = i, d
		}
	}
	return best
}

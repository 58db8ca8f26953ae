package render

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"io"
)

// PNG filter types (PNG specification §9.2).
const (
	pngFilterNone  = 0
	pngFilterSub   = 1
	pngFilterUp    = 2
	pngFilterPaeth = 4
)

// writePNG writes img as a PNG: 24-bit RGB when every pixel is opaque, else 32-bit RGBA
// with straight (not premultiplied) alpha. Every row gets the same filter: the filter
// selection of image/png tries five filters per row and took more time than the
// compression itself on map images, for files a few per cent smaller.
func writePNG(w io.Writer, img *image.RGBA, level int, filter byte) error {
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	opaque := img.Opaque()
	bpp, colourType := 4, byte(6)
	if opaque {
		bpp, colourType = 3, 2
	}
	if _, err := io.WriteString(w, "\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, colourType // bit depth, colour type; compression, filter and interlace 0
	if err := writeChunk(w, "IHDR", ihdr[:]); err != nil {
		return err
	}

	cw := &chunkWriter{w: w, name: "IDAT"}
	bw := bufio.NewWriterSize(cw, 64<<10)
	zw, err := zlib.NewWriterLevel(bw, level)
	if err != nil {
		return err
	}
	stride := width * bpp
	cur := make([]byte, stride)
	prev := make([]byte, stride)
	out := make([]byte, 1+stride)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		if opaque {
			for x, i := 0, 0; x < width; x, i = x+1, i+3 {
				p := row[4*x : 4*x+3 : 4*x+3]
				cur[i], cur[i+1], cur[i+2] = p[0], p[1], p[2]
			}
		} else {
			unpremultiplyRow(cur, row[:stride])
		}
		out[0] = filter
		applyFilter(out[1:], cur, prev, bpp, filter)
		if _, err := zw.Write(out); err != nil {
			return err
		}
		cur, prev = prev, cur
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if cw.err != nil {
		return cw.err
	}
	return writeChunk(w, "IEND", nil)
}

// unpremultiplyRow converts premultiplied RGBA pixels to straight alpha.
func unpremultiplyRow(dst, src []byte) {
	for i := 0; i+3 < len(src); i += 4 {
		a := src[i+3]
		switch a {
		case 0:
			dst[i], dst[i+1], dst[i+2], dst[i+3] = 0, 0, 0, 0
		case 255:
			dst[i], dst[i+1], dst[i+2], dst[i+3] = src[i], src[i+1], src[i+2], 255
		default:
			a32 := uint32(a)
			dst[i] = uint8((uint32(src[i])*255 + a32/2) / a32)
			dst[i+1] = uint8((uint32(src[i+1])*255 + a32/2) / a32)
			dst[i+2] = uint8((uint32(src[i+2])*255 + a32/2) / a32)
			dst[i+3] = a
		}
	}
}

// applyFilter writes the filtered bytes of row cur (the previous row is prev) to dst.
func applyFilter(dst, cur, prev []byte, bpp int, filter byte) {
	switch filter {
	case pngFilterSub:
		copy(dst[:bpp], cur[:bpp])
		for i := bpp; i < len(cur); i++ {
			dst[i] = cur[i] - cur[i-bpp]
		}
	case pngFilterUp:
		for i := range cur {
			dst[i] = cur[i] - prev[i]
		}
	case pngFilterPaeth:
		for i := 0; i < bpp; i++ {
			dst[i] = cur[i] - prev[i]
		}
		for i := bpp; i < len(cur); i++ {
			dst[i] = cur[i] - paeth(cur[i-bpp], prev[i], prev[i-bpp])
		}
	default:
		copy(dst, cur)
	}
}

func paeth(a, b, c uint8) uint8 {
	pc := int(c)
	pa := int(b) - pc
	pb := int(a) - pc
	pc = pa + pb
	if pa < 0 {
		pa = -pa
	}
	if pb < 0 {
		pb = -pb
	}
	if pc < 0 {
		pc = -pc
	}
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

// chunkWriter writes each Write as one chunk.
type chunkWriter struct {
	w    io.Writer
	name string
	err  error
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.err = writeChunk(c.w, c.name, p); c.err != nil {
		return 0, c.err
	}
	return len(p), nil
}

func writeChunk(w io.Writer, name string, data []byte) error {
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
	copy(head[4:], name)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	if _, err := w.Write(head[:]); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	_, err := w.Write(tail[:])
	return err
}

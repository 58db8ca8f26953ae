// Package geom decodes the ISO and extended WKB that PostGIS returns into a flat tree
// that the output encoders walk. A Decoder reuses its buffers, so decoding one feature
// after another allocates nothing once the buffers have grown.
//
// orb's WKB decoder is not used here because orb geometries are two-dimensional, and
// published tables may hold Z coordinates that must reach the client.
package geom

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Type is a geometry type code of the OGC simple features model.
type Type int

// Geometry types, plus Ring for the rings of a polygon.
const (
	Point              Type = 1
	LineString         Type = 2
	Polygon            Type = 3
	MultiPoint         Type = 4
	MultiLineString    Type = 5
	MultiPolygon       Type = 6
	GeometryCollection Type = 7
	Ring               Type = 100
)

// Node is one geometry, ring or member. Point, LineString and Ring nodes hold the
// coordinates Coords[Start:End]; other nodes hold the children Nodes[First:First+Count].
type Node struct {
	Type         Type
	Start, End   int
	First, Count int
}

// Decoder holds the decoded tree of the last geometry.
type Decoder struct {
	// Dim is the number of values per position: 2, or 3 with Z. M values are dropped.
	Dim    int
	Coords []float64
	Nodes  []Node

	buf   []byte
	pos   int
	order binary.ByteOrder
	// inDim is the number of values per position in the WKB, M included.
	inDim int
}

// ErrTruncated reports WKB that ends too early.
var ErrTruncated = errors.New("geom: truncated WKB")

// Decode reads one WKB geometry. The root is Nodes[0].
func (d *Decoder) Decode(wkb []byte) error {
	d.buf, d.pos = wkb, 0
	d.Coords, d.Nodes = d.Coords[:0], d.Nodes[:0]
	d.Dim, d.inDim = 0, 0
	d.Nodes = append(d.Nodes, Node{})
	return d.geometry(0, 0)
}

// Pos returns the i-th position of a node as x, y and z (0 without Z).
func (d *Decoder) Pos(i int) (x, y, z float64) {
	x, y = d.Coords[i], d.Coords[i+1]
	if d.Dim == 3 {
		z = d.Coords[i+2]
	}
	return x, y, z
}

func (d *Decoder) geometry(slot, depth int) error {
	if depth > 32 {
		return errors.New("geom: geometry nested too deeply")
	}
	if d.pos+5 > len(d.buf) {
		return ErrTruncated
	}
	switch d.buf[d.pos] {
	case 0:
		d.order = binary.BigEndian
	case 1:
		d.order = binary.LittleEndian
	default:
		return fmt.Errorf("geom: invalid WKB byte order %d", d.buf[d.pos])
	}
	code := d.order.Uint32(d.buf[d.pos+1:])
	d.pos += 5
	hasZ, hasM := false, false
	// Extended WKB (PostGIS) flags dimensions in the high bits; ISO WKB adds 1000/2000/3000.
	if code&0x20000000 != 0 { // SRID follows
		d.pos += 4
	}
	if code&0x80000000 != 0 {
		hasZ = true
	}
	if code&0x40000000 != 0 {
		hasM = true
	}
	code &= 0x0FFFFFFF
	switch code / 1000 {
	case 1:
		hasZ = true
	case 2:
		hasM = true
	case 3:
		hasZ, hasM = true, true
	}
	t := Type(code % 1000)
	in, out := 2, 2
	if hasZ {
		in, out = in+1, 3
	}
	if hasM {
		in++
	}
	if d.inDim == 0 {
		d.inDim, d.Dim = in, out
	} else if d.inDim != in {
		return errors.New("geom: mixed dimensions in one geometry")
	}

	d.Nodes[slot].Type = t
	switch t {
	case Point:
		return d.positions(slot, 1)
	case LineString:
		n, err := d.count()
		if err != nil {
			return err
		}
		return d.positions(slot, n)
	case Polygon:
		n, err := d.count()
		if err != nil {
			return err
		}
		first := d.children(slot, n)
		for i := 0; i < n; i++ {
			d.Nodes[first+i].Type = Ring
			m, err := d.count()
			if err != nil {
				return err
			}
			if err := d.positions(first+i, m); err != nil {
				return err
			}
		}
		return nil
	case MultiPoint, MultiLineString, MultiPolygon, GeometryCollection:
		n, err := d.count()
		if err != nil {
			return err
		}
		first := d.children(slot, n)
		for i := 0; i < n; i++ {
			if err := d.geometry(first+i, depth+1); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("geom: unsupported WKB geometry type %d", code)
	}
}

func (d *Decoder) count() (int, error) {
	if d.pos+4 > len(d.buf) {
		return 0, ErrTruncated
	}
	n := int(d.order.Uint32(d.buf[d.pos:]))
	d.pos += 4
	// Each element needs at least 4 bytes, so a count beyond that is corrupt.
	if n < 0 || n > (len(d.buf)-d.pos)/4+1 {
		return 0, ErrTruncated
	}
	return n, nil
}

func (d *Decoder) children(slot, n int) int {
	first := len(d.Nodes)
	for i := 0; i < n; i++ {
		d.Nodes = append(d.Nodes, Node{})
	}
	d.Nodes[slot].First, d.Nodes[slot].Count = first, n
	return first
}

func (d *Decoder) positions(slot, n int) error {
	need := n * d.inDim * 8
	if need < 0 || d.pos+need > len(d.buf) {
		return ErrTruncated
	}
	start := len(d.Coords)
	for i := 0; i < n; i++ {
		for j := 0; j < d.inDim; j++ {
			v := math.Float64frombits(d.order.Uint64(d.buf[d.pos:]))
			d.pos += 8
			if j < d.Dim {
				d.Coords = append(d.Coords, v)
			}
		}
	}
	// An empty point is written by PostGIS as NaN coordinates.
	if d.Nodes[slot].Type == Point && n == 1 && math.IsNaN(d.Coords[start]) {
		d.Coords = d.Coords[:start]
	}
	d.Nodes[slot].Start, d.Nodes[slot].End = start, len(d.Coords)
	return nil
}

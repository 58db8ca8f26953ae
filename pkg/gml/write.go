// Package gml writes geometries as GML 2.1.2, 3.1.1 and 3.2.1, and GeoJSON, from the
// decoded WKB tree of package geom. Writers append to a byte slice so that a feature
// collection can be streamed without building a document in memory.
package gml

import (
	"math"
	"strconv"

	"github.com/fourreau/fourreau/pkg/geom"
)

// Version is a GML version.
type Version int

// The GML versions WFS 1.0, 1.1 and 2.0 use.
const (
	GML2 Version = iota
	GML31
	GML32
)

// Coords tells how positions are written.
type Coords struct {
	// Swap writes y before x (latitude first for EPSG:4326 in URN form).
	Swap bool
	// Decimals is the number of decimals kept; trailing zeros are not written.
	Decimals int
}

// AppendNumber appends v rounded to decimals, without trailing zeros. Values whose
// scaled form fits an int64 exactly are written from that integer, which is several
// times faster than strconv's shortest formatting; others fall back to strconv.
func AppendNumber(buf []byte, v float64, decimals int) []byte {
	if decimals < 0 || decimals >= len(pow10) {
		return appendFixedTrimmed(buf, v, decimals)
	}
	scaled := math.Round(v * float64(pow10[decimals]))
	if !(scaled > -maxExactInt && scaled < maxExactInt) { // also true for NaN
		return appendFixedTrimmed(buf, v, decimals)
	}
	n := int64(scaled)
	if n == 0 {
		return append(buf, '0')
	}
	if n < 0 {
		buf = append(buf, '-')
		n = -n
	}
	buf = strconv.AppendInt(buf, n/pow10[decimals], 10)
	frac := n % pow10[decimals]
	if frac == 0 {
		return buf
	}
	var digits [20]byte
	for i := decimals - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := decimals
	for end > 0 && digits[end-1] == '0' {
		end--
	}
	buf = append(buf, '.')
	return append(buf, digits[:end]...)
}

// appendFixedTrimmed writes v with strconv's correctly rounded fixed notation, then
// drops trailing zeros.
func appendFixedTrimmed(buf []byte, v float64, decimals int) []byte {
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'f', decimals, 64)
	if decimals > 0 {
		for buf[len(buf)-1] == '0' {
			buf = buf[:len(buf)-1]
		}
		if buf[len(buf)-1] == '.' {
			buf = buf[:len(buf)-1]
		}
	}
	if string(buf[start:]) == "-0" {
		buf = append(buf[:start], '0')
	}
	return buf
}

// maxExactInt bounds the integers a float64 holds exactly (2^53).
const maxExactInt = 1 << 53

var pow10 = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// Writer appends GML geometries.
type Writer struct {
	Version Version
	Coords  Coords
}

// Append writes the root geometry of d with srsName on it; id is the gml:id (GML 3.2
// requires one on every geometry, members get id.1, id.2...).
func (w *Writer) Append(buf []byte, d *geom.Decoder, srsName, id string) []byte {
	return w.node(buf, d, 0, srsName, id, true)
}

func (w *Writer) open(buf []byte, d *geom.Decoder, name, srsName, id string, top bool) []byte {
	buf = append(buf, "<gml:"...)
	buf = append(buf, name...)
	if w.Version == GML32 && id != "" {
		buf = append(buf, ` gml:id="`...)
		buf = append(buf, id...)
		buf = append(buf, '"')
	}
	if top && srsName != "" {
		buf = append(buf, ` srsName="`...)
		buf = append(buf, srsName...)
		buf = append(buf, '"')
		if w.Version != GML2 {
			buf = append(buf, ` srsDimension="`...)
			buf = strconv.AppendInt(buf, int64(d.Dim), 10)
			buf = append(buf, '"')
		}
	}
	return append(buf, '>')
}

func closeTag(buf []byte, name string) []byte {
	buf = append(buf, "</gml:"...)
	buf = append(buf, name...)
	return append(buf, '>')
}

func (w *Writer) node(buf []byte, d *geom.Decoder, i int, srsName, id string, top bool) []byte {
	n := d.Nodes[i]
	switch n.Type {
	case geom.Point:
		buf = w.open(buf, d, "Point", srsName, id, top)
		if w.Version == GML2 {
			buf = w.coordinates(buf, d, n)
		} else {
			buf = append(buf, "<gml:pos>"...)
			buf = w.positions(buf, d, n)
			buf = append(buf, "</gml:pos>"...)
		}
		return closeTag(buf, "Point")
	case geom.LineString:
		buf = w.open(buf, d, "LineString", srsName, id, top)
		buf = w.posList(buf, d, n)
		return closeTag(buf, "LineString")
	case geom.Polygon:
		buf = w.open(buf, d, "Polygon", srsName, id, top)
		for r := 0; r < n.Count; r++ {
			ring := d.Nodes[n.First+r]
			outer, inner := "exterior", "interior"
			if w.Version == GML2 {
				outer, inner = "outerBoundaryIs", "innerBoundaryIs"
			}
			name := inner
			if r == 0 {
				name = outer
			}
			buf = append(buf, "<gml:"...)
			buf = append(buf, name...)
			buf = append(buf, "><gml:LinearRing>"...)
			buf = w.posList(buf, d, ring)
			buf = append(buf, "</gml:LinearRing>"...)
			buf = closeTag(buf, name)
		}
		return closeTag(buf, "Polygon")
	default:
		outer, member := w.collectionNames(n.Type)
		buf = w.open(buf, d, outer, srsName, id, top)
		for c := 0; c < n.Count; c++ {
			buf = append(buf, "<gml:"...)
			buf = append(buf, member...)
			buf = append(buf, '>')
			childID := ""
			if id != "" {
				childID = id + "." + strconv.Itoa(c+1)
			}
			buf = w.node(buf, d, n.First+c, "", childID, false)
			buf = closeTag(buf, member)
		}
		return closeTag(buf, outer)
	}
}

func (w *Writer) collectionNames(t geom.Type) (outer, member string) {
	switch t {
	case geom.MultiPoint:
		return "MultiPoint", "pointMember"
	case geom.MultiLineString:
		if w.Version == GML2 {
			return "MultiLineString", "lineStringMember"
		}
		return "MultiCurve", "curveMember"
	case geom.MultiPolygon:
		if w.Version == GML2 {
			return "MultiPolygon", "polygonMember"
		}
		return "MultiSurface", "surfaceMember"
	default:
		if w.Version == GML2 {
			return "MultiGeometry", "geometryMember"
		}
		return "MultiGeometry", "geometryMember"
	}
}

func (w *Writer) posList(buf []byte, d *geom.Decoder, n geom.Node) []byte {
	if w.Version == GML2 {
		return w.coordinates(buf, d, n)
	}
	buf = append(buf, "<gml:posList"...)
	if d.Dim == 3 {
		buf = append(buf, ` srsDimension="3"`...)
	}
	buf = append(buf, '>')
	buf = w.positions(buf, d, n)
	return append(buf, "</gml:posList>"...)
}

// positions writes "x y x y ..." (GML 3 pos and posList).
func (w *Writer) positions(buf []byte, d *geom.Decoder, n geom.Node) []byte {
	for i := n.Start; i < n.End; i += d.Dim {
		if i > n.Start {
			buf = append(buf, ' ')
		}
		buf = w.position(buf, d, i, ' ')
	}
	return buf
}

// coordinates writes the GML 2 form "x,y x,y".
func (w *Writer) coordinates(buf []byte, d *geom.Decoder, n geom.Node) []byte {
	buf = append(buf, `<gml:coordinates decimal="." cs="," ts=" ">`...)
	for i := n.Start; i < n.End; i += d.Dim {
		if i > n.Start {
			buf = append(buf, ' ')
		}
		buf = w.position(buf, d, i, ',')
	}
	return append(buf, "</gml:coordinates>"...)
}

func (w *Writer) position(buf []byte, d *geom.Decoder, i int, sep byte) []byte {
	a, b := d.Coords[i], d.Coords[i+1]
	if w.Coords.Swap {
		a, b = b, a
	}
	buf = AppendNumber(buf, a, w.Coords.Decimals)
	buf = append(buf, sep)
	buf = AppendNumber(buf, b, w.Coords.Decimals)
	if d.Dim == 3 {
		buf = append(buf, sep)
		buf = AppendNumber(buf, d.Coords[i+2], w.Coords.Decimals)
	}
	return buf
}

package geom

import (
	"encoding/binary"
	"math"
	"testing"
)

// wkb builds little-endian ISO WKB by hand.
type wkb []byte

func (w wkb) header(code uint32) wkb {
	w = append(w, 1)
	return binary.LittleEndian.AppendUint32(w, code)
}

func (w wkb) u32(v uint32) wkb { return binary.LittleEndian.AppendUint32(w, v) }

func (w wkb) f(vs ...float64) wkb {
	for _, v := range vs {
		w = binary.LittleEndian.AppendUint64(w, math.Float64bits(v))
	}
	return w
}

func TestDecodeLineStringZ(t *testing.T) {
	b := wkb{}.header(1002).u32(2).f(652000, 6862000, 35.2, 652010, 6862005, 35.0)
	var d Decoder
	if err := d.Decode(b); err != nil {
		t.Fatal(err)
	}
	if d.Dim != 3 {
		t.Fatalf("Dim = %d, want 3", d.Dim)
	}
	root := d.Nodes[0]
	if root.Type != LineString || root.End-root.Start != 6 {
		t.Fatalf("root = %+v, want a LineString of 2 positions", root)
	}
	if x, y, z := d.Pos(root.Start + 3); x != 652010 || y != 6862005 || z != 35.0 {
		t.Errorf("second position = %v %v %v", x, y, z)
	}
}

func TestDecodeMultiPolygonWithHole(t *testing.T) {
	ring := func(w wkb, pts ...float64) wkb { return w.u32(uint32(len(pts) / 2)).f(pts...) }
	b := wkb{}.header(6).u32(1).header(3).u32(2)
	b = ring(b, 0, 0, 10, 0, 10, 10, 0, 0)
	b = ring(b, 1, 1, 2, 1, 2, 2, 1, 1)
	var d Decoder
	if err := d.Decode(b); err != nil {
		t.Fatal(err)
	}
	mp := d.Nodes[0]
	if mp.Type != MultiPolygon || mp.Count != 1 {
		t.Fatalf("root = %+v", mp)
	}
	poly := d.Nodes[mp.First]
	if poly.Type != Polygon || poly.Count != 2 {
		t.Fatalf("polygon = %+v", poly)
	}
	hole := d.Nodes[poly.First+1]
	if hole.Type != Ring || hole.End-hole.Start != 8 || d.Coords[hole.Start] != 1 {
		t.Errorf("hole = %+v, coords %v", hole, d.Coords[hole.Start:hole.End])
	}
}

func TestDecodeDropsM(t *testing.T) {
	b := wkb{}.header(2001).f(1, 2, 99)
	var d Decoder
	if err := d.Decode(b); err != nil {
		t.Fatal(err)
	}
	if d.Dim != 2 || len(d.Coords) != 2 || d.Coords[1] != 2 {
		t.Errorf("Dim %d coords %v, want 2D point 1 2", d.Dim, d.Coords)
	}
}

func TestDecodeRejectsTruncated(t *testing.T) {
	full := wkb{}.header(2).u32(3).f(0, 0, 1, 1, 2, 2)
	var d Decoder
	for n := 0; n < len(full); n++ {
		if err := d.Decode(full[:n]); err == nil {
			t.Errorf("Decode of %d of %d bytes succeeded", n, len(full))
		}
	}
}

func TestDecodeReuseAllocatesNothing(t *testing.T) {
	b := wkb{}.header(2).u32(3).f(0, 0, 1, 1, 2, 2)
	var d Decoder
	_ = d.Decode(b)
	allocs := testing.AllocsPerRun(100, func() { _ = d.Decode(b) })
	if allocs != 0 {
		t.Errorf("Decode allocates %.0f times per call once warm, want 0", allocs)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(wkb{}.header(1).f(1, 2)))
	f.Add([]byte(wkb{}.header(7).u32(1).header(2).u32(2).f(0, 0, 1, 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decoder
		if err := d.Decode(b); err != nil {
			return
		}
		for _, n := range d.Nodes {
			if n.Start > n.End || n.End > len(d.Coords) || n.First+n.Count > len(d.Nodes) {
				t.Fatalf("node out of range: %+v", n)
			}
		}
	})
}

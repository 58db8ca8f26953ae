package tiles

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/project"
)

func near(a, b, tolerance float64) bool { return math.Abs(a-b) <= tolerance }

func TestWebMercatorQuadMatchesXYZ(t *testing.T) {
	tms := WebMercatorQuad()
	for _, tc := range []struct{ z, x, y int }{{0, 0, 0}, {1, 1, 0}, {14, 8175, 5613}, {18, 130800, 89800}, {24, 16000000, 3}} {
		got := tms.TileBounds(tc.z, tc.x, tc.y)
		// orb's maptile gives the bounds in longitude and latitude; projected to
		// EPSG:3857 they must be the tile's bounds.
		want := maptile.New(uint32(tc.x), uint32(tc.y), maptile.Zoom(tc.z)).Bound()
		min, max := project.WGS84.ToMercator(want.Min), project.WGS84.ToMercator(want.Max)
		tolerance := tms.TileSpan(tc.z) * 1e-6
		if !near(got.Min[0], min[0], tolerance) || !near(got.Min[1], min[1], tolerance) ||
			!near(got.Max[0], max[0], tolerance) || !near(got.Max[1], max[1], tolerance) {
			t.Errorf("tile %d/%d/%d: bounds %v, want %v %v", tc.z, tc.x, tc.y, got, min, max)
		}
	}
}

func TestWebMercatorQuadDocument(t *testing.T) {
	raw, err := json.Marshal(WebMercatorQuad().Document())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID           string   `json:"id"`
		URI          string   `json:"uri"`
		CRS          string   `json:"crs"`
		OrderedAxes  []string `json:"orderedAxes"`
		TileMatrices []struct {
			ID               string     `json:"id"`
			ScaleDenominator float64    `json:"scaleDenominator"`
			CellSize         float64    `json:"cellSize"`
			CornerOfOrigin   string     `json:"cornerOfOrigin"`
			PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
			TileWidth        int        `json:"tileWidth"`
			MatrixWidth      int        `json:"matrixWidth"`
			MatrixHeight     int        `json:"matrixHeight"`
		} `json:"tileMatrices"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != "WebMercatorQuad" || doc.URI != "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad" {
		t.Errorf("id %q, uri %q", doc.ID, doc.URI)
	}
	if doc.CRS != "http://www.opengis.net/def/crs/EPSG/0/3857" || len(doc.OrderedAxes) != 2 || doc.OrderedAxes[0] != "X" {
		t.Errorf("crs %q, axes %v", doc.CRS, doc.OrderedAxes)
	}
	if len(doc.TileMatrices) != 25 {
		t.Fatalf("%d tile matrices, want 25 (levels 0 to 24)", len(doc.TileMatrices))
	}
	// Values of the standard's definition (OGC 17-083r4, annex D), which rounds them.
	m0, m24 := doc.TileMatrices[0], doc.TileMatrices[24]
	if !near(m0.ScaleDenominator, 559082264.028717, 1e-5) || !near(m0.CellSize, 156543.033928041, 1e-8) {
		t.Errorf("level 0: scale denominator %v, cell size %v", m0.ScaleDenominator, m0.CellSize)
	}
	if !near(m24.ScaleDenominator, 33.3238, 1e-4) || m24.MatrixWidth != 1<<24 || m24.MatrixHeight != 1<<24 {
		t.Errorf("level 24: scale denominator %v, matrix %d×%d", m24.ScaleDenominator, m24.MatrixWidth, m24.MatrixHeight)
	}
	if !near(m0.PointOfOrigin[0], -20037508.3427892, 1e-6) || !near(m0.PointOfOrigin[1], 20037508.3427892, 1e-6) ||
		m0.CornerOfOrigin != "topLeft" || m0.TileWidth != 256 {
		t.Errorf("level 0 origin %v %s, tile width %d", m0.PointOfOrigin, m0.CornerOfOrigin, m0.TileWidth)
	}
}

func TestLambert93QuadDefinition(t *testing.T) {
	tms := Lambert93Quad()
	if tms.ZoomOffset != 4 {
		t.Errorf("zoom offset %d, want 4", tms.ZoomOffset)
	}
	// The grid must contain the projected area of use of EPSG:2154.
	areaOfUse := orb.Bound{Min: orb.Point{-378305.81, 6093283.21}, Max: orb.Point{1212610.74, 7186901.68}}
	if b := tms.Bounds(); !b.Contains(areaOfUse.Min) || !b.Contains(areaOfUse.Max) {
		t.Errorf("grid %v does not contain the area of use %v", b, areaOfUse)
	}
	// Tile edges fall on whole metres down to level 18, whose pixels are 3.125 cm.
	for z := 0; z <= tms.MaxLevel; z++ {
		b := tms.TileBounds(z, tms.MatrixSize(z)-1, tms.MatrixSize(z)/3)
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if v != math.Trunc(v) {
				t.Errorf("level %d: tile edge %v is not a whole metre", z, v)
			}
		}
	}
	if tms.CellSize(18) != 0.03125 {
		t.Errorf("level 18 cell size %v, want 0.03125", tms.CellSize(18))
	}
	// Level z and WebMercatorQuad zoom z+4 have ground pixels of about the same size at
	// 46.5°N: within a factor of 2^0.5.
	wmq := WebMercatorQuad()
	for z := 0; z <= tms.MaxLevel; z++ {
		ground := wmq.CellSize(tms.Zoom(z)) * math.Cos(46.5*math.Pi/180)
		if ratio := tms.CellSize(z) / ground; ratio < 1/math.Sqrt2 || ratio > math.Sqrt2 {
			t.Errorf("level %d: cell size %v m against %v m at zoom %d", z, tms.CellSize(z), ground, tms.Zoom(z))
		}
	}
}

func TestRange(t *testing.T) {
	tms := WebMercatorQuad()
	z := 10
	inner := tms.TileBounds(z, 500, 300)
	center := inner.Center()
	point := orb.Bound{Min: center, Max: center}

	r, ok := tms.Range(z, point, 0)
	if !ok || r != (TileRange{Z: z, MinX: 500, MinY: 300, MaxX: 500, MaxY: 300}) {
		t.Errorf("range of the tile centre: %+v %v", r, ok)
	}
	r, ok = tms.Range(z, point, tms.TileSpan(z)*0.6)
	if !ok || r != (TileRange{Z: z, MinX: 499, MinY: 299, MaxX: 501, MaxY: 301}) {
		t.Errorf("range with a margin of 0.6 tile: %+v %v", r, ok)
	}
	// A box whose edge lies on a tile edge touches both tiles.
	edge := orb.Bound{Min: orb.Point{inner.Max[0], center[1]}, Max: orb.Point{inner.Max[0], center[1]}}
	if r, _ := tms.Range(z, edge, 0); r.MinX != 500 || r.MaxX != 501 {
		t.Errorf("range of a point on the east edge: %+v", r)
	}
	// Boxes beyond the grid are clamped, and boxes outside it give no range.
	world := orb.Bound{Min: orb.Point{-3e7, -3e7}, Max: orb.Point{3e7, 3e7}}
	if r, ok := tms.Range(2, world, 0); !ok || r != tms.FullRange(2) {
		t.Errorf("range of a box larger than the grid: %+v %v", r, ok)
	}
	outside := orb.Bound{Min: orb.Point{-3e7, 0}, Max: orb.Point{-2.1e7, 1}}
	if _, ok := tms.Range(2, outside, 0); ok {
		t.Error("a box west of the grid has a range")
	}
}

func TestRangeContainsEveryTileOfBox(t *testing.T) {
	tms := Lambert93Quad()
	box := orb.Bound{Min: orb.Point{452000.5, 6898000.25}, Max: orb.Point{455123, 6901000}}
	for z := 8; z <= 14; z++ {
		r, ok := tms.Range(z, box, 0)
		if !ok {
			t.Fatalf("level %d: no range", z)
		}
		for x := r.MinX - 1; x <= r.MaxX+1; x++ {
			for y := r.MinY - 1; y <= r.MaxY+1; y++ {
				touches := tms.TileBounds(z, x, y).Intersects(box)
				if touches != r.Contains(z, x, y) {
					t.Errorf("level %d tile %d/%d: touches the box %v, in range %v", z, x, y, touches, r.Contains(z, x, y))
				}
			}
		}
	}
}

package tiles

import (
	"math"

	"github.com/paulmach/orb"
)

// standardPixelSize is the 0.28 mm pixel of OGC 17-083r4, which relates a cell size to
// a scale denominator.
const standardPixelSize = 0.00028

// TileMatrixSet is a quadtree tiling of one CRS: level 0 has one tile of TileSize
// pixels at CellSize0 CRS units per pixel, and each next level halves the cell size,
// so level z has 2^z × 2^z tiles. Tiles are numbered from the top-left corner, columns
// to the east and rows to the south.
type TileMatrixSet struct {
	ID    string
	Title string
	// URI is the registered identifier, empty for a set defined by this server.
	URI               string
	SRID              int
	CRS               string
	OrderedAxes       []string
	WellKnownScaleSet string
	// Origin is the top-left corner of the tile grid, in CRS units (x east, y north).
	Origin    orb.Point
	TileSize  int
	CellSize0 float64
	// MaxLevel is the deepest level defined.
	MaxLevel int
	// ZoomOffset maps a level to the WebMercatorQuad zoom of about the same scale, which
	// the per-layer zoom settings are written in: zoom = level + ZoomOffset.
	ZoomOffset int
}

// CellSize returns the size of a pixel at level z, in CRS units.
func (t *TileMatrixSet) CellSize(z int) float64 { return t.CellSize0 / math.Exp2(float64(z)) }

// TileSpan returns the width and height of a tile at level z, in CRS units.
func (t *TileMatrixSet) TileSpan(z int) float64 { return t.CellSize(z) * float64(t.TileSize) }

// MatrixSize returns the number of tile columns (and rows) at level z.
func (t *TileMatrixSet) MatrixSize(z int) int { return 1 << z }

// Valid reports whether z/x/y names a tile of the set.
func (t *TileMatrixSet) Valid(z, x, y int) bool {
	if z < 0 || z > t.MaxLevel {
		return false
	}
	n := t.MatrixSize(z)
	return x >= 0 && y >= 0 && x < n && y < n
}

// TileBounds returns the bounds of tile z/x/y in the set's CRS.
func (t *TileMatrixSet) TileBounds(z, x, y int) orb.Bound {
	span := t.TileSpan(z)
	minX := t.Origin[0] + float64(x)*span
	maxY := t.Origin[1] - float64(y)*span
	return orb.Bound{Min: orb.Point{minX, maxY - span}, Max: orb.Point{minX + span, maxY}}
}

// Bounds returns the area the tile grid covers.
func (t *TileMatrixSet) Bounds() orb.Bound {
	span := t.TileSpan(0)
	return orb.Bound{Min: orb.Point{t.Origin[0], t.Origin[1] - span}, Max: orb.Point{t.Origin[0] + span, t.Origin[1]}}
}

// TileRange is the rectangle of tiles MinX..MaxX × MinY..MaxY (inclusive) at level Z.
type TileRange struct {
	Z, MinX, MinY, MaxX, MaxY int
}

// Contains reports whether tile z/x/y is in the range.
func (r TileRange) Contains(z, x, y int) bool {
	return z == r.Z && x >= r.MinX && x <= r.MaxX && y >= r.MinY && y <= r.MaxY
}

// Count returns the number of tiles in the range.
func (r TileRange) Count() int64 {
	return int64(r.MaxX-r.MinX+1) * int64(r.MaxY-r.MinY+1)
}

// Range returns the tiles at level z that box touches, after widening box by margin CRS
// units on each side. ok is false when the box touches no tile of the grid. A box edge
// on a tile edge counts the tiles on both sides.
func (t *TileMatrixSet) Range(z int, box orb.Bound, margin float64) (r TileRange, ok bool) {
	span := t.TileSpan(z)
	n := float64(t.MatrixSize(z))
	// Tiles are closed: a coordinate on the edge between two tiles belongs to both,
	// hence the ceiling minus one for the first column and row.
	minCol := math.Ceil((box.Min[0]-margin-t.Origin[0])/span) - 1
	maxCol := math.Floor((box.Max[0] + margin - t.Origin[0]) / span)
	minRow := math.Ceil((t.Origin[1]-box.Max[1]-margin)/span) - 1
	maxRow := math.Floor((t.Origin[1] - box.Min[1] + margin) / span)
	for _, v := range []float64{minCol, maxCol, minRow, maxRow} {
		if math.IsNaN(v) {
			return TileRange{}, false
		}
	}
	if maxCol < 0 || maxRow < 0 || minCol >= n || minRow >= n {
		return TileRange{}, false
	}
	clamp := func(v float64) int { return int(math.Max(0, math.Min(n-1, v))) }
	return TileRange{Z: z, MinX: clamp(minCol), MinY: clamp(minRow), MaxX: clamp(maxCol), MaxY: clamp(maxRow)}, true
}

// FullRange returns every tile of level z.
func (t *TileMatrixSet) FullRange(z int) TileRange {
	n := t.MatrixSize(z) - 1
	return TileRange{Z: z, MaxX: n, MaxY: n}
}

// webMercatorHalf is half the width of the WebMercatorQuad grid: π times the WGS 84
// semi-major axis, in metres.
const webMercatorHalf = math.Pi * 6378137

// WebMercatorQuad returns the tile matrix set of that name in OGC 17-083r4 (annex D),
// the XYZ tiling of web maps: EPSG:3857, 256-pixel tiles, levels 0 to 24.
func WebMercatorQuad() *TileMatrixSet {
	return &TileMatrixSet{
		ID:                "WebMercatorQuad",
		Title:             "Google Maps Compatible for the World",
		URI:               "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
		SRID:              3857,
		CRS:               "http://www.opengis.net/def/crs/EPSG/0/3857",
		OrderedAxes:       []string{"X", "Y"},
		WellKnownScaleSet: "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		Origin:            orb.Point{-webMercatorHalf, webMercatorHalf},
		TileSize:          256,
		CellSize0:         2 * webMercatorHalf / 256,
		MaxLevel:          24,
	}
}

// Lambert93Quad returns the Lambert-93 tile matrix set that this server defines for
// mainland France and Corsica (EPSG:2154, RGF93 v1 / Lambert-93). docs/tiles.md gives
// its definition and the reasons for it:
//   - origin (top-left corner) at E = -524288 m, N = 7340032 m, that is -2^19 and 7·2^20,
//     so that tile edges fall on whole metres down to level 19;
//   - level 0 is one 256-pixel tile of 8192 m pixels (2,097,152 m square), covering
//     E -524288..1572864 and N 5242880..7340032, which contains the whole area of use
//     of EPSG:2154 (about E -378306..1212611, N 6093283..7186902);
//   - each level halves the cell size, down to level 18 (3.125 cm pixels);
//   - level z has about the scale of WebMercatorQuad zoom z + 4 at latitude 46.5°N
//     (ZoomOffset), the latitude of origin of Lambert-93.
func Lambert93Quad() *TileMatrixSet {
	return &TileMatrixSet{
		ID:          "Lambert93Quad",
		Title:       "Lambert-93 quadtree for mainland France and Corsica",
		SRID:        2154,
		CRS:         "http://www.opengis.net/def/crs/EPSG/0/2154",
		OrderedAxes: []string{"E", "N"},
		Origin:      orb.Point{-524288, 7340032},
		TileSize:    256,
		CellSize0:   8192,
		MaxLevel:    18,
		ZoomOffset:  lambert93ZoomOffset(),
	}
}

// lambert93ZoomOffset returns the WebMercatorQuad zoom whose ground pixel size at
// 46.5°N is nearest to the 8192 m of Lambert93Quad's level 0 (3.72, rounded to 4).
func lambert93ZoomOffset() int {
	groundCell0 := 2 * webMercatorHalf / 256 * math.Cos(46.5*math.Pi/180)
	return int(math.Round(math.Log2(groundCell0 / 8192)))
}

// Level returns the level whose scale corresponds to WebMercatorQuad zoom, clamped to
// the set's levels.
func (t *TileMatrixSet) Level(zoom int) int {
	return max(0, min(t.MaxLevel, zoom-t.ZoomOffset))
}

// Zoom returns the WebMercatorQuad zoom of about the same scale as level z.
func (t *TileMatrixSet) Zoom(z int) int { return z + t.ZoomOffset }

package feature

import (
	"context"

	"github.com/paulmach/orb"
)

// TileQuery is the request for one Mapbox Vector Tile.
type TileQuery struct {
	// Bounds are the tile's bounds in the CRS of SRID, the tile matrix set's CRS.
	Bounds orb.Bound
	SRID   int
	// Extent is the tile size in MVT units (4096 usually).
	Extent int
	// Layers are written in this order; a layer without features is left out.
	Layers []TileLayer
}

// TileLayer is one layer of a tile and how it is reduced at the tile's zoom.
type TileLayer struct {
	Layer *Layer
	// Name is the MVT layer name.
	Name string
	// Fields are the attributes written, in order.
	Fields []*Field
	// Buffer is the margin around the tile, in MVT units, inside which geometries are
	// kept.
	Buffer int
	// Clip cuts geometries at the tile edge plus Buffer.
	Clip bool
	// SimplifyPx is the simplification tolerance in pixels (1/256 of the tile); 0 keeps
	// every vertex that MVT's integer grid keeps.
	SimplifyPx float64
	// MinSizePx writes lines and polygons whose bounding box is smaller than this many
	// pixels in both directions as a point at the centre of that box; 0 writes none so.
	MinSizePx float64
	// Complete writes every feature that intersects the tile: a line or polygon that
	// MVT's integer grid reduces to nothing is written as a point instead of left out.
	Complete bool
}

// TileSource builds vector tiles. The PostGIS package implements it.
type TileSource interface {
	// Tile returns the MVT encoding of the tile, uncompressed; an empty slice when no
	// layer has a feature in the tile.
	Tile(ctx context.Context, q *TileQuery) ([]byte, error)
	// TransformBounds returns the bounding box, in EPSG code to, of each area given by a
	// bounding box in EPSG code from.
	TransformBounds(ctx context.Context, boxes []orb.Bound, from, to int) ([]orb.Bound, error)
}

// ChangedArea reports rows of a table that changed: the bounding boxes of their
// geometries before and after the change, in the column's CRS.
type ChangedArea struct {
	// Table is schema.table.
	Table string
	// Geometry is the geometry column the boxes were computed from.
	Geometry string
	SRID     int
	Boxes    []orb.Bound
	// All reports a change whose area is unknown, such as a TRUNCATE: every feature of
	// the table may have changed.
	All bool
}

package feature

import (
	"context"
	"errors"

	"github.com/fourreau/fourreau/pkg/filter"
)

// MapQuery selects the features of one layer that a map draws, generalised for the
// map's scale.
type MapQuery struct {
	Layer *Layer
	// BBox is the area drawn, in the map CRS; geometries are returned in BBox.SRID.
	BBox filter.BBox
	// Filter restricts the features further; nil selects them all.
	Filter filter.Node
	// Rules are evaluated for each feature and returned in MapRow.Rules; a nil rule is
	// always true. With MatchAnyRule, only features matching at least one rule are
	// read.
	Rules        []filter.Node
	MatchAnyRule bool
	// Fields are the attributes returned as text, in order.
	Fields []*Field
	// Tolerance is the generalisation tolerance in map units, about half a pixel:
	// geometries are snapped to a grid of this size and simplified by it. 0 returns
	// them unchanged.
	Tolerance float64
	// Merge returns one row for features that draw identically at this tolerance:
	// features that fit in a pixel (twice the tolerance) become the centre of their
	// pixel, and features with the same generalised geometry, rules and fields are read
	// once. Used at small scales.
	Merge bool
	// Ordered returns rows in key order, which makes label placement repeatable.
	Ordered bool
	// Limit is the largest number of rows read; MapFeatures returns ErrTooManyFeatures
	// beyond it. Zero or negative means no limit.
	Limit int
}

// MapRow is one feature to draw. Rules[i] tells whether rule i of the query matched.
// The slices are only valid during the callback.
type MapRow struct {
	Rules    []bool
	Values   [][]byte
	Geometry []byte
}

// InfoQuery selects the features near a point, nearest first.
type InfoQuery struct {
	Layer *Layer
	// X and Y are the point in the CRS SRID, which is also the CRS of the returned
	// geometries.
	X, Y float64
	SRID int
	// Radius is the search distance in units of the CRS.
	Radius float64
	Filter filter.Node
	Limit  int
}

// ErrTooManyFeatures reports a map query that would read more rows than its limit.
var ErrTooManyFeatures = errors.New("feature: too many features for one map")

// MapReader reads features for maps and feature information.
type MapReader interface {
	// MapFeatures streams the rows of q to fn.
	MapFeatures(ctx context.Context, q *MapQuery, fn func(*MapRow) error) error
	// FeatureInfo streams the features within q.Radius of the point, nearest first,
	// with every field of the layer.
	FeatureInfo(ctx context.Context, q *InfoQuery, fn func(*Row) error) error
}

// MapStore reads what the map services need.
type MapStore interface {
	MapReader
	// ReadMap runs fn with a MapReader whose queries share one snapshot.
	ReadMap(ctx context.Context, fn func(MapReader) error) error
	// Extent returns the layer's bounding box in EPSG:4326 as longitude/latitude, and
	// ok=false when the layer is empty.
	Extent(ctx context.Context, l *Layer) (e Extent, ok bool, err error)
	// TransformExtent returns e, given in fromSRID, as the bounding box of its
	// reprojection in each of the CRSs toSRIDs. A CRS that cannot hold the box is left
	// out of the result.
	TransformExtent(ctx context.Context, e Extent, fromSRID int, toSRIDs []int) (map[int]Extent, error)
}

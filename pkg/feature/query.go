package feature

import (
	"context"

	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/pkg/filter"
)

// SortKey orders features by one field.
type SortKey struct {
	Field      *Field
	Descending bool
}

// Query selects features of one layer. The store always appends the key to the sort
// keys, so that paging is stable.
type Query struct {
	Layer  *Layer
	Filter filter.Node // nil selects every feature
	// Fields are the attribute columns to return, in order; nil returns all of them.
	Fields []*Field
	// NoGeometry leaves the geometry out (PROPERTYNAME without it).
	NoGeometry bool
	SortBy     []SortKey
	Offset     int
	// Limit is the maximum number of features; negative means no limit.
	Limit int
	// OutputSRID is the EPSG code geometries are returned in.
	OutputSRID int
}

// Row is one feature as the store returns it: the key and the selected attributes as
// text (nil for NULL, in the order of Query.Fields), and the geometry as ISO WKB (nil
// when NULL or not selected). The slices are only valid during the callback.
type Row struct {
	Key      []byte
	Values   [][]byte
	Geometry []byte
}

// Extent is a bounding box, as orb's planar bound.
type Extent = orb.Bound

// Reader runs feature queries.
type Reader interface {
	// Features streams the features the query selects, in order, to fn.
	Features(ctx context.Context, q *Query, fn func(*Row) error) error
	// Count returns how many features the query's filter selects, ignoring paging.
	Count(ctx context.Context, q *Query) (int64, error)
}

// Store reads features. The PostGIS package implements it.
type Store interface {
	Reader
	// Read runs fn with a Reader whose queries all see one snapshot of the data.
	Read(ctx context.Context, fn func(Reader) error) error
	// Extent returns the layer's bounding box in EPSG:4326 as longitude/latitude, and
	// ok=false when the layer is empty.
	Extent(ctx context.Context, l *Layer) (e Extent, ok bool, err error)
}

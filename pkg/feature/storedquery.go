package feature

import (
	"context"
	"errors"
)

// StoredQuery is a stored query definition that a client created (WFS 2.0
// CreateStoredQuery).
type StoredQuery struct {
	ID string
	// Definition is the wfs:StoredQueryDefinition element as XML text.
	Definition string
}

// ErrStoredQueryExists is returned by CreateStoredQuery for an identifier in use.
var ErrStoredQueryExists = errors.New("feature: a stored query with this identifier exists")

// StoredQueryStore keeps the stored queries that clients create. A Store that also
// implements it lets the WFS offer CreateStoredQuery and DropStoredQuery.
type StoredQueryStore interface {
	// StoredQueries returns every stored query, ordered by identifier.
	StoredQueries(ctx context.Context) ([]StoredQuery, error)
	// StoredQuery returns the stored query id, or ok=false.
	StoredQuery(ctx context.Context, id string) (q StoredQuery, ok bool, err error)
	// CreateStoredQuery keeps q, or returns ErrStoredQueryExists.
	CreateStoredQuery(ctx context.Context, q StoredQuery) error
	// DropStoredQuery removes the stored query id and reports whether it existed.
	DropStoredQuery(ctx context.Context, id string) (bool, error)
}

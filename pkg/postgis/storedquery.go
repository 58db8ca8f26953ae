package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// StoredQueries implements feature.StoredQueryStore on the table wfs_stored_query.
func (s *Store) StoredQueries(ctx context.Context) ([]feature.StoredQuery, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, definition FROM public.wfs_stored_query ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("postgis: list stored queries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (feature.StoredQuery, error) {
		var q feature.StoredQuery
		err := r.Scan(&q.ID, &q.Definition)
		return q, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: list stored queries: %w", err)
	}
	return out, nil
}

// StoredQuery implements feature.StoredQueryStore.
func (s *Store) StoredQuery(ctx context.Context, id string) (feature.StoredQuery, bool, error) {
	q := feature.StoredQuery{ID: id}
	err := s.pool.QueryRow(ctx, "SELECT definition FROM public.wfs_stored_query WHERE id = $1", id).Scan(&q.Definition)
	if errors.Is(err, pgx.ErrNoRows) {
		return feature.StoredQuery{}, false, nil
	}
	if err != nil {
		return feature.StoredQuery{}, false, fmt.Errorf("postgis: read stored query %q: %w", id, err)
	}
	return q, true, nil
}

// CreateStoredQuery implements feature.StoredQueryStore.
func (s *Store) CreateStoredQuery(ctx context.Context, q feature.StoredQuery) error {
	_, err := s.pool.Exec(ctx, "INSERT INTO public.wfs_stored_query (id, definition) VALUES ($1, $2)", q.ID, q.Definition)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
		return feature.ErrStoredQueryExists
	}
	if err != nil {
		return fmt.Errorf("postgis: create stored query %q: %w", q.ID, err)
	}
	return nil
}

// DropStoredQuery implements feature.StoredQueryStore.
func (s *Store) DropStoredQuery(ctx context.Context, id string) (bool, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM public.wfs_stored_query WHERE id = $1", id)
	if err != nil {
		return false, fmt.Errorf("postgis: drop stored query %q: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}

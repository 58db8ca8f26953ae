package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// extentTTL is how long a layer's computed extent is reused.
const extentTTL = time.Minute

// Store implements feature.Store on a pgx pool.
type Store struct {
	pool *pgxpool.Pool

	mu      sync.Mutex
	extents map[string]cachedExtent

	// writeMu guards the write schemas and CRS areas read for transactions.
	writeMu sync.Mutex
	schemas map[string]*writeSchema
	areas   map[int]*crsArea
	codes   codeLists
}

type cachedExtent struct {
	extent feature.Extent
	ok     bool
	at     time.Time
}

// NewStore returns a store reading through pool.
func NewStore(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, extents: make(map[string]cachedExtent),
		schemas: make(map[string]*writeSchema), areas: make(map[int]*crsArea)}
}

// sqlLimitMax is the largest limit written into the SQL; larger ones are applied while
// reading the rows.
const sqlLimitMax = 50000

// SelectSQL returns the feature query for q with its arguments.
func SelectSQL(q *feature.Query) (string, []any, error) {
	l := q.Layer
	b := &builder{}
	b.sql.WriteString("SELECT " + ident(l.Key) + "::text")
	fields := q.Fields
	if fields == nil {
		for i := range l.Fields {
			fields = append(fields, &l.Fields[i])
		}
	}
	for _, f := range fields {
		b.sql.WriteString(", " + fieldExpr(f))
	}
	if !q.NoGeometry {
		g := ident(l.Geometry)
		if q.OutputSRID != 0 && q.OutputSRID != l.SRID {
			// ST_Transform is overloaded on text and integer: the cast picks the SRID form,
			// as an untyped parameter would be sent as text.
			g = "ST_Transform(" + g + ", " + b.arg(q.OutputSRID) + "::integer)"
		}
		b.sql.WriteString(", ST_AsBinary(" + g + ")")
	}
	// The table alias qualifies the sort keys: an unqualified name in ORDER BY would
	// designate the output column of the same name, which is the text form of the value.
	b.sql.WriteString(" FROM " + tableOf(l) + " AS t WHERE ")
	if err := b.where(l, q.Filter); err != nil {
		return "", nil, err
	}
	b.sql.WriteString(" ORDER BY ")
	for _, k := range q.SortBy {
		b.sql.WriteString("t." + ident(k.Field.Column))
		if k.Descending {
			b.sql.WriteString(" DESC")
		}
		b.sql.WriteString(", ")
	}
	b.sql.WriteString("t." + ident(l.Key))
	// A large LIMIT makes PostgreSQL 15 sort the whole table rather than walk the key
	// index, which delays the first row by seconds; Features stops reading at the limit
	// instead, so the SQL only carries the limits of small pages.
	if q.Limit >= 0 && q.Limit <= sqlLimitMax {
		b.sql.WriteString(" LIMIT " + b.arg(int64(q.Limit)))
	}
	if q.Offset > 0 {
		b.sql.WriteString(" OFFSET " + b.arg(int64(q.Offset)))
	}
	return b.sql.String(), b.args, nil
}

// querier is what a pool and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// reader runs queries on one connection or transaction.
type reader struct{ q querier }

// Read implements feature.Store: fn's queries share one read-only, repeatable-read
// transaction, so that a count and the features it counts agree.
func (s *Store) Read(ctx context.Context, fn func(feature.Reader) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return queryError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(reader{q: tx}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Features implements feature.Reader on the pool.
func (s *Store) Features(ctx context.Context, q *feature.Query, fn func(*feature.Row) error) error {
	return reader{q: s.pool}.Features(ctx, q, fn)
}

// Count implements feature.Reader on the pool.
func (s *Store) Count(ctx context.Context, q *feature.Query) (int64, error) {
	return reader{q: s.pool}.Count(ctx, q)
}

// Features streams the rows of q to fn.
func (r reader) Features(ctx context.Context, q *feature.Query, fn func(*feature.Row) error) error {
	if err := checkRead(ctx, q.Layer); err != nil {
		return err
	}
	sql, args, err := SelectSQL(q)
	if err != nil {
		return err
	}
	// Cancelling the context when fn fails (a client gone) stops the query on the server
	// instead of reading the rest of the result.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := r.q.Query(ctx, sql, args...)
	if err != nil {
		return queryError(err)
	}
	defer rows.Close()

	nFields := len(q.Fields)
	if q.Fields == nil {
		nFields = len(q.Layer.Fields)
	}
	row := &feature.Row{}
	read := 0
	for rows.Next() {
		if q.Limit >= 0 && read >= q.Limit {
			// Cancel before closing: closing alone would read the rest of the result.
			cancel()
			rows.Close()
			return nil
		}
		read++
		raw := rows.RawValues()
		row.Key = raw[0]
		row.Values = raw[1 : 1+nFields]
		row.Geometry = nil
		if !q.NoGeometry {
			row.Geometry = raw[1+nFields]
		}
		if err := fn(row); err != nil {
			cancel()
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return queryError(err)
	}
	return nil
}

// Count returns the number of features the filter of q selects.
func (r reader) Count(ctx context.Context, q *feature.Query) (int64, error) {
	if err := checkRead(ctx, q.Layer); err != nil {
		return 0, err
	}
	b := &builder{}
	b.sql.WriteString("SELECT count(*) FROM " + tableOf(q.Layer) + " WHERE ")
	if err := b.where(q.Layer, q.Filter); err != nil {
		return 0, err
	}
	var n int64
	if err := r.q.QueryRow(ctx, b.sql.String(), b.args...).Scan(&n); err != nil {
		return 0, queryError(err)
	}
	return n, nil
}

// exactExtentRows is the table size under which the extent is computed exactly rather
// than estimated from the planner statistics.
const exactExtentRows = 200000

// Extent implements feature.Store, caching each layer's answer for a minute.
func (s *Store) Extent(ctx context.Context, l *feature.Layer) (feature.Extent, bool, error) {
	s.mu.Lock()
	c, hit := s.extents[l.Name]
	s.mu.Unlock()
	if hit && time.Since(c.at) < extentTTL {
		return c.extent, c.ok, nil
	}

	var reltuples float64
	_ = s.pool.QueryRow(ctx, "SELECT coalesce(reltuples, -1)::float8 FROM pg_class WHERE oid = to_regclass($1)", tableOf(l)).Scan(&reltuples)
	var box string
	if reltuples > exactExtentRows {
		box = fmt.Sprintf("ST_EstimatedExtent(%s, %s, %s)", quoteLiteral(l.Schema), quoteLiteral(l.Table), quoteLiteral(l.Geometry))
	} else {
		box = fmt.Sprintf("(SELECT ST_Extent(%s) FROM %s)", ident(l.Geometry), tableOf(l))
	}
	sql := fmt.Sprintf(`SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
		SELECT ST_Transform(ST_Segmentize(ST_SetSRID(b::geometry, %d), greatest(ST_XMax(b) - ST_XMin(b), ST_YMax(b) - ST_YMin(b), 1e-9) / 32), 4326) AS e
		  FROM (SELECT %s AS b) x WHERE b IS NOT NULL) y`, l.SRID, box)
	var e feature.Extent
	err := s.pool.QueryRow(ctx, sql).Scan(&e.Min[0], &e.Min[1], &e.Max[0], &e.Max[1])
	ok := true
	if errors.Is(err, pgx.ErrNoRows) {
		ok, err = false, nil
	}
	if err != nil {
		return feature.Extent{}, false, fmt.Errorf("postgis: extent of %s: %w", l.Name, err)
	}
	s.mu.Lock()
	s.extents[l.Name] = cachedExtent{extent: e, ok: ok, at: time.Now()}
	s.mu.Unlock()
	return e, ok, nil
}

// quoteLiteral quotes a configured identifier as a SQL string literal, for the functions
// that take table and column names as text.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// queryError turns database errors that the client caused into OGC exceptions and keeps
// the rest as server faults.
func queryError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57014": // query_canceled: statement timeout or cancelled request
			return &ows.Exception{Code: ows.OperationProcessingFailed, Text: "the query was cancelled or took longer than the configured limit", Cause: err}
		case strings.HasPrefix(pgErr.Code, "22"): // data exception: an out-of-range value, a bad geometry
			return &ows.Exception{Code: ows.InvalidParameterValue, Text: "a value in the request is out of range for the data", Cause: err}
		case pgErr.Code == "XX000" && strings.Contains(pgErr.Message, "transform"):
			return &ows.Exception{Code: ows.InvalidParameterValue, Text: "the coordinates cannot be transformed to the requested CRS", Cause: err}
		}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("postgis: query: %w", err)
}

package postgis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/jackc/pgx/v5"
)

// CannotLockAllFeatures is the WFS 2.0 exception code of a lockAction=ALL request that
// found a feature it could not lock.
const CannotLockAllFeatures = "CannotLockAllFeatures"

// maxNotLockedListed bounds the feature ids a CannotLockAllFeatures text lists.
const maxNotLockedListed = 10

// Lock implements feature.Locker. Locks are rows of wfs.lock and wfs.locked_feature, so
// that every server instance reads the same locks. Expired locks are deleted first.
func (g *WriteGuard) Lock(ctx context.Context, r *feature.LockRequest) (*feature.LockResult, error) {
	var res *feature.LockResult
	err := pgx.BeginFunc(ctx, g.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM wfs.lock WHERE expires_at <= now()`); err != nil {
			return fmt.Errorf("postgis: delete expired locks: %w", err)
		}
		var err error
		if r.LockID != "" {
			res, err = g.renewLock(ctx, tx, r)
		} else {
			res, err = g.newLock(ctx, tx, r)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func newLockID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("postgis: generate lock id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func (g *WriteGuard) newLock(ctx context.Context, tx pgx.Tx, r *feature.LockRequest) (*feature.LockResult, error) {
	lockID, err := newLockID()
	if err != nil {
		return nil, err
	}
	var partner *int64
	if r.PartnerID != 0 {
		partner = &r.PartnerID
	}
	_, err = tx.Exec(ctx, `INSERT INTO wfs.lock (lock_id, partner_id, expires_at)
		VALUES ($1, $2, now() + make_interval(secs => $3))`, lockID, partner, r.Expiry.Seconds())
	if err != nil {
		return nil, fmt.Errorf("postgis: create lock: %w", err)
	}
	res := &feature.LockResult{LockID: lockID}
	for _, q := range r.Queries {
		if err := g.lockQuery(ctx, tx, r, q, res); err != nil {
			return nil, err
		}
	}
	if r.All && len(res.NotLocked) > 0 {
		var ids []string
		for i, f := range res.NotLocked {
			if i == maxNotLockedListed {
				ids = append(ids, "...")
				break
			}
			ids = append(ids, f.Layer.FeatureID(fmt.Sprint(f.Key)))
		}
		return nil, ows.Errorf(CannotLockAllFeatures, "lockAction",
			"%d of the selected features cannot be locked (%s): they are locked by another client or not changeable by this caller; nothing was locked, use lockAction=SOME to lock the others",
			len(res.NotLocked), strings.Join(ids, ", "))
	}
	return res, nil
}

// lockQuery locks the features that q selects and the caller may change.
func (g *WriteGuard) lockQuery(ctx context.Context, tx pgx.Tx, r *feature.LockRequest, q *feature.Query, res *feature.LockResult) error {
	l := q.Layer
	b := &builder{}
	changeable := "true"
	if !r.AnyFeature {
		tt, ok := g.Tracked(l)
		if !ok || tt.Owner == "" {
			changeable = "false"
		} else {
			org := b.arg(r.OrgID)
			geom := "t." + ident(tt.Geometry)
			changeable = fmt.Sprintf(`t.%s IS NOT DISTINCT FROM %s::bigint AND coalesce(ST_CoveredBy(%s,
				ST_Transform((SELECT o.wfs_write_scope FROM netdata.organisation o WHERE o.id = %s::bigint), ST_SRID(%s))), true)`,
				ident(tt.Owner), org, geom, org, geom)
		}
	}
	b.sql.WriteString("SELECT t." + ident(l.Key) + "::bigint, " + changeable + " FROM " + tableOf(l) + " AS t WHERE ")
	if err := b.where(l, q.Filter); err != nil {
		return err
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
	if q.Limit >= 0 {
		b.sql.WriteString(" LIMIT " + b.arg(int64(q.Limit)))
	}
	if q.Offset > 0 {
		b.sql.WriteString(" OFFSET " + b.arg(int64(q.Offset)))
	}
	rows, err := tx.Query(ctx, b.sql.String(), b.args...)
	if err != nil {
		return queryError(err)
	}
	var candidates []int64
	var key int64
	var ok bool
	_, err = pgx.ForEachRow(rows, []any{&key, &ok}, func() error {
		if ok {
			candidates = append(candidates, key)
		} else {
			res.NotLocked = append(res.NotLocked, feature.FeatureRef{Layer: l, Key: key})
		}
		return nil
	})
	if err != nil {
		return queryError(err)
	}
	if len(candidates) == 0 {
		return nil
	}

	// A feature already in wfs.locked_feature belongs to a live lock, since expired
	// ones were deleted at the start of the transaction.
	rows, err = tx.Query(ctx, `INSERT INTO wfs.locked_feature (table_name, feature_id, lock_id)
		SELECT $1, k, $2 FROM unnest($3::bigint[]) AS k
		ON CONFLICT (table_name, feature_id) DO NOTHING
		RETURNING feature_id`, l.Schema+"."+l.Table, res.LockID, candidates)
	if err != nil {
		return fmt.Errorf("postgis: lock features of %s: %w", l.Name, err)
	}
	locked, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("postgis: lock features of %s: %w", l.Name, err)
	}
	taken := make(map[int64]bool, len(locked))
	for _, k := range locked {
		taken[k] = true
	}
	for _, k := range candidates {
		if taken[k] {
			res.Locked = append(res.Locked, feature.FeatureRef{Layer: l, Key: k})
		} else {
			res.NotLocked = append(res.NotLocked, feature.FeatureRef{Layer: l, Key: k})
		}
	}
	return nil
}

// renewLock restarts the expiry of an existing lock and returns the features it holds.
func (g *WriteGuard) renewLock(ctx context.Context, tx pgx.Tx, r *feature.LockRequest) (*feature.LockResult, error) {
	var lockID string
	err := tx.QueryRow(ctx, `UPDATE wfs.lock SET expires_at = now() + make_interval(secs => $2), created_at = now()
		 WHERE lock_id = $1 AND (partner_id = $3 OR $4)
		 RETURNING lock_id`, r.LockID, r.Expiry.Seconds(), r.PartnerID, r.AnyFeature).Scan(&lockID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ows.Errorf(ows.InvalidParameterValue, "lockId", "lock %q is unknown: it was released or expired, or was never issued", r.LockID)
	}
	if err != nil {
		return nil, fmt.Errorf("postgis: renew lock: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT table_name, feature_id FROM wfs.locked_feature WHERE lock_id = $1 ORDER BY table_name, feature_id`, lockID)
	if err != nil {
		return nil, fmt.Errorf("postgis: read locked features: %w", err)
	}
	res := &feature.LockResult{LockID: lockID}
	var table string
	var key int64
	_, err = pgx.ForEachRow(rows, []any{&table, &key}, func() error {
		if l, ok := g.layers[table]; ok {
			res.Locked = append(res.Locked, feature.FeatureRef{Layer: l, Key: key})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: read locked features: %w", err)
	}
	return res, nil
}

package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TrackedTable is a table carrying the write guard and history triggers
// (netdata.track_writes): the columns that ownership and lock checks use.
type TrackedTable struct {
	Key string
	// Owner is the owner organisation column; "" when the table has none, so that only
	// administrators may write it.
	Owner    string
	Geometry string
}

// WriteGuard implements feature.TxHooks and feature.Locker: it checks that the caller of
// a transaction may make each change, records the transaction in
// netdata.asbuilt_submission, and keeps WFS locks. The triggers of netdata.track_writes
// check ownership and locks again inside every write statement and record the history.
type WriteGuard struct {
	pool    *pgxpool.Pool
	tracked map[string]TrackedTable
	// layers maps schema.table to the published layer.
	layers map[string]*feature.Layer
	log    *slog.Logger
	// open lets every caller write every feature (wfs.transactions: open).
	open bool
}

// OpenToAnyone makes transactions skip access control, for wfs.transactions: open. Every
// caller, anonymous included, may then write every feature. Locks still hold, and
// submissions and history are still recorded.
func (g *WriteGuard) OpenToAnyone() { g.open = true }

// LoadWriteGuard reads the tracked tables and returns the guard of the catalog's layers.
func LoadWriteGuard(ctx context.Context, pool *pgxpool.Pool, catalog *feature.Catalog, log *slog.Logger) (*WriteGuard, error) {
	rows, err := pool.Query(ctx, `SELECT table_name, key_column, coalesce(owner_column, ''), geom_column FROM netdata.tracked_table`)
	if err != nil {
		return nil, fmt.Errorf("postgis: read netdata.tracked_table (run `fourreau migrate`): %w", err)
	}
	tracked := map[string]TrackedTable{}
	var name string
	var t TrackedTable
	_, err = pgx.ForEachRow(rows, []any{&name, &t.Key, &t.Owner, &t.Geometry}, func() error {
		tracked[name] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgis: read netdata.tracked_table: %w", err)
	}
	layers := map[string]*feature.Layer{}
	for _, l := range catalog.Layers {
		layers[l.Schema+"."+l.Table] = l
	}
	return &WriteGuard{pool: pool, tracked: tracked, layers: layers, log: log}, nil
}

// Tracked returns the tracked-table description of the layer's table.
func (g *WriteGuard) Tracked(l *feature.Layer) (TrackedTable, bool) {
	t, ok := g.tracked[l.Schema+"."+l.Table]
	return t, ok && t.Key == l.Key
}

// actionLocator names an action in exception reports: its handle, else the
// transaction's, as the write path does.
func actionLocator(t *feature.Transaction, a *feature.Action) string {
	if a.Handle != "" {
		return a.Handle
	}
	return t.Handle
}

// Begin implements feature.TxHooks. It rejects the transaction when the caller may not
// write one of its layers, checks the lock it presents, creates its submission row and
// sets the transaction-local settings that the write triggers read.
func (g *WriteGuard) Begin(ctx context.Context, db feature.TxDB, t *feature.Transaction) (feature.Stamp, error) {
	access := auth.FromContext(ctx)
	p := access.Principal
	role := string(p.Role)
	var ownerColumns []string
	if g.open {
		// The triggers check locks for every role, and ownership for partners only.
		role = "open"
	} else {
		var err error
		if ownerColumns, err = g.checkLayers(access, t); err != nil {
			return nil, err
		}
	}
	if t.LockID != "" {
		if err := checkLockID(ctx, db, t.LockID, p, g.open); err != nil {
			return nil, err
		}
	}

	var submission int64
	err := db.QueryRow(ctx, `INSERT INTO netdata.asbuilt_submission
			(submitted_by_org_id, partner_login, handle, software, format, validation_status, source)
		VALUES ($1, $2, $3, $4, 'wfs_t', 'pending', 'wfs-t') RETURNING id`,
		orgOf(p), nullIfEmpty(p.Login), nullIfEmpty(t.Handle), nullIfEmpty(t.UserAgent)).Scan(&submission)
	if err != nil {
		return nil, fmt.Errorf("postgis: create submission: %w", err)
	}
	_, err = db.Exec(ctx, `SELECT set_config('fourreau.role', $1, true), set_config('fourreau.org_id', $2, true),
		set_config('fourreau.login', $3, true), set_config('fourreau.submission_id', $4, true),
		set_config('fourreau.lock_id', $5, true)`,
		role, orgSetting(p), p.Login, strconv.FormatInt(submission, 10), t.LockID)
	if err != nil {
		return nil, fmt.Errorf("postgis: set transaction settings: %w", err)
	}

	stamp := feature.Stamp{"submission_id": strconv.FormatInt(submission, 10)}
	for _, column := range ownerColumns {
		stamp[column] = strconv.FormatInt(p.OrgID, 10)
	}
	return stamp, nil
}

// checkLayers rejects a transaction with an action on a layer the caller may not write.
// It returns the owner columns to stamp on a partner's inserts.
func (g *WriteGuard) checkLayers(access *auth.Access, t *feature.Transaction) ([]string, error) {
	var owners []string
	for _, a := range t.Actions {
		locator := actionLocator(t, a)
		if err := access.CheckWrite(a.Layer.Name, locator); err != nil {
			return nil, err
		}
		if access.Principal.IsAdmin() {
			continue
		}
		tt, ok := g.Tracked(a.Layer)
		if !ok || tt.Owner == "" {
			return nil, auth.Forbidden(locator, "layer "+a.Layer.Name+" has no owner column, so only administrators may write it")
		}
		if !slices.Contains(owners, tt.Owner) {
			owners = append(owners, tt.Owner)
		}
	}
	return owners, nil
}

// orgOf returns the caller's organisation id, or nil for anonymous callers.
func orgOf(p *auth.Principal) *int64 {
	if p.OrgID == 0 {
		return nil
	}
	return &p.OrgID
}

// orgSetting returns the fourreau.org_id setting of the caller: "" for none.
func orgSetting(p *auth.Principal) string {
	if p.OrgID == 0 {
		return ""
	}
	return strconv.FormatInt(p.OrgID, 10)
}

// checkLockID rejects a lockId that is unknown, expired or, unless open is set, another
// partner's.
func checkLockID(ctx context.Context, db feature.TxDB, lockID string, p *auth.Principal, open bool) error {
	var partnerID *int64
	var live bool
	err := db.QueryRow(ctx, `SELECT partner_id, expires_at > now() FROM wfs.lock WHERE lock_id = $1`, lockID).Scan(&partnerID, &live)
	unknown := ows.Errorf(ows.InvalidParameterValue, "lockId", "lock %q is unknown: it was released or expired, or was never issued", lockID)
	if errors.Is(err, pgx.ErrNoRows) {
		return unknown
	}
	if err != nil {
		return fmt.Errorf("postgis: read lock: %w", err)
	}
	if !open && !p.IsAdmin() && (partnerID == nil || *partnerID != p.PartnerID) {
		return unknown
	}
	if !live {
		return ows.Errorf(ows.LockHasExpired, "lockId", "lock %s has expired; lock the features again", lockID)
	}
	return nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// BeforeChange implements feature.TxHooks: a partner's organisation must own the
// features about to be updated, deleted or replaced, inside its write area, and no other
// lock may hold them. Ownership comes first, so that a partner learns nothing of the
// locks on other organisations' features.
func (g *WriteGuard) BeforeChange(ctx context.Context, db feature.TxDB, c *feature.Change) error {
	if len(c.Keys) == 0 {
		return nil
	}
	if err := g.checkOwnership(ctx, db, c, false); err != nil {
		return err
	}
	l := c.Action.Layer
	var locked int64
	err := db.QueryRow(ctx, `SELECT f.feature_id FROM wfs.locked_feature f JOIN wfs.lock l ON l.lock_id = f.lock_id
		 WHERE f.table_name = $1 AND f.feature_id = ANY($2) AND l.expires_at > now()
		   AND l.lock_id IS DISTINCT FROM nullif(current_setting('fourreau.lock_id', true), '')
		 LIMIT 1`, l.Schema+"."+l.Table, c.Keys).Scan(&locked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgis: check locks: %w", err)
	}
	return lockedError(c.Action.Handle, l.FeatureID(strconv.FormatInt(locked, 10)))
}

// AfterChange implements feature.TxHooks: after an insert, update or replace, a partner's
// features must still be owned by its organisation and lie inside its write area.
func (g *WriteGuard) AfterChange(ctx context.Context, db feature.TxDB, c *feature.Change) error {
	if len(c.Keys) == 0 {
		return nil
	}
	return g.checkOwnership(ctx, db, c, true)
}

// checkOwnership finds the first feature of c that the partner may not change.
func (g *WriteGuard) checkOwnership(ctx context.Context, db feature.TxDB, c *feature.Change, after bool) error {
	p := auth.FromContext(ctx).Principal
	if p.IsAdmin() || g.open {
		return nil
	}
	l := c.Action.Layer
	tt, ok := g.Tracked(l)
	if !ok || tt.Owner == "" {
		return auth.Forbidden(c.Action.Handle, "layer "+l.Name+" has no owner column, so only administrators may write it")
	}
	sql := fmt.Sprintf(`SELECT t.%[1]s, t.%[2]s IS NOT DISTINCT FROM $2
		  FROM %[4]s t
		  LEFT JOIN netdata.organisation o ON o.id = $2
		 WHERE t.%[1]s = ANY($1)
		   AND (t.%[2]s IS DISTINCT FROM $2
		        OR (o.wfs_write_scope IS NOT NULL
		            AND NOT coalesce(ST_CoveredBy(t.%[3]s, ST_Transform(o.wfs_write_scope, ST_SRID(t.%[3]s))), false)))
		 LIMIT 1`, ident(tt.Key), ident(tt.Owner), ident(tt.Geometry), tableOf(l))
	var key int64
	var owned bool
	err := db.QueryRow(ctx, sql, c.Keys, p.OrgID).Scan(&key, &owned)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("postgis: check ownership in %s: %w", l.Name, err)
	}
	id := l.FeatureID(strconv.FormatInt(key, 10))
	switch {
	case owned && after:
		return auth.Forbidden(c.Action.Handle, "feature "+id+" would lie outside the write area of organisation "+p.OrgCode)
	case owned:
		return auth.Forbidden(c.Action.Handle, "feature "+id+" lies outside the write area of organisation "+p.OrgCode)
	case after:
		return auth.Forbidden(c.Action.Handle, "feature "+id+" would be owned by another organisation than "+p.OrgCode+"; partners may not give features away")
	}
	return auth.Forbidden(c.Action.Handle, "feature "+id+" is owned by another organisation; partner "+p.Login+" may only change features that organisation "+p.OrgCode+" owns")
}

// lockedError is the exception for a change to a feature that another lock holds.
func lockedError(locator, id string) *ows.Exception {
	return &ows.Exception{Code: ows.OperationProcessingFailed, Locator: locator, Status: http.StatusLocked,
		Text: "feature " + id + " is locked by another client; send the lockId that holds it, or retry after the lock expires"}
}

// Finish implements feature.TxHooks: it records the counts of the submission and
// releases the lock the transaction presented, all of it (releaseAction ALL) or the
// features the transaction changed (SOME), whose remaining lock restarts its expiry.
func (g *WriteGuard) Finish(ctx context.Context, db feature.TxDB, t *feature.Transaction, r *feature.TxResult) error {
	var submission int64
	err := db.QueryRow(ctx, `UPDATE netdata.asbuilt_submission
		   SET total_inserted = $1, total_updated = $2, total_replaced = $3, total_deleted = $4,
		       validation_status = 'valid', completed_at = clock_timestamp()
		 WHERE id = nullif(current_setting('fourreau.submission_id', true), '')::bigint
		 RETURNING id`, len(r.Inserted), r.Updated, len(r.Replaced), r.Deleted).Scan(&submission)
	if err != nil {
		return fmt.Errorf("postgis: complete submission: %w", err)
	}
	if t.LockID == "" {
		return nil
	}
	if t.ReleaseAll {
		if _, err := db.Exec(ctx, `DELETE FROM wfs.lock WHERE lock_id = $1`, t.LockID); err != nil {
			return fmt.Errorf("postgis: release lock: %w", err)
		}
		return nil
	}
	_, err = db.Exec(ctx, `DELETE FROM wfs.locked_feature f USING netdata.feature_history h
		 WHERE f.lock_id = $1 AND h.submission_id = $2
		   AND h.table_name = f.table_name AND h.feature_id = f.feature_id`, t.LockID, submission)
	if err != nil {
		return fmt.Errorf("postgis: release changed features: %w", err)
	}
	_, err = db.Exec(ctx, `UPDATE wfs.lock SET expires_at = now() + (expires_at - created_at), created_at = now()
		 WHERE lock_id = $1`, t.LockID)
	if err != nil {
		return fmt.Errorf("postgis: renew lock: %w", err)
	}
	return nil
}

// Abort implements feature.TxHooks: a transaction of an authenticated caller that failed
// is recorded as a rejected submission, with the exception sent to the client.
func (g *WriteGuard) Abort(ctx context.Context, t *feature.Transaction, cause error) {
	p := auth.FromContext(ctx).Principal
	if p.IsAnonymous() && !g.open {
		return
	}
	e := ows.AsException(cause)
	report, err := json.Marshal(map[string]any{"code": e.Code, "locator": e.Locator, "text": e.Text, "status": e.HTTPStatus()})
	if err != nil {
		g.log.Error("recording rejected submission failed", "partner", p.Login, "err", err)
		return
	}
	// The request may be gone already: the record must still be written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err = g.pool.Exec(ctx, `INSERT INTO netdata.asbuilt_submission
			(submitted_by_org_id, partner_login, handle, software, format, validation_status, report, completed_at, source)
		VALUES ($1, $2, $3, $4, 'wfs_t', 'rejected', $5, clock_timestamp(), 'wfs-t')`,
		orgOf(p), nullIfEmpty(p.Login), nullIfEmpty(t.Handle), nullIfEmpty(t.UserAgent), report)
	if err != nil {
		g.log.Error("recording rejected submission failed", "partner", p.Login, "handle", t.Handle, "err", err)
	}
}

// sqlState returns the SQLSTATE of a PostgreSQL error, or "".
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// GuardError turns the errors the write triggers raise (SQLSTATE WF403 for a feature the
// partner may not change, WF423 for a locked feature) into exceptions with their HTTP
// status. It returns nil for any other error.
func GuardError(err error) *ows.Exception {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return nil
	}
	id := "id " + pgErr.Detail + " of " + pgErr.SchemaName + "." + pgErr.TableName
	switch pgErr.Code {
	case "WF423":
		e := lockedError("", id)
		e.Cause = err
		return e
	case "WF403":
		var text string
		switch pgErr.Hint {
		case "no_owner":
			text = "table " + pgErr.SchemaName + "." + pgErr.TableName + " has no owner column, so only administrators may write it"
		case "owner":
			text = "feature " + id + " is owned by another organisation; partners may only change their organisation's features"
		case "area":
			text = "feature " + id + " lies outside the write area of the partner's organisation"
		case "new_owner":
			text = "feature " + id + " would be owned by another organisation; partners may not give features away"
		default:
			text = "feature " + id + " would lie outside the write area of the partner's organisation"
		}
		e := auth.Forbidden("", text)
		e.Cause = err
		return e
	}
	return nil
}

var (
	_ feature.TxHooks = (*WriteGuard)(nil)
	_ feature.Locker  = (*WriteGuard)(nil)
)

// checkRead rejects a query on a layer that the caller of ctx may not read. The
// protocols check earlier, with better messages; this check catches a read path that
// forgot to, such as a query taken from a stored query.
func checkRead(ctx context.Context, l *feature.Layer) error {
	return auth.FromContext(ctx).CheckRead(l.Name, "typeNames")
}

package postgis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Transact implements feature.Writer: every action runs in one database transaction,
// which commits only when all of them and every hook succeed.
func (s *Store) Transact(ctx context.Context, t *feature.Transaction, hooks feature.TxHooks) (*feature.TxResult, error) {
	if hooks == nil {
		hooks = feature.NoHooks{}
	}
	res, err := s.transact(ctx, t, hooks)
	if err != nil {
		hooks.Abort(context.WithoutCancel(ctx), t, err)
		return nil, err
	}
	return res, nil
}

func (s *Store) transact(ctx context.Context, t *feature.Transaction, hooks feature.TxHooks) (*feature.TxResult, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, queryError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	w := &txWriter{store: s, tx: tx, db: txDB{tx: tx}, hooks: hooks, t: t, res: &feature.TxResult{},
		actionIndex: make(map[*feature.Action]int, len(t.Actions))}
	for i, a := range t.Actions {
		w.actionIndex[a] = i + 1
	}
	stamp, err := hooks.Begin(ctx, w.db, t)
	if err != nil {
		return nil, err
	}
	w.stamp = stamp
	for _, a := range t.Actions {
		if err := w.apply(ctx, a); err != nil {
			return nil, err
		}
	}
	if err := hooks.Finish(ctx, w.db, t, w.res); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgis: commit transaction: %w", err)
	}
	return w.res, nil
}

// txWriter applies the actions of one transaction.
type txWriter struct {
	store       *Store
	tx          pgx.Tx
	db          txDB
	hooks       feature.TxHooks
	t           *feature.Transaction
	res         *feature.TxResult
	stamp       feature.Stamp
	actionIndex map[*feature.Action]int
	// stages counts the temporary tables created, to name them.
	stages int
	// codes holds the code lists read by this transaction, by lookup table.
	codes map[string]*codeList
}

func (w *txWriter) apply(ctx context.Context, a *feature.Action) error {
	switch a.Kind {
	case feature.ActionInsert:
		return w.insert(ctx, a)
	case feature.ActionUpdate:
		return w.update(ctx, a)
	case feature.ActionDelete:
		return w.delete(ctx, a)
	case feature.ActionReplace:
		return w.replace(ctx, a)
	}
	return fmt.Errorf("postgis: unknown transaction action %d", a.Kind)
}

// locator returns the handle that exception reports give as locator: the action's, or
// the transaction's when the action has none.
func (w *txWriter) locator(a *feature.Action) string {
	if a.Handle != "" {
		return a.Handle
	}
	return w.t.Handle
}

// describe names an action, and a feature of it when f is not nil, for messages:
// Insert "batch-2", feature 3 (id f3). A feature with no index is an existing one,
// named by its id.
func (w *txWriter) describe(a *feature.Action, f *feature.NewFeature) string {
	s := a.Kind.String()
	if a.Handle != "" {
		s += fmt.Sprintf(" %q", a.Handle)
	} else {
		s += fmt.Sprintf(" (action %d)", w.actionIndex[a])
	}
	switch {
	case f == nil:
	case f.Index == 0:
		s += ", feature " + f.ID
	case f.ID != "":
		s += fmt.Sprintf(", feature %d (id %s)", f.Index, f.ID)
	default:
		s += fmt.Sprintf(", feature %d", f.Index)
	}
	return s
}

// invalid returns an InvalidValue exception located at an action and a feature.
func (w *txWriter) invalid(a *feature.Action, f *feature.NewFeature, format string, args ...any) *ows.Exception {
	return &ows.Exception{Code: ows.InvalidValue, Locator: w.locator(a),
		Text: w.describe(a, f) + ": " + fmt.Sprintf(format, args...)}
}

// dbFailure turns an error of a write statement into an exception for the client when
// the data caused it (a constraint, a value, a geometry), and into a server fault
// otherwise.
func (w *txWriter) dbFailure(ws *writeSchema, a *feature.Action, f *feature.NewFeature, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return fmt.Errorf("postgis: %s: %w", w.describe(a, f), err)
	}
	where := w.describe(a, f)
	e := &ows.Exception{Code: ows.InvalidValue, Locator: w.locator(a), Cause: err}
	switch pgErr.Code {
	case "WF403": // raised by the write guard triggers: a feature the caller may not change
		return &ows.Exception{Code: ows.OperationProcessingFailed, Locator: w.locator(a), Status: http.StatusForbidden,
			Text: fmt.Sprintf("%s: %s", where, pgErr.Message), Cause: err}
	case "WF423": // raised by the write guard triggers: a feature another lock holds
		return &ows.Exception{Code: ows.OperationProcessingFailed, Locator: w.locator(a), Status: http.StatusLocked,
			Text: fmt.Sprintf("%s: %s", where, pgErr.Message), Cause: err}
	case "23514": // check_violation
		def := ws.checks[pgErr.ConstraintName]
		if def == "" {
			def = pgErr.ConstraintName
		}
		e.Text = fmt.Sprintf("%s: the feature breaks the rule %s of %s", where, def, ws.layer.Name)
	case "23502": // not_null_violation
		e.Text = fmt.Sprintf("%s: %s is required", where, pgErr.ColumnName)
	case "23503": // foreign_key_violation
		e.Text = fmt.Sprintf("%s: %s", where, strings.TrimSuffix(pgErr.Detail, "."))
		if a.Kind == feature.ActionDelete || strings.Contains(pgErr.Detail, "still referenced") {
			e.Code = ows.OperationProcessingFailed
			e.Text = fmt.Sprintf("%s: the feature cannot be deleted or replaced while others refer to it: %s", where, strings.TrimSuffix(pgErr.Detail, "."))
		}
	case "23505": // unique_violation
		e.Text = fmt.Sprintf("%s: %s", where, strings.TrimSuffix(pgErr.Detail, "."))
	case "XX000":
		if strings.Contains(pgErr.Message, "transform") {
			e.Text = fmt.Sprintf("%s: the geometry cannot be transformed to EPSG:%d: %s", where, ws.layer.SRID, pgErr.Message)
			break
		}
		return fmt.Errorf("postgis: %s: %w", where, err)
	default:
		if !strings.HasPrefix(pgErr.Code, "22") { // data_exception: a value the column cannot hold
			return fmt.Errorf("postgis: %s: %w", where, err)
		}
		e.Text = fmt.Sprintf("%s: %s", where, pgErr.Message)
	}
	return e
}

// firstFailing finds which of n items makes run fail, after a statement over all of
// them failed. run(lo, hi) applies items lo to hi-1. Ranges are tried by halves inside
// savepoints, keeping the ranges that succeed, so that about log2(n) statements run.
// The caller's failed statement must have run inside a savepoint that was rolled back.
func (w *txWriter) firstFailing(ctx context.Context, n int, run func(lo, hi int) error) (index int, runErr, err error) {
	try := func(lo, hi int) (runErr, err error) {
		if _, err := w.tx.Exec(ctx, "SAVEPOINT fourreau_probe"); err != nil {
			return nil, err
		}
		runErr = run(lo, hi)
		release := "RELEASE SAVEPOINT fourreau_probe"
		if runErr != nil {
			release = "ROLLBACK TO SAVEPOINT fourreau_probe"
		}
		if _, err := w.tx.Exec(ctx, release); err != nil {
			return nil, err
		}
		return runErr, nil
	}
	lo, hi := 0, n
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		runErr, err := try(lo, mid)
		if err != nil {
			return 0, nil, err
		}
		if runErr != nil {
			hi = mid
		} else {
			lo = mid
		}
	}
	runErr, err = try(lo, lo+1)
	if err != nil {
		return 0, nil, err
	}
	if runErr == nil {
		return 0, nil, errors.New("postgis: the failing item could not be isolated")
	}
	return lo, runErr, nil
}

// locatable reports whether a write failed because of one row's data, so that finding
// that row is worth the extra statements.
func locatable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	return strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23") ||
		(pgErr.Code == "XX000" && strings.Contains(pgErr.Message, "transform"))
}

// savepoint runs fn inside a savepoint, rolled back when fn fails, so that the
// transaction stays usable for diagnosis.
func (w *txWriter) savepoint(ctx context.Context, fn func() error) (fnErr error, err error) {
	if _, err := w.tx.Exec(ctx, "SAVEPOINT fourreau_bulk"); err != nil {
		return nil, err
	}
	fnErr = fn()
	stmt := "RELEASE SAVEPOINT fourreau_bulk"
	if fnErr != nil {
		stmt = "ROLLBACK TO SAVEPOINT fourreau_bulk"
	}
	if _, err := w.tx.Exec(ctx, stmt); err != nil {
		return nil, err
	}
	return fnErr, nil
}

// txDB gives hooks the pgx transaction as a feature.TxDB.
type txDB struct{ tx pgx.Tx }

func (d txDB) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := d.tx.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (d txDB) QueryRow(ctx context.Context, sql string, args ...any) feature.TxRow {
	return d.tx.QueryRow(ctx, sql, args...)
}

func (d txDB) Query(ctx context.Context, sql string, args ...any) (feature.TxRows, error) {
	return d.tx.Query(ctx, sql, args...)
}

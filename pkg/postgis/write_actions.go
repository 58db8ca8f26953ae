package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/jackc/pgx/v5"
)

// insert writes the features of an Insert action: keys first, then the stage checks,
// then one INSERT ... SELECT per group of features.
func (w *txWriter) insert(ctx context.Context, a *feature.Action) error {
	ws, err := w.store.writeSchema(ctx, a.Layer)
	if err != nil {
		return err
	}
	st, err := w.buildStage(ctx, ws, a, a.Features, true)
	if err != nil {
		return err
	}
	existing, err := w.assignKeys(ctx, st, a)
	if err != nil {
		return err
	}
	if err := w.load(ctx, st, a); err != nil {
		return err
	}
	if err := w.validateStage(ctx, st, a); err != nil {
		return err
	}

	var fresh, replaced []int32
	var freshKeys, replacedKeys []int64
	for seq, sf := range st.features {
		if existing[sf.key] {
			replaced = append(replaced, int32(seq))
			replacedKeys = append(replacedKeys, sf.key)
		} else {
			fresh = append(fresh, int32(seq))
			freshKeys = append(freshKeys, sf.key)
		}
	}
	if len(replaced) > 0 {
		if _, err := w.lockKeys(ctx, ws, replacedKeys); err != nil {
			return err
		}
		if err := w.hooks.BeforeChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionReplace, Keys: replacedKeys}); err != nil {
			return err
		}
	}
	if err := w.insertStaged(ctx, st, a, fresh); err != nil {
		return err
	}
	for _, seq := range replaced {
		if err := w.replaceStaged(ctx, st, a, seq, []int64{st.features[seq].key}); err != nil {
			return err
		}
	}
	if a.IDGen != feature.GenerateNew && ws.keySequence != "" {
		if err := w.advanceSequence(ctx, ws, st); err != nil {
			return err
		}
	}

	byKey := make(map[int64]*feature.NewFeature, len(st.features))
	for _, sf := range st.features {
		byKey[sf.key] = sf.f
	}
	if err := w.checkRules(ctx, ws, a, append(freshKeys, replacedKeys...), byKey); err != nil {
		return err
	}
	if len(freshKeys) > 0 {
		if err := w.hooks.AfterChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionInsert, Keys: freshKeys}); err != nil {
			return err
		}
	}
	if len(replacedKeys) > 0 {
		if err := w.hooks.AfterChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionReplace, Keys: replacedKeys}); err != nil {
			return err
		}
	}
	for _, sf := range st.features {
		w.res.Inserted = append(w.res.Inserted, feature.InsertedFeature{Handle: a.Handle, Layer: a.Layer, Key: sf.key})
	}
	return nil
}

// assignKeys gives every staged feature its key. GenerateNew draws keys from the key
// sequence in input order; UseExisting and ReplaceDuplicate read them from the feature
// ids (duct.42 or 42). It returns the keys that already exist, which ReplaceDuplicate
// replaces and UseExisting rejects.
func (w *txWriter) assignKeys(ctx context.Context, st *stage, a *feature.Action) (map[int64]bool, error) {
	ws := st.ws
	if a.IDGen == feature.GenerateNew {
		if ws.keySequence == "" {
			return nil, ows.Errorf(ows.OperationProcessingFailed, w.locator(a),
				"%s: the key %s of %s has no sequence; insert with idgen=\"UseExisting\" and feature ids", w.describe(a, nil), ws.layer.Key, ws.layer.Name)
		}
		rows, err := w.tx.Query(ctx, "SELECT nextval($1::regclass) FROM generate_series(1, $2::integer)", ws.keySequence, len(st.features))
		if err != nil {
			return nil, fmt.Errorf("postgis: draw keys of %s: %w", ws.layer.Name, err)
		}
		keys, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return nil, fmt.Errorf("postgis: draw keys of %s: %w", ws.layer.Name, err)
		}
		// nextval returns increasing values within one statement, so they follow the input.
		for i, sf := range st.features {
			sf.key = keys[i]
		}
		return nil, nil
	}

	seen := map[int64]*feature.NewFeature{}
	keys := make([]int64, 0, len(st.features))
	for _, sf := range st.features {
		key, err := keyOf(ws.layer, sf.f.ID)
		if err != nil {
			return nil, w.invalid(a, sf.f, "%s", err)
		}
		if other, dup := seen[key]; dup {
			return nil, w.invalid(a, sf.f, "id %s is also the id of feature %d of the action", sf.f.ID, other.Index)
		}
		seen[key] = sf.f
		sf.key = key
		keys = append(keys, key)
	}
	rows, err := w.tx.Query(ctx, fmt.Sprintf("SELECT %[1]s FROM %[2]s WHERE %[1]s = ANY($1)", ident(ws.layer.Key), tableOf(ws.layer)), keys)
	if err != nil {
		return nil, fmt.Errorf("postgis: look up keys of %s: %w", ws.layer.Name, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("postgis: look up keys of %s: %w", ws.layer.Name, err)
	}
	existing := make(map[int64]bool, len(found))
	for _, k := range found {
		existing[k] = true
	}
	if a.IDGen == feature.UseExisting {
		for _, sf := range st.features {
			if existing[sf.key] {
				return nil, w.invalid(a, sf.f, "feature %s exists already; use idgen=\"ReplaceDuplicate\" to replace it or GenerateNew for a new id", ws.layer.FeatureID(strconv.FormatInt(sf.key, 10)))
			}
		}
	}
	return existing, nil
}

// keyOf reads the key of a feature id written by the client: layer.key or the bare key.
func keyOf(l *feature.Layer, id string) (int64, error) {
	if id == "" {
		return 0, fmt.Errorf("idgen UseExisting and ReplaceDuplicate need an id on every feature (gml:id or fid, such as %s.42)", l.Name)
	}
	text := id
	if name, key, ok := strings.Cut(id, "."); ok {
		if name != l.Name {
			return 0, fmt.Errorf("id %q does not belong to feature type %s", id, l.Name)
		}
		text = key
	}
	key, err := strconv.ParseInt(text, 10, 64)
	if err != nil || key <= 0 {
		return 0, fmt.Errorf("id %q does not end with a positive integer key, as %s.42 does", id, l.Name)
	}
	return key, nil
}

// advanceSequence moves the key sequence past the largest key a client chose, so that
// keys drawn later never collide with it. Sequences are not transactional: the sequence
// stays advanced if the transaction rolls back, which only leaves a gap.
func (w *txWriter) advanceSequence(ctx context.Context, ws *writeSchema, st *stage) error {
	var top int64
	for _, sf := range st.features {
		top = max(top, sf.key)
	}
	_, err := w.tx.Exec(ctx, "SELECT setval($1::regclass, greatest(coalesce(pg_sequence_last_value($1::regclass), 1), $2::bigint))",
		ws.keySequence, top)
	if err != nil {
		return fmt.Errorf("postgis: advance the key sequence of %s: %w", ws.layer.Name, err)
	}
	return nil
}

// lockKeys locks the listed features and returns the keys that exist, in order.
func (w *txWriter) lockKeys(ctx context.Context, ws *writeSchema, keys []int64) ([]int64, error) {
	key := ident(ws.layer.Key)
	rows, err := w.tx.Query(ctx, fmt.Sprintf("SELECT %[1]s FROM %[2]s WHERE %[1]s = ANY($1) ORDER BY %[1]s FOR UPDATE", key, tableOf(ws.layer)), keys)
	if err != nil {
		return nil, queryError(err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// selectKeys locks the features an action's filter selects and returns their keys.
func (w *txWriter) selectKeys(ctx context.Context, ws *writeSchema, a *feature.Action) ([]int64, error) {
	b := &builder{}
	key := ident(ws.layer.Key)
	b.sql.WriteString("SELECT " + key + " FROM " + tableOf(ws.layer) + " WHERE ")
	if err := b.where(ws.layer, a.Filter); err != nil {
		if e, ok := err.(*ows.Exception); ok && e.Locator == "" {
			e.Locator = w.locator(a)
		}
		return nil, err
	}
	b.sql.WriteString(" ORDER BY " + key + " FOR UPDATE")
	rows, err := w.tx.Query(ctx, b.sql.String(), b.args...)
	if err != nil {
		return nil, queryError(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, queryError(err)
	}
	return keys, nil
}

// delete removes the features an action's filter selects.
func (w *txWriter) delete(ctx context.Context, a *feature.Action) error {
	ws, err := w.store.writeSchema(ctx, a.Layer)
	if err != nil {
		return err
	}
	keys, err := w.selectKeys(ctx, ws, a)
	if err != nil || len(keys) == 0 {
		return err
	}
	if err := w.hooks.BeforeChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionDelete, Keys: keys}); err != nil {
		return err
	}
	sql := fmt.Sprintf("DELETE FROM %s WHERE %s = ANY($1)", tableOf(ws.layer), ident(ws.layer.Key))
	tag, err := w.tx.Exec(ctx, sql, keys)
	if err != nil {
		return w.dbFailure(ws, a, nil, err)
	}
	w.res.Deleted += tag.RowsAffected()
	return nil
}

// replace writes the feature of a Replace action over every feature its filter selects;
// they keep their keys.
func (w *txWriter) replace(ctx context.Context, a *feature.Action) error {
	ws, err := w.store.writeSchema(ctx, a.Layer)
	if err != nil {
		return err
	}
	st, err := w.buildStage(ctx, ws, a, a.Features, false)
	if err != nil {
		return err
	}
	keys, err := w.selectKeys(ctx, ws, a)
	if err != nil || len(keys) == 0 {
		return err
	}
	if err := w.hooks.BeforeChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionReplace, Keys: keys}); err != nil {
		return err
	}
	if err := w.load(ctx, st, a); err != nil {
		return err
	}
	if err := w.validateStage(ctx, st, a); err != nil {
		return err
	}
	if err := w.replaceStaged(ctx, st, a, 0, keys); err != nil {
		return err
	}
	byKey := make(map[int64]*feature.NewFeature, len(keys))
	for _, k := range keys {
		byKey[k] = st.features[0].f
	}
	if err := w.checkRules(ctx, ws, a, keys, byKey); err != nil {
		return err
	}
	if err := w.hooks.AfterChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionReplace, Keys: keys}); err != nil {
		return err
	}
	for _, k := range keys {
		w.res.Replaced = append(w.res.Replaced, feature.InsertedFeature{Handle: a.Handle, Layer: a.Layer, Key: k})
	}
	return nil
}

// domainRule is a rule of the data model that a written feature must follow, checked
// in SQL after the write on the features written.
type domainRule struct {
	// columns must all exist in the table for the rule to apply.
	columns []string
	// violation is true for a row that breaks the rule; details describes the row.
	violation, details string
	message            string
}

// domainRules are the as-built rules that apply to the columns of the data model.
var domainRules = []domainRule{{
	// Arrêté of 15 February 2012 (DT-DICT reform), article 5: works put in service
	// after its publication must be located in class A.
	columns:   []string{"in_service_on", precisionColumn},
	violation: `in_service_on >= DATE '2012-03-01' AND precision_xy IS DISTINCT FROM 'A'`,
	details:   `format('in_service_on is %s and precision_xy is %s', in_service_on, coalesce(precision_xy, 'NULL'))`,
	message:   "works put in service after February 2012 must be declared in precision class A",
}}

// checkRules checks the domain rules on the written features; byKey gives the feature
// of each key, for the message.
func (w *txWriter) checkRules(ctx context.Context, ws *writeSchema, a *feature.Action, keys []int64, byKey map[int64]*feature.NewFeature) error {
	if len(keys) == 0 {
		return nil
	}
rules:
	for _, r := range domainRules {
		for _, c := range r.columns {
			if ws.columns[c] == nil {
				continue rules
			}
		}
		key := ident(ws.layer.Key)
		sql := fmt.Sprintf("SELECT %[1]s, %[2]s FROM %[3]s WHERE %[1]s = ANY($1) AND (%[4]s) ORDER BY %[1]s LIMIT 1",
			key, r.details, tableOf(ws.layer), r.violation)
		var k int64
		var details string
		err := w.tx.QueryRow(ctx, sql, keys).Scan(&k, &details)
		if err == pgx.ErrNoRows {
			continue
		}
		if err != nil {
			return fmt.Errorf("postgis: check rules of %s: %w", ws.layer.Name, err)
		}
		f := byKey[k]
		if f == nil {
			return w.invalid(a, nil, "feature %s: %s (%s)", ws.layer.FeatureID(strconv.FormatInt(k, 10)), r.message, details)
		}
		return w.invalid(a, f, "%s (%s)", r.message, details)
	}
	return nil
}

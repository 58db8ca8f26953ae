package postgis

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
)

// update applies the property changes of an Update action to every feature its filter
// selects, in one UPDATE statement.
func (w *txWriter) update(ctx context.Context, a *feature.Action) error {
	ws, err := w.store.writeSchema(ctx, a.Layer)
	if err != nil {
		return err
	}
	b := &builder{}
	sets, err := w.updateSets(ctx, ws, a, b)
	if err != nil {
		return err
	}
	keys, err := w.selectKeys(ctx, ws, a)
	if err != nil || len(keys) == 0 {
		return err
	}
	if err := w.hooks.BeforeChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionUpdate, Keys: keys}); err != nil {
		return err
	}

	if len(sets) > 0 {
		sql := fmt.Sprintf("UPDATE %s SET %s WHERE %s = ANY(%s)", tableOf(ws.layer), strings.Join(sets, ", "),
			ident(ws.layer.Key), b.arg(keys))
		run := func(part []int64) error {
			args := append([]any(nil), b.args...)
			args[len(args)-1] = part
			_, err := w.tx.Exec(ctx, sql, args...)
			return err
		}
		runErr, err := w.savepoint(ctx, func() error { return run(keys) })
		if err != nil {
			return fmt.Errorf("postgis: update %s: %w", ws.layer.Name, err)
		}
		if runErr != nil {
			return w.locateUpdateFailure(ctx, ws, a, keys, runErr, run)
		}
	}
	if err := w.checkRules(ctx, ws, a, keys, nil); err != nil {
		return err
	}
	if err := w.hooks.AfterChange(ctx, w.db, &feature.Change{Action: a, Kind: feature.ActionUpdate, Keys: keys}); err != nil {
		return err
	}
	w.res.Updated += int64(len(keys))
	return nil
}

// updateSets returns the SET items of an Update, with their values bound in b. Values
// for computed and managed columns are ignored, as on insert.
func (w *txWriter) updateSets(ctx context.Context, ws *writeSchema, a *feature.Action, b *builder) ([]string, error) {
	var sets []string
	seen := map[string]bool{}
	for _, u := range a.Updates {
		if u.Field == nil {
			s, err := w.geometrySets(ctx, ws, a, u, b)
			if err != nil {
				return nil, err
			}
			if seen[ws.layer.Geometry] {
				return nil, w.invalid(a, nil, "the geometry is updated twice")
			}
			seen[ws.layer.Geometry] = true
			sets = append(sets, s...)
			continue
		}
		c := ws.column(u.Field)
		if c == nil || c.readOnly || c.name == ws.layer.Key {
			continue
		}
		name := c.xmlName
		if seen[c.name] {
			return nil, w.invalid(a, nil, "property %s is updated twice", name)
		}
		seen[c.name] = true
		text := nullText
		if !u.Remove {
			var err error
			if text, err = w.checkValue(ctx, ws, c, u.Value); err != nil {
				return nil, w.invalid(a, nil, "%s", err)
			}
		}
		if text == nullText {
			if c.notNull {
				return nil, w.invalid(a, nil, "%s is required: it cannot be set to NULL or removed", name)
			}
			sets = append(sets, ident(c.name)+" = NULL")
			continue
		}
		if c.refTable != "" && !c.codeList {
			if err := w.checkReference(ctx, a, c, text); err != nil {
				return nil, err
			}
		}
		sets = append(sets, fmt.Sprintf("%s = %s::%s", ident(c.name), b.arg(text), c.dbType))
	}
	return sets, nil
}

// geometrySets returns the SET items that write a new geometry (or NULL) into the
// geometry column and its 3D copy, after checking it as inserts are checked.
func (w *txWriter) geometrySets(ctx context.Context, ws *writeSchema, a *feature.Action, u feature.PropertyUpdate, b *builder) ([]string, error) {
	geomCol := ws.columns[ws.layer.Geometry]
	if u.Remove || u.Geometry == nil {
		if geomCol != nil && geomCol.notNull {
			return nil, w.invalid(a, nil, "the geometry (%s) is required: it cannot be set to NULL or removed", ws.layer.GeomElement)
		}
		sets := []string{ident(ws.layer.Geometry) + " = NULL"}
		if ws.geom3D != "" {
			sets = append(sets, ident(ws.geom3D)+" = NULL")
		}
		return sets, nil
	}

	g := u.Geometry
	transformed := fmt.Sprintf("ST_Transform(ST_GeomFromEWKB(%s::bytea), %d)", b.arg(g.WKB), ws.layer.SRID)
	if err := w.checkGeometry(ctx, ws, a, g); err != nil {
		return nil, err
	}
	hasZ := "false"
	if g.HasZ {
		hasZ = "true"
	}
	geom, geom3D := geometryExprs(ws, transformed, hasZ)
	sets := []string{ident(ws.layer.Geometry) + " = " + geom}
	if geom3D != "" {
		sets = append(sets, ident(ws.geom3D)+" = "+geom3D)
	}
	return sets, nil
}

// checkGeometry checks one geometry of an Update: it must reproject to the layer CRS,
// be valid, and lie in the area of that CRS.
func (w *txWriter) checkGeometry(ctx context.Context, ws *writeSchema, a *feature.Action, g *feature.Geometry) error {
	area, err := w.store.area(ctx, ws.layer.SRID)
	if err != nil {
		return err
	}
	var areaEWKB []byte
	if area != nil {
		areaEWKB = area.ewkb
	}
	var valid, inside bool
	var reason string
	runErr, err := w.savepoint(ctx, func() error {
		return w.tx.QueryRow(ctx, `SELECT ST_IsValid(ST_Force2D(g)), ST_IsValidReason(ST_Force2D(g)),
				$3::bytea IS NULL OR ST_CoveredBy(g, ST_GeomFromEWKB($3::bytea))
			FROM (SELECT ST_Transform(ST_GeomFromEWKB($1::bytea), $2::integer) AS g) x`,
			g.WKB, ws.layer.SRID, areaEWKB).Scan(&valid, &reason, &inside)
	})
	if err != nil {
		return fmt.Errorf("postgis: check a geometry of %s: %w", ws.layer.Name, err)
	}
	switch {
	case runErr != nil:
		return w.dbFailure(ws, a, nil, runErr)
	case !valid:
		return w.invalid(a, nil, "the geometry is not valid: %s", reason)
	case !inside:
		return w.invalid(a, nil, "the geometry lies outside the area where EPSG:%d is valid (%s); check the coordinates, their CRS and their axis order",
			ws.layer.SRID, area.name)
	}
	return nil
}

// checkReference checks that a value of a foreign key column refers to a row.
func (w *txWriter) checkReference(ctx context.Context, a *feature.Action, c *writeColumn, text string) error {
	var found bool
	sql := fmt.Sprintf("SELECT EXISTS (SELECT 1 FROM %s WHERE %s = $1::%s)", c.refTable, ident(c.refColumn), c.dbType)
	if err := w.tx.QueryRow(ctx, sql, text).Scan(&found); err != nil {
		return fmt.Errorf("postgis: check reference %s: %w", c.name, err)
	}
	if !found {
		return w.invalid(a, nil, "%s %s refers to no row of %s", c.xmlName, text, c.refTable)
	}
	return nil
}

// locateUpdateFailure finds the feature whose update fails and reports it by id.
func (w *txWriter) locateUpdateFailure(ctx context.Context, ws *writeSchema, a *feature.Action, keys []int64, bulkErr error, run func([]int64) error) error {
	if !locatable(bulkErr) {
		return w.dbFailure(ws, a, nil, bulkErr)
	}
	i, runErr, err := w.firstFailing(ctx, len(keys), func(lo, hi int) error { return run(keys[lo:hi]) })
	if err != nil {
		return w.dbFailure(ws, a, nil, bulkErr)
	}
	return w.dbFailure(ws, a, &feature.NewFeature{ID: ws.layer.FeatureID(strconv.FormatInt(keys[i], 10))}, runErr)
}

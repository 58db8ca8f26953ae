package postgis

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/jackc/pgx/v5"
)

// writeColumnsSQL lists the columns of a table with what a write needs to know: whether
// the column is NOT NULL, has a default, is an identity or generated column, the
// table and column a single-column foreign key points to, and whether it is the owner
// column, whose default netdata.track_writes sets to the caller's organisation.
const writeColumnsSQL = `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, a.attnotnull, a.atthasdef,
       a.attidentity <> '', a.attgenerated <> '',
       CASE WHEN rc.oid IS NULL THEN '' ELSE format('%I.%I', rn.nspname, rc.relname) END, coalesce(ra.attname, ''),
       coalesce(ra.attname = 'code' AND rt.typname = 'text', false),
       coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE '%fourreau.org_id%', false)
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_constraint fk ON fk.conrelid = a.attrelid AND fk.contype = 'f'
       AND fk.conkey = ARRAY[a.attnum]::int2[]
  LEFT JOIN pg_class rc ON rc.oid = fk.confrelid
  LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
  LEFT JOIN pg_attribute ra ON ra.attrelid = fk.confrelid AND ra.attnum = fk.confkey[1]
  LEFT JOIN pg_type rt ON rt.oid = ra.atttypid
 WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum`

const checkConstraintsSQL = `
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = to_regclass($1) AND contype = 'c'`

// managedColumns are set by the server on insert, whatever the client sends: the row
// timestamps (defaults and trigger), the submission (stamped by the transaction hooks)
// and the provenance, which is always 'wfs-t' for rows written through the WFS.
var managedColumns = map[string]string{
	"created_at":    "",
	"updated_at":    "",
	"submission_id": "",
	"source":        "wfs-t",
}

// writeColumn is a table column with the properties that writes depend on.
type writeColumn struct {
	name, dbType, typName string
	// xmlName is the property name clients use, for messages.
	xmlName             string
	notNull, hasDefault bool
	// readOnly columns (computed and managed) are never written from a request.
	readOnly bool
	// computed columns are identity or generated columns.
	computed bool
	// managedValue is the value the server writes on insert ("" for the default).
	managedValue string
	// precision and scale of a numeric(p,s) column; 0 when unconstrained.
	precision, scale int
	// maxLength of a varchar(n) or char(n) column; 0 when unconstrained.
	maxLength int
	// refTable and refColumn name the target of a foreign key; codeList is true when
	// the target is the text code of a lookup table.
	refTable, refColumn string
	codeList            bool
	// owner is the owner column of a tracked table, which a Replace that leaves it out
	// keeps instead of setting it to the caller's organisation.
	owner bool
}

// writeSchema is the description of a layer's table that writes use.
type writeSchema struct {
	layer   *feature.Layer
	columns map[string]*writeColumn
	ordered []*writeColumn
	// checked are the columns whose presence a new feature must satisfy: the writable
	// attribute columns, NOT NULL or the precision class.
	checked []*writeColumn
	// geom3D is the optional 3D copy of the geometry (geom_3d), "" when the table has none.
	geom3D string
	// keySequence is the sequence of the identity key, "" when the key is not one.
	keySequence string
	checks      map[string]string
}

var typeModifier = regexp.MustCompile(`\((\d+)(?:,(\d+))?\)`)

func (s *Store) writeSchema(ctx context.Context, l *feature.Layer) (*writeSchema, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if ws, ok := s.schemas[l.Name]; ok {
		return ws, nil
	}
	ws, err := loadWriteSchema(ctx, s.pool, l)
	if err != nil {
		return nil, err
	}
	s.schemas[l.Name] = ws
	return ws, nil
}

func loadWriteSchema(ctx context.Context, q querier, l *feature.Layer) (*writeSchema, error) {
	table := tableOf(l)
	rows, err := q.Query(ctx, writeColumnsSQL, table)
	if err != nil {
		return nil, fmt.Errorf("postgis: read columns of %s: %w", table, err)
	}
	ws := &writeSchema{layer: l, columns: map[string]*writeColumn{}, checks: map[string]string{}}
	for rows.Next() {
		c := &writeColumn{}
		var identity, generated bool
		if err := rows.Scan(&c.name, &c.dbType, &c.typName, &c.notNull, &c.hasDefault, &identity, &generated,
			&c.refTable, &c.refColumn, &c.codeList, &c.owner); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgis: read columns of %s: %w", table, err)
		}
		if _, dup := ws.columns[c.name]; dup {
			// A column in several single-column foreign keys is listed once per key.
			continue
		}
		c.computed = identity || generated
		c.readOnly = c.computed
		if v, ok := managedColumns[c.name]; ok {
			c.readOnly, c.managedValue = true, v
		}
		if m := typeModifier.FindStringSubmatch(c.dbType); m != nil {
			n, _ := strconv.Atoi(m[1])
			switch c.typName {
			case "numeric":
				c.precision = n
				if m[2] != "" {
					c.scale, _ = strconv.Atoi(m[2])
				}
			case "varchar", "bpchar":
				c.maxLength = n
			}
		}
		c.xmlName = feature.ElementName(c.name)
		ws.columns[c.name] = c
		ws.ordered = append(ws.ordered, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: read columns of %s: %w", table, err)
	}

	for _, c := range ws.ordered {
		if !c.readOnly && c.name != l.Key && c.typName != "geometry" && (c.notNull || c.name == precisionColumn) {
			ws.checked = append(ws.checked, c)
		}
	}
	if c, ok := ws.columns[l.Geometry+"_3d"]; ok && c.typName == "geometry" && strings.Contains(strings.ToUpper(c.dbType), "Z") {
		ws.geom3D = c.name
	}
	err = q.QueryRow(ctx, "SELECT coalesce(pg_get_serial_sequence($1, $2), '')", table, l.Key).Scan(&ws.keySequence)
	if err != nil {
		return nil, fmt.Errorf("postgis: read the key sequence of %s: %w", table, err)
	}
	rows, err = q.Query(ctx, checkConstraintsSQL, table)
	if err != nil {
		return nil, fmt.Errorf("postgis: read constraints of %s: %w", table, err)
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgis: read constraints of %s: %w", table, err)
		}
		ws.checks[name] = def
	}
	rows.Close()
	return ws, rows.Err()
}

// column returns the writable column behind a published field.
func (ws *writeSchema) column(f *feature.Field) *writeColumn {
	return ws.columns[f.Column]
}

// codeListTTL is how long the codes of a lookup table are reused.
const codeListTTL = time.Minute

type codeList struct {
	codes map[string]bool
	// sorted lists the codes in the lookup table's order, for messages.
	sorted []string
	at     time.Time
}

// codeLists caches the codes of lookup tables.
type codeLists struct {
	mu    sync.Mutex
	lists map[string]*codeList
}

// get returns the codes of a lookup table, read within the transaction q when the cached
// copy is older than codeListTTL.
func (c *codeLists) get(ctx context.Context, q querier, table, column string) (*codeList, error) {
	key := table + "." + column
	c.mu.Lock()
	cl, ok := c.lists[key]
	c.mu.Unlock()
	if ok && time.Since(cl.at) < codeListTTL {
		return cl, nil
	}
	order := ident(column)
	var hasSort bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1)
		AND attname = 'sort_order' AND NOT attisdropped)`, table).Scan(&hasSort)
	if err != nil {
		return nil, fmt.Errorf("postgis: read code list %s: %w", table, err)
	}
	if hasSort {
		order = "sort_order, " + order
	}
	// table is a regclass name formatted by PostgreSQL (format('%I.%I')), so it is quoted.
	rows, err := q.Query(ctx, "SELECT "+ident(column)+" FROM "+table+" ORDER BY "+order)
	if err != nil {
		return nil, fmt.Errorf("postgis: read code list %s: %w", table, err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgis: read code list %s: %w", table, err)
	}
	cl = &codeList{codes: make(map[string]bool, len(codes)), sorted: codes, at: time.Now()}
	for _, code := range codes {
		cl.codes[code] = true
	}
	c.mu.Lock()
	if c.lists == nil {
		c.lists = map[string]*codeList{}
	}
	c.lists[key] = cl
	c.mu.Unlock()
	return cl, nil
}

// describe returns the codes for an error message, shortened when the list is long.
func (cl *codeList) describe() string {
	const maxShown = 24
	if len(cl.sorted) <= maxShown {
		return strings.Join(cl.sorted, ", ")
	}
	return strings.Join(cl.sorted[:maxShown], ", ") + fmt.Sprintf(" and %d more", len(cl.sorted)-maxShown)
}

package dataload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// demoSource is the source name of the demo rows.
const demoSource = "demo"

// wktValue is a geometry given as WKT, inserted with ST_GeomFromText.
type wktValue struct {
	srid int
	text string
}

// footprintValue is a works footprint: the given EPSG:2154 multi-line WKT
// buffered by 3 m, as a multi-polygon.
type footprintValue string

// loadDemo loads the demo dataset unless it is already loaded with the same
// generator version and code lists.
func loadDemo(ctx context.Context, pool *pgxpool.Pool) (Item, error) {
	start := time.Now()
	item := Item{Source: demoSource}
	lists, err := readCodeLists(ctx, pool)
	if err != nil {
		return item, err
	}
	fingerprint := demoFingerprint(lists)
	if done, ok, err := unchangedItem(ctx, pool, demoSource, fingerprint, netdataTarget); err != nil || ok {
		done.Duration = time.Since(start)
		return done, err
	}

	data := generateDemo(lists)
	counts, err := replaceSource(ctx, pool, demoSource, fingerprint, netdataTarget, func(ctx context.Context, tx pgx.Tx) error {
		return writeDemo(ctx, tx, data)
	})
	item.Counts = counts
	item.Duration = time.Since(start)
	if err == nil {
		item.Status = StatusLoaded
	}
	return item, err
}

// readCodeLists reads every lookup table of schema netdata: the tables with
// a label_fr column.
func readCodeLists(ctx context.Context, pool *pgxpool.Pool) (codeLists, error) {
	lists := codeLists{codes: map[string][]string{}, sensitive: map[string]bool{}}
	rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = 'netdata' AND column_name = 'label_fr' ORDER BY table_name`)
	if err != nil {
		return lists, fmt.Errorf("list code lists: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return lists, fmt.Errorf("list code lists: %w", err)
	}
	if len(tables) == 0 {
		return lists, fmt.Errorf("no code list found in schema netdata: apply the migrations first")
	}
	for _, table := range tables {
		name := pgx.Identifier{"netdata", table}.Sanitize()
		rows, err := pool.Query(ctx, "SELECT code FROM "+name+" ORDER BY sort_order, code")
		if err != nil {
			return lists, fmt.Errorf("read code list %s: %w", table, err)
		}
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return lists, fmt.Errorf("read code list %s: %w", table, err)
		}
		lists.codes[table] = codes
	}

	rows, err = pool.Query(ctx, "SELECT code, sensitive_default FROM netdata.network_category")
	if err != nil {
		return lists, fmt.Errorf("read network categories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var sensitive bool
		if err := rows.Scan(&code, &sensitive); err != nil {
			return lists, fmt.Errorf("read network categories: %w", err)
		}
		lists.sensitive[code] = sensitive
	}
	return lists, rows.Err()
}

// demoFingerprint identifies the generator version, seed and code lists the
// demo rows were generated from.
func demoFingerprint(lists codeLists) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %x %x\n", demoVersion, uint64(demoSeed1), uint64(demoSeed2))
	names := make([]string, 0, len(lists.codes))
	for name := range lists.codes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(h, "%s=%s\n", name, strings.Join(lists.codes[name], ","))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeDemo inserts the demo rows table by table, resolving references to
// the ids returned by earlier inserts.
func writeDemo(ctx context.Context, tx pgx.Tx, data demoDataset) error {
	ids := map[string][]int64{}
	steps := []struct {
		key, table string
		rows       []row
	}{
		{"organisation", "organisation", data.organisations},
		{"network", "network", data.networks},
		{"planned_works", "planned_works", data.plannedWorks},
		{"asbuilt_submission", "asbuilt_submission", data.submissions},
		{"technical_point", "technical_point", data.points},
		{"route", "route", data.routes},
		{"duct", "duct", data.ducts},
		{"subduct", "duct", data.subducts},
		{"network_link", "network_link", data.links},
	}
	for _, step := range steps {
		got, err := insertRows(ctx, tx, step.table, step.rows, ids, true)
		if err != nil {
			return err
		}
		ids[step.key] = got
	}
	if _, err := insertRows(ctx, tx, "duct_route", data.ductRoutes, ids, false); err != nil {
		return err
	}

	const freeDucts = `UPDATE netdata.route r SET free_duct_count = (
		SELECT count(*) FROM netdata.duct d WHERE d.route_id = r.id AND d.available)
		WHERE r.source = $1`
	if _, err := tx.Exec(ctx, freeDucts, demoSource); err != nil {
		return fmt.Errorf("compute free duct counts: %w", err)
	}
	return nil
}

// insertRows inserts rows into a netdata table in one batch and returns the
// new ids in row order when returning is set.
func insertRows(ctx context.Context, tx pgx.Tx, table string, rows []row, ids map[string][]int64, returning bool) ([]int64, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	columns, placeholders := insertColumns(rows)
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = pgx.Identifier{c}.Sanitize()
	}
	query := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)",
		pgx.Identifier{"netdata", table}.Sanitize(), strings.Join(names, ", "), strings.Join(placeholders, ", "))
	if returning {
		query += " RETURNING id"
	}

	batch := &pgx.Batch{}
	for i, r := range rows {
		args := make([]any, len(columns))
		for j, c := range columns {
			v, err := sqlValue(r[c], ids)
			if err != nil {
				return nil, fmt.Errorf("insert %s row %d column %s: %w", table, i, c, err)
			}
			args[j] = v
		}
		batch.Queue(query, args...)
	}

	results := tx.SendBatch(ctx, batch)
	defer results.Close()
	out := make([]int64, 0, len(rows))
	for i := range rows {
		if !returning {
			if _, err := results.Exec(); err != nil {
				return nil, fmt.Errorf("insert %s row %d: %w", table, i, err)
			}
			continue
		}
		var id int64
		if err := results.QueryRow().Scan(&id); err != nil {
			return nil, fmt.Errorf("insert %s row %d: %w", table, i, err)
		}
		out = append(out, id)
	}
	if err := results.Close(); err != nil {
		return nil, fmt.Errorf("insert %s: %w", table, err)
	}
	return out, nil
}

// insertColumns returns the sorted union of the rows' columns and the SQL
// expression of each parameter: geometry columns wrap it in ST_GeomFromText.
func insertColumns(rows []row) ([]string, []string) {
	kinds := map[string]string{}
	for _, r := range rows {
		for c, v := range r {
			switch v := v.(type) {
			case wktValue:
				kinds[c] = fmt.Sprintf("ST_GeomFromText(%%s::text, %d)", v.srid)
			case footprintValue:
				kinds[c] = "ST_Multi(ST_Buffer(ST_GeomFromText(%s::text, 2154), 3))"
			default:
				if _, ok := kinds[c]; !ok {
					kinds[c] = "%s"
				}
			}
		}
	}
	columns := make([]string, 0, len(kinds))
	for c := range kinds {
		columns = append(columns, c)
	}
	sort.Strings(columns)
	placeholders := make([]string, len(columns))
	for i, c := range columns {
		placeholders[i] = fmt.Sprintf(kinds[c], fmt.Sprintf("$%d", i+1))
	}
	return columns, placeholders
}

// sqlValue converts a generated value to a query argument.
func sqlValue(v any, ids map[string][]int64) (any, error) {
	switch v := v.(type) {
	case ref:
		list, ok := ids[v.table]
		if !ok || v.index < 0 || v.index >= len(list) {
			return nil, fmt.Errorf("unresolved reference %s[%d]", v.table, v.index)
		}
		return list[v.index], nil
	case wktValue:
		return v.text, nil
	case footprintValue:
		return string(v), nil
	default:
		return v, nil
	}
}

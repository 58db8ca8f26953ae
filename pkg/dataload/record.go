package dataload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// netdataTables lists the netdata tables carrying a source column, in an
// order where deleting from each in turn never breaks a foreign key.
var netdataTables = []string{
	"network_link", "duct", "route", "technical_point",
	"asbuilt_submission", "planned_works", "network", "organisation",
}

// osmTables lists the osm tables carrying a source column.
var osmTables = []string{"power_line", "power_tower"}

// loadedFingerprint returns the fingerprint recorded for source, or "" when
// the source was never loaded.
func loadedFingerprint(ctx context.Context, q querier, source string) (string, error) {
	var fingerprint string
	err := q.QueryRow(ctx,
		"SELECT fingerprint FROM netdata.data_load WHERE source = $1", source).Scan(&fingerprint)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read data_load record: %w", err)
	}
	return fingerprint, nil
}

// deleteSource removes every row of source from the given tables of schema.
func deleteSource(ctx context.Context, tx pgx.Tx, schema string, tables []string, source string) error {
	for _, table := range tables {
		name := pgx.Identifier{schema, table}.Sanitize()
		if _, err := tx.Exec(ctx, "DELETE FROM "+name+" WHERE source = $1", source); err != nil {
			return fmt.Errorf("delete previous rows of %s: %w", name, err)
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM netdata.data_load WHERE source = $1", source); err != nil {
		return fmt.Errorf("delete data_load record: %w", err)
	}
	return nil
}

// querier is the query method shared by pools, connections and transactions.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// countSource counts the rows of source in the given tables of schema.
// duct_route has no source column: its rows are those of the source's ducts.
func countSource(ctx context.Context, q querier, schema string, tables []string, source string) ([]TableCount, error) {
	counts := make([]TableCount, 0, len(tables))
	for _, table := range tables {
		name := pgx.Identifier{schema, table}.Sanitize()
		query := "SELECT count(*) FROM " + name + " WHERE source = $1"
		if schema == "netdata" && table == "duct_route" {
			query = `SELECT count(*) FROM netdata.duct_route dr
				JOIN netdata.duct d ON d.id = dr.duct_id WHERE d.source = $1`
		}
		var n int64
		if err := q.QueryRow(ctx, query, source).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", name, err)
		}
		counts = append(counts, TableCount{Table: table, Rows: n})
	}
	return counts, nil
}

// recordSource stores the fingerprint and counts of a loaded source.
func recordSource(ctx context.Context, tx pgx.Tx, source, fingerprint string, counts []TableCount) error {
	byTable := make(map[string]int64, len(counts))
	for _, c := range counts {
		byTable[c.Table] = c.Rows
	}
	countsJSON, err := json.Marshal(byTable)
	if err != nil {
		return fmt.Errorf("encode counts: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO netdata.data_load (source, fingerprint, counts) VALUES ($1, $2, $3)
		ON CONFLICT (source) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
			counts = EXCLUDED.counts, loaded_at = now()`,
		source, fingerprint, countsJSON)
	if err != nil {
		return fmt.Errorf("write data_load record: %w", err)
	}
	return nil
}

// recordedCounts returns the counts stored with a source's data_load record.
func recordedCounts(ctx context.Context, q querier, source string, tables []string) ([]TableCount, error) {
	var byTable map[string]int64
	err := q.QueryRow(ctx, "SELECT counts FROM netdata.data_load WHERE source = $1", source).Scan(&byTable)
	if err != nil {
		return nil, fmt.Errorf("read data_load counts: %w", err)
	}
	counts := make([]TableCount, 0, len(tables))
	for _, table := range tables {
		if n, ok := byTable[table]; ok {
			counts = append(counts, TableCount{Table: table, Rows: n})
		}
	}
	return counts, nil
}

// fingerprintFiles hashes the names, sizes and contents of files, so that
// a delivery whose files change is loaded again.
func fingerprintFiles(version string, files []string) (string, error) {
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", version)
	for _, path := range sorted {
		if err := hashFile(h, path); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("fingerprint: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("fingerprint: %w", err)
	}
	fmt.Fprintf(h, "%s %d\n", filepath.Base(path), info.Size())
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("fingerprint: read %s: %w", path, err)
	}
	return nil
}

// target names the tables a source writes to: tables in delete order, and
// counted, the tables listed in reports.
type target struct {
	schema  string
	tables  []string
	counted []string
}

var (
	netdataTarget = target{schema: "netdata", tables: netdataTables, counted: []string{
		"organisation", "network", "planned_works", "asbuilt_submission",
		"technical_point", "route", "duct", "duct_route", "network_link",
	}}
	osmTarget = target{schema: "osm", tables: osmTables, counted: osmTables}
)

// unchangedItem returns the report item of a source already loaded with
// this fingerprint, and false when the source must be loaded.
func unchangedItem(ctx context.Context, q querier, source, fingerprint string, tgt target) (Item, bool, error) {
	loaded, err := loadedFingerprint(ctx, q, source)
	if err != nil || loaded != fingerprint {
		return Item{}, false, err
	}
	counts, err := recordedCounts(ctx, q, source, tgt.counted)
	if err != nil {
		return Item{}, false, err
	}
	return Item{Source: source, Status: StatusUnchanged, Counts: counts}, true, nil
}

// replaceSource deletes the previous rows of source, runs fill and records
// the new fingerprint, all in one transaction.
func replaceSource(ctx context.Context, pool *pgxpool.Pool, source, fingerprint string, tgt target,
	fill func(ctx context.Context, tx pgx.Tx) error) ([]TableCount, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()

	if err := deleteSource(ctx, tx, tgt.schema, tgt.tables, source); err != nil {
		return nil, err
	}
	if err := fill(ctx, tx); err != nil {
		return nil, err
	}
	counts, err := countSource(ctx, tx, tgt.schema, tgt.counted, source)
	if err != nil {
		return nil, err
	}
	if err := recordSource(ctx, tx, source, fingerprint, counts); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return counts, nil
}

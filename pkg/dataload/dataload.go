// Package dataload fills the network data model with the demo dataset and
// with the real data deliveries found in the data folder.
//
// Sources, each recorded in netdata.data_load with a fingerprint of its
// input so that loading is idempotent:
//   - "demo": a deterministic dataset around Caen generated in Go;
//   - "gracethd:<folder>": a GraceTHD v2.0.1 shapefile+CSV delivery, staged
//     with GDAL's ogr2ogr and mapped to the model by embedded SQL;
//   - "osm:<extract>": power lines and towers of an OpenStreetMap .osm.pbf
//     extract, staged with ogr2ogr's OSM driver.
//
// A source whose fingerprint is unchanged is skipped. A changed source has
// its rows deleted and loaded again in one transaction.
package dataload

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Status is the outcome of loading one source.
type Status string

// Outcomes of a source.
const (
	StatusLoaded    Status = "loaded"
	StatusUnchanged Status = "unchanged"
	StatusSkipped   Status = "skipped"
	StatusFailed    Status = "failed"
)

// TableCount is the number of rows a source has in one table.
type TableCount struct {
	Table string
	Rows  int64
}

// Item is the outcome of one source.
type Item struct {
	Source   string
	Status   Status
	Reason   string
	Counts   []TableCount
	Duration time.Duration
}

// Report lists what Run loaded, left unchanged, skipped or failed to load.
type Report struct {
	Items []Item
}

// String formats the report, one source per line.
func (r Report) String() string {
	var b strings.Builder
	for _, it := range r.Items {
		fmt.Fprintf(&b, "%-40s %-9s", it.Source, it.Status)
		if len(it.Counts) > 0 {
			parts := make([]string, 0, len(it.Counts))
			for _, c := range it.Counts {
				parts = append(parts, fmt.Sprintf("%s=%d", c.Table, c.Rows))
			}
			fmt.Fprintf(&b, " %s", strings.Join(parts, " "))
		}
		if it.Reason != "" {
			fmt.Fprintf(&b, " (%s)", it.Reason)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Item returns the outcome of a source, and false when the report has none.
func (r Report) Item(source string) (Item, bool) {
	for _, it := range r.Items {
		if it.Source == source {
			return it, true
		}
	}
	return Item{}, false
}

// Log writes one log record per source.
func (r Report) Log(log *slog.Logger) {
	for _, it := range r.Items {
		attrs := []any{"source", it.Source, "status", string(it.Status), "duration", it.Duration}
		for _, c := range it.Counts {
			attrs = append(attrs, c.Table, c.Rows)
		}
		if it.Reason != "" {
			attrs = append(attrs, "reason", it.Reason)
		}
		switch it.Status {
		case StatusFailed:
			log.Error("data load failed", attrs...)
		case StatusSkipped:
			log.Warn("data source skipped", attrs...)
		default:
			log.Info("data source", attrs...)
		}
	}
}

// loadLockKey is the advisory lock key that serialises concurrent loads on
// one database (two `fourreau load` runs, parallel test packages).
const loadLockKey = 7_345_002

// Run loads the demo dataset, then every GraceTHD delivery and OSM extract
// found under dataDir. dsn is the database URL handed to ogr2ogr; its
// password goes through the PGPASSWORD environment variable, never the
// command line. A missing dataDir, delivery or ogr2ogr program skips the
// real data with a reason in the report. Failed sources are listed in the
// report and joined in the returned error, after every source was tried.
// Run holds one pool connection for an advisory lock while it works, so the
// pool needs at least two connections.
func Run(ctx context.Context, pool *pgxpool.Pool, dsn string, dataDir string, log *slog.Logger) (Report, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("dataload: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", loadLockKey); err != nil {
		return Report{}, fmt.Errorf("dataload: lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", loadLockKey)
	}()

	var report Report
	var errs []error
	add := func(it Item, err error) {
		if err != nil {
			it.Status = StatusFailed
			it.Reason = err.Error()
			errs = append(errs, fmt.Errorf("dataload: %s: %w", it.Source, err))
		}
		report.Items = append(report.Items, it)
	}

	add(loadDemo(ctx, pool))

	loader := realDataLoader{pool: pool, dsn: dsn, dataDir: dataDir, log: log}
	for _, res := range loader.loadAll(ctx) {
		add(res.item, res.err)
	}

	report.Log(log)
	return report, errors.Join(errs...)
}

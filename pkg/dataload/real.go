package dataload

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed sql/gracethd.sql
var gracethdSQL string

//go:embed sql/osm.sql
var osmSQL string

// Version strings mixed into the fingerprints of real data: changing the
// mapping SQL changes them, so deliveries are loaded again.
const (
	gracethdMappingVersion = "gracethd-map-v1"
	osmMappingVersion      = "osm-map-v1"
)

// loadSourceSetting is the transaction-local setting that holds the name of
// the source for the embedded mapping SQL.
const loadSourceSetting = "fourreau.load_source"

// gracethdRequired lists the files of a GraceTHD delivery that the import
// reads. Shapefiles come with their .shx, .dbf, .prj and .cpg companions.
var gracethdRequired = []string{
	"t_cheminement.shp", "t_noeud.shp",
	"t_ptech.csv", "t_conduite.csv", "t_cond_chem.csv", "t_organisme.csv",
}

// realDataLoader loads the deliveries found in a data folder.
type realDataLoader struct {
	pool    *pgxpool.Pool
	dsn     string
	dataDir string
	log     *slog.Logger
}

type sourceResult struct {
	item Item
	err  error
}

func skipped(source, reason string) sourceResult {
	return sourceResult{item: Item{Source: source, Status: StatusSkipped, Reason: reason}}
}

// loadAll loads every GraceTHD delivery (a sub-folder holding
// t_cheminement.shp) and every OSM extract (osm/*.osm.pbf) of the data
// folder. Missing data and a missing ogr2ogr give skipped items.
func (l realDataLoader) loadAll(ctx context.Context) []sourceResult {
	if l.dataDir == "" {
		return []sourceResult{skipped("real data", "no data folder configured (data.dir is empty): only the demo dataset is loaded")}
	}
	info, err := os.Stat(l.dataDir)
	if err != nil || !info.IsDir() {
		return []sourceResult{skipped("real data", fmt.Sprintf("data folder %s not found: only the demo dataset is loaded", l.dataDir))}
	}

	deliveries, err := findGraceTHD(l.dataDir)
	if err != nil {
		return []sourceResult{{item: Item{Source: "gracethd"}, err: err}}
	}
	extracts, err := filepath.Glob(filepath.Join(l.dataDir, "osm", "*.osm.pbf"))
	if err != nil {
		return []sourceResult{{item: Item{Source: "osm"}, err: err}}
	}
	sort.Strings(extracts)

	var results []sourceResult
	if len(deliveries) == 0 {
		results = append(results, skipped("gracethd",
			fmt.Sprintf("no GraceTHD delivery (a folder containing t_cheminement.shp) in %s", l.dataDir)))
	}
	if len(extracts) == 0 {
		results = append(results, skipped("osm",
			fmt.Sprintf("no OpenStreetMap extract (osm/*.osm.pbf) in %s", l.dataDir)))
	}
	if len(deliveries) == 0 && len(extracts) == 0 {
		return results
	}

	ogr, err := newOGR2OGR(l.dsn)
	if errors.Is(err, errNoOGR2OGR) {
		for _, dir := range deliveries {
			results = append(results, skipped(gracethdSource(dir), err.Error()))
		}
		for _, file := range extracts {
			results = append(results, skipped(osmSource(file), err.Error()))
		}
		return results
	}
	if err != nil {
		return append(results, sourceResult{item: Item{Source: "real data"}, err: err})
	}

	for _, dir := range deliveries {
		item, err := l.loadGraceTHD(ctx, ogr, dir)
		results = append(results, sourceResult{item: item, err: err})
	}
	for _, file := range extracts {
		item, err := l.loadOSM(ctx, ogr, file)
		results = append(results, sourceResult{item: item, err: err})
	}
	if err := dropStaging(ctx, l.pool); err != nil {
		l.log.Warn("drop staging schema failed", "schema", stagingSchema, "err", err)
	}
	return results
}

// findGraceTHD returns the sub-folders of dir that contain t_cheminement.shp.
func findGraceTHD(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read data folder: %w", err)
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(path, "t_cheminement.shp")); err == nil {
			found = append(found, path)
		}
	}
	return found, nil
}

func gracethdSource(dir string) string { return "gracethd:" + filepath.Base(dir) }

func osmSource(file string) string {
	return "osm:" + strings.TrimSuffix(filepath.Base(file), ".osm.pbf")
}

// gracethdFiles returns the input files of a delivery, and the required
// files that are missing.
func gracethdFiles(dir string) (files, missing []string) {
	for _, name := range gracethdRequired {
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			missing = append(missing, name)
			continue
		}
		files = append(files, path)
		if strings.HasSuffix(name, ".shp") {
			base := strings.TrimSuffix(path, ".shp")
			for _, ext := range []string{".shx", ".dbf", ".prj", ".cpg"} {
				if _, err := os.Stat(base + ext); err == nil {
					files = append(files, base+ext)
				}
			}
		}
	}
	return files, missing
}

// gracethdStaging lists the staging table of each delivery file and the
// ogr2ogr options it needs.
var gracethdStaging = []struct {
	file, table string
	options     []string
}{
	{"t_organisme.csv", "gracethd_organisme", nil},
	{"t_noeud.shp", "gracethd_noeud", []string{"-t_srs", "EPSG:2154", "-dim", "XY", "-nlt", "POINT"}},
	{"t_ptech.csv", "gracethd_ptech", nil},
	{"t_cheminement.shp", "gracethd_cheminement", []string{"-t_srs", "EPSG:2154", "-dim", "XY", "-nlt", "MULTILINESTRING"}},
	{"t_conduite.csv", "gracethd_conduite", nil},
	{"t_cond_chem.csv", "gracethd_cond_chem", nil},
}

func (l realDataLoader) loadGraceTHD(ctx context.Context, ogr *ogr2ogr, dir string) (Item, error) {
	start := time.Now()
	source := gracethdSource(dir)
	item := Item{Source: source}
	files, missing := gracethdFiles(dir)
	if len(missing) > 0 {
		item.Status = StatusSkipped
		item.Reason = fmt.Sprintf("incomplete GraceTHD delivery in %s: missing %s", dir, strings.Join(missing, ", "))
		return item, nil
	}
	fingerprint, err := fingerprintFiles(gracethdMappingVersion+"\n"+gracethdSQL, files)
	if err != nil {
		return item, err
	}
	if done, ok, err := unchangedItem(ctx, l.pool, source, fingerprint, netdataTarget); err != nil || ok {
		done.Duration = time.Since(start)
		return done, err
	}

	if err := resetStaging(ctx, l.pool); err != nil {
		return item, err
	}
	for _, s := range gracethdStaging {
		if err := ogr.copyLayer(ctx, filepath.Join(dir, s.file), "", s.table, s.options...); err != nil {
			return item, err
		}
	}

	counts, err := replaceSource(ctx, l.pool, source, fingerprint, netdataTarget, func(ctx context.Context, tx pgx.Tx) error {
		return runMapping(ctx, tx, source, gracethdSQL)
	})
	if err != nil {
		return item, fmt.Errorf("map GraceTHD delivery %s: %w", dir, err)
	}
	item.Counts = counts
	item.Status = StatusLoaded
	item.Duration = time.Since(start)
	return item, nil
}

func (l realDataLoader) loadOSM(ctx context.Context, ogr *ogr2ogr, file string) (Item, error) {
	start := time.Now()
	source := osmSource(file)
	item := Item{Source: source}
	fingerprint, err := fingerprintFiles(osmMappingVersion+"\n"+osmSQL, []string{file})
	if err != nil {
		return item, err
	}
	if done, ok, err := unchangedItem(ctx, l.pool, source, fingerprint, osmTarget); err != nil || ok {
		done.Duration = time.Since(start)
		return done, err
	}

	if err := resetStaging(ctx, l.pool); err != nil {
		return item, err
	}
	// The OSM driver keeps tags outside its default column set in other_tags,
	// written as "key"=>"value" pairs; the filters keep power lines and
	// towers only.
	if err := ogr.copyLayer(ctx, file, "lines", "osm_lines",
		"-where", `other_tags LIKE '%"power"=>"line"%'`); err != nil {
		return item, err
	}
	if err := ogr.copyLayer(ctx, file, "points", "osm_points",
		"-where", `other_tags LIKE '%"power"=>"tower"%'`); err != nil {
		return item, err
	}

	counts, err := replaceSource(ctx, l.pool, source, fingerprint, osmTarget, func(ctx context.Context, tx pgx.Tx) error {
		return runMapping(ctx, tx, source, osmSQL)
	})
	if err != nil {
		return item, fmt.Errorf("map OSM extract %s: %w", file, err)
	}
	item.Counts = counts
	item.Status = StatusLoaded
	item.Duration = time.Since(start)
	return item, nil
}

// runMapping runs an embedded mapping script with the source name in the
// transaction-local setting fourreau.load_source.
func runMapping(ctx context.Context, tx pgx.Tx, source, script string) error {
	if _, err := tx.Exec(ctx, "SELECT set_config($1, $2, true)", loadSourceSetting, source); err != nil {
		return fmt.Errorf("set load source: %w", err)
	}
	// Exec without arguments uses the simple protocol, which runs the
	// several statements of the script.
	if _, err := tx.Exec(ctx, script); err != nil {
		return err
	}
	return nil
}

// resetStaging creates an empty staging schema. ogr2ogr's -overwrite does
// not find a previous table of the same name in a non-default schema (GDAL
// 3.6), so every source starts from a new schema.
func resetStaging(ctx context.Context, pool *pgxpool.Pool) error {
	if err := dropStaging(ctx, pool); err != nil {
		return fmt.Errorf("drop staging schema: %w", err)
	}
	_, err := pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{stagingSchema}.Sanitize())
	if err != nil {
		return fmt.Errorf("create staging schema: %w", err)
	}
	return nil
}

func dropStaging(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{stagingSchema}.Sanitize()+" CASCADE")
	return err
}

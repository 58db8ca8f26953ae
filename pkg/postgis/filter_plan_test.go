package postgis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/postgis"
)

// benchURLEnv names the database of the benchmark dataset (schema bench, a million
// ducts), for the tests and benchmarks that need its size. They are skipped without it.
const benchURLEnv = "FOURREAU_BENCH_DATABASE_URL"

// planFilters returns the spatial filters whose SQL must use the GiST index of the
// geometry: a BBOX, an Intersects with a polygon and a DWithin in metres. They lie
// around the point (x, y) of the layer's CRS (EPSG:2154).
func planFilters(t testing.TB, x, y float64) map[string]filter.Node {
	t.Helper()
	reg := crs.NewRegistry(func(srid int) (crs.Info, bool, error) {
		return crs.Info{SRID: srid, Geographic: srid == 4326, NorthingFirst: srid == 4326}, srid == 4326 || srid == 2154, nil
	})
	opts := filter.CQLOptions{SRID: 2154, CRS: filter.CRSResolver(reg, 2154, false)}
	out := map[string]filter.Node{}
	for name, text := range map[string]string{
		"BBOX":       fmt.Sprintf("BBOX(geom, %v, %v, %v, %v)", x-1000, y-1000, x+1000, y+1000),
		"Intersects": fmt.Sprintf("S_INTERSECTS(geom, POLYGON((%v %v, %v %v, %v %v, %v %v)))", x-1000, y-1000, x+1000, y-1000, x, y+1000, x-1000, y-1000),
		"DWithin":    fmt.Sprintf("DWITHIN(geom, POINT(%v %v), 200, meters)", x, y),
	} {
		n, err := filter.ParseCQL(text, opts)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		out[name] = n
	}
	return out
}

// explain runs EXPLAIN (FORMAT JSON) on the feature query of q, with ANALYZE when analyze is
// set, inside a read-only transaction, after the optional settings.
func explain(t testing.TB, pool *pgxpool.Pool, q *feature.Query, analyze bool, settings ...string) (planJSON string, ms float64, rows int64) {
	t.Helper()
	sql, args, err := postgis.SelectSQL(q)
	if err != nil {
		t.Fatalf("SelectSQL: %v", err)
	}
	ctx := context.Background()
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, s := range settings {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	options := "FORMAT JSON"
	if analyze {
		options = "ANALYZE, BUFFERS, FORMAT JSON"
	}
	var out string
	if err := tx.QueryRow(ctx, "EXPLAIN ("+options+") "+sql, args...).Scan(&out); err != nil {
		t.Fatalf("EXPLAIN %s: %v", sql, err)
	}
	var doc []struct {
		ExecutionTime float64 `json:"Execution Time"`
		Plan          struct {
			ActualRows int64 `json:"Actual Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc) == 0 {
		t.Fatalf("EXPLAIN output is not a JSON plan: %v", err)
	}
	return out, doc[0].ExecutionTime, doc[0].Plan.ActualRows
}

func TestFilterPlan_GiSTOnDemoLayers(t *testing.T) {
	pool := testdb.MigratedPool(t)
	ctx := context.Background()
	var layers []config.LayerConfig
	for _, l := range config.DefaultLayers() {
		if l.Name == "network_link" {
			layers = append(layers, l)
		}
	}
	cat, err := postgis.LoadCatalog(ctx, pool, layers)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := cat.Layer("network_link")
	// The demo tables are small enough for a sequential scan to be cheaper, so sequential
	// scans are disabled. What matters here is that the conditions can use the index at
	// all, which an expression the planner cannot fold would prevent.
	for name, n := range planFilters(t, 455000, 6903000) {
		t.Run(name, func(t *testing.T) {
			plan, _, _ := explain(t, pool, &feature.Query{Layer: l, Filter: n, Limit: -1, OutputSRID: 2154}, false, "SET LOCAL enable_seqscan = off")
			if !strings.Contains(plan, `"Index Name": "network_link_geom_gist"`) {
				t.Errorf("the plan does not use network_link_geom_gist:\n%s", plan)
			}
		})
	}

	// On a layer in degrees, DWithin in metres tests the distance on the spheroid and
	// lets the index find the candidates through a widened box.
	for _, lc := range config.DefaultLayers() {
		if lc.Name != "osm_power_tower" {
			continue
		}
		towers, err := postgis.LoadCatalog(ctx, pool, []config.LayerConfig{lc})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := towers.Layer("osm_power_tower")
		n, err := filter.ParseCQL("DWITHIN(geom, POINT(1.5 42.5), 3, kilometers)", filter.CQLOptions{SRID: 4326})
		if err != nil {
			t.Fatal(err)
		}
		plan, _, _ := explain(t, pool, &feature.Query{Layer: l, Filter: n, Limit: -1, OutputSRID: 4326}, false, "SET LOCAL enable_seqscan = off")
		if !strings.Contains(plan, `"Index Name": "power_tower_geom_gist"`) {
			t.Errorf("DWithin in metres on a layer in degrees does not use power_tower_geom_gist:\n%s", plan)
		}
	}
}

// benchPool connects to the benchmark database, or skips.
func benchPool(t testing.TB) (*pgxpool.Pool, *feature.Layer) {
	t.Helper()
	url := os.Getenv(benchURLEnv)
	if url == "" {
		t.Skipf("%s is not set: the million-duct benchmark database is needed", benchURLEnv)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	cat, err := postgis.LoadCatalog(ctx, pool, []config.LayerConfig{{Name: "ducts", Table: "bench.ducts", Key: "id", Geometry: "geom"}})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := cat.Layer("ducts")
	return pool, l
}

// benchX and benchY are a point in a dense part of the benchmark dataset's extent, in EPSG:2154.
const benchX, benchY = 405727.53, 6898919.33

func TestFilterPlan_GiSTOnMillionDucts(t *testing.T) {
	pool, l := benchPool(t)
	for name, n := range planFilters(t, benchX, benchY) {
		for _, limit := range []int{-1, 100} {
			t.Run(fmt.Sprintf("%s limit %d", name, limit), func(t *testing.T) {
				plan, ms, rows := explain(t, pool, &feature.Query{Layer: l, Filter: n, Limit: limit, OutputSRID: 2154}, true)
				if !strings.Contains(plan, `"Index Name": "ducts_geom_gix"`) {
					t.Errorf("with the planner's default settings the plan does not use ducts_geom_gix:\n%s", plan)
				}
				if rows == 0 {
					t.Errorf("the filter selects no duct; the point (%v, %v) should lie in the dataset", benchX, benchY)
				}
				t.Logf("%s, limit %d: %d features in %.1f ms", name, limit, rows, ms)
			})
		}
	}
}

// BenchmarkFilter_MillionDucts streams the features of each spatial filter from the
// benchmark table.
func BenchmarkFilter_MillionDucts(b *testing.B) {
	pool, l := benchPool(b)
	store := postgis.NewStore(pool)
	for name, n := range planFilters(b, benchX, benchY) {
		b.Run(name, func(b *testing.B) {
			q := &feature.Query{Layer: l, Filter: n, Limit: -1, OutputSRID: 2154}
			rows := 0
			for i := 0; i < b.N; i++ {
				rows = 0
				err := store.Features(context.Background(), q, func(*feature.Row) error { rows++; return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows), "features")
		})
	}
}

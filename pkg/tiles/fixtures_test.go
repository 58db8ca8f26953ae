package tiles_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// The tests write their own features: ducts in netdata.duct with source 'tilestest'
// and a code starting with testCodePrefix, and features of the tables of schema
// tilestest, published as the layers below. They lie far from the demo data (which is
// around Caen), around Paris.

const testCodePrefix = "TILESTEST-"

// testTablesSQL creates the tables of schema tilestest: parcel (polygons, as in
// cadastral layers), marker (points in EPSG:4326) and cable (a text key, which cannot be
// published). Each sends change notifications.
const testTablesSQL = `
CREATE SCHEMA IF NOT EXISTS tilestest;
CREATE TABLE IF NOT EXISTS tilestest.parcel (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label  text,
    area_m2 numeric(12,2),
    source text NOT NULL DEFAULT 'tilestest',
    geom   geometry(Polygon, 2154) NOT NULL
);
CREATE TABLE IF NOT EXISTS tilestest.marker (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label  text,
    source text NOT NULL DEFAULT 'tilestest',
    geom   geometry(Point, 4326) NOT NULL
);
CREATE TABLE IF NOT EXISTS tilestest.cable (
    code   text PRIMARY KEY,
    geom   geometry(LineString, 2154) NOT NULL
);
SELECT netdata.notify_changes('tilestest.parcel', 'geom');
SELECT netdata.notify_changes('tilestest.marker', 'geom');
`

// testLayers publishes the tables of schema tilestest.
func testLayers() testserver.Option {
	return testserver.WithLayers(
		config.LayerConfig{Name: "parcel", Title: "Test parcels", Table: "tilestest.parcel", Key: "id", Geometry: "geom"},
		config.LayerConfig{Name: "marker", Title: "Test markers", Table: "tilestest.marker", Key: "id", Geometry: "geom"},
	)
}

// createTestTables creates schema tilestest once per database; it must run before the
// server starts, which reads the change notification triggers.
func createTestTables(t *testing.T) {
	t.Helper()
	pool := testdb.MigratedPool(t)
	ctx := context.Background()
	// An advisory lock keeps concurrent test processes from creating the tables twice.
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7242917301)"); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(7242917301)")
	if _, err := conn.Exec(ctx, testTablesSQL); err != nil {
		t.Fatalf("create test tables: %v", err)
	}
}

// insertDuct inserts a test duct whose geometry is given as WKT in EPSG:3857, and
// deletes it when the test ends. Its attributes are fixed so that tests can compare
// them: inner diameter 33 mm, outer 40 mm, depth 0.85 m, built 2024-05-06, functional
// and empty (so available), and no cable count (NULL).
func insertDuct(t *testing.T, pool *pgxpool.Pool, code, wkt3857 string) int64 {
	t.Helper()
	code = testCodePrefix + code
	deleteDucts(t, pool, code)
	t.Cleanup(func() { deleteDucts(t, pool, code) })
	var id int64
	err := pool.QueryRow(ctxT(t), `INSERT INTO netdata.duct (code, source, duct_type, lifecycle_status, network_category,
			inner_diameter_mm, outer_diameter_mm, occupancy_class, min_depth_m, built_on, geom)
		VALUES ($1, 'tilestest', 'PE', 'functional', 'COM', 33, 40, '0', 0.85, '2024-05-06',
			ST_Transform(ST_GeomFromText($2, 3857), 2154))
		RETURNING id`, code, wkt3857).Scan(&id)
	if err != nil {
		t.Fatalf("insert duct %s: %v", code, err)
	}
	return id
}

// deleteDucts deletes the test ducts with this code and their history.
func deleteDucts(t *testing.T, pool *pgxpool.Pool, code string) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `WITH gone AS (DELETE FROM netdata.duct WHERE source = 'tilestest' AND code = $1 RETURNING id)
		DELETE FROM netdata.feature_history h USING gone WHERE h.table_name = 'netdata.duct' AND h.feature_id = gone.id`, code)
	if err != nil {
		t.Errorf("delete test duct %s: %v", code, err)
	}
}

// insertRow inserts a row into a tilestest table with a geometry given as WKT in
// EPSG:3857, and deletes it when the test ends.
func insertRow(t *testing.T, pool *pgxpool.Pool, table, label, wkt3857 string) int64 {
	t.Helper()
	var id int64
	sql := fmt.Sprintf(`INSERT INTO tilestest.%s (label, geom)
		VALUES ($1, ST_Transform(ST_GeomFromText($2, 3857), Find_SRID('tilestest', $3, 'geom'))) RETURNING id`, table)
	if err := pool.QueryRow(ctxT(t), sql, label, wkt3857, table).Scan(&id); err != nil {
		t.Fatalf("insert into tilestest.%s: %v", table, err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), fmt.Sprintf("DELETE FROM tilestest.%s WHERE id = $1", table), id); err != nil {
			t.Errorf("delete tilestest.%s %d: %v", table, id, err)
		}
	})
	return id
}

// parisTile is the WebMercatorQuad tile 14/8299/5637, in Paris, where no data lies.
var parisTile = [3]int{14, 8299, 5637}

// parisSubTile returns the tile at zoom z (14 or more) that is column dx and row dy of
// parisTile's descendants at that zoom.
func parisSubTile(z, dx, dy int) (int, int, int) {
	shift := z - parisTile[0]
	return z, parisTile[1]<<shift + dx, parisTile[2]<<shift + dy
}

// mercatorWKT writes a line string in EPSG:3857 as WKT.
func mercatorWKT(points ...orb.Point) string {
	s := "LINESTRING("
	for i, p := range points {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("%.3f %.3f", p[0], p[1])
	}
	return s + ")"
}

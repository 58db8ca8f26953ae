package dataload

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testdb"
)

// publishedLayers are the netdata tables published as WFS layers.
var publishedLayers = []string{"duct", "route", "technical_point", "network_link", "planned_works"}

// testDataDir returns the real data folder: FOURREAU_DATA_DIR, else the
// shared/data folder laid beside the repository.
func testDataDir() string {
	if dir := os.Getenv("FOURREAU_DATA_DIR"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "..", "shared", "data")
}

// requireDataDir skips the test when the real data folder is missing.
func requireDataDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(testDataDir(), sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("real data folder %s not found (set FOURREAU_DATA_DIR): %v", dir, err)
	}
	return dir
}

// loaded migrates the test database and runs the loader on the real data
// folder. Every test calls it, so the later calls also exercise the
// unchanged path.
func loaded(t *testing.T) (*pgxpool.Pool, Report) {
	t.Helper()
	pool := testdb.MigratedPool(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	report, err := Run(ctx, pool, testdb.URL(t), testDataDir(), nil)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, report)
	}
	return pool, report
}

func queryInt(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return n
}

func TestDemo_LayersHaveValidDistinctFeatures(t *testing.T) {
	pool, _ := loaded(t)
	for _, layer := range publishedLayers {
		t.Run(layer, func(t *testing.T) {
			table := pgx.Identifier{"netdata", layer}.Sanitize()
			total := queryInt(t, pool, "SELECT count(*) FROM "+table+" WHERE source = 'demo'")
			if total < 300 {
				t.Errorf("%s: %d demo features, want at least 300", layer, total)
			}
			distinct := queryInt(t, pool, "SELECT count(DISTINCT ST_AsEWKB(geom)) FROM "+table+" WHERE source = 'demo'")
			if distinct < 300 {
				t.Errorf("%s: %d distinct demo geometries, want at least 300", layer, distinct)
			}
			invalid := queryInt(t, pool, "SELECT count(*) FROM "+table+" WHERE source = 'demo' AND NOT ST_IsValid(geom)")
			if invalid != 0 {
				t.Errorf("%s: %d invalid demo geometries", layer, invalid)
			}
			outside := queryInt(t, pool, "SELECT count(*) FROM "+table+` WHERE source = 'demo' AND NOT ST_CoveredBy(geom,
				ST_MakeEnvelope(440000, 6890000, 470000, 6915000, 2154))`)
			if outside != 0 {
				t.Errorf("%s: %d demo features outside the Caen area box", layer, outside)
			}
		})
	}
}

// TestDemo_EveryCodeUsed checks, for each lookup table, that every code
// occurs in at least one demo row of a column referencing it.
func TestDemo_EveryCodeUsed(t *testing.T) {
	pool, _ := loaded(t)
	ctx := context.Background()
	rows, err := pool.Query(ctx, `
		SELECT rel.relname, att.attname, ref.relname
		FROM pg_constraint con
		JOIN pg_class rel ON rel.oid = con.conrelid
		JOIN pg_class ref ON ref.oid = con.confrelid
		JOIN pg_namespace ns ON ns.oid = rel.relnamespace
		JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
		WHERE con.contype = 'f' AND ns.nspname = 'netdata'
		  AND EXISTS (SELECT 1 FROM information_schema.columns c
		              WHERE c.table_schema = 'netdata' AND c.table_name = ref.relname AND c.column_name = 'label_fr')
		ORDER BY 3, 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type use struct{ table, column string }
	uses := map[string][]use{}
	var lists []string
	for rows.Next() {
		var table, column, list string
		if err := rows.Scan(&table, &column, &list); err != nil {
			t.Fatal(err)
		}
		if _, ok := uses[list]; !ok {
			lists = append(lists, list)
		}
		uses[list] = append(uses[list], use{table, column})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lists) < 20 {
		t.Fatalf("found %d referenced code lists, want at least 20", len(lists))
	}

	for _, list := range lists {
		t.Run(list, func(t *testing.T) {
			var parts []string
			for _, u := range uses[list] {
				parts = append(parts, fmt.Sprintf("SELECT %s::text AS code FROM %s WHERE source = 'demo'",
					pgx.Identifier{u.column}.Sanitize(), pgx.Identifier{"netdata", u.table}.Sanitize()))
			}
			query := fmt.Sprintf("SELECT code FROM %s WHERE code NOT IN (SELECT code FROM (%s) used WHERE code IS NOT NULL) ORDER BY code",
				pgx.Identifier{"netdata", list}.Sanitize(), strings.Join(parts, " UNION "))
			rows, err := pool.Query(ctx, query)
			if err != nil {
				t.Fatal(err)
			}
			unused, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if len(unused) > 0 {
				t.Errorf("codes of %s never used by the demo: %v", list, unused)
			}
		})
	}
}

func TestDemo_AccentsAndNulls(t *testing.T) {
	pool, _ := loaded(t)
	const text = `SELECT string_agg(t, ' ') FROM (
		SELECT name AS t FROM netdata.organisation WHERE source = 'demo'
		UNION ALL SELECT title FROM netdata.planned_works WHERE source = 'demo'
		UNION ALL SELECT contact_name FROM netdata.planned_works WHERE source = 'demo'
		UNION ALL SELECT road_name FROM netdata.route WHERE source = 'demo'
		UNION ALL SELECT comment FROM netdata.duct WHERE source = 'demo'
		UNION ALL SELECT legal_mention FROM netdata.network WHERE source = 'demo') s`
	var all string
	if err := pool.QueryRow(context.Background(), text).Scan(&all); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"é", "è", "ç", "œ", "«", "»", "ë", "ï"} {
		if !strings.Contains(all, want) {
			t.Errorf("demo text contains no %q", want)
		}
	}

	for _, layer := range publishedLayers {
		table := pgx.Identifier{"netdata", layer}.Sanitize()
		nulls := queryInt(t, pool, "SELECT count(*) FROM "+table+" WHERE source = 'demo' AND comment IS NULL")
		values := queryInt(t, pool, "SELECT count(*) FROM "+table+" WHERE source = 'demo' AND comment IS NOT NULL")
		if nulls == 0 || values == 0 {
			t.Errorf("%s: %d NULL and %d non-NULL comments, want both", layer, nulls, values)
		}
	}
	dates := queryInt(t, pool, `SELECT count(*) FROM netdata.duct
		WHERE source = 'demo' AND built_on IS NOT NULL AND last_rodding_on IS NOT NULL`)
	if dates == 0 {
		t.Error("no demo duct has both a construction and a rodding date")
	}
}

func TestDemo_DuctsFollowRoutes(t *testing.T) {
	pool, _ := loaded(t)
	mismatched := queryInt(t, pool, `SELECT count(*) FROM netdata.duct d
		JOIN netdata.route r ON r.id = d.route_id
		WHERE d.source = 'demo' AND NOT ST_Equals(d.geom, r.geom)`)
	if mismatched != 0 {
		t.Errorf("%d demo ducts do not follow their route", mismatched)
	}
	withoutLink := queryInt(t, pool, `SELECT count(*) FROM netdata.duct d
		WHERE d.source = 'demo' AND NOT EXISTS (SELECT 1 FROM netdata.duct_route dr WHERE dr.duct_id = d.id)`)
	if withoutLink != 0 {
		t.Errorf("%d demo ducts have no duct_route row", withoutLink)
	}
	looseEnds := queryInt(t, pool, `SELECT count(*) FROM netdata.route r
		JOIN netdata.technical_point s ON s.id = r.start_point_id
		JOIN netdata.technical_point e ON e.id = r.end_point_id
		WHERE r.source = 'demo'
		  AND (NOT ST_Equals(ST_StartPoint(r.geom), s.geom) OR NOT ST_Equals(ST_EndPoint(r.geom), e.geom))`)
	if looseEnds != 0 {
		t.Errorf("%d demo routes do not end on their technical points", looseEnds)
	}
	multiRoute := queryInt(t, pool, `SELECT count(*) FROM netdata.route
		WHERE source = 'demo' AND (SELECT count(*) FROM netdata.duct d WHERE d.route_id = route.id) > 1`)
	if multiRoute == 0 {
		t.Error("no demo route carries several ducts")
	}
}

// tableCounts returns the row count and highest id of every source-bearing
// table, keyed by table and source.
func tableCounts(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	out := map[string]string{}
	tables := append([]string(nil), netdataTables...)
	for _, table := range tables {
		collectCounts(t, pool, "netdata", table, out)
	}
	for _, table := range osmTables {
		collectCounts(t, pool, "osm", table, out)
	}
	out["netdata.duct_route"] = fmt.Sprint(queryInt(t, pool, "SELECT count(*) FROM netdata.duct_route"))
	return out
}

func collectCounts(t *testing.T, pool *pgxpool.Pool, schema, table string, out map[string]string) {
	t.Helper()
	name := pgx.Identifier{schema, table}.Sanitize()
	rows, err := pool.Query(context.Background(),
		"SELECT source, count(*), max(id) FROM "+name+" GROUP BY source ORDER BY source")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var source string
		var count, maxID int64
		if err := rows.Scan(&source, &count, &maxID); err != nil {
			t.Fatal(err)
		}
		out[name+"/"+source] = fmt.Sprintf("count=%d max_id=%d", count, maxID)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestRun_SecondRunChangesNothing(t *testing.T) {
	pool, _ := loaded(t)
	before := tableCounts(t, pool)

	start := time.Now()
	report, err := Run(context.Background(), pool, testdb.URL(t), testDataDir(), nil)
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	elapsed := time.Since(start)
	for _, it := range report.Items {
		if it.Status == StatusLoaded || it.Status == StatusFailed {
			t.Errorf("second run: source %s has status %s, want unchanged or skipped", it.Source, it.Status)
		}
	}
	after := tableCounts(t, pool)
	for key, want := range before {
		if after[key] != want {
			t.Errorf("%s: %s after the second run, %s before", key, after[key], want)
		}
	}
	if len(after) != len(before) {
		t.Errorf("second run: %d table/source pairs, %d before", len(after), len(before))
	}
	t.Logf("second run took %v", elapsed)
}

func TestRun_GraceTHDCounts(t *testing.T) {
	requireDataDir(t, "gracethd-demo01")
	pool, report := loaded(t)
	const source = "gracethd:gracethd-demo01"
	item, ok := report.Item(source)
	if !ok {
		t.Fatalf("report has no %s item:\n%s", source, report)
	}
	if item.Status != StatusLoaded && item.Status != StatusUnchanged {
		t.Fatalf("%s: status %s (%s)", source, item.Status, item.Reason)
	}

	// Row counts of the delivery's t_* files.
	want := map[string]int64{
		"route": 25, "technical_point": 27, "duct": 25, "duct_route": 27, "organisation": 8,
		"asbuilt_submission": 1, "network_link": 0, "planned_works": 0,
	}
	got := map[string]int64{}
	for _, c := range item.Counts {
		got[c.Table] = c.Rows
	}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %s has %d rows, want %d", source, table, got[table], n)
		}
	}
	if n := queryInt(t, pool, "SELECT count(*) FROM netdata.route WHERE source = $1", source); n != 25 {
		t.Errorf("netdata.route has %d rows of %s, want 25", n, source)
	}

	// The 9 t_ptech rows enrich their nodes.
	if n := queryInt(t, pool, "SELECT count(*) FROM netdata.technical_point WHERE source = $1 AND model IS NOT NULL", source); n != 9 {
		t.Errorf("%d technical points carry a t_ptech model, want 9", n)
	}
	if n := queryInt(t, pool, "SELECT count(*) FROM netdata.technical_point WHERE source = $1 AND point_kind = 'pole'", source); n != 3 {
		t.Errorf("%d poles (pt_typephy A), want 3", n)
	}
	// Routes keep their end nodes when t_noeud has them.
	if n := queryInt(t, pool, "SELECT count(*) FROM netdata.route WHERE source = $1 AND start_point_id IS NULL", source); n != 1 {
		t.Errorf("%d routes without start point, want 1 (CM000180032598 has no cm_ndcode1)", n)
	}
	// A duct over two routes is as long as both together.
	if n := queryInt(t, pool, `SELECT count(*) FROM netdata.duct d WHERE d.source = $1
		AND abs(ST_Length(d.geom) - (SELECT sum(ST_Length(r.geom)) FROM netdata.duct_route dr
		    JOIN netdata.route r ON r.id = dr.route_id WHERE dr.duct_id = d.id)) > 0.01`, source); n != 0 {
		t.Errorf("%d ducts differ in length from their routes", n)
	}
	if n := queryInt(t, pool, "SELECT count(*) FROM netdata.duct WHERE source = $1 AND route_id IS NULL", source); n != 2 {
		t.Errorf("%d ducts over several routes, want 2", n)
	}
	if n := queryInt(t, pool, "SELECT count(*) FROM netdata.organisation WHERE source = $1 AND org_type = 'telecom_operator'", source); n < 1 {
		t.Errorf("no telecom operator among the delivery's organisations")
	}
}

func TestRun_OSMCounts(t *testing.T) {
	requireDataDir(t, "osm")
	pool, report := loaded(t)
	cases := []struct {
		source         string
		lines, towers  int64
		maxVoltage     int64
		operatorOfLine string
	}{
		{"osm:liechtenstein-2013-08-03", 3, 248, 220000, "Swissgrid"},
		{"osm:andorra", 11, 880, 150000, ""},
	}
	for _, tc := range cases {
		t.Run(tc.source, func(t *testing.T) {
			if _, ok := report.Item(tc.source); !ok {
				t.Fatalf("report has no %s item:\n%s", tc.source, report)
			}
			if n := queryInt(t, pool, "SELECT count(*) FROM osm.power_line WHERE source = $1", tc.source); n != tc.lines {
				t.Errorf("power lines: %d, want %d", n, tc.lines)
			}
			if n := queryInt(t, pool, "SELECT count(*) FROM osm.power_tower WHERE source = $1", tc.source); n != tc.towers {
				t.Errorf("power towers: %d, want %d", n, tc.towers)
			}
			if n := queryInt(t, pool, "SELECT coalesce(max(voltage_max_v), 0) FROM osm.power_line WHERE source = $1", tc.source); n != tc.maxVoltage {
				t.Errorf("highest voltage: %d V, want %d V", n, tc.maxVoltage)
			}
			if n := queryInt(t, pool, "SELECT count(*) FROM osm.power_line WHERE source = $1 AND NOT ST_IsValid(geom)", tc.source); n != 0 {
				t.Errorf("%d invalid power lines", n)
			}
			if tc.operatorOfLine != "" {
				if n := queryInt(t, pool, "SELECT count(*) FROM osm.power_line WHERE source = $1 AND operator = $2",
					tc.source, tc.operatorOfLine); n == 0 {
					t.Errorf("no power line operated by %s", tc.operatorOfLine)
				}
			}
		})
	}
}

func TestRun_MissingDataIsSkipped(t *testing.T) {
	pool := testdb.MigratedPool(t)
	cases := []struct {
		name, dir string
		sources   []string
	}{
		{"empty setting", "", []string{"real data"}},
		{"missing folder", filepath.Join(t.TempDir(), "absent"), []string{"real data"}},
		{"empty folder", t.TempDir(), []string{"gracethd", "osm"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			report, err := Run(context.Background(), pool, testdb.URL(t), tc.dir, nil)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			for _, source := range tc.sources {
				it, ok := report.Item(source)
				if !ok {
					t.Errorf("report has no %q item:\n%s", source, report)
					continue
				}
				if it.Status != StatusSkipped || it.Reason == "" {
					t.Errorf("%s: status %s reason %q, want skipped with a reason", source, it.Status, it.Reason)
				}
			}
			if _, ok := report.Item(demoSource); !ok {
				t.Errorf("report has no demo item:\n%s", report)
			}
		})
	}
}

func TestPlannedWorks_L49Trigger(t *testing.T) {
	pool, _ := loaded(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		lengthM   float64
		urban     bool
		published string
		wantL49   bool
		deadline  string
	}{
		{"urban below 150 m", 149, true, "2025-03-01 10:00:00+01", false, "2025-04-12"},
		{"urban at 150 m", 150.5, true, "2025-03-01 23:30:00+00", true, "2025-04-13"},
		{"rural below 1000 m", 999, false, "2025-06-30 12:00:00+02", false, "2025-08-11"},
		{"rural above 1000 m", 1200, false, "2025-06-30 12:00:00+02", true, "2025-08-11"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Rollback(ctx) }()
			var l49 bool
			var deadline string
			err = tx.QueryRow(ctx, `INSERT INTO netdata.planned_works
				(reference, title, project_owner_org_id, contact_name, contact_email, works_type,
				 network_category, network_elements, planned_start, duration_days, status,
				 published_at, in_urban_unit, source, geom)
				VALUES ('TEST-L49', 'Essai', (SELECT min(id) FROM netdata.organisation), 'Test',
				        'test@example.fr', 'renewal', 'AEP', 'mixed', '2025-09-01', 30, 'published',
				        $1, $2, 'test',
				        ST_SetSRID(ST_Multi(ST_MakeLine(ST_MakePoint(455000, 6904000), ST_MakePoint(455000 + $3::float8, 6904000))), 2154))
				RETURNING l49_applicable, request_deadline::text`,
				tc.published, tc.urban, tc.lengthM).Scan(&l49, &deadline)
			if err != nil {
				t.Fatal(err)
			}
			if l49 != tc.wantL49 {
				t.Errorf("l49_applicable = %v, want %v", l49, tc.wantL49)
			}
			if deadline != tc.deadline {
				t.Errorf("request_deadline = %s, want %s", deadline, tc.deadline)
			}
		})
	}
}

package postgis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/postgis"
)

// mapFixture creates 400 lines of 3 m in a 100 m square, 200 of category A and 200 of
// category B, and returns the published layer.
func mapFixture(t *testing.T) (*postgis.Store, *feature.Layer) {
	t.Helper()
	pool := testdb.MigratedPool(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, sql := range []string{
		`CREATE SCHEMA IF NOT EXISTS maptest`,
		`DROP TABLE IF EXISTS maptest.small_lines`,
		`CREATE TABLE maptest.small_lines (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, cat text NOT NULL,
			geom geometry(LineString, 2154) NOT NULL)`,
		`INSERT INTO maptest.small_lines (cat, geom)
		 SELECT CASE WHEN i % 2 = 0 THEN 'A' ELSE 'B' END,
		        ST_SetSRID(ST_MakeLine(ST_MakePoint(500000 + (i % 20) * 5, 6500000 + (i / 20) * 5),
		                               ST_MakePoint(500003 + (i % 20) * 5, 6500000 + (i / 20) * 5)), 2154)
		   FROM generate_series(0, 399) AS i`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP SCHEMA maptest CASCADE") })
	catalog, err := postgis.LoadCatalog(ctx, pool, []config.LayerConfig{{Name: "small_lines", Table: "maptest.small_lines", Key: "id", Geometry: "geom"}})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := catalog.Layer("small_lines")
	return postgis.NewStore(pool), l
}

func readMap(t *testing.T, store *postgis.Store, q *feature.MapQuery) (rows int, points int, rules map[string]int, err error) {
	t.Helper()
	rules = map[string]int{}
	var dec geom.Decoder
	err = store.ReadMap(context.Background(), func(mr feature.MapReader) error {
		return mr.MapFeatures(context.Background(), q, func(row *feature.MapRow) error {
			rows++
			if err := dec.Decode(row.Geometry); err != nil {
				return err
			}
			if dec.Nodes[0].Type == geom.Point {
				points++
			}
			key := ""
			for _, r := range row.Rules {
				if r {
					key += "1"
				} else {
					key += "0"
				}
			}
			if len(row.Values) > 0 {
				key += string(row.Values[0])
			}
			rules[key]++
			return nil
		})
	})
	return rows, points, rules, err
}

func TestMapFeatures_MergeAtSmallScale(t *testing.T) {
	store, l := mapFixture(t)
	cat, _ := l.Field("cat")
	box := filter.BBox{MinX: 499000, MinY: 6499000, MaxX: 501000, MaxY: 6501000, SRID: 2154}
	ruleA := filter.Compare{Op: filter.EqualTo, Property: "cat", Literal: "A", MatchCase: true}

	// Half a pixel of 0.5 m: every line is kept, as a line.
	rows, points, _, err := readMap(t, store, &feature.MapQuery{Layer: l, BBox: box, Rules: []filter.Node{ruleA}, Fields: []*feature.Field{cat}, Tolerance: 0.5})
	if err != nil || rows != 400 || points != 0 {
		t.Errorf("large scale: %d rows, %d points, %v; want 400 lines", rows, points, err)
	}

	// A pixel of 50 m, merged: the 100 m square holds a few pixels, and each pixel
	// gives at most one row per category, as a point.
	rows, points, rules, err := readMap(t, store, &feature.MapQuery{Layer: l, BBox: box, Rules: []filter.Node{ruleA}, Fields: []*feature.Field{cat}, Tolerance: 25, Merge: true})
	if err != nil {
		t.Fatal(err)
	}
	if rows > 18 || rows < 2 || points != rows {
		t.Errorf("merged: %d rows (%d points), want a few points, one per pixel and category", rows, points)
	}
	if rules["1A"] == 0 || rules["0B"] == 0 || rules["1B"] != 0 || rules["0A"] != 0 {
		t.Errorf("rule results per category: %v; the rule must follow the category through the merge", rules)
	}

	// The limit stops the query.
	_, _, _, err = readMap(t, store, &feature.MapQuery{Layer: l, BBox: box, Tolerance: 0.5, Limit: 100})
	if !errors.Is(err, feature.ErrTooManyFeatures) {
		t.Errorf("400 lines with a limit of 100: %v, want ErrTooManyFeatures", err)
	}
	// Only the rows that match a rule are read.
	rows, _, _, err = readMap(t, store, &feature.MapQuery{Layer: l, BBox: box, Rules: []filter.Node{ruleA}, MatchAnyRule: true, Fields: []*feature.Field{cat}, Tolerance: 0.5})
	if err != nil || rows != 200 {
		t.Errorf("MatchAnyRule: %d rows, %v; want the 200 lines of category A", rows, err)
	}
}

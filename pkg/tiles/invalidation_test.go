package tiles_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/tiles"
)

// withCache selects the cache backend: "file" (the test server's own folder) or
// "redis" (the test Redis server, under a prefix of the test's own).
func withCache(t *testing.T, backend string) testserver.Option {
	t.Helper()
	prefix := fmt.Sprintf("fourreau-test:%s:%d:", t.Name(), time.Now().UnixNano())
	url := ""
	if backend == "redis" {
		url = tiles.RedisURL(t)
	}
	return func(c *config.Config) {
		c.Tiles.Cache.Backend = backend
		if backend == "redis" {
			c.Tiles.Cache.RedisURL = url
			c.Tiles.Cache.RedisPrefix = prefix
		}
	}
}

// tileState is what a tile request returned about one duct.
type tileState struct {
	source   string // X-Tile-Cache
	present  bool
	diameter int64
	etag     string
}

// ductInTile requests a tile of set and reports the duct id in its layer duct.
func ductInTile(t *testing.T, srv *testserver.Server, tms string, set string, z, x, y int, id int64) tileState {
	t.Helper()
	tile, resp := fetchTile(t, tileURL(srv, tms, set, z, x, y))
	st := tileState{source: resp.header.Get("X-Tile-Cache"), etag: resp.header.Get("ETag")}
	raw := tile.raw["duct"]
	if raw == nil {
		return st
	}
	for i, f := range raw.Features {
		if int64(f.GetId()) == id {
			st.present = true
			if v, ok := featureTags(raw, i)["inner_diameter_mm"]; ok {
				st.diameter = v.value.(int64)
			}
		}
	}
	return st
}

// An edit made directly in SQL shows in the very next tile request, with the cache on,
// for every cached tile that covered the old or the new geometry. The test covers
// several zooms, both tile matrix sets and group tiles.
func TestSQLEditShowsInNextTile(t *testing.T) {
	for _, backend := range []string{"file", "redis"} {
		t.Run(backend, func(t *testing.T) {
			srv := testserver.Start(t, withCache(t, backend))
			wmq, l93 := tiles.WebMercatorQuad(), tiles.Lambert93Quad()
			z, x, y := parisSubTile(16, 0, 3)
			b := wmq.TileBounds(z, x, y)
			c := b.Center()
			id := insertDuct(t, srv.Pool, "EDIT-"+backend, mercatorWKT(orb.Point{c[0] - 40, c[1]}, orb.Point{c[0] + 40, c[1] + 10}))

			// The tiles that show the duct, each requested twice to fill the cache.
			type view struct {
				tms     string
				set     string
				z, x, y int
			}
			var p2154 orb.Point
			if err := srv.Pool.QueryRow(ctxT(t), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 3857), 2154) AS p) s`,
				c[0], c[1]).Scan(&p2154[0], &p2154[1]); err != nil {
				t.Fatal(err)
			}
			r, _ := l93.Range(12, orb.Bound{Min: p2154, Max: p2154}, 0)
			lx, ly := r.MaxX, r.MaxY
			dx, dy := webMercatorTile(z+2, orb.Point{c[0] - 20, c[1] + 2.5})
			views := []view{
				{wmq.ID, "duct", z, x, y}, {wmq.ID, "duct", z - 1, x / 2, y / 2}, {wmq.ID, "duct", z + 2, dx, dy},
				{wmq.ID, "networks", z, x, y}, {wmq.ID, "duct,route", z, x, y}, {l93.ID, "duct", 12, lx, ly},
			}
			for _, v := range views {
				first := ductInTile(t, srv, v.tms, v.set, v.z, v.x, v.y, id)
				second := ductInTile(t, srv, v.tms, v.set, v.z, v.x, v.y, id)
				if !first.present || first.diameter != 33 {
					t.Fatalf("%v: the new duct is missing or wrong: %+v", v, first)
				}
				if second.source != "hit" || second.etag != first.etag {
					t.Fatalf("%v: second request %+v after %+v, want a cache hit with the same ETag", v, second, first)
				}
			}

			// An attribute edit.
			if _, err := srv.Pool.Exec(ctxT(t), "UPDATE netdata.duct SET inner_diameter_mm = 21 WHERE id = $1", id); err != nil {
				t.Fatal(err)
			}
			for _, v := range views {
				if st := ductInTile(t, srv, v.tms, v.set, v.z, v.x, v.y, id); !st.present || st.diameter != 21 {
					t.Errorf("%v after the attribute edit: %+v, want the duct with diameter 21", v, st)
				}
			}

			// A move 3 km east: the old tiles lose the duct, the new ones show it.
			if _, err := srv.Pool.Exec(ctxT(t), "UPDATE netdata.duct SET geom = ST_Translate(geom, 3000, 0) WHERE id = $1", id); err != nil {
				t.Fatal(err)
			}
			for _, v := range views {
				if v.z < 15 && v.tms == wmq.ID {
					continue // a 3 km move may stay inside these tiles
				}
				if st := ductInTile(t, srv, v.tms, v.set, v.z, v.x, v.y, id); st.present {
					t.Errorf("%v after the move: the duct is still there (%s)", v, st.source)
				}
			}
			var moved orb.Point
			if err := srv.Pool.QueryRow(ctxT(t), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 3857) AS p FROM netdata.duct WHERE id = $1) s`, id).
				Scan(&moved[0], &moved[1]); err != nil {
				t.Fatal(err)
			}
			nx, ny := webMercatorTile(z, moved)
			if st := ductInTile(t, srv, wmq.ID, "duct", z, nx, ny, id); !st.present {
				t.Errorf("the moved duct is missing from its new tile %d/%d/%d: %+v", z, nx, ny, st)
			}

			// A delete.
			deleteDucts(t, srv.Pool, testCodePrefix+"EDIT-"+backend)
			if st := ductInTile(t, srv, wmq.ID, "duct", z, nx, ny, id); st.present {
				t.Errorf("the deleted duct is still in tile %d/%d/%d (%s)", z, nx, ny, st.source)
			}
		})
	}
}

// Two server instances share one Redis cache: an edit made in SQL shows at once on both.
func TestInstancesShareRedisCache(t *testing.T) {
	opt := withCache(t, "redis")
	a := testserver.Start(t, opt)
	b := testserver.Start(t, opt)
	wmq := tiles.WebMercatorQuad()
	z, x, y := parisSubTile(16, 2, 2)
	c := wmq.TileBounds(z, x, y).Center()
	id := insertDuct(t, a.Pool, "SHARED", mercatorWKT(orb.Point{c[0] - 40, c[1]}, orb.Point{c[0] + 40, c[1]}))

	// Each instance applies every notification, so the first request of each may drop
	// the other's fresh tile. From the next ones on, both read the shared tile.
	ductInTile(t, a, wmq.ID, "duct", z, x, y, id)
	ductInTile(t, b, wmq.ID, "duct", z, x, y, id)
	fromA := ductInTile(t, a, wmq.ID, "duct", z, x, y, id)
	fromB := ductInTile(t, b, wmq.ID, "duct", z, x, y, id)
	if !fromA.present || fromA.source != "hit" || fromB.source != "hit" || fromA.etag != fromB.etag {
		t.Fatalf("instance A answered %+v and instance B %+v, want hits on one shared tile", fromA, fromB)
	}
	for round, diameter := range []int{25, 28, 32} {
		if _, err := a.Pool.Exec(ctxT(t), "UPDATE netdata.duct SET inner_diameter_mm = $2 WHERE id = $1", id, diameter); err != nil {
			t.Fatal(err)
		}
		for name, srv := range map[string]*testserver.Server{"A": a, "B": b} {
			if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); st.diameter != int64(diameter) {
				t.Errorf("edit %d: instance %s answered diameter %d (%s), want %d", round, name, st.diameter, st.source, diameter)
			}
		}
	}
}

// The in-process hook drops tiles by itself: an edit that sends no notification stays
// invisible until Invalidate runs, and shows right after it.
func TestInvalidateHook(t *testing.T) {
	srv := testserver.Start(t)
	wmq := tiles.WebMercatorQuad()
	z, x, y := parisSubTile(16, 3, 0)
	c := wmq.TileBounds(z, x, y).Center()
	id := insertDuct(t, srv.Pool, "HOOK", mercatorWKT(orb.Point{c[0] - 40, c[1]}, orb.Point{c[0] + 40, c[1]}))
	ductInTile(t, srv, wmq.ID, "duct", z, x, y, id)
	if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); st.source != "hit" {
		t.Fatalf("second request: %+v, want a cache hit", st)
	}

	// session_replication_role = replica skips ordinary triggers for this session only,
	// so the edit sends no notification.
	conn, err := srv.Pool.Acquire(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctxT(t), "SET session_replication_role = replica"); err != nil {
		conn.Release()
		t.Skipf("cannot edit without triggers (needs a superuser): %v", err)
	}
	_, err = conn.Exec(ctxT(t), "UPDATE netdata.duct SET inner_diameter_mm = 27 WHERE id = $1", id)
	conn.Exec(context.Background(), "RESET session_replication_role")
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}
	if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); st.diameter != 33 || st.source != "hit" {
		t.Fatalf("without notification the cache should still serve the old tile: %+v", st)
	}

	var box orb.Bound
	if err := srv.Pool.QueryRow(ctxT(t), "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM netdata.duct WHERE id = $1", id).
		Scan(&box.Min[0], &box.Min[1], &box.Max[0], &box.Max[1]); err != nil {
		t.Fatal(err)
	}
	if err := srv.Tiles.Invalidate(ctxT(t), "duct", 2154, []orb.Bound{box}); err != nil {
		t.Fatal(err)
	}
	if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); st.diameter != 27 || st.source != "miss" {
		t.Errorf("after Invalidate: %+v, want the new diameter from a fresh build", st)
	}
	if err := srv.Tiles.Invalidate(ctxT(t), "nothing", 2154, []orb.Bound{box}); err == nil {
		t.Error("Invalidate accepted an unknown layer")
	}
}

// When the listening connection is lost, tiles are served without the cache. Once it is
// back, the cache is cleared and used again, and edits show at once, including one made
// while the server was not listening.
func TestListenerReconnects(t *testing.T) {
	srv := testserver.Start(t)
	wmq := tiles.WebMercatorQuad()
	z, x, y := parisSubTile(16, 2, 3)
	c := wmq.TileBounds(z, x, y).Center()
	id := insertDuct(t, srv.Pool, "RECONNECT", mercatorWKT(orb.Point{c[0] - 40, c[1]}, orb.Point{c[0] + 40, c[1]}))
	ductInTile(t, srv, wmq.ID, "duct", z, x, y, id)
	if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); st.source != "hit" {
		t.Fatalf("second request: %+v, want a cache hit", st)
	}

	var n int
	err := srv.Pool.QueryRow(ctxT(t), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`,
		"fourreau-listen-"+strconv.Itoa(os.Getpid())).Scan(&n)
	if err != nil || n == 0 {
		t.Fatalf("terminate the listening session: %d sessions, %v", n, err)
	}
	if _, err := srv.Pool.Exec(ctxT(t), "UPDATE netdata.duct SET inner_diameter_mm = 29 WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var st tileState
	for {
		st = ductInTile(t, srv, wmq.ID, "duct", z, x, y, id)
		if st.diameter != 29 {
			t.Fatalf("after the reconnection began: %+v, want diameter 29", st)
		}
		if st.source != "bypass" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.source == "bypass" {
		t.Fatal("the cache is still bypassed 10 s after the listening session was terminated")
	}
	if _, err := srv.Pool.Exec(ctxT(t), "UPDATE netdata.duct SET inner_diameter_mm = 31 WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	ductInTile(t, srv, wmq.ID, "duct", z, x, y, id)
	if st := ductInTile(t, srv, wmq.ID, "duct", z, x, y, id); st.diameter != 31 || st.source != "hit" {
		t.Errorf("after the reconnection: %+v, want diameter 31 from the cache", st)
	}
}

// /metrics counts requests, bytes, latency and cache hits and misses per layer.
func TestMetrics(t *testing.T) {
	srv := testserver.Start(t)
	l, _ := srv.Catalog.Layer("duct")
	c := tilesWithData(t, srv, l, 15, 1)[0]
	for i := 0; i < 3; i++ {
		get(t, tileURL(srv, "WebMercatorQuad", "duct", c[0], c[1], c[2]))
	}
	get(t, tileURL(srv, "WebMercatorQuad", "networks", c[0], c[1], c[2]))
	get(t, tileURL(srv, "WebMercatorQuad", "duct,route", c[0], c[1], c[2]))
	resp := get(t, srv.URL+"/metrics")
	if resp.status != http.StatusOK {
		t.Fatalf("/metrics status %d", resp.status)
	}
	body := string(resp.body)
	value := func(series string) float64 {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Errorf("/metrics lacks %s", series)
			return 0
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	for series, want := range map[string]float64{
		`fourreau_tile_requests_total{layer="duct",status="200"}`:     3,
		`fourreau_tile_requests_total{layer="networks",status="200"}`: 1,
		`fourreau_tile_requests_total{layer="(list)",status="200"}`:   1,
		`fourreau_tile_cache_misses_total{layer="duct"}`:              1,
		`fourreau_tile_cache_hits_total{layer="duct"}`:                2,
		`fourreau_tile_request_duration_seconds_count{layer="duct"}`:  3,
		`fourreau_tile_change_listener_up`:                            1,
	} {
		if got := value(series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if v := value(`fourreau_tile_response_bytes_total{layer="duct"}`); v <= 0 {
		t.Errorf("no tile bytes counted: %v", v)
	}
	if !strings.Contains(body, "go_goroutines") {
		t.Error("/metrics lacks the Go runtime metrics")
	}
}

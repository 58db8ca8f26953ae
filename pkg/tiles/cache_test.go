package tiles

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEntryRoundTrip(t *testing.T) {
	raw := bytes.Repeat([]byte("layer bytes "), 100)
	e := newEntry(raw)
	v, err := e.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeEntry(v)
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != e.ETag || len(got.ETag) != etagDigits {
		t.Errorf("ETag %q, want %q", got.ETag, e.ETag)
	}
	if !bytes.Equal(got.Raw, raw) {
		t.Error("the decoded entry does not hold the tile uncompressed")
	}
	zipped, err := got.gzipped()
	if err != nil {
		t.Fatal(err)
	}
	unzipped := &entry{ETag: got.ETag, Gzip: zipped}
	if back, err := unzipped.raw(); err != nil || !bytes.Equal(back, raw) {
		t.Errorf("the decoded entry's compressed tile does not decompress to the tile: %v", err)
	}

	// A value of the format that held the compressed tile only.
	old, err := decodeEntry(append([]byte(entryMagicGzipOnly+e.ETag), zipped...))
	if err != nil {
		t.Fatal(err)
	}
	if back, err := old.raw(); err != nil || !bytes.Equal(back, raw) {
		t.Errorf("a value of the previous format does not give the tile back: %v", err)
	}
	if _, err := decodeEntry(append([]byte(entryMagic+e.ETag), 0, 0, 0xff, 0xff, 1, 2)); err == nil {
		t.Error("a value with a compressed length past its end was decoded")
	}
	if newEntry(append(raw, 'x')).ETag == e.ETag {
		t.Error("two different tiles have the same ETag")
	}

	empty, err := newEntry(nil).encode()
	if err != nil {
		t.Fatal(err)
	}
	if e, err := decodeEntry(empty); err != nil || !e.empty() {
		t.Errorf("empty tile: %+v %v", e, err)
	}
	if _, err := decodeEntry([]byte("junk")); err == nil {
		t.Error("a value without the entry header was decoded")
	}
}

func TestETagMatches(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{`"abc"`, true}, {`W/"abc"`, true}, {`"x", "abc"`, true}, {`*`, true},
		{``, false}, {`"abc-gzip"`, false}, {`"ab"`, false},
	} {
		if got := etagMatches(tc.header, `"abc"`); got != tc.want {
			t.Errorf("If-None-Match %s: %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip": true, "gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "GZIP": true,
		"": false, "deflate": false, "gzip;q=0": false, "identity": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", header, got, want)
		}
	}
}

// testCache checks the behaviour every Cache implementation shares.
func testCache(t *testing.T, c Cache) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := func(set string, z, x, y int) Key { return Key{TMS: "WebMercatorQuad", Set: set, Z: z, X: x, Y: y} }
	value := func(k Key) []byte { return []byte("tile " + k.String()) }

	var keys []Key
	for _, set := range []string{"duct", "route", "duct,route", "networks"} {
		for x := 10; x < 14; x++ {
			for y := 20; y < 24; y++ {
				keys = append(keys, key(set, 15, x, y))
			}
		}
		keys = append(keys, key(set, 3, 1, 2))
	}
	for _, k := range keys {
		if err := c.Set(ctx, k, value(k)); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	for _, k := range keys {
		v, ok, err := c.Get(ctx, k)
		if err != nil || !ok || !bytes.Equal(v, value(k)) {
			t.Fatalf("get %s: %q %v %v", k, v, ok, err)
		}
	}
	if _, ok, err := c.Get(ctx, key("duct", 15, 99, 99)); ok || err != nil {
		t.Errorf("a tile never stored was found: %v %v", ok, err)
	}

	// Drop the tiles of sets holding duct in x 11..12, y 21..23 at zoom 15.
	hasDuct := func(set string) bool { return set == "duct" || set == "duct,route" || set == "networks" }
	ranges := []TileRange{{Z: 15, MinX: 11, MinY: 21, MaxX: 12, MaxY: 23}, {Z: 7, MaxX: 127, MaxY: 127}}
	n, err := c.Invalidate(ctx, "WebMercatorQuad", hasDuct, ranges)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * 2 * 3; n != want {
		t.Errorf("invalidated %d tiles, want %d", n, want)
	}
	for _, k := range keys {
		_, ok, err := c.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		dropped := hasDuct(k.Set) && ranges[0].Contains(k.Z, k.X, k.Y)
		if ok == dropped {
			t.Errorf("%s: present %v after the invalidation", k, ok)
		}
	}

	// A range larger than a few tiles takes the other path of the file backend.
	n, err = c.Invalidate(ctx, "WebMercatorQuad", func(set string) bool { return set == "route" }, []TileRange{{Z: 15, MinX: 0, MinY: 0, MaxX: 1000, MaxY: 22}})
	if err != nil {
		t.Fatal(err)
	}
	if want := 4 * 3; n != want {
		t.Errorf("invalidated %d route tiles in a large range, want %d", n, want)
	}
	if _, ok, _ := c.Get(ctx, key("route", 15, 13, 23)); !ok {
		t.Error("a route tile outside the large range was deleted")
	}
	if n, err := c.Invalidate(ctx, "Lambert93Quad", hasDuct, ranges); n != 0 || err != nil {
		t.Errorf("invalidating another tile matrix set: %d %v", n, err)
	}

	if err := c.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, ok, err := c.Get(ctx, k); ok || err != nil {
			t.Errorf("%s found after Clear: %v %v", k, ok, err)
		}
	}
	k := key("duct", 15, 10, 20)
	if err := c.Set(ctx, k, value(k)); err != nil {
		t.Fatalf("set after Clear: %v", err)
	}
	if _, ok, _ := c.Get(ctx, k); !ok {
		t.Error("a tile stored after Clear is missing")
	}
}

func TestFileCache(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "not-a-tile.txt")
	if err := os.WriteFile(other, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := NewFileCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	testCache(t, c)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("Clear deleted a file that is not the cache's: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), trashPrefix) {
			t.Errorf("%s left after Close", e.Name())
		}
	}
}

func TestRedisCache(t *testing.T) {
	url := redisURL(t)
	ctx := context.Background()
	prefix := "fourreau-test:" + t.Name() + ":"
	c, err := NewRedisCache(ctx, url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Another cache's keys, under another prefix, must survive Clear.
	other, err := NewRedisCache(ctx, url, "fourreau-test:other:")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	k := Key{TMS: "WebMercatorQuad", Set: "duct", Z: 1, X: 0, Y: 0}
	if err := other.Set(ctx, k, []byte("other")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Clear(context.Background()) })

	testCache(t, c)
	if v, ok, err := other.Get(ctx, k); !ok || err != nil || string(v) != "other" {
		t.Errorf("Clear of one prefix deleted another's key: %q %v %v", v, ok, err)
	}
}

func TestGuardStale(t *testing.T) {
	s := &Service{}
	duct := &tileLayer{layer: newLayer("duct")}
	route := &tileLayer{layer: newLayer("route")}
	ductSet := &layerSet{id: "duct", layers: []*tileLayer{duct}}
	routeSet := &layerSet{id: "route", layers: []*tileLayer{route}}
	both := &layerSet{id: "networks", layers: []*tileLayer{route, duct}}
	key := Key{TMS: "WebMercatorQuad", Z: 15, X: 10, Y: 20}

	since := s.guard.currentEpoch()
	if s.guard.stale(since, key, ductSet) {
		t.Error("stale without any invalidation")
	}
	s.guard.mu.Lock()
	s.guard.record(invalidation{layers: map[string]bool{"duct": true},
		ranges: map[string][]TileRange{"WebMercatorQuad": {{Z: 15, MinX: 9, MinY: 19, MaxX: 11, MaxY: 21}}}})
	s.guard.mu.Unlock()
	if !s.guard.stale(since, key, ductSet) || !s.guard.stale(since, key, both) {
		t.Error("a tile of duct invalidated during its build is not stale")
	}
	if s.guard.stale(since, key, routeSet) {
		t.Error("a route tile is stale after an invalidation of duct")
	}
	if s.guard.stale(since, Key{TMS: "WebMercatorQuad", Z: 15, X: 30, Y: 20}, ductSet) {
		t.Error("a duct tile outside the invalidated range is stale")
	}
	if s.guard.stale(since, Key{TMS: "Lambert93Quad", Z: 15, X: 10, Y: 20}, ductSet) {
		t.Error("a tile of another tile matrix set is stale")
	}
	if s.guard.stale(s.guard.currentEpoch(), key, ductSet) {
		t.Error("a build started after the invalidation is stale")
	}

	// Once the log has dropped the invalidations since a build started, the build's
	// tile is stale whatever it holds.
	old := s.guard.currentEpoch()
	for i := 0; i < invalidationLogSize+1; i++ {
		s.guard.mu.Lock()
		s.guard.record(invalidation{layers: map[string]bool{"other": true}})
		s.guard.mu.Unlock()
	}
	if !s.guard.stale(old, key, routeSet) {
		t.Error("a build older than the log is not stale")
	}
	s.guard.mu.Lock()
	s.guard.record(invalidation{all: true})
	s.guard.mu.Unlock()
	if !s.guard.stale(s.guard.currentEpoch()-1, key, routeSet) {
		t.Error("a build that a Clear overtook is not stale")
	}
}

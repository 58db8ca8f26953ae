package tiles_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/encoding/mvt/vectortile"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/tiles"
)

// response is a read HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends a GET with the given headers (name, value, name, value...).
func get(t *testing.T, url string, headers ...string) response {
	t.Helper()
	return do(t, http.MethodGet, url, headers...)
}

func do(t *testing.T, method, url string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	// A transport without automatic decompression shows the bytes as sent.
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// tileURL returns the URL of a tile in the long form.
func tileURL(srv *testserver.Server, tms, set string, z, x, y int) string {
	return fmt.Sprintf("%s/tiles/%s/%s/%d/%d/%d.mvt", srv.URL, tms, set, z, x, y)
}

// decodedTile is a tile read twice: with orb for geometries and as protobuf messages
// for the value types, which orb's decoder turns into float64.
type decodedTile struct {
	layers map[string]*mvt.Layer
	raw    map[string]*vectortile.Tile_Layer
	order  []string
}

// fetchTile requests a tile (without gzip) and decodes it; a 204 gives an empty tile.
func fetchTile(t *testing.T, url string) (decodedTile, response) {
	t.Helper()
	resp := get(t, url)
	if resp.status != http.StatusOK && resp.status != http.StatusNoContent {
		t.Fatalf("GET %s: status %d: %s", url, resp.status, resp.body)
	}
	return decodeTile(t, resp.body), resp
}

func decodeTile(t *testing.T, body []byte) decodedTile {
	t.Helper()
	d := decodedTile{layers: map[string]*mvt.Layer{}, raw: map[string]*vectortile.Tile_Layer{}}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	var pb vectortile.Tile
	if err := pb.XXX_Unmarshal(body); err != nil {
		t.Fatalf("decode tile protobuf: %v", err)
	}
	if len(pb.Layers) != len(layers) {
		t.Fatalf("decoders disagree: %d and %d layers", len(pb.Layers), len(layers))
	}
	for i, l := range layers {
		if _, dup := d.layers[l.Name]; dup {
			t.Errorf("layer %s appears twice in the tile", l.Name)
		}
		d.layers[l.Name] = l
		d.raw[l.Name] = pb.Layers[i]
		d.order = append(d.order, l.Name)
	}
	return d
}

// gunzip decompresses a body.
func gunzip(t *testing.T, body []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// typedValue is a tag value of a feature with its MVT value type.
type typedValue struct {
	kind  string // string, float, double, int, uint, sint or bool
	value any
}

// featureTags returns the tags of feature i of a layer with their value types.
func featureTags(l *vectortile.Tile_Layer, i int) map[string]typedValue {
	out := map[string]typedValue{}
	tags := l.Features[i].Tags
	for j := 0; j+1 < len(tags); j += 2 {
		v := l.Values[tags[j+1]]
		var tv typedValue
		switch {
		case v.StringValue != nil:
			tv = typedValue{"string", *v.StringValue}
		case v.FloatValue != nil:
			tv = typedValue{"float", float64(*v.FloatValue)}
		case v.DoubleValue != nil:
			tv = typedValue{"double", *v.DoubleValue}
		case v.IntValue != nil:
			tv = typedValue{"int", *v.IntValue}
		case v.UintValue != nil:
			tv = typedValue{"uint", int64(*v.UintValue)}
		case v.SintValue != nil:
			tv = typedValue{"sint", *v.SintValue}
		case v.BoolValue != nil:
			tv = typedValue{"bool", *v.BoolValue}
		}
		out[l.Keys[tags[j]]] = tv
	}
	return out
}

// toCRS converts a point in tile units (y down) to the CRS of the tile matrix set.
func toCRS(p orb.Point, b orb.Bound, extent float64) orb.Point {
	unit := (b.Max[0] - b.Min[0]) / extent
	return orb.Point{b.Min[0] + p[0]*unit, b.Max[1] - p[1]*unit}
}

// geometryToCRS converts a decoded geometry from tile units to the CRS.
func geometryToCRS(g orb.Geometry, b orb.Bound, extent float64) orb.Geometry {
	conv := func(ls []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ls))
		for i, p := range ls {
			out[i] = toCRS(p, b, extent)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return toCRS(g, b, extent)
	case orb.MultiPoint:
		return orb.MultiPoint(conv(g))
	case orb.LineString:
		return orb.LineString(conv(g))
	case orb.MultiLineString:
		out := orb.MultiLineString{}
		for _, ls := range g {
			out = append(out, conv(ls))
		}
		return out
	case orb.Polygon:
		out := orb.Polygon{}
		for _, r := range g {
			out = append(out, conv(r))
		}
		return out
	case orb.MultiPolygon:
		out := orb.MultiPolygon{}
		for _, p := range g {
			pp := orb.Polygon{}
			for _, r := range p {
				pp = append(pp, conv(r))
			}
			out = append(out, pp)
		}
		return out
	}
	return g
}

// allPoints returns every vertex of a geometry.
func allPoints(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.MultiPoint:
		out = append(out, g...)
	case orb.LineString:
		out = append(out, g...)
	case orb.MultiLineString:
		for _, ls := range g {
			out = append(out, ls...)
		}
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				out = append(out, r...)
			}
		}
	}
	return out
}

// webMercatorTile returns the WebMercatorQuad tile at zoom z holding a point given in
// EPSG:3857.
func webMercatorTile(z int, p orb.Point) (x, y int) {
	tms := tiles.WebMercatorQuad()
	r, _ := tms.Range(z, orb.Bound{Min: p, Max: p}, 0)
	return r.MaxX, r.MaxY
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

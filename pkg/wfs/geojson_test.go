package wfs_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// startSampleTable publishes wfstest.sample as the type sample: three Lambert-93 lines
// with a column of each kind, fixed values and NULLs, so that outputs can be compared
// value by value and with golden files.
func startSampleTable(t *testing.T, opts ...testserver.Option) *testserver.Server {
	t.Helper()
	pool := testdb.MigratedPool(t)
	createTable(t, pool, "sample", `label text, small smallint, count integer, big bigint, ratio double precision,
		depth numeric(6,2), active boolean, laid_on date, checked_at timestamptz, geom geometry(LineString, 2154) NOT NULL`,
		`(label, small, count, big, ratio, depth, active, laid_on, checked_at, geom) VALUES
		('Fourreau <A> & "B"', 3, 42, 9007199254740993, 0.125, 1.50, true, '2024-03-01', '2024-03-01 10:30:00+01',
			ST_GeomFromText('LINESTRING(652000.1234 6862000.5678, 652010 6862005, 652020.5 6862010.25)', 2154)),
		('Câble été', -1, 0, -5, -2.5e-3, 0.05, false, '1999-12-31', '1999-12-31 23:59:59.5+00',
			ST_GeomFromText('LINESTRING(653000 6863000, 653100 6863100)', 2154)),
		(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
			ST_GeomFromText('LINESTRING(654000 6864000, 654000.0004 6864100.0006)', 2154))`)
	layer := config.LayerConfig{Name: "sample", Title: "Sample lines", Abstract: "Fixed rows for the protocol tests.",
		Table: testSchema + ".sample", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "LineString"}
	return start(t, append(opts, testserver.WithLayers(layer))...)
}

// featureCollection is a GeoJSON feature collection as the server writes it.
type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		Type     string `json:"type"`
		ID       string `json:"id"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	NumberMatched  *int64 `json:"numberMatched"`
	NumberReturned *int64 `json:"numberReturned"`
	Links          []struct {
		Rel  string `json:"rel"`
		Type string `json:"type"`
		Href string `json:"href"`
	} `json:"links"`
}

// flatCoordinates returns the numbers of a GeoJSON coordinates member in order.
func flatCoordinates(t *testing.T, raw json.RawMessage) []float64 {
	t.Helper()
	var out []float64
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case float64:
			out = append(out, v)
		case []any:
			for _, item := range v {
				walk(item)
			}
		default:
			t.Fatalf("unexpected coordinate value %v", v)
		}
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("coordinates %s: %v", raw, err)
	}
	walk(v)
	return out
}

func TestGeoJSON_LonLatWhateverSRSName(t *testing.T) {
	layer := pointLayer4326(t)
	srv := start(t, layer.opts...)
	id, lon, lat := firstPoint(t, srv.Pool, layer.table)
	for _, srsName := range []string{"", "urn:ogc:def:crs:EPSG::4326", "http://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4326", "CRS:84"} {
		for _, format := range []string{"application/json", "application/geo+json"} {
			t.Run(srsName+" "+format, func(t *testing.T) {
				var fc featureCollection
				decodeJSON(t, get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:"+layer.name,
					"RESOURCEID", fmt.Sprintf("%s.%d", layer.name, id), "SRSNAME", srsName, "OUTPUTFORMAT", format)), &fc)
				if len(fc.Features) != 1 {
					t.Fatalf("got %d features, want 1", len(fc.Features))
				}
				expectPositions(t, "coordinates", flatCoordinates(t, fc.Features[0].Geometry.Coordinates), []float64{lon, lat}, 7)
			})
		}
	}

	t.Run("projected layer", func(t *testing.T) {
		ids := firstIDs(t, srv, "duct", "netdata.duct", 1)
		key, _ := strconv.ParseInt(strings.TrimPrefix(ids[0], "duct."), 10, 64)
		want := wktPositions(t, srv.Pool, "netdata.duct", key, 4326)
		var fc featureCollection
		decodeJSON(t, get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:duct",
			"RESOURCEID", ids[0], "SRSNAME", "urn:ogc:def:crs:EPSG::4326", "OUTPUTFORMAT", "application/geo+json")), &fc)
		if len(fc.Features) != 1 {
			t.Fatalf("got %d features, want 1", len(fc.Features))
		}
		expectPositions(t, "coordinates", flatCoordinates(t, fc.Features[0].Geometry.Coordinates), want, 7)
	})
}

func TestGeoJSON_TypesAndNulls(t *testing.T) {
	srv := startSampleTable(t)
	var fc featureCollection
	decodeJSON(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:sample&OUTPUTFORMAT=application/json"), &fc)
	if fc.Type != "FeatureCollection" || len(fc.Features) != 3 {
		t.Fatalf("got a %q with %d features, want a FeatureCollection of 3", fc.Type, len(fc.Features))
	}
	first := fc.Features[0].Properties
	want := map[string]any{
		"label": `Fourreau <A> & "B"`, "small": 3.0, "count": 42.0, "ratio": 0.125, "depth": 1.5,
		"active": true, "laid_on": "2024-03-01",
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %#v, want %#v", k, first[k], v)
		}
	}
	if ts, _ := first["checked_at"].(string); !strings.HasPrefix(ts, "2024-03-01T09:30:00") {
		t.Errorf("checked_at = %#v, want 2024-03-01T09:30:00 in UTC", first["checked_at"])
	}
	if second := fc.Features[1].Properties; second["active"] != false || second["small"] != -1.0 || second["ratio"] != -0.0025 {
		t.Errorf("second feature: active %#v small %#v ratio %#v, want false, -1 and -0.0025", second["active"], second["small"], second["ratio"])
	}
	third := fc.Features[2].Properties
	for _, k := range []string{"label", "small", "count", "big", "ratio", "depth", "active", "laid_on", "checked_at"} {
		v, present := third[k]
		if !present || v != nil {
			t.Errorf("NULL %s = %#v (present %v), want null", k, v, present)
		}
	}

	// A bigint above 2^53 stays exact in the JSON text.
	var raw struct {
		Features []struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"features"`
	}
	decodeJSON(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:sample&OUTPUTFORMAT=application/json&COUNT=1"), &raw)
	if got := string(raw.Features[0].Properties["big"]); got != "9007199254740993" {
		t.Errorf("big = %s, want the exact number 9007199254740993", got)
	}
}

func TestGeoJSON_PagingLinks(t *testing.T) {
	srv := start(t)
	total := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct")
	if total < 7 {
		t.Skip("netdata.duct has fewer than 7 rows: load the demo data")
	}
	query := kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:duct", "PROPERTYNAME", "code",
		"OUTPUTFORMAT", "application/geo+json", "COUNT", "2", "STARTINDEX", "2")
	var fc featureCollection
	decodeJSON(t, get(t, srv, query), &fc)
	if fc.NumberMatched == nil || *fc.NumberMatched != total {
		t.Errorf("numberMatched = %v, want %d", fc.NumberMatched, total)
	}
	if fc.NumberReturned == nil || *fc.NumberReturned != 2 || len(fc.Features) != 2 {
		t.Errorf("numberReturned = %v with %d features, want 2", fc.NumberReturned, len(fc.Features))
	}
	want := queryStrings(t, srv.Pool, "SELECT 'duct.' || id FROM netdata.duct ORDER BY id OFFSET 2 LIMIT 2")
	for i, f := range fc.Features {
		if i < len(want) && f.ID != want[i] {
			t.Errorf("feature %d id = %q, want %q", i, f.ID, want[i])
		}
	}

	original, _ := url.ParseQuery(query)
	links := map[string]int{"next": 4, "previous": 0}
	for _, l := range fc.Links {
		start, ok := links[l.Rel]
		if !ok {
			continue
		}
		delete(links, l.Rel)
		_, got := queryOf(t, srv, l.Href)
		expectSameParameters(t, l.Href, original, got, start, 2)
		if l.Type == "" {
			t.Errorf("link %s has no type", l.Rel)
		}
	}
	for rel := range links {
		t.Errorf("no %s link in %+v", rel, fc.Links)
	}

	t.Run("last page", func(t *testing.T) {
		var last featureCollection
		decodeJSON(t, get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:duct",
			"PROPERTYNAME", "code", "OUTPUTFORMAT", "application/json", "COUNT", "5", "STARTINDEX", strconv.FormatInt(total-3, 10))), &last)
		if len(last.Features) != 3 || last.NumberMatched == nil || *last.NumberMatched != total {
			t.Errorf("last page: %d features, numberMatched %v, want 3 and %d", len(last.Features), last.NumberMatched, total)
		}
		for _, l := range last.Links {
			if l.Rel == "next" {
				t.Errorf("the last page links a next page: %s", l.Href)
			}
		}
	})
}

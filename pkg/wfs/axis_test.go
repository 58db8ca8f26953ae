package wfs_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/jackc/pgx/v5/pgxpool"
)

// firstPoint returns the id and the longitude and latitude of the point with the
// smallest id in a layer table.
func firstPoint(t *testing.T, pool *pgxpool.Pool, table string) (id int64, lon, lat float64) {
	t.Helper()
	id = queryInt(t, pool, "SELECT min(id) FROM "+table)
	p := wktPositions(t, pool, table, id, 4326)
	return id, p[0], p[1]
}

// geometryOf returns the geometry element inside the geometry property of the first
// feature of the given type.
func geometryOf(t *testing.T, root *node, typeName string) *node {
	t.Helper()
	f := root.first(nsNet, typeName)
	if f == nil {
		t.Fatalf("response has no %s feature", typeName)
	}
	prop := f.child(nsNet, "geom")
	if prop == nil || len(prop.Nodes) != 1 {
		t.Fatalf("feature %s has no geometry property with one geometry", typeName)
	}
	return prop.Nodes[0]
}

func TestSRSName_SpellingsAndAxisOrder(t *testing.T) {
	layer := pointLayer4326(t)
	srv := start(t, layer.opts...)
	id, lon, lat := firstPoint(t, srv.Pool, layer.table)
	lonLat := []float64{lon, lat}

	cases := []struct {
		version, srsName string
		latFirst         bool
		// written is the srsName the geometry must carry.
		written string
	}{
		{"2.0.0", "EPSG:4326", false, "EPSG:4326"},
		{"2.0.0", "http://www.opengis.net/gml/srs/epsg.xml#4326", false, "http://www.opengis.net/gml/srs/epsg.xml#4326"},
		{"2.0.0", "urn:x-ogc:def:crs:EPSG:4326", true, "urn:x-ogc:def:crs:EPSG:4326"},
		{"2.0.0", "urn:ogc:def:crs:EPSG::4326", true, "urn:ogc:def:crs:EPSG::4326"},
		{"2.0.0", "http://www.opengis.net/def/crs/EPSG/0/4326", true, "http://www.opengis.net/def/crs/EPSG/0/4326"},
		{"2.0.0", "CRS:84", false, "urn:ogc:def:crs:OGC:1.3:CRS84"},
		{"2.0.0", "urn:ogc:def:crs:OGC:1.3:CRS84", false, "urn:ogc:def:crs:OGC:1.3:CRS84"},
		{"1.1.0", "EPSG:4326", false, "EPSG:4326"},
		{"1.1.0", "urn:x-ogc:def:crs:EPSG:4326", true, "urn:x-ogc:def:crs:EPSG:4326"},
		{"1.1.0", "urn:ogc:def:crs:EPSG::4326", true, "urn:ogc:def:crs:EPSG::4326"},
		{"1.1.0", "CRS:84", false, "urn:ogc:def:crs:OGC:1.3:CRS84"},
		// WFS 1.0 always writes x/y, so it names the CRS in a spelling that implies x/y.
		{"1.0.0", "EPSG:4326", false, "EPSG:4326"},
		{"1.0.0", "urn:ogc:def:crs:EPSG::4326", false, "http://www.opengis.net/gml/srs/epsg.xml#4326"},
		{"1.0.0", "http://www.opengis.net/def/crs/EPSG/0/4326", false, "http://www.opengis.net/gml/srs/epsg.xml#4326"},
	}
	for _, c := range cases {
		t.Run(c.version+" "+c.srsName, func(t *testing.T) {
			r := get(t, srv, getFeature(c.version, layer.name,
				idParam(c.version), layer.name+"."+strconv.FormatInt(id, 10), "SRSNAME", c.srsName))
			root := expectOK(t, r)
			g := geometryOf(t, root, layer.name)
			if got, _ := g.attr("srsName"); got != c.written {
				t.Errorf("geometry srsName = %q, want %q", got, c.written)
			}
			want := lonLat
			if c.latFirst {
				want = swapPairs(lonLat)
			}
			expectPositions(t, "position", gmlPositions(t, g), want, 7)
		})
	}

	t.Run("unknown code", func(t *testing.T) {
		for _, version := range []string{"2.0.0", "1.1.0"} {
			r := get(t, srv, getFeature(version, layer.name, "SRSNAME", "EPSG:999999"))
			expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "srsName")
		}
	})
	t.Run("unknown spelling", func(t *testing.T) {
		r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature",
			"TYPENAMES", "net:"+layer.name, "SRSNAME", "urn:ogc:def:crs:XYZ::4326"))
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "srsName")
	})
}

func TestAxisOrder_ProjectedNorthingFirst(t *testing.T) {
	// EPSG:3035 (ETRS89 / LAEA Europe) lists northing before easting.
	layer := pointLayer4326(t)
	srv := start(t, layer.opts...)
	id, _, _ := firstPoint(t, srv.Pool, layer.table)
	eastNorth := wktPositions(t, srv.Pool, layer.table, id, 3035)

	for _, c := range []struct {
		srsName       string
		northingFirst bool
	}{
		{"urn:ogc:def:crs:EPSG::3035", true},
		{"http://www.opengis.net/def/crs/EPSG/0/3035", true},
		{"EPSG:3035", false},
	} {
		t.Run(c.srsName, func(t *testing.T) {
			r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature",
				"TYPENAMES", "net:"+layer.name, "RESOURCEID", fmt.Sprintf("%s.%d", layer.name, id), "SRSNAME", c.srsName))
			g := geometryOf(t, expectOK(t, r), layer.name)
			want := eastNorth
			if c.northingFirst {
				want = swapPairs(eastNorth)
			}
			expectPositions(t, "position", gmlPositions(t, g), want, 3)
		})
	}
}

// bboxIDs returns the ids of the features a BBOX request returns.
func bboxIDs(t *testing.T, srv *testserver.Server, version, typeName string, params ...string) []string {
	t.Helper()
	root := expectOK(t, get(t, srv, getFeature(version, typeName, append([]string{"PROPERTYNAME", "geom"}, params...)...)))
	return featureIDs(root, typeName)
}

func TestAxisOrder_BBoxFollowsCRS(t *testing.T) {
	layer := pointLayer4326(t)
	srv := start(t, layer.opts...)
	id, lon, lat := firstPoint(t, srv.Pool, layer.table)
	if abs(lon-lat) < 0.01 {
		t.Fatalf("the first point (%v, %v) lies on the diagonal, so a swapped box would still hold it", lon, lat)
	}
	fid := fmt.Sprintf("%s.%d", layer.name, id)
	const d = 0.0001
	box := func(a, b float64, suffix string) string {
		return fmt.Sprintf("%.7f,%.7f,%.7f,%.7f%s", a-d, b-d, a+d, b+d, suffix)
	}

	cases := []struct {
		name, version, bbox string
		found               bool
	}{
		{"2.0 URN lat/lon", "2.0.0", box(lat, lon, ",urn:ogc:def:crs:EPSG::4326"), true},
		{"2.0 URN lon/lat", "2.0.0", box(lon, lat, ",urn:ogc:def:crs:EPSG::4326"), false},
		{"2.0 http lat/lon", "2.0.0", box(lat, lon, ",http://www.opengis.net/def/crs/EPSG/0/4326"), true},
		{"2.0 EPSG lon/lat", "2.0.0", box(lon, lat, ",EPSG:4326"), true},
		{"2.0 CRS84 lon/lat", "2.0.0", box(lon, lat, ",urn:ogc:def:crs:OGC:1.3:CRS84"), true},
		{"2.0 native lon/lat", "2.0.0", box(lon, lat, ""), true},
		{"1.1 URN lat/lon", "1.1.0", box(lat, lon, ",urn:ogc:def:crs:EPSG::4326"), true},
		{"1.1 URN lon/lat", "1.1.0", box(lon, lat, ",urn:ogc:def:crs:EPSG::4326"), false},
		{"1.0 lon/lat", "1.0.0", box(lon, lat, ""), true},
		{"1.0 lat/lon", "1.0.0", box(lat, lon, ""), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ids := bboxIDs(t, srv, c.version, layer.name, "BBOX", c.bbox)
			if got := slices.Contains(ids, fid); got != c.found {
				t.Errorf("BBOX=%s: %s returned = %v, want %v (ids %v)", c.bbox, fid, got, c.found, ids)
			}
		})
	}

	t.Run("srsName sets the box order", func(t *testing.T) {
		// Without a CRS in BBOX, the box is read in the query's srsName.
		ids := bboxIDs(t, srv, "2.0.0", layer.name, "BBOX", box(lat, lon, ""), "SRSNAME", "urn:ogc:def:crs:EPSG::4326")
		if !slices.Contains(ids, fid) {
			t.Errorf("BBOX in lat/lon with SRSNAME in URN form misses %s (ids %v)", fid, ids)
		}
	})
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestAxisOrder_CapabilitiesLonLat(t *testing.T) {
	layer := pointLayer4326(t)
	srv := start(t, layer.opts...)
	var minLon, minLat, maxLon, maxLat float64
	err := srv.Pool.QueryRow(t.Context(), "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM "+layer.table+") x").
		Scan(&minLon, &minLat, &maxLon, &maxLat)
	if err != nil {
		t.Fatalf("extent of %s: %v", layer.table, err)
	}

	for _, version := range []string{"2.0.0", "1.1.0"} {
		t.Run(version, func(t *testing.T) {
			root := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION="+version))
			space := nsWFS20
			owsNS := nsOWS11
			if version == "1.1.0" {
				space, owsNS = nsWFS, nsOWS10
			}
			var box *node
			for _, ft := range root.all(space, "FeatureType") {
				if name := ft.child(space, "Name"); name != nil && name.Text == "net:"+layer.name {
					box = ft.child(owsNS, "WGS84BoundingBox")
				}
			}
			if box == nil {
				t.Fatalf("no WGS84BoundingBox for net:%s", layer.name)
			}
			lower := numbers(t, box.child(owsNS, "LowerCorner").Text)
			upper := numbers(t, box.child(owsNS, "UpperCorner").Text)
			expectPositions(t, "LowerCorner", lower, []float64{minLon, minLat}, 6)
			expectPositions(t, "UpperCorner", upper, []float64{maxLon, maxLat}, 6)
		})
	}
	t.Run("1.0.0", func(t *testing.T) {
		root := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION=1.0.0"))
		for _, ft := range root.all(nsWFS, "FeatureType") {
			if name := ft.child(nsWFS, "Name"); name == nil || name.Text != "net:"+layer.name {
				continue
			}
			b := ft.child(nsWFS, "LatLongBoundingBox")
			if b == nil {
				t.Fatalf("no LatLongBoundingBox for net:%s", layer.name)
			}
			var got []float64
			for _, a := range []string{"minx", "miny", "maxx", "maxy"} {
				v, _ := b.attr(a)
				got = append(got, numbers(t, v)...)
			}
			expectPositions(t, "LatLongBoundingBox", got, []float64{minLon, minLat, maxLon, maxLat}, 6)
			return
		}
		t.Fatalf("no FeatureType net:%s in the 1.0.0 capabilities", layer.name)
	})
}

func TestAxisOrder_ProjectedLayerInDegrees(t *testing.T) {
	// A Lambert-93 layer asked in EPSG:4326: latitude first in URN form, and the
	// positions equal PostGIS's own transformation.
	srv := start(t)
	ids := queryStrings(t, srv.Pool, "SELECT id::text FROM netdata.duct ORDER BY id LIMIT 1")
	if len(ids) == 0 {
		t.Skip("netdata.duct is empty: load the demo data")
	}
	id, _ := strconv.ParseInt(ids[0], 10, 64)
	lonLat := wktPositions(t, srv.Pool, "netdata.duct", id, 4326)
	for _, c := range []struct {
		srsName  string
		latFirst bool
	}{
		{"urn:ogc:def:crs:EPSG::4326", true},
		{"EPSG:4326", false},
	} {
		t.Run(c.srsName, func(t *testing.T) {
			r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature",
				"TYPENAMES", "net:duct", "RESOURCEID", "duct."+ids[0], "SRSNAME", c.srsName))
			want := lonLat
			if c.latFirst {
				want = swapPairs(lonLat)
			}
			expectPositions(t, "positions", gmlPositions(t, geometryOf(t, expectOK(t, r), "duct")), want, 7)
		})
	}
}

package wfs_test

import (
	"strconv"
	"testing"
)

func TestCoordinates_EqualDatabase(t *testing.T) {
	// For a few features of each geometry type, the positions of every GML version equal
	// ST_Transform in PostGIS, to the rounding the server applies: 3 decimals in metres,
	// 7 in degrees.
	srv := start(t)
	type sample struct {
		typeName, table string
		key             int64
	}
	var samples []sample
	for _, l := range []struct{ typeName, table string }{
		{"duct", "netdata.duct"}, {"technical_point", "netdata.technical_point"}, {"planned_works", "netdata.planned_works"},
	} {
		// The first, the middle and the last feature.
		keys := queryStrings(t, srv.Pool, `SELECT id::text FROM (
			SELECT id, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS total FROM `+l.table+`) x
			WHERE n IN (1, (total + 1) / 2, total) ORDER BY id`)
		if len(keys) == 0 {
			t.Fatalf("%s is empty: load the demo data", l.table)
		}
		for _, k := range keys {
			key, _ := strconv.ParseInt(k, 10, 64)
			samples = append(samples, sample{l.typeName, l.table, key})
		}
	}

	cases := []struct {
		name, version, srsName string
		srid, decimals         int
		latFirst               bool
	}{
		{"2.0 native", "2.0.0", "", 2154, 3, false},
		{"2.0 URN 4326", "2.0.0", "urn:ogc:def:crs:EPSG::4326", 4326, 7, true},
		{"2.0 EPSG 4326", "2.0.0", "EPSG:4326", 4326, 7, false},
		{"2.0 Web Mercator", "2.0.0", "urn:ogc:def:crs:EPSG::3857", 3857, 3, false},
		{"2.0 CC49", "2.0.0", "http://www.opengis.net/def/crs/EPSG/0/3949", 3949, 3, false},
		{"1.1 native", "1.1.0", "", 2154, 3, false},
		{"1.1 URN 4326", "1.1.0", "urn:ogc:def:crs:EPSG::4326", 4326, 7, true},
		{"1.0 native", "1.0.0", "", 2154, 3, false},
		{"1.0 EPSG 4326", "1.0.0", "EPSG:4326", 4326, 7, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range samples {
				id := s.typeName + "." + strconv.FormatInt(s.key, 10)
				r := get(t, srv, getFeature(c.version, s.typeName, idParam(c.version), id, "SRSNAME", c.srsName, "PROPERTYNAME", "geom"))
				got := gmlPositions(t, geometryOf(t, expectOK(t, r), s.typeName))
				want := wktPositions(t, srv.Pool, s.table, s.key, c.srid)
				if c.latFirst {
					want = swapPairs(want)
				}
				expectPositions(t, id, got, want, c.decimals)
			}
		})
	}
}

package wfs_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
)

// Clients zoomed out to the whole world send a box from pole to pole; it selects every
// feature of a layer in a projected CRS instead of failing to reproject.
func TestGetFeature_WorldBBox(t *testing.T) {
	srv := start(t)
	all := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct")
	for _, bbox := range []string{"-90,-180,90,180,urn:ogc:def:crs:EPSG::4326", "-180,-90,180,90,CRS:84", "-180,-90,180,90,EPSG:4326",
		"-360,-180,360,180,EPSG:4326", "-540,-90,540,90,CRS:84"} {
		r := get(t, srv, getFeature("2.0.0", "duct", "RESULTTYPE", "hits", "BBOX", bbox))
		root := expectOK(t, r)
		if got := intAttr(t, root, "numberMatched"); got != all {
			t.Errorf("BBOX=%s matched %d ducts, want all %d", bbox, got, all)
		}
	}
	// A box in another projected CRS keeps its values: only latitudes are bounded. The
	// box spans the middle half of the ducts' positions in EPSG:3857.
	box := queryStrings(t, srv.Pool, `SELECT concat_ws(',', percentile_cont(0.25) WITHIN GROUP (ORDER BY x), percentile_cont(0.25) WITHIN GROUP (ORDER BY y),
			percentile_cont(0.75) WITHIN GROUP (ORDER BY x), percentile_cont(0.75) WITHIN GROUP (ORDER BY y))
		FROM (SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 3857) AS p FROM netdata.duct) s) c`)[0]
	want := queryInt(t, srv.Pool, `SELECT count(*) FROM netdata.duct, (SELECT string_to_array($1, ',')::float8[] AS a) b
		WHERE ST_Intersects(geom, ST_Transform(ST_Segmentize(ST_MakeEnvelope(a[1], a[2], a[3], a[4], 3857), 100), 2154))`, box)
	if want == 0 || want == all {
		t.Fatalf("the EPSG:3857 test box %s holds %d of %d ducts; it should hold some", box, want, all)
	}
	r := get(t, srv, getFeature("2.0.0", "duct", "RESULTTYPE", "hits", "BBOX", box+",urn:ogc:def:crs:EPSG::3857"))
	if got := intAttr(t, expectOK(t, r), "numberMatched"); got != want {
		t.Errorf("BBOX %s in EPSG:3857 matched %d ducts, want %d", box, got, want)
	}
	// A box without area in another CRS selects the ducts through that point.
	var lon, lat float64
	err := srv.Pool.QueryRow(context.Background(), `SELECT ST_X(p), ST_Y(p)
		FROM (SELECT ST_Transform(ST_StartPoint(geom), 4326) AS p FROM netdata.duct ORDER BY id LIMIT 1) s`).Scan(&lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	point := fmt.Sprintf("%.12f,%.12f,%.12f,%.12f", lon, lat, lon, lat)
	want = queryInt(t, srv.Pool, `SELECT count(*) FROM netdata.duct
		WHERE ST_Intersects(geom, ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 2154))`, fmt.Sprintf("%.12f", lon), fmt.Sprintf("%.12f", lat))
	r = get(t, srv, getFeature("2.0.0", "duct", "RESULTTYPE", "hits", "BBOX", point+",CRS:84"))
	if got := intAttr(t, expectOK(t, r), "numberMatched"); got != want {
		t.Errorf("BBOX %s (a point) matched %d ducts, want %d", point, got, want)
	}
	r = get(t, srv, getFeature("2.0.0", "duct", "BBOX", "NaN,NaN,NaN,NaN"))
	expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "bbox")
}

func TestGetFeature_TooManyQueries(t *testing.T) {
	srv := start(t)
	names := "duct"
	for i := 0; i < 150; i++ {
		names += ",duct"
	}
	r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&RESULTTYPE=hits&TYPENAMES="+names)
	expectException(t, r, http.StatusForbidden, "OperationProcessingFailed", "typeNames")
}

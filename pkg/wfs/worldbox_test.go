package wfs_test

import (
	"net/http"
	"testing"
)

// Clients zoomed out to the whole world send a box from pole to pole; it selects every
// feature of a layer in a projected CRS instead of failing to reproject.
func TestGetFeature_WorldBBox(t *testing.T) {
	srv := start(t)
	all := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct")
	for _, bbox := range []string{"-90,-180,90,180,urn:ogc:def:crs:EPSG::4326", "-180,-90,180,90,CRS:84", "-180,-90,180,90,EPSG:4326"} {
		r := get(t, srv, getFeature("2.0.0", "duct", "RESULTTYPE", "hits", "BBOX", bbox))
		root := expectOK(t, r)
		if got := intAttr(t, root, "numberMatched"); got != all {
			t.Errorf("BBOX=%s matched %d ducts, want all %d", bbox, got, all)
		}
	}
	r := get(t, srv, getFeature("2.0.0", "duct", "BBOX", "NaN,NaN,NaN,NaN"))
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

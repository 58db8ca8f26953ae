package wfs_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
)

// ductBox returns a box in Lambert-93 around the first ducts, as minx, miny, maxx, maxy,
// and how many ducts intersect it according to PostGIS.
func ductBox(t *testing.T, srv *testserver.Server) (box [4]float64, count int64) {
	t.Helper()
	err := srv.Pool.QueryRow(context.Background(), `
		SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		  FROM (SELECT ST_Extent(geom) AS e FROM (SELECT geom FROM netdata.duct ORDER BY id LIMIT 5) d) x`).
		Scan(&box[0], &box[1], &box[2], &box[3])
	if err != nil {
		t.Fatalf("extent of the first ducts: %v", err)
	}
	count = queryInt(t, srv.Pool, `SELECT count(*) FROM netdata.duct
		WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 2154))`, box[0], box[1], box[2], box[3])
	if count == 0 {
		t.Skip("netdata.duct is empty: load the demo data")
	}
	return box, count
}

// hits returns numberMatched of a WFS 2.0 hits response.
func hits(t *testing.T, r response) int64 {
	t.Helper()
	root := expectOK(t, r)
	if !root.is(nsWFS20, "FeatureCollection") {
		t.Fatalf("root is {%s}%s, want wfs:FeatureCollection", root.XMLName.Space, root.XMLName.Local)
	}
	return intAttr(t, root, "numberMatched")
}

// getFeatureXML wraps a Query body in a WFS 2.0 GetFeature document.
func getFeatureXML(attrs, query string) string {
	return `<wfs:GetFeature service="WFS" version="2.0.0" ` + attrs + ` xmlns:wfs="http://www.opengis.net/wfs/2.0"` +
		` xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:net="http://fourreau.org/net">` +
		query + `</wfs:GetFeature>`
}

func TestBBox_FilterAndKVP(t *testing.T) {
	srv := start(t)
	box, want := ductBox(t, srv)
	corners := fmt.Sprintf("<gml:lowerCorner>%f %f</gml:lowerCorner><gml:upperCorner>%f %f</gml:upperCorner>", box[0], box[1], box[2], box[3])
	envelope := `<gml:Envelope srsName="urn:ogc:def:crs:EPSG::2154">` + corners + `</gml:Envelope>`
	filter := func(inner string) string {
		return getFeatureXML(`resultType="hits"`, `<wfs:Query typeNames="net:duct"><fes:Filter><fes:BBOX>`+inner+`</fes:BBOX></fes:Filter></wfs:Query>`)
	}
	kvpBox := fmt.Sprintf("%f,%f,%f,%f", box[0], box[1], box[2], box[3])

	matched := []struct{ name, body, query string }{
		{name: "KVP with CRS", query: "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits&BBOX=" + kvpBox + ",urn:ogc:def:crs:EPSG::2154"},
		{name: "KVP without CRS", query: "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits&BBOX=" + kvpBox},
		{name: "filter without property", body: filter(envelope)},
		{name: "filter on the geometry property", body: filter("<fes:ValueReference>geom</fes:ValueReference>" + envelope)},
		{name: "filter on the prefixed geometry property", body: filter("<fes:ValueReference>net:geom</fes:ValueReference>" + envelope)},
		{name: "envelope without srsName", body: filter(`<gml:Envelope>` + corners + `</gml:Envelope>`)},
	}
	for _, c := range matched {
		t.Run(c.name, func(t *testing.T) {
			var r response
			if c.body != "" {
				r = post(t, srv, "text/xml", c.body)
			} else {
				r = get(t, srv, c.query)
			}
			if got := hits(t, r); got != want {
				t.Errorf("numberMatched = %d, want %d (PostGIS count)", got, want)
			}
		})
	}

	t.Run("KVP FILTER", func(t *testing.T) {
		f := `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"><fes:BBOX>` + envelope + `</fes:BBOX></fes:Filter>`
		r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:duct", "RESULTTYPE", "hits", "FILTER", f))
		if got := hits(t, r); got != want {
			t.Errorf("numberMatched = %d, want %d (PostGIS count)", got, want)
		}
	})

	for _, c := range []struct{ name, property string }{
		{"non-geometry property", "code"},
		{"unknown property", "nope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, srv, "text/xml", filter("<fes:ValueReference>"+c.property+"</fes:ValueReference>"+envelope))
			expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "filter")
			f := `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"><fes:BBOX><fes:ValueReference>` +
				c.property + `</fes:ValueReference>` + envelope + `</fes:BBOX></fes:Filter>`
			r = get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:duct", "FILTER", f))
			expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "filter")
		})
	}

	t.Run("inverted corners", func(t *testing.T) {
		inverted := fmt.Sprintf("%f,%f,%f,%f", box[2], box[3], box[0], box[1])
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&BBOX="+inverted)
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "bbox")
	})
	t.Run("three numbers", func(t *testing.T) {
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&BBOX=1,2,3")
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "bbox")
	})
}

func TestBBox_EnvelopeInQueryCRS(t *testing.T) {
	// An Envelope without srsName is read in the query's srsName, here EPSG:4326 in URN
	// form, so latitude first.
	layer := pointLayer4326(t)
	srv := start(t, layer.opts...)
	id, lon, lat := firstPoint(t, srv.Pool, layer.table)
	const d = 0.0001
	envelope := func(a, b float64) string {
		return fmt.Sprintf("<gml:Envelope><gml:lowerCorner>%.7f %.7f</gml:lowerCorner><gml:upperCorner>%.7f %.7f</gml:upperCorner></gml:Envelope>", a-d, b-d, a+d, b+d)
	}
	fid := fmt.Sprintf("%s.%d", layer.name, id)
	for _, c := range []struct {
		name     string
		envelope string
		found    bool
	}{
		{"lat/lon", envelope(lat, lon), true},
		{"lon/lat", envelope(lon, lat), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := getFeatureXML(`count="50"`, `<wfs:Query typeNames="net:`+layer.name+`" srsName="urn:ogc:def:crs:EPSG::4326">`+
				`<wfs:PropertyName>net:geom</wfs:PropertyName><fes:Filter><fes:BBOX>`+c.envelope+`</fes:BBOX></fes:Filter></wfs:Query>`)
			ids := featureIDs(expectOK(t, post(t, srv, "text/xml", body)), layer.name)
			if got := slices.Contains(ids, fid); got != c.found {
				t.Errorf("%s returned = %v, want %v (ids %v)", fid, got, c.found, ids)
			}
		})
	}
}

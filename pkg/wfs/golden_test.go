package wfs_test

import (
	"net/http"
	"testing"
)

// The golden files under testdata/ hold whole responses, normalised by normalise. Run
// go test ./pkg/wfs -run Golden -update to rewrite them after an intended change, and
// review the diff.

func TestGolden_Capabilities(t *testing.T) {
	srv := start(t)
	for _, version := range []string{"2.0.0", "1.1.0", "1.0.0"} {
		t.Run(version, func(t *testing.T) {
			r := get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION="+version)
			expectOK(t, r)
			golden(t, "capabilities_"+version+".xml", normalise(srv, r.body))
		})
	}
}

func TestGolden_DescribeFeatureType(t *testing.T) {
	srv := startSampleTable(t)
	cases := []struct{ file, version, format string }{
		{"describe_2.0.0.xsd", "2.0.0", ""},
		{"describe_1.1.0.xsd", "1.1.0", ""},
		{"describe_1.1.0_gml2.xsd", "1.1.0", "text/xml; subtype=gml/2.1.2"},
		{"describe_1.0.0.xsd", "1.0.0", ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", c.version, "REQUEST", "DescribeFeatureType",
				typeNamesParam(c.version), "net:sample", "OUTPUTFORMAT", c.format))
			expectOK(t, r)
			golden(t, c.file, normalise(srv, r.body))
		})
	}
}

func TestGolden_GetFeature(t *testing.T) {
	srv := startSampleTable(t)
	cases := []struct{ file, version, format, srsName string }{
		{"getfeature_gml32.xml", "2.0.0", "", ""},
		{"getfeature_gml32_4326.xml", "2.0.0", "", "urn:ogc:def:crs:EPSG::4326"},
		{"getfeature_gml311.xml", "1.1.0", "", ""},
		{"getfeature_gml2.xml", "1.0.0", "", ""},
		{"getfeature.geojson", "2.0.0", "application/geo+json", ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			r := get(t, srv, getFeature(c.version, "sample", "OUTPUTFORMAT", c.format, "SRSNAME", c.srsName))
			if r.status != http.StatusOK {
				t.Fatalf("HTTP status = %d\n%s", r.status, clip(r.body))
			}
			golden(t, c.file, normalise(srv, r.body))
		})
	}
}

func TestGolden_ExceptionReports(t *testing.T) {
	srv := start(t)
	for _, version := range []string{"2.0.0", "1.1.0", "1.0.0"} {
		t.Run(version, func(t *testing.T) {
			r := get(t, srv, "SERVICE=WFS&REQUEST=GetFeature&VERSION="+version+"&"+typeNamesParam(version)+"=net:%3Cnope%3E")
			expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", locatorOfTypeNames(version))
			golden(t, "exception_"+version+".xml", r.body)
		})
	}
}

package wfs_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/auth"
)

// allTypes lists the type names that anonymous callers may read, qualified, for a
// TYPENAMES parameter.
func allTypes(srv *testserver.Server) string {
	var names []string
	policy := auth.PolicyFromConfig(srv.Config)
	for _, l := range srv.Catalog.Layers {
		if policy.AnonymousMayRead(l.Name) {
			names = append(names, "net:"+l.Name)
		}
	}
	return strings.Join(names, ",")
}

func TestSchema_Capabilities(t *testing.T) {
	dir := ogcSchemas(t)
	srv := start(t)
	cases := []struct {
		version string
		imports []schemaImport
	}{
		{"2.0.0", wfs20Imports(t, dir)},
		{"1.1.0", wfs11Imports(dir)},
		{"1.0.0", []schemaImport{{nsWFS, dir + "/ogc/wfs/1.0.0/WFS-capabilities.xsd"}}},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			r := get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION="+c.version)
			expectOK(t, r)
			validate(t, dir, r.body, c.imports...)
		})
	}
}

func TestSchema_GetFeature(t *testing.T) {
	// Every published type in each GML version, validated against the WFS schema and
	// the application schema that DescribeFeatureType returns for the same version. The
	// test tables add a column of each kind, NULLs and names that need the NCName mapping.
	dir := ogcSchemas(t)
	srv := startSampleTable(t, testserver.WithLayers(networkTable(t)))
	types := allTypes(srv)
	cases := []struct {
		name, version, format string
		imports               []schemaImport
	}{
		{"2.0 GML 3.2", "2.0.0", "", wfs20Imports(t, dir)},
		{"1.1 GML 3.1.1", "1.1.0", "", wfs11Imports(dir)},
		{"1.1 GML 2.1.2", "1.1.0", "text/xml; subtype=gml/2.1.2", wfs10Imports(dir)},
		{"1.0 GML 2.1.2", "1.0.0", "", wfs10Imports(dir)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			param := typeNamesParam(c.version)
			dft := get(t, srv, kvp("SERVICE", "WFS", "VERSION", c.version, "REQUEST", "DescribeFeatureType", param, types, "OUTPUTFORMAT", c.format))
			expectOK(t, dft)
			r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", c.version, "REQUEST", "GetFeature", param, types,
				"COUNT", "3", "MAXFEATURES", "3", "OUTPUTFORMAT", c.format))
			root := expectOK(t, r)
			if len(root.Nodes) == 0 {
				t.Fatalf("the response holds no feature: load the demo data")
			}
			validate(t, dir, r.body, append(c.imports, appSchema(t, dft.body))...)
		})
	}

	t.Run("2.0 selected properties", func(t *testing.T) {
		// PROPERTYNAME lists the properties out of schema order and one twice.
		dft := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=net:duct")
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=3&PROPERTYNAME=geom,lifecycle_status,code,code")
		expectOK(t, r)
		validate(t, dir, r.body, append(wfs20Imports(t, dir), appSchema(t, dft.body))...)
	})
	t.Run("2.0 GetFeatureById", func(t *testing.T) {
		id := firstIDs(t, srv, "technical_point", "netdata.technical_point", 1)[0]
		dft := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=net:technical_point")
		r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "STOREDQUERY_ID", getFeatureByID, "ID", id))
		expectOK(t, r)
		validate(t, dir, r.body, append(wfs20Imports(t, dir), appSchema(t, dft.body))...)
	})
	t.Run("2.0 hits", func(t *testing.T) {
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits")
		expectOK(t, r)
		validate(t, dir, r.body, wfs20Imports(t, dir)...)
	})
	t.Run("1.1 hits", func(t *testing.T) {
		r := get(t, srv, "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=net:duct&RESULTTYPE=hits")
		expectOK(t, r)
		validate(t, dir, r.body, wfs11Imports(dir)...)
	})
}

func TestSchema_StoredQueries(t *testing.T) {
	dir := ogcSchemas(t)
	srv := start(t)
	for _, c := range []struct{ name, query string }{
		{"list", "SERVICE=WFS&VERSION=2.0.0&REQUEST=ListStoredQueries"},
		{"describe all", "SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeStoredQueries"},
		{"describe one", "SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeStoredQueries&STOREDQUERY_ID=" + getFeatureByID},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, srv, c.query)
			expectOK(t, r)
			validate(t, dir, r.body, wfs20Imports(t, dir)...)
		})
	}
}

func TestSchema_ExceptionReports(t *testing.T) {
	dir := ogcSchemas(t)
	srv := start(t)
	cases := []struct {
		version string
		imports []schemaImport
	}{
		{"2.0.0", []schemaImport{{nsOWS11, dir + "/ogc/ows/1.1.0/owsExceptionReport.xsd"}}},
		{"1.1.0", []schemaImport{{nsOWS10, dir + "/ogc/ows/1.0.0/owsExceptionReport.xsd"}}},
		{"1.0.0", []schemaImport{{nsOGC, dir + "/ogc/wfs/1.0.0/OGC-exception.xsd"}}},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			r := get(t, srv, "SERVICE=WFS&REQUEST=GetFeature&VERSION="+c.version+"&"+typeNamesParam(c.version)+"=net:%3Cb%3E")
			if r.status != http.StatusBadRequest {
				t.Errorf("HTTP status = %d, want 400", r.status)
			}
			validate(t, dir, r.body, c.imports...)
		})
	}
}

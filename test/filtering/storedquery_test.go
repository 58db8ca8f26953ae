package filtering

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

const byCategoryID = "urn:x-test:query:LinksByCategoryInArea"

// createByCategory is a stored query with a text and a geometry parameter.
const createByCategory = `<wfs:CreateStoredQuery service="WFS" version="2.0.0" ` + wfs20NS + ` ` + fesNS + ` ` + netNS + `>
  <wfs:StoredQueryDefinition id="` + byCategoryID + `">
    <wfs:Title>Sections of a category in an area</wfs:Title>
    <wfs:Parameter name="cat" type="xs:string"/>
    <wfs:Parameter name="area" type="gml:PolygonPropertyType"/>
    <wfs:QueryExpressionText returnFeatureTypes="net:network_link" language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" isPrivate="false">
      <wfs:Query typeNames="net:network_link">
        <fes:Filter><fes:And>
          <fes:PropertyIsEqualTo><fes:ValueReference>net:network_category</fes:ValueReference><fes:Literal>${cat}</fes:Literal></fes:PropertyIsEqualTo>
          <fes:Intersects><fes:ValueReference>geom</fes:ValueReference>${area}</fes:Intersects>
        </fes:And></fes:Filter>
      </wfs:Query>
    </wfs:QueryExpressionText>
  </wfs:StoredQueryDefinition>
</wfs:CreateStoredQuery>`

// writesOpen lets anonymous callers write, and so create and drop stored queries.
func writesOpen(c *config.Config) { c.WFS.Transactions = "open" }

func TestStoredQuery_CreateUseDrop(t *testing.T) {
	e := setup(t, writesOpen)
	f := loadFixtures(t, e)
	e.post(t, `<wfs:DropStoredQuery service="WFS" version="2.0.0" `+wfs20NS+` id="`+byCategoryID+`"/>`)

	r := e.post(t, createByCategory)
	if r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`CreateStoredQueryResponse`)) {
		t.Fatalf("CreateStoredQuery: status %d: %s", r.status, clip(r.body))
	}
	t.Cleanup(func() {
		send(t, http.MethodPost, e.srv.URL+"/wfs", "application/xml", `<wfs:DropStoredQuery service="WFS" version="2.0.0" `+wfs20NS+` id="`+byCategoryID+`"/>`)
	})
	expectException(t, e.post(t, createByCategory), http.StatusBadRequest, "DuplicateStoredQueryIdValue")

	list := e.get(t, url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"ListStoredQueries"}})
	for _, id := range []string{byCategoryID, "urn:ogc:def:query:OGC-WFS::GetFeatureById", "urn:fourreau:query:NetworkLinksNear"} {
		if !bytes.Contains(list.body, []byte(`id="`+id+`"`)) {
			t.Errorf("ListStoredQueries lacks %s: %s", id, clip(list.body))
		}
	}
	desc := e.get(t, url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"DescribeStoredQueries"}})
	if !bytes.Contains(desc.body, []byte(`<wfs:Parameter name="area" type="gml:AbstractGeometryType"/>`)) {
		t.Errorf("DescribeStoredQueries lacks the area parameter: %s", clip(desc.body))
	}
	validateWFS20(t, list.body)
	validateWFS20(t, desc.body)

	area := fmt.Sprintf("POLYGON((%v %v, %v %v, %v %v, %v %v, %v %v))", f.midX-3000, f.midY-3000, f.midX+3000, f.midY-3000,
		f.midX+3000, f.midY+3000, f.midX-3000, f.midY+3000, f.midX-3000, f.midY-3000)
	want := e.sqlIDs(t, "network_link", "netdata.network_link",
		"network_category = 'GAZ' AND ST_Intersects(geom, ST_GeomFromText($2, 2154))", area)
	if len(want) == 0 {
		t.Fatal("the case needs GAZ sections in the area")
	}
	kvpIDs := func(srv *testserver.Server) []string {
		p := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "OUTPUTFORMAT": {"application/json"},
			"STOREDQUERY_ID": {byCategoryID}, "cat": {"GAZ"}, "area": {area}}
		return featureIDs(t, send(t, http.MethodGet, srv.URL+"/wfs?"+p.Encode(), "", ""))
	}
	agree(t, func() string {
		want := e.sqlIDs(t, "network_link", "netdata.network_link",
			"network_category = 'GAZ' AND ST_Intersects(geom, ST_GeomFromText($2, 2154))", area)
		if got := kvpIDs(e.srv); !slices.Equal(got, want) {
			return fmt.Sprintf("stored query by KVP: %d features, SQL %d: %s", len(got), len(want), diff(got, want))
		}
		return ""
	})

	// An XML call passes the area as GML, in EPSG:4326 latitude first.
	xmlCall := `<wfs:GetFeature service="WFS" version="2.0.0" outputFormat="application/json" ` + wfs20NS + ` xmlns:gml="http://www.opengis.net/gml/3.2">
	  <wfs:StoredQuery id="` + byCategoryID + `">
	    <wfs:Parameter name="cat">GAZ</wfs:Parameter>
	    <wfs:Parameter name="area"><gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior><gml:LinearRing><gml:posList>` +
		latLonRing(f) + `</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></wfs:Parameter>
	  </wfs:StoredQuery></wfs:GetFeature>`
	agree(t, func() string {
		want4326 := e.sqlIDs(t, "network_link", "netdata.network_link",
			"network_category = 'GAZ' AND ST_Intersects(geom, ST_Transform(ST_Segmentize(ST_GeomFromText($2, 4326), 0.001), 2154))",
			"POLYGON(("+lonLatRing(f)+"))")
		if got := featureIDs(t, e.post(t, xmlCall)); !slices.Equal(got, want4326) {
			return fmt.Sprintf("stored query by XML: %d features, SQL %d: %s", len(got), len(want4326), diff(got, want4326))
		}
		return ""
	})

	// A second server over the same database, as after a restart, still has the query.
	again := testserver.Start(t)
	agree(t, func() string {
		want := e.sqlIDs(t, "network_link", "netdata.network_link",
			"network_category = 'GAZ' AND ST_Intersects(geom, ST_GeomFromText($2, 2154))", area)
		if got := kvpIDs(again); !slices.Equal(got, want) {
			return fmt.Sprintf("stored query after a restart: %d features, SQL %d", len(got), len(want))
		}
		return ""
	})

	missing := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "STOREDQUERY_ID": {byCategoryID}, "cat": {"GAZ"}}
	x := expectException(t, e.get(t, missing), http.StatusBadRequest, "MissingParameterValue")
	if x.locator != "AREA" {
		t.Errorf("locator %q, want AREA", x.locator)
	}

	r = e.get(t, url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"DropStoredQuery"}, "STOREDQUERY_ID": {byCategoryID}})
	if r.status != http.StatusOK || !bytes.Contains(r.body, []byte("DropStoredQueryResponse")) {
		t.Fatalf("DropStoredQuery: status %d: %s", r.status, clip(r.body))
	}
	gone := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "STOREDQUERY_ID": {byCategoryID}, "cat": {"GAZ"}, "area": {area}}
	expectException(t, e.get(t, gone), http.StatusBadRequest, "InvalidParameterValue")
	builtIn := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"DropStoredQuery"}, "STOREDQUERY_ID": {"urn:ogc:def:query:OGC-WFS::GetFeatureById"}}
	expectException(t, e.get(t, builtIn), http.StatusBadRequest, "InvalidParameterValue")
}

func TestStoredQuery_RejectsInvalidDefinition(t *testing.T) {
	e := setup(t, writesOpen)
	bad := strings.ReplaceAll(createByCategory, "net:network_category", "net:nope")
	bad = strings.ReplaceAll(bad, byCategoryID, "urn:x-test:query:Invalid")
	x := expectException(t, e.post(t, bad), http.StatusBadRequest, "InvalidParameterValue")
	if !strings.Contains(x.text, "is not valid") {
		t.Errorf("text %q, want it to say the definition is not valid", x.text)
	}
	dup := strings.Replace(createByCategory, `<wfs:Parameter name="cat" type="xs:string"/>`, `<wfs:Parameter name="cat" type="xs:string"/><wfs:Parameter name="CAT" type="xs:string"/>`, 1)
	expectException(t, e.post(t, dup), http.StatusBadRequest, "DuplicateStoredQueryParameterName")
}

func TestStoredQuery_AccessControl(t *testing.T) {
	e := setup(t)
	// Without open writes, an anonymous caller may neither create nor drop.
	x := expectException(t, e.post(t, createByCategory), http.StatusUnauthorized, "OperationProcessingFailed")
	if !strings.Contains(x.text, "requires authentication") {
		t.Errorf("text %q, want it to ask for authentication", x.text)
	}
	drop := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"DropStoredQuery"}, "STOREDQUERY_ID": {byCategoryID}}
	expectException(t, e.get(t, drop), http.StatusUnauthorized, "OperationProcessingFailed")

	// A stored query over a layer closed to anonymous callers does not open it to them.
	open := setup(t, writesOpen)
	const closedID = "urn:x-test:query:History"
	create := `<wfs:CreateStoredQuery service="WFS" version="2.0.0" ` + wfs20NS + ` ` + netNS + `>
	  <wfs:StoredQueryDefinition id="` + closedID + `"><wfs:Title>History</wfs:Title>
	    <wfs:QueryExpressionText returnFeatureTypes="net:duct_history" language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" isPrivate="false">
	      <wfs:Query typeNames="net:duct_history"/></wfs:QueryExpressionText></wfs:StoredQueryDefinition></wfs:CreateStoredQuery>`
	open.post(t, `<wfs:DropStoredQuery service="WFS" version="2.0.0" `+wfs20NS+` id="`+closedID+`"/>`)
	if r := open.post(t, create); r.status != http.StatusOK {
		t.Fatalf("CreateStoredQuery: status %d: %s", r.status, clip(r.body))
	}
	t.Cleanup(func() {
		send(t, http.MethodPost, open.srv.URL+"/wfs", "application/xml", `<wfs:DropStoredQuery service="WFS" version="2.0.0" `+wfs20NS+` id="`+closedID+`"/>`)
	})
	call := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "STOREDQUERY_ID": {closedID}}
	expectException(t, open.get(t, call), http.StatusUnauthorized, "OperationProcessingFailed")
}

func TestStoredQuery_NetworkLinksNear(t *testing.T) {
	e := setup(t)
	f := loadFixtures(t, e)
	point := fmt.Sprintf("POINT(%v %v)", f.midX, f.midY)
	cases := []struct {
		name     string
		params   url.Values
		where    string
		someRows bool
	}{
		{"WKT, distance only", url.Values{"GEOMETRY": {point}, "DISTANCE": {"400"}},
			"ST_DWithin(geom, ST_GeomFromText($2, 2154), 400)", true},
		{"WKT and category", url.Values{"GEOMETRY": {point}, "DISTANCE": {"1500"}, "CATEGORY": {"GAZ"}},
			"ST_DWithin(geom, ST_GeomFromText($2, 2154), 1500) AND network_category = 'GAZ'", true},
		{"GML in EPSG:4326", url.Values{"DISTANCE": {"400"}, "GEOMETRY": {fmt.Sprintf(`<gml:Point xmlns:gml="http://www.opengis.net/gml/3.2" srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>%v %v</gml:pos></gml:Point>`, f.midLat, f.midLon)}},
			fmt.Sprintf("ST_DWithin(geom, ST_Transform(ST_SetSRID(ST_MakePoint(%v, %v), 4326), 2154), 400) AND $2::text <> ''", f.midLon, f.midLat), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.someRows && len(e.sqlIDs(t, "network_link", "netdata.network_link", c.where, point)) == 0 {
				t.Fatal("the case needs sections near the point")
			}
			p := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "OUTPUTFORMAT": {"application/json"},
				"STOREDQUERY_ID": {"urn:fourreau:query:NetworkLinksNear"}}
			for k, v := range c.params {
				p[k] = v
			}
			agree(t, func() string {
				want := e.sqlIDs(t, "network_link", "netdata.network_link", c.where, point)
				if got := featureIDs(t, e.get(t, p)); !slices.Equal(got, want) {
					return fmt.Sprintf("NetworkLinksNear: %d features, SQL %d: %s", len(got), len(want), diff(got, want))
				}
				return ""
			})
		})
	}
	noDistance := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"},
		"STOREDQUERY_ID": {"urn:fourreau:query:NetworkLinksNear"}, "GEOMETRY": {point}}
	x := expectException(t, e.get(t, noDistance), http.StatusBadRequest, "MissingParameterValue")
	if x.locator != "DISTANCE" {
		t.Errorf("locator %q, want DISTANCE", x.locator)
	}
}

func TestGetPropertyValue_ValueReference(t *testing.T) {
	e := setup(t)
	base := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetPropertyValue"}, "TYPENAMES": {"net:network_link"},
		"CQL_FILTER": {"network_category = 'GAZ'"}, "SORTBY": {"code"}}
	with := func(k, v string) url.Values {
		p := url.Values{}
		for key, val := range base {
			p[key] = val
		}
		p.Set(k, v)
		return p
	}
	r := e.get(t, with("VALUEREFERENCE", "net:code"))
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, clip(r.body))
	}
	validateWFS20(t, r.body)
	agree(t, func() string {
		want := e.sqlStrings(t, "SELECT code FROM netdata.network_link WHERE network_category = 'GAZ' AND code IS NOT NULL ORDER BY code, id")
		r := e.get(t, with("VALUEREFERENCE", "net:code"))
		if got := members(string(r.body)); !slices.Equal(got, want) {
			return fmt.Sprintf("values %d, SQL %d; first %v, want %v", len(got), len(want), first(got), first(want))
		}
		if !strings.Contains(string(r.body), fmt.Sprintf(`numberMatched="%d"`, len(want))) {
			return fmt.Sprintf("numberMatched is not %d: %s", len(want), clip(r.body))
		}
		return ""
	})

	r = e.get(t, with("VALUEREFERENCE", "geom"))
	if r.status != http.StatusOK || !bytes.Contains(r.body, []byte("<wfs:member><gml:LineString")) {
		t.Errorf("geometry values: status %d: %s", r.status, clip(r.body))
	}
	validateWFS20(t, r.body)

	x := expectException(t, e.get(t, with("VALUEREFERENCE", "nope")), http.StatusBadRequest, "InvalidParameterValue")
	if x.locator != "valueReference" {
		t.Errorf("locator %q, want valueReference", x.locator)
	}
	p := with("VALUEREFERENCE", "code")
	p.Del("VALUEREFERENCE")
	expectException(t, e.get(t, p), http.StatusBadRequest, "MissingParameterValue")

	post := e.post(t, `<wfs:GetPropertyValue service="WFS" version="2.0.0" valueReference="capacity" `+wfs20NS+` `+fesNS+` `+netNS+`>
	  <wfs:Query typeNames="net:network_link"><fes:Filter><fes:PropertyIsGreaterThan><fes:ValueReference>capacity</fes:ValueReference>
	  <fes:Literal>100</fes:Literal></fes:PropertyIsGreaterThan></fes:Filter></wfs:Query></wfs:GetPropertyValue>`)
	wantCap := e.sqlStrings(t, "SELECT capacity::text FROM netdata.network_link WHERE capacity > 100 ORDER BY id")
	if got := members(string(post.body)); !slices.Equal(got, wantCap) {
		t.Errorf("XML GetPropertyValue: %v, want %v", first(got), first(wantCap))
	}
	if len(wantCap) == 0 {
		t.Error("the case needs sections with a capacity over 100")
	}
}

// members returns the text of the wfs:member elements of a value collection.
func members(doc string) []string {
	var out []string
	for _, part := range strings.Split(doc, "<wfs:member>")[1:] {
		v, _, _ := strings.Cut(part, "</wfs:member>")
		out = append(out, v)
	}
	return out
}

func first(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

func (e *env) sqlStrings(t *testing.T, sql string) []string {
	t.Helper()
	rows, err := e.pool.Query(t.Context(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// gmdStub declares the ISO 19139 elements that the GML 3.2.1 CRS schemas name, which the
// OGC schema set lacks; no response of these tests uses them.
const gmdStub = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.isotc211.org/2005/gmd" elementFormDefault="qualified">
  <xs:element name="EX_Extent" type="xs:anyType"/>
  <xs:element name="AbstractDQ_PositionalAccuracy" type="xs:anyType" abstract="true"/>
  <xs:element name="CI_Citation" type="xs:anyType"/>
</xs:schema>
`

// validateWFS20 checks a document against the WFS 2.0 schema with xmllint and the OGC
// schemas beside the repository (or in FOURREAU_OGC_SCHEMAS).
func validateWFS20(t *testing.T, doc []byte) {
	t.Helper()
	dir := os.Getenv("FOURREAU_OGC_SCHEMAS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "ogc-schemas")
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.xml")); err != nil {
		if os.Getenv(testdb.RequireEnv) == "1" {
			t.Fatalf("OGC schemas not found at %s: %v", dir, err)
		}
		t.Skipf("OGC schemas not found at %s: %v", dir, err)
	}
	tmp := t.TempDir()
	stub := filepath.Join(tmp, "gmd.xsd")
	wrapper := filepath.Join(tmp, "wrapper.xsd")
	docPath := filepath.Join(tmp, "document.xml")
	wfsXSD, _ := filepath.Abs(filepath.Join(dir, "ogc/wfs/2.0/wfs.xsd"))
	os.WriteFile(stub, []byte(gmdStub), 0o644)
	os.WriteFile(wrapper, []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-test:wrapper">
  <xs:import namespace="http://www.isotc211.org/2005/gmd" schemaLocation="`+stub+`"/>
  <xs:import namespace="http://www.opengis.net/wfs/2.0" schemaLocation="`+wfsXSD+`"/>
</xs:schema>`), 0o644)
	os.WriteFile(docPath, doc, 0o644)
	abs, _ := filepath.Abs(filepath.Join(dir, "catalog.xml"))
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", wrapper, docPath)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+abs)
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("validates")) {
		t.Errorf("xmllint rejects the document (%v):\n%s\n%s", err, clip(out), clip(doc))
	}
}

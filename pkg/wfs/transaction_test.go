package wfs_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

func TestTransaction_DisabledByDefault(t *testing.T) {
	srv := start(t)
	r := postTx(t, srv, tx20("off", `<wfs:Insert>`+duct("WFSTOFF-1", "", defaultLine(0))+`</wfs:Insert>`))
	expectException(t, r, http.StatusNotImplemented, "OperationNotSupported", "request")

	caps := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION=2.0.0"))
	for _, op := range caps.all(nsOWS11, "Operation") {
		if name, _ := op.attr("name"); name == "Transaction" {
			t.Errorf("capabilities list Transaction while transactions are off")
		}
	}
	for _, c := range caps.all(nsOWS11, "Constraint") {
		if name, _ := c.attr("name"); name == "ImplementsTransactionalWFS" {
			if v := c.first(nsOWS11, "DefaultValue"); v == nil || v.Text != "FALSE" {
				t.Errorf("ImplementsTransactionalWFS is not FALSE while transactions are off")
			}
		}
	}
}

func TestTransaction_Capabilities(t *testing.T) {
	srv := startWritable(t, "WFSTCAPS-")
	caps := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION=2.0.0"))
	found := false
	for _, op := range caps.all(nsOWS11, "Operation") {
		if name, _ := op.attr("name"); name == "Transaction" {
			found = true
		}
	}
	if !found {
		t.Errorf("2.0 capabilities do not list Transaction")
	}
	for _, c := range caps.all(nsOWS11, "Constraint") {
		if name, _ := c.attr("name"); name == "ImplementsTransactionalWFS" {
			if v := c.first(nsOWS11, "DefaultValue"); v == nil || v.Text != "TRUE" {
				t.Errorf("ImplementsTransactionalWFS is not TRUE")
			}
		}
	}

	caps11 := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION=1.1.0"))
	found = false
	for _, op := range caps11.all(nsOWS10, "Operation") {
		if name, _ := op.attr("name"); name == "Transaction" {
			found = true
		}
	}
	if !found {
		t.Errorf("1.1 capabilities do not list Transaction")
	}
	var ops []string
	for _, o := range caps11.all(nsWFS, "Operation") {
		ops = append(ops, o.Text)
	}
	if !strings.Contains(strings.Join(ops, ","), "Insert") {
		t.Errorf("1.1 FeatureTypeList operations = %v, want Insert among them", ops)
	}
	if !strings.Contains(strings.Join(ops, ","), "Lock") {
		t.Errorf("1.1 FeatureTypeList operations = %v, want Lock among them", ops)
	}

	caps10 := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION=1.0.0"))
	if caps10.first(nsWFS, "Transaction") == nil {
		t.Errorf("1.0 capabilities have no Transaction request")
	}
	operations10 := caps10.first(nsWFS, "Operations")
	if operations10 == nil {
		t.Fatal("1.0 capabilities have no FeatureTypeList Operations")
	}
	for _, op := range []string{"Query", "Insert", "Update", "Delete", "Lock"} {
		if operations10.first(nsWFS, op) == nil {
			t.Errorf("1.0 FeatureTypeList Operations lack %s", op)
		}
	}
}

// The order of InsertResults follows the request, and the summary counts every action.
func TestTransaction_InsertResults20(t *testing.T) {
	srv := startWritable(t, "WFST13-")
	r := expectOK(t, postTx(t, srv, tx20("case13", `<wfs:Insert handle="seed">`+duct("WFST13-0", "", defaultLine(0))+`</wfs:Insert>`)))
	seedIDs, _ := insertedIDs(r)
	if len(seedIDs) != 1 {
		t.Fatalf("seed insert returned %d ids, want 1", len(seedIDs))
	}

	body := tx20("case13",
		`<wfs:Insert handle="a">`+duct("WFST13-A", "", defaultLine(30))+`</wfs:Insert>`+
			`<wfs:Insert handle="b">`+duct("WFST13-B", "", defaultLine(60))+`</wfs:Insert>`+
			`<wfs:Update typeName="net:duct" handle="u"><wfs:Property><wfs:ValueReference>comment</wfs:ValueReference>`+
			`<wfs:Value>relevé 2026</wfs:Value></wfs:Property><fes:Filter><fes:ResourceId rid="`+seedIDs[0]+`"/></fes:Filter></wfs:Update>`)
	root := expectOK(t, postTx(t, srv, body))
	if !root.is(nsWFS20, "TransactionResponse") {
		t.Fatalf("root is %s, want wfs:TransactionResponse", root.XMLName.Local)
	}
	if v, _ := root.attr("version"); v != "2.0.0" {
		t.Errorf("version = %q, want 2.0.0", v)
	}
	sum := summary(t, root)
	for name, want := range map[string]int64{"totalInserted": 2, "totalUpdated": 1, "totalReplaced": 0, "totalDeleted": 0} {
		if sum[name] != want {
			t.Errorf("%s = %d, want %d", name, sum[name], want)
		}
	}
	if root.first("http://www.opengis.net/fes/2.0", "ResourceId") == nil {
		t.Fatalf("InsertResults hold no fes:ResourceId")
	}
	ids, handles := insertedIDs(root)
	if len(ids) != 2 {
		t.Fatalf("InsertResults hold %d ids, want 2", len(ids))
	}
	if handles[0] != "a" || handles[1] != "b" {
		t.Errorf("handles = %v, want [a b]", handles)
	}
	for i, code := range []string{"WFST13-A", "WFST13-B"} {
		got := queryText(t, srv.Pool, "SELECT code FROM netdata.duct WHERE id = $1", keyOf(t, ids[i]))
		if got != code {
			t.Errorf("%s has code %q, want %q: ids are out of input order", ids[i], got, code)
		}
	}
	if keyOf(t, ids[0]) >= keyOf(t, ids[1]) {
		t.Errorf("ids %v do not increase in input order", ids)
	}
	if c := queryText(t, srv.Pool, "SELECT comment FROM netdata.duct WHERE id = $1", keyOf(t, seedIDs[0])); c != "relevé 2026" {
		t.Errorf("updated comment = %q, want %q", c, "relevé 2026")
	}
}

func TestTransaction_InsertResults11(t *testing.T) {
	srv := startWritable(t, "WFST11-")
	body := tx11("t11", `<wfs:Insert handle="one">`+duct("WFST11-A", "", defaultLine(0))+duct("WFST11-B", "", defaultLine(30))+`</wfs:Insert>`)
	root := expectOK(t, postTx(t, srv, body))
	if !root.is(nsWFS, "TransactionResponse") {
		t.Fatalf("root is {%s}%s, want wfs:TransactionResponse", root.XMLName.Space, root.XMLName.Local)
	}
	if got := summary(t, root)["totalInserted"]; got != 2 {
		t.Errorf("totalInserted = %d, want 2", got)
	}
	fids := root.all(nsOGC, "FeatureId")
	if len(fids) != 2 {
		t.Fatalf("%d ogc:FeatureId, want 2", len(fids))
	}
	for i, code := range []string{"WFST11-A", "WFST11-B"} {
		fid, _ := fids[i].attr("fid")
		if got := queryText(t, srv.Pool, "SELECT code FROM netdata.duct WHERE id = $1", keyOf(t, fid)); got != code {
			t.Errorf("%s has code %q, want %q", fid, got, code)
		}
	}
}

func TestTransaction_InsertResult10(t *testing.T) {
	srv := startWritable(t, "WFST10-")
	line := `<gml:LineString srsName="EPSG:2154"><gml:coordinates>455000,6903000 455020,6903000</gml:coordinates></gml:LineString>`
	body := tx10("t10", `<wfs:Insert>`+duct("WFST10-A", "", line)+`</wfs:Insert><wfs:Insert>`+duct("WFST10-B", "", line)+`</wfs:Insert>`)
	root := expectOK(t, postTx(t, srv, body))
	if !root.is(nsWFS, "WFS_TransactionResponse") {
		t.Fatalf("root is %s, want wfs:WFS_TransactionResponse", root.XMLName.Local)
	}
	results := root.all(nsWFS, "InsertResult")
	if len(results) != 1 {
		t.Fatalf("%d wfs:InsertResult, want one listing every id", len(results))
	}
	if n := len(results[0].all(nsOGC, "FeatureId")); n != 2 {
		t.Errorf("InsertResult lists %d ids, want 2", n)
	}
	if root.first(nsWFS, "SUCCESS") == nil {
		t.Errorf("TransactionResult status is not SUCCESS\n%s", root.XMLName.Local)
	}
}

// 3D lines keep Z in geom_3d whether srsDimension sits on the geometry or the posList;
// geom holds the 2D projection with the same vertices.
func TestTransaction_PosList3D(t *testing.T) {
	srv := startWritable(t, "WFST03-")
	line := func(onGeom bool) string {
		if onGeom {
			return `<gml:LineString gml:id="g1" srsName="urn:ogc:def:crs:EPSG::2154" srsDimension="3"><gml:posList>455000 6903000 35.2 455010 6903005 35.0</gml:posList></gml:LineString>`
		}
		return `<gml:LineString gml:id="g2" srsName="urn:ogc:def:crs:EPSG::2154"><gml:posList srsDimension="3">455000 6903000 35.2 455010 6903005 35.0</gml:posList></gml:LineString>`
	}
	body := tx20("case03", `<wfs:Insert handle="z-on-geometry">`+duct("WFST03-1", "", line(true))+`</wfs:Insert>`+
		`<wfs:Insert handle="z-on-poslist">`+duct("WFST03-2", "", line(false))+`</wfs:Insert>`)
	root := expectOK(t, postTx(t, srv, body))
	ids, _ := insertedIDs(root)
	if len(ids) != 2 {
		t.Fatalf("%d ids, want 2", len(ids))
	}
	for _, id := range ids {
		got := queryText(t, srv.Pool, "SELECT ST_AsText(geom_3d) || ' / ' || ST_AsText(geom) FROM netdata.duct WHERE id = $1", keyOf(t, id))
		want := "LINESTRING Z (455000 6903000 35.2,455010 6903005 35) / LINESTRING(455000 6903000,455010 6903005)"
		if got != want {
			t.Errorf("%s stored as %s, want %s", id, got, want)
		}
	}

	before := snapshot(t, srv.Pool)
	bad := `<gml:LineString srsName="urn:ogc:def:crs:EPSG::2154" srsDimension="3"><gml:posList>455000 6903000 35.2 455010 6903005</gml:posList></gml:LineString>`
	r := postTx(t, srv, tx20("case03", `<wfs:Insert handle="odd">`+duct("WFST03-3", "", bad)+`</wfs:Insert>`))
	rep := expectException(t, r, http.StatusBadRequest, "InvalidValue", "odd")
	if !strings.Contains(rep.text, "multiple") {
		t.Errorf("exception text %q does not explain the value count", rep.text)
	}
	expectUnchanged(t, srv.Pool, before)

	// A 3D point sent to a 2D layer without a 3D column keeps its x and y.
	point := `<net:technical_point><net:code>WFST03-P</net:code><net:lifecycle_status>functional</net:lifecycle_status>` +
		`<net:precision_xy>A</net:precision_xy><net:point_kind>chamber</net:point_kind><net:geom><gml:Point srsName="urn:ogc:def:crs:EPSG::2154" srsDimension="3">` +
		`<gml:pos>455000 6903000 35.2</gml:pos></gml:Point></net:geom></net:technical_point>`
	root = expectOK(t, postTx(t, srv, tx20("case03", `<wfs:Insert>`+point+`</wfs:Insert>`)))
	ids, _ = insertedIDs(root)
	if got := queryText(t, srv.Pool, "SELECT ST_AsText(geom) FROM netdata.technical_point WHERE id = $1", keyOf(t, ids[0])); got != "POINT(455000 6903000)" {
		t.Errorf("3D point stored as %s, want POINT(455000 6903000)", got)
	}
}

// A duct written in EPSG:4326 lands at the same place whichever axis order its srsName
// spelling implies.
func TestTransaction_Reprojection(t *testing.T) {
	srv := startWritable(t, "WFSTCRS-")
	latLon := `<gml:LineString srsName="urn:ogc:def:crs:EPSG::4326"><gml:posList>49.18 -0.37 49.1801 -0.3697</gml:posList></gml:LineString>`
	lonLat := `<gml:LineString srsName="EPSG:4326"><gml:posList>-0.37 49.18 -0.3697 49.1801</gml:posList></gml:LineString>`
	root := expectOK(t, postTx(t, srv, tx20("crs", `<wfs:Insert>`+duct("WFSTCRS-1", "", latLon)+duct("WFSTCRS-2", "", lonLat)+`</wfs:Insert>`)))
	ids, _ := insertedIDs(root)
	if len(ids) != 2 {
		t.Fatalf("%d ids, want 2", len(ids))
	}
	a := queryText(t, srv.Pool, "SELECT ST_AsText(ST_SnapToGrid(geom, 0.001)) FROM netdata.duct WHERE id = $1", keyOf(t, ids[0]))
	b := queryText(t, srv.Pool, "SELECT ST_AsText(ST_SnapToGrid(geom, 0.001)) FROM netdata.duct WHERE id = $1", keyOf(t, ids[1]))
	if a != b {
		t.Errorf("lat/lon and lon/lat spellings stored differently: %s and %s", a, b)
	}
	x := queryInt(t, srv.Pool, "SELECT round(ST_X(ST_StartPoint(geom)))::bigint FROM netdata.duct WHERE id = $1", keyOf(t, ids[0]))
	if x < 449000 || x > 462000 {
		t.Errorf("reprojected x = %d, want a Lambert-93 easting near Caen", x)
	}

	// Swapped axes put the duct off the coast of Somalia: outside the area of EPSG:2154.
	before := snapshot(t, srv.Pool)
	swapped := `<gml:LineString srsName="EPSG:4326"><gml:posList>49.18 -0.37 49.1801 -0.3697</gml:posList></gml:LineString>`
	r := postTx(t, srv, tx20("crs", `<wfs:Insert handle="swapped">`+duct("WFSTCRS-3", "", swapped)+`</wfs:Insert>`))
	rep := expectException(t, r, http.StatusBadRequest, "InvalidValue", "swapped")
	if !strings.Contains(rep.text, "outside the area") {
		t.Errorf("exception text %q does not name the CRS area", rep.text)
	}
	expectUnchanged(t, srv.Pool, before)
}

// Single and multi geometries are shaped to the layer type; a multi of several members
// cannot enter a single-geometry layer.
func TestTransaction_SingleAndMulti(t *testing.T) {
	srv := startWritable(t, "WFST04-")
	works := func(ref, geometry string) string {
		return `<net:planned_works><net:reference>` + ref + `</net:reference><net:title>Tranchée</net:title>` +
			`<net:project_owner_org_id>` + fmt.Sprint(anyOrganisation(t, srv)) + `</net:project_owner_org_id><net:contact_name>Mme Test</net:contact_name>` +
			`<net:contact_email>test@example.org</net:contact_email><net:works_type>new_network</net:works_type>` +
			`<net:network_category>COM</net:network_category><net:network_elements>underground_in_structure</net:network_elements>` +
			`<net:planned_start>2027-03-01</net:planned_start><net:duration_days>30</net:duration_days><net:in_urban_unit>true</net:in_urban_unit>` +
			`<net:geom>` + geometry + `</net:geom></net:planned_works>`
	}
	line := `<gml:LineString srsName="EPSG:2154"><gml:posList>455000 6903000 455100 6903000</gml:posList></gml:LineString>`
	multiCurve := `<gml:MultiCurve srsName="EPSG:2154"><gml:curveMember>` + line + `</gml:curveMember></gml:MultiCurve>`
	gml2Multi := `<gml:MultiLineString srsName="EPSG:2154"><gml:lineStringMember><gml:LineString><gml:coordinates>455000,6903000 455100,6903000</gml:coordinates></gml:LineString></gml:lineStringMember></gml:MultiLineString>`
	body := tx11("case04", `<wfs:Insert>`+works("WFST04-A", line)+works("WFST04-B", multiCurve)+works("WFST04-C", gml2Multi)+`</wfs:Insert>`)
	body = strings.Replace(body, `xmlns:gml="http://www.opengis.net/gml"`, `xmlns:gml="http://www.opengis.net/gml"`, 1)
	root := expectOK(t, postTx(t, srv, body))
	fids := root.all(nsOGC, "FeatureId")
	if len(fids) != 3 {
		t.Fatalf("%d ids, want 3", len(fids))
	}
	for _, f := range fids {
		fid, _ := f.attr("fid")
		got := queryText(t, srv.Pool, "SELECT ST_AsText(geom) FROM netdata.planned_works WHERE id = $1", keyOf(t, fid))
		if got != "MULTILINESTRING((455000 6903000,455100 6903000))" {
			t.Errorf("%s stored as %s, want a one-member MULTILINESTRING", fid, got)
		}
	}

	// One-member MultiCurve into the LineString duct layer: stored as its line.
	root = expectOK(t, postTx(t, srv, tx11("case04", `<wfs:Insert>`+duct("WFST04-D", "", multiCurve)+`</wfs:Insert>`)))
	fid, _ := root.first(nsOGC, "FeatureId").attr("fid")
	if got := queryText(t, srv.Pool, "SELECT ST_AsText(geom) FROM netdata.duct WHERE id = $1", keyOf(t, fid)); got != "LINESTRING(455000 6903000,455100 6903000)" {
		t.Errorf("one-member MultiCurve stored as %s", got)
	}

	before := snapshot(t, srv.Pool)
	two := `<gml:MultiCurve srsName="EPSG:2154"><gml:curveMember>` + line + `</gml:curveMember><gml:curveMember>` +
		`<gml:LineString><gml:posList>455200 6903000 455300 6903000</gml:posList></gml:LineString></gml:curveMember></gml:MultiCurve>`
	r := postTx(t, srv, tx11("case04", `<wfs:Insert handle="two">`+duct("WFST04-E", "", two)+`</wfs:Insert>`))
	expectException(t, r, http.StatusBadRequest, "InvalidValue", "two")
	expectUnchanged(t, srv.Pool, before)
}

// The three GML spellings of a multi polygon land as one MULTIPOLYGON in a MultiPolygon
// table, and an unclosed ring is an InvalidValue that writes nothing.
func TestTransaction_MultiPolygonSpellings(t *testing.T) {
	pool := testdbPool(t)
	createTable(t, pool, "parcel", "label text, geom geometry(MultiPolygon, 2154) NOT NULL CHECK (ST_IsValid(geom))")
	srv := startWritable(t, "WFSTPARCEL-", testserver.WithLayers(config.LayerConfig{
		Name: "parcel", Table: testSchema + ".parcel", Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "MultiPolygon"}))
	ring := `<gml:LinearRing><gml:posList>455000 6903000 455010 6903000 455010 6903010 455000 6903000</gml:posList></gml:LinearRing>`
	variants := []string{
		`<gml:Polygon srsName="EPSG:2154"><gml:exterior>` + ring + `</gml:exterior></gml:Polygon>`,
		`<gml:MultiSurface srsName="EPSG:2154"><gml:surfaceMember><gml:Polygon><gml:exterior>` + ring + `</gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>`,
		`<gml:MultiPolygon srsName="EPSG:2154"><gml:polygonMember><gml:Polygon><gml:outerBoundaryIs><gml:LinearRing>` +
			`<gml:coordinates>455000,6903000 455010,6903000 455010,6903010 455000,6903000</gml:coordinates>` +
			`</gml:LinearRing></gml:outerBoundaryIs></gml:Polygon></gml:polygonMember></gml:MultiPolygon>`,
	}
	var features string
	for i, v := range variants {
		features += fmt.Sprintf(`<net:parcel><net:label>%c</net:label><net:geom>%s</net:geom></net:parcel>`, 'A'+i, v)
	}
	root := expectOK(t, postTx(t, srv, tx11("case04", `<wfs:Insert>`+features+`</wfs:Insert>`)))
	if n := len(root.all(nsOGC, "FeatureId")); n != 3 {
		t.Fatalf("%d ids, want 3", n)
	}
	got := queryStrings(t, pool, "SELECT label || ' ' || ST_AsText(geom) FROM "+testSchema+".parcel ORDER BY label")
	want := "MULTIPOLYGON(((455000 6903000,455010 6903000,455010 6903010,455000 6903000)))"
	if len(got) != 3 {
		t.Fatalf("%d parcels stored, want 3", len(got))
	}
	for i, g := range got {
		if g != fmt.Sprintf("%c %s", 'A'+i, want) {
			t.Errorf("parcel stored as %q, want %q", g, want)
		}
	}

	count := queryInt(t, pool, "SELECT count(*) FROM "+testSchema+".parcel")
	unclosed := `<gml:Polygon srsName="EPSG:2154"><gml:exterior><gml:LinearRing><gml:posList>455000 6903000 455010 6903000 455010 6903010 455000 6903010</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`
	r := postTx(t, srv, tx20("case17", `<wfs:Insert handle="ring"><net:parcel><net:label>X</net:label><net:geom>`+
		strings.ReplaceAll(unclosed, "gml:", "gml:")+`</net:geom></net:parcel></wfs:Insert>`))
	expectException(t, r, http.StatusBadRequest, "InvalidValue", "ring")
	bowtie := `<gml:Polygon srsName="EPSG:2154"><gml:exterior><gml:LinearRing><gml:posList>455000 6903000 455010 6903010 455010 6903000 455000 6903010 455000 6903000</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`
	r = postTx(t, srv, tx20("valid", `<wfs:Insert handle="bowtie"><net:parcel><net:label>Y</net:label><net:geom>`+bowtie+`</net:geom></net:parcel></wfs:Insert>`))
	rep := expectException(t, r, http.StatusBadRequest, "InvalidValue", "bowtie")
	if !strings.Contains(rep.text, "not valid") {
		t.Errorf("exception text %q does not say the geometry is invalid", rep.text)
	}
	if after := queryInt(t, pool, "SELECT count(*) FROM "+testSchema+".parcel"); after != count {
		t.Errorf("parcel count changed from %d to %d after failed inserts", count, after)
	}
}

// A Transaction without actions is valid and reports zero changes.
func TestTransaction_Empty(t *testing.T) {
	srv := startWritable(t, "WFSTEMPTY-")
	root := expectOK(t, postTx(t, srv, tx20("empty", "")))
	for name, n := range summary(t, root) {
		if n != 0 {
			t.Errorf("%s = %d, want 0", name, n)
		}
	}
	if root.child(nsWFS20, "InsertResults") != nil {
		t.Errorf("an empty transaction lists InsertResults")
	}
}

// One Insert may mix feature types; the ids keep the order of the features.
func TestTransaction_MixedInsert(t *testing.T) {
	srv := startWritable(t, "WFSTMIX-")
	point := `<net:technical_point><net:code>WFSTMIX-P</net:code><net:lifecycle_status>functional</net:lifecycle_status>` +
		`<net:precision_xy>B</net:precision_xy><net:point_kind>chamber</net:point_kind><net:geom><gml:Point srsName="EPSG:2154">` +
		`<gml:pos>455000 6903000</gml:pos></gml:Point></net:geom></net:technical_point>`
	body := tx20("mix", `<wfs:Insert handle="m">`+duct("WFSTMIX-1", "", defaultLine(0))+point+duct("WFSTMIX-2", "", defaultLine(30))+`</wfs:Insert>`)
	root := expectOK(t, postTx(t, srv, body))
	ids, handles := insertedIDs(root)
	if len(ids) != 3 {
		t.Fatalf("%d ids, want 3", len(ids))
	}
	for i, prefix := range []string{"duct.", "technical_point.", "duct."} {
		if !strings.HasPrefix(ids[i], prefix) {
			t.Errorf("id %d = %s, want a %s id", i+1, ids[i], strings.TrimSuffix(prefix, "."))
		}
		if handles[i] != "m" {
			t.Errorf("handle %d = %q, want m", i+1, handles[i])
		}
	}
	if got := queryText(t, srv.Pool, "SELECT code FROM netdata.duct WHERE id = $1", keyOf(t, ids[2])); got != "WFSTMIX-2" {
		t.Errorf("third id %s has code %s, want WFSTMIX-2", ids[2], got)
	}
}

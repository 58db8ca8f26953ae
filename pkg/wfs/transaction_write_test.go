package wfs_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// insertDucts inserts n test ducts through WFS 2.0 and returns their ids in order.
func insertDucts(t *testing.T, srv testServer, prefix string, n int, extra string) []string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(duct(fmt.Sprintf("%s%03d", prefix, i), extra, defaultLine(float64(i*30))))
	}
	root := expectOK(t, postTx(t, srv, tx20("seed", `<wfs:Insert handle="seed">`+b.String()+`</wfs:Insert>`)))
	ids, _ := insertedIDs(root)
	if len(ids) != n {
		t.Fatalf("seed insert returned %d ids, want %d", len(ids), n)
	}
	return ids
}

func countCodes(t *testing.T, srv testServer, prefix string) int64 {
	t.Helper()
	return queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct WHERE code LIKE $1", prefix+"%")
}

// Delete by a list of ids deletes exactly those, and by a comparison only the matches. A
// Delete without a filter and ids of another type are rejected and change nothing.
func TestTransaction_DeleteByFilter(t *testing.T) {
	srv := startWritable(t, "WFST15-")
	ids := insertDucts(t, srv, "WFST15-", 45, "")
	var rids strings.Builder
	for _, id := range ids[:40] {
		rids.WriteString(`<fes:ResourceId rid="` + id + `"/>`)
	}
	root := expectOK(t, postTx(t, srv, tx20("case15", `<wfs:Delete typeName="net:duct" handle="forty"><fes:Filter>`+rids.String()+`</fes:Filter></wfs:Delete>`)))
	if got := summary(t, root)["totalDeleted"]; got != 40 {
		t.Errorf("totalDeleted = %d, want 40", got)
	}
	if got := countCodes(t, srv, "WFST15-"); got != 5 {
		t.Errorf("%d test ducts left, want 5", got)
	}

	filter := `<fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>code</fes:ValueReference><fes:Literal>WFST15-041</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`
	root = expectOK(t, postTx(t, srv, tx20("case15", `<wfs:Delete typeName="net:duct">`+filter+`</wfs:Delete>`)))
	if got := summary(t, root)["totalDeleted"]; got != 1 {
		t.Errorf("totalDeleted = %d, want 1", got)
	}

	// A spatial filter combined with a comparison: the box holds ducts 42 to 44 of the
	// test ducts (x from 456260), and the LIKE keeps the demo data out.
	spatial := `<fes:Filter><fes:And><fes:BBOX><fes:ValueReference>geom</fes:ValueReference><gml:Envelope srsName="urn:ogc:def:crs:EPSG::2154">` +
		`<gml:lowerCorner>456250 6902990</gml:lowerCorner><gml:upperCorner>456400 6903010</gml:upperCorner></gml:Envelope></fes:BBOX>` +
		`<fes:PropertyIsLike wildCard="*" singleChar="?" escapeChar="!"><fes:ValueReference>code</fes:ValueReference><fes:Literal>WFST15-*</fes:Literal></fes:PropertyIsLike>` +
		`</fes:And></fes:Filter>`
	root = expectOK(t, postTx(t, srv, tx20("case15", `<wfs:Delete typeName="net:duct">`+spatial+`</wfs:Delete>`)))
	if got := summary(t, root)["totalDeleted"]; got != 3 {
		t.Errorf("totalDeleted by BBOX and LIKE = %d, want 3", got)
	}

	before := snapshot(t, srv.Pool)
	r := postTx(t, srv, tx20("case15", `<wfs:Delete typeName="net:duct" handle="all"/>`))
	expectException(t, r, http.StatusBadRequest, "MissingParameterValue", "all")
	r = postTx(t, srv, tx20("case15", `<wfs:Delete typeName="net:duct"><fes:Filter><fes:ResourceId rid="route.1"/></fes:Filter></wfs:Delete>`))
	expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "resourceId")
	expectUnchanged(t, srv.Pool, before)
	if got := countCodes(t, srv, "WFST15-"); got != 1 {
		t.Errorf("%d test ducts left, want 1", got)
	}
}

// Update sets a value, sets NULL (Property without Value), and removes a property
// (WFS 2.0 action="remove"); a required property cannot be removed.
func TestTransaction_UpdateValues(t *testing.T) {
	srv := startWritable(t, "WFSTUPD-")
	ids := insertDucts(t, srv, "WFSTUPD-", 2, `<net:colour>rouge</net:colour><net:comment>à garder</net:comment><net:inner_diameter_mm>28</net:inner_diameter_mm>`)
	filter := `<fes:Filter><fes:ResourceId rid="` + ids[0] + `"/></fes:Filter>`
	body := tx20("upd", `<wfs:Update typeName="net:duct" handle="u1">`+
		`<wfs:Property><wfs:ValueReference>net:outer_diameter_mm</wfs:ValueReference><wfs:Value>40</wfs:Value></wfs:Property>`+
		`<wfs:Property><wfs:ValueReference>colour</wfs:ValueReference></wfs:Property>`+
		`<wfs:Property><wfs:ValueReference action="remove">comment</wfs:ValueReference></wfs:Property>`+
		`<wfs:Property><wfs:ValueReference>built_on</wfs:ValueReference><wfs:Value>2011/06/30</wfs:Value></wfs:Property>`+
		`<wfs:Property><wfs:ValueReference>non_regulatory_depth</wfs:ValueReference><wfs:Value>1</wfs:Value></wfs:Property>`+
		filter+`</wfs:Update>`)
	root := expectOK(t, postTx(t, srv, body))
	if got := summary(t, root)["totalUpdated"]; got != 1 {
		t.Errorf("totalUpdated = %d, want 1", got)
	}
	got := queryText(t, srv.Pool, `SELECT concat_ws('|', outer_diameter_mm, coalesce(colour, 'NULL'), coalesce(comment, 'NULL'), built_on, non_regulatory_depth)
		FROM netdata.duct WHERE id = $1`, keyOf(t, ids[0]))
	if want := "40|NULL|NULL|2011-06-30|t"; got != want {
		t.Errorf("updated duct = %s, want %s", got, want)
	}
	if other := queryText(t, srv.Pool, "SELECT colour FROM netdata.duct WHERE id = $1", keyOf(t, ids[1])); other != "rouge" {
		t.Errorf("the other duct's colour became %q", other)
	}

	before := snapshot(t, srv.Pool)
	for _, tc := range []struct{ name, property, code string }{
		{"remove required", `<wfs:Property><wfs:ValueReference action="remove">duct_type</wfs:ValueReference></wfs:Property>`, "InvalidValue"},
		{"null required", `<wfs:Property><wfs:ValueReference>lifecycle_status</wfs:ValueReference></wfs:Property>`, "InvalidValue"},
		{"bad code", `<wfs:Property><wfs:ValueReference>duct_type</wfs:ValueReference><wfs:Value>bamboo</wfs:Value></wfs:Property>`, "InvalidValue"},
		{"bad integer", `<wfs:Property><wfs:ValueReference>cable_count</wfs:ValueReference><wfs:Value>deux</wfs:Value></wfs:Property>`, "InvalidValue"},
		{"check constraint", `<wfs:Property><wfs:ValueReference>occupancy_pct</wfs:ValueReference><wfs:Value>140</wfs:Value></wfs:Property>`, "InvalidValue"},
		{"unknown property", `<wfs:Property><wfs:ValueReference>colour_name</wfs:ValueReference><wfs:Value>x</wfs:Value></wfs:Property>`, "InvalidValue"},
		{"insertBefore", `<wfs:Property><wfs:ValueReference action="insertBefore">colour</wfs:ValueReference><wfs:Value>x</wfs:Value></wfs:Property>`, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postTx(t, srv, tx20("bad", `<wfs:Update typeName="net:duct" handle="bad">`+tc.property+filter+`</wfs:Update>`))
			rep := expectException(t, r, http.StatusBadRequest, tc.code, "bad")
			if !strings.Contains(rep.text, "Update") {
				t.Errorf("exception text %q does not name the action", rep.text)
			}
		})
	}
	r := postTx(t, srv, tx20("nofilter", `<wfs:Update typeName="net:duct" handle="all"><wfs:Property><wfs:ValueReference>colour</wfs:ValueReference><wfs:Value>x</wfs:Value></wfs:Property></wfs:Update>`))
	expectException(t, r, http.StatusBadRequest, "MissingParameterValue", "all")
	expectUnchanged(t, srv.Pool, before)
}

// An Update may move a feature; a 3D geometry fills geom_3d and a 2D one empties it.
func TestTransaction_UpdateGeometry(t *testing.T) {
	srv := startWritable(t, "WFSTGEO-")
	ids := insertDucts(t, srv, "WFSTGEO-", 1, "")
	filter := `<ogc:Filter><ogc:GmlObjectId gml:id="` + ids[0] + `"/></ogc:Filter>`
	line3D := `<gml:LineString srsName="EPSG:2154" srsDimension="3"><gml:posList>455000 6903100 12.5 455050 6903100 12</gml:posList></gml:LineString>`
	expectOK(t, postTx(t, srv, tx11("geo", `<wfs:Update typeName="net:duct"><wfs:Property><wfs:Name>geom</wfs:Name><wfs:Value>`+line3D+`</wfs:Value></wfs:Property>`+filter+`</wfs:Update>`)))
	got := queryText(t, srv.Pool, "SELECT ST_AsText(geom) || ' / ' || ST_AsText(geom_3d) FROM netdata.duct WHERE id = $1", keyOf(t, ids[0]))
	if want := "LINESTRING(455000 6903100,455050 6903100) / LINESTRING Z (455000 6903100 12.5,455050 6903100 12)"; got != want {
		t.Errorf("after 3D update: %s, want %s", got, want)
	}
	line2D := `<gml:LineString srsName="EPSG:2154"><gml:posList>455000 6903200 455050 6903200</gml:posList></gml:LineString>`
	expectOK(t, postTx(t, srv, tx11("geo", `<wfs:Update typeName="net:duct"><wfs:Property><wfs:Name>geom</wfs:Name><wfs:Value>`+line2D+`</wfs:Value></wfs:Property>`+filter+`</wfs:Update>`)))
	got = queryText(t, srv.Pool, "SELECT ST_AsText(geom) || ' / ' || coalesce(ST_AsText(geom_3d), 'NULL') FROM netdata.duct WHERE id = $1", keyOf(t, ids[0]))
	if want := "LINESTRING(455000 6903200,455050 6903200) / NULL"; got != want {
		t.Errorf("after 2D update: %s, want %s", got, want)
	}
	r := postTx(t, srv, tx11("geo", `<wfs:Update typeName="net:duct" handle="nogeom"><wfs:Property><wfs:Name>geom</wfs:Name></wfs:Property>`+filter+`</wfs:Update>`))
	expectException(t, r, http.StatusBadRequest, "InvalidValue", "nogeom")
}

// Insert validation: each failure names the action and the feature, and a failure in a
// later action undoes the earlier ones.
func TestTransaction_Validation(t *testing.T) {
	srv := startWritable(t, "WFSTVAL-")
	ok := duct("WFSTVAL-OK", "", defaultLine(0))
	for _, tc := range []struct {
		name, feature, text string
	}{
		{"missing required", `<net:duct><net:code>WFSTVAL-1</net:code><net:lifecycle_status>functional</net:lifecycle_status><net:precision_xy>A</net:precision_xy><net:geom>` + defaultLine(0) + `</net:geom></net:duct>`, "duct_type is required"},
		{"missing precision", `<net:duct><net:code>WFSTVAL-2</net:code><net:lifecycle_status>functional</net:lifecycle_status><net:duct_type>PE</net:duct_type><net:geom>` + defaultLine(0) + `</net:geom></net:duct>`, "precision_xy"},
		{"unknown code", duct("WFSTVAL-3", `<net:condition>bof</net:condition>`, defaultLine(0)), "is not a code of"},
		{"recent works not class A", strings.Replace(duct("WFSTVAL-4", `<net:in_service_on>2015-04-01</net:in_service_on>`, defaultLine(0)), "<net:precision_xy>A<", "<net:precision_xy>B<", 1), "class A"},
		{"bad date", duct("WFSTVAL-5", `<net:built_on>31/12/2019</net:built_on>`, defaultLine(0)), "is not a date"},
		{"missing geometry", `<net:duct><net:code>WFSTVAL-6</net:code><net:lifecycle_status>functional</net:lifecycle_status><net:precision_xy>A</net:precision_xy><net:duct_type>PE</net:duct_type></net:duct>`, "geometry"},
		{"wrong geometry type", duct("WFSTVAL-7", "", `<gml:Point srsName="EPSG:2154"><gml:pos>455000 6903000</gml:pos></gml:Point>`), "Point cannot be stored"},
		{"unknown organisation", duct("WFSTVAL-8", `<net:owner_org_id>999999999</net:owner_org_id>`, defaultLine(0)), "refers to no row"},
		{"diameters", duct("WFSTVAL-9", `<net:inner_diameter_mm>50</net:inner_diameter_mm><net:outer_diameter_mm>40</net:outer_diameter_mm>`, defaultLine(0)), "inner_diameter_mm"},
		{"refused CRS", duct("WFSTVAL-10", "", `<gml:LineString srsName="EPSG:27572"><gml:posList>400000 2470000 400010 2470000</gml:posList></gml:LineString>`), "not accepted"},
		{"arc", duct("WFSTVAL-12", "", `<gml:Curve srsName="EPSG:2154"><gml:segments><gml:Arc><gml:posList>455000 6903000 455010 6903010 455020 6903000</gml:posList></gml:Arc></gml:segments></gml:Curve>`), "Arc"},
		{"zero length", duct("WFSTVAL-11", "", ductLine("EPSG:2154", 455000, 6903000, 455000, 6903000)), "not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, srv.Pool)
			body := tx20("val", `<wfs:Insert handle="first">`+ok+`</wfs:Insert><wfs:Insert handle="second">`+ok+tc.feature+`</wfs:Insert>`)
			r := postTx(t, srv, body)
			rep := expectException(t, r, http.StatusBadRequest, "InvalidValue", "second")
			if !strings.Contains(rep.text, tc.text) {
				t.Errorf("exception text %q does not contain %q", rep.text, tc.text)
			}
			if !strings.Contains(rep.text, "feature 2") {
				t.Errorf("exception text %q does not name feature 2", rep.text)
			}
			expectUnchanged(t, srv.Pool, before)
		})
	}
}

// Values written the way clients write them are accepted when their meaning is clear.
func TestTransaction_ClientSpellings(t *testing.T) {
	srv := startWritable(t, "WFSTSPELL-")
	extra := `<net:built_on>2010/05/31</net:built_on><net:in_service_on>2011-01-15Z</net:in_service_on>` +
		`<net:non_regulatory_depth>TRUE</net:non_regulatory_depth><net:cable_count>3.0</net:cable_count>` +
		`<net:comment xsi:nil="true"/><net:min_depth_m> 0.80 </net:min_depth_m><net:available>true</net:available><net:created_at>2001-01-01T00:00:00Z</net:created_at>` +
		`<gml:name>ignored</gml:name>`
	// WFS 1.1 namespaces inside a 2.0 request, as some clients keep them.
	body := `<wfs:Transaction service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs" xmlns:gml="http://www.opengis.net/gml"
		xmlns:net="http://fourreau.org/net" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><wfs:Insert>` +
		duct("WFSTSPELL-1", extra, `<gml:LineString srsName="EPSG:2154"><gml:posList>455000 6903000 455020 6903000</gml:posList></gml:LineString>`) +
		`</wfs:Insert></wfs:Transaction>`
	root := expectOK(t, postTx(t, srv, body))
	ids, _ := insertedIDs(root)
	if len(ids) != 1 {
		t.Fatalf("%d ids, want 1", len(ids))
	}
	got := queryText(t, srv.Pool, `SELECT concat_ws('|', built_on, in_service_on, non_regulatory_depth, cable_count, coalesce(comment, 'NULL'), min_depth_m,
		available, created_at > now() - interval '1 hour', source) FROM netdata.duct WHERE id = $1`, keyOf(t, ids[0]))
	if want := "2010-05-31|2011-01-15|t|3|NULL|0.80|f|t|wfs-t"; got != want {
		t.Errorf("stored %s, want %s", got, want)
	}
}

// UseExisting stores the client's ids and moves the key sequence past them; a taken id
// is rejected. ReplaceDuplicate replaces the feature that has the id.
func TestTransaction_IDGen(t *testing.T) {
	srv := startWritable(t, "WFSTIDGEN-")
	top := queryInt(t, srv.Pool, "SELECT coalesce(max(id), 0) FROM netdata.duct") + 1000
	chosen := fmt.Sprintf("duct.%d", top)
	feature := strings.Replace(duct("WFSTIDGEN-1", "", defaultLine(0)), "<net:duct>", `<net:duct gml:id="`+chosen+`">`, 1)
	root := expectOK(t, postTx(t, srv, tx11("idgen", `<wfs:Insert idgen="UseExisting">`+feature+`</wfs:Insert>`)))
	ids, _ := insertedIDs(root)
	if len(ids) != 1 || ids[0] != chosen {
		t.Fatalf("UseExisting returned %v, want [%s]", ids, chosen)
	}
	next := insertDucts(t, srv, "WFSTIDGEN-N", 1, "")
	if keyOf(t, next[0]) <= top {
		t.Errorf("GenerateNew after UseExisting gave %s, want a key above %d", next[0], top)
	}

	before := snapshot(t, srv.Pool)
	r := postTx(t, srv, tx11("idgen", `<wfs:Insert idgen="UseExisting" handle="taken">`+feature+`</wfs:Insert>`))
	rep := expectException(t, r, http.StatusBadRequest, "InvalidValue", "taken")
	if !strings.Contains(rep.text, "exists already") {
		t.Errorf("exception text %q does not say the id exists", rep.text)
	}
	expectUnchanged(t, srv.Pool, before)

	replacement := strings.Replace(strings.Replace(feature, "WFSTIDGEN-1", "WFSTIDGEN-R", 1), "<net:duct_type>PE<", "<net:duct_type>PVC<", 1)
	root = expectOK(t, postTx(t, srv, tx11("idgen", `<wfs:Insert idgen="ReplaceDuplicate">`+replacement+`</wfs:Insert>`)))
	ids, _ = insertedIDs(root)
	if len(ids) != 1 || ids[0] != chosen {
		t.Fatalf("ReplaceDuplicate returned %v, want [%s]", ids, chosen)
	}
	if got := queryText(t, srv.Pool, "SELECT code || ' ' || duct_type FROM netdata.duct WHERE id = $1", top); got != "WFSTIDGEN-R PVC" {
		t.Errorf("replaced duct is %q, want %q", got, "WFSTIDGEN-R PVC")
	}
}

// Replace (WFS 2.0) writes a new state over the selected feature, which keeps its id;
// properties left out get their defaults.
func TestTransaction_Replace(t *testing.T) {
	srv := startWritable(t, "WFSTREP-")
	ids := insertDucts(t, srv, "WFSTREP-", 1, `<net:colour>bleu</net:colour>`)
	body := tx20("rep", `<wfs:Replace handle="r">`+duct("WFSTREP-NEW", `<net:cable_count>2</net:cable_count>`,
		ductLine("EPSG:2154", 455000, 6903300, 455040, 6903300))+`<fes:Filter><fes:ResourceId rid="`+ids[0]+`"/></fes:Filter></wfs:Replace>`)
	root := expectOK(t, postTx(t, srv, body))
	if got := summary(t, root)["totalReplaced"]; got != 1 {
		t.Errorf("totalReplaced = %d, want 1", got)
	}
	results := root.child(nsWFS20, "ReplaceResults")
	if results == nil || results.first("http://www.opengis.net/fes/2.0", "ResourceId") == nil {
		t.Fatalf("response has no ReplaceResults")
	}
	if rid, _ := results.first("http://www.opengis.net/fes/2.0", "ResourceId").attr("rid"); rid != ids[0] {
		t.Errorf("ReplaceResults rid = %s, want %s", rid, ids[0])
	}
	got := queryText(t, srv.Pool, `SELECT concat_ws('|', code, coalesce(colour, 'NULL'), cable_count, ST_AsText(geom)) FROM netdata.duct WHERE id = $1`, keyOf(t, ids[0]))
	if want := "WFSTREP-NEW|NULL|2|LINESTRING(455000 6903300,455040 6903300)"; got != want {
		t.Errorf("replaced duct = %s, want %s", got, want)
	}
}

// A WFS 1.0 transaction that fails returns status FAILED with the handle as locator.
func TestTransaction_Failed10(t *testing.T) {
	srv := startWritable(t, "WFSTF10-")
	before := snapshot(t, srv.Pool)
	line := `<gml:LineString srsName="EPSG:2154"><gml:coordinates>455000,6903000 455020,6903000</gml:coordinates></gml:LineString>`
	bad := strings.Replace(duct("WFSTF10-1", "", line), "PE", "bamboo", 1)
	r := postTx(t, srv, tx10("t10", `<wfs:Insert handle="h1">`+bad+`</wfs:Insert>`))
	if r.status != http.StatusBadRequest {
		t.Errorf("HTTP status = %d, want 400", r.status)
	}
	root := parseXML(t, r.body)
	if !root.is(nsWFS, "WFS_TransactionResponse") || root.first(nsWFS, "FAILED") == nil {
		t.Fatalf("response is not a FAILED WFS_TransactionResponse\n%s", clip(r.body))
	}
	if loc := root.first(nsWFS, "Locator"); loc == nil || loc.Text != "h1" {
		t.Errorf("Locator is not h1\n%s", clip(r.body))
	}
	expectUnchanged(t, srv.Pool, before)
}

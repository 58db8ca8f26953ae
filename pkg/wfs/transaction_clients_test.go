package wfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Transaction documents that OpenLayers 10 writes (testdata/transaction/ol_wfs_*.xml,
// made by openlayers.mjs) insert two ducts, update one and delete one. Reading back
// gives exactly what they wrote.
func TestTransaction_OpenLayers(t *testing.T) {
	for _, version := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		t.Run(version, func(t *testing.T) {
			srv := startWritable(t, "OLTEST-")
			ids := insertDucts(t, srv, "OLTEST-SEED-", 2, `<net:colour>vert</net:colour><net:cable_count>1</net:cable_count>`)
			raw, err := os.ReadFile(filepath.Join("testdata", "transaction", "ol_wfs_"+version+".xml"))
			if err != nil {
				t.Fatal(err)
			}
			body := strings.ReplaceAll(string(raw), "duct.__UPDATE_ID__", ids[0])
			body = strings.ReplaceAll(body, "duct.__DELETE_ID__", ids[1])
			r := postTx(t, srv, body)
			root := expectOK(t, r)

			var newIDs []string
			if version == "1.0.0" {
				if root.first(nsWFS, "SUCCESS") == nil {
					t.Fatalf("status is not SUCCESS\n%s", clip(r.body))
				}
				for _, f := range root.all(nsOGC, "FeatureId") {
					id, _ := f.attr("fid")
					newIDs = append(newIDs, id)
				}
			} else {
				sum := summary(t, root)
				if sum["totalInserted"] != 2 || sum["totalUpdated"] != 1 || sum["totalDeleted"] != 1 {
					t.Errorf("summary = %v, want 2 inserted, 1 updated, 1 deleted", sum)
				}
				newIDs, _ = insertedIDs(root)
			}
			if len(newIDs) != 2 {
				t.Fatalf("%d new ids, want 2\n%s", len(newIDs), clip(r.body))
			}
			for i, want := range []string{
				"OLTEST-1|functional|A|PE|saisie OpenLayers|2024-03-15|LINESTRING(455000 6903000,455010 6903004,455030 6903004)",
				"OLTEST-2|functional|A|PE|saisie OpenLayers|2024-03-15|LINESTRING(455100 6903000,455120 6903010)",
			} {
				got := queryText(t, srv.Pool, `SELECT concat_ws('|', code, lifecycle_status, precision_xy, duct_type, comment, built_on, ST_AsText(geom))
					FROM netdata.duct WHERE id = $1`, keyOf(t, newIDs[i]))
				if got != want {
					t.Errorf("%s = %s, want %s", newIDs[i], got, want)
				}
			}
			got := queryText(t, srv.Pool, `SELECT concat_ws('|', comment, coalesce(colour, 'NULL'), cable_count, ST_AsText(geom))
				FROM netdata.duct WHERE id = $1`, keyOf(t, ids[0]))
			if want := "modifié dans OpenLayers|NULL|4|LINESTRING(455200 6903000,455230 6903020)"; got != want {
				t.Errorf("updated %s = %s, want %s", ids[0], got, want)
			}
			if n := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct WHERE id = $1", keyOf(t, ids[1])); n != 0 {
				t.Errorf("%s was not deleted", ids[1])
			}

			// Reading back through GetFeature gives what was written.
			fc := expectOK(t, get(t, srv, getFeature(version, "duct", idParam(version), newIDs[0])))
			if codes := fc.all(nsNet, "code"); len(codes) != 1 || codes[0].Text != "OLTEST-1" {
				t.Errorf("GetFeature %s does not return OLTEST-1", newIDs[0])
			}
		})
	}
}

// Transaction responses of every version, and the capabilities that advertise
// Transaction, are valid against the OGC schemas.
func TestTransaction_ResponseSchemas(t *testing.T) {
	dir := ogcSchemas(t)
	srv := startWritable(t, "WFSTXSD-")
	line2 := `<gml:LineString srsName="EPSG:2154"><gml:coordinates>455000,6903000 455020,6903000</gml:coordinates></gml:LineString>`
	cases := []struct {
		version, body string
		imports       []schemaImport
	}{
		{"2.0.0", tx20("xsd", `<wfs:Insert handle="a">`+duct("WFSTXSD-1", "", defaultLine(0))+`</wfs:Insert>`), wfs20Imports(t, dir)},
		{"1.1.0", tx11("xsd", `<wfs:Insert handle="a">`+duct("WFSTXSD-2", "", defaultLine(0))+`</wfs:Insert>`), wfs11Imports(dir)},
		{"1.0.0", tx10("xsd", `<wfs:Insert handle="a">`+duct("WFSTXSD-3", "", line2)+`</wfs:Insert>`),
			[]schemaImport{{nsGML, dir + "/ogc/gml/2.1.2/feature.xsd"}, {nsWFS, dir + "/ogc/wfs/1.0.0/WFS-transaction.xsd"}}},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			r := postTx(t, srv, c.body)
			expectOK(t, r)
			validate(t, dir, r.body, c.imports...)
		})
	}
	for _, c := range []struct {
		version string
		imports []schemaImport
	}{
		{"2.0.0", wfs20Imports(t, dir)},
		{"1.1.0", wfs11Imports(dir)},
		{"1.0.0", []schemaImport{{nsWFS, dir + "/ogc/wfs/1.0.0/WFS-capabilities.xsd"}}},
	} {
		t.Run("capabilities "+c.version, func(t *testing.T) {
			r := get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION="+c.version)
			expectOK(t, r)
			validate(t, dir, r.body, c.imports...)
		})
	}
}

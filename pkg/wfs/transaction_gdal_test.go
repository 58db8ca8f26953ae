package wfs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gdalPython is the Python interpreter with GDAL's bindings (Debian python3-gdal).
const gdalPython = "/usr/bin/python3"

// gdalEdit updates a duct found by code and deletes another through GDAL's WFS driver,
// as an application using the OGR API does: SetFeature sends a wfs:Update of every field,
// and a DELETE statement becomes a wfs:Delete with a filter.
const gdalEdit = `import sys
from osgeo import ogr, gdal
gdal.UseExceptions()
url, code, comment, delete_code = sys.argv[1:5]
ds = ogr.Open("WFS:" + url, update=1)
lyr = ds.GetLayerByName("net:duct")
lyr.SetAttributeFilter("code = '%s'" % code)
f = lyr.GetNextFeature()
if f is None:
    sys.exit("feature %s not found" % code)
f.SetField("comment", comment)
f.SetField("outer_diameter_mm", 63)
f.SetGeometry(ogr.CreateGeometryFromWkt("LINESTRING (455000 6903600,455080 6903650)"))
if lyr.SetFeature(f) != 0:
    sys.exit("SetFeature failed")
ds.ExecuteSQL("DELETE FROM duct WHERE code = '%s'" % delete_code)
`

const gdalGeoJSON = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[
{"type":"Feature","properties":{"code":"GDALTEST-1","lifecycle_status":"functional","precision_xy":"A","duct_type":"PE","built_on":"2023-05-04","outer_diameter_mm":45,"comment":"import ogr2ogr é"},"geometry":{"type":"LineString","coordinates":[[455000,6903500],[455030,6903520],[455060,6903520]]}},
{"type":"Feature","properties":{"code":"GDALTEST-2","lifecycle_status":"projected","precision_xy":"B","duct_type":"PVC","built_on":null,"outer_diameter_mm":60,"comment":null},"geometry":{"type":"LineString","coordinates":[[455100,6903500],[455150,6903500]]}}
]}`

const gdalGeoPackageSource = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4326"}},"features":[
{"type":"Feature","properties":{"code":"GDALTEST-G1","lifecycle_status":"under_construction","precision_xy":"A","duct_type":"PEX","in_service_on":"2024-01-02","cable_count":2},"geometry":{"type":"LineString","coordinates":[[-0.37,49.18],[-0.3697,49.1801]]}}
]}`

// runTool runs a command and fails the test with its output when it fails.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ogr2ogr appends GeoJSON and GeoPackage files to the WFS, an application updates and
// deletes through GDAL's WFS driver, and the database holds exactly what they wrote.
func TestTransaction_GDAL(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		requireTool(t, "ogr2ogr not found (Debian package gdal-bin): %v", err)
	}
	srv := startWritable(t, "GDALTEST-")
	dir := t.TempDir()
	wfsURL := "WFS:" + srv.URL + "/wfs"

	geojson := filepath.Join(dir, "ducts.geojson")
	if err := os.WriteFile(geojson, []byte(gdalGeoJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	runTool(t, "ogr2ogr", "-update", "-append", wfsURL, geojson, "-nln", "duct")
	rows := queryStrings(t, srv.Pool, `SELECT concat_ws('|', code, lifecycle_status, precision_xy, duct_type, coalesce(built_on::text, 'NULL'),
		outer_diameter_mm, coalesce(comment, 'NULL'), ST_AsText(geom)) FROM netdata.duct WHERE code LIKE 'GDALTEST-%' ORDER BY code`)
	want := []string{
		"GDALTEST-1|functional|A|PE|2023-05-04|45|import ogr2ogr é|LINESTRING(455000 6903500,455030 6903520,455060 6903520)",
		"GDALTEST-2|projected|B|PVC|NULL|60|NULL|LINESTRING(455100 6903500,455150 6903500)",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after ogr2ogr from GeoJSON:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	// A GeoPackage in EPSG:4326 is reprojected to Lambert-93 on the way in.
	source := filepath.Join(dir, "source.geojson")
	gpkg := filepath.Join(dir, "ducts.gpkg")
	if err := os.WriteFile(source, []byte(gdalGeoPackageSource), 0o644); err != nil {
		t.Fatal(err)
	}
	runTool(t, "ogr2ogr", "-f", "GPKG", gpkg, source, "-nln", "ducts")
	runTool(t, "ogr2ogr", "-update", "-append", wfsURL, gpkg, "-nln", "duct")
	got := queryText(t, srv.Pool, `SELECT concat_ws('|', lifecycle_status, duct_type, in_service_on, cable_count,
		ST_AsText(ST_SnapToGrid(geom, 0.01))) FROM netdata.duct WHERE code = 'GDALTEST-G1'`)
	wantGPKG := queryText(t, srv.Pool, `SELECT 'under_construction|PEX|2024-01-02|2|' ||
		ST_AsText(ST_SnapToGrid(ST_Transform(ST_GeomFromText('LINESTRING(-0.37 49.18,-0.3697 49.1801)', 4326), 2154), 0.01))`)
	if got != wantGPKG {
		t.Errorf("after ogr2ogr from GeoPackage: %s, want %s", got, wantGPKG)
	}

	if err := exec.Command(gdalPython, "-c", "from osgeo import ogr").Run(); err != nil {
		requireTool(t, "%s cannot import GDAL's Python bindings (Debian package python3-gdal): %v", gdalPython, err)
	}
	script := filepath.Join(dir, "edit.py")
	if err := os.WriteFile(script, []byte(gdalEdit), 0o644); err != nil {
		t.Fatal(err)
	}
	runTool(t, gdalPython, script, srv.URL+"/wfs", "GDALTEST-1", "modifié par GDAL", "GDALTEST-2")
	rows = queryStrings(t, srv.Pool, `SELECT concat_ws('|', code, lifecycle_status, precision_xy, duct_type, built_on, outer_diameter_mm, comment, ST_AsText(geom))
		FROM netdata.duct WHERE code IN ('GDALTEST-1', 'GDALTEST-2') ORDER BY code`)
	want = []string{"GDALTEST-1|functional|A|PE|2023-05-04|63|modifié par GDAL|LINESTRING(455000 6903600,455080 6903650)"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("after the GDAL update and delete:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	// Reading back through GDAL gives the values written.
	out := runTool(t, "ogrinfo", "-ro", "-q", wfsURL, "net:duct", "-where", "code = 'GDALTEST-1'")
	for _, s := range []string{"comment (String) = modifié par GDAL", "outer_diameter_mm (Integer) = 63", "LINESTRING (455000 6903600,455080 6903650)"} {
		if !strings.Contains(out, s) {
			t.Errorf("ogrinfo output lacks %q:\n%s", s, out)
		}
	}
}

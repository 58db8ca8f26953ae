package wfs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// qgisEdit runs an edit session of QGIS's WFS provider, headless: it adds two ducts in
// one commit, then edits an attribute and moves the first and deletes the second in a
// second commit, as a user saving layer edits does.
const qgisEdit = `import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsVectorLayer, QgsFeature, QgsGeometry, QgsPointXY,
                       QgsFeatureRequest, QgsExpression)
app = QgsApplication([], False)
app.initQgis()
url, version, prefix = sys.argv[1:4]
uri = "url='%s' typename='net:duct' version='%s' restrictToRequestBBOX='0'" % (url, version)
layer = QgsVectorLayer(uri, "duct", "WFS")
if not layer.isValid():
    sys.exit("layer not valid: %s" % layer.error().summary())
fields = layer.fields()

def new_duct(code, x):
    f = QgsFeature(fields)
    for name, value in (("code", code), ("lifecycle_status", "functional"), ("precision_xy", "A"),
                        ("duct_type", "PE"), ("comment", "saisi dans QGIS")):
        f.setAttribute(name, value)
    f.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(x, 6903700), QgsPointXY(x + 40, 6903720)]))
    return f

layer.startEditing()
if not layer.addFeatures([new_duct(prefix + "1", 455000), new_duct(prefix + "2", 455100)]):
    sys.exit("addFeatures failed")
if not layer.commitChanges():
    sys.exit("commit of the inserts failed: %s" % layer.commitErrors())

def find(code):
    found = list(layer.getFeatures(QgsFeatureRequest(QgsExpression("code = '%s'" % code))))
    if len(found) != 1:
        sys.exit("%d features with code %s" % (len(found), code))
    return found[0]

first, second = find(prefix + "1"), find(prefix + "2")
layer.startEditing()
layer.changeAttributeValue(first.id(), fields.indexOf("comment"), "édité dans QGIS")
layer.changeAttributeValue(first.id(), fields.indexOf("cable_count"), 3)
layer.changeGeometry(first.id(), QgsGeometry.fromPolylineXY([QgsPointXY(455000, 6903800), QgsPointXY(455060, 6903830)]))
layer.deleteFeature(second.id())
if not layer.commitChanges():
    sys.exit("commit of the edits failed: %s" % layer.commitErrors())
print("done")
`

// A QGIS edit session adds, edits, moves and deletes ducts through WFS-T, in WFS 2.0.0
// and 1.1.0, and the database holds exactly the result.
func TestTransaction_QGIS(t *testing.T) {
	if err := exec.Command(gdalPython, "-c", "import qgis.core").Run(); err != nil {
		requireTool(t, "%s cannot import qgis.core (Debian package python3-qgis): %v", gdalPython, err)
	}
	for _, version := range []string{"2.0.0", "1.1.0"} {
		t.Run(version, func(t *testing.T) {
			prefix := "QGISTEST-" + strings.ReplaceAll(version, ".", "") + "-"
			srv := startWritable(t, prefix)
			script := filepath.Join(t.TempDir(), "edit.py")
			if err := os.WriteFile(script, []byte(qgisEdit), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(gdalPython, script, srv.URL+"/wfs", version, prefix)
			cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "done") {
				t.Fatalf("QGIS edit session failed: %v\n%s", err, out)
			}
			rows := queryStrings(t, srv.Pool, `SELECT concat_ws('|', code, lifecycle_status, precision_xy, duct_type, comment, cable_count, ST_AsText(geom))
				FROM netdata.duct WHERE code LIKE $1 ORDER BY code`, prefix+"%")
			want := prefix + "1|functional|A|PE|édité dans QGIS|3|LINESTRING(455000 6903800,455060 6903830)"
			if len(rows) != 1 || rows[0] != want {
				t.Errorf("after the QGIS session:\n%s\nwant:\n%s", strings.Join(rows, "\n"), want)
			}
		})
	}
}

package wfs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/postgis"
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
if len(sys.argv) > 5:
    uri += " username='%s' password='%s'" % (sys.argv[4], sys.argv[5])
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

// script writes the edit session script to a temporary file.
func script(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "edit.py")
	if err := os.WriteFile(path, []byte(qgisEdit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A QGIS edit session adds, edits, moves and deletes ducts through WFS-T, in WFS 2.0.0
// and 1.1.0, anonymously with open transactions and as a partner with its login and key,
// and the database holds exactly the result.
func TestTransaction_QGIS(t *testing.T) {
	if err := exec.Command(gdalPython, "-c", "import qgis.core").Run(); err != nil {
		requireTool(t, "%s cannot import qgis.core (Debian package python3-qgis): %v", gdalPython, err)
	}
	for _, c := range []struct {
		version string
		partner bool
	}{{"2.0.0", false}, {"1.1.0", false}, {"2.0.0", true}} {
		name := c.version
		if c.partner {
			name += "/partner"
		}
		t.Run(name, func(t *testing.T) {
			version := c.version
			prefix := "QGISTEST-" + strings.ReplaceAll(version, ".", "") + "-"
			args := []string{script(t), "", version, prefix}
			var srv *testserver.Server
			var orgID int64
			if c.partner {
				prefix = "QGISPARTNER-"
				args[3] = prefix
				srv = start(t, func(c *config.Config) { c.WFS.Transactions = "partners" })
				cleanByCode(t, srv.Pool, prefix)
				t.Cleanup(func() { cleanByCode(t, srv.Pool, prefix) })
				suffix := fmt.Sprint(time.Now().UnixNano())
				p, key, err := postgis.NewPartnerStore(srv.Pool).AddPartner(context.Background(), postgis.NewPartner{
					Login: "qgis-" + suffix, Role: auth.RolePartner, WriteLayers: []string{"duct"},
					OrgCode: "QGISORG-" + suffix, OrgName: "Réseau d'essai QGIS", OrgType: "contractor",
				})
				if err != nil {
					t.Fatal(err)
				}
				orgID = p.OrgID
				args = append(args, p.Login, key)
			} else {
				srv = startWritable(t, prefix)
			}
			args[1] = srv.URL + "/wfs"
			cmd := exec.Command(gdalPython, args...)
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
			if c.partner {
				owner := queryInt(t, srv.Pool, "SELECT coalesce(max(owner_org_id), 0) FROM netdata.duct WHERE code LIKE $1", prefix+"%")
				if owner != orgID {
					t.Errorf("the partner's duct is owned by organisation %d, want %d", owner, orgID)
				}
			}
		})
	}
}

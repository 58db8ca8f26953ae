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

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/postgis"
)

// ogr2ogr writes as a partner with HTTP Basic credentials: the features land stamped
// with the partner's organisation and recorded in a submission, and the same append
// without credentials is refused and writes nothing.
func TestTransaction_GDALAsPartner(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		requireTool(t, "ogr2ogr not found (Debian package gdal-bin): %v", err)
	}
	const prefix = "GDALPARTNER-"
	srv := start(t, func(c *config.Config) { c.WFS.Transactions = "partners" })
	cleanByCode(t, srv.Pool, prefix)
	t.Cleanup(func() { cleanByCode(t, srv.Pool, prefix) })

	suffix := fmt.Sprint(time.Now().UnixNano())
	p, key, err := postgis.NewPartnerStore(srv.Pool).AddPartner(context.Background(), postgis.NewPartner{
		Login: "gdal-" + suffix, Role: auth.RolePartner, WriteLayers: []string{"duct"},
		OrgCode: "GDALORG-" + suffix, OrgName: "Réseau d'essai GDAL", OrgType: "contractor",
	})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	source := filepath.Join(dir, "ducts.geojson")
	body := strings.ReplaceAll(gdalGeoJSON, "GDALTEST-", prefix)
	if err := os.WriteFile(source, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	wfsURL := "WFS:" + srv.URL + "/wfs"

	out, err := exec.Command("ogr2ogr", "-update", "-append", wfsURL, source, "-nln", "duct").CombinedOutput()
	if err == nil {
		t.Errorf("an anonymous ogr2ogr append succeeded:\n%s", out)
	}
	if n := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct WHERE code LIKE $1", prefix+"%"); n != 0 {
		t.Fatalf("the refused anonymous append wrote %d ducts", n)
	}

	runTool(t, "ogr2ogr", "--config", "GDAL_HTTP_USERPWD", p.Login+":"+key, "-update", "-append", wfsURL, source, "-nln", "duct")
	rows := queryStrings(t, srv.Pool, `SELECT concat_ws('|', code, owner_org_id, (submission_id IS NOT NULL)::text) FROM netdata.duct
		WHERE code LIKE $1 ORDER BY code`, prefix+"%")
	want := []string{
		fmt.Sprintf("%s1|%d|true", prefix, p.OrgID),
		fmt.Sprintf("%s2|%d|true", prefix, p.OrgID),
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("after ogr2ogr as a partner:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if n := queryInt(t, srv.Pool, `SELECT count(*) FROM netdata.asbuilt_submission s JOIN netdata.duct d ON d.submission_id = s.id
		WHERE d.code LIKE $1 AND s.submitted_by_org_id = $2 AND s.validation_status = 'valid'`, prefix+"%", p.OrgID); n != 2 {
		t.Errorf("%d ducts point to a valid submission of the partner's organisation, want 2", n)
	}
}

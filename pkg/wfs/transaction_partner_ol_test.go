package wfs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/postgis"
)

// The Transaction that OpenLayers writes, sent by a web form with a partner's API key,
// inserts features owned by the partner's organisation, updates and deletes its own
// features, and without the key changes nothing.
func TestTransaction_OpenLayersAsPartner(t *testing.T) {
	const prefix = "OLPARTNER-"
	srv := start(t, func(c *config.Config) { c.WFS.Transactions = "partners" })
	cleanByCode(t, srv.Pool, prefix)
	t.Cleanup(func() { cleanByCode(t, srv.Pool, prefix) })
	suffix := fmt.Sprint(time.Now().UnixNano())
	p, key, err := postgis.NewPartnerStore(srv.Pool).AddPartner(context.Background(), postgis.NewPartner{
		Login: "ol-" + suffix, Role: auth.RolePartner, WriteLayers: []string{"duct"},
		OrgCode: "OLORG-" + suffix, OrgName: "Réseau d'essai OpenLayers", OrgType: "contractor",
	})
	if err != nil {
		t.Fatal(err)
	}
	var seeds []string
	for i := 1; i <= 2; i++ {
		var id int64
		err := srv.Pool.QueryRow(context.Background(), `INSERT INTO netdata.duct (code, owner_org_id, lifecycle_status, duct_type, precision_xy, geom)
			VALUES ($1, $2, 'functional', 'PE', 'A', 'SRID=2154;LINESTRING(455300 6903000, 455320 6903000)') RETURNING id`,
			fmt.Sprintf("%sSEED-%d", prefix, i), p.OrgID).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, fmt.Sprint(id))
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "transaction", "ol_wfs_2.0.0.xml"))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(raw), "duct.__UPDATE_ID__", "duct."+seeds[0])
	body = strings.ReplaceAll(body, "duct.__DELETE_ID__", "duct."+seeds[1])
	body = strings.ReplaceAll(body, "OLTEST-", prefix)
	before := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct WHERE code LIKE $1", prefix+"%")

	anonymous := post(t, srv, "application/xml", body)
	expectException(t, anonymous, 401, "OperationProcessingFailed", "")
	if n := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct WHERE code LIKE $1", prefix+"%"); n != before {
		t.Fatalf("the anonymous transaction changed the duct count from %d to %d", before, n)
	}

	r := post(t, srv, "application/xml", body, "X-API-Key", key)
	root := expectOK(t, r)
	if sum := summary(t, root); sum["totalInserted"] != 2 || sum["totalUpdated"] != 1 || sum["totalDeleted"] != 1 {
		t.Errorf("summary = %v, want 2 inserted, 1 updated, 1 deleted", sum)
	}
	owners := queryStrings(t, srv.Pool, `SELECT DISTINCT owner_org_id::text FROM netdata.duct WHERE code LIKE $1`, prefix+"%")
	if len(owners) != 1 || owners[0] != fmt.Sprint(p.OrgID) {
		t.Errorf("owners of the partner's ducts = %v, want [%d]", owners, p.OrgID)
	}
	if n := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct WHERE id = $1", keyOf(t, "duct."+seeds[1])); n != 0 {
		t.Errorf("duct.%s was not deleted", seeds[1])
	}
}

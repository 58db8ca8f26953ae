package wfs_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// withTransactions enables WFS-T for anyone (wfs.transactions: open).
func withTransactions(c *config.Config) { c.WFS.Transactions = "open" }

// startWritable runs a server with transactions open, and deletes at the end of the
// test every duct, route, technical point and planned works whose code (or reference)
// starts with codePrefix, with their history rows.
func startWritable(t *testing.T, codePrefix string, opts ...testserver.Option) *testserver.Server {
	t.Helper()
	srv := start(t, append([]testserver.Option{withTransactions}, opts...)...)
	cleanByCode(t, srv.Pool, codePrefix)
	t.Cleanup(func() { cleanByCode(t, srv.Pool, codePrefix) })
	return srv
}

// cleanByCode deletes the test rows of the feature tables whose code starts with prefix.
func cleanByCode(t *testing.T, pool *pgxpool.Pool, prefix string) {
	t.Helper()
	ctx := context.Background()
	for _, tc := range [][2]string{{"netdata.duct", "code"}, {"netdata.route", "code"},
		{"netdata.technical_point", "code"}, {"netdata.network_link", "code"}, {"netdata.planned_works", "reference"}} {
		sql := fmt.Sprintf(`WITH gone AS (DELETE FROM %s WHERE %s LIKE $1 RETURNING id)
			DELETE FROM netdata.feature_history h USING gone WHERE h.table_name = $2 AND h.feature_id = gone.id`, tc[0], tc[1])
		if _, err := pool.Exec(ctx, sql, prefix+"%", tc[0]); err != nil {
			t.Errorf("clean %s: %v", tc[0], err)
		}
	}
}

// postTx posts a Transaction document.
func postTx(t *testing.T, srv *testserver.Server, body string) response {
	t.Helper()
	return post(t, srv, "application/xml", body)
}

// tx20 wraps actions in a WFS 2.0 Transaction with the namespaces they use.
func tx20(handle, actions string) string {
	return `<wfs:Transaction service="WFS" version="2.0.0" handle="` + handle + `"
  xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0"
  xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:net="http://fourreau.org/net"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + actions + `</wfs:Transaction>`
}

// tx11 wraps actions in a WFS 1.1 Transaction.
func tx11(handle, actions string) string {
	return `<wfs:Transaction service="WFS" version="1.1.0" handle="` + handle + `"
  xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc"
  xmlns:gml="http://www.opengis.net/gml" xmlns:net="http://fourreau.org/net"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + actions + `</wfs:Transaction>`
}

// tx10 wraps actions in a WFS 1.0 Transaction.
func tx10(handle, actions string) string {
	return `<wfs:Transaction service="WFS" version="1.0.0" handle="` + handle + `"
  xmlns:wfs="http://www.opengis.net/wfs" xmlns:ogc="http://www.opengis.net/ogc"
  xmlns:gml="http://www.opengis.net/gml" xmlns:net="http://fourreau.org/net">` + actions + `</wfs:Transaction>`
}

// ductLine returns a GML 3 LineString in Lambert-93 from x/y pairs, in the Caen area of
// the demo data.
func ductLine(srsName string, coords ...float64) string {
	parts := make([]string, len(coords))
	for i, c := range coords {
		parts[i] = strconv.FormatFloat(c, 'f', -1, 64)
	}
	attr := ""
	if srsName != "" {
		attr = ` srsName="` + srsName + `"`
	}
	return `<gml:LineString` + attr + `><gml:posList>` + strings.Join(parts, " ") + `</gml:posList></gml:LineString>`
}

// duct returns a net:duct element with the properties every duct needs, the extra
// property elements and a geometry.
func duct(code, extra, geometry string) string {
	return `<net:duct><net:code>` + code + `</net:code><net:lifecycle_status>functional</net:lifecycle_status>` +
		`<net:precision_xy>A</net:precision_xy><net:duct_type>PE</net:duct_type>` + extra +
		`<net:geom>` + geometry + `</net:geom></net:duct>`
}

// defaultLine is a 20 m duct in Caen.
func defaultLine(dx float64) string {
	return ductLine("urn:ogc:def:crs:EPSG::2154", 455000+dx, 6903000, 455020+dx, 6903000)
}

// tableState is a fingerprint of the data a failed transaction must leave unchanged.
type tableState struct {
	rows     int64
	checksum string
	history  int64
}

// snapshot reads the row count and checksum of the feature tables and the history count.
func snapshot(t *testing.T, pool *pgxpool.Pool) tableState {
	t.Helper()
	var s tableState
	err := pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM netdata.duct) + (SELECT count(*) FROM netdata.planned_works) + (SELECT count(*) FROM netdata.technical_point),
		md5(coalesce((SELECT string_agg(md5(d::text), '' ORDER BY id) FROM netdata.duct d), '') ||
		    coalesce((SELECT string_agg(md5(p::text), '' ORDER BY id) FROM netdata.planned_works p), '') ||
		    coalesce((SELECT string_agg(md5(p::text), '' ORDER BY id) FROM netdata.technical_point p), '')),
		(SELECT count(*) FROM netdata.feature_history)`).Scan(&s.rows, &s.checksum, &s.history)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return s
}

// expectUnchanged checks that the data are as in before.
func expectUnchanged(t *testing.T, pool *pgxpool.Pool, before tableState) {
	t.Helper()
	after := snapshot(t, pool)
	if after.rows != before.rows {
		t.Errorf("row count changed from %d to %d", before.rows, after.rows)
	}
	if after.checksum != before.checksum {
		t.Errorf("table checksum changed: the failed transaction left data behind")
	}
	if after.history != before.history {
		t.Errorf("history rows changed from %d to %d", before.history, after.history)
	}
}

// insertedIDs returns the ids of the InsertResults of a WFS 2.0 or 1.1 response, and
// the handle of each.
func insertedIDs(root *node) (ids, handles []string) {
	for _, f := range root.all(root.XMLName.Space, "Feature") {
		h, _ := f.attr("handle")
		for _, r := range f.Nodes {
			id, ok := r.attr("rid")
			if !ok {
				id, _ = r.attr("fid")
			}
			ids = append(ids, id)
			handles = append(handles, h)
		}
	}
	return ids, handles
}

// summary reads the counts of a TransactionSummary.
func summary(t *testing.T, root *node) map[string]int64 {
	t.Helper()
	s := root.child(root.XMLName.Space, "TransactionSummary")
	if s == nil {
		t.Fatalf("response has no TransactionSummary")
	}
	out := map[string]int64{}
	for _, c := range s.Nodes {
		n, err := strconv.ParseInt(strings.TrimSpace(c.Text), 10, 64)
		if err != nil {
			t.Fatalf("%s=%q is not an integer", c.XMLName.Local, c.Text)
		}
		out[c.XMLName.Local] = n
	}
	return out
}

// keyOf returns the integer key of a feature id such as duct.42.
func keyOf(t *testing.T, id string) int64 {
	t.Helper()
	_, key, _ := strings.Cut(id, ".")
	k, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		t.Fatalf("feature id %q has no integer key", id)
	}
	return k
}

// queryText runs a query returning one text value.
func queryText(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) string {
	t.Helper()
	var s string
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return s
}

// testdbPool returns the migrated test database.
func testdbPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	return testdb.MigratedPool(t)
}

// anyOrganisation returns the id of an organisation, skipping the test when the table is
// empty.
func anyOrganisation(t *testing.T, srv *testserver.Server) int64 {
	t.Helper()
	id := queryInt(t, srv.Pool, "SELECT coalesce(min(id), 0) FROM netdata.organisation")
	if id == 0 {
		t.Skip("netdata.organisation is empty: load the demo data")
	}
	return id
}

// testServer is the running server the transaction tests write through.
type testServer = *testserver.Server

package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/postgis"
)

// The security matrix runs against a real server over HTTP. Writes go to
// net:authtest_duct, a tracked copy of netdata.duct (authtest.duct_http), so that the
// published data never changes.

const testLayer = "authtest_duct"

type caller struct {
	name string
	key  string // "" for anonymous
}

type matrixFixture struct {
	srv                    *testserver.Server
	anonymous, a, b, admin caller
	orgA, orgB             int64
	suffix                 string
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	buf := make([]byte, 4)
	rand.Read(buf)
	f := &matrixFixture{suffix: hex.EncodeToString(buf)}
	createTestTable(t)
	f.srv = testserver.Start(t, func(c *config.Config) {
		c.WFS.Transactions = "partners"
		c.Layers = append(c.Layers, config.LayerConfig{
			Name: testLayer, Title: "Test ducts", Table: "authtest.duct_http", Key: "id", Geometry: "geom",
			SRID: 2154, GeometryType: "LineString",
		})
	})

	ctx := context.Background()
	store := postgis.NewPartnerStore(f.srv.Pool)
	add := func(login, org string, role auth.Role) (caller, int64) {
		p, key, err := store.AddPartner(ctx, postgis.NewPartner{
			Login: login + "-" + f.suffix, OrgCode: org + "-" + f.suffix, OrgName: "Matrix " + org, OrgType: "contractor",
			Role: role, WriteLayers: []string{testLayer},
		})
		if err != nil {
			t.Fatal(err)
		}
		return caller{name: login, key: key}, p.OrgID
	}
	f.anonymous = caller{name: "anonymous"}
	f.a, f.orgA = add("partner-a", "A", auth.RolePartner)
	f.b, f.orgB = add("partner-b", "B", auth.RolePartner)
	f.admin, _ = add("admin", "ADM", auth.RoleAdmin)
	return f
}

// createTestTable creates the tracked test table before the server reads its catalog.
func createTestTable(t *testing.T) {
	t.Helper()
	pool := testdb.MigratedPool(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	// An advisory lock keeps parallel test packages from creating the table twice.
	for _, sql := range []string{
		`SELECT pg_advisory_lock(7242917101)`,
		`CREATE SCHEMA IF NOT EXISTS authtest`,
		`CREATE TABLE IF NOT EXISTS authtest.duct_http (LIKE netdata.duct INCLUDING ALL)`,
		`SELECT netdata.track_writes('authtest.duct_http', 'id', 'owner_org_id', 'geom')`,
		`SELECT pg_advisory_unlock(7242917101)`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// feature inserts a test feature owned by org, directly in SQL, and returns its key.
func (f *matrixFixture) feature(t *testing.T, org int64) int64 {
	t.Helper()
	var id int64
	err := f.srv.Pool.QueryRow(context.Background(), `INSERT INTO authtest.duct_http (owner_org_id, lifecycle_status, duct_type, comment, geom)
		VALUES ($1, 'functional', 'PE', 'original', 'SRID=2154;LINESTRING(450100 6900100, 450110 6900100)') RETURNING id`, org).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *matrixFixture) do(t *testing.T, c caller, method, query, body string) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+"/wfs"+query, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/xml")
	}
	if c.key != "" {
		req.Header.Set("X-API-Key", c.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(out)
}

const txOpen = `<wfs:Transaction service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"
 xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:net="http://fourreau.org/net">`

func insertXML() string {
	return txOpen + `<wfs:Insert><net:authtest_duct>
  <net:lifecycle_status>functional</net:lifecycle_status><net:precision_xy>B</net:precision_xy><net:duct_type>PE</net:duct_type>
  <net:geom><gml:LineString srsName="urn:ogc:def:crs:EPSG::2154"><gml:posList>450100 6900100 450120 6900100</gml:posList></gml:LineString></net:geom>
</net:authtest_duct></wfs:Insert></wfs:Transaction>`
}

func updateXML(key int64) string {
	return txOpen + fmt.Sprintf(`<wfs:Update typeName="net:authtest_duct">
  <wfs:Property><wfs:ValueReference>comment</wfs:ValueReference><wfs:Value>changed</wfs:Value></wfs:Property>
  <fes:Filter><fes:ResourceId rid="authtest_duct.%d"/></fes:Filter></wfs:Update></wfs:Transaction>`, key)
}

func replaceXML(key int64) string {
	return txOpen + fmt.Sprintf(`<wfs:Replace><net:authtest_duct>
  <net:lifecycle_status>functional</net:lifecycle_status><net:precision_xy>B</net:precision_xy><net:duct_type>PE</net:duct_type>
  <net:comment>replaced</net:comment>
  <net:geom><gml:LineString srsName="urn:ogc:def:crs:EPSG::2154"><gml:posList>450100 6900100 450130 6900100</gml:posList></gml:LineString></net:geom>
</net:authtest_duct><fes:Filter><fes:ResourceId rid="authtest_duct.%d"/></fes:Filter></wfs:Replace></wfs:Transaction>`, key)
}

func deleteXML(key int64) string {
	return txOpen + fmt.Sprintf(`<wfs:Delete typeName="net:authtest_duct">
  <fes:Filter><fes:ResourceId rid="authtest_duct.%d"/></fes:Filter></wfs:Delete></wfs:Transaction>`, key)
}

// state returns the comment of a feature, or "deleted".
func (f *matrixFixture) state(t *testing.T, key int64) string {
	t.Helper()
	var comment *string
	err := f.srv.Pool.QueryRow(context.Background(), `SELECT comment FROM authtest.duct_http WHERE id = $1`, key).Scan(&comment)
	if err != nil {
		return "deleted"
	}
	if comment == nil {
		return "null"
	}
	return *comment
}

func TestSecurityMatrixReads(t *testing.T) {
	f := newMatrixFixture(t)
	openLayer := "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=1"
	closedLayer := "?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct_history&COUNT=1"
	describeClosed := "?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=net:duct_history"
	capabilities := "?SERVICE=WFS&REQUEST=GetCapabilities"
	for _, c := range []caller{f.anonymous, f.a, f.b, f.admin} {
		wantClosed := http.StatusOK
		if c.key == "" {
			wantClosed = http.StatusUnauthorized
		}
		if status, _, body := f.do(t, c, http.MethodGet, openLayer, ""); status != http.StatusOK {
			t.Errorf("%s reads an open layer: status %d: %.300s", c.name, status, body)
		}
		status, header, body := f.do(t, c, http.MethodGet, closedLayer, "")
		if status != wantClosed {
			t.Errorf("%s reads a closed layer: status %d, want %d: %.300s", c.name, status, wantClosed, body)
		}
		if status == http.StatusUnauthorized {
			if header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", c.name)
			}
			if !strings.Contains(body, "ExceptionReport") {
				t.Errorf("%s: 401 without an exception report: %.300s", c.name, body)
			}
		}
		if status, _, _ := f.do(t, c, http.MethodGet, describeClosed, ""); status != wantClosed {
			t.Errorf("%s describes a closed layer: status %d, want %d", c.name, status, wantClosed)
		}
		_, _, caps := f.do(t, c, http.MethodGet, capabilities, "")
		listed := strings.Contains(caps, "<wfs:Name>net:duct_history</wfs:Name>")
		if listed != (c.key != "") {
			t.Errorf("%s: closed layer listed in capabilities = %v", c.name, listed)
		}
		if !strings.Contains(caps, "<wfs:Name>net:duct</wfs:Name>") {
			t.Errorf("%s: open layer missing from capabilities", c.name)
		}
	}
}

func TestSecurityMatrixWrites(t *testing.T) {
	f := newMatrixFixture(t)
	owners := map[string]int64{"A": f.orgA, "B": f.orgB}
	type op struct {
		name  string
		owner string // owner of the target feature; "" for insert
		body  func(key int64) string
		// changed is the state of the target after a successful request.
		changed string
	}
	ops := []op{
		{"insert", "", func(int64) string { return insertXML() }, ""},
		{"update A's", "A", updateXML, "changed"},
		{"update B's", "B", updateXML, "changed"},
		{"replace A's", "A", replaceXML, "replaced"},
		{"replace B's", "B", replaceXML, "replaced"},
		{"delete A's", "A", deleteXML, "deleted"},
		{"delete B's", "B", deleteXML, "deleted"},
	}
	allowed := map[string]map[string]int{
		"anonymous": {"insert": 401, "update A's": 401, "update B's": 401, "replace A's": 401, "replace B's": 401, "delete A's": 401, "delete B's": 401},
		"partner-a": {"insert": 200, "update A's": 200, "update B's": 403, "replace A's": 200, "replace B's": 403, "delete A's": 200, "delete B's": 403},
		"partner-b": {"insert": 200, "update A's": 403, "update B's": 200, "replace A's": 403, "replace B's": 200, "delete A's": 403, "delete B's": 200},
		"admin":     {"insert": 200, "update A's": 200, "update B's": 200, "replace A's": 200, "replace B's": 200, "delete A's": 200, "delete B's": 200},
	}
	for _, c := range []caller{f.anonymous, f.a, f.b, f.admin} {
		for _, o := range ops {
			var key int64
			if o.owner != "" {
				key = f.feature(t, owners[o.owner])
			}
			var before int
			f.srv.Pool.QueryRow(context.Background(), `SELECT count(*) FROM authtest.duct_http`).Scan(&before)

			status, header, body := f.do(t, c, http.MethodPost, "", o.body(key))
			want := allowed[c.name][o.name]
			if status != want {
				t.Errorf("%s %s: status %d, want %d: %.900s", c.name, o.name, status, want, body)
				continue
			}
			if want == 401 && header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", c.name, o.name)
			}
			if want != 200 && !strings.Contains(body, "ExceptionReport") {
				t.Errorf("%s %s: refusal without an exception report: %.300s", c.name, o.name, body)
			}
			var after int
			f.srv.Pool.QueryRow(context.Background(), `SELECT count(*) FROM authtest.duct_http`).Scan(&after)
			switch {
			case o.owner == "" && want == 200:
				if after != before+1 {
					t.Errorf("%s %s: %d features before, %d after", c.name, o.name, before, after)
				}
				// The new feature is owned by the caller's organisation.
				if c.name != "admin" {
					id := regexp.MustCompile(`rid="authtest_duct\.(\d+)"`).FindStringSubmatch(body)
					if id == nil {
						t.Errorf("%s %s: no new id in %.300s", c.name, o.name, body)
						break
					}
					var owner int64
					f.srv.Pool.QueryRow(context.Background(), `SELECT owner_org_id FROM authtest.duct_http WHERE id = $1`, id[1]).Scan(&owner)
					want := map[string]int64{"partner-a": f.orgA, "partner-b": f.orgB}[c.name]
					if owner != want {
						t.Errorf("%s %s: new feature owned by %d, want %d", c.name, o.name, owner, want)
					}
				}
			case o.owner == "":
				if after != before {
					t.Errorf("%s %s was refused but the feature count changed from %d to %d", c.name, o.name, before, after)
				}
			case want == 200:
				if got := f.state(t, key); got != o.changed {
					t.Errorf("%s %s: feature state %q, want %q", c.name, o.name, got, o.changed)
				}
				// An update or a replace keeps the owner, whoever makes it.
				var owner int64
				err := f.srv.Pool.QueryRow(context.Background(), `SELECT owner_org_id FROM authtest.duct_http WHERE id = $1`, key).Scan(&owner)
				if err == nil && owner != owners[o.owner] {
					t.Errorf("%s %s: feature now owned by %d, want %d", c.name, o.name, owner, owners[o.owner])
				}
			default:
				if got := f.state(t, key); got != "original" {
					t.Errorf("%s %s was refused but the feature is now %q", c.name, o.name, got)
				}
			}
		}
	}
}

func TestHistoryLayerShowsChanges(t *testing.T) {
	f := newMatrixFixture(t)
	key := f.feature(t, f.orgA)
	if status, _, body := f.do(t, f.a, http.MethodPost, "", updateXML(key)); status != 200 {
		t.Fatalf("update: %d %.300s", status, body)
	}
	var n int
	err := f.srv.Pool.QueryRow(context.Background(), `SELECT count(*) FROM netdata.feature_history h
		  JOIN netdata.asbuilt_submission s ON s.id = h.submission_id
		 WHERE h.table_name = 'authtest.duct_http' AND h.feature_id = $1 AND h.operation = 'update'
		   AND s.partner_login = $2 AND s.validation_status = 'valid' AND s.total_updated = 1`, key, "partner-a-"+f.suffix).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d history rows with a valid submission for the update, want 1", n)
	}
}

func TestOversizedBodyIsRejected(t *testing.T) {
	f := newMatrixFixture(t)
	body := txOpen + "<!--" + strings.Repeat("x", 17<<20) + "-->"
	status, _, resp := f.do(t, f.admin, http.MethodPost, "", body)
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 17 MiB body: status %d, want 413: %.300s", status, resp)
	}
}

func TestHostileXMLIsRejected(t *testing.T) {
	f := newMatrixFixture(t)
	key := f.feature(t, f.orgA)
	for name, body := range map[string]string{
		"entity expansion": `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
			strings.Replace(updateXML(key), "changed", "&b;", 1),
		"external entity": `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/hostname">]>` +
			strings.Replace(updateXML(key), "changed", "&x;", 1),
		"deep nesting": txOpen + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</wfs:Transaction>",
	} {
		status, _, resp := f.do(t, f.a, http.MethodPost, "", body)
		if status != http.StatusBadRequest || !strings.Contains(resp, "OperationParsingFailed") {
			t.Errorf("%s: status %d: %.300s", name, status, resp)
		}
		if got := f.state(t, key); got != "original" {
			t.Errorf("%s changed the feature to %q", name, got)
		}
	}
}

// TestInvalidKeyOnRead checks that a wrong key is reported, not served as anonymous.
func TestInvalidKeyOnRead(t *testing.T) {
	f := newMatrixFixture(t)
	bad := caller{name: "bad key", key: f.a.key[:len(f.a.key)-4] + "AAAA"}
	status, header, _ := f.do(t, bad, http.MethodGet, "?"+url.Values{"SERVICE": {"WFS"}, "REQUEST": {"GetCapabilities"}}.Encode(), "")
	if status != http.StatusUnauthorized || header.Get("WWW-Authenticate") == "" {
		t.Errorf("a wrong key: status %d, challenge %q", status, header.Get("WWW-Authenticate"))
	}
}

// lockIDOf returns the lock id of a LockFeature (2.0 attribute, 1.x element) or
// GetFeatureWithLock response.
func lockIDOf(body string) string {
	m := regexp.MustCompile(`lockId="([0-9a-f]+)"|<(?:wfs:)?LockId>([0-9a-f]+)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

func TestLockingOverHTTP(t *testing.T) {
	f := newMatrixFixture(t)
	ownA, ownA2, ownB := f.feature(t, f.orgA), f.feature(t, f.orgA), f.feature(t, f.orgB)
	rid := func(k int64) string { return fmt.Sprintf("%s.%d", testLayer, k) }

	// Anonymous callers cannot lock.
	status, header, _ := f.do(t, f.anonymous, http.MethodGet, "?SERVICE=WFS&VERSION=2.0.0&REQUEST=LockFeature&RESOURCEID="+rid(ownA), "")
	if status != http.StatusUnauthorized || header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous LockFeature: status %d", status)
	}

	// A partner locks its own features only: with SOME, B's feature is listed as not locked.
	status, _, body := f.do(t, f.a, http.MethodGet, "?SERVICE=WFS&VERSION=2.0.0&REQUEST=LockFeature&LOCKACTION=SOME&EXPIRY=300&RESOURCEID="+
		rid(ownA)+","+rid(ownB), "")
	lockID := lockIDOf(body)
	if status != 200 || lockID == "" {
		t.Fatalf("LockFeature: status %d: %.500s", status, body)
	}
	locked := regexp.MustCompile(`(?s)<wfs:FeaturesLocked>.*` + rid(ownA) + `.*</wfs:FeaturesLocked>`)
	notLocked := regexp.MustCompile(`(?s)<wfs:FeaturesNotLocked>.*` + rid(ownB) + `.*</wfs:FeaturesNotLocked>`)
	if !locked.MatchString(body) || !notLocked.MatchString(body) {
		t.Errorf("LockFeature response does not list A's feature locked and B's not locked: %s", body)
	}

	// Nobody changes the locked feature without the lock, administrators included.
	for _, c := range []caller{f.a, f.admin} {
		status, _, body := f.do(t, c, http.MethodPost, "", updateXML(ownA))
		if status != http.StatusLocked || !strings.Contains(body, "ExceptionReport") {
			t.Errorf("%s updates a locked feature without the lock: status %d: %.300s", c.name, status, body)
		}
	}
	if got := f.state(t, ownA); got != "original" {
		t.Errorf("the locked feature changed to %q", got)
	}

	// B presenting A's lock gets nothing from it.
	withLock := func(xml, lockID, release string) string {
		return strings.Replace(xml, `<wfs:Transaction `, `<wfs:Transaction lockId="`+lockID+`" releaseAction="`+release+`" `, 1)
	}
	if status, _, _ := f.do(t, f.b, http.MethodPost, "", withLock(updateXML(ownB), lockID, "ALL")); status != http.StatusBadRequest {
		t.Errorf("B presenting A's lock: status %d, want 400", status)
	}

	// With its lock, A changes the feature and releases the lock.
	if status, _, body := f.do(t, f.a, http.MethodPost, "", withLock(updateXML(ownA), lockID, "ALL")); status != 200 {
		t.Fatalf("A updates with its lock: status %d: %.300s", status, body)
	}
	if got := f.state(t, ownA); got != "changed" {
		t.Errorf("feature state %q after the locked update, want changed", got)
	}
	if status, _, _ := f.do(t, f.admin, http.MethodPost, "", deleteXML(ownA)); status != 200 {
		t.Errorf("after releaseAction=ALL the feature is still locked: status %d", status)
	}

	// GetFeatureWithLock (WFS 1.1) returns the locked features and the lock id.
	status, _, body = f.do(t, f.a, http.MethodGet, "?SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeatureWithLock&LOCKACTION=SOME&TYPENAME=net:"+testLayer+
		"&FEATUREID="+rid(ownA2)+","+rid(ownB), "")
	if status != 200 || lockIDOf(body) == "" {
		t.Fatalf("GetFeatureWithLock: status %d: %.500s", status, body)
	}
	if !strings.Contains(body, `gml:id="`+rid(ownA2)+`"`) || strings.Contains(body, `gml:id="`+rid(ownB)+`"`) {
		t.Errorf("GetFeatureWithLock should return A's feature only: %.1000s", body)
	}
	if status, _, _ := f.do(t, f.admin, http.MethodPost, "", updateXML(ownA2)); status != http.StatusLocked {
		t.Errorf("feature locked by GetFeatureWithLock: update without the lock got %d, want 423", status)
	}
}

// A stored query that returns a closed layer is listed and described only to callers
// that may read the layer.
func TestStoredQueriesHideClosedLayers(t *testing.T) {
	f := newMatrixFixture(t)
	id := "urn:fourreau:test:history-" + f.suffix
	create := `<wfs:CreateStoredQuery service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:net="http://fourreau.org/net">
  <wfs:StoredQueryDefinition id="` + id + `"><wfs:Title>Duct history</wfs:Title>
    <wfs:QueryExpressionText returnFeatureTypes="net:duct_history" language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" isPrivate="false">
      <wfs:Query typeNames="net:duct_history"/>
    </wfs:QueryExpressionText>
  </wfs:StoredQueryDefinition></wfs:CreateStoredQuery>`
	if status, _, body := f.do(t, f.admin, http.MethodPost, "", create); status != http.StatusOK {
		t.Fatalf("CreateStoredQuery: status %d: %.400s", status, body)
	}
	t.Cleanup(func() {
		f.do(t, f.admin, http.MethodGet, "?SERVICE=WFS&VERSION=2.0.0&REQUEST=DropStoredQuery&STOREDQUERY_ID="+url.QueryEscape(id), "")
	})
	list := "?SERVICE=WFS&VERSION=2.0.0&REQUEST=ListStoredQueries"
	describe := "?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeStoredQueries"
	for _, c := range []caller{f.anonymous, f.a, f.admin} {
		status, _, body := f.do(t, c, http.MethodGet, list, "")
		if status != http.StatusOK {
			t.Fatalf("%s ListStoredQueries: status %d: %.300s", c.name, status, body)
		}
		want := c.key != ""
		if got := strings.Contains(body, id); got != want {
			t.Errorf("%s ListStoredQueries names the closed layer's query: %v, want %v", c.name, got, want)
		}
		if got := strings.Contains(body, "duct_history"); got != want {
			t.Errorf("%s ListStoredQueries names duct_history: %v, want %v", c.name, got, want)
		}
		_, _, body = f.do(t, c, http.MethodGet, describe, "")
		if got := strings.Contains(body, "duct_history"); got != want {
			t.Errorf("%s DescribeStoredQueries names duct_history: %v, want %v", c.name, got, want)
		}
	}
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/postgis"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tests of this package run `fourreau serve` as a child process over the test
// database and drive it over HTTP on a loopback port, so that the process can be killed
// in the middle of a transaction. Writes go to net:proctest_duct, a tracked copy of
// netdata.duct (table proctest.duct), so that the published data never changes.

const (
	procLayer = "proctest_duct"
	procTable = "proctest.duct"
)

// binaryDir is the folder of the binary that serverBinary builds, removed by TestMain.
var binaryDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// serverBinary builds the fourreau binary once per test run.
var serverBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "fourreau-proc-test-")
	if err != nil {
		return "", err
	}
	binaryDir = dir
	bin := filepath.Join(dir, "fourreau")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %w: %s", err, out)
	}
	return bin, nil
})

// serverProcess is a `fourreau serve` child process.
type serverProcess struct {
	cmd     *exec.Cmd
	url     string
	logFile string
	done    chan struct{}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer starts `fourreau serve` publishing the test layer with transactions open
// to partners, waits until it answers, and kills it when the test ends if it still runs.
func startServer(t *testing.T, dbURL string) *serverProcess {
	t.Helper()
	bin, err := serverBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	port := freePort(t)
	config := fmt.Sprintf(`server:
  listen: 127.0.0.1:%d
log:
  level: warn
database:
  max_conns: 12
wfs:
  transactions: partners
tiles:
  cache:
    backend: none
  layers:
    - {name: %s}
layers:
  - {name: %s, title: Process test ducts, table: %s, key: id, geometry: geom, srid: 2154, geometry_type: LineString}
`, port, procLayer, procLayer, procTable)
	configFile := filepath.Join(dir, "fourreau.yaml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{url: fmt.Sprintf("http://127.0.0.1:%d", port), logFile: filepath.Join(dir, "server.log"),
		done: make(chan struct{})}
	logOut, err := os.Create(p.logFile)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, "serve", "--config", configFile, "--database-url", dbURL)
	p.cmd.Stdout, p.cmd.Stderr = logOut, logOut
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		logOut.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			out, _ := os.ReadFile(p.logFile)
			t.Logf("server log:\n%s", out)
		}
	})

	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(p.url + "/wfs?SERVICE=WFS&REQUEST=GetCapabilities")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			out, _ := os.ReadFile(p.logFile)
			t.Fatalf("fourreau serve exited before answering: %s", out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("fourreau serve did not answer within 90 s (last error %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// procFixture holds the database side of a process test.
type procFixture struct {
	dbURL  string
	pool   *pgxpool.Pool
	suffix string
}

func newProcFixture(t *testing.T) *procFixture {
	t.Helper()
	pool := testdb.MigratedPool(t)
	buf := make([]byte, 4)
	rand.Read(buf)
	f := &procFixture{dbURL: testdb.URL(t), pool: pool, suffix: hex.EncodeToString(buf)}
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	// An advisory lock keeps parallel test packages from creating the table twice.
	for _, sql := range []string{
		`SELECT pg_advisory_lock(7242917102)`,
		`CREATE SCHEMA IF NOT EXISTS proctest`,
		`CREATE TABLE IF NOT EXISTS proctest.duct (LIKE netdata.duct INCLUDING ALL)`,
		`SELECT netdata.track_writes('proctest.duct', 'id', 'owner_org_id', 'geom')`,
		`SELECT pg_advisory_unlock(7242917102)`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return f
}

// partner is a partner account of a test.
type partner struct {
	login string
	key   string
	org   int64
}

// addPartner creates a partner of organisation org (created on first use) that may
// write the test layer.
func (f *procFixture) addPartner(t *testing.T, login, org string, role auth.Role) partner {
	t.Helper()
	p, key, err := postgis.NewPartnerStore(f.pool).AddPartner(context.Background(), postgis.NewPartner{
		Login: login + "-" + f.suffix, OrgCode: org + "-" + f.suffix, OrgName: "Process test " + org, OrgType: "contractor",
		Role: role, WriteLayers: []string{procLayer},
	})
	if err != nil {
		t.Fatal(err)
	}
	return partner{login: p.Login, key: key, org: p.OrgID}
}

// seed inserts a feature owned by org directly in SQL and returns its key.
func (f *procFixture) seed(t *testing.T, org int64, comment string) int64 {
	t.Helper()
	var id int64
	err := f.pool.QueryRow(context.Background(), `INSERT INTO proctest.duct (owner_org_id, lifecycle_status, duct_type, comment, geom)
		VALUES ($1, 'functional', 'PE', $2, 'SRID=2154;LINESTRING(450100 6900100, 450110 6900100)') RETURNING id`, org, comment).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// comment returns the comment of a feature, or "deleted".
func (f *procFixture) comment(t *testing.T, key int64) string {
	t.Helper()
	var comment *string
	if err := f.pool.QueryRow(context.Background(), `SELECT comment FROM proctest.duct WHERE id = $1`, key).Scan(&comment); err != nil {
		return "deleted"
	}
	if comment == nil {
		return "null"
	}
	return *comment
}

// count runs a count query and fails the test on error.
func (f *procFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// response is an HTTP answer of the server.
type response struct {
	status int
	body   string
}

var client = &http.Client{Timeout: 5 * time.Minute}

// do sends a request as partner p (anonymous when p.key is empty); query starts with "?".
func do(srv *serverProcess, p partner, method, query, body string) (response, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.url+"/wfs"+query, r)
	if err != nil {
		return response{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/xml")
	}
	if p.key != "" {
		req.Header.Set("X-API-Key", p.key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(out)}, err
}

const txOpenFormat = `<wfs:Transaction service="WFS" version="2.0.0" handle="%s"%s xmlns:wfs="http://www.opengis.net/wfs/2.0"
 xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:net="http://fourreau.org/net">`

// txOpen opens a Transaction with a handle and, when lockID is not empty, the lock it
// presents.
func txOpen(handle, lockID string) string {
	extra := ""
	if lockID != "" {
		extra = ` lockId="` + lockID + `" releaseAction="ALL"`
	}
	return fmt.Sprintf(txOpenFormat, handle, extra)
}

// ductsXML returns an Insert of n ducts whose comment is comment. The duct of index
// invalid (none when negative) gets a zero-length line, which the geometry validity
// check rejects after the features have been staged in the database.
func ductsXML(n int, comment string, invalid int) string {
	var b strings.Builder
	b.WriteString("<wfs:Insert>")
	for i := range n {
		x, y := 450000+(i%100)*20, 6900000+(i/100)*20
		dx, dy := 15, 5
		if i == invalid {
			dx, dy = 0, 0
		}
		fmt.Fprintf(&b, `<net:%s><net:lifecycle_status>functional</net:lifecycle_status><net:precision_xy>A</net:precision_xy>`+
			`<net:duct_type>PE</net:duct_type><net:comment>%s</net:comment>`+
			`<net:geom><gml:LineString srsName="urn:ogc:def:crs:EPSG::2154"><gml:posList>%d %d %d %d</gml:posList></gml:LineString></net:geom></net:%s>`,
			procLayer, comment, x, y, x+dx, y+dy, procLayer)
	}
	b.WriteString("</wfs:Insert>")
	return b.String()
}

func updateCommentXML(key int64, comment string) string {
	return fmt.Sprintf(`<wfs:Update typeName="net:%s"><wfs:Property><wfs:ValueReference>comment</wfs:ValueReference>`+
		`<wfs:Value>%s</wfs:Value></wfs:Property><fes:Filter><fes:ResourceId rid="%s.%d"/></fes:Filter></wfs:Update>`,
		procLayer, comment, procLayer, key)
}

func deleteXML(key int64) string {
	return fmt.Sprintf(`<wfs:Delete typeName="net:%s"><fes:Filter><fes:ResourceId rid="%s.%d"/></fes:Filter></wfs:Delete>`,
		procLayer, procLayer, key)
}

// summary is the TransactionSummary and the new keys of a WFS 2.0 TransactionResponse.
type summary struct {
	inserted, updated, deleted int
	keys                       []int64
}

var (
	totalPattern = regexp.MustCompile(`<wfs:total(Inserted|Updated|Deleted)>(\d+)</wfs:total`)
	ridPattern   = regexp.MustCompile(`rid="` + procLayer + `\.(\d+)"`)
	lockPattern  = regexp.MustCompile(`lockId="([0-9a-f]+)"`)
)

func parseSummary(body string) (summary, error) {
	var s summary
	if !strings.Contains(body, "TransactionResponse") {
		return s, fmt.Errorf("not a TransactionResponse: %.300s", body)
	}
	for _, m := range totalPattern.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "Inserted":
			s.inserted = n
		case "Updated":
			s.updated = n
		case "Deleted":
			s.deleted = n
		}
	}
	for _, m := range ridPattern.FindAllStringSubmatch(body, -1) {
		k, _ := strconv.ParseInt(m[1], 10, 64)
		s.keys = append(s.keys, k)
	}
	if len(s.keys) != s.inserted {
		return s, fmt.Errorf("totalInserted %d but %d new ids", s.inserted, len(s.keys))
	}
	return s, nil
}

// lockFeature locks one feature with LOCKACTION=ALL and returns the response and the
// lock id ("" when refused).
func lockFeature(srv *serverProcess, p partner, key int64, expirySeconds int) (response, string, error) {
	r, err := do(srv, p, http.MethodGet, fmt.Sprintf("?SERVICE=WFS&VERSION=2.0.0&REQUEST=LockFeature&LOCKACTION=ALL&EXPIRY=%d&RESOURCEID=%s.%d",
		expirySeconds, procLayer, key), "")
	if err != nil || r.status != http.StatusOK {
		return r, "", err
	}
	m := lockPattern.FindStringSubmatch(r.body)
	if m == nil {
		return r, "", fmt.Errorf("LockFeature answered 200 without a lockId: %.300s", r.body)
	}
	return r, m[1], nil
}

// Package filtering tests the filters of the WFS end to end: each operator, sent in
// FES 2.0, Filter 1.1 and CQL2 text, must select the same features as a SQL query run
// directly on the database. The tests need the test database with the demo data
// loaded (`fourreau load`), as `make test` prepares it.
package filtering

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
)

// env is a running server over the test database, with a pool to query it directly.
type env struct {
	srv  *testserver.Server
	pool *pgxpool.Pool
}

func setup(t *testing.T, opts ...testserver.Option) *env {
	t.Helper()
	pool := testdb.MigratedPool(t)
	var n int64
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM netdata.network_link").Scan(&n); err != nil || n == 0 {
		t.Fatalf("the test database has no network sections (count %d, error %v): run `fourreau load` on it first", n, err)
	}
	return &env{srv: testserver.Start(t, opts...), pool: pool}
}

// response is an HTTP response read in full.
type response struct {
	status int
	body   []byte
}

func (e *env) get(t *testing.T, params url.Values) response {
	t.Helper()
	return send(t, http.MethodGet, e.srv.URL+"/wfs?"+params.Encode(), "", "")
}

func (e *env) post(t *testing.T, body string) response {
	t.Helper()
	return send(t, http.MethodPost, e.srv.URL+"/wfs", "application/xml", body)
}

func send(t *testing.T, method, target, contentType, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, body: b}
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "..."
	}
	return string(b)
}

// featureIDs reads the identifiers of a GeoJSON feature collection, sorted.
func featureIDs(t *testing.T, r response) []string {
	t.Helper()
	ids := featureIDsInOrder(t, r)
	slices.Sort(ids)
	return ids
}

// featureIDsInOrder reads the identifiers of a GeoJSON feature collection in document
// order.
func featureIDsInOrder(t *testing.T, r response) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, clip(r.body))
	}
	var fc struct {
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal(r.body, &fc); err != nil {
		t.Fatalf("response is not GeoJSON: %v: %s", err, clip(r.body))
	}
	ids := make([]string, 0, len(fc.Features))
	for _, f := range fc.Features {
		ids = append(ids, f.ID)
	}
	return ids
}

// sqlIDs returns the identifiers (layer.id) of the rows of table that where selects,
// sorted as featureIDs sorts them.
func (e *env) sqlIDs(t *testing.T, layer, table, where string, args ...any) []string {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), "SELECT $1::text || '.' || id FROM "+table+" WHERE "+where, append([]any{layer}, args...)...)
	if err != nil {
		t.Fatalf("direct SQL %q: %v", where, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("direct SQL %q: %v", where, err)
	}
	slices.Sort(ids)
	return ids
}

// getFeatureIDs runs a GetFeature on one type with extra parameters, in GeoJSON, and
// returns the feature identifiers.
func (e *env) getFeatureIDs(t *testing.T, version, typeName string, extra ...string) []string {
	t.Helper()
	p := url.Values{"SERVICE": {"WFS"}, "VERSION": {version}, "REQUEST": {"GetFeature"},
		"TYPENAMES": {typeName}, "OUTPUTFORMAT": {"application/json"}}
	if version != "2.0.0" {
		p.Del("TYPENAMES")
		p.Set("TYPENAME", typeName)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p.Set(extra[i], extra[i+1])
	}
	return featureIDs(t, e.get(t, p))
}

// exception is the first exception of an OWS exception report.
type exception struct {
	code, locator, text string
}

func expectException(t *testing.T, r response, status int, code string) exception {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d: %s", r.status, status, clip(r.body))
	}
	s := string(r.body)
	var x exception
	if i := strings.Index(s, `exceptionCode="`); i >= 0 {
		x.code, _, _ = strings.Cut(s[i+len(`exceptionCode="`):], `"`)
	} else if i := strings.Index(s, `code="`); i >= 0 {
		x.code, _, _ = strings.Cut(s[i+len(`code="`):], `"`)
	}
	if i := strings.Index(s, `locator="`); i >= 0 {
		x.locator, _, _ = strings.Cut(s[i+len(`locator="`):], `"`)
	}
	if i := strings.Index(s, `ExceptionText>`); i >= 0 {
		x.text, _, _ = strings.Cut(s[i+len(`ExceptionText>`):], `<`)
	}
	if x.code != code {
		t.Errorf("exception code %q, want %q: %s", x.code, code, clip(r.body))
	}
	return x
}

// Namespaces of the filter dialects and GML versions.
const (
	fesNS   = `xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"`
	ogcNS   = `xmlns:ogc="http://www.opengis.net/ogc" xmlns:gml="http://www.opengis.net/gml"`
	netNS   = `xmlns:net="http://fourreau.org/net"`
	wfs20NS = `xmlns:wfs="http://www.opengis.net/wfs/2.0"`
)

// fes20 writes a filter body given with the placeholders P: (operator prefix), VR
// (property element), UOM (distance unit attribute) as an FES 2.0 filter.
func fes20(body string) string {
	r := strings.NewReplacer("P:", "fes:", "<VR>", "<fes:ValueReference>", "</VR>", "</fes:ValueReference>", "UOM=", "uom=")
	return `<fes:Filter ` + fesNS + `>` + r.Replace(body) + `</fes:Filter>`
}

// filter11 writes the same body as a Filter 1.1 filter.
func filter11(body string) string {
	r := strings.NewReplacer("P:", "ogc:", "<VR>", "<ogc:PropertyName>", "</VR>", "</ogc:PropertyName>", "UOM=", "units=")
	return `<ogc:Filter ` + ogcNS + `>` + r.Replace(body) + `</ogc:Filter>`
}

// agree runs check up to three times, a few hundred milliseconds apart, and reports its
// last complaint. Other test packages insert and delete features of the same tables
// while these tests run (the transaction tests do), so a count read by SQL and one read
// through the server a moment later may differ once.
func agree(t *testing.T, check func() string) {
	t.Helper()
	var msg string
	for attempt := 0; attempt < 3; attempt++ {
		if msg = check(); msg == "" {
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Error(msg)
}

package wfs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with the server's output")

// Namespaces of the documents the tests read.
const (
	nsWFS20 = "http://www.opengis.net/wfs/2.0"
	nsWFS   = "http://www.opengis.net/wfs"
	nsGML32 = "http://www.opengis.net/gml/3.2"
	nsGML   = "http://www.opengis.net/gml"
	nsOWS11 = "http://www.opengis.net/ows/1.1"
	nsOWS10 = "http://www.opengis.net/ows"
	nsOGC   = "http://www.opengis.net/ogc"
	nsNet   = "http://fourreau.org/net"
	nsXSD   = "http://www.w3.org/2001/XMLSchema"
)

// getFeatureByID is the identifier of the WFS 2.0 GetFeatureById stored query.
const getFeatureByID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"

// response is an HTTP response read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// start runs a server over the migrated test database.
func start(t *testing.T, opts ...testserver.Option) *testserver.Server {
	t.Helper()
	testdb.MigratedPool(t)
	return testserver.Start(t, opts...)
}

// get sends GET /wfs?query. The query is sent as written, so that a test controls its
// encoding.
func get(t *testing.T, srv *testserver.Server, query string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/wfs?"+query, nil)
	if err != nil {
		t.Fatalf("build request %q: %v", query, err)
	}
	return send(t, req, headers...)
}

// post sends body to /wfs with the given Content-Type.
func post(t *testing.T, srv *testserver.Server, contentType, body string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/wfs", strings.NewReader(body))
	if err != nil {
		t.Fatalf("build POST request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	return send(t, req, headers...)
}

// send runs req with the headers given as name, value pairs. The transport does not
// add Accept-Encoding, so the body arrives as the server sent it.
func send(t *testing.T, req *http.Request, headers ...string) response {
	t.Helper()
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{
		Timeout:   time.Minute,
		Transport: &http.Transport{DisableCompression: true},
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// kvp builds a query string from key, value pairs, escaping the values.
func kvp(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(pairs[i])
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(pairs[i+1]))
	}
	return b.String()
}

// typeNamesParam returns the KVP name of the type list in a version: TYPENAMES in 2.0,
// TYPENAME before.
func typeNamesParam(version string) string {
	if version == "2.0.0" {
		return "TYPENAMES"
	}
	return "TYPENAME"
}

// idParam returns the KVP name of the feature identifier list: RESOURCEID in 2.0,
// FEATUREID before.
func idParam(version string) string {
	if version == "2.0.0" {
		return "RESOURCEID"
	}
	return "FEATUREID"
}

// getFeature builds a GetFeature query on net:typeName with the extra pairs.
func getFeature(version, typeName string, pairs ...string) string {
	base := []string{"SERVICE", "WFS", "VERSION", version, "REQUEST", "GetFeature", typeNamesParam(version), "net:" + typeName}
	return kvp(append(base, pairs...)...)
}

// node is an element of a parsed XML response.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []*node    `xml:",any"`
	Text    string     `xml:",chardata"`
}

// parseXML parses a response body, failing the test when it is not well-formed.
func parseXML(t *testing.T, body []byte) *node {
	t.Helper()
	var root node
	if err := xml.Unmarshal(body, &root); err != nil {
		t.Fatalf("response is not well-formed XML: %v\n%s", err, clip(body))
	}
	return &root
}

// is reports whether the element has the given namespace and local name.
func (n *node) is(space, local string) bool {
	return n.XMLName.Space == space && n.XMLName.Local == local
}

// attr returns the value of the attribute with the given local name, in any namespace.
func (n *node) attr(local string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// all returns the descendants of n (n included) with the given namespace and local
// name, in document order.
func (n *node) all(space, local string) []*node {
	var out []*node
	var walk func(*node)
	walk = func(e *node) {
		if e.is(space, local) {
			out = append(out, e)
		}
		for _, c := range e.Nodes {
			walk(c)
		}
	}
	walk(n)
	return out
}

// first returns the first descendant with the given name, or nil.
func (n *node) first(space, local string) *node {
	if found := n.all(space, local); len(found) > 0 {
		return found[0]
	}
	return nil
}

// child returns the direct child with the given name, or nil.
func (n *node) child(space, local string) *node {
	for _, c := range n.Nodes {
		if c.is(space, local) {
			return c
		}
	}
	return nil
}

// featureIDs returns the gml:id (or GML 2 fid) of every element of the given type in
// the net namespace.
func featureIDs(root *node, typeName string) []string {
	var ids []string
	for _, f := range root.all(nsNet, typeName) {
		id, ok := f.attr("id")
		if !ok {
			id, _ = f.attr("fid")
		}
		ids = append(ids, id)
	}
	return ids
}

// clip shortens a body for a failure message.
func clip(b []byte) string {
	const maxLen = 2000
	if len(b) > maxLen {
		return string(b[:maxLen]) + "..."
	}
	return string(b)
}

// exceptionReport is the content of an OWS or WFS 1.0 exception report.
type exceptionReport struct {
	root    *node
	code    string
	locator string
	text    string
}

// expectException checks that r is an exception report with the given HTTP status,
// exception code and locator (locator "" means none), and returns it.
func expectException(t *testing.T, r response, status int, code, locator string) exceptionReport {
	t.Helper()
	if r.status != status {
		t.Errorf("HTTP status = %d, want %d\n%s", r.status, status, clip(r.body))
	}
	if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "xml") {
		t.Errorf("Content-Type = %q, want an XML type", ct)
	}
	root := parseXML(t, r.body)
	rep := exceptionReport{root: root}
	switch {
	case root.is(nsOWS11, "ExceptionReport"), root.is(nsOWS10, "ExceptionReport"):
		e := root.child(root.XMLName.Space, "Exception")
		if e == nil {
			t.Fatalf("ExceptionReport has no Exception element\n%s", r.body)
		}
		rep.code, _ = e.attr("exceptionCode")
		rep.locator, _ = e.attr("locator")
		if text := e.child(root.XMLName.Space, "ExceptionText"); text != nil {
			rep.text = text.Text
		}
	case root.is(nsOGC, "ServiceExceptionReport"):
		e := root.child(nsOGC, "ServiceException")
		if e == nil {
			t.Fatalf("ServiceExceptionReport has no ServiceException element\n%s", r.body)
		}
		rep.code, _ = e.attr("code")
		rep.locator, _ = e.attr("locator")
		rep.text = e.Text
	default:
		t.Fatalf("root element is {%s}%s, want an exception report\n%s", root.XMLName.Space, root.XMLName.Local, clip(r.body))
	}
	if rep.code != code {
		t.Errorf("exception code = %q, want %q (text %q)", rep.code, code, rep.text)
	}
	if rep.locator != locator {
		t.Errorf("exception locator = %q, want %q (text %q)", rep.locator, locator, rep.text)
	}
	return rep
}

// expectOK fails the test unless r is a 200 response, and returns its body parsed.
func expectOK(t *testing.T, r response) *node {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("HTTP status = %d, want 200\n%s", r.status, clip(r.body))
	}
	return parseXML(t, r.body)
}

// decodeJSON fails the test unless r is a 200 response holding JSON, and decodes it
// into v.
func decodeJSON(t *testing.T, r response, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("HTTP status = %d, want 200\n%s", r.status, clip(r.body))
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not valid JSON: %v\n%s", err, clip(r.body))
	}
}

// intAttr reads an integer attribute of the root element.
func intAttr(t *testing.T, n *node, name string) int64 {
	t.Helper()
	v, ok := n.attr(name)
	if !ok {
		t.Fatalf("element %s has no %s attribute", n.XMLName.Local, name)
	}
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q is not an integer", name, v)
	}
	return i
}

// queryInt runs a query returning one integer.
func queryInt(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return n
}

// queryStrings runs a query returning one text column.
func queryStrings(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return out
}

// execSQL runs statements without arguments.
func execSQL(t *testing.T, pool *pgxpool.Pool, statements ...string) {
	t.Helper()
	for _, s := range statements {
		if _, err := pool.Exec(context.Background(), s); err != nil {
			t.Fatalf("exec %q: %v", s, err)
		}
	}
}

// testSchema holds the tables that tests create and drop again.
const testSchema = "wfstest"

// createTable creates testSchema.name with the given column definitions and rows, and
// drops it when the test ends. Every table gets the identity key id.
func createTable(t *testing.T, pool *pgxpool.Pool, name, columns string, inserts ...string) string {
	t.Helper()
	qualified := pgx.Identifier{testSchema, name}.Sanitize()
	execSQL(t, pool,
		"CREATE SCHEMA IF NOT EXISTS "+testSchema,
		"DROP TABLE IF EXISTS "+qualified,
		"CREATE TABLE "+qualified+" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "+columns+")")
	t.Cleanup(func() {
		ctx := context.Background()
		if _, err := pool.Exec(ctx, "DROP TABLE IF EXISTS "+qualified); err != nil {
			t.Errorf("drop %s: %v", qualified, err)
		}
		// The schema goes when its last table does; while another table is left the
		// RESTRICT drop fails, which is expected.
		_, _ = pool.Exec(ctx, "DROP SCHEMA IF EXISTS "+testSchema+" RESTRICT")
	})
	for _, ins := range inserts {
		execSQL(t, pool, "INSERT INTO "+qualified+" "+ins)
	}
	return qualified
}

// geographicLayer is a published point layer in EPSG:4326.
type geographicLayer struct {
	name  string // WFS type name without prefix
	table string // schema-qualified, quoted table name
	opts  []testserver.Option
}

// pointLayer4326 returns osm_power_tower when the OpenStreetMap data is loaded, else a
// table of three points created for the test and published as test_point.
func pointLayer4326(t *testing.T) geographicLayer {
	t.Helper()
	pool := testdb.MigratedPool(t)
	if queryInt(t, pool, "SELECT count(*) FROM osm.power_tower") > 0 {
		return geographicLayer{name: "osm_power_tower", table: "osm.power_tower"}
	}
	table := createTable(t, pool, "test_point", "name text, geom geometry(Point, 4326) NOT NULL",
		`(name, geom) VALUES ('Paris', ST_SetSRID(ST_MakePoint(2.3522, 48.8566), 4326)),
			('east', ST_SetSRID(ST_MakePoint(179.5, -17), 4326)),
			('west', ST_SetSRID(ST_MakePoint(-179.5, -17), 4326))`)
	layer := config.LayerConfig{Name: "test_point", Title: "Test points", Table: testSchema + ".test_point",
		Key: "id", Geometry: "geom", SRID: 4326, GeometryType: "Point"}
	return geographicLayer{name: "test_point", table: table, opts: []testserver.Option{testserver.WithLayers(layer)}}
}

// numberPattern matches the numbers of WKT or GML coordinate text.
var numberPattern = regexp.MustCompile(`-?\d+(\.\d+)?([eE][-+]?\d+)?`)

// numbers returns every number in s.
func numbers(t *testing.T, s string) []float64 {
	t.Helper()
	var out []float64
	for _, m := range numberPattern.FindAllString(s, -1) {
		f, err := strconv.ParseFloat(m, 64)
		if err != nil {
			t.Fatalf("parse %q: %v", m, err)
		}
		out = append(out, f)
	}
	return out
}

// wktPositions returns the x/y positions of the geometry of a row as PostGIS writes
// them in srid, flattened.
func wktPositions(t *testing.T, pool *pgxpool.Pool, table string, id int64, srid int) []float64 {
	t.Helper()
	var wkt string
	sql := "SELECT ST_AsText(ST_Transform(geom, $2::integer)) FROM " + table + " WHERE id = $1"
	if err := pool.QueryRow(context.Background(), sql, id, srid).Scan(&wkt); err != nil {
		t.Fatalf("read geometry of %s %d: %v", table, id, err)
	}
	// The numbers start after the first parenthesis: the type name before it has none.
	return numbers(t, wkt[strings.IndexByte(wkt, '('):])
}

// gmlPositions returns the positions of a GML geometry, flattened, in the order they
// are written: the text of every pos, posList or coordinates element.
func gmlPositions(t *testing.T, geometry *node) []float64 {
	t.Helper()
	var out []float64
	var walk func(*node)
	walk = func(e *node) {
		switch e.XMLName.Local {
		case "pos", "posList", "coordinates":
			out = append(out, numbers(t, e.Text)...)
			return
		}
		for _, c := range e.Nodes {
			walk(c)
		}
	}
	walk(geometry)
	return out
}

// swapPairs returns positions with x and y exchanged in every pair.
func swapPairs(p []float64) []float64 {
	out := make([]float64, len(p))
	for i := 0; i+1 < len(p); i += 2 {
		out[i], out[i+1] = p[i+1], p[i]
	}
	return out
}

// expectPositions compares positions within half a unit of the last decimal written.
func expectPositions(t *testing.T, label string, got, want []float64, decimals int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d coordinates, want %d\ngot  %v\nwant %v", label, len(got), len(want), got, want)
		return
	}
	tolerance := 0.5*math.Pow10(-decimals) + 1e-9
	for i := range got {
		if math.Abs(got[i]-want[i]) > tolerance {
			t.Errorf("%s: coordinate %d = %v, want %v (±%g)\ngot  %v\nwant %v", label, i, got[i], want[i], tolerance, got, want)
			return
		}
	}
}

// repoRoot returns the folder of go.mod, walking up from the package folder.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("go.mod not found above the package folder")
		}
		dir = parent
	}
}

// requireTool skips the test when a prerequisite is missing, or fails it when
// FOURREAU_REQUIRE_DB=1 (as in CI), where every prerequisite must be present.
func requireTool(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(testdb.RequireEnv) == "1" {
		t.Fatalf(format+" (required because "+testdb.RequireEnv+"=1)", args...)
	}
	t.Skipf(format, args...)
}

// ogcSchemas returns the folder of the OGC schemas and their catalog.xml:
// FOURREAU_OGC_SCHEMAS, else ../shared/ogc-schemas beside the repository.
func ogcSchemas(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("FOURREAU_OGC_SCHEMAS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "..", "shared", "ogc-schemas")
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.xml")); err != nil {
		requireTool(t, "OGC schemas not found at %s (set FOURREAU_OGC_SCHEMAS to the folder holding catalog.xml): %v", dir, err)
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		requireTool(t, "xmllint not found (Debian package libxml2-utils): %v", err)
	}
	return dir
}

// schemaImport is one xs:import of the wrapper schema a document is validated with.
type schemaImport struct {
	namespace string
	location  string
}

// gmdStub declares the three ISO 19139 elements that the CRS schemas of GML 3.2.1
// refer to. The OGC schema set has no ISO 19139 schemas, and xmllint cannot compile
// GML 3.2.1 without them. No WFS response uses these elements, so the stub does not
// weaken the checks of features and geometries.
const gmdStub = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.isotc211.org/2005/gmd" elementFormDefault="qualified">
  <xs:element name="EX_Extent" type="xs:anyType"/>
  <xs:element name="AbstractDQ_PositionalAccuracy" type="xs:anyType" abstract="true"/>
  <xs:element name="CI_Citation" type="xs:anyType"/>
</xs:schema>
`

// The imports that validate each family of documents, in an order xmllint accepts.
// xmllint loads a schema once per namespace: the first import of a namespace wins and
// later ones are skipped. WFS 1.1.0 therefore imports GML 3.1.1 and Filter 1.1.0 by
// file path before wfs.xsd. Without that, filter.xsd and filterAll.xsd, which include
// each other, are loaded twice (once under their public URL, once under the local path
// the catalog maps it to) and compiling fails on duplicate definitions. GML 2.1.2 is
// imported first by path for the same reason.
func wfs20Imports(t *testing.T, dir string) []schemaImport {
	stub := filepath.Join(t.TempDir(), "gmd-stub.xsd")
	if err := os.WriteFile(stub, []byte(gmdStub), 0o644); err != nil {
		t.Fatalf("write %s: %v", stub, err)
	}
	return []schemaImport{
		{"http://www.isotc211.org/2005/gmd", stub},
		{nsWFS20, filepath.Join(dir, "ogc/wfs/2.0/wfs.xsd")},
	}
}

func wfs11Imports(dir string) []schemaImport {
	return []schemaImport{
		{nsGML, filepath.Join(dir, "ogc/gml/3.1.1/base/gml.xsd")},
		{nsOGC, filepath.Join(dir, "ogc/filter/1.1.0/filter.xsd")},
		{nsWFS, filepath.Join(dir, "ogc/wfs/1.1.0/wfs.xsd")},
	}
}

func wfs10Imports(dir string) []schemaImport {
	return []schemaImport{
		{nsGML, filepath.Join(dir, "ogc/gml/2.1.2/feature.xsd")},
		{nsWFS, filepath.Join(dir, "ogc/wfs/1.0.0/WFS-basic.xsd")},
	}
}

// appSchema saves a DescribeFeatureType response and returns its import.
func appSchema(t *testing.T, xsd []byte) schemaImport {
	t.Helper()
	path := filepath.Join(t.TempDir(), "application.xsd")
	if err := os.WriteFile(path, xsd, 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return schemaImport{nsNet, path}
}

// validate checks doc with xmllint against a wrapper schema made of the imports,
// offline, with the OGC schemas resolved through their catalog.
func validate(t *testing.T, dir string, doc []byte, imports ...schemaImport) {
	t.Helper()
	tmp := t.TempDir()
	var wrapper strings.Builder
	wrapper.WriteString(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-fourreau:test:wrapper">` + "\n")
	for _, imp := range imports {
		wrapper.WriteString(`  <xs:import namespace="` + imp.namespace + `" schemaLocation="` + html.EscapeString(imp.location) + `"/>` + "\n")
	}
	wrapper.WriteString("</xs:schema>\n")
	wrapperPath := filepath.Join(tmp, "wrapper.xsd")
	docPath := filepath.Join(tmp, "document.xml")
	if err := os.WriteFile(wrapperPath, []byte(wrapper.String()), 0o644); err != nil {
		t.Fatalf("write wrapper schema: %v", err)
	}
	if err := os.WriteFile(docPath, doc, 0o644); err != nil {
		t.Fatalf("write document: %v", err)
	}
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", wrapperPath, docPath)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("document.xml validates")) {
		t.Errorf("xmllint rejects the document (%v):\n%s\ndocument:\n%s", err, withoutWarnings(out), clip(doc))
	}
}

// withoutWarnings drops the schema parser warnings about skipped imports, which the
// import order above causes on purpose.
func withoutWarnings(out []byte) string {
	var kept []string
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, "Schemas parser warning") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

// Patterns of the values that change from one run to the next.
var (
	timeStampAttr = regexp.MustCompile(`timeStamp="[^"]*"`)
	timeStampJSON = regexp.MustCompile(`"timeStamp":"[^"]*"`)
	cornerPattern = regexp.MustCompile(`<ows:(Lower|Upper)Corner>[^<]*</ows:(Lower|Upper)Corner>`)
	latLongBox    = regexp.MustCompile(`<LatLongBoundingBox [^>]*/>`)
)

// normalise replaces what varies between runs: the server address, time stamps and
// the extents computed from the data.
func normalise(srv *testserver.Server, doc []byte) []byte {
	s := strings.ReplaceAll(string(doc), srv.URL, "http://wfs.test")
	s = timeStampAttr.ReplaceAllString(s, `timeStamp="TIMESTAMP"`)
	s = timeStampJSON.ReplaceAllString(s, `"timeStamp":"TIMESTAMP"`)
	s = cornerPattern.ReplaceAllString(s, `<ows:${1}Corner>EXTENT</ows:${1}Corner>`)
	s = latLongBox.ReplaceAllString(s, `<LatLongBoundingBox EXTENT/>`)
	return []byte(s)
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("create testdata: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (run go test -update to create it): %v", path, err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gotLines) || i < len(wantLines); i++ {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("%s differs from the response at line %d (run go test -update if the change is intended)\ngot:  %s\nwant: %s", path, i+1, g, w)
			return
		}
	}
}

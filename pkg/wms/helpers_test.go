package wms_test

import (
	"bytes"
	"context"
	"flag"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

// fixtureSchema holds the tables the tests draw. The tests publish them as layers of
// their own, so that no other test writing to the data model changes the maps.
const fixtureSchema = "wmstest"

// Origin of the fixture features in EPSG:2154; every feature lies within 400 m of it.
const (
	originX = 700000.0
	originY = 6600000.0
)

// fixtureSQL creates the fixture tables. The line table has the columns the default
// network style reads, so it is drawn in network colours.
var fixtureSQL = []string{
	`CREATE SCHEMA IF NOT EXISTS wmstest`,
	`DROP TABLE IF EXISTS wmstest.lines, wmstest.points, wmstest.areas`,
	`CREATE TABLE wmstest.lines (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL,
		network_category text, lifecycle_status text NOT NULL, precision_xy text NOT NULL,
		geom geometry(LineString, 2154) NOT NULL)`,
	`CREATE TABLE wmstest.points (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text NOT NULL,
		network_category text, lifecycle_status text NOT NULL, point_kind text NOT NULL,
		geom geometry(Point, 2154) NOT NULL)`,
	`CREATE TABLE wmstest.areas (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
		geom geometry(Polygon, 4326) NOT NULL)`,
	// Horizontal lines, one per case of the default style, 80 m apart, and a vertical
	// line crossing none of them.
	`INSERT INTO wmstest.lines (code, network_category, lifecycle_status, precision_xy, geom) VALUES
		('L-ELEC', 'ELEC', 'functional', 'A', ST_MakeLine(ST_MakePoint(700040, 6600080), ST_MakePoint(700360, 6600080))),
		('L-GAZ', 'GAZ', 'functional', 'B', ST_MakeLine(ST_MakePoint(700040, 6600160), ST_MakePoint(700360, 6600160))),
		('L-COM-PROJ', 'COM', 'projected', 'A', ST_MakeLine(ST_MakePoint(700040, 6600240), ST_MakePoint(700360, 6600240))),
		('L-AEP-C', 'AEP', 'functional', 'C', ST_MakeLine(ST_MakePoint(700040, 6600320), ST_MakePoint(700360, 6600320))),
		('L-ASS-OLD', 'ASS', 'decommissioned', 'A', ST_MakeLine(ST_MakePoint(700380, 6600020), ST_MakePoint(700380, 6600380)))`,
	`UPDATE wmstest.lines SET geom = ST_SetSRID(geom, 2154)`,
	`INSERT INTO wmstest.points (code, network_category, lifecycle_status, point_kind, geom) VALUES
		('P-CHAMBER', 'ELEC', 'functional', 'chamber', ST_SetSRID(ST_MakePoint(700100, 6600030), 2154)),
		('P-POLE', 'COM', 'functional', 'pole', ST_SetSRID(ST_MakePoint(700200, 6600030), 2154)),
		('P-CABINET', 'GAZ', 'functional', 'cabinet', ST_SetSRID(ST_MakePoint(700300, 6600030), 2154))`,
	// A square with a square hole, in EPSG:4326, west of the lines.
	`INSERT INTO wmstest.areas (name, geom) SELECT 'frame', ST_Transform(ST_MakePolygon(
		ST_ExteriorRing(ST_MakeEnvelope(699700, 6600050, 699950, 6600300, 2154)),
		ARRAY[ST_ExteriorRing(ST_MakeEnvelope(699775, 6600125, 699875, 6600225, 2154))]), 4326)`,
}

// fixtureLayers publishes the fixture tables.
var fixtureLayers = []config.LayerConfig{
	{Name: "test_lines", Title: "Test lines", Table: "wmstest.lines", Key: "id", Geometry: "geom"},
	{Name: "test_points", Title: "Test points", Table: "wmstest.points", Key: "id", Geometry: "geom"},
	{Name: "test_areas", Title: "Test areas", Table: "wmstest.areas", Key: "id", Geometry: "geom"},
}

// startServer creates the fixtures and runs a server publishing them beside the data
// model's layers. The fixture layers also make up the network category layers.
func startServer(t *testing.T, opts ...testserver.Option) *testserver.Server {
	t.Helper()
	pool := testdb.MigratedPool(t)
	createFixtures(t, pool)
	base := []testserver.Option{
		testserver.WithLayers(fixtureLayers...),
		func(c *config.Config) {
			c.WMS.StylesDir = filepath.Join("testdata", "styles")
			c.WMS.CategoryLayers = []string{"test_lines", "test_points"}
		},
	}
	return testserver.Start(t, append(base, opts...)...)
}

func createFixtures(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// One fixed key serialises the packages' test binaries that create these tables.
	if _, err := pool.Exec(ctx, "SELECT pg_advisory_lock(7210431)"); err != nil {
		t.Fatalf("lock: %v", err)
	}
	defer pool.Exec(context.Background(), "SELECT pg_advisory_unlock(7210431)")
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('wmstest.areas') IS NOT NULL").Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		return
	}
	for _, sql := range fixtureSQL {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("fixture: %v\n%s", err, sql)
		}
	}
}

// response is a fetched HTTP response.
type response struct {
	status      int
	contentType string
	body        []byte
	resp        *http.Response
}

func get(t *testing.T, srv *testserver.Server, query string) response {
	t.Helper()
	resp, err := http.Get(srv.URL + "/wms?" + query)
	if err != nil {
		t.Fatalf("GET %s: %v", query, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", query, err)
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body, resp: resp}
}

// mapQuery returns the query string of a GetMap with the given parameters over the
// defaults.
func mapQuery(params map[string]string) string {
	q := url.Values{}
	for k, v := range map[string]string{"SERVICE": "WMS", "VERSION": "1.3.0", "REQUEST": "GetMap", "STYLES": "",
		"CRS": "EPSG:2154", "WIDTH": "256", "HEIGHT": "256", "FORMAT": "image/png"} {
		q.Set(k, v)
	}
	for k, v := range params {
		q.Set(k, v)
	}
	return q.Encode()
}

// fixtureBBox is the square of the fixtures in EPSG:2154, x/y order.
func fixtureBBox() (minX, minY, maxX, maxY float64) {
	return originX - 400, originY - 200, originX + 400, originY + 600
}

func bboxParam(minX, minY, maxX, maxY float64) string {
	return strings.Join([]string{ftoa(minX), ftoa(minY), ftoa(maxX), ftoa(maxY)}, ",")
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// decodePNG decodes an image and fails the test when the body is not a PNG.
func decodePNG(t *testing.T, r response) image.Image {
	t.Helper()
	if r.status != http.StatusOK || r.contentType != "image/png" {
		t.Fatalf("status %d, %s: %s", r.status, r.contentType, clip(r.body))
	}
	img, err := png.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	return img
}

func nrgba(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

// closeTo reports whether two colours differ by at most tol in every channel.
func closeTo(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { return math.Abs(float64(x)-float64(y)) <= float64(tol) }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}

// requireTool skips the test when a prerequisite is missing, or fails it when
// FOURREAU_REQUIRE_DB=1 (as in CI).
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
		dir = filepath.Join("..", "..", "..", "shared", "ogc-schemas")
	}
	if _, err := os.Stat(filepath.Join(dir, "catalog.xml")); err != nil {
		requireTool(t, "OGC schemas not found at %s (set FOURREAU_OGC_SCHEMAS to the folder holding catalog.xml): %v", dir, err)
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		requireTool(t, "xmllint not found (Debian package libxml2-utils): %v", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// validateSchema checks doc with xmllint against a wrapper schema importing each
// namespace from a file of the OGC schema folder, offline.
func validateSchema(t *testing.T, dir string, doc []byte, imports map[string]string) {
	t.Helper()
	tmp := t.TempDir()
	var wrapper strings.Builder
	wrapper.WriteString(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-fourreau:test:wrapper">` + "\n")
	for ns, file := range imports {
		wrapper.WriteString(`  <xs:import namespace="` + ns + `" schemaLocation="` + html.EscapeString(filepath.Join(dir, file)) + `"/>` + "\n")
	}
	wrapper.WriteString("</xs:schema>\n")
	runXMLLint(t, dir, tmp, doc, "--schema", writeFile(t, tmp, "wrapper.xsd", []byte(wrapper.String())))
}

// validateDTD checks doc against the DTD its DOCTYPE names, offline.
func validateDTD(t *testing.T, dir string, doc []byte) {
	t.Helper()
	runXMLLint(t, dir, t.TempDir(), doc, "--valid")
}

func runXMLLint(t *testing.T, dir, tmp string, doc []byte, args ...string) {
	t.Helper()
	docPath := writeFile(t, tmp, "document.xml", doc)
	cmd := exec.Command("xmllint", append(append([]string{"--nonet", "--noout"}, args...), docPath)...)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(dir, "catalog.xml"))
	out, err := cmd.CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("error")) {
		t.Errorf("xmllint %v rejects the document (%v):\n%s\ndocument:\n%s", args[0], err, withoutWarnings(out), clip(doc))
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withoutWarnings drops the schema parser warnings about imports skipped because their
// namespace is already loaded.
func withoutWarnings(out []byte) string {
	var kept []string
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.Contains(line, "Schemas parser warning") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

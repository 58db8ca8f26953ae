// Package interop drives real WFS clients (GDAL, QGIS and OWSLib) against a fourreau
// server running on a loopback port over the PostGIS test database, and compares what
// each client reads with the database read through SQL.
//
// The clients run as subprocesses with an argument list and a timeout. A missing client
// skips its test, unless FOURREAU_REQUIRE_DB=1 (as in CI), where it fails the test.
package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/dataload"
	"github.com/fourreau/fourreau/pkg/feature"
)

// clientTimeout bounds one client run.
const clientTimeout = 3 * time.Minute

// systemPython is the interpreter that Debian's python3-qgis and python3-owslib
// install their modules for. Another python3 may come first on PATH.
const systemPython = "/usr/bin/python3"

// wfsVersions are the protocol versions every client is tested with.
var wfsVersions = []string{"2.0.0", "1.1.0"}

// missingClient skips the test because a client is missing, or fails it when
// FOURREAU_REQUIRE_DB=1.
func missingClient(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(testdb.RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 turns a missing client into a failure)", msg, testdb.RequireEnv)
	}
	t.Skip(msg)
}

// requireProgram returns the path of a client program found on PATH.
func requireProgram(t *testing.T, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missingClient(t, "client program %s not found (Debian package %s): %v", name, debianPackage, err)
	}
	return path
}

// requirePythonModule checks that the system Python imports module.
func requirePythonModule(t *testing.T, module, debianPackage string) {
	t.Helper()
	if _, err := os.Stat(systemPython); err != nil {
		missingClient(t, "%s not found: %v", systemPython, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, systemPython, "-c", "import "+module).CombinedOutput()
	if err != nil {
		missingClient(t, "%s cannot import %s (Debian package %s): %v\n%s", systemPython, module, debianPackage, err, out)
	}
}

// scriptPath returns the absolute path of a helper script in testdata.
func scriptPath(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("helper script: %v", err)
	}
	return path
}

// startServer starts the server over the test database. When the database has no
// ducts, it first loads the demo dataset, so that every comparison has features.
func startServer(t *testing.T) *testserver.Server {
	t.Helper()
	pool := testdb.MigratedPool(t)
	ensureData(t, pool)
	// The clients read anonymously, so only the layers open to anonymous callers are
	// published. That leaves out the history layers, which also grow with every write
	// that tests of other packages make meanwhile.
	return testserver.Start(t, func(c *config.Config) {
		policy := auth.PolicyFromConfig(c)
		open := c.Layers[:0]
		for _, l := range c.Layers {
			if policy.AnonymousMayRead(l.Name) {
				open = append(open, l)
			}
		}
		c.Layers = open
	})
}

func ensureData(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var ducts int64
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM netdata.duct").Scan(&ducts); err != nil {
		t.Fatalf("count ducts: %v", err)
	}
	if ducts > 0 {
		return
	}
	t.Logf("the test database has no ducts: loading the demo dataset")
	report, err := dataload.Run(ctx, pool, testdb.URL(t), "", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("load the demo dataset: %v\n%s", err, report)
	}
}

// wfsURL returns the WFS endpoint of the server.
func wfsURL(srv *testserver.Server) string { return srv.URL + "/wfs" }

// typeName returns the prefixed WFS type name of a layer, such as net:duct.
func typeName(srv *testserver.Server, l *feature.Layer) string {
	return srv.Config.Service.NamespacePrefix + ":" + l.Name
}

// clientResult is the output of one client run.
type clientResult struct {
	stdout, stderr []byte
	duration       time.Duration
}

// runClient runs a client program with a timeout and returns its output. The
// environment is the test's, without proxy settings, plus extraEnv.
func runClient(t *testing.T, extraEnv []string, name string, args ...string) (clientResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(clientEnv(), extraEnv...)
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	start := time.Now()
	err := cmd.Run()
	res := clientResult{stdout: stdout.Bytes(), stderr: stderr.Bytes(), duration: time.Since(start)}
	line := commandLine(name, args)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return res, fmt.Errorf("%s timed out after %s\nstderr (end):\n%s", line, clientTimeout, tail(res.stderr))
	}
	if err != nil {
		return res, fmt.Errorf("%s failed: %w\nstderr (end):\n%s", line, err, tail(res.stderr))
	}
	t.Logf("%s: %s", line, res.duration.Round(time.Millisecond))
	return res, nil
}

// mustRunClient is runClient that fails the test on error.
func mustRunClient(t *testing.T, extraEnv []string, name string, args ...string) clientResult {
	t.Helper()
	res, err := runClient(t, extraEnv, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// clientEnv returns the test's environment without proxy variables, so that the
// clients always reach the loopback server directly.
func clientEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(strings.ToLower(name), "_proxy") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
}

// commandLine returns the command for logs, with long arguments shortened.
func commandLine(name string, args []string) string {
	const maxArg = 120
	parts := []string{filepath.Base(name)}
	for _, a := range args {
		if len(a) > maxArg {
			a = a[:maxArg] + "..."
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// debugLine matches the lines that GDAL writes with --debug ON, such as "HTTP: Fetch(...)".
var debugLine = regexp.MustCompile(`^(?:[A-Z_]+|GDAL\w*): `)

// tail returns the last lines of a client's error output, without GDAL debug lines.
func tail(b []byte) string {
	var lines []string
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if !debugLine.MatchString(line) {
			lines = append(lines, line)
		}
	}
	const maxLines = 30
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return strings.Join(lines, "\n")
}

// table returns the quoted table name of a layer.
func table(l *feature.Layer) string { return pgx.Identifier{l.Schema, l.Table}.Sanitize() }

// countRows returns the number of rows of the layer's table that match where, a
// condition of the test code with its values as $n parameters.
func countRows(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, where string, args ...any) int64 {
	t.Helper()
	query := "SELECT count(*) FROM " + table(l) + " WHERE " + where
	var n int64
	if err := pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func queryStrings(pool *pgxpool.Pool, query string, args ...any) ([]string, error) {
	rows, err := pool.Query(context.Background(), query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// bounds is a bounding box, x (easting or longitude) first.
type bounds struct {
	MinX, MinY, MaxX, MaxY float64
}

func (b bounds) String() string {
	return fmt.Sprintf("(%.7f, %.7f) - (%.7f, %.7f)", b.MinX, b.MinY, b.MaxX, b.MaxY)
}

// emptyBounds is the start of an extent computed point by point.
func emptyBounds() bounds {
	return bounds{MinX: math.Inf(1), MinY: math.Inf(1), MaxX: math.Inf(-1), MaxY: math.Inf(-1)}
}

func (b *bounds) add(x, y float64) {
	b.MinX, b.MaxX = math.Min(b.MinX, x), math.Max(b.MaxX, x)
	b.MinY, b.MaxY = math.Min(b.MinY, y), math.Max(b.MaxY, y)
}

// differs returns the largest coordinate difference when it exceeds tolerance.
func (b bounds) differs(o bounds, tolerance float64) (float64, bool) {
	d := math.Max(math.Max(math.Abs(b.MinX-o.MinX), math.Abs(b.MinY-o.MinY)),
		math.Max(math.Abs(b.MaxX-o.MaxX), math.Abs(b.MaxY-o.MaxY)))
	return d, !(d <= tolerance)
}

// tableExtent returns ST_Extent of the layer's geometry, and false when the table has
// no geometry.
func tableExtent(t *testing.T, pool *pgxpool.Pool, l *feature.Layer) (bounds, bool) {
	t.Helper()
	query := "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(" +
		pgx.Identifier{l.Geometry}.Sanitize() + ") AS e FROM " + table(l) + ") AS extent WHERE e IS NOT NULL"
	var b bounds
	err := pool.QueryRow(context.Background(), query).Scan(&b.MinX, &b.MinY, &b.MaxX, &b.MaxY)
	if errors.Is(err, pgx.ErrNoRows) {
		return bounds{}, false
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return b, true
}

// extentTolerance is the allowed difference between extents: one metre for projected
// layers, 1e-6 degree for geographic ones.
func extentTolerance(t *testing.T, pool *pgxpool.Pool, l *feature.Layer) float64 {
	t.Helper()
	var geographic bool
	err := pool.QueryRow(context.Background(),
		"SELECT proj4text LIKE '%+proj=longlat%' FROM spatial_ref_sys WHERE srid = $1", l.SRID).Scan(&geographic)
	if err != nil {
		t.Fatalf("read the CRS of %s (EPSG:%d): %v", l.Name, l.SRID, err)
	}
	if geographic {
		return 1e-6
	}
	return 1
}

// requestLog records the query strings of the requests that pass a proxy.
type requestLog struct {
	mu      sync.Mutex
	queries []url.Values
}

func (r *requestLog) add(q url.Values) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queries = append(r.queries, q)
}

// getFeatures returns the GetFeature requests that are not RESULTTYPE=hits.
func (r *requestLog) getFeatures() []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []url.Values
	for _, q := range r.queries {
		upper := url.Values{}
		for k, v := range q {
			upper[strings.ToUpper(k)] = v
		}
		if strings.EqualFold(upper.Get("REQUEST"), "GetFeature") && !strings.EqualFold(upper.Get("RESULTTYPE"), "hits") {
			out = append(out, upper)
		}
	}
	return out
}

// startRecordingProxy starts a reverse proxy to the server on a loopback port and
// returns its base URL. The proxy keeps the Host header of the client, so that the
// URLs in the server's responses lead back through the proxy.
func startRecordingProxy(t *testing.T, srv *testserver.Server) (string, *requestLog) {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	log := &requestLog{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.URL.Query())
		proxy.ServeHTTP(w, r)
	})
	ps := httptest.NewUnstartedServer(handler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: listen: %v", err)
	}
	ps.Listener.Close()
	ps.Listener = ln
	ps.Start()
	t.Cleanup(ps.Close)
	return ps.URL, log
}

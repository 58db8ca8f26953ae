package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/pkg/feature"
)

// qgisJob is one layer load of testdata/qgis_wfs.py.
type qgisJob struct {
	Name       string   `json:"name"`
	URL        string   `json:"url"`
	TypeName   string   `json:"typename"`
	Version    string   `json:"version"`
	SRSName    string   `json:"srsname"`
	PageSize   int64    `json:"page_size,omitempty"`
	Key        string   `json:"key"`
	SampleKeys []string `json:"sample_keys"`

	layer    *feature.Layer
	requests *requestLog
}

// qgisLayer is what testdata/qgis_wfs.py prints for one layer load.
type qgisLayer struct {
	Name          string                    `json:"name"`
	URI           string                    `json:"uri"`
	Valid         bool                      `json:"valid"`
	Error         string                    `json:"error"`
	CRS           string                    `json:"crs"`
	ProviderCount int64                     `json:"provider_count"`
	Features      int64                     `json:"features"`
	DistinctKeys  int64                     `json:"distinct_keys"`
	Extent        []float64                 `json:"extent"`
	FeatureExtent []float64                 `json:"feature_extent"`
	Fields        []string                  `json:"fields"`
	Samples       map[string]map[string]any `json:"samples"`
	Seconds       float64                   `json:"seconds"`
}

type qgisOutput struct {
	QGISVersion string      `json:"qgis_version"`
	Layers      []qgisLayer `json:"layers"`
}

func TestQGIS_LoadsWFSLayers(t *testing.T) {
	requirePythonModule(t, "qgis.core", "python3-qgis")
	srv := startServer(t)

	duct := catalogLayer(t, srv, "duct")
	ductCount := countRows(t, srv.Pool, duct, "TRUE")
	pageSize := ductCount/7 + 1
	var jobs []*qgisJob
	add := func(name string, l *feature.Layer, version, srsName, key string, pageSize int64) {
		proxyURL, requests := startRecordingProxy(t, srv)
		jobs = append(jobs, &qgisJob{
			Name: name, URL: proxyURL + "/wfs", TypeName: typeName(srv, l), Version: version,
			SRSName: srsName, PageSize: pageSize, Key: key,
			SampleKeys: sampleKeys(t, srv.Pool, l, key, 5),
			layer:      l, requests: requests,
		})
	}
	add("duct 2.0.0", duct, "2.0.0", "EPSG:2154", "guid", 0)
	add("duct 1.1.0", duct, "1.1.0", "EPSG:2154", "guid", 0)
	add("duct 2.0.0 paged", duct, "2.0.0", "EPSG:2154", "guid", pageSize)
	towers := catalogLayer(t, srv, "osm_power_tower")
	if countRows(t, srv.Pool, towers, "TRUE") > 0 {
		add("osm_power_tower 2.0.0", towers, "2.0.0", "EPSG:4326", "osm_id", 0)
		add("osm_power_tower 1.1.0", towers, "1.1.0", "EPSG:4326", "osm_id", 0)
	} else {
		t.Logf("%s is empty (no OpenStreetMap extract loaded): no EPSG:4326 layer to load", table(towers))
	}

	out := runQGIS(t, jobs)
	t.Logf("QGIS %s", out.QGISVersion)
	if len(out.Layers) != len(jobs) {
		t.Fatalf("the script reported %d layers for %d loads", len(out.Layers), len(jobs))
	}
	for i, job := range jobs {
		t.Run(job.Name, func(t *testing.T) {
			checkQGISLayer(t, srv.Pool, job, out.Layers[i])
		})
	}
}

// qgisEnv returns the environment of a headless QGIS run: a fresh HOME, under which
// the provider caches its downloads, the XDG folders Qt needs, and the offscreen
// platform.
func qgisEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	runtimeDir := filepath.Join(home, "runtime")
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	return []string{
		"HOME=" + home,
		"XDG_RUNTIME_DIR=" + runtimeDir,
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"QT_QPA_PLATFORM=offscreen",
	}
}

func runQGIS(t *testing.T, jobs []*qgisJob) qgisOutput {
	t.Helper()
	spec, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	env := qgisEnv(t)
	res := mustRunClient(t, env, systemPython, scriptPath(t, "qgis_wfs.py"), string(spec))

	var out qgisOutput
	dec := json.NewDecoder(bytes.NewReader(res.stdout))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode the output of qgis_wfs.py: %v\nstdout:\n%s\nstderr:\n%s", err, res.stdout, tail(res.stderr))
	}
	return out
}

func checkQGISLayer(t *testing.T, pool *pgxpool.Pool, job *qgisJob, got qgisLayer) {
	t.Helper()
	l := job.layer
	t.Logf("%s: %d features in %.2f s", got.URI, got.Features, got.Seconds)
	if !got.Valid {
		t.Fatalf("QGIS cannot load %s: %s", got.URI, got.Error)
	}
	if got.CRS != job.SRSName {
		t.Errorf("layer CRS %s, want %s", got.CRS, job.SRSName)
	}

	want := countRows(t, pool, l, "TRUE")
	if got.Features != want {
		t.Errorf("QGIS read %d features, table %s has %d rows", got.Features, table(l), want)
	}
	if got.DistinctKeys != want {
		t.Errorf("QGIS read %d distinct %s values, table %s has %d rows", got.DistinctKeys, job.Key, table(l), want)
	}
	if got.ProviderCount != want {
		t.Errorf("featureCount() %d, table %s has %d rows", got.ProviderCount, table(l), want)
	}

	var fields []string
	for _, f := range l.Fields {
		fields = append(fields, f.XMLName)
	}
	if !slices.Equal(got.Fields, fields) {
		t.Errorf("fields\n  got  %v\n  want %v", got.Fields, fields)
	}

	checkQGISExtent(t, pool, l, "extent()", got.Extent)
	checkQGISExtent(t, pool, l, "union of the feature bounding boxes", got.FeatureExtent)
	checkQGISSamples(t, pool, job, got)
	checkQGISRequests(t, job, want)
}

func checkQGISExtent(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, label string, got []float64) {
	t.Helper()
	want, ok := tableExtent(t, pool, l)
	if !ok {
		return
	}
	if len(got) != 4 {
		t.Errorf("%s: got %v, ST_Extent is %s", label, got, want)
		return
	}
	b := bounds{MinX: got[0], MinY: got[1], MaxX: got[2], MaxY: got[3]}
	tolerance := extentTolerance(t, pool, l)
	if d, bad := b.differs(want, tolerance); bad {
		t.Errorf("%s %s, ST_Extent %s: %g apart, tolerance %g", label, b, want, d, tolerance)
	}
}

func checkQGISSamples(t *testing.T, pool *pgxpool.Pool, job *qgisJob, got qgisLayer) {
	t.Helper()
	l := job.layer
	rows := dbValues(t, pool, l, job.Key, job.SampleKeys)
	var diffs mismatchLog
	for _, key := range job.SampleKeys {
		attrs, ok := got.Samples[key]
		if !ok {
			diffs.add("%s %s: feature not read", job.Key, key)
			continue
		}
		for i := range l.Fields {
			f := &l.Fields[i]
			if diff := valueMismatch(f, rows[key][i], attrs[f.XMLName]); diff != "" {
				diffs.add("%s %s, %s: %s", job.Key, key, f.XMLName, diff)
			}
		}
	}
	diffs.report(t, fmt.Sprintf("%s, %d sampled features", l.Name, len(job.SampleKeys)))
}

// checkQGISRequests checks that QGIS read the features from the server, in pages
// when the load asked for them.
func checkQGISRequests(t *testing.T, job *qgisJob, total int64) {
	t.Helper()
	requests := job.requests.getFeatures()
	if len(requests) == 0 {
		t.Errorf("QGIS sent no GetFeature request through the proxy")
		return
	}
	t.Logf("%d GetFeature requests, the first: %s", len(requests), requests[0].Encode())
	if job.PageSize == 0 {
		return
	}
	wantPages := int((total + job.PageSize - 1) / job.PageSize)
	starts := map[string]bool{}
	for _, q := range requests {
		starts[q.Get("STARTINDEX")] = true
		if size := q.Get("COUNT"); size != fmt.Sprint(job.PageSize) {
			t.Errorf("GetFeature with COUNT=%q, want the page size %d", size, job.PageSize)
		}
	}
	if len(starts) < wantPages {
		t.Errorf("QGIS sent %d GetFeature requests at %d distinct STARTINDEX values, want at least %d pages of %d",
			len(requests), len(starts), wantPages, job.PageSize)
	}
}

// sampleKeys returns up to n values of the key column, spread over the table in id
// order, and fails the test when the column is not a unique non-null key.
func sampleKeys(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, key string, n int) []string {
	t.Helper()
	col := pgx.Identifier{key}.Sanitize()
	var rows, distinct int64
	query := "SELECT count(*), count(DISTINCT " + col + ") FROM " + table(l)
	if err := pool.QueryRow(context.Background(), query).Scan(&rows, &distinct); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if rows != distinct {
		t.Fatalf("%s.%s is not a unique non-null key (%d rows, %d distinct values): choose another key", table(l), key, rows, distinct)
	}
	keys, err := queryStrings(pool, "SELECT "+col+"::text FROM "+table(l)+" ORDER BY "+pgx.Identifier{l.Key}.Sanitize())
	if err != nil {
		t.Fatalf("read %s.%s: %v", table(l), key, err)
	}
	if len(keys) <= n {
		return keys
	}
	sample := make([]string, 0, n)
	for i := range n {
		sample = append(sample, keys[i*len(keys)/n])
	}
	return sample
}

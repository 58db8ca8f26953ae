package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/feature"
)

// gdalSource returns the GDAL connection string of the server's WFS at a version.
func gdalSource(srv *testserver.Server, version string) string {
	return "WFS:" + wfsURL(srv) + "?VERSION=" + version
}

func TestGDAL_ListsEveryLayer(t *testing.T) {
	ogrinfo := requireProgram(t, "ogrinfo", "gdal-bin")
	srv := startServer(t)

	var want []string
	for _, l := range srv.Catalog.Layers {
		want = append(want, typeName(srv, l))
	}
	slices.Sort(want)

	// The first source lets GDAL pick the version from the capabilities.
	sources := []string{"WFS:" + wfsURL(srv)}
	for _, v := range wfsVersions {
		sources = append(sources, gdalSource(srv, v))
	}
	layerLine := regexp.MustCompile(`(?m)^\d+: (\S+)`)
	for _, source := range sources {
		res := mustRunClient(t, nil, ogrinfo, "-ro", source)
		var got []string
		for _, m := range layerLine.FindAllStringSubmatch(string(res.stdout), -1) {
			got = append(got, m[1])
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("ogrinfo %s lists layers %v, the catalog has %v", source, got, want)
		}
	}
}

// gdalFieldTypes are the OGR field types that GDAL derives from the XML Schema types of
// DescribeFeatureType.
var gdalFieldTypes = map[feature.Kind]string{
	feature.KindString:   "String",
	feature.KindInt:      "Integer",
	feature.KindLong:     "Integer64",
	feature.KindDecimal:  "Real",
	feature.KindFloat:    "Real",
	feature.KindBool:     "Integer(Boolean)",
	feature.KindDate:     "Date",
	feature.KindDateTime: "DateTime",
}

// layerSummary is what ogrinfo -so prints about a layer.
type layerSummary struct {
	count     int64
	extent    bounds
	hasExtent bool
	fields    []string // "name: type"
}

var (
	featureCountLine = regexp.MustCompile(`(?m)^Feature Count: (-?\d+)$`)
	extentLine       = regexp.MustCompile(`(?m)^Extent: \(([-\d.e+]+), ([-\d.e+]+)\) - \(([-\d.e+]+), ([-\d.e+]+)\)$`)
	fieldLine        = regexp.MustCompile(`(?m)^(\S+): (\S+) \(\d+\.\d+\)`)
)

func parseSummary(t *testing.T, out []byte) layerSummary {
	t.Helper()
	var s layerSummary
	m := featureCountLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo printed no feature count:\n%s", out)
	}
	s.count, _ = strconv.ParseInt(string(m[1]), 10, 64)
	if m := extentLine.FindSubmatch(out); m != nil {
		var v [4]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
		}
		s.extent, s.hasExtent = bounds{MinX: v[0], MinY: v[1], MaxX: v[2], MaxY: v[3]}, true
	}
	for _, m := range fieldLine.FindAllSubmatch(out, -1) {
		s.fields = append(s.fields, string(m[1])+": "+string(m[2]))
	}
	return s
}

func TestGDAL_LayerSummary(t *testing.T) {
	ogrinfo := requireProgram(t, "ogrinfo", "gdal-bin")
	srv := startServer(t)

	for _, version := range wfsVersions {
		for _, l := range srv.Catalog.Layers {
			t.Run(version+"/"+l.Name, func(t *testing.T) {
				res := mustRunClient(t, nil, ogrinfo, "-ro", "-so", gdalSource(srv, version), typeName(srv, l))
				s := parseSummary(t, res.stdout)

				if want := countRows(t, srv.Pool, l, "TRUE"); s.count != want {
					t.Errorf("Feature Count %d, table %s has %d rows", s.count, table(l), want)
				}
				want := []string{"gml_id: String"}
				for _, f := range l.Fields {
					want = append(want, f.XMLName+": "+gdalFieldTypes[f.Kind])
				}
				if !slices.Equal(s.fields, want) {
					t.Errorf("fields\n  got  %v\n  want %v", s.fields, want)
				}
				checkSummaryExtent(t, srv.Pool, l, s)
			})
		}
	}
}

func checkSummaryExtent(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, s layerSummary) {
	t.Helper()
	want, ok := tableExtent(t, pool, l)
	if !ok {
		return
	}
	if !s.hasExtent {
		t.Errorf("ogrinfo printed no extent, but ST_Extent is %s", want)
		return
	}
	tolerance := extentTolerance(t, pool, l)
	if d, bad := s.extent.differs(want, tolerance); bad {
		t.Errorf("extent %s, ST_Extent %s: %g apart, tolerance %g", s.extent, want, d, tolerance)
	}
}

func TestGDAL_DownloadsEveryLayer(t *testing.T) {
	ogr2ogr := requireProgram(t, "ogr2ogr", "gdal-bin")
	srv := startServer(t)

	for _, version := range wfsVersions {
		for _, l := range srv.Catalog.Layers {
			t.Run(version+"/"+l.Name, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), l.Name+".geojson")
				mustRunClient(t, nil, ogr2ogr, "-f", "GeoJSON", out, gdalSource(srv, version), typeName(srv, l))
				fc := readGeoJSON(t, out)
				checkAllFeatures(t, srv.Pool, l, fc)
				checkGeoJSONExtent(t, srv.Pool, l, fc)
			})
		}
	}
}

func TestGDAL_PagedDownload(t *testing.T) {
	ogr2ogr := requireProgram(t, "ogr2ogr", "gdal-bin")
	srv := startServer(t)
	l := catalogLayer(t, srv, "duct")
	total := countRows(t, srv.Pool, l, "TRUE")
	if total < 3 {
		t.Fatalf("paging needs at least 3 features, %s has %d", table(l), total)
	}
	// About seven pages, the last one shorter.
	pageSize := total/7 + 1
	wantPages := int((total + pageSize - 1) / pageSize)

	for _, version := range wfsVersions {
		t.Run(version, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "paged.geojson")
			res := mustRunClient(t, nil, ogr2ogr, "--debug", "ON",
				"--config", "OGR_WFS_PAGING_ALLOWED", "ON",
				"--config", "OGR_WFS_PAGE_SIZE", strconv.FormatInt(pageSize, 10),
				"-f", "GeoJSON", out, gdalSource(srv, version), typeName(srv, l))

			starts := pageStarts(res.stderr)
			if len(starts) < wantPages {
				t.Errorf("GDAL requested pages at STARTINDEX %v, want at least %d pages of %d features", starts, wantPages, pageSize)
			}
			t.Logf("%d features in %d pages of %d", total, len(starts), pageSize)
			checkAllFeatures(t, srv.Pool, l, readGeoJSON(t, out))
		})
	}
}

var startIndexParam = regexp.MustCompile(`REQUEST=GetFeature[^\s)]*[?&]STARTINDEX=(\d+)|STARTINDEX=(\d+)[^\s)]*REQUEST=GetFeature`)

// pageStarts returns the distinct STARTINDEX values of the GetFeature requests that
// GDAL logged with --debug ON.
func pageStarts(stderr []byte) []int {
	seen := map[int]bool{}
	var starts []int
	for _, m := range startIndexParam.FindAllSubmatch(stderr, -1) {
		s := string(m[1]) + string(m[2])
		n, _ := strconv.Atoi(s)
		if !seen[n] {
			seen[n] = true
			starts = append(starts, n)
		}
	}
	slices.Sort(starts)
	return starts
}

func TestGDAL_SpatialFilter(t *testing.T) {
	ogrinfo := requireProgram(t, "ogrinfo", "gdal-bin")
	ogr2ogr := requireProgram(t, "ogr2ogr", "gdal-bin")
	srv := startServer(t)

	for _, l := range srv.Catalog.Layers {
		box, ok := centralBox(t, srv.Pool, l)
		if !ok {
			t.Logf("%s: no features, no spatial filter to test", l.Name)
			continue
		}
		where := "ST_Intersects(" + pgx.Identifier{l.Geometry}.Sanitize() +
			", ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, $5::integer))"
		want := matchingIDs(t, srv.Pool, l, where, box.MinX, box.MinY, box.MaxX, box.MaxY, l.SRID)
		total := countRows(t, srv.Pool, l, "TRUE")
		t.Logf("%s: box %s selects %d of %d features", l.Name, box, len(want), total)
		if len(want) == 0 || int64(len(want)) == total {
			t.Logf("%s: the box selects no feature or every feature, so the filter is barely exercised", l.Name)
		}

		spat := []string{"-spat", formatFloat(box.MinX), formatFloat(box.MinY), formatFloat(box.MaxX), formatFloat(box.MaxY)}
		for _, version := range wfsVersions {
			t.Run(version+"/"+l.Name, func(t *testing.T) {
				args := append([]string{"--debug", "ON", "-ro", "-so"}, spat...)
				res := mustRunClient(t, nil, ogrinfo, append(args, gdalSource(srv, version), typeName(srv, l))...)
				checkNoGDALErrors(t, res.stderr)
				if got := parseSummary(t, res.stdout).count; got != int64(len(want)) {
					t.Errorf("ogrinfo -spat: Feature Count %d, SQL ST_Intersects count %d", got, len(want))
				}

				out := filepath.Join(t.TempDir(), "spat.geojson")
				args = append([]string{"-f", "GeoJSON"}, spat...)
				mustRunClient(t, nil, ogr2ogr, append(args, out, gdalSource(srv, version), typeName(srv, l))...)
				checkIDSet(t, l, readGeoJSON(t, out), want)
			})
		}
	}
}

// centralBox returns the box between the first and third quartiles of the x and y
// of the feature centroids, so that it holds part of the features whatever their
// spread. It returns false when the table has no features.
func centralBox(t *testing.T, pool *pgxpool.Pool, l *feature.Layer) (bounds, bool) {
	t.Helper()
	c := "ST_Centroid(" + pgx.Identifier{l.Geometry}.Sanitize() + ")"
	query := `SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY ST_X(` + c + `)),
		percentile_cont(0.25) WITHIN GROUP (ORDER BY ST_Y(` + c + `)),
		percentile_cont(0.75) WITHIN GROUP (ORDER BY ST_X(` + c + `)),
		percentile_cont(0.75) WITHIN GROUP (ORDER BY ST_Y(` + c + `))
		FROM ` + table(l)
	var minX, minY, maxX, maxY *float64
	if err := pool.QueryRow(context.Background(), query).Scan(&minX, &minY, &maxX, &maxY); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if minX == nil {
		return bounds{}, false
	}
	return bounds{MinX: *minX, MinY: *minY, MaxX: *maxX, MaxY: *maxY}, true
}

// whereCase is an attribute filter given to GDAL with -where, and the same condition
// in SQL.
type whereCase struct {
	name  string
	layer string
	where string // OGR SQL
	sql   string // SQL condition with $n parameters
	args  []any
	// serverSide is true when GDAL 3.6 sends the condition to the server as a filter.
	// GDAL evaluates the other conditions itself on the features it downloads.
	serverSide bool
}

func whereCases(t *testing.T, srv *testserver.Server) []whereCase {
	t.Helper()
	var firstDuct int64
	if err := srv.Pool.QueryRow(context.Background(), "SELECT min(id) FROM netdata.duct").Scan(&firstDuct); err != nil {
		t.Fatalf("first duct id: %v", err)
	}
	const accented = "Levé réalisé après la pose ; tampon à reprendre."
	return []whereCase{
		{"equal and greater or equal", "duct", "network_category = 'ELEC' AND cable_count >= 2",
			"network_category = $1 AND cable_count >= $2", []any{"ELEC", 2}, true},
		{"or", "duct", "network_category = 'GAZ' OR cable_count = 0",
			"network_category = $1 OR cable_count = $2", []any{"GAZ", 0}, true},
		{"like", "duct", "code LIKE 'CD-00001%'", "code LIKE $1", []any{"CD-00001%"}, true},
		{"ilike", "duct", "code ILIKE 'cd-00001%'", "code ILIKE $1", []any{"cd-00001%"}, true},
		{"is null", "duct", "comment IS NULL", "comment IS NULL", nil, true},
		{"is not null", "duct", "comment IS NOT NULL", "comment IS NOT NULL", nil, true},
		{"not less than", "duct", "NOT (cable_count < 2)", "NOT (cable_count < $1)", []any{2}, true},
		{"between", "duct", "cable_count BETWEEN 1 AND 3", "cable_count BETWEEN $1 AND $2", []any{1, 3}, true},
		{"not equal", "duct", "inner_diameter_mm <> 28", "inner_diameter_mm <> $1", []any{28}, true},
		{"boolean", "duct", "available = 1", "available = $1", []any{true}, true},
		{"decimal", "duct", "geoloc_quality_m > 0.5", "geoloc_quality_m > $1", []any{0.5}, true},
		{"accented text", "duct", "comment = '" + accented + "'", "comment = $1", []any{accented}, true},
		{"accented like", "planned_works", "title LIKE '%Hérouville%'", "title LIKE $1", []any{"%Hérouville%"}, true},
		// GDAL 3.6 writes the literal of a Date field as a date-time: 2000-01-01T00:00:00.
		{"date", "duct", "built_on > '2000-01-01'", "built_on > $1::date", []any{"2000-01-01"}, true},
		{"date-time", "duct", "created_at > '2000-01-01 00:00:00'",
			"created_at > $1::timestamptz", []any{"2000-01-01 00:00:00Z"}, true},
		{"feature id", "duct", fmt.Sprintf("gml_id = 'duct.%d'", firstDuct), "id = $1", []any{firstDuct}, true},
		{"in list", "duct", "network_category IN ('ELEC', 'TELECOM')",
			"network_category = ANY($1)", []any{[]string{"ELEC", "TELECOM"}}, false},
	}
}

func TestGDAL_AttributeFilter(t *testing.T) {
	ogrinfo := requireProgram(t, "ogrinfo", "gdal-bin")
	ogr2ogr := requireProgram(t, "ogr2ogr", "gdal-bin")
	srv := startServer(t)

	for _, tc := range whereCases(t, srv) {
		l := catalogLayer(t, srv, tc.layer)
		want := matchingIDs(t, srv.Pool, l, tc.sql, tc.args...)
		for _, version := range wfsVersions {
			t.Run(version+"/"+tc.name, func(t *testing.T) {
				source := gdalSource(srv, version)
				res := mustRunClient(t, nil, ogrinfo, "--debug", "ON", "-ro", "-so", "-where", tc.where, source, typeName(srv, l))
				checkNoGDALErrors(t, res.stderr)
				sent := strings.Contains(string(res.stderr), "&FILTER=")
				if sent != tc.serverSide {
					t.Errorf("GDAL sent a FILTER: %v, expected %v", sent, tc.serverSide)
				}
				// NOTE: for a condition that GDAL evaluates itself, ogrinfo -so with WFS 1.1.0
				// prints the unfiltered count (observed with GDAL 3.6.2), so only the
				// download below is compared for such conditions.
				if tc.serverSide {
					if got := parseSummary(t, res.stdout).count; got != int64(len(want)) {
						t.Errorf("ogrinfo -where %q: Feature Count %d, SQL count %d", tc.where, got, len(want))
					}
				}

				if t.Failed() {
					return // the server response is shown above
				}

				out := filepath.Join(t.TempDir(), "where.geojson")
				res, err := runClient(t, nil, ogr2ogr, "--debug", "ON", "-f", "GeoJSON", "-where", tc.where, out, source, typeName(srv, l))
				checkNoGDALErrors(t, res.stderr)
				if err != nil {
					t.Fatalf("ogr2ogr -where %q: %v", tc.where, err)
				}
				checkIDSet(t, l, readGeoJSON(t, out), want)
			})
		}
	}
}

// gdalError matches the errors that GDAL reports on stderr, such as an HTTP status
// of 400 from the server.
var gdalError = regexp.MustCompile(`(?m)^ERROR \d+: .*$`)

// fetchedURL matches the URLs that GDAL logs with --debug ON.
var fetchedURL = regexp.MustCompile(`(?:Fetch\(|Start download for )(http://[^\s)]+)`)

// checkNoGDALErrors fails the test when GDAL reported errors, and shows the server's
// exception report for the last request that GDAL logged.
func checkNoGDALErrors(t *testing.T, stderr []byte) {
	t.Helper()
	errs := gdalError.FindAll(stderr, 5)
	if len(errs) == 0 {
		return
	}
	msg := fmt.Sprintf("GDAL reported errors:\n  %s", joinLines(errs))
	urls := fetchedURL.FindAllSubmatch(stderr, -1)
	if len(urls) > 0 {
		last := string(urls[len(urls)-1][1])
		msg += "\nlast request: " + last + "\nserver response: " + fetchText(last)
	}
	t.Error(msg)
}

func joinLines(lines [][]byte) string {
	s := make([]string, len(lines))
	for i, l := range lines {
		s[i] = string(l)
	}
	return strings.Join(s, "\n  ")
}

// fetchText returns the start of the response to a GET request, for failure messages.
func fetchText(url string) string {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
	return resp.Status + "\n" + string(body)
}

func catalogLayer(t *testing.T, srv *testserver.Server, name string) *feature.Layer {
	t.Helper()
	l, ok := srv.Catalog.Layer(name)
	if !ok {
		t.Fatalf("the catalog has no layer %q", name)
	}
	return l
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// matchingIDs returns the feature ids of the rows that match an SQL condition.
func matchingIDs(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, where string, args ...any) map[string]bool {
	t.Helper()
	query := "SELECT " + pgx.Identifier{l.Key}.Sanitize() + "::text FROM " + table(l) + " WHERE " + where
	keys, err := queryStrings(pool, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	ids := make(map[string]bool, len(keys))
	for _, k := range keys {
		ids[l.FeatureID(k)] = true
	}
	return ids
}

// geoJSONCollection is the part of a GeoJSON file that the tests read.
type geoJSONCollection struct {
	Features []struct {
		Properties map[string]any `json:"properties"`
		Geometry   *struct {
			Coordinates any `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

func readGeoJSON(t *testing.T, path string) geoJSONCollection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("read the client's output: %v", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.UseNumber()
	var fc geoJSONCollection
	if err := dec.Decode(&fc); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return fc
}

// gmlIDs returns the gml_id of every feature, and reports features without one and
// ids read more than once.
func gmlIDs(t *testing.T, fc geoJSONCollection) []string {
	t.Helper()
	seen := map[string]bool{}
	var ids []string
	for i, f := range fc.Features {
		id, ok := f.Properties["gml_id"].(string)
		if !ok {
			t.Errorf("feature %d has no gml_id: %v", i, f.Properties)
			continue
		}
		if seen[id] {
			t.Errorf("feature %s read more than once", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

// checkIDSet compares the ids that the client read with the ids SQL selects.
func checkIDSet(t *testing.T, l *feature.Layer, fc geoJSONCollection, want map[string]bool) {
	t.Helper()
	ids := gmlIDs(t, fc)
	if len(fc.Features) != len(want) {
		t.Errorf("%s: the client read %d features, SQL selects %d", l.Name, len(fc.Features), len(want))
	}
	var unexpected []string
	got := map[string]bool{}
	for _, id := range ids {
		got[id] = true
		if !want[id] {
			unexpected = append(unexpected, id)
		}
	}
	var missing []string
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("%s: %d features that SQL does not select, such as %v", l.Name, len(unexpected), firstOf(unexpected))
	}
	if len(missing) > 0 {
		t.Errorf("%s: %d features missing, such as %v", l.Name, len(missing), firstOf(missing))
	}
}

func firstOf(ids []string) []string {
	slices.Sort(ids)
	return ids[:min(len(ids), 5)]
}

// checkAllFeatures compares a full download with the table: the same ids, each once,
// and equal attribute values.
func checkAllFeatures(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, fc geoJSONCollection) {
	t.Helper()
	checkIDSet(t, l, fc, matchingIDs(t, pool, l, "TRUE"))

	rows := dbValues(t, pool, l, l.Key, nil)
	known := map[string]bool{"gml_id": true}
	for _, f := range l.Fields {
		known[f.XMLName] = true
	}
	var diffs mismatchLog
	compared := 0
	for _, f := range fc.Features {
		id, _ := f.Properties["gml_id"].(string)
		values, ok := rows[strings.TrimPrefix(id, l.Name+".")]
		if !ok {
			continue // reported by checkIDSet
		}
		for i := range l.Fields {
			field := &l.Fields[i]
			if diff := valueMismatch(field, values[i], f.Properties[field.XMLName]); diff != "" {
				diffs.add("%s %s: %s", id, field.XMLName, diff)
			}
			if values[i] != nil {
				compared++
			}
		}
		for name := range f.Properties {
			if !known[name] {
				diffs.add("%s: unexpected property %s", id, name)
			}
		}
	}
	diffs.report(t, l.Name)
	t.Logf("%s: %d features read, %d non-null values compared", l.Name, len(fc.Features), compared)
}

// checkGeoJSONExtent compares the extent of the downloaded geometries with ST_Extent.
func checkGeoJSONExtent(t *testing.T, pool *pgxpool.Pool, l *feature.Layer, fc geoJSONCollection) {
	t.Helper()
	want, ok := tableExtent(t, pool, l)
	if !ok {
		return
	}
	got := emptyBounds()
	for _, f := range fc.Features {
		if f.Geometry != nil {
			addPositions(&got, f.Geometry.Coordinates)
		}
	}
	tolerance := extentTolerance(t, pool, l)
	if d, bad := got.differs(want, tolerance); bad {
		t.Errorf("extent of the downloaded geometries %s, ST_Extent %s: %g apart, tolerance %g", got, want, d, tolerance)
	}
}

// addPositions extends b with every position of a GeoJSON coordinates array.
func addPositions(b *bounds, coords any) {
	list, ok := coords.([]any)
	if !ok || len(list) == 0 {
		return
	}
	if _, isNumber := list[0].(json.Number); isNumber {
		x, okX := jsonFloat(list[0])
		y, okY := jsonFloat(list[min(1, len(list)-1)])
		if !okX || !okY || len(list) < 2 {
			x, y = math.NaN(), math.NaN()
		}
		b.add(x, y)
		return
	}
	for _, c := range list {
		addPositions(b, c)
	}
}

func jsonFloat(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

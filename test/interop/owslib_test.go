package interop

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/feature"
)

// owslibJob is the input of testdata/owslib_wfs.py.
type owslibJob struct {
	URL         string            `json:"url"`
	Version     string            `json:"version"`
	Namespace   string            `json:"namespace"`
	TypeName    string            `json:"typename"`
	PageSize    int64             `json:"page_size"`
	BBoxQueries []owslibBBoxQuery `json:"bbox_queries"`
	FeatureIDs  []string          `json:"featureids"`
}

type owslibBBoxQuery struct {
	TypeName string     `json:"typename"`
	BBox     [4]float64 `json:"bbox"`

	layer *feature.Layer
	want  map[string]bool
}

// owslibOutput is what testdata/owslib_wfs.py prints.
type owslibOutput struct {
	OWSLibVersion string `json:"owslib_version"`
	Class         string `json:"class"`
	Contents      map[string]struct {
		Title     string    `json:"title"`
		CRS       []string  `json:"crs"`
		WGS84BBox []float64 `json:"wgs84_bbox"`
	} `json:"contents"`
	Schema []string `json:"schema"`
	All    struct {
		IDs     []string `json:"ids"`
		Seconds float64  `json:"seconds"`
	} `json:"all"`
	Pages [][]string `json:"pages"`
	BBox  []struct {
		TypeName string   `json:"typename"`
		IDs      []string `json:"ids"`
	} `json:"bbox"`
	FeatureID struct {
		IDs []string `json:"ids"`
	} `json:"featureid"`
}

func TestOWSLib_ReadsWFS(t *testing.T) {
	requirePythonModule(t, "owslib.wfs", "python3-owslib")
	srv := startServer(t)
	duct := catalogLayer(t, srv, "duct")
	ductIDs := matchingIDs(t, srv.Pool, duct, "TRUE")
	pageSize := int64(len(ductIDs))/5 + 1

	queries := bboxQueries(t, srv, "duct", "osm_power_tower")
	featureIDs := sortedIDs(ductIDs)[:2]

	for _, version := range wfsVersions {
		t.Run(version, func(t *testing.T) {
			job := owslibJob{
				URL: wfsURL(srv), Version: version, Namespace: srv.Config.Service.NamespaceURI,
				TypeName: typeName(srv, duct), PageSize: pageSize, BBoxQueries: queries, FeatureIDs: featureIDs,
			}
			out := runOWSLib(t, job)
			t.Logf("OWSLib %s (%s): full GetFeature of %d features in %.2f s",
				out.OWSLibVersion, out.Class, len(out.All.IDs), out.All.Seconds)

			checkOWSLibContents(t, srv, out)
			var fields []string
			for _, f := range duct.Fields {
				fields = append(fields, f.XMLName)
			}
			if want := append(fields, duct.GeomElement); !slices.Equal(out.Schema, want) {
				t.Errorf("get_schema properties\n  got  %v\n  want %v", out.Schema, want)
			}

			checkIDList(t, "getfeature", out.All.IDs, ductIDs)
			var paged []string
			for i, page := range out.Pages {
				if i < len(out.Pages)-1 && int64(len(page)) != pageSize {
					t.Errorf("page %d has %d features, want %d", i, len(page), pageSize)
				}
				paged = append(paged, page...)
			}
			t.Logf("%d pages of %d", len(out.Pages), pageSize)
			checkIDList(t, fmt.Sprintf("getfeature in pages of %d", pageSize), paged, ductIDs)

			if len(out.BBox) != len(queries) {
				t.Fatalf("%d bbox results for %d queries", len(out.BBox), len(queries))
			}
			for i, q := range queries {
				checkIDList(t, fmt.Sprintf("getfeature %s bbox %v", q.TypeName, q.BBox), out.BBox[i].IDs, q.want)
			}
			want := map[string]bool{featureIDs[0]: true, featureIDs[1]: true}
			checkIDList(t, fmt.Sprintf("getfeature featureid %v", featureIDs), out.FeatureID.IDs, want)
		})
	}
}

func runOWSLib(t *testing.T, job owslibJob) owslibOutput {
	t.Helper()
	spec, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	res := mustRunClient(t, nil, systemPython, scriptPath(t, "owslib_wfs.py"), string(spec))
	var out owslibOutput
	if err := json.Unmarshal(res.stdout, &out); err != nil {
		t.Fatalf("decode the output of owslib_wfs.py: %v\nstdout:\n%.2000s\nstderr:\n%s", err, res.stdout, tail(res.stderr))
	}
	return out
}

// bboxQueries returns a central box query for each named layer that has features,
// with the ids that SQL selects.
func bboxQueries(t *testing.T, srv *testserver.Server, names ...string) []owslibBBoxQuery {
	t.Helper()
	var queries []owslibBBoxQuery
	for _, name := range names {
		l := catalogLayer(t, srv, name)
		box, ok := centralBox(t, srv.Pool, l)
		if !ok {
			t.Logf("%s: no features, no bbox query", name)
			continue
		}
		where := "ST_Intersects(" + pgx.Identifier{l.Geometry}.Sanitize() +
			", ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, $5::integer))"
		queries = append(queries, owslibBBoxQuery{
			TypeName: typeName(srv, l),
			BBox:     [4]float64{box.MinX, box.MinY, box.MaxX, box.MaxY},
			layer:    l,
			want:     matchingIDs(t, srv.Pool, l, where, box.MinX, box.MinY, box.MaxX, box.MaxY, l.SRID),
		})
	}
	return queries
}

func checkOWSLibContents(t *testing.T, srv *testserver.Server, out owslibOutput) {
	t.Helper()
	var got, want []string
	for name := range out.Contents {
		got = append(got, name)
	}
	for _, l := range srv.Catalog.Layers {
		want = append(want, typeName(srv, l))
		c, ok := out.Contents[typeName(srv, l)]
		if !ok {
			continue
		}
		if c.Title != l.Title {
			t.Errorf("%s: title %q, want %q", l.Name, c.Title, l.Title)
		}
		if defaultCRS := fmt.Sprintf("urn:ogc:def:crs:EPSG::%d", l.SRID); len(c.CRS) == 0 || c.CRS[0] != defaultCRS {
			t.Errorf("%s: CRS list %v, want %s first", l.Name, c.CRS, defaultCRS)
		}
		if len(c.WGS84BBox) != 4 {
			t.Errorf("%s: WGS84 bounding box %v", l.Name, c.WGS84BBox)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("contents %v, the catalog has %v", got, want)
	}
}

// checkIDList compares feature ids read by a client with the ids SQL selects: each
// read once, none missing and none extra.
func checkIDList(t *testing.T, label string, ids []string, want map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	var duplicates, unexpected []string
	for _, id := range ids {
		if seen[id] {
			duplicates = append(duplicates, id)
		}
		seen[id] = true
		if !want[id] {
			unexpected = append(unexpected, id)
		}
	}
	var missing []string
	for id := range want {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(ids) != len(want) {
		t.Errorf("%s: %d features read, SQL selects %d", label, len(ids), len(want))
	}
	if len(duplicates) > 0 {
		t.Errorf("%s: %d features read more than once, such as %v", label, len(duplicates), firstOf(duplicates))
	}
	if len(unexpected) > 0 {
		t.Errorf("%s: %d features that SQL does not select, such as %v", label, len(unexpected), firstOf(unexpected))
	}
	if len(missing) > 0 {
		t.Errorf("%s: %d features missing, such as %v", label, len(missing), firstOf(missing))
	}
}

func sortedIDs(ids map[string]bool) []string {
	out := make([]string, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

package filtering

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fourreau/fourreau/internal/testdb"
)

// systemPython is the interpreter Debian's python3-owslib is installed for; another
// python3 may come first on PATH.
const systemPython = "/usr/bin/python3"

// requireProgram returns the path of a client program, or skips the test when it is
// missing (fails it when FOURREAU_REQUIRE_DB=1, as in CI).
func requireProgram(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(testdb.RequireEnv) == "1" {
			t.Fatalf("%s not found: %v", name, err)
		}
		t.Skipf("%s not found: %v", name, err)
	}
	return path
}

// run runs a client with a timeout and returns its standard output.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = t.TempDir()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

// gdalIDs runs ogr2ogr on the network sections with extra options and returns the
// gml_id of each feature, sorted.
func gdalIDs(t *testing.T, e *env, version string, opts ...string) []string {
	t.Helper()
	conn := "WFS:" + e.srv.URL + "/wfs?VERSION=" + version
	args := append([]string{"-f", "CSV", "/vsistdout/", conn, "net:network_link", "-select", "gml_id"}, opts...)
	r := csv.NewReader(strings.NewReader(string(run(t, requireProgram(t, "ogr2ogr"), args...))))
	// The header of a CSV without geometry ends with a separator.
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("ogr2ogr output is not CSV: %v", err)
	}
	var ids []string
	for _, rec := range records[1:] {
		ids = append(ids, rec[0])
	}
	slices.Sort(ids)
	return ids
}

func TestGDAL_WhereAndSpatialFilter(t *testing.T) {
	e := setup(t)
	f := loadFixtures(t, e)
	box := []string{ftoa(f.midX - 2000), ftoa(f.midY - 2000), ftoa(f.midX + 2000), ftoa(f.midY + 2000)}
	cases := []struct {
		name string
		opts []string
		sql  string
	}{
		{"equal", []string{"-where", "network_category = 'ELEC'"}, "network_category = 'ELEC'"},
		{"greater", []string{"-where", "capacity > 96"}, "capacity > 96"},
		{"like", []string{"-where", "code LIKE 'TR-GAZ%'"}, "code ILIKE 'TR-GAZ%'"},
		{"null", []string{"-where", "project_phase IS NULL"}, "project_phase IS NULL"},
		{"in", []string{"-where", "network_category IN ('ELEC', 'GAZ')"}, "network_category IN ('ELEC', 'GAZ')"},
		{"and not", []string{"-where", "capacity >= 24 AND capacity <= 144 AND NOT code = 'TR-COM-00001'"},
			"capacity >= 24 AND capacity <= 144 AND NOT code = 'TR-COM-00001'"},
		{"date", []string{"-where", "built_on < '2000-01-01'"}, "built_on < '2000-01-01'"},
		{"spat", append([]string{"-spat"}, box...), "ST_Intersects(geom, ST_MakeEnvelope(" + strings.Join(box, ", ") + ", 2154))"},
		{"spat and where", append([]string{"-where", "network_category = 'GAZ'", "-spat"}, box...),
			"network_category = 'GAZ' AND ST_Intersects(geom, ST_MakeEnvelope(" + strings.Join(box, ", ") + ", 2154))"},
	}
	for _, version := range []string{"2.0.0", "1.1.0"} {
		for _, c := range cases {
			t.Run(version+" "+c.name, func(t *testing.T) {
				if len(e.sqlIDs(t, "network_link", "netdata.network_link", c.sql)) == 0 {
					t.Fatalf("SQL %q selects nothing; the case needs rows", c.sql)
				}
				agree(t, func() string {
					want := e.sqlIDs(t, "network_link", "netdata.network_link", c.sql)
					if got := gdalIDs(t, e, version, c.opts...); !slices.Equal(got, want) {
						return fmt.Sprintf("ogr2ogr %v: %d features, SQL %d: %s", c.opts, len(got), len(want), diff(got, want))
					}
					return ""
				})
			})
		}
	}
}

func TestOWSLib_Filters(t *testing.T) {
	e := setup(t)
	requireProgram(t, systemPython)
	if err := exec.Command(systemPython, "-c", "import owslib").Run(); err != nil {
		if os.Getenv(testdb.RequireEnv) == "1" {
			t.Fatalf("OWSLib is not installed for %s (Debian package python3-owslib): %v", systemPython, err)
		}
		t.Skipf("OWSLib is not installed for %s: %v", systemPython, err)
	}
	script, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	script += "/testdata/owslib_filter.py"
	cases := map[string]string{
		"equal":   "network_category = 'ELEC'",
		"like":    "code LIKE 'TR-GAZ%'",
		"greater": "capacity > 96",
		"and":     "network_category = 'GAZ' AND nominal_size_mm <= 100",
		"or":      "network_category IN ('GAZ', 'ELEC')",
		"not":     "network_category <> 'GAZ'",
		"bbox":    "ST_Intersects(geom, ST_MakeEnvelope(452000, 6901000, 456000, 6905000, 2154))",
	}
	for _, version := range []string{"2.0.0", "1.1.0"} {
		for name, sql := range cases {
			t.Run(version+" "+name, func(t *testing.T) {
				if len(e.sqlIDs(t, "network_link", "netdata.network_link", sql)) == 0 {
					t.Fatalf("SQL %q selects nothing; the case needs rows", sql)
				}
				agree(t, func() string {
					want := e.sqlIDs(t, "network_link", "netdata.network_link", sql)
					out := run(t, systemPython, script, e.srv.URL+"/wfs", version, "net:network_link", name)
					var got []string
					if err := json.Unmarshal(out, &got); err != nil {
						t.Fatalf("OWSLib output is not a JSON list: %v: %s", err, out)
					}
					slices.Sort(got)
					if !slices.Equal(got, want) {
						return fmt.Sprintf("OWSLib %s: %d features, SQL %d: %s", name, len(got), len(want), diff(got, want))
					}
					return ""
				})
			})
		}
	}
}

func ftoa(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// qgisWMSJob is the input of testdata/qgis_wms.py.
type qgisWMSJob struct {
	URL    string       `json:"url"`
	Layers string       `json:"layers"`
	CRS    string       `json:"crs"`
	Extent [4]float64   `json:"extent"`
	Width  int          `json:"width"`
	Height int          `json:"height"`
	Points [][2]float64 `json:"points"`
	Info   *[2]float64  `json:"info"`
}

// qgisWMSOutput is what testdata/qgis_wms.py prints.
type qgisWMSOutput struct {
	QGISVersion string     `json:"qgis_version"`
	URI         string     `json:"uri"`
	Valid       bool       `json:"valid"`
	Error       string     `json:"error"`
	CRS         string     `json:"crs"`
	ImageSize   []int      `json:"image_size"`
	Pixels      [][][4]int `json:"pixels"`
	InfoValid   bool       `json:"info_valid"`
	Info        string     `json:"info"`
}

// wmsDuct is a duct drawn alone around the middle of its line, read from the database.
type wmsDuct struct {
	id     int64
	colour [3]int
	x, y   float64
}

// TestQGIS_DrawsAndQueriesWMS loads the duct layer through the QGIS WMS provider,
// draws a map around each of a few ducts, and checks the colour of the duct's network
// category at the pixel of the middle of the line; then it asks QGIS for the feature
// information at the first duct and expects that duct.
func TestQGIS_DrawsAndQueriesWMS(t *testing.T) {
	requirePythonModule(t, "qgis.core", "python3-qgis")
	srv := startServer(t)
	ducts := isolatedDucts(t, srv.Pool)
	if len(ducts) == 0 {
		t.Fatal("the test database has no duct drawn alone in a solid, dark enough colour")
	}

	env := qgisEnv(t)
	for i, d := range ducts {
		// 256 pixels over 200 m: the duct's line is 2 pixels wide, 1.6 m on the ground.
		job := qgisWMSJob{URL: srv.URL + "/wms", Layers: "duct", CRS: "EPSG:2154",
			Extent: [4]float64{d.x - 100, d.y - 100, d.x + 100, d.y + 100}, Width: 256, Height: 256,
			Points: [][2]float64{{d.x, d.y}}}
		if i == 0 {
			job.Info = &[2]float64{d.x, d.y}
		}
		spec, err := json.Marshal(job)
		if err != nil {
			t.Fatal(err)
		}
		res := mustRunClient(t, env, systemPython, scriptPath(t, "qgis_wms.py"), string(spec))
		var out qgisWMSOutput
		if err := json.NewDecoder(bytes.NewReader(res.stdout)).Decode(&out); err != nil {
			t.Fatalf("decode the output of qgis_wms.py: %v\nstdout:\n%s\nstderr:\n%s", err, res.stdout, tail(res.stderr))
		}
		if !out.Valid {
			t.Fatalf("QGIS %s: WMS layer %s is not valid: %s", out.QGISVersion, out.URI, out.Error)
		}
		if out.Error != "" {
			t.Errorf("duct %d: QGIS reported: %s", d.id, out.Error)
		}
		if out.CRS != "EPSG:2154" {
			t.Errorf("duct %d: layer CRS %q, want EPSG:2154", d.id, out.CRS)
		}
		if len(out.Pixels) != 1 {
			t.Fatalf("duct %d: %d pixel lists, want 1", d.id, len(out.Pixels))
		}
		best := 1 << 30
		for _, p := range out.Pixels[0] {
			best = min(best, colourDistance(p, d.colour))
		}
		if best > 40 {
			t.Errorf("duct %d at (%.2f, %.2f): no pixel near the middle of the line has the colour %v of its network; QGIS drew %v",
				d.id, d.x, d.y, d.colour, out.Pixels[0])
		}
		if job.Info != nil {
			if !out.InfoValid {
				t.Errorf("GetFeatureInfo through QGIS was not valid: %q", out.Info)
			}
			want := "Feature duct." + strconv.FormatInt(d.id, 10) + "\n"
			if !strings.Contains(out.Info, want) {
				t.Errorf("GetFeatureInfo at duct %d through QGIS answered:\n%s\nwant a line %q", d.id, out.Info, strings.TrimSpace(want))
			}
		}
		t.Logf("QGIS %s drew duct %d in %v (nearest pixel %d away)", out.QGISVersion, d.id, d.colour, best)
	}
}

// isolatedDucts returns up to 4 ducts drawn as solid lines in the colour of their
// network category, with no other duct within 20 m of the middle of their line, and
// that middle point. Light colours are left out: they are drawn over a dark casing.
func isolatedDucts(t *testing.T, pool *pgxpool.Pool) []wmsDuct {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := pool.Query(ctx, `
SELECT d.id, c.colour_hex, ST_X(m.p), ST_Y(m.p)
  FROM netdata.duct d
  JOIN netdata.network_category c ON c.code = d.network_category
  CROSS JOIN LATERAL (SELECT ST_LineInterpolatePoint(ST_GeometryN(d.geom, 1), 0.5) AS p) m
 WHERE coalesce(d.lifecycle_status, '') NOT IN ('projected', 'decommissioned', 'dismantled')
   AND coalesce(d.precision_xy, '') <> 'C'
   AND c.colour_hex ~ '^#[0-9A-Fa-f]{6}$'
   AND NOT EXISTS (SELECT 1 FROM netdata.duct o WHERE o.id <> d.id AND ST_DWithin(o.geom, m.p, 20))
 ORDER BY d.id
 LIMIT 40`)
	if err != nil {
		t.Fatalf("read ducts: %v", err)
	}
	defer rows.Close()
	var out []wmsDuct
	for rows.Next() {
		var d wmsDuct
		var hex string
		if err := rows.Scan(&d.id, &hex, &d.x, &d.y); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			d.colour[i] = int(v)
		}
		// Relative luminance above 0.8 gets a casing (docs/wms.md).
		lum := (0.2126*float64(d.colour[0]) + 0.7152*float64(d.colour[1]) + 0.0722*float64(d.colour[2])) / 255
		if lum > 0.8 || len(out) >= 4 {
			continue
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func colourDistance(p [4]int, c [3]int) int {
	d := 0
	for i := 0; i < 3; i++ {
		d = max(d, abs(p[i]-c[i]))
	}
	return d
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// qgisTileJob is one render of testdata/qgis_tiles.py.
type qgisTileJob struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	ZMin int    `json:"zmin"`
	ZMax int    `json:"zmax"`
	// Layer names the MVT layer drawn in black; empty keeps QGIS's default style.
	Layer  string     `json:"layer,omitempty"`
	Extent [4]float64 `json:"extent"`
	Size   int        `json:"size"`
	PNG    string     `json:"png"`
}

// qgisTileResult is what testdata/qgis_tiles.py prints for one render.
type qgisTileResult struct {
	Name          string    `json:"name"`
	URI           string    `json:"uri"`
	Valid         bool      `json:"valid"`
	Error         string    `json:"error"`
	CRS           string    `json:"crs"`
	SourceMinZoom int       `json:"source_min_zoom"`
	SourceMaxZoom int       `json:"source_max_zoom"`
	Extent        []float64 `json:"extent"`
	RenderErrors  []string  `json:"render_errors"`
	Seconds       float64   `json:"seconds"`
	image         image.Image
}

// Render settings: square images of qgisImageSize pixels over qgisExtentMetres of
// EPSG:3857, which QGIS 3.22 draws from zoom 15 tiles, where ducts are complete.
const (
	qgisImageSize    = 512
	qgisExtentMetres = 1200
	// qgisPixelWindow is how far from a duct's middle a black pixel may be. The lines
	// are 0.6 mm wide, about 2 pixels at 96 dpi.
	qgisPixelWindow = 3
)

// tileRequest is a tile request that passed the recording proxy.
type tileRequest struct {
	Zoom   int
	Status int
}

// tileLog records the tile requests that pass a proxy.
type tileLog struct {
	mu       sync.Mutex
	requests []tileRequest
}

var tilePath = regexp.MustCompile(`^/tiles/(?:[A-Za-z0-9]+/)?[^/]+/(\d+)/\d+/\d+\.mvt$`)

// startTileProxy starts a reverse proxy to the server on a loopback port that records
// the zoom and status of every tile request, and returns its base URL.
func startTileProxy(t *testing.T, srv *testserver.Server) (string, *tileLog) {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	log := &tileLog{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if m := tilePath.FindStringSubmatch(resp.Request.URL.Path); m != nil {
			zoom, _ := strconv.Atoi(m[1])
			log.mu.Lock()
			log.requests = append(log.requests, tileRequest{Zoom: zoom, Status: resp.StatusCode})
			log.mu.Unlock()
		}
		return nil
	}
	ps := httptest.NewUnstartedServer(proxy)
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

// reset returns the requests recorded so far and clears the record.
func (l *tileLog) reset() []tileRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.requests
	l.requests = nil
	return out
}

// mercatorPoint is a point in EPSG:3857 with the id of the feature it belongs to.
type mercatorPoint struct {
	ID   int64
	X, Y float64
}

// ductMiddles returns the middle, in EPSG:3857, of every duct whose middle lies inside
// box shrunk by margin metres.
func ductMiddles(t *testing.T, srv *testserver.Server, box [4]float64, margin float64) []mercatorPoint {
	t.Helper()
	const query = `
SELECT id, ST_X(m), ST_Y(m) FROM (
    SELECT id, ST_Transform(ST_LineInterpolatePoint(geom, 0.5), 3857) AS m FROM netdata.duct) AS d
WHERE ST_Within(m, ST_MakeEnvelope($1, $2, $3, $4, 3857))
ORDER BY id`
	rows, err := srv.Pool.Query(context.Background(), query, box[0]+margin, box[1]+margin, box[2]-margin, box[3]-margin)
	if err != nil {
		t.Fatalf("duct middles: %v", err)
	}
	points, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (mercatorPoint, error) {
		var p mercatorPoint
		err := r.Scan(&p.ID, &p.X, &p.Y)
		return p, err
	})
	if err != nil {
		t.Fatalf("duct middles: %v", err)
	}
	return points
}

// countDucts counts the ducts that meet an EPSG:3857 box.
func countDucts(t *testing.T, srv *testserver.Server, box [4]float64) int64 {
	t.Helper()
	var n int64
	err := srv.Pool.QueryRow(context.Background(),
		"SELECT count(*) FROM netdata.duct WHERE ST_Intersects(ST_Transform(geom, 3857), ST_MakeEnvelope($1, $2, $3, $4, 3857))",
		box[0], box[1], box[2], box[3]).Scan(&n)
	if err != nil {
		t.Fatalf("count ducts: %v", err)
	}
	return n
}

// denseSquare returns the square of side metres, on a grid of that step in EPSG:3857,
// that holds the most duct middles.
func denseSquare(t *testing.T, srv *testserver.Server, side float64) [4]float64 {
	t.Helper()
	const query = `
SELECT floor(ST_X(p) / $1) * $1, floor(ST_Y(p) / $1) * $1
FROM (SELECT ST_Transform(ST_LineInterpolatePoint(geom, 0.5), 3857) AS p FROM netdata.duct) AS m
GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1`
	var x, y float64
	if err := srv.Pool.QueryRow(context.Background(), query, side).Scan(&x, &y); err != nil {
		t.Fatalf("find ducts to render: %v", err)
	}
	return [4]float64{x, y, x + side, y + side}
}

func runQGISTiles(t *testing.T, jobs []qgisTileJob) []qgisTileResult {
	t.Helper()
	spec, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	env := qgisEnv(t)
	res := mustRunClient(t, env, systemPython, scriptPath(t, "qgis_tiles.py"), string(spec))

	var out struct {
		QGISVersion string           `json:"qgis_version"`
		Layers      []qgisTileResult `json:"layers"`
	}
	if err := json.Unmarshal(res.stdout, &out); err != nil {
		t.Fatalf("decode the output of qgis_tiles.py: %v\nstdout:\n%s\nstderr:\n%s", err, res.stdout, tail(res.stderr))
	}
	t.Logf("QGIS %s", out.QGISVersion)
	if len(out.Layers) != len(jobs) {
		t.Fatalf("the script reported %d renders for %d jobs", len(out.Layers), len(jobs))
	}

	for i := range out.Layers {
		r := &out.Layers[i]
		if !r.Valid || r.Error != "" {
			continue
		}
		data, err := os.ReadFile(jobs[i].PNG)
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		if r.image, err = png.Decode(bytes.NewReader(data)); err != nil {
			t.Fatalf("%s: decode %s: %v", r.Name, jobs[i].PNG, err)
		}
	}
	return out.Layers
}

// pixelCounts counts the black pixels and the pixels that are neither white nor black.
func pixelCounts(img image.Image) (black, coloured int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			switch {
			case c.R == 0 && c.G == 0 && c.B == 0:
				black++
			case c.R != 255 || c.G != 255 || c.B != 255:
				coloured++
			}
		}
	}
	return black, coloured
}

// blackNear reports whether a black pixel lies within qgisPixelWindow of the pixel of
// an EPSG:3857 point in an image of the extent.
func blackNear(img image.Image, extent []float64, p mercatorPoint) bool {
	b := img.Bounds()
	px := (p.X - extent[0]) / (extent[2] - extent[0]) * float64(b.Dx())
	py := (extent[3] - p.Y) / (extent[3] - extent[1]) * float64(b.Dy())
	cx, cy := b.Min.X+int(math.Floor(px)), b.Min.Y+int(math.Floor(py))
	for y := cy - qgisPixelWindow; y <= cy+qgisPixelWindow; y++ {
		for x := cx - qgisPixelWindow; x <= cx+qgisPixelWindow; x++ {
			if !(image.Point{X: x, Y: y}).In(b) {
				continue
			}
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c.R == 0 && c.G == 0 && c.B == 0 {
				return true
			}
		}
	}
	return false
}

func checkTileRequests(t *testing.T, name string, requests []tileRequest, minZoom, maxZoom int) {
	t.Helper()
	if len(requests) == 0 {
		t.Errorf("%s: QGIS sent no tile request through the proxy", name)
		return
	}
	for _, r := range requests {
		if r.Zoom < minZoom || r.Zoom > maxZoom {
			t.Errorf("%s: QGIS asked for a tile of zoom %d, outside %d to %d", name, r.Zoom, minZoom, maxZoom)
		}
		if r.Status != http.StatusOK && r.Status != http.StatusNoContent && r.Status != http.StatusNotModified {
			t.Errorf("%s: a tile request got status %d", name, r.Status)
		}
	}
	zooms := map[int]int{}
	for _, r := range requests {
		zooms[r.Zoom]++
	}
	t.Logf("%s: %d tile requests, by zoom: %v", name, len(requests), zooms)
}

func TestQGIS_RendersVectorTiles(t *testing.T) {
	requirePythonModule(t, "qgis.core", "python3-qgis")
	srv := startServer(t)
	proxyURL, tiles := startTileProxy(t, srv)
	dir := t.TempDir()

	dense := denseSquare(t, srv, qgisExtentMetres)
	// A square in the Atlantic, west of Brittany, where the test data has no duct.
	empty := [4]float64{-1113195 - qgisExtentMetres/2, 5942074 - qgisExtentMetres/2, -1113195 + qgisExtentMetres/2, 5942074 + qgisExtentMetres/2}
	if n := countDucts(t, srv, empty); n != 0 {
		t.Fatalf("the square %v meant to be empty has %d ducts", empty, n)
	}

	// Each job runs alone, so that the tile requests of each render are known.
	run := func(job qgisTileJob) (qgisTileResult, []tileRequest) {
		tiles.reset()
		out := runQGISTiles(t, []qgisTileJob{job})[0]
		t.Logf("%s: %s, %.2f s", out.Name, out.URI, out.Seconds)
		if !out.Valid || out.Error != "" {
			t.Fatalf("%s: QGIS cannot load or render the layer: %s", out.Name, out.Error)
		}
		if out.CRS != "EPSG:3857" {
			t.Errorf("%s: layer CRS %s, want EPSG:3857", out.Name, out.CRS)
		}
		if out.SourceMinZoom != job.ZMin || out.SourceMaxZoom != job.ZMax {
			t.Errorf("%s: source zooms %d to %d, want %d to %d", out.Name, out.SourceMinZoom, out.SourceMaxZoom, job.ZMin, job.ZMax)
		}
		for _, e := range out.RenderErrors {
			t.Errorf("%s: render error: %s", out.Name, e)
		}
		saveScreenshot(t, "qgis-"+job.Name, out.image)
		return out, tiles.reset()
	}
	job := func(name, set string, zmin, zmax int, layer string, extent [4]float64) qgisTileJob {
		return qgisTileJob{Name: name, URL: proxyURL + "/tiles/" + set + "/{z}/{x}/{y}.mvt", ZMin: zmin, ZMax: zmax,
			Layer: layer, Extent: extent, Size: qgisImageSize, PNG: filepath.Join(dir, name+".png")}
	}
	minZoom, maxZoom, found := 0, config.DefaultTileMaxZoom, false
	for _, tl := range srv.Config.Tiles.Layers {
		if tl.Name == "duct" {
			found = true
			minZoom = tl.MinZoom
			if tl.MaxZoom != 0 {
				maxZoom = tl.MaxZoom
			}
		}
	}
	if !found {
		t.Fatalf("the test configuration has no tile settings for duct")
	}

	t.Run("ducts", func(t *testing.T) {
		out, requests := run(job("ducts", "duct", minZoom, maxZoom, "duct", dense))
		checkTileRequests(t, out.Name, requests, minZoom, maxZoom)
		if len(out.Extent) != 4 {
			t.Fatalf("rendered extent %v", out.Extent)
		}
		var extent [4]float64
		copy(extent[:], out.Extent)
		// Ducts whose middle is at least 5 pixels inside the image.
		margin := 5 * (extent[2] - extent[0]) / qgisImageSize
		middles := ductMiddles(t, srv, extent, margin)
		if len(middles) < 10 {
			t.Fatalf("only %d duct middles in the rendered square %v: choose a denser one", len(middles), extent)
		}
		var missing []int64
		for _, p := range middles {
			if !blackNear(out.image, out.Extent, p) {
				missing = append(missing, p.ID)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%d of %d ducts are not drawn at their middle, such as %v", len(missing), len(middles), missing[:min(len(missing), 10)])
		}
		black, coloured := pixelCounts(out.image)
		t.Logf("%d ducts, %d black pixels, %d other non-white pixels", len(middles), black, coloured)
		if coloured != 0 {
			t.Errorf("%d pixels are neither white nor black: the render is not the style that was set", coloured)
		}
	})

	t.Run("empty area", func(t *testing.T) {
		out, requests := run(job("empty", "duct", minZoom, maxZoom, "duct", empty))
		checkTileRequests(t, out.Name, requests, minZoom, maxZoom)
		for _, r := range requests {
			if r.Status == http.StatusOK {
				t.Errorf("a tile of the empty square has content")
			}
		}
		if black, coloured := pixelCounts(out.image); black+coloured != 0 {
			t.Errorf("the map of an area without ducts has %d non-white pixels", black+coloured)
		}
	})

	t.Run("networks group", func(t *testing.T) {
		out, requests := run(job("networks", "networks", 0, maxZoom, "", dense))
		checkTileRequests(t, out.Name, requests, 0, maxZoom)
		black, coloured := pixelCounts(out.image)
		t.Logf("%d black and %d other non-white pixels", black, coloured)
		if black+coloured < qgisImageSize {
			t.Errorf("the map of the networks group has %d non-white pixels, fewer than one row", black+coloured)
		}
	})
}

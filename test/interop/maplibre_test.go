package interop

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/fourreau/fourreau/internal/testserver"
)

// chromiumPath is the browser of Debian's chromium package.
const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds the whole browser session of one test.
const browserTimeout = 4 * time.Minute

// Viewport of the browser, in CSS pixels at a device pixel ratio of 1.
const (
	viewportWidth  = 1280
	viewportHeight = 900
)

// Colour tests: a feature counts as drawn when a pixel within pixelWindow pixels of its
// projected position is within colourTolerance of its colour in every channel.
const (
	pixelWindow     = 4
	colourTolerance = 24
	// checkZoom is the MapLibre zoom of the pixel checks, at which ducts are complete
	// and 3.5 px wide.
	checkZoom = 17
)

// browser is a headless Chromium tab with what it recorded: console errors,
// exceptions, failed loads and every URL it requested.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	errors   []string
	requests []string
}

func (b *browser) addError(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, fmt.Sprintf(format, args...))
}

func (b *browser) addRequest(url string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests = append(b.requests, url)
}

func (b *browser) recorded() (errors, requests []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...), append([]string(nil), b.requests...)
}

// startBrowser starts Debian's Chromium, headless, with a fresh profile, and with its
// background services off so that it calls no other host than the test server.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		missingClient(t, "%s not found (Debian package chromium): %v", chromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		// DisableGPU also passes --enable-unsafe-swiftshader, the software WebGL that
		// MapLibre draws with when there is no GPU.
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("metrics-recording-only", true),
		// Any host but the loopback test server fails to resolve, so that a request
		// leaving the machine, from the page or from MapLibre's workers (whose requests
		// the page's network events do not show), fails and reports an error.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(viewportWidth, viewportHeight),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) { cmd.Env = clientEnv() }),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start its sandbox as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	b := &browser{ctx: ctx}

	// The first Run starts the browser and must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	go func() {
		for msg, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if msg.Type == chromedp.ConsoleError || msg.IsException() {
				b.addError("console %s: %s (%s:%d)", msg.Type, msg.Text, msg.URL, msg.Line)
			}
		}
	}()
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.addRequest(ev.Request.URL)
		case *network.EventResponseReceived:
			if ev.Response.Status >= 400 {
				b.addError("HTTP %d for %s", ev.Response.Status, ev.Response.URL)
			}
		case *network.EventLoadingFailed:
			// MapLibre cancels the tile requests of a view it leaves.
			if !ev.Canceled {
				b.addError("load failed: %s (%s)", ev.ErrorText, ev.Type)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
	return b
}

// run runs browser actions with the session timeout.
func (b *browser) run(t *testing.T, description string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", description, err)
	}
}

// eval evaluates a JavaScript expression, awaiting it when it is a promise, and
// decodes its value.
func eval[T any](t *testing.T, b *browser, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

// mapIdle is a promise that resolves when the map has drawn every tile of its view. It
// asks for one more frame, so that it also resolves when nothing changed.
const mapIdle = `new Promise((resolve) => { fourreauMap.once('idle', () => resolve(true)); fourreauMap.triggerRepaint(); })`

// pageRect is the position and size of an element in CSS pixels.
type pageRect struct {
	X, Y, Width, Height float64
}

// capture takes a screenshot of the viewport and returns the part that the map covers.
func (b *browser) capture(t *testing.T) image.Image {
	t.Helper()
	rect := eval[pageRect](t, b, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return {X: r.x, Y: r.y, Width: r.width, Height: r.height}; })()`)
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	defer cancel()
	data, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode the screenshot: %v", err)
	}
	crop := image.Rect(int(rect.X), int(rect.Y), int(rect.X+rect.Width), int(rect.Y+rect.Height))
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok || !crop.In(img.Bounds()) {
		t.Fatalf("map element at %v is outside the %v screenshot", crop, img.Bounds())
	}
	return sub.SubImage(crop)
}

// saveScreenshot writes an image to FOURREAU_TEST_SCREENSHOTS, when set, for a person
// to look at.
func saveScreenshot(t *testing.T, name string, img image.Image) {
	t.Helper()
	dir := os.Getenv("FOURREAU_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// sampleDuct is a duct whose middle the test looks at on the map.
type sampleDuct struct {
	ID       int64
	Code     string
	Category string
	Colour   string
	// Lon and Lat are the point halfway along the duct, in EPSG:4326.
	Lon, Lat float64
}

// sampleDucts returns up to n ducts of distinct category colours that the map draws as
// plain lines (neither abandoned, drawn grey, nor projected, drawn dashed). No duct of
// another colour passes within 6 m of their middle, so at checkZoom (0.4 m per pixel)
// nothing else is drawn within the pixel window there.
func sampleDucts(t *testing.T, srv *testserver.Server, n int) []sampleDuct {
	t.Helper()
	const query = `
WITH candidate AS (
    SELECT d.id, coalesce(d.code, '') AS code, d.network_category, c.colour_hex,
           ST_LineInterpolatePoint(d.geom, 0.5) AS middle
    FROM netdata.duct AS d
    JOIN netdata.network_category AS c ON c.code = d.network_category
    WHERE d.lifecycle_status NOT IN ('decommissioned', 'dismantled', 'projected')
      AND c.colour_hex <> '#828282'
      AND ST_Length(d.geom) > 20
)
SELECT DISTINCT ON (k.colour_hex) k.id, k.code, k.network_category, k.colour_hex,
       ST_X(ST_Transform(k.middle, 4326)), ST_Y(ST_Transform(k.middle, 4326))
FROM candidate AS k
WHERE NOT EXISTS (
    SELECT 1 FROM netdata.duct AS o
    LEFT JOIN netdata.network_category AS oc ON oc.code = o.network_category
    WHERE o.id <> k.id AND ST_DWithin(o.geom, k.middle, 6)
      AND (oc.colour_hex IS DISTINCT FROM k.colour_hex
           OR o.lifecycle_status IN ('decommissioned', 'dismantled', 'projected')))
ORDER BY k.colour_hex, k.id`
	rows, err := srv.Pool.Query(context.Background(), query)
	if err != nil {
		t.Fatalf("choose ducts: %v", err)
	}
	ducts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sampleDuct, error) {
		var d sampleDuct
		err := r.Scan(&d.ID, &d.Code, &d.Category, &d.Colour, &d.Lon, &d.Lat)
		return d, err
	})
	if err != nil {
		t.Fatalf("choose ducts: %v", err)
	}
	if len(ducts) > n {
		ducts = ducts[:n]
	}
	return ducts
}

// loadMapPage opens the map page of srv in the viewport of the tests and waits until
// the map has loaded. It stops the test when the map failed to load.
func loadMapPage(t *testing.T, b *browser, srv *testserver.Server) {
	t.Helper()
	b.run(t, "load the map page",
		chromedp.EmulateViewport(viewportWidth, viewportHeight, chromedp.EmulateScale(1)),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Poll[chromedp.Void](`document.getElementById('map').dataset.mapState !== 'loading'`,
			chromedp.WithPollingTimeout(2*time.Minute)),
	)
	if state := eval[string](t, b, `document.getElementById('map').dataset.mapState`); state != "idle" {
		t.Fatalf("map state %q after loading, want idle; page status: %q", state,
			eval[string](t, b, `document.getElementById('map-status').textContent`))
	}
}

// centreOn centres the map on the middle of duct d at checkZoom and waits until it
// is drawn.
func centreOn(t *testing.T, b *browser, d sampleDuct) {
	t.Helper()
	eval[bool](t, b, fmt.Sprintf(`new Promise((resolve) => { fourreauMap.once('idle', () => resolve(true)); fourreauMap.jumpTo({center: [%f, %f], zoom: %d}); })`,
		d.Lon, d.Lat, checkZoom))
}

// checkHiddenDuct unticks the duct layer, captures the map and ticks the layer again.
// It reports an error when the colour of duct d is still drawn near the duct's middle.
func checkHiddenDuct(t *testing.T, b *browser, d sampleDuct) {
	t.Helper()
	b.run(t, "hide ducts", chromedp.Click(chromedp.CSS(`#layers input[data-layer="duct"]`)))
	eval[bool](t, b, mapIdle)
	hidden := b.capture(t)
	b.run(t, "show ducts", chromedp.Click(chromedp.CSS(`#layers input[data-layer="duct"]`)))
	eval[bool](t, b, mapIdle)
	if ok, _ := colourNear(hidden, parseHexColour(t, d.Colour)); ok {
		t.Errorf("with the duct layer hidden, the colour %s is still drawn near duct %d: it does not come from the duct layer", d.Colour, d.ID)
	}
}

// showDuct centres the map on duct d, saves the screenshot under a name that starts
// with prefix, and reports an error when no pixel near the duct's middle has the
// colour of its category.
func showDuct(t *testing.T, b *browser, d sampleDuct, prefix string) image.Image {
	t.Helper()
	centreOn(t, b, d)
	drawn := b.capture(t)
	saveScreenshot(t, fmt.Sprintf("%s-duct-%d", prefix, d.ID), drawn)
	if ok, centre := colourNear(drawn, parseHexColour(t, d.Colour)); !ok {
		t.Errorf("no pixel within %d px of the middle of duct %d has its category colour %s (%s); the centre pixel is %v",
			pixelWindow, d.ID, d.Colour, d.Category, centre)
	}
	return drawn
}

func parseHexColour(t *testing.T, hex string) color.RGBA {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		t.Fatalf("colour %q is not #RRGGBB", hex)
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

// colourNear reports whether a pixel within pixelWindow of the image's centre is
// within colourTolerance of want, and returns the colours it saw at the centre.
func colourNear(img image.Image, want color.RGBA) (found bool, centre color.RGBA) {
	b := img.Bounds()
	cx, cy := b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/2
	centre = color.RGBAModel.Convert(img.At(cx, cy)).(color.RGBA)
	for y := cy - pixelWindow; y <= cy+pixelWindow; y++ {
		for x := cx - pixelWindow; x <= cx+pixelWindow; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if channelDiff(c.R, want.R) <= colourTolerance && channelDiff(c.G, want.G) <= colourTolerance &&
				channelDiff(c.B, want.B) <= colourTolerance {
				return true, centre
			}
		}
	}
	return false, centre
}

func channelDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// distinctColours counts the distinct colours of an image, to tell a drawn map from a
// blank canvas.
func distinctColours(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return len(seen)
}

func TestMapPage_DrawsLayersInChromium(t *testing.T) {
	srv := startServer(t)
	ducts := sampleDucts(t, srv, 4)
	if len(ducts) < 2 {
		t.Fatalf("found %d ducts to look at on the map, want at least 2 of distinct colours", len(ducts))
	}
	var categories int
	if err := srv.Pool.QueryRow(context.Background(), "SELECT count(*) FROM netdata.network_category").Scan(&categories); err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t)
	loadMapPage(t, b, srv)
	overview := b.capture(t)
	saveScreenshot(t, "map-overview", overview)
	if n := distinctColours(overview); n < 3 {
		t.Errorf("the first view has %d distinct colours: the map drew nothing but its background", n)
	}

	t.Run("layer list and legend", func(t *testing.T) {
		rows := eval[[]string](t, b, `[...document.querySelectorAll('#layers tbody tr')].map((r) => r.dataset.layer)`)
		if len(rows) != len(srv.Catalog.Layers) {
			t.Errorf("the layer list has %d rows %v, the server publishes %d layers", len(rows), rows, len(srv.Catalog.Layers))
		}
		enabled := eval[int](t, b, `document.querySelectorAll('#layers input[data-layer]:not(:disabled)').length`)
		if enabled != len(srv.Catalog.Layers) {
			t.Errorf("%d of %d layer check boxes are enabled: some layer has no tile source", enabled, len(srv.Catalog.Layers))
		}
		legend := eval[int](t, b, `document.querySelectorAll('#legend li').length`)
		if legend != categories {
			t.Errorf("the legend has %d categories, netdata.network_category has %d", legend, categories)
		}
	})

	// Only ducts are drawn from here on, so that each checked colour is a duct's.
	for _, l := range srv.Catalog.Layers {
		if l.Name != "duct" {
			b.run(t, "hide layer "+l.Name, chromedp.Click(chromedp.CSS(`#layers input[data-layer="`+l.Name+`"]`)))
		}
	}

	for _, d := range ducts {
		t.Run(fmt.Sprintf("duct %d %s", d.ID, d.Category), func(t *testing.T) {
			showDuct(t, b, d, "map")
			checkHiddenDuct(t, b, d)
		})
	}

	t.Run("feature popup", func(t *testing.T) {
		d := ducts[len(ducts)-1]
		rect := eval[pageRect](t, b, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return {X: r.x, Y: r.y, Width: r.width, Height: r.height}; })()`)
		b.run(t, "click the duct",
			chromedp.MouseClickXY(rect.X+rect.Width/2, rect.Y+rect.Height/2),
			chromedp.Poll[chromedp.Void](`document.querySelector('.maplibregl-popup .feature-info') !== null`,
				chromedp.WithPollingTimeout(30*time.Second)),
		)
		saveScreenshot(t, "map-popup", b.capture(t))
		type popupLink struct{ Text, Href string }
		links := eval[[]popupLink](t, b, `[...document.querySelectorAll('.maplibregl-popup .feature-info h3 a')].map((a) => ({Text: a.textContent, Href: a.href}))`)
		text := eval[string](t, b, `document.querySelector('.maplibregl-popup .feature-info').textContent`)
		id := fmt.Sprintf("duct.%d", d.ID)
		var href string
		for _, l := range links {
			if l.Text == id {
				href = l.Href
			}
		}
		if href == "" {
			t.Fatalf("the popup links %v, none is %s", links, id)
		}
		if d.Code != "" && !strings.Contains(text, d.Code) {
			t.Errorf("the popup text %q lacks the code %q of %s", text, d.Code, id)
		}
		if !strings.HasPrefix(href, srv.URL+"/wfs?") || !strings.Contains(href, "GetFeatureById") {
			t.Errorf("the link of %s is %s, want a GetFeatureById request to %s/wfs", id, href, srv.URL)
		}
		resp, err := http.Get(href)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", href, resp.Status, body)
		}
		if !bytes.Contains(body, []byte(`"`+id+`"`)) {
			t.Errorf("GET %s does not return the feature %s:\n%.600s", href, id, body)
		}
	})

	errors, requests := b.recorded()
	for _, e := range errors {
		t.Errorf("browser error: %s", e)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:"+srv.URL+"/") {
			t.Errorf("the page requested %s, outside the server %s", u, srv.URL)
		}
	}
	// MapLibre fetches tiles in its workers, so the server counts them.
	tiles := tileRequestCounts(t, srv)
	t.Logf("%d page requests; tile requests by status: %v", len(requests), tiles)
	if tiles["200"] == 0 {
		t.Errorf("the server sent no tile with content to the page")
	}
}

// tileRequestCounts sums the server's fourreau_tile_requests_total metric by status.
func tileRequestCounts(t *testing.T, srv *testserver.Server) map[string]float64 {
	t.Helper()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	counts := map[string]float64{}
	for _, line := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(line, "fourreau_tile_requests_total{") {
			continue
		}
		labels, value, ok := strings.Cut(line, "} ")
		if !ok {
			continue
		}
		_, status, ok := strings.Cut(labels, `status="`)
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		counts[strings.TrimSuffix(status, `"`)] += n
	}
	return counts
}

package interop

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// wmsResponse is the status and media type of one WMS response to the page.
type wmsResponse struct {
	URL      string
	Status   int64
	MimeType string
}

// wmsRecorder keeps the responses to the page's WMS requests.
type wmsRecorder struct {
	mu        sync.Mutex
	responses []wmsResponse
}

func (r *wmsRecorder) add(resp wmsResponse) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses = append(r.responses, resp)
}

// count returns how many responses to requests of the given WMS operation had status
// 200 and the media type mimeType, and how many there were in all.
func (r *wmsRecorder) count(operation, mimeType string) (ok, all int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, resp := range r.responses {
		if !strings.Contains(resp.URL, "REQUEST="+operation+"&") {
			continue
		}
		all++
		if resp.Status == 200 && resp.MimeType == mimeType {
			ok++
		}
	}
	return ok, all
}

// In WMS mode the page must show each sampled duct in the colour of its network
// category, as the default WMS style draws it, and no other sampled duct's colour there.
func TestMapPage_WMSImagesInChromium(t *testing.T) {
	srv := startServer(t)
	ducts := sampleDucts(t, srv, 4)
	if len(ducts) < 2 {
		t.Fatalf("found %d ducts to look at on the map, want at least 2 of distinct colours", len(ducts))
	}

	b := startBrowser(t)
	var wms wmsRecorder
	err := chromedp.Listen(b.ctx, func(ev any) {
		if ev, ok := ev.(*network.EventResponseReceived); ok && strings.Contains(ev.Response.URL, "/wms?") {
			wms.add(wmsResponse{URL: ev.Response.URL, Status: ev.Response.Status, MimeType: ev.Response.MimeType})
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
	loadMapPage(t, b, srv)
	if _, all := wms.count("GetMap", "image/png"); all != 0 {
		t.Errorf("the page sent %d GetMap requests in vector tile mode, want none", all)
	}

	// Only ducts from here on, so that each checked colour is a duct's.
	for _, l := range srv.Catalog.Layers {
		if l.Name != "duct" {
			b.run(t, "hide layer "+l.Name, chromedp.Click(chromedp.CSS(`#layers input[data-layer="`+l.Name+`"]`)))
		}
	}
	b.run(t, "switch to WMS images", chromedp.Click(chromedp.CSS(`input[name="map-mode"][value="wms"]`)))
	eval[bool](t, b, mapIdle)
	if mode := eval[string](t, b, `document.getElementById('map').dataset.mapMode`); mode != "wms" {
		t.Fatalf("map mode %q after the switch, want wms", mode)
	}
	if v := eval[string](t, b, `fourreauMap.getLayoutProperty('wms', 'visibility')`); v != "visible" {
		t.Errorf("the WMS layer has visibility %q, want visible", v)
	}
	vectorShown := eval[[]string](t, b, `fourreauMap.getStyle().layers
		.filter((l) => String(l.source || '').startsWith('tiles:') && fourreauMap.getLayoutProperty(l.id, 'visibility') !== 'none')
		.map((l) => l.id)`)
	if len(vectorShown) > 0 {
		t.Errorf("in WMS mode, vector tile layers %v are still shown", vectorShown)
	}
	tiles := eval[[]string](t, b, `fourreauMap.getSource('wms').tiles`)
	if len(tiles) != 1 || !strings.HasPrefix(tiles[0], "wms?") || !strings.Contains(tiles[0], "&LAYERS=duct&") {
		t.Errorf("WMS tile URLs %v, want one relative GetMap URL of the layer duct", tiles)
	}

	for _, d := range ducts {
		t.Run(fmt.Sprintf("duct %d %s", d.ID, d.Category), func(t *testing.T) {
			drawn := showDuct(t, b, d, "wms")
			// No other sampled colour is drawn within 6 m of this duct's middle.
			for _, other := range ducts {
				if other.Colour == d.Colour {
					continue
				}
				if ok, _ := colourNear(drawn, parseHexColour(t, other.Colour)); ok {
					t.Errorf("the colour %s of category %s is drawn near duct %d (%s), where no duct of that colour lies",
						other.Colour, other.Category, d.ID, d.Category)
				}
			}
		})
	}

	t.Run("hidden layer", func(t *testing.T) {
		d := ducts[0]
		centreOn(t, b, d)
		checkHiddenDuct(t, b, d)
	})

	t.Run("feature popup", func(t *testing.T) {
		d := ducts[len(ducts)-1]
		centreOn(t, b, d)
		rect := eval[pageRect](t, b, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return {X: r.x, Y: r.y, Width: r.width, Height: r.height}; })()`)
		b.run(t, "click the duct",
			chromedp.MouseClickXY(rect.X+rect.Width/2, rect.Y+rect.Height/2),
			chromedp.Poll[chromedp.Void](`document.querySelector('.maplibregl-popup .feature-info') !== null`,
				chromedp.WithPollingTimeout(30*time.Second)),
		)
		saveScreenshot(t, "wms-popup", b.capture(t))
		links := eval[[]string](t, b, `[...document.querySelectorAll('.maplibregl-popup .feature-info h3 a')].map((a) => a.textContent)`)
		text := eval[string](t, b, `document.querySelector('.maplibregl-popup .feature-info').textContent`)
		id := fmt.Sprintf("duct.%d", d.ID)
		found := false
		for _, l := range links {
			found = found || l == id
		}
		if !found {
			t.Errorf("the popup links %v, none is %s", links, id)
		}
		if d.Code != "" && !strings.Contains(text, d.Code) {
			t.Errorf("the popup text %q lacks the code %q of %s", text, d.Code, id)
		}
		if ok, all := wms.count("GetFeatureInfo", "application/json"); ok == 0 || ok != all {
			t.Errorf("%d of %d GetFeatureInfo responses have status 200 and application/json, want all and at least one", ok, all)
		}
	})

	ok, all := wms.count("GetMap", "image/png")
	t.Logf("GetMap responses: %d with status 200 and image/png, %d in all", ok, all)
	if ok == 0 || ok != all {
		t.Errorf("%d of %d GetMap responses have status 200 and image/png, want all and at least one", ok, all)
	}
	errors, requests := b.recorded()
	for _, e := range errors {
		t.Errorf("browser error: %s", e)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:"+srv.URL+"/") {
			t.Errorf("the page requested %s, outside the server %s", u, srv.URL)
		}
	}
}

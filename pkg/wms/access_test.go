package wms_test

import (
	"net/http"
	"testing"

	"github.com/fourreau/fourreau/pkg/config"
)

// TestAccess_ClosedLayerHidden checks that a layer closed to anonymous callers is
// neither listed nor drawn, queried or given a legend: requests naming it get the 401
// of the WFS, which asks for credentials. A category layer drawing it draws only what
// stays readable.
func TestAccess_ClosedLayerHidden(t *testing.T) {
	closed := false
	srv := startServer(t, func(c *config.Config) {
		for i := range c.Layers {
			if c.Layers[i].Name == "test_points" {
				c.Layers[i].AnonymousRead = &closed
			}
		}
	})
	doc := parseCaps(t, get(t, srv, "SERVICE=WMS&REQUEST=GetCapabilities").body)
	if doc.Layer.find("test_points") != nil {
		t.Error("the closed layer test_points is listed in capabilities")
	}
	if doc.Layer.find("test_lines") == nil || doc.Layer.find("networks.ELEC") == nil {
		t.Error("open layers are missing from capabilities")
	}

	v := fixtureView(128)
	for name, query := range map[string]string{
		"GetMap":           v.query(map[string]string{"LAYERS": "test_points"}),
		"GetFeatureInfo":   v.query(map[string]string{"REQUEST": "GetFeatureInfo", "LAYERS": "test_lines", "QUERY_LAYERS": "test_points", "I": "5", "J": "5"}),
		"GetLegendGraphic": "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&FORMAT=image/png&LAYER=test_points",
	} {
		r := get(t, srv, query)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s of the closed layer: status %d, %s", name, r.status, clip(r.body))
			continue
		}
		parseException(t, r)
	}
	r := get(t, srv, v.query(map[string]string{"LAYERS": "test_points", "EXCEPTIONS": "INIMAGE"}))
	if r.status != http.StatusUnauthorized || r.resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("INIMAGE GetMap of the closed layer: status %d, WWW-Authenticate %q; the challenge must stay", r.status, r.resp.Header.Get("WWW-Authenticate"))
	}

	// networks.ELEC draws the ELEC line of test_lines but not the ELEC chamber of the
	// closed test_points.
	img := decodePNG(t, get(t, srv, fixtureView(256).query(map[string]string{"LAYERS": "networks.ELEC"})))
	view := fixtureView(256)
	if px, py := view.pixel(700200, originY+80); nrgba(img, px, py) == white {
		t.Error("networks.ELEC does not draw the open ELEC line")
	}
	if px, py := view.pixel(700100, originY+30); nrgba(img, px, py) != white {
		t.Error("networks.ELEC draws the chamber of the closed layer")
	}
}

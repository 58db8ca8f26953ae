package server_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/auth"
)

// pageConfig is the part of the map page's JSON configuration that the tests read.
type pageConfig struct {
	WFS    string `json:"wfs"`
	Tiles  string `json:"tiles"`
	Layers []struct {
		Name          string `json:"name"`
		TypeName      string `json:"typeName"`
		GeometryType  string `json:"geometryType"`
		CategoryField string `json:"categoryField"`
	} `json:"layers"`
	Categories []struct {
		Code   string `json:"code"`
		Colour string `json:"colour"`
	} `json:"categories"`
	Home *struct {
		Layer string  `json:"layer"`
		Lon   float64 `json:"lon"`
		Lat   float64 `json:"lat"`
	} `json:"home"`
}

func get(t *testing.T, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp, body
}

var configScript = regexp.MustCompile(`(?s)<script type="application/json" id="map-config">(.*?)</script>`)

func readPageConfig(t *testing.T, page []byte) pageConfig {
	t.Helper()
	m := configScript.FindSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no map-config script:\n%.2000s", page)
	}
	var cfg pageConfig
	if err := json.Unmarshal(m[1], &cfg); err != nil {
		t.Fatalf("map-config is not JSON: %v\n%s", err, m[1])
	}
	return cfg
}

func TestMapPage_ListsReadableLayers(t *testing.T) {
	testdb.MigratedPool(t)
	srv := testserver.Start(t)
	resp, page := get(t, srv.URL+"/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
	cfg := readPageConfig(t, page)

	policy := auth.PolicyFromConfig(srv.Config)
	var open []string
	for _, l := range srv.Catalog.Layers {
		row := `<tr data-layer="` + l.Name + `">`
		listed := strings.Contains(string(page), row)
		if policy.AnonymousMayRead(l.Name) {
			open = append(open, l.Name)
			if !listed {
				t.Errorf("layer %s is open to anonymous callers but not listed", l.Name)
			}
		} else if listed {
			t.Errorf("layer %s is closed to anonymous callers but listed", l.Name)
		}
	}
	if len(open) == len(srv.Catalog.Layers) {
		t.Fatalf("every layer of the test configuration is open: the test cannot check that closed layers are left out")
	}
	var configured []string
	for _, l := range cfg.Layers {
		configured = append(configured, l.Name)
	}
	if strings.Join(configured, ",") != strings.Join(open, ",") {
		t.Errorf("map-config layers %v, want the open layers %v", configured, open)
	}
	for _, l := range cfg.Layers {
		if l.Name == "duct" && l.CategoryField != "network_category" {
			t.Errorf("duct categoryField %q, want network_category", l.CategoryField)
		}
	}
	if cfg.WFS != srv.URL+"/wfs" || cfg.Tiles != srv.URL+"/tiles" {
		t.Errorf("endpoints %s and %s, want %s/wfs and %s/tiles", cfg.WFS, cfg.Tiles, srv.URL, srv.URL)
	}
	if cfg.Home == nil || cfg.Home.Layer != open[0] {
		t.Errorf("start position %+v, want one on layer %s", cfg.Home, open[0])
	}
}

func TestMapPage_CategoryColoursFromDatabase(t *testing.T) {
	testdb.MigratedPool(t)
	srv := testserver.Start(t)
	rows, err := srv.Pool.Query(context.Background(),
		"SELECT code, colour_hex FROM netdata.network_category ORDER BY sort_order, code")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	var order []string
	for rows.Next() {
		var code, colour string
		if err := rows.Scan(&code, &colour); err != nil {
			t.Fatal(err)
		}
		want[code] = colour
		order = append(order, code)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("netdata.network_category is empty")
	}

	_, page := get(t, srv.URL+"/", nil)
	cfg := readPageConfig(t, page)
	var got []string
	for _, c := range cfg.Categories {
		got = append(got, c.Code)
		if c.Colour != want[c.Code] {
			t.Errorf("category %s: colour %q, the database has %q", c.Code, c.Colour, want[c.Code])
		}
	}
	if strings.Join(got, ",") != strings.Join(order, ",") {
		t.Errorf("categories %v, want %v in sort order", got, order)
	}
	for _, code := range order {
		item := `<li data-category="` + html.EscapeString(code) + `"><span class="swatch" data-colour="` + want[code] + `">`
		if !strings.Contains(string(page), item) {
			t.Errorf("the legend has no entry %s", item)
		}
	}
}

// externalURL matches an absolute or protocol-relative URL, or a CSS url().
var externalURL = regexp.MustCompile(`(?i:\bhttps?://[^\s"'<>)]+)|["'(=]\s*//[a-zA-Z0-9]|\burl\(`)

func TestMapPage_LoadsNothingFromElsewhere(t *testing.T) {
	testdb.MigratedPool(t)
	srv := testserver.Start(t)
	for _, path := range []string{"/", "/map/map.js", "/map/map.css"} {
		resp, body := get(t, srv.URL+path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		for _, m := range externalURL.FindAllString(string(body), -1) {
			if !strings.HasPrefix(m, srv.URL+"/") {
				t.Errorf("%s refers to %q, outside the server", path, m)
			}
		}
	}
}

func TestMapPage_Assets(t *testing.T) {
	testdb.MigratedPool(t)
	srv := testserver.Start(t)
	cases := []struct {
		path, contentType string
	}{
		{"/map/map.js", "text/javascript"},
		{"/map/map.css", "text/css"},
		{"/map/vendor/maplibre-gl/maplibre-gl.mjs", "text/javascript"},
		{"/map/vendor/maplibre-gl/maplibre-gl-worker.mjs", "text/javascript"},
		{"/map/vendor/maplibre-gl/maplibre-gl.css", "text/css"},
		{"/map/vendor/maplibre-gl/LICENSE.txt", "text/plain"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+c.path, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %s", c.path, resp.Status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, c.contentType) {
				t.Errorf("Content-Type %q, want %s", ct, c.contentType)
			}
			if len(body) == 0 {
				t.Errorf("empty body")
			}
			tag := resp.Header.Get("ETag")
			if tag == "" {
				t.Fatalf("no ETag")
			}
			again, body := get(t, srv.URL+c.path, http.Header{"If-None-Match": {tag}})
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("GET with If-None-Match %s: %s, want 304", tag, again.Status)
			}
			if len(body) != 0 {
				t.Errorf("304 with a %d-byte body", len(body))
			}
		})
	}
	for _, path := range []string{"/map/index.html", "/map/missing.js", "/map/vendor/maplibre-gl/maplibre-gl.mjs.map"} {
		if resp, _ := get(t, srv.URL+path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, resp.Status)
		}
	}
}

// A method that a path does not take gets 405 with the Allow header that RFC 9110
// requires, listing the methods it takes.
func TestMethodNotAllowed_ListsAllowedMethods(t *testing.T) {
	srv := testserver.Start(t)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPost, "/tiles/duct/15/16354/11228.mvt", "GET, HEAD"},
		{http.MethodPut, "/wfs", "GET, HEAD, POST"},
		{http.MethodDelete, "/", "GET, HEAD"},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 405", tc.method, tc.path, resp.StatusCode)
		}
		if got := resp.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

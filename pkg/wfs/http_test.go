package wfs_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/pkg/config"
)

const origin = "https://app.example.org"

// headerList splits a comma-separated header into lower-case items.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for _, item := range strings.Split(v, ",") {
			if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

func TestCORS_Preflight(t *testing.T) {
	srv := start(t)
	req, err := http.NewRequest(http.MethodOptions, srv.URL+"/wfs", nil)
	if err != nil {
		t.Fatal(err)
	}
	r := send(t, req, "Origin", origin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "content-type,authorization")
	if r.status != http.StatusNoContent && r.status != http.StatusOK {
		t.Fatalf("preflight status = %d, want 204 or 200", r.status)
	}
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" && got != origin {
		t.Errorf("Access-Control-Allow-Origin = %q, want * or %s", got, origin)
	}
	methods := headerList(r.header, "Access-Control-Allow-Methods")
	for _, m := range []string{"get", "post"} {
		if !slices.Contains(methods, m) {
			t.Errorf("Access-Control-Allow-Methods %v lacks %s", methods, m)
		}
	}
	for _, m := range []string{"put", "delete"} {
		if slices.Contains(methods, m) {
			t.Errorf("Access-Control-Allow-Methods %v offers %s, which no route takes", methods, m)
		}
	}
	allowed := headerList(r.header, "Access-Control-Allow-Headers")
	for _, h := range []string{"content-type", "authorization"} {
		if !slices.Contains(allowed, h) {
			t.Errorf("Access-Control-Allow-Headers %v lacks %s", allowed, h)
		}
	}
	if r.header.Get("Access-Control-Max-Age") == "" {
		t.Errorf("preflight has no Access-Control-Max-Age")
	}
}

func TestCORS_EveryResponse(t *testing.T) {
	srv := start(t)
	cases := []struct {
		name string
		do   func() response
	}{
		{"capabilities", func() response {
			return get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities", "Origin", origin)
		}},
		{"exception report", func() response {
			return get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:nope", "Origin", origin)
		}},
		{"XML POST", func() response {
			return post(t, srv, "text/xml", getFeatureXML(`count="1"`, `<wfs:Query typeNames="net:duct"/>`), "Origin", origin)
		}},
		{"XML POST exception", func() response {
			return post(t, srv, "text/xml", `<wfs:GetFeature`, "Origin", origin)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.do()
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" && got != origin {
				t.Errorf("Access-Control-Allow-Origin = %q, want * or %s (status %d)", got, origin, r.status)
			}
			exposed := headerList(r.header, "Access-Control-Expose-Headers")
			for _, h := range []string{"location", "etag", "content-crs", "link"} {
				if !slices.Contains(exposed, h) {
					t.Errorf("Access-Control-Expose-Headers %v lacks %s", exposed, h)
				}
			}
		})
	}
}

func TestCORS_ConfiguredOrigins(t *testing.T) {
	srv := start(t, func(c *config.Config) { c.Server.CORSOrigins = []string{origin} })
	r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:nope", "Origin", origin)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("Access-Control-Allow-Origin = %q, want the configured origin %s", got, origin)
	}
	if !slices.Contains(headerList(r.header, "Vary"), "origin") {
		t.Errorf("Vary %v lacks Origin although the origin is echoed", r.header.Values("Vary"))
	}
	r = get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities", "Origin", "https://other.example.org")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("an origin outside the list got Access-Control-Allow-Origin %q", got)
	}
}

func TestGzip_ContentEncoding(t *testing.T) {
	srv := start(t)
	cases := []struct{ name, query string }{
		{"capabilities", "SERVICE=WFS&REQUEST=GetCapabilities"},
		{"GetFeature", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=5"},
		{"GeoJSON", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=5&OUTPUTFORMAT=application/json"},
		{"exception report", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plain := get(t, srv, c.query)
			if enc := plain.header.Get("Content-Encoding"); enc != "" {
				t.Errorf("without Accept-Encoding: Content-Encoding = %q, want none", enc)
			}
			zipped := get(t, srv, c.query, "Accept-Encoding", "gzip")
			if enc := zipped.header.Get("Content-Encoding"); enc != "gzip" {
				t.Fatalf("with Accept-Encoding gzip: Content-Encoding = %q, want gzip", enc)
			}
			if !slices.Contains(headerList(zipped.header, "Vary"), "accept-encoding") {
				t.Errorf("Vary %v lacks Accept-Encoding", zipped.header.Values("Vary"))
			}
			if zipped.status != plain.status {
				t.Errorf("status with gzip %d, without %d", zipped.status, plain.status)
			}
			zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
			if err != nil {
				t.Fatalf("body is not gzip: %v", err)
			}
			body, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("gunzip: %v", err)
			}
			if got, want := normalise(srv, body), normalise(srv, plain.body); !bytes.Equal(got, want) {
				t.Errorf("gunzipped body differs from the plain one:\n%s\n---\n%s", clip(got), clip(want))
			}
		})
	}
	t.Run("refused with q=0", func(t *testing.T) {
		r := get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities", "Accept-Encoding", "gzip;q=0")
		if enc := r.header.Get("Content-Encoding"); enc != "" {
			t.Errorf("Content-Encoding = %q for gzip;q=0, want none", enc)
		}
	})
}

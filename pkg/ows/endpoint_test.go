package ows

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestEndpointURL(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://maps.example:8080/wfs?SERVICE=WFS", nil)
	if got := EndpointURL(plain, "", "/wfs"); got != "http://maps.example:8080/wfs" {
		t.Errorf("plain request: %s", got)
	}

	proxied := httptest.NewRequest("GET", "http://maps.example/wfs", nil)
	proxied.Header.Set("X-Forwarded-Proto", "https")
	if got := EndpointURL(proxied, "", "/wms"); got != "https://maps.example/wms" {
		t.Errorf("behind a TLS proxy: %s", got)
	}

	proxied.Header.Set("X-Forwarded-Proto", "gopher")
	if got := EndpointURL(proxied, "", "/wms"); got != "http://maps.example/wms" {
		t.Errorf("an unknown forwarded scheme was used: %s", got)
	}

	direct := httptest.NewRequest("GET", "https://maps.example/wfs", nil)
	direct.TLS = &tls.ConnectionState{}
	if got := EndpointURL(direct, "", "/wfs"); got != "https://maps.example/wfs" {
		t.Errorf("TLS request: %s", got)
	}

	if got := EndpointURL(plain, "https://public.example/ogc/", "/wfs"); got != "https://public.example/ogc/wfs" {
		t.Errorf("with a public URL: %s", got)
	}
}

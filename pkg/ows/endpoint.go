package ows

import (
	"net/http"
	"strings"
)

// EndpointURL returns the URL at which clients reach the service at path ("/wfs"): under
// publicURL when it is set, else from the request's host, with the scheme that a proxy
// reports in X-Forwarded-Proto.
func EndpointURL(r *http.Request, publicURL, path string) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/") + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + path
}

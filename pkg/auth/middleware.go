package auth

import (
	"net/http"
	"strings"

	"github.com/fourreau/fourreau/pkg/ows"
)

// Middleware identifies the caller of each request and puts its Access in the request
// context. Invalid credentials get 401 and an exception report before next runs. Every
// 401 response, from the middleware or from next, carries the WWW-Authenticate challenge.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Responses differ by caller (capabilities list the layers it may read), so
		// shared caches must key them on the credentials.
		w.Header().Add("Vary", "Authorization, X-API-Key")
		cw := &challengeWriter{ResponseWriter: w, challenge: a.Challenge()}
		p, err := a.Authenticate(r.Context(), r)
		if err != nil {
			e := ows.AsException(err)
			if e.Cause != nil {
				a.log.Error("authentication failed", "err", err, "path", r.URL.Path)
			}
			style, version := reportStyleOf(r)
			ows.WriteReport(cw, style, version, e)
			return
		}
		ctx := NewContext(r.Context(), &Access{Principal: p, Policy: a.policy})
		next.ServeHTTP(cw, r.WithContext(ctx))
	})
}

// reportStyleOf picks the exception format from the VERSION parameter of a KVP request.
// The middleware runs before the protocol parses the request, so XML bodies get the
// WFS 2.0 format.
func reportStyleOf(r *http.Request) (ows.ReportStyle, string) {
	for k, v := range r.URL.Query() {
		if !strings.EqualFold(k, "version") || len(v) == 0 {
			continue
		}
		switch v[0] {
		case "1.0.0":
			return ows.ReportService, "1.0.0"
		case "1.1.0":
			return ows.ReportOWS10, "1.1.0"
		}
	}
	return ows.ReportOWS11, "2.0.0"
}

// challengeWriter adds the WWW-Authenticate header to 401 responses.
type challengeWriter struct {
	http.ResponseWriter
	challenge string
}

func (w *challengeWriter) WriteHeader(code int) {
	if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", w.challenge)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *challengeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Package wms implements the OGC Web Map Service: WMS 1.3.0 (OGC 06-042) and WMS 1.1.1
// (OGC 01-068r3), with GetCapabilities, GetMap, GetFeatureInfo and the GetLegendGraphic
// operation of the SLD profile (OGC 05-078r4), over KVP GET and form POST.
//
// Maps are drawn by package render in the styles of package style: the default styles
// derived from the data model, named styles loaded from SLD files, and SLD_BODY in
// requests. Features are read from PostGIS, generalised there for the map's scale.
package wms

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/render"
	"github.com/fourreau/fourreau/pkg/style"
)

// Protocol versions, newest first.
const (
	V130 = "1.3.0"
	V111 = "1.1.1"
)

// maxFormBody bounds a form POST body, which may carry an SLD_BODY.
const maxFormBody = 4 << 20

// AccessFunc decides whether the client of a request may read a published feature
// layer (by its name in the catalog): it returns nil when it may, and otherwise the
// exception to answer, such as a 401 that asks for credentials. A WMS layer is shown
// when the client may read one of the feature layers it draws. The others are neither
// listed in capabilities nor drawn, queried or given a legend, and requests naming
// them get the exception.
type AccessFunc func(r *http.Request, layer string) error

// Options are the optional inputs of New.
type Options struct {
	// Model holds the code lists of the data model that default styles use.
	Model style.Model
	// Access filters the layers per request; nil shows every layer to everyone.
	Access AccessFunc
}

// Service answers WMS requests.
type Service struct {
	cfg     *config.Config
	catalog *feature.Catalog
	store   feature.MapStore
	crs     *crs.Registry
	log     *slog.Logger
	fonts   *render.Fonts
	model   style.Model
	access  AccessFunc

	tree *tree
	// crsCodes are the EPSG codes offered in capabilities, in order.
	crsCodes []int

	extentMu sync.Mutex
	extents  map[string]cachedExtents
}

// New builds the WMS over the catalog's layers: it derives the default styles, loads
// the style files of wms.styles_dir and lays out the layer tree.
func New(cfg *config.Config, catalog *feature.Catalog, store feature.MapStore, reg *crs.Registry, log *slog.Logger, opts Options) (*Service, error) {
	fonts, err := render.LoadFonts()
	if err != nil {
		return nil, fmt.Errorf("wms: %w", err)
	}
	s := &Service{
		cfg: cfg, catalog: catalog, store: store, crs: reg, log: log, fonts: fonts,
		model: opts.Model, access: opts.Access, extents: make(map[string]cachedExtents),
	}
	s.crsCodes = uniqueCodes(cfg.WMS.CRS)
	files, err := s.loadStyleFiles(cfg.WMS.StylesDir)
	if err != nil {
		return nil, err
	}
	s.tree, err = s.buildTree(files)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func uniqueCodes(codes []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, c := range codes {
		if c > 0 && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// ServeHTTP implements http.Handler for the /wms endpoint.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kvp, err := readKVP(r)
	req := &request{version: V130, exceptions: exceptionsXML}
	if err == nil {
		req, err = parseRequest(kvp)
	}
	if err == nil {
		err = s.dispatch(w, r, req)
	}
	if err == nil {
		return
	}
	e := ows.AsException(err)
	if e.Code == ows.NoApplicableCode || e.Cause != nil {
		s.log.Error("wms request failed", "err", err, "request", r.URL.RawQuery, "code", e.Code)
	} else {
		s.log.Debug("wms request rejected", "code", e.Code, "locator", e.Locator, "text", e.Text)
	}
	s.writeException(w, req, e)
}

func (s *Service) dispatch(w http.ResponseWriter, r *http.Request, req *request) error {
	switch strings.ToLower(req.operation) {
	case "getcapabilities", "capabilities":
		return s.getCapabilities(w, r, req)
	case "getmap", "map":
		return s.getMap(w, r, req)
	case "getfeatureinfo", "feature_info":
		return s.getFeatureInfo(w, r, req)
	case "getlegendgraphic":
		return s.getLegendGraphic(w, r, req)
	case "":
		return ows.Errorf(ows.MissingParameterValue, "REQUEST", "the REQUEST parameter is missing")
	}
	return ows.Errorf(ows.OperationNotSupported, "REQUEST", "operation %q is not supported: use GetCapabilities, GetMap, GetFeatureInfo or GetLegendGraphic", req.operation)
}

// readKVP reads the parameters of a GET or a form POST.
func readKVP(r *http.Request) (ows.KVP, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return ows.ParseKVP(r.URL.Query()), nil
	case http.MethodPost:
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct != "application/x-www-form-urlencoded" {
			return nil, &ows.Exception{Code: ows.OperationNotSupported, Text: "POST requests must be form-encoded (application/x-www-form-urlencoded); XML POST is not supported by this WMS", Status: http.StatusUnsupportedMediaType}
		}
		data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxFormBody))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &ows.Exception{Code: ows.InvalidParameterValue, Text: "the request body is larger than the limit of 4 MiB", Status: http.StatusRequestEntityTooLarge}
			}
			return nil, ows.Errorf(ows.InvalidParameterValue, "", "the request body could not be read: %v", err)
		}
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, ows.Errorf(ows.InvalidParameterValue, "", "the form body cannot be decoded: %v", err)
		}
		for k, v := range r.URL.Query() {
			form[k] = append(form[k], v...)
		}
		return ows.ParseKVP(form), nil
	default:
		return nil, &ows.Exception{Code: ows.OperationNotSupported, Text: "HTTP method " + r.Method + " is not supported; use GET or POST", Status: http.StatusMethodNotAllowed}
	}
}

// baseURL returns the URL of the endpoint as clients reach it.
func (s *Service) baseURL(r *http.Request) string {
	return ows.EndpointURL(r, s.cfg.Server.PublicURL, "/wms")
}

// canSee reports whether the request's client may read the feature layer.
func (s *Service) canSee(r *http.Request, name string) bool {
	return s.access == nil || s.access(r, name) == nil
}

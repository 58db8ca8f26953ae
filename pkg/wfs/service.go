// Package wfs implements the OGC Web Feature Service: WFS 2.0.0 (OGC 09-025r2, Simple
// and Basic conformance classes with result paging), WFS 1.1.0 (OGC 04-094) and WFS 1.0.0,
// over KVP GET and XML POST. Responses are written as streams: GML 3.2, GML 3.1.1, GML 2
// and GeoJSON.
package wfs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/fourreau/fourreau/pkg/config"
	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
)

// Supported protocol versions, newest first.
const (
	V200 = "2.0.0"
	V110 = "1.1.0"
	V100 = "1.0.0"
)

// maxRequestBody bounds an XML POST body.
const maxRequestBody = 16 << 20

// Service answers WFS requests.
type Service struct {
	cfg     *config.Config
	catalog *feature.Catalog
	store   feature.Store
	crs     *crs.Registry
	log     *slog.Logger
	// locker takes feature locks; nil leaves LockFeature and GetFeatureWithLock out.
	locker feature.Locker
	// hooks take part in every transaction; nil means feature.NoHooks.
	hooks feature.TxHooks
}

// New returns the WFS service over the catalog's layers.
func New(cfg *config.Config, catalog *feature.Catalog, store feature.Store, reg *crs.Registry, log *slog.Logger) *Service {
	return &Service{cfg: cfg, catalog: catalog, store: store, crs: reg, log: log}
}

// ServeHTTP implements http.Handler for the /wfs endpoint.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := s.parse(r)
	version := ""
	if req != nil {
		version = req.version
	}
	if err == nil {
		err = s.dispatch(r.Context(), w, r, req)
	}
	if err == nil || errors.Is(err, errStreamAborted) {
		return
	}
	e := ows.AsException(err)
	if e.Code == ows.NoApplicableCode || e.Cause != nil {
		s.log.Error("wfs request failed", "err", err, "request", r.URL.RawQuery, "code", e.Code)
	} else {
		s.log.Debug("wfs request rejected", "code", e.Code, "locator", e.Locator, "text", e.Text)
	}
	ows.WriteReport(w, reportStyle(version), reportVersion(version), e)
}

// errStreamAborted reports a failure after the response started: the report cannot be
// sent any more, and the truncated document tells the client something went wrong.
var errStreamAborted = errors.New("wfs: response aborted after it started")

func reportStyle(version string) ows.ReportStyle {
	switch version {
	case V100:
		return ows.ReportService
	case V110:
		return ows.ReportOWS10
	default:
		return ows.ReportOWS11
	}
}

func reportVersion(version string) string {
	if version == V110 {
		return "1.1.0"
	}
	return "2.0.0"
}

func (s *Service) dispatch(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) error {
	if err := s.checkRead(ctx, req); err != nil {
		return err
	}
	switch req.operation {
	case "GetCapabilities":
		return s.getCapabilities(ctx, w, r, req)
	case "DescribeFeatureType":
		return s.describeFeatureType(w, req)
	case "GetFeature":
		return s.getFeature(ctx, w, r, req)
	case "GetFeatureWithLock":
		if s.locker == nil {
			break
		}
		return s.getFeature(ctx, w, r, req)
	case "LockFeature":
		if s.locker == nil {
			break
		}
		return s.lockFeature(ctx, w, req)
	case "GetPropertyValue":
		if req.version != V200 {
			break
		}
		return s.getPropertyValue(ctx, w, r, req)
	case "CreateStoredQuery", "DropStoredQuery":
		if req.version != V200 || s.storedQueryStore() == nil {
			break
		}
		return s.manageStoredQuery(ctx, w, req)
	case "Transaction":
		if !s.transactionsEnabled() {
			break
		}
		return s.transaction(ctx, w, r, req)
	case "ListStoredQueries":
		if req.version != V200 {
			break
		}
		return s.listStoredQueries(w, r, req)
	case "DescribeStoredQueries":
		if req.version != V200 {
			break
		}
		return s.describeStoredQueries(w, r, req)
	}
	return ows.Errorf(ows.OperationNotSupported, "request", "operation %q is not supported by WFS %s", req.operation, req.version)
}

// parse reads a KVP GET, a form POST or an XML POST into a request.
func (s *Service) parse(r *http.Request) (*request, error) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		query, err := ows.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, err
		}
		return s.parseKVP(ows.ParseKVP(query))
	case http.MethodPost:
		body := http.MaxBytesReader(nil, r.Body, maxRequestBody)
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			data, err := io.ReadAll(body)
			if err != nil {
				return nil, bodyError(err)
			}
			form, err := ows.ParseQuery(string(data))
			if err != nil {
				return nil, err
			}
			query, err := ows.ParseQuery(r.URL.RawQuery)
			if err != nil {
				return nil, err
			}
			for k, v := range query {
				form[k] = append(form[k], v...)
			}
			return s.parseKVP(ows.ParseKVP(form))
		}
		doc, err := ows.ParseXML(body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, bodyError(err)
			}
			return nil, err
		}
		return s.parseXML(doc)
	default:
		return nil, &ows.Exception{Code: ows.OperationNotSupported, Text: "HTTP method " + r.Method + " is not supported; use GET or POST", Status: http.StatusMethodNotAllowed}
	}
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &ows.Exception{Code: ows.OperationParsingFailed, Text: "the request body is larger than the limit of 16 MiB", Status: http.StatusRequestEntityTooLarge}
	}
	return ows.Errorf(ows.OperationParsingFailed, "", "the request body could not be read: %v", err)
}

// baseURL returns the URL of the service endpoint as clients reach it.
func (s *Service) baseURL(r *http.Request) string {
	return ows.EndpointURL(r, s.cfg.Server.PublicURL, "/wfs")
}

// prefix and namespace of the published feature types.
func (s *Service) prefix() string { return s.cfg.Service.NamespacePrefix }
func (s *Service) nsURI() string  { return s.cfg.Service.NamespaceURI }

// qualified returns the prefixed type name of a layer.
func (s *Service) qualified(l *feature.Layer) string { return s.prefix() + ":" + l.Name }

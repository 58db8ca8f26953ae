package wfs

import (
	"context"
	"net/http"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
)

// getFeatureByID is the identifier of the stored query every WFS 2.0 server offers.
const getFeatureByID = "urn:ogc:def:query:OGC-WFS::GetFeatureById"

func (s *Service) parseStoredQueryKVP(req *request, kvp ows.KVP, ns map[string]string, id string) error {
	// A stored query carries its own filter: one given beside it would be ignored.
	for _, name := range []string{"FILTER", "CQL_FILTER", "BBOX", "RESOURCEID", "FEATUREID"} {
		if kvp.Value(name) != "" {
			return ows.Errorf(ows.InvalidParameterValue, strings.ToLower(name), "%s cannot be combined with STOREDQUERY_ID; pass the values as parameters of the stored query", name)
		}
	}
	req.outputFormat = kvp.Value("OUTPUTFORMAT")
	if err := parsePaging(req, kvp.Value("COUNT"), kvp.Value("MAXFEATURES"), kvp.Value("STARTINDEX"), kvp.Value("RESULTTYPE")); err != nil {
		return err
	}
	if err := checkResolve(kvp.Value("RESOLVE"), kvp.Value("RESOLVEDEPTH"), kvp.Value("RESOLVETIMEOUT")); err != nil {
		return err
	}
	params := map[string]string{}
	for k, v := range kvp {
		params[k] = v
	}
	return s.storedQuery(req, id, params)
}

// storedQuery expands a stored query into the request's queries. params are keyed by
// upper-case parameter name.
func (s *Service) storedQuery(req *request, id string, params map[string]string) error {
	if req.version != V200 {
		return ows.Errorf(ows.OperationNotSupported, "storedQuery_id", "stored queries are a WFS 2.0 feature")
	}
	switch id {
	case getFeatureByID:
	case networkLinksNearID:
		return s.networkLinksNear(req, params, nil)
	default:
		// Other stored queries are read from the database when the request runs.
		req.storedQueryCalls = append(req.storedQueryCalls, storedQueryCall{id: id, at: len(req.queries), params: params})
		return nil
	}
	fid := params["ID"]
	if fid == "" {
		return ows.Errorf(ows.MissingParameterValue, "id", "GetFeatureById needs the ID parameter")
	}
	name, _, _ := strings.Cut(fid, ".")
	l, ok := s.catalog.Layer(name)
	if !ok {
		return ows.Errorf(ows.NotFound, "id", "no feature has the identifier %q", fid)
	}
	f, err := s.resourceIDFilter([]string{fid}, []*feature.Layer{l})
	if err != nil {
		e := ows.AsException(err)
		e.Code, e.Locator = ows.NotFound, "id"
		return e
	}
	q := &query{layers: []*feature.Layer{l}, filter: f}
	if v := params["SRSNAME"]; v != "" {
		n, err := s.parseCRS(v, "srsName")
		if err != nil {
			return err
		}
		q.srs, q.srsGiven = n, true
	}
	req.queries = []*query{q}
	req.byID = true
	return nil
}

// runByID writes the single feature of GetFeatureById as the document root, or answers
// NotFound.
func (c *collection) runByID(ctx context.Context, rd feature.Reader) error {
	p := c.plans[0]
	p.q.Limit, p.q.Offset = 1, 0
	c.gw.Version, c.gw.Coords = c.format.gml, p.coords
	var out []byte
	found := false
	err := rd.Features(ctx, p.q, func(row *feature.Row) error {
		found = true
		var err error
		if c.format.json {
			out, err = c.appendJSONFeature(nil, p, row)
		} else {
			out, err = c.appendGMLFeature([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), p, row, true)
		}
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return ows.Errorf(ows.NotFound, "id", "no feature has the identifier %q", strings.Join(p.q.Filter.(filter.ResourceID).IDs, ","))
	}
	c.w.Header().Set("Content-Type", c.format.contentType)
	c.w.WriteHeader(http.StatusOK)
	if _, err := c.w.Write(append(out, '\n')); err != nil {
		return errStreamAborted
	}
	return nil
}

func writeXML(w http.ResponseWriter, doc string) error {
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(doc)); err != nil {
		return errStreamAborted
	}
	return nil
}

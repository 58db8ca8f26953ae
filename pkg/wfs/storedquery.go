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
	req.outputFormat = kvp.Value("OUTPUTFORMAT")
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
	if id != getFeatureByID {
		return ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q is not offered; ListStoredQueries lists them", id)
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

func (s *Service) listStoredQueries(w http.ResponseWriter, r *http.Request, req *request) error {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<wfs:ListStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `"`)
	b.WriteString(` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">` + "\n")
	b.WriteString(`  <wfs:StoredQuery id="` + getFeatureByID + `">` + "\n")
	b.WriteString("    <wfs:Title>Get feature by identifier</wfs:Title>\n")
	for _, l := range s.catalog.Layers {
		b.WriteString("    <wfs:ReturnFeatureType>" + s.qualified(l) + "</wfs:ReturnFeatureType>\n")
	}
	b.WriteString("  </wfs:StoredQuery>\n</wfs:ListStoredQueriesResponse>\n")
	return writeXML(w, b.String())
}

func (s *Service) describeStoredQueries(w http.ResponseWriter, r *http.Request, req *request) error {
	for _, id := range req.storedQueryIDs {
		if id != getFeatureByID {
			return ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q is not offered; ListStoredQueries lists them", id)
		}
	}
	var types []string
	for _, l := range s.catalog.Layers {
		types = append(types, s.qualified(l))
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<wfs:DescribeStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `"`)
	b.WriteString(` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">` + "\n")
	b.WriteString(`  <wfs:StoredQueryDescription id="` + getFeatureByID + `">` + "\n")
	b.WriteString("    <wfs:Title>Get feature by identifier</wfs:Title>\n")
	b.WriteString("    <wfs:Abstract>Returns the single feature whose identifier is ID (for example duct.42), or a NotFound exception.</wfs:Abstract>\n")
	b.WriteString(`    <wfs:Parameter name="ID" type="xs:string"/>` + "\n")
	b.WriteString(`    <wfs:QueryExpressionText returnFeatureTypes="` + strings.Join(types, " ") + `" language="urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression" isPrivate="true"/>` + "\n")
	b.WriteString("  </wfs:StoredQueryDescription>\n</wfs:DescribeStoredQueriesResponse>\n")
	return writeXML(w, b.String())
}

func writeXML(w http.ResponseWriter, doc string) error {
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(doc)); err != nil {
		return errStreamAborted
	}
	return nil
}

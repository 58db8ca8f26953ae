package wfs

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/auth"
	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// storedQueryLanguage is the only query language of stored query definitions: wfs:Query
// elements, as WFS 2.0 defines it.
const storedQueryLanguage = "urn:ogc:def:queryLanguage:OGC-WFS::WFSQueryExpression"

// networkLinksNearID is the stored query of network sections within a distance of a
// geometry.
const networkLinksNearID = "urn:fourreau:query:NetworkLinksNear"

// Exception codes that WFS 2.0 adds for CreateStoredQuery (OGC 09-025r2, table 3).
const (
	duplicateStoredQueryID        = "DuplicateStoredQueryIdValue"
	duplicateStoredQueryParameter = "DuplicateStoredQueryParameterName"
)

// maxStoredQueryDefinition bounds the XML text of one stored query definition.
const maxStoredQueryDefinition = 256 << 10

// storedQueryCall is a stored query of a GetFeature request whose definition is read
// from the database when the request runs. at is the index in the request's queries
// where its queries go.
type storedQueryCall struct {
	id     string
	at     int
	params map[string]string
	elems  map[string]*ows.Element
}

// storedQueryStore returns the store of created stored queries, or nil when the
// feature store keeps none.
func (s *Service) storedQueryStore() feature.StoredQueryStore {
	sq, _ := s.store.(feature.StoredQueryStore)
	return sq
}

func manageStoredQueries(enabled bool) string {
	if enabled {
		return "TRUE"
	}
	return "FALSE"
}

// storedQueryElement reads a wfs:StoredQuery of an XML GetFeature: parameters with a
// GML geometry keep their element.
func (s *Service) storedQueryElement(req *request, e *ows.Element) error {
	id, _ := e.AttrValue("id")
	id = strings.TrimSpace(id)
	params := map[string]string{}
	elems := map[string]*ows.Element{}
	for _, p := range e.Children {
		if p.Local != "Parameter" {
			continue
		}
		name, _ := p.AttrValue("name")
		key := strings.ToUpper(strings.TrimSpace(name))
		params[key] = p.TrimText()
		if len(p.Children) == 1 {
			elems[key] = p.Children[0]
		}
	}
	switch id {
	case networkLinksNearID:
		if req.version != V200 {
			return ows.Errorf(ows.OperationNotSupported, "storedQuery_id", "stored queries are a WFS 2.0 feature")
		}
		return s.networkLinksNear(req, params, elems)
	case getFeatureByID:
		return s.storedQuery(req, id, params)
	}
	if err := s.storedQuery(req, id, params); err != nil {
		return err
	}
	req.storedQueryCalls[len(req.storedQueryCalls)-1].elems = elems
	return nil
}

// networkLinksNear builds the query of networkLinksNearID: the network sections within
// DISTANCE metres of GEOMETRY, of network category CATEGORY when given.
func (s *Service) networkLinksNear(req *request, params map[string]string, elems map[string]*ows.Element) error {
	l, ok := s.catalog.Layer("network_link")
	if !ok {
		return ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q is not offered: the network_link layer is not published", networkLinksNearID)
	}
	dist, err := strconv.ParseFloat(strings.TrimSpace(params["DISTANCE"]), 64)
	if err != nil || dist < 0 || dist != dist || dist > 1e7 {
		if params["DISTANCE"] == "" {
			return ows.Errorf(ows.MissingParameterValue, "DISTANCE", "the stored query needs DISTANCE, in metres")
		}
		return ows.Errorf(ows.InvalidParameterValue, "DISTANCE", "DISTANCE=%q is not a distance in metres", params["DISTANCE"])
	}
	g, err := s.geometryParameter(l, "GEOMETRY", params, elems)
	if err != nil {
		return err
	}
	var n filter.Node = filter.Distance{Geometry: g, Value: dist, Unit: filter.UnitMetre}
	if cat := strings.TrimSpace(params["CATEGORY"]); cat != "" {
		n = filter.And{Children: []filter.Node{n, filter.Compare{Op: filter.EqualTo, Property: "network_category", Literal: cat, MatchCase: true}}}
	}
	q := &query{layers: []*feature.Layer{l}, filter: n}
	if v := params["SRSNAME"]; v != "" {
		c, err := s.parseCRS(v, "srsName")
		if err != nil {
			return err
		}
		q.srs, q.srsGiven = c, true
	}
	req.queries = append(req.queries, q)
	return nil
}

// geometryParameter reads a geometry parameter given as a GML element (XML requests),
// as GML text or as WKT/EWKT (KVP). Without srsName or SRID the geometry is in the
// layer's CRS, coordinates x/y.
func (s *Service) geometryParameter(l *feature.Layer, name string, params map[string]string, elems map[string]*ows.Element) (geom.Geometry, error) {
	e := elems[name]
	text := strings.TrimSpace(params[name])
	if e == nil && strings.HasPrefix(text, "<") {
		doc, err := ows.ParseXML(strings.NewReader(text))
		if err != nil {
			return geom.Geometry{}, ows.Errorf(ows.InvalidParameterValue, name, "%s is not well-formed GML", name)
		}
		e = doc
	}
	var g geom.Geometry
	var err error
	switch {
	case e != nil:
		g, err = gml.Read(e, crs.Name{SRID: l.SRID, Form: crs.FormShort}, s.crs)
	case text != "":
		g, err = filter.ParseWKT(text, l.SRID)
		if err == nil {
			if _, ok, lerr := s.crs.Lookup(g.SRID); lerr != nil || !ok {
				err = ows.Errorf(ows.InvalidParameterValue, name, "unknown CRS EPSG:%d", g.SRID)
			}
		}
	default:
		return geom.Geometry{}, ows.Errorf(ows.MissingParameterValue, name, "the stored query needs %s, as GML or WKT", name)
	}
	if err != nil {
		x := ows.AsException(err)
		x.Locator = name
		return geom.Geometry{}, x
	}
	return g, nil
}

// storedQueryDef is a parsed wfs:StoredQueryDefinition.
type storedQueryDef struct {
	id, title, abstract string
	params              []storedQueryParam
	returnTypes         string
	queries             []*ows.Element
	elem                *ows.Element
}

type storedQueryParam struct {
	name, typ string
	geometry  bool
}

var geometryType = regexp.MustCompile(`(?i)(geometry|point|linestring|curve|polygon|surface|envelope)`)

// parseStoredQueryDefinition reads and checks a wfs:StoredQueryDefinition.
func parseStoredQueryDefinition(e *ows.Element) (*storedQueryDef, error) {
	id, _ := e.AttrValue("id")
	d := &storedQueryDef{id: strings.TrimSpace(id), elem: e}
	if d.id == "" {
		return nil, ows.Errorf(ows.MissingParameterValue, "id", "the StoredQueryDefinition has no id")
	}
	if len(d.id) > 1024 {
		return nil, ows.Errorf(ows.InvalidParameterValue, "id", "the stored query id is longer than 1024 characters")
	}
	seen := map[string]bool{}
	for _, c := range e.Children {
		switch c.Local {
		case "Title":
			if d.title == "" {
				d.title = c.TrimText()
			}
		case "Abstract":
			if d.abstract == "" {
				d.abstract = c.TrimText()
			}
		case "Parameter":
			name, _ := c.AttrValue("name")
			typ, _ := c.AttrValue("type")
			name = strings.TrimSpace(name)
			if name == "" {
				return nil, ows.Errorf(ows.MissingParameterValue, "Parameter", "a stored query parameter has no name")
			}
			if seen[strings.ToUpper(name)] {
				return nil, ows.Errorf(duplicateStoredQueryParameter, name, "the stored query declares parameter %q twice", name)
			}
			seen[strings.ToUpper(name)] = true
			_, local, _, _ := c.ResolveQName(strings.TrimSpace(typ))
			d.params = append(d.params, storedQueryParam{name: name, typ: strings.TrimSpace(typ), geometry: geometryType.MatchString(local)})
		case "QueryExpressionText":
			lang, _ := c.AttrValue("language")
			if strings.TrimSpace(lang) != storedQueryLanguage {
				return nil, ows.Errorf(ows.InvalidParameterValue, "language", "query language %q is not supported; use %s", lang, storedQueryLanguage)
			}
			d.returnTypes, _ = c.AttrValue("returnFeatureTypes")
			for _, q := range c.Children {
				if q.Local != "Query" {
					return nil, ows.Errorf(ows.InvalidParameterValue, "QueryExpressionText", "a stored query contains wfs:Query elements only, found %s", q.Local)
				}
				d.queries = append(d.queries, q)
			}
		}
	}
	if len(d.queries) == 0 {
		return nil, ows.Errorf(ows.MissingParameterValue, "QueryExpressionText", "stored query %q has no wfs:Query", d.id)
	}
	return d, nil
}

var placeholder = regexp.MustCompile(`\$\{([^}]*)\}`)

// expand substitutes the parameter values into the definition's text and parses the
// queries. Scalar values are XML-escaped; a geometry value is written as GML 3.2.
func (s *Service) expandDefinition(req *request, d *storedQueryDef, params map[string]string, elems map[string]*ows.Element) ([]*query, error) {
	values := map[string]string{}
	for _, p := range d.params {
		key := strings.ToUpper(p.name)
		if p.geometry {
			l := s.firstLayer(d)
			if l == nil {
				return nil, ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q returns no published feature type", d.id)
			}
			g, err := s.geometryParameter(l, key, params, elems)
			if err != nil {
				return nil, err
			}
			values[strings.ToUpper(p.name)] = geometryGML(&g)
			continue
		}
		v, ok := params[key]
		if !ok {
			return nil, ows.Errorf(ows.MissingParameterValue, p.name, "stored query %q needs parameter %s", d.id, p.name)
		}
		values[key] = ows.EscapeXML(v)
	}
	text := placeholder.ReplaceAllStringFunc(d.elem.XML(), func(m string) string {
		name := strings.ToUpper(strings.TrimSpace(m[2 : len(m)-1]))
		if v, ok := values[name]; ok {
			return v
		}
		return m
	})
	doc, err := ows.ParseXML(strings.NewReader(text))
	if err != nil {
		return nil, ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q does not form a valid query with these parameters", d.id)
	}
	expanded, err := parseStoredQueryDefinition(doc)
	if err != nil {
		return nil, err
	}
	var out []*query
	for _, qe := range expanded.queries {
		q, err := s.parseQueryXML(req, qe)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// firstLayer returns the layer of the definition's first query, whose CRS applies to
// geometry parameters without one.
func (s *Service) firstLayer(d *storedQueryDef) *feature.Layer {
	names, ok := d.queries[0].AttrValue("typeNames")
	if !ok {
		names, _ = d.queries[0].AttrValue("typeName")
	}
	for _, n := range strings.Fields(strings.NewReplacer(",", " ", "(", " ", ")", " ").Replace(names)) {
		if l, err := s.resolveElementType(d.queries[0], n, V200); err == nil {
			return l
		}
	}
	return nil
}

// geometryGML writes a geometry as a GML 3.2 element that declares its namespace, with
// its CRS in the x/y spelling EPSG:n.
func geometryGML(g *geom.Geometry) string {
	var d geom.Decoder
	if err := d.Decode(g.EWKB()); err != nil {
		return ""
	}
	w := gml.Writer{Version: gml.GML32, Coords: gml.Coords{Decimals: 12}}
	out := string(w.Append(nil, &d, crs.Name{SRID: g.SRID, Form: crs.FormShort}.String(), "parameter"))
	i := strings.IndexAny(out, " >")
	return out[:i] + ` xmlns:gml="http://www.opengis.net/gml/3.2"` + out[i:]
}

// expandStoredQueries reads the definitions of the request's stored queries from the
// database and inserts their queries where the request named them.
func (s *Service) expandStoredQueries(ctx context.Context, req *request) error {
	if len(req.storedQueryCalls) == 0 {
		return nil
	}
	sq := s.storedQueryStore()
	for i := len(req.storedQueryCalls) - 1; i >= 0; i-- {
		call := req.storedQueryCalls[i]
		if sq == nil {
			return ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q is not offered; ListStoredQueries lists them", call.id)
		}
		stored, ok, err := sq.StoredQuery(ctx, call.id)
		if err != nil {
			return err
		}
		if !ok {
			return ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q is not offered; ListStoredQueries lists them", call.id)
		}
		doc, err := ows.ParseXML(strings.NewReader(stored.Definition))
		if err != nil {
			return ows.Internal(err)
		}
		d, err := parseStoredQueryDefinition(doc)
		if err != nil {
			return ows.Internal(err)
		}
		qs, err := s.expandDefinition(req, d, call.params, call.elems)
		if err != nil {
			return err
		}
		at := min(call.at, len(req.queries))
		req.queries = append(req.queries[:at], append(qs, req.queries[at:]...)...)
	}
	req.storedQueryCalls = nil
	if len(req.queries) == 0 {
		return ows.Errorf(ows.MissingParameterValue, typeNameLocator(req.version), "GetFeature contains no Query")
	}
	// The layers of a stored query are known only now: the caller must be allowed to
	// read them as if it had named them itself.
	return s.checkRead(ctx, req)
}

// parseCreateStoredQueryXML reads the definitions of a CreateStoredQuery request and
// checks each by expanding it with sample parameter values.
func (s *Service) parseCreateStoredQueryXML(req *request, doc *ows.Element) error {
	for _, c := range doc.Children {
		if c.Local != "StoredQueryDefinition" {
			continue
		}
		d, err := parseStoredQueryDefinition(c)
		if err != nil {
			return err
		}
		if d.id == getFeatureByID || d.id == networkLinksNearID {
			return ows.Errorf(duplicateStoredQueryID, "id", "stored query %q is built in", d.id)
		}
		text := c.XML()
		if len(text) > maxStoredQueryDefinition {
			return ows.Errorf(ows.InvalidParameterValue, "StoredQueryDefinition", "the definition of %q is larger than %d bytes", d.id, maxStoredQueryDefinition)
		}
		params := map[string]string{}
		for _, p := range d.params {
			params[strings.ToUpper(p.name)] = sampleValue(p)
		}
		if _, err := s.expandDefinition(&request{version: V200, count: -1}, d, params, nil); err != nil {
			x := ows.AsException(err)
			x.Text = "stored query " + strconv.Quote(d.id) + " is not valid: " + x.Text
			return x
		}
		req.storedQueryDefs = append(req.storedQueryDefs, feature.StoredQuery{ID: d.id, Definition: text})
	}
	if len(req.storedQueryDefs) == 0 {
		return ows.Errorf(ows.MissingParameterValue, "StoredQueryDefinition", "CreateStoredQuery contains no StoredQueryDefinition")
	}
	return nil
}

// sampleValue is a value of the parameter's type, used to check a new definition.
func sampleValue(p storedQueryParam) string {
	switch {
	case p.geometry:
		return "POINT(0 0)"
	case strings.Contains(strings.ToLower(p.typ), "date"):
		return "2000-01-01"
	case strings.Contains(strings.ToLower(p.typ), "bool"):
		return "true"
	}
	return "0"
}

// manageStoredQuery runs CreateStoredQuery and DropStoredQuery. Anonymous callers may
// run them only when wfs.transactions is open, as they may then write features too.
func (s *Service) manageStoredQuery(ctx context.Context, w http.ResponseWriter, req *request) error {
	if auth.FromContext(ctx).Principal.IsAnonymous() && s.cfg.WFS.Transactions != TransactionsOpen {
		return auth.Unauthenticated("request", req.operation+" requires authentication; send an API key in the X-API-Key header or HTTP Basic credentials")
	}
	sq := s.storedQueryStore()
	if req.operation == "CreateStoredQuery" {
		for _, d := range req.storedQueryDefs {
			if err := sq.CreateStoredQuery(ctx, d); err != nil {
				if errors.Is(err, feature.ErrStoredQueryExists) {
					return ows.Errorf(duplicateStoredQueryID, "id", "a stored query with id %q exists; drop it first", d.ID)
				}
				return err
			}
			s.log.Info("wfs: stored query created", "id", d.ID)
		}
		return writeXML(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<wfs:CreateStoredQueryResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" status="OK"/>`+"\n")
	}
	id := strings.TrimSpace(req.dropStoredQueryID)
	if id == "" {
		return ows.Errorf(ows.MissingParameterValue, "id", "DropStoredQuery needs the id of the stored query")
	}
	if id == getFeatureByID || id == networkLinksNearID {
		return ows.Errorf(ows.InvalidParameterValue, "id", "stored query %q is built in and cannot be dropped", id)
	}
	found, err := sq.DropStoredQuery(ctx, id)
	if err != nil {
		return err
	}
	if !found {
		return ows.Errorf(ows.InvalidParameterValue, "id", "stored query %q does not exist", id)
	}
	s.log.Info("wfs: stored query dropped", "id", id)
	return writeXML(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<wfs:DropStoredQueryResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" status="OK"/>`+"\n")
}

// describedQuery is one stored query as ListStoredQueries and DescribeStoredQueries
// present it.
type describedQuery struct {
	id, title, abstract string
	params              []storedQueryParam
	returnTypes         []string
	// expression is the XML of the query expression, written when the query is not
	// private.
	expression string
}

// storedQueryList returns the built-in stored queries and the created ones.
func (s *Service) storedQueryList(ctx context.Context) ([]describedQuery, error) {
	var types []string
	for _, l := range s.readableLayers(ctx) {
		types = append(types, s.qualified(l))
	}
	out := []describedQuery{{
		id: getFeatureByID, title: "Get feature by identifier",
		abstract:    "Returns the single feature whose identifier is ID (for example duct.42), or a NotFound exception.",
		params:      []storedQueryParam{{name: "ID", typ: "xs:string"}},
		returnTypes: types,
	}}
	access := auth.FromContext(ctx)
	if l, ok := s.catalog.Layer("network_link"); ok && access.CanRead(l.Name) {
		out = append(out, describedQuery{
			id: networkLinksNearID, title: "Network sections near a geometry",
			abstract: "Returns the network sections within DISTANCE metres of GEOMETRY (GML, or WKT in the layer's CRS), " +
				"of network category CATEGORY when given (for example the class-A sections within 50 m of planned works).",
			params: []storedQueryParam{
				{name: "GEOMETRY", typ: "gml:AbstractGeometryType", geometry: true},
				{name: "DISTANCE", typ: "xs:double"},
				{name: "CATEGORY", typ: "xs:string"},
			},
			returnTypes: []string{s.qualified(l)},
		})
	}
	sq := s.storedQueryStore()
	if sq == nil {
		return out, nil
	}
	stored, err := sq.StoredQueries(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range stored {
		doc, err := ows.ParseXML(strings.NewReader(st.Definition))
		if err != nil {
			s.log.Error("wfs: stored query definition unreadable", "id", st.ID, "err", err)
			continue
		}
		d, err := parseStoredQueryDefinition(doc)
		if err != nil {
			s.log.Error("wfs: stored query definition invalid", "id", st.ID, "err", err)
			continue
		}
		dq := describedQuery{id: d.id, title: d.title, abstract: d.abstract, params: d.params,
			returnTypes: strings.Fields(d.returnTypes)}
		if !s.canReadAll(access, dq.returnTypes) {
			// The caller may not read a type the query returns, so it may not learn of it.
			continue
		}
		var expr strings.Builder
		for _, q := range d.queries {
			expr.WriteString(q.XML())
		}
		dq.expression = expr.String()
		out = append(out, dq)
	}
	sort.SliceStable(out[2:], func(i, j int) bool { return out[2+i].id < out[2+j].id })
	return out, nil
}

// canReadAll reports whether the caller may read every layer of names, feature type
// names as a stored query definition gives them. A name that matches no layer is let
// through, since it reveals nothing.
func (s *Service) canReadAll(access *auth.Access, names []string) bool {
	for _, name := range names {
		local := name
		if i := strings.LastIndexAny(name, ":}"); i >= 0 {
			local = name[i+1:]
		}
		if l, ok := s.catalog.Layer(local); ok && !access.CanRead(l.Name) {
			return false
		}
	}
	return true
}

func (s *Service) listStoredQueries(w http.ResponseWriter, r *http.Request, req *request) error {
	list, err := s.storedQueryList(r.Context())
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<wfs:ListStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `"`)
	b.WriteString(` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">` + "\n")
	for _, q := range list {
		b.WriteString(`  <wfs:StoredQuery id="` + ows.EscapeXML(q.id) + `">` + "\n")
		b.WriteString("    <wfs:Title>" + ows.EscapeXML(q.title) + "</wfs:Title>\n")
		for _, t := range q.returnTypes {
			b.WriteString("    <wfs:ReturnFeatureType>" + ows.EscapeXML(t) + "</wfs:ReturnFeatureType>\n")
		}
		b.WriteString("  </wfs:StoredQuery>\n")
	}
	b.WriteString("</wfs:ListStoredQueriesResponse>\n")
	return writeXML(w, b.String())
}

func (s *Service) describeStoredQueries(w http.ResponseWriter, r *http.Request, req *request) error {
	list, err := s.storedQueryList(r.Context())
	if err != nil {
		return err
	}
	byID := map[string]describedQuery{}
	for _, q := range list {
		byID[q.id] = q
	}
	selected := list
	if len(req.storedQueryIDs) > 0 {
		selected = nil
		for _, id := range req.storedQueryIDs {
			q, ok := byID[id]
			if !ok {
				return ows.Errorf(ows.InvalidParameterValue, "storedQuery_id", "stored query %q is not offered; ListStoredQueries lists them", id)
			}
			selected = append(selected, q)
		}
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<wfs:DescribeStoredQueriesResponse xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:fes="http://www.opengis.net/fes/2.0" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `"`)
	b.WriteString(` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd">` + "\n")
	for _, q := range selected {
		b.WriteString(`  <wfs:StoredQueryDescription id="` + ows.EscapeXML(q.id) + `">` + "\n")
		b.WriteString("    <wfs:Title>" + ows.EscapeXML(q.title) + "</wfs:Title>\n")
		if q.abstract != "" {
			b.WriteString("    <wfs:Abstract>" + ows.EscapeXML(q.abstract) + "</wfs:Abstract>\n")
		}
		for _, p := range q.params {
			b.WriteString(`    <wfs:Parameter name="` + ows.EscapeXML(p.name) + `" type="` + ows.EscapeXML(describedType(p)) + `"/>` + "\n")
		}
		b.WriteString(`    <wfs:QueryExpressionText returnFeatureTypes="` + ows.EscapeXML(strings.Join(q.returnTypes, " ")) + `" language="` + storedQueryLanguage + `"`)
		if q.expression == "" {
			b.WriteString(` isPrivate="true"/>` + "\n")
		} else {
			b.WriteString(` isPrivate="false">` + q.expression + "</wfs:QueryExpressionText>\n")
		}
		b.WriteString("  </wfs:StoredQueryDescription>\n")
	}
	b.WriteString("</wfs:DescribeStoredQueriesResponse>\n")
	return writeXML(w, b.String())
}

// describedType writes a parameter type with the prefixes the response declares.
func describedType(p storedQueryParam) string {
	if p.geometry {
		return "gml:AbstractGeometryType"
	}
	_, local, found := strings.Cut(p.typ, ":")
	if !found {
		local = p.typ
	}
	if local == "" {
		return "xs:string"
	}
	return "xs:" + local
}

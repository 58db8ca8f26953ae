package wfs

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// plan is a query made ready to run: the store query and how to write its features.
type plan struct {
	layer  *feature.Layer
	q      *feature.Query
	fields []*feature.Field
	srs    crs.Name
	coords gml.Coords
	// matched and returned are filled when counted.
	matched  int64
	returned int64
}

// maxQueries bounds the queries of one GetFeature: each costs at least one database
// query, and a request of a few kilobytes could otherwise hold thousands of them.
const maxQueries = 100

func (s *Service) getFeature(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) error {
	if err := s.expandStoredQueries(ctx, req); err != nil {
		return err
	}
	if len(req.queries) > maxQueries {
		return ows.Errorf(ows.OperationProcessingFailed, typeNameLocator(req.version),
			"the request holds %d queries; at most %d are served in one GetFeature", len(req.queries), maxQueries)
	}
	format, err := resolveFormat(req.version, req.outputFormat)
	if err != nil {
		return err
	}
	plans := make([]*plan, 0, len(req.queries))
	for _, q := range req.queries {
		p, err := s.plan(req, q, format)
		if err != nil {
			return err
		}
		plans = append(plans, p)
	}
	out := &collection{svc: s, req: req, format: format, plans: plans, w: w, base: s.baseURL(r)}
	if req.operation == "GetFeatureWithLock" {
		if out.lockID, err = s.lockPlans(ctx, req, plans); err != nil {
			return err
		}
	}
	return s.store.Read(ctx, func(rd feature.Reader) error { return out.run(ctx, rd) })
}

// plan turns one parsed query into a store query.
func (s *Service) plan(req *request, q *query, format outputFormat) (*plan, error) {
	l := q.layers[0]
	p := &plan{layer: l}
	fq := &feature.Query{Layer: l, Filter: q.filter, Offset: req.startIndex, Limit: s.limit(req.count)}
	// PROPERTYNAME=* selects every property. OWSLib 0.27 sends it by default with WFS 1.1.
	if len(q.properties) > 0 && !slices.Contains(q.properties, "*") {
		fq.Fields = []*feature.Field{}
		fq.NoGeometry = true
		for _, name := range q.properties {
			local := name
			if i := strings.LastIndexByte(local, ':'); i >= 0 {
				local = local[i+1:]
			}
			local = strings.TrimPrefix(local, l.Name+"/")
			if l.IsGeometry(local) {
				fq.NoGeometry = false
				continue
			}
			f, ok := l.Field(local)
			if !ok {
				return nil, ows.Errorf(ows.InvalidParameterValue, "propertyName", "%s has no property %q", l.Name, name)
			}
			fq.Fields = append(fq.Fields, f)
		}
		fq.Fields = inSchemaOrder(l, fq.Fields)
		p.fields = fq.Fields
	} else {
		for i := range l.Fields {
			p.fields = append(p.fields, &l.Fields[i])
		}
	}
	if q.sortBy != "" {
		keys, err := parseSortBy(l, q.sortBy)
		if err != nil {
			return nil, err
		}
		fq.SortBy = keys
	}

	p.srs = s.defaultSRS(req.version, l, format)
	if q.srsGiven {
		p.srs = q.srs
	}
	if req.version == V100 && p.srs.UsesAuthorityOrder() {
		// WFS 1.0 writes x/y whatever the spelling of the request, so the geometries name
		// the CRS in a spelling that means x/y to clients.
		p.srs = p.srs.In(crs.FormGMLHTTP)
	}
	fq.OutputSRID = p.srs.SRID
	info, ok, err := s.crs.Lookup(p.srs.SRID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ows.Errorf(ows.InvalidParameterValue, "srsName", "unknown CRS %s", p.srs)
	}
	p.coords.Decimals = s.cfg.WFS.DecimalsMetres
	if info.Geographic {
		p.coords.Decimals = s.cfg.WFS.DecimalsDegrees
	}
	if !format.json && req.version != V100 {
		p.coords.Swap, err = s.crs.Swap(p.srs)
		if err != nil {
			return nil, err
		}
	}
	p.q = fq
	return p, nil
}

// inSchemaOrder returns the selected fields once each, in the order of the layer, which
// is the sequence DescribeFeatureType declares: a GML feature must follow it whatever
// the order of PROPERTYNAME.
func inSchemaOrder(l *feature.Layer, selected []*feature.Field) []*feature.Field {
	out := make([]*feature.Field, 0, len(selected))
	for i := range l.Fields {
		if slices.Contains(selected, &l.Fields[i]) {
			out = append(out, &l.Fields[i])
		}
	}
	return out
}

// limit returns the number of features a query may return: COUNT, capped by
// CountDefault when that is set; -1 for no limit.
func (s *Service) limit(count int) int {
	def := s.cfg.WFS.CountDefault
	switch {
	case count >= 0 && def > 0 && count > def:
		return def
	case count >= 0:
		return count
	case def > 0:
		return def
	default:
		return -1
	}
}

// parseSortBy reads "name [ASC|DESC],..." (WFS 2.0) and "name [A|D],..." (WFS 1.1).
func parseSortBy(l *feature.Layer, v string) ([]feature.SortKey, error) {
	var keys []feature.SortKey
	for _, item := range ows.SplitList(v) {
		parts := strings.Fields(item)
		name := parts[0]
		if i := strings.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		f, ok := l.Field(name)
		if !ok {
			return nil, ows.Errorf(ows.InvalidParameterValue, "sortBy", "%s has no sortable property %q", l.Name, parts[0])
		}
		key := feature.SortKey{Field: f}
		if len(parts) > 1 {
			switch strings.ToUpper(parts[1]) {
			case "ASC", "A":
			case "DESC", "D":
				key.Descending = true
			default:
				return nil, ows.Errorf(ows.InvalidParameterValue, "sortBy", "sort order %q is not ASC or DESC", parts[1])
			}
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// collection streams one GetFeature response.
type collection struct {
	svc    *Service
	req    *request
	format outputFormat
	plans  []*plan
	w      http.ResponseWriter
	base   string

	bw      *bufio.Writer
	started bool
	dec     geom.Decoder
	buf     []byte
	gw      gml.Writer
	// first is true until the first GeoJSON feature is written.
	first bool
	// lockID is the lock of a GetFeatureWithLock response, written on the collection.
	lockID string
}

func (c *collection) run(ctx context.Context, rd feature.Reader) error {
	json := c.format.json
	// Several queries share COUNT and STARTINDEX, which needs their counts first.
	needCounts := c.req.hits || (!json && c.req.version == V200) || len(c.plans) > 1
	if needCounts {
		for _, p := range c.plans {
			n, err := rd.Count(ctx, p.q)
			if err != nil {
				return err
			}
			p.matched = n
			p.returned = returnedOf(n, p.q)
		}
		if len(c.plans) > 1 {
			sharePaging(c.plans, c.req.startIndex)
		}
	}
	if c.req.hits {
		return c.writeHits()
	}
	if c.req.byID {
		return c.runByID(ctx, rd)
	}

	for _, p := range c.plans {
		c.gw = gml.Writer{Version: c.format.gml, Coords: p.coords}
		var count int64
		opened := false
		err := rd.Features(ctx, p.q, func(row *feature.Row) error {
			if !c.started {
				c.start()
			}
			if !opened {
				c.beginQuery(p)
				opened = true
			}
			count++
			return c.feature(p, row)
		})
		if err != nil {
			if c.started {
				c.svc.log.Error("wfs: GetFeature failed while streaming", "err", err, "layer", p.layer.Name)
				return errStreamAborted
			}
			return err
		}
		if !json && c.req.version == V200 && count != p.returned {
			c.svc.log.Warn("wfs: feature count changed during the request", "layer", p.layer.Name, "counted", p.returned, "written", count)
		}
		p.returned = count
		if !c.started {
			c.start()
		}
		if !opened {
			c.beginQuery(p)
		}
		c.endQuery()
	}
	// A page that came back full may have more features after it: count them so that
	// GeoJSON can report numberMatched and link the next page.
	if json && !needCounts {
		for _, p := range c.plans {
			if p.q.Limit >= 0 && p.returned >= int64(p.q.Limit) || p.q.Offset > 0 && p.returned == 0 {
				n, err := rd.Count(ctx, p.q)
				if err != nil {
					c.svc.log.Error("wfs: count after GeoJSON features failed", "err", err)
					return errStreamAborted
				}
				p.matched = n
			} else {
				p.matched = int64(p.q.Offset) + p.returned
			}
		}
	}
	c.end()
	if err := c.bw.Flush(); err != nil {
		return errStreamAborted
	}
	// The connection may serve further requests: lift the deadline of the last write.
	_ = http.NewResponseController(c.w).SetWriteDeadline(time.Time{})
	return nil
}

// sharePaging applies STARTINDEX and the limit to the concatenated results of the
// queries, in order, as WFS defines them for the whole response: STARTINDEX skips
// features of the first queries before those of the next ones, and COUNT bounds the sum.
// Each plan's query must still carry the whole request's limit, and matched its count.
func sharePaging(plans []*plan, startIndex int) {
	skip := int64(startIndex)
	remaining := int64(plans[0].q.Limit)
	for _, p := range plans {
		offset := min(skip, p.matched)
		skip -= offset
		p.q.Offset = int(offset)
		if remaining >= 0 {
			p.q.Limit = int(min(remaining, p.matched-offset))
			remaining -= int64(p.q.Limit)
		}
		p.returned = returnedOf(p.matched, p.q)
	}
}

// returnedOf is the number of features a query returns when n match.
func returnedOf(n int64, q *feature.Query) int64 {
	r := n - int64(q.Offset)
	if r < 0 {
		r = 0
	}
	if q.Limit >= 0 && r > int64(q.Limit) {
		r = int64(q.Limit)
	}
	return r
}

func (c *collection) totals() (matched, returned int64) {
	for _, p := range c.plans {
		matched += p.matched
		returned += p.returned
	}
	return matched, returned
}

func (c *collection) start() {
	c.started = true
	h := c.w.Header()
	h.Set("Content-Type", c.format.contentType)
	c.w.WriteHeader(http.StatusOK)
	c.bw = bufio.NewWriterSize(stallWriter{w: c.w, rc: http.NewResponseController(c.w), timeout: c.svc.cfg.Server.StallTimeout}, 64<<10)
	c.first = true
	if c.format.json {
		c.bw.WriteString(`{"type":"FeatureCollection","features":[`)
		return
	}
	c.bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	c.bw.WriteString(c.rootOpen())
}

func timeStamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05Z") }

// rootOpen returns the start tag of the wfs:FeatureCollection.
func (c *collection) rootOpen() string {
	s := c.svc
	var b strings.Builder
	names := c.typeNamesParam()
	switch c.req.version {
	case V200:
		matched, returned := c.totals()
		b.WriteString(`<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"`)
		b.WriteString(` xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`)
		b.WriteString(` xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd http://www.opengis.net/gml/3.2 http://schemas.opengis.net/gml/3.2.1/gml.xsd `)
		b.WriteString(ows.EscapeXML(s.nsURI() + " " + c.base + "?SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=" + names))
		b.WriteString(`" timeStamp="` + timeStamp() + `" numberMatched="` + strconv.FormatInt(matched, 10) + `" numberReturned="` + strconv.FormatInt(returned, 10) + `"`)
		b.WriteString(c.lockAttr())
		if next, prev := c.pageLinks(matched, returned); next != "" || prev != "" {
			if next != "" {
				b.WriteString(` next="` + ows.EscapeXML(next) + `"`)
			}
			if prev != "" {
				b.WriteString(` previous="` + ows.EscapeXML(prev) + `"`)
			}
		}
		b.WriteString(">\n")
	case V110:
		b.WriteString(`<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" xmlns:gml="http://www.opengis.net/gml"`)
		b.WriteString(` xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`)
		wfsSchema := "http://schemas.opengis.net/wfs/1.1.0/wfs.xsd"
		if c.format.gml == gml.GML2 {
			wfsSchema = "http://schemas.opengis.net/wfs/1.0.0/WFS-basic.xsd"
		}
		b.WriteString(` xsi:schemaLocation="http://www.opengis.net/wfs ` + wfsSchema + ` `)
		b.WriteString(ows.EscapeXML(s.nsURI() + " " + c.base + "?SERVICE=WFS&VERSION=1.1.0&REQUEST=DescribeFeatureType&TYPENAME=" + names + "&OUTPUTFORMAT=" + dftFormatParam(c.format)))
		b.WriteString(`"` + c.lockAttr())
		if c.format.gml == gml.GML2 {
			// The WFS 1.0 collection that GML 2 output uses has no timeStamp attribute.
			b.WriteString(`>` + "\n<gml:boundedBy><gml:null>unknown</gml:null></gml:boundedBy>\n")
		} else {
			b.WriteString(` timeStamp="` + timeStamp() + `">` + "\n")
		}
	default:
		b.WriteString(`<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" xmlns:gml="http://www.opengis.net/gml"`)
		b.WriteString(` xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`)
		b.WriteString(` xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.0.0/WFS-basic.xsd `)
		b.WriteString(ows.EscapeXML(s.nsURI() + " " + c.base + "?SERVICE=WFS&VERSION=1.0.0&REQUEST=DescribeFeatureType&TYPENAME=" + names))
		b.WriteString(`"` + c.lockAttr() + `>` + "\n<gml:boundedBy><gml:null>unknown</gml:null></gml:boundedBy>\n")
	}
	return b.String()
}

// dftFormatParam returns the OUTPUTFORMAT of the DescribeFeatureType request that
// describes a WFS 1.1 response, escaped for a query string.
func dftFormatParam(f outputFormat) string {
	if f.gml == gml.GML2 {
		return url.QueryEscape("text/xml; subtype=gml/2.1.2")
	}
	return url.QueryEscape("text/xml; subtype=gml/3.1.1")
}

func (c *collection) typeNamesParam() string {
	var names []string
	seen := map[string]bool{}
	for _, p := range c.plans {
		if !seen[p.layer.Name] {
			seen[p.layer.Name] = true
			names = append(names, c.svc.qualified(p.layer))
		}
	}
	return url.QueryEscape(strings.Join(names, ","))
}

// pageLinks returns the next and previous pages of a paged KVP request. STARTINDEX and
// the limit belong to the whole response, so the links page through every query.
func (c *collection) pageLinks(matched, returned int64) (next, prev string) {
	limit := c.svc.limit(c.req.count)
	if c.req.kvp == nil || limit < 0 {
		return "", ""
	}
	start := int64(c.req.startIndex)
	if start+returned < matched && limit > 0 {
		next = pageURL(c.base, c.req.kvp, int(start)+limit, limit)
	}
	if start > 0 {
		p := start - int64(limit)
		if p < 0 {
			p = 0
		}
		prev = pageURL(c.base, c.req.kvp, int(p), limit)
	}
	return next, prev
}

// beginQuery opens the nested collection of one query in a WFS 2.0 response with
// several queries.
func (c *collection) beginQuery(p *plan) {
	if c.format.json || c.req.version != V200 || len(c.plans) < 2 {
		return
	}
	c.bw.WriteString(`<wfs:member><wfs:FeatureCollection timeStamp="` + timeStamp() + `" numberMatched="` +
		strconv.FormatInt(p.matched, 10) + `" numberReturned="` + strconv.FormatInt(p.returned, 10) + `">` + "\n")
}

func (c *collection) endQuery() {
	if c.format.json || c.req.version != V200 || len(c.plans) < 2 {
		return
	}
	c.bw.WriteString("</wfs:FeatureCollection></wfs:member>\n")
}

func (c *collection) end() {
	if c.format.json {
		matched, returned := c.totals()
		c.bw.WriteString(`],"numberMatched":` + strconv.FormatInt(matched, 10) + `,"numberReturned":` + strconv.FormatInt(returned, 10))
		c.bw.WriteString(`,"timeStamp":"` + timeStamp() + `"`)
		if len(c.plans) == 1 && c.plans[0].srs.SRID != crs.SRID84 {
			c.bw.WriteString(`,"crs":{"type":"name","properties":{"name":"` + c.plans[0].srs.In(crs.FormURN).String() + `"}}`)
		}
		next, prev := c.pageLinks(matched, returned)
		if next != "" || prev != "" {
			linkType, _, _ := strings.Cut(c.format.contentType, ";")
			c.bw.WriteString(`,"links":[`)
			sep := ""
			if next != "" {
				c.bw.WriteString(`{"rel":"next","type":"` + linkType + `","href":` + jsonString(next) + `}`)
				sep = ","
			}
			if prev != "" {
				c.bw.WriteString(sep + `{"rel":"previous","type":"` + linkType + `","href":` + jsonString(prev) + `}`)
			}
			c.bw.WriteString("]")
		}
		c.bw.WriteString("}\n")
		return
	}
	c.bw.WriteString("</wfs:FeatureCollection>\n")
}

func (c *collection) writeHits() error {
	matched, _ := c.totals()
	h := c.w.Header()
	if c.format.json {
		h.Set("Content-Type", c.format.contentType)
		c.w.WriteHeader(http.StatusOK)
		_, err := c.w.Write([]byte(`{"type":"FeatureCollection","features":[],"numberMatched":` + strconv.FormatInt(matched, 10) + `,"numberReturned":0,"timeStamp":"` + timeStamp() + `"}` + "\n"))
		if err != nil {
			return errStreamAborted
		}
		return nil
	}
	h.Set("Content-Type", "application/xml; charset=UTF-8")
	c.w.WriteHeader(http.StatusOK)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if c.req.version == V200 {
		b.WriteString(`<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"`)
		b.WriteString(` timeStamp="` + timeStamp() + `" numberMatched="` + strconv.FormatInt(matched, 10) + `" numberReturned="0"/>` + "\n")
	} else {
		b.WriteString(`<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/wfs http://schemas.opengis.net/wfs/1.1.0/wfs.xsd"`)
		b.WriteString(` timeStamp="` + timeStamp() + `" numberOfFeatures="` + strconv.FormatInt(matched, 10) + `"/>` + "\n")
	}
	if _, err := c.w.Write([]byte(b.String())); err != nil {
		return errStreamAborted
	}
	return nil
}

// feature writes one feature.
func (c *collection) feature(p *plan, row *feature.Row) error {
	b := c.buf[:0]
	if c.format.json {
		if !c.first {
			b = append(b, ',')
		}
		c.first = false
		var err error
		b, err = c.appendJSONFeature(b, p, row)
		if err != nil {
			return err
		}
	} else {
		member := "<gml:featureMember>"
		if c.req.version == V200 {
			member = "<wfs:member>"
		}
		b = append(b, member...)
		var err error
		b, err = c.appendGMLFeature(b, p, row, false)
		if err != nil {
			return err
		}
		if c.req.version == V200 {
			b = append(b, "</wfs:member>\n"...)
		} else {
			b = append(b, "</gml:featureMember>\n"...)
		}
	}
	c.buf = b
	_, err := c.bw.Write(b)
	return err
}

// appendGMLFeature writes the feature element; root adds the namespace declarations a
// feature needs when it is the document root (GetFeatureById).
func (c *collection) appendGMLFeature(b []byte, p *plan, row *feature.Row, root bool) ([]byte, error) {
	s := c.svc
	prefix := s.prefix()
	id := p.layer.FeatureID(string(row.Key))
	b = append(b, '<')
	b = append(b, prefix...)
	b = append(b, ':')
	b = append(b, p.layer.Name...)
	if root {
		b = append(b, ` xmlns:`+prefix+`="`+ows.EscapeXML(s.nsURI())+`" xmlns:gml="http://www.opengis.net/gml/3.2"`...)
	}
	if c.format.gml == gml.GML2 {
		b = append(b, ` fid="`...)
	} else {
		b = append(b, ` gml:id="`...)
	}
	b = append(b, id...)
	b = append(b, `">`...)
	for i, f := range p.fields {
		v := row.Values[i]
		if v == nil {
			continue
		}
		b = append(b, '<')
		b = append(b, prefix...)
		b = append(b, ':')
		b = append(b, f.XMLName...)
		b = append(b, '>')
		b = appendXMLText(b, v)
		b = append(b, "</"...)
		b = append(b, prefix...)
		b = append(b, ':')
		b = append(b, f.XMLName...)
		b = append(b, '>')
	}
	if row.Geometry != nil {
		if err := c.dec.Decode(row.Geometry); err != nil {
			return b, err
		}
		b = append(b, '<')
		b = append(b, prefix...)
		b = append(b, ':')
		b = append(b, p.layer.GeomElement...)
		b = append(b, '>')
		b = c.gw.Append(b, &c.dec, p.srs.String(), id+".geom")
		b = append(b, "</"...)
		b = append(b, prefix...)
		b = append(b, ':')
		b = append(b, p.layer.GeomElement...)
		b = append(b, '>')
	}
	b = append(b, "</"...)
	b = append(b, prefix...)
	b = append(b, ':')
	b = append(b, p.layer.Name...)
	b = append(b, '>')
	return b, nil
}

func (c *collection) appendJSONFeature(b []byte, p *plan, row *feature.Row) ([]byte, error) {
	b = append(b, `{"type":"Feature","id":"`...)
	b = append(b, p.layer.Name...)
	b = append(b, '.')
	b = append(b, row.Key...)
	b = append(b, `","geometry":`...)
	if row.Geometry == nil {
		b = append(b, "null"...)
	} else {
		if err := c.dec.Decode(row.Geometry); err != nil {
			return b, err
		}
		b = gml.AppendGeoJSON(b, &c.dec, p.coords.Decimals)
	}
	b = append(b, `,"properties":{`...)
	for i, f := range p.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Column)
		b = append(b, ':')
		b = appendJSONValue(b, f.Kind, row.Values[i])
	}
	return append(b, "}}"...), nil
}

// stallWriter gives each write to the client its own deadline, so that a client that
// stops reading cannot hold a database connection for longer than the timeout.
type stallWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (s stallWriter) Write(p []byte) (int, error) {
	if s.timeout > 0 {
		// An error means the writer cannot take deadlines (a test recorder): write anyway.
		_ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	return s.w.Write(p)
}

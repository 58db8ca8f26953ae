package wfs

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/ows"
)

// request is a parsed WFS request, from KVP or XML.
type request struct {
	version   string
	operation string
	// kvp holds the original parameters of a KVP request, for paging links; nil for XML.
	kvp ows.KVP

	// DescribeFeatureType: the types asked for (all when empty).
	typeNames    []*feature.Layer
	outputFormat string

	// GetFeature.
	queries    []*query
	count      int // -1 when the request sets none
	startIndex int
	hits       bool
	// byID is set for the GetFeatureById stored query: one bare feature is returned.
	byID bool

	// DescribeStoredQueries.
	storedQueryIDs []string

	// LockFeature and GetFeatureWithLock.
	lock lockParams

	// GetPropertyValue: the property whose values are returned.
	valueReference string
	// CreateStoredQuery and DropStoredQuery.
	storedQueryDefs   []feature.StoredQuery
	dropStoredQueryID string
	// storedQueryCalls are the created stored queries a GetFeature names; their
	// definitions are read from the database when the request runs.
	storedQueryCalls []storedQueryCall

	// Transaction, parsed from XML only.
	transaction *feature.Transaction
}

// query is one query of a GetFeature request.
type query struct {
	layers []*feature.Layer
	// filter as parsed; nil selects every feature. BBOX and ResourceId parameters land here.
	filter     filter.Node
	srs        crs.Name
	srsGiven   bool
	properties []string
	sortBy     string
}

// typeNameLocator returns the name of the type parameter in the version's spelling.
func typeNameLocator(version string) string {
	if version == V200 {
		return "typeNames"
	}
	return "typeName"
}

func (s *Service) parseKVP(kvp ows.KVP) (*request, error) {
	req := &request{kvp: kvp, count: -1}
	service, ok := kvp.Get("SERVICE")
	op := kvp.Value("REQUEST")
	if !ok || service == "" {
		return req, ows.Errorf(ows.MissingParameterValue, "service", "the SERVICE parameter is missing")
	}
	if !strings.EqualFold(service, "WFS") {
		return req, ows.Errorf(ows.InvalidParameterValue, "service", "SERVICE=%s is not served here; this endpoint serves WFS", service)
	}
	if op == "" {
		return req, ows.Errorf(ows.MissingParameterValue, "request", "the REQUEST parameter is missing")
	}
	req.operation = canonicalOperation(op)
	if req.operation == "GetCapabilities" {
		v, err := negotiateVersion(kvp.Value("ACCEPTVERSIONS"), kvp.Value("VERSION"))
		req.version = v
		return req, err
	}
	v, err := checkVersion(kvp.Value("VERSION"))
	req.version = v
	if err != nil {
		return req, err
	}
	ns := parseNamespaces(kvp.Value("NAMESPACES") + kvp.Value("NAMESPACE"))

	switch req.operation {
	case "DescribeFeatureType":
		names := kvp.Value("TYPENAMES")
		if names == "" {
			names = kvp.Value("TYPENAME")
		}
		for _, n := range ows.SplitList(strings.NewReplacer("(", "", ")", ",").Replace(names)) {
			l, err := s.resolveType(n, ns, req.version)
			if err != nil {
				return req, err
			}
			req.typeNames = append(req.typeNames, l)
		}
		req.outputFormat = kvp.Value("OUTPUTFORMAT")
	case "GetFeature":
		err = s.parseGetFeatureKVP(req, kvp, ns)
	case "GetFeatureWithLock":
		err = s.parseLockParams(req, kvp.Value("EXPIRY"), kvp.Value("LOCKACTION"), "")
		if err == nil {
			err = s.parseGetFeatureKVP(req, kvp, ns)
		}
	case "LockFeature":
		err = s.parseLockFeatureKVP(req, kvp, ns)
	case "GetPropertyValue":
		err = s.parseGetPropertyValueKVP(req, kvp, ns)
	case "DropStoredQuery":
		req.dropStoredQueryID = kvp.Value("STOREDQUERY_ID")
	case "DescribeStoredQueries":
		req.storedQueryIDs = ows.SplitList(kvp.Value("STOREDQUERY_ID"))
	}
	return req, err
}

// canonicalOperation maps the operation name to its standard spelling; names are
// matched without regard to case, as several clients send them in lower case.
func canonicalOperation(op string) string {
	for _, name := range []string{"GetCapabilities", "DescribeFeatureType", "GetFeature", "GetPropertyValue",
		"ListStoredQueries", "DescribeStoredQueries", "CreateStoredQuery", "DropStoredQuery",
		"Transaction", "LockFeature", "GetFeatureWithLock", "GetGmlObject"} {
		if strings.EqualFold(op, name) {
			return name
		}
	}
	return op
}

// negotiateVersion picks the version of a GetCapabilities response: the first of
// ACCEPTVERSIONS that the server supports, else VERSION when supported, else the newest.
func negotiateVersion(accept, version string) (string, error) {
	if accept != "" {
		for _, v := range ows.SplitList(accept) {
			if n, ok := normaliseVersion(v); ok {
				return n, nil
			}
		}
		return V200, ows.Errorf(ows.VersionNegotiationFailed, "acceptVersions", "none of the versions %q is supported; this server speaks 2.0.0, 1.1.0 and 1.0.0", accept)
	}
	if n, ok := normaliseVersion(version); ok {
		return n, nil
	}
	return V200, nil
}

func normaliseVersion(v string) (string, bool) {
	switch strings.TrimSpace(v) {
	case "2.0.0", "2.0.2", "2.0":
		return V200, true
	case "1.1.0", "1.1":
		return V110, true
	case "1.0.0", "1.0":
		return V100, true
	}
	return "", false
}

func checkVersion(v string) (string, error) {
	if v == "" {
		return V200, ows.Errorf(ows.MissingParameterValue, "version", "the VERSION parameter is missing")
	}
	n, ok := normaliseVersion(v)
	if !ok {
		return V200, ows.Errorf(ows.InvalidParameterValue, "version", "version %q is not supported; use 2.0.0, 1.1.0 or 1.0.0", v)
	}
	return n, nil
}

// parseNamespaces reads NAMESPACES=xmlns(p,uri),xmlns(q,uri) (WFS 2.0) and
// NAMESPACE=xmlns(p=uri) (WFS 1.1).
func parseNamespaces(s string) map[string]string {
	ns := map[string]string{}
	for {
		i := strings.Index(s, "xmlns(")
		if i < 0 {
			return ns
		}
		s = s[i+len("xmlns("):]
		j := strings.IndexByte(s, ')')
		if j < 0 {
			return ns
		}
		body := s[:j]
		s = s[j+1:]
		sep := strings.IndexAny(body, ",=")
		if sep < 0 {
			ns[""] = body
			continue
		}
		ns[body[:sep]] = body[sep+1:]
	}
}

// resolveType finds the layer a type name designates. A prefix matches through the
// namespace bindings of the request, or the server's own prefix when the request binds
// none; {uri}local names the namespace itself; an unprefixed name matches by local name.
func (s *Service) resolveType(name string, ns map[string]string, version string) (*feature.Layer, error) {
	locator := typeNameLocator(version)
	name = strings.TrimSpace(name)
	local := name
	if strings.HasPrefix(name, "{") {
		uri, rest, _ := strings.Cut(name[1:], "}")
		if uri != s.nsURI() {
			return nil, ows.Errorf(ows.InvalidParameterValue, locator, "feature type %q is not served", name)
		}
		local = rest
	} else if prefix, rest, found := strings.Cut(name, ":"); found {
		if prefix == "" || rest == "" {
			return nil, ows.Errorf(ows.InvalidParameterValue, locator, "type name %q is not a valid qualified name", name)
		}
		uri, bound := ns[prefix]
		switch {
		case bound && uri != s.nsURI():
			return nil, ows.Errorf(ows.InvalidParameterValue, locator, "feature type %q is not served: its namespace %q is not %q", name, uri, s.nsURI())
		case !bound && prefix != s.prefix():
			return nil, ows.Errorf(ows.InvalidParameterValue, locator, "feature type %q is not served: prefix %q is not bound; use %s or NAMESPACES", name, prefix, s.prefix())
		}
		local = rest
	}
	l, ok := s.catalog.Layer(local)
	if !ok {
		return nil, ows.Errorf(ows.InvalidParameterValue, locator, "feature type %q is not served here", name)
	}
	return l, nil
}

// splitGroups splits "(a)(b)" into ["a", "b"]; a value without parentheses is one group.
func splitGroups(s string) []string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			if depth == 0 {
				start = i + 1
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				out = append(out, s[start:i])
			}
		}
	}
	return out
}

func (s *Service) parseGetFeatureKVP(req *request, kvp ows.KVP, ns map[string]string) error {
	if id := kvp.Value("STOREDQUERY_ID"); id != "" {
		return s.parseStoredQueryKVP(req, kvp, ns, id)
	}
	if err := parsePaging(req, kvp.Value("COUNT"), kvp.Value("MAXFEATURES"), kvp.Value("STARTINDEX"), kvp.Value("RESULTTYPE")); err != nil {
		return err
	}
	if err := checkResolve(kvp.Value("RESOLVE"), kvp.Value("RESOLVEDEPTH"), kvp.Value("RESOLVETIMEOUT")); err != nil {
		return err
	}
	req.outputFormat = kvp.Value("OUTPUTFORMAT")

	typeNames := kvp.Value("TYPENAMES")
	if typeNames == "" {
		typeNames = kvp.Value("TYPENAME")
	}
	resourceIDs := kvp.Value("RESOURCEID")
	if resourceIDs == "" {
		resourceIDs = kvp.Value("FEATUREID")
	}
	bbox, filterText, cqlText := kvp.Value("BBOX"), kvp.Value("FILTER"), kvp.Value("CQL_FILTER")
	if q := strings.TrimSpace(kvp.Value("QUERY")); filterText == "" && strings.HasPrefix(q, "<") {
		// OWSLib 0.27 sends the filter of a WFS 2.0 GET in a QUERY parameter, which no
		// standard defines. Reading it as FILTER beats returning unfiltered features.
		filterText = q
	}
	if err := checkFilterLanguage(kvp.Value("FILTER_LANGUAGE")); err != nil {
		return err
	}
	given := 0
	for _, v := range []string{bbox, filterText, cqlText, resourceIDs} {
		if v != "" {
			given++
		}
	}
	if given > 1 {
		return ows.Errorf(ows.InvalidParameterValue, "filter", "BBOX, FILTER, CQL_FILTER and RESOURCEID are mutually exclusive")
	}

	var srs crs.Name
	srsGiven := false
	srsName := kvp.Value("SRSNAME")
	if srsName == "" && req.version == V100 {
		// WFS 1.0 has no SRSNAME; clients that reproject with it send SRS.
		srsName = kvp.Value("SRS")
	}
	if v := srsName; v != "" {
		n, err := s.parseCRS(v, "srsName")
		if err != nil {
			return err
		}
		srs, srsGiven = n, true
	}

	groups := splitGroups(typeNames)
	if len(groups) == 0 && resourceIDs == "" {
		return ows.Errorf(ows.MissingParameterValue, typeNameLocator(req.version), "the %s parameter is missing", strings.ToUpper(typeNameLocator(req.version)))
	}
	if len(groups) == 0 {
		return s.resourceIDQueries(req, ows.SplitList(resourceIDs), srs, srsGiven, kvp.Value("PROPERTYNAME"))
	}
	// A comma list without parentheses asks for each type in turn, as clients expect.
	if len(groups) == 1 && strings.Contains(groups[0], ",") {
		groups = ows.SplitList(groups[0])
	}
	filters := splitGroups(filterText)
	cqlFilters := splitCQL(cqlText)
	props := splitGroups(kvp.Value("PROPERTYNAME"))
	sorts := splitGroups(kvp.Value("SORTBY"))
	layers := make([]*feature.Layer, len(groups))
	for i, g := range groups {
		l, err := s.resolveType(g, ns, req.version)
		if err != nil {
			return err
		}
		layers[i] = l
	}
	for i, l := range layers {
		var err error
		q := &query{layers: []*feature.Layer{l}, srs: srs, srsGiven: srsGiven}
		if i < len(props) {
			q.properties = ows.SplitList(props[i])
		} else if len(props) == 1 {
			q.properties = ows.SplitList(props[0])
		}
		if i < len(sorts) {
			q.sortBy = sorts[i]
		} else if len(sorts) == 1 {
			q.sortBy = sorts[0]
		}
		switch {
		case bbox != "":
			q.filter, err = s.parseBBox(req.version, bbox, l, srs, srsGiven)
		case filterText != "":
			ft := filterText
			if i < len(filters) {
				ft = filters[i]
			} else if len(filters) > 1 {
				return ows.Errorf(ows.InvalidParameterValue, "filter", "FILTER lists %d filters for %d types", len(filters), len(groups))
			} else if len(filters) == 1 {
				ft = filters[0]
			}
			q.filter, err = s.parseFilterText(ft, l, srs, srsGiven, req.version)
		case cqlText != "":
			q.filter, err = s.cqlFilterFor(cqlFilters, i, len(groups), l)
		case resourceIDs != "":
			// An identifier may name any requested type; each query keeps the ones of its own.
			q.filter, err = s.resourceIDFilter(ows.SplitList(resourceIDs), layers)
		}
		if err != nil {
			return err
		}
		req.queries = append(req.queries, q)
	}
	return nil
}

func parsePaging(req *request, count, maxFeatures, startIndex, resultType string) error {
	if count == "" {
		count = maxFeatures
	}
	if count != "" {
		n, err := nonNegative(count)
		if err != nil {
			return ows.Errorf(ows.InvalidParameterValue, "count", "COUNT=%q %v", count, err)
		}
		req.count = n
	}
	if startIndex != "" {
		n, err := nonNegative(startIndex)
		if err != nil {
			return ows.Errorf(ows.InvalidParameterValue, "startIndex", "STARTINDEX=%q %v", startIndex, err)
		}
		req.startIndex = n
	}
	switch strings.ToLower(resultType) {
	case "", "results":
	case "hits":
		req.hits = true
	default:
		return ows.Errorf(ows.InvalidParameterValue, "resultType", "RESULTTYPE=%q is not results or hits", resultType)
	}
	return nil
}

// nonNegative reads a non-negative integer parameter; its error completes a sentence
// that starts with the parameter.
func nonNegative(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(v), "-"):
		return 0, fmt.Errorf("is larger than %d, the largest value the server reads", math.MaxInt)
	case err != nil || n < 0:
		return 0, errors.New("is not a non-negative integer")
	}
	return n, nil
}

// checkResolve checks the resolve parameters of WFS 2.0: RESOLVE, RESOLVEDEPTH and
// RESOLVETIMEOUT. The published features hold no references to other resources, so
// valid values change nothing, but a value outside the standard's is an error.
func checkResolve(resolve, depth, timeout string) error {
	switch v := resolve; strings.ToLower(v) {
	case "", "local", "remote", "all", "none":
	default:
		return ows.Errorf(ows.InvalidParameterValue, "resolve", "RESOLVE=%q is not local, remote, all or none", v)
	}
	if v := strings.TrimSpace(depth); v != "" && v != "*" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return ows.Errorf(ows.InvalidParameterValue, "resolveDepth", "RESOLVEDEPTH=%q is not a non-negative integer or *", v)
		}
	}
	if v := strings.TrimSpace(timeout); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return ows.Errorf(ows.InvalidParameterValue, "resolveTimeout", "RESOLVETIMEOUT=%q is not a non-negative number of seconds", v)
		}
	}
	return nil
}

// parseCRS reads a CRS name and checks that the database knows the code.
func (s *Service) parseCRS(v, locator string) (crs.Name, error) {
	n, err := crs.Parse(v)
	if err != nil {
		return crs.Name{}, ows.Errorf(ows.InvalidParameterValue, locator, "unknown CRS %q", v)
	}
	_, ok, err := s.crs.Lookup(n.SRID)
	if err != nil {
		return crs.Name{}, err
	}
	if !ok {
		return crs.Name{}, ows.Errorf(ows.InvalidParameterValue, locator, "unknown CRS %q", v)
	}
	return n, nil
}

// parseBBox reads the KVP BBOX: minx,miny,maxx,maxy[,crs] in the axis order of the CRS
// spelling for WFS 1.1 and 2.0, and always x/y for WFS 1.0. Without a CRS the box is in
// the query's srsName, else in the layer's native CRS.
func (s *Service) parseBBox(version, v string, l *feature.Layer, srs crs.Name, srsGiven bool) (filter.Node, error) {
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 5 {
		return nil, ows.Errorf(ows.InvalidParameterValue, "bbox", "BBOX=%q needs four numbers and an optional CRS", v)
	}
	var c [4]float64
	for i := 0; i < 4; i++ {
		f, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		if err != nil {
			return nil, ows.Errorf(ows.InvalidParameterValue, "bbox", "BBOX value %q is not a number", parts[i])
		}
		c[i] = f
	}
	name := crs.Name{SRID: l.SRID, Form: crs.FormShort}
	if srsGiven {
		name = srs
	}
	if len(parts) == 5 {
		n, err := s.parseCRS(strings.TrimSpace(parts[4]), "bbox")
		if err != nil {
			return nil, err
		}
		name = n
	}
	swap := false
	if version != V100 {
		var err error
		if swap, err = s.crs.Swap(name); err != nil {
			return nil, err
		}
	}
	if swap {
		c[0], c[1], c[2], c[3] = c[1], c[0], c[3], c[2]
	}
	if c[0] > c[2] || c[1] > c[3] {
		return nil, ows.Errorf(ows.InvalidParameterValue, "bbox", "BBOX=%q has its lower corner above or right of its upper corner", v)
	}
	return filter.BBox{MinX: c[0], MinY: c[1], MaxX: c[2], MaxY: c[3], SRID: name.SRID}, nil
}

// parseFilterText reads a FILTER parameter value (FES 2.0 or Filter 1.x XML).
func (s *Service) parseFilterText(text string, l *feature.Layer, srs crs.Name, srsGiven bool, version string) (filter.Node, error) {
	doc, err := ows.ParseXML(strings.NewReader(text))
	if err != nil {
		e := ows.AsException(err)
		e.Locator = "filter"
		if e.Code == ows.OperationParsingFailed {
			e.Code = ows.InvalidParameterValue
		}
		return nil, e
	}
	return s.parseFilterElement(doc, l, srs, srsGiven, version)
}

// parseFilterElement reads a filter. A GML envelope without srsName is in the query's
// srsName, else in the layer's default CRS. WFS 1.1 and 2.0 capabilities advertise that
// CRS in its URN form, so an EPSG:4326 envelope without srsName is latitude first, as
// GDAL 3.6 writes the boxes of ogrinfo -spat.
func (s *Service) parseFilterElement(doc *ows.Element, l *feature.Layer, srs crs.Name, srsGiven bool, version string) (filter.Node, error) {
	def := crs.Name{SRID: l.SRID, Form: crs.FormURN}
	if srsGiven {
		def = srs
	}
	defSwap := false
	if version != V100 {
		defSwap, _ = s.crs.Swap(def)
	}
	n, err := filter.ParseXML(doc, filter.CRSResolver(s.crs, def.SRID, defSwap))
	if err != nil {
		return nil, err
	}
	if ids, ok := n.(filter.ResourceID); ok {
		return s.resourceIDFilter(ids.IDs, []*feature.Layer{l})
	}
	if err := checkProperties(l, n, "filter"); err != nil {
		return nil, err
	}
	return n, nil
}

// resourceIDFilter checks that every id names one of the layers and has an integer key.
func (s *Service) resourceIDFilter(ids []string, layers []*feature.Layer) (filter.Node, error) {
	for _, id := range ids {
		name, key, ok := strings.Cut(id, ".")
		if !ok {
			return nil, ows.Errorf(ows.InvalidParameterValue, "resourceId", "identifier %q is not of the form type.number", id)
		}
		match := false
		for _, l := range layers {
			if l.Name == name {
				match = true
			}
		}
		if !match {
			return nil, ows.Errorf(ows.InvalidParameterValue, "resourceId", "identifier %q does not belong to the requested feature types", id)
		}
		if _, err := strconv.ParseInt(key, 10, 64); err != nil {
			return nil, ows.Errorf(ows.InvalidParameterValue, "resourceId", "identifier %q does not end with an integer key", id)
		}
	}
	return filter.ResourceID{IDs: ids}, nil
}

// resourceIDQueries builds one query per type that the identifiers name, in the order
// the types first appear.
func (s *Service) resourceIDQueries(req *request, ids []string, srs crs.Name, srsGiven bool, props string) error {
	var order []*feature.Layer
	byLayer := map[*feature.Layer][]string{}
	for _, id := range ids {
		name, _, _ := strings.Cut(id, ".")
		l, ok := s.catalog.Layer(name)
		if !ok {
			return ows.Errorf(ows.InvalidParameterValue, "resourceId", "identifier %q names no served feature type", id)
		}
		if _, seen := byLayer[l]; !seen {
			order = append(order, l)
		}
		byLayer[l] = append(byLayer[l], id)
	}
	for _, l := range order {
		f, err := s.resourceIDFilter(byLayer[l], []*feature.Layer{l})
		if err != nil {
			return err
		}
		req.queries = append(req.queries, &query{layers: []*feature.Layer{l}, filter: f, srs: srs, srsGiven: srsGiven, properties: ows.SplitList(props)})
	}
	return nil
}

// pageURL returns the KVP request again with STARTINDEX (and COUNT) changed.
func pageURL(base string, kvp ows.KVP, start, count int) string {
	v := url.Values{}
	for k, val := range kvp {
		switch k {
		case "STARTINDEX", "COUNT", "MAXFEATURES":
			continue
		}
		v.Set(k, val)
	}
	v.Set("STARTINDEX", strconv.Itoa(start))
	v.Set("COUNT", strconv.Itoa(count))
	return base + "?" + v.Encode()
}

package wfs

import (
	"strings"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/ows"
)

// parseXML reads an XML POST request document.
func (s *Service) parseXML(doc *ows.Element) (*request, error) {
	req := &request{operation: doc.Local, count: -1}
	if svc, ok := doc.AttrValue("service"); ok && !strings.EqualFold(svc, "WFS") {
		return req, ows.Errorf(ows.InvalidParameterValue, "service", "service=%q is not served here; this endpoint serves WFS", svc)
	}
	if req.operation == "GetCapabilities" {
		var accept []string
		if av := doc.Child("AcceptVersions"); av != nil {
			for _, v := range av.Children {
				accept = append(accept, v.TrimText())
			}
		}
		version, _ := doc.AttrValue("version")
		v, err := negotiateVersion(strings.Join(accept, ","), version)
		req.version = v
		return req, err
	}
	version, _ := doc.AttrValue("version")
	if version == "" {
		version = versionFromNamespace(doc.Space)
	}
	v, err := checkVersion(version)
	req.version = v
	if err != nil {
		return req, err
	}

	switch req.operation {
	case "DescribeFeatureType":
		for _, c := range doc.Children {
			if c.Local == "TypeName" {
				l, err := s.resolveElementType(c, c.TrimText(), req.version)
				if err != nil {
					return req, err
				}
				req.typeNames = append(req.typeNames, l)
			}
		}
		req.outputFormat, _ = doc.AttrValue("outputFormat")
	case "GetFeature":
		err = s.parseGetFeatureXML(req, doc)
	case "GetFeatureWithLock":
		expiry, _ := doc.AttrValue("expiry")
		action, _ := doc.AttrValue("lockAction")
		err = s.parseLockParams(req, expiry, action, "")
		if err == nil {
			err = s.parseGetFeatureXML(req, doc)
		}
	case "LockFeature":
		err = s.parseLockFeatureXML(req, doc)
	case "Transaction":
		if !s.transactionsEnabled() {
			return req, ows.Errorf(ows.OperationNotSupported, "request", "Transaction is not enabled on this server (wfs.transactions is off)")
		}
		err = s.parseTransactionXML(req, doc)
	case "GetPropertyValue":
		err = s.parseGetPropertyValueXML(req, doc)
	case "CreateStoredQuery":
		err = s.parseCreateStoredQueryXML(req, doc)
	case "DropStoredQuery":
		req.dropStoredQueryID, _ = doc.AttrValue("id")
	case "DescribeStoredQueries":
		for _, c := range doc.Children {
			if c.Local == "StoredQueryId" {
				req.storedQueryIDs = append(req.storedQueryIDs, c.TrimText())
			}
		}
	}
	return req, err
}

func versionFromNamespace(ns string) string {
	switch ns {
	case "http://www.opengis.net/wfs/2.0":
		return V200
	case "http://www.opengis.net/wfs":
		return V110
	}
	return ""
}

// resolveElementType resolves a type name written in an XML request, with the
// namespace bindings in scope at that element.
func (s *Service) resolveElementType(e *ows.Element, name, version string) (*feature.Layer, error) {
	name = strings.TrimSpace(name)
	uri, local, prefixed, ok := e.ResolveQName(name)
	if !prefixed {
		// An unprefixed name matches by local name, whatever the default namespace.
		return s.resolveType(local, nil, version)
	}
	if !ok {
		// OWSLib 0.27 writes typenames="net:duct" without declaring the prefix. An
		// undeclared prefix is read as in a KVP request: only the server's own prefix
		// names its namespace.
		return s.resolveType(name, nil, version)
	}
	// The prefix is only a binding: the namespace URI it stands for must be the server's.
	prefix, _, _ := strings.Cut(name, ":")
	return s.resolveType(name, map[string]string{prefix: uri}, version)
}

func (s *Service) parseGetFeatureXML(req *request, doc *ows.Element) error {
	count, _ := doc.AttrValue("count")
	maxFeatures, _ := doc.AttrValue("maxFeatures")
	start, _ := doc.AttrValue("startIndex")
	resultType, _ := doc.AttrValue("resultType")
	if err := parsePaging(req, count, maxFeatures, start, resultType); err != nil {
		return err
	}
	resolve, _ := doc.AttrValue("resolve")
	depth, _ := doc.AttrValue("resolveDepth")
	timeout, _ := doc.AttrValue("resolveTimeout")
	if err := checkResolve(resolve, depth, timeout); err != nil {
		return err
	}
	req.outputFormat, _ = doc.AttrValue("outputFormat")
	if req.outputFormat == "" {
		// OWSLib 0.27 writes the attribute in lower case.
		req.outputFormat, _ = doc.AttrValue("outputformat")
	}
	for _, c := range doc.Children {
		switch c.Local {
		case "Query":
			q, err := s.parseQueryXML(req, c)
			if err != nil {
				return err
			}
			req.queries = append(req.queries, q)
		case "StoredQuery":
			if err := s.storedQueryElement(req, c); err != nil {
				return err
			}
		}
	}
	if len(req.queries) == 0 && len(req.storedQueryCalls) == 0 {
		return ows.Errorf(ows.MissingParameterValue, typeNameLocator(req.version), "GetFeature holds no Query")
	}
	return nil
}

func (s *Service) parseQueryXML(req *request, e *ows.Element) (*query, error) {
	names, ok := e.AttrValue("typeNames")
	if !ok {
		names, ok = e.AttrValue("typeName")
	}
	if !ok {
		// OWSLib 0.27 writes the attribute in lower case.
		names, _ = e.AttrValue("typenames")
	}
	list := strings.Fields(strings.NewReplacer(",", " ", "(", " ", ")", " ").Replace(names))
	if len(list) == 0 {
		return nil, ows.Errorf(ows.MissingParameterValue, typeNameLocator(req.version), "a Query has no type name")
	}
	if len(list) > 1 {
		return nil, ows.Errorf(ows.OperationProcessingFailed, typeNameLocator(req.version), "join queries over several types are not supported; send one Query per type")
	}
	l, err := s.resolveElementType(e, list[0], req.version)
	if err != nil {
		return nil, err
	}
	q := &query{layers: []*feature.Layer{l}}
	if v, ok := e.AttrValue("srsName"); ok && v != "" {
		n, err := s.parseCRS(v, "srsName")
		if err != nil {
			return nil, err
		}
		q.srs, q.srsGiven = n, true
	}
	var sorts []string
	for _, c := range e.Children {
		switch c.Local {
		case "PropertyName", "ValueReference":
			q.properties = append(q.properties, c.TrimText())
		case "Filter":
			f, err := s.parseFilterElement(c, l, q.srs, q.srsGiven, req.version)
			if err != nil {
				return nil, err
			}
			q.filter = f
		case "SortBy":
			for _, p := range c.Children {
				if p.Local != "SortProperty" {
					continue
				}
				name, order := "", ""
				for _, x := range p.Children {
					switch x.Local {
					case "ValueReference", "PropertyName":
						name = x.TrimText()
					case "SortOrder":
						order = x.TrimText()
					}
				}
				sorts = append(sorts, strings.TrimSpace(name+" "+order))
			}
		}
	}
	q.sortBy = strings.Join(sorts, ",")
	return q, nil
}

// defaultSRS returns the CRS a query's features are written in when it names none.
func (s *Service) defaultSRS(version string, l *feature.Layer, format outputFormat) crs.Name {
	if format.json {
		return crs.Name{SRID: crs.SRID84, Form: crs.FormCRS84}
	}
	switch version {
	case V100:
		return crs.Name{SRID: l.SRID, Form: crs.FormGMLHTTP}
	default:
		return crs.Name{SRID: l.SRID, Form: crs.FormURN}
	}
}

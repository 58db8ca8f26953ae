package wfs

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/filter"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// parseGetPropertyValueKVP reads a GetPropertyValue KVP request: the parameters of
// GetFeature and VALUEREFERENCE.
func (s *Service) parseGetPropertyValueKVP(req *request, kvp ows.KVP, ns map[string]string) error {
	req.valueReference = strings.TrimSpace(kvp.Value("VALUEREFERENCE"))
	if req.valueReference == "" {
		return ows.Errorf(ows.MissingParameterValue, "valueReference", "GetPropertyValue needs the VALUEREFERENCE parameter")
	}
	return s.parseGetFeatureKVP(req, kvp, ns)
}

// parseGetPropertyValueXML reads a wfs:GetPropertyValue document, which holds one query
// like a GetFeature and the valueReference attribute.
func (s *Service) parseGetPropertyValueXML(req *request, doc *ows.Element) error {
	v, _ := doc.AttrValue("valueReference")
	req.valueReference = strings.TrimSpace(v)
	if req.valueReference == "" {
		return ows.Errorf(ows.MissingParameterValue, "valueReference", "GetPropertyValue needs the valueReference attribute")
	}
	return s.parseGetFeatureXML(req, doc)
}

// valueOf is the target of a valueReference: a field, the geometry or the feature
// identifier (@gml:id).
type valueOf struct {
	field    *feature.Field
	geometry bool
	id       bool
	name     string
}

// resolveValueReference reads a valueReference as a property of l: a name with or
// without a namespace prefix, optionally after the type name (duct/code), or @gml:id.
func resolveValueReference(l *feature.Layer, ref string) (valueOf, error) {
	steps := strings.Split(strings.TrimPrefix(ref, "/"), "/")
	for i, st := range steps {
		if j := strings.LastIndexByte(st, ':'); j >= 0 && !strings.HasPrefix(st, "@") {
			steps[i] = st[j+1:]
		}
	}
	if len(steps) == 2 && steps[0] == l.Name {
		steps = steps[1:]
	}
	name := strings.Join(steps, "/")
	switch {
	case name == "@gml:id" || name == "@id":
		return valueOf{id: true, name: name}, nil
	case l.IsGeometry(name):
		return valueOf{geometry: true, name: l.GeomElement}, nil
	}
	if f, ok := l.Field(name); ok {
		return valueOf{field: f, name: f.XMLName}, nil
	}
	return valueOf{}, ows.Errorf(ows.InvalidParameterValue, "valueReference", "%s has no property %q", l.Name, ref)
}

// getPropertyValue writes the wfs:ValueCollection of a GetPropertyValue request: one wfs:member
// per feature with a value, holding the value as text, or the geometry as GML 3.2.
// Features whose value is NULL are left out, so numberMatched counts the features that
// have one.
func (s *Service) getPropertyValue(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) error {
	if err := s.expandStoredQueries(ctx, req); err != nil {
		return err
	}
	if len(req.queries) != 1 {
		return ows.Errorf(ows.InvalidParameterValue, typeNameLocator(req.version), "GetPropertyValue takes exactly one query, found %d", len(req.queries))
	}
	format, err := resolveFormat(req.version, req.outputFormat)
	if err != nil {
		return err
	}
	if format.json || format.gml != gml.GML32 {
		return ows.Errorf(ows.InvalidParameterValue, "outputFormat", "GetPropertyValue writes %s only", formatsV200[0])
	}
	q := *req.queries[0]
	l := q.layers[0]
	v, err := resolveValueReference(l, req.valueReference)
	if err != nil {
		return err
	}
	if !v.id {
		q.properties = []string{v.name}
		q.filter = filter.Conjoin(q.filter, filter.Not{Child: filter.IsNull{Property: v.name}})
	}
	p, err := s.planValues(req, &q, format, v)
	if err != nil {
		return err
	}
	return s.store.Read(ctx, func(rd feature.Reader) error {
		matched, err := rd.Count(ctx, p.q)
		if err != nil {
			return err
		}
		return s.writeValues(ctx, w, rd, p, v, matched, returnedOf(matched, p.q))
	})
}

// planValues plans the query of a GetPropertyValue: the selected property only (none for
// @gml:id).
func (s *Service) planValues(req *request, q *query, format outputFormat, v valueOf) (*plan, error) {
	if v.id {
		q.properties = nil
		p, err := s.plan(req, q, format)
		if err != nil {
			return nil, err
		}
		p.q.Fields, p.q.NoGeometry, p.fields = []*feature.Field{}, true, nil
		return p, nil
	}
	return s.plan(req, q, format)
}

func (s *Service) writeValues(ctx context.Context, w http.ResponseWriter, rd feature.Reader, p *plan, v valueOf, matched, returned int64) error {
	w.Header().Set("Content-Type", "application/gml+xml; version=3.2")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	bw.WriteString(`<wfs:ValueCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2"`)
	bw.WriteString(` xmlns:` + s.prefix() + `="` + ows.EscapeXML(s.nsURI()) + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`)
	bw.WriteString(` xsi:schemaLocation="http://www.opengis.net/wfs/2.0 http://schemas.opengis.net/wfs/2.0/wfs.xsd"`)
	bw.WriteString(` timeStamp="` + timeStamp() + `" numberMatched="` + strconv.FormatInt(matched, 10) + `" numberReturned="` + strconv.FormatInt(returned, 10) + `">` + "\n")
	gw := gml.Writer{Version: gml.GML32, Coords: p.coords}
	var dec geom.Decoder
	var buf []byte
	err := rd.Features(ctx, p.q, func(row *feature.Row) error {
		b := append(buf[:0], "<wfs:member>"...)
		switch {
		case v.id:
			b = appendXMLText(b, []byte(p.layer.FeatureID(string(row.Key))))
		case v.geometry:
			if err := dec.Decode(row.Geometry); err != nil {
				return err
			}
			b = gw.Append(b, &dec, p.srs.String(), p.layer.FeatureID(string(row.Key))+".geom")
		default:
			b = appendXMLText(b, row.Values[0])
		}
		b = append(b, "</wfs:member>\n"...)
		buf = b
		_, err := bw.Write(b)
		return err
	})
	if err != nil {
		s.log.Error("wfs: GetPropertyValue failed while streaming", "err", err, "layer", p.layer.Name)
		return errStreamAborted
	}
	bw.WriteString("</wfs:ValueCollection>\n")
	if err := bw.Flush(); err != nil {
		return errStreamAborted
	}
	return nil
}

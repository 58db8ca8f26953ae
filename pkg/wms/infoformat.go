package wms

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/feature"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// infoFormat is a GetFeatureInfo output format.
type infoFormat int

const (
	infoText infoFormat = iota
	infoHTML
	infoJSON
	infoGML2
	infoGML3
)

func parseInfoFormat(raw string) (infoFormat, error) {
	f := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(raw), " ", ""))
	switch f {
	case "", "text/plain":
		return infoText, nil
	case "text/html":
		return infoHTML, nil
	case "application/json", "application/geo+json", "json", "geojson":
		return infoJSON, nil
	case "application/vnd.ogc.gml", "text/xml", "gml", "gml2", "application/vnd.ogc.gml/2.1.2":
		return infoGML2, nil
	case "application/vnd.ogc.gml/3.1.1", "text/xml;subtype=gml/3.1.1", "gml3":
		return infoGML3, nil
	}
	return infoText, ows.Errorf(codeInvalidFormat, "INFO_FORMAT", "INFO_FORMAT %q is not supported: use %s", raw, strings.Join(infoFormats, ", "))
}

func (s *Service) writeInfo(w http.ResponseWriter, f infoFormat, req *request, v *mapView, answers []infoLayer) error {
	var body []byte
	var contentType string
	var err error
	switch f {
	case infoHTML:
		body, contentType = infoAsHTML(answers), "text/html; charset=UTF-8"
	case infoJSON:
		body, err = s.infoAsJSON(answers, v)
		contentType = "application/json"
	case infoGML2, infoGML3:
		body, err = s.infoAsGML(answers, v, f)
		contentType = "application/vnd.ogc.gml; charset=UTF-8"
		if f == infoGML3 {
			contentType = "application/vnd.ogc.gml/3.1.1; charset=UTF-8"
		}
	default:
		body, contentType = infoAsText(answers), "text/plain; charset=UTF-8"
	}
	if err != nil {
		return ows.Internal(err)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
	return nil
}

func infoAsText(answers []infoLayer) []byte {
	var b strings.Builder
	for _, a := range answers {
		fmt.Fprintf(&b, "Layer '%s' (%s)\n", a.name, a.title)
		if len(a.features) == 0 {
			b.WriteString("  no feature found\n")
		}
		for _, f := range a.features {
			fmt.Fprintf(&b, "  Feature %s\n", f.layer.FeatureID(f.key))
			for i, fld := range f.layer.Fields {
				val := "(null)"
				if f.values[i] != nil {
					val = *f.values[i]
				}
				fmt.Fprintf(&b, "    %s = %s\n", fld.Column, val)
			}
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func infoAsHTML(answers []infoLayer) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Feature information</title>\n")
	b.WriteString("<style>table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;font:12px sans-serif}caption{font:bold 13px sans-serif;text-align:left}</style>\n</head><body>\n")
	for _, a := range answers {
		if len(a.features) == 0 {
			continue
		}
		for _, f := range a.features {
			fmt.Fprintf(&b, "<table><caption>%s: %s</caption>\n", html.EscapeString(a.title), html.EscapeString(f.layer.FeatureID(f.key)))
			for i, fld := range f.layer.Fields {
				val := ""
				if f.values[i] != nil {
					val = *f.values[i]
				}
				fmt.Fprintf(&b, "<tr><th>%s</th><td>%s</td></tr>\n", html.EscapeString(fld.Column), html.EscapeString(val))
			}
			b.WriteString("</table>\n")
		}
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

// infoAsJSON writes a GeoJSON feature collection. Geometries are in the map's CRS, x/y
// (easting or longitude first); a crs member names the CRS unless it is EPSG:4326.
func (s *Service) infoAsJSON(answers []infoLayer, v *mapView) ([]byte, error) {
	decimals := s.decimals(v)
	var dec geom.Decoder
	buf := []byte(`{"type":"FeatureCollection"`)
	if v.srid != 4326 {
		name := crs.Name{SRID: v.srid, Form: crs.FormURN}.String()
		buf = append(buf, `,"crs":{"type":"name","properties":{"name":`...)
		buf = strconv.AppendQuote(buf, name)
		buf = append(buf, `}}`...)
	}
	buf = append(buf, `,"features":[`...)
	first := true
	for _, a := range answers {
		for _, f := range a.features {
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, `{"type":"Feature","id":`...)
			buf = strconv.AppendQuote(buf, f.layer.FeatureID(f.key))
			buf = append(buf, `,"layer":`...)
			buf = strconv.AppendQuote(buf, a.name)
			buf = append(buf, `,"geometry":`...)
			if f.wkb == nil || dec.Decode(f.wkb) != nil {
				buf = append(buf, "null"...)
			} else {
				buf = gml.AppendGeoJSON(buf, &dec, decimals)
			}
			buf = append(buf, `,"properties":{`...)
			for i, fld := range f.layer.Fields {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = strconv.AppendQuote(buf, fld.Column)
				buf = append(buf, ':')
				buf = appendJSONValue(buf, f.values[i], fld.Kind)
			}
			buf = append(buf, "}}"...)
		}
	}
	buf = append(buf, "]}"...)
	if !json.Valid(buf) {
		return nil, fmt.Errorf("wms: GetFeatureInfo wrote invalid JSON")
	}
	return buf, nil
}

// appendJSONValue writes a value read as text: numbers and booleans as JSON numbers
// and booleans, the rest as strings.
func appendJSONValue(buf []byte, v *string, kind feature.Kind) []byte {
	if v == nil {
		return append(buf, "null"...)
	}
	if kind.Numeric() {
		if _, err := strconv.ParseFloat(*v, 64); err == nil {
			return append(buf, *v...)
		}
	}
	if kind == feature.KindBool && (*v == "true" || *v == "false") {
		return append(buf, *v...)
	}
	b, _ := json.Marshal(*v)
	return append(buf, b...)
}

func (s *Service) decimals(v *mapView) int {
	if v.geographic {
		return s.cfg.WFS.DecimalsDegrees
	}
	return s.cfg.WFS.DecimalsMetres
}

// infoAsGML writes a wfs:FeatureCollection of GML 2 (the format MapServer and GeoServer
// answer for application/vnd.ogc.gml) or GML 3.1.1, with one gml:featureMember per
// feature in the service namespace.
func (s *Service) infoAsGML(answers []infoLayer, v *mapView, f infoFormat) ([]byte, error) {
	prefix, uri := s.cfg.Service.NamespacePrefix, s.cfg.Service.NamespaceURI
	w := gml.Writer{Version: gml.GML2, Coords: gml.Coords{Decimals: s.decimals(v)}}
	srsName := crs.Name{SRID: v.srid, Form: crs.FormGMLHTTP}.String()
	if f == infoGML3 {
		w.Version = gml.GML31
		srsName = crs.Name{SRID: v.srid, Form: crs.FormShort}.String()
	}
	var dec geom.Decoder
	buf := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf = append(buf, `<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs" xmlns:gml="http://www.opengis.net/gml" xmlns:`...)
	buf = append(buf, prefix+`="`+ows.EscapeXML(uri)+`">`+"\n"...)
	for _, a := range answers {
		for _, ft := range a.features {
			l := ft.layer
			buf = append(buf, "<gml:featureMember><"+prefix+":"+l.Name...)
			if f == infoGML3 {
				buf = append(buf, ` gml:id="`...)
			} else {
				buf = append(buf, ` fid="`...)
			}
			buf = append(buf, ows.EscapeXML(l.FeatureID(ft.key))+`">`...)
			for i, fld := range l.Fields {
				if ft.values[i] == nil {
					continue
				}
				buf = append(buf, "<"+prefix+":"+fld.XMLName+">"...)
				buf = append(buf, ows.EscapeXML(*ft.values[i])...)
				buf = append(buf, "</"+prefix+":"+fld.XMLName+">"...)
			}
			if ft.wkb != nil && dec.Decode(ft.wkb) == nil {
				buf = append(buf, "<"+prefix+":"+l.GeomElement+">"...)
				buf = w.Append(buf, &dec, srsName, "")
				buf = append(buf, "</"+prefix+":"+l.GeomElement+">"...)
			}
			buf = append(buf, "</"+prefix+":"+l.Name+"></gml:featureMember>\n"...)
		}
	}
	buf = append(buf, "</wfs:FeatureCollection>\n"...)
	return buf, nil
}

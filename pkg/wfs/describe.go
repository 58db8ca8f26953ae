package wfs

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// describeFeatureType writes the XML Schema of the requested feature types, for the GML
// version of the request: 3.2 for WFS 2.0, 3.1.1 for WFS 1.1 (2.1.2 on request), 2.1.2
// for WFS 1.0.
func (s *Service) describeFeatureType(w http.ResponseWriter, req *request) error {
	version, err := dftVersion(req.version, req.outputFormat)
	if err != nil {
		return err
	}
	layers := req.typeNames
	if len(layers) == 0 {
		layers = s.catalog.Layers
	}
	gmlNS, gmlSchema, base, group := "http://www.opengis.net/gml/3.2", "http://schemas.opengis.net/gml/3.2.1/gml.xsd", "gml:AbstractFeatureType", "gml:AbstractFeature"
	contentType := "application/gml+xml; version=3.2"
	switch version {
	case gml.GML31:
		gmlNS, gmlSchema, group = "http://www.opengis.net/gml", "http://schemas.opengis.net/gml/3.1.1/base/gml.xsd", "gml:_Feature"
		contentType = "text/xml; subtype=gml/3.1.1"
	case gml.GML2:
		gmlNS, gmlSchema, group = "http://www.opengis.net/gml", "http://schemas.opengis.net/gml/2.1.2/feature.xsd", "gml:_Feature"
		contentType = "text/xml; subtype=gml/2.1.2"
	}
	b := &capsWriter{}
	b.line(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.line(`<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:gml="`, gmlNS, `" xmlns:`, s.prefix(), `="`, esc(s.nsURI()), `"`,
		` targetNamespace="`, esc(s.nsURI()), `" elementFormDefault="qualified" version="1.0">`)
	b.line(`  <xsd:import namespace="`, gmlNS, `" schemaLocation="`, gmlSchema, `"/>`)
	for _, l := range layers {
		b.line(`  <xsd:complexType name="`, l.Name, `Type">`)
		b.line(`    <xsd:complexContent>`)
		b.line(`      <xsd:extension base="`, base, `">`)
		b.line(`        <xsd:sequence>`)
		for _, f := range l.Fields {
			b.line(`          <xsd:element name="`, esc(f.XMLName), `" type="xsd:`, f.Kind.XSDType(), `" minOccurs="0" nillable="true"/>`)
		}
		b.line(`          <xsd:element name="`, esc(l.GeomElement), `" type="`, geometryPropertyType(version, l.GeometryType), `" minOccurs="0" nillable="true"/>`)
		if version != gml.GML2 {
			// GML 3 has no property type for a plain LineString or Polygon; GDAL reads this
			// comment to narrow Curve and Surface to the type the column really holds.
			b.line(`          <!-- restricted to `, l.GeometryType, `; srsName="urn:ogc:def:crs:EPSG::`, strconv.Itoa(l.SRID), `" -->`)
		}
		b.line(`        </xsd:sequence>`)
		b.line(`      </xsd:extension>`)
		b.line(`    </xsd:complexContent>`)
		b.line(`  </xsd:complexType>`)
		b.line(`  <xsd:element name="`, l.Name, `" type="`, s.prefix(), `:`, l.Name, `Type" substitutionGroup="`, group, `"/>`)
	}
	b.line(`</xsd:schema>`)
	if req.version == V100 {
		contentType = "text/xml; charset=UTF-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(b.String())); err != nil {
		return errStreamAborted
	}
	return nil
}

func dftVersion(version, format string) (gml.Version, error) {
	key := strings.ToLower(strings.Join(strings.Fields(format), ""))
	switch {
	case key == "":
		switch version {
		case V100:
			return gml.GML2, nil
		case V110:
			return gml.GML31, nil
		}
		return gml.GML32, nil
	case key == "xmlschema" || strings.Contains(key, "gml/2.1.2") || key == "gml2":
		return gml.GML2, nil
	case strings.Contains(key, "gml/3.1.1") || key == "gml3":
		return gml.GML31, nil
	case strings.Contains(key, "version=3.2") || strings.Contains(key, "gml/3.2") || key == "application/gml+xml":
		return gml.GML32, nil
	}
	return 0, ows.Errorf(ows.InvalidParameterValue, "outputFormat", "schema format %q is not offered", format)
}

// geometryPropertyType returns the GML property type of a geometry column, matching the
// elements GetFeature writes.
func geometryPropertyType(v gml.Version, geometryType string) string {
	if v == gml.GML2 {
		switch geometryType {
		case "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon":
			return "gml:" + geometryType + "PropertyType"
		}
		return "gml:GeometryPropertyType"
	}
	switch geometryType {
	case "Point":
		return "gml:PointPropertyType"
	case "LineString":
		return "gml:CurvePropertyType"
	case "Polygon":
		return "gml:SurfacePropertyType"
	case "MultiPoint":
		return "gml:MultiPointPropertyType"
	case "MultiLineString":
		return "gml:MultiCurvePropertyType"
	case "MultiPolygon":
		return "gml:MultiSurfacePropertyType"
	}
	return "gml:GeometryPropertyType"
}

package wfs_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestException_CodesAndStatus(t *testing.T) {
	srv := start(t)
	cases := []struct {
		name, query   string
		status        int
		code, locator string
	}{
		{"unknown operation", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeatur", http.StatusNotImplemented, "OperationNotSupported", "request"},
		{"missing REQUEST", "SERVICE=WFS&VERSION=2.0.0", http.StatusBadRequest, "MissingParameterValue", "request"},
		{"missing SERVICE", "VERSION=2.0.0&REQUEST=GetCapabilities", http.StatusBadRequest, "MissingParameterValue", "service"},
		{"other SERVICE", "SERVICE=WMS&VERSION=2.0.0&REQUEST=GetCapabilities", http.StatusBadRequest, "InvalidParameterValue", "service"},
		{"missing VERSION", "SERVICE=WFS&REQUEST=GetFeature&TYPENAMES=net:duct", http.StatusBadRequest, "MissingParameterValue", "version"},
		{"unknown VERSION", "SERVICE=WFS&VERSION=3.0.0&REQUEST=GetFeature&TYPENAMES=net:duct", http.StatusBadRequest, "InvalidParameterValue", "version"},
		{"no accepted version", "SERVICE=WFS&REQUEST=GetCapabilities&ACCEPTVERSIONS=9.9.9", http.StatusBadRequest, "VersionNegotiationFailed", "acceptVersions"},
		{"missing TYPENAMES", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature", http.StatusBadRequest, "MissingParameterValue", "typeNames"},
		{"1.1 missing TYPENAME", "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature", http.StatusBadRequest, "MissingParameterValue", "typeName"},
		{"unknown type", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:nope", http.StatusBadRequest, "InvalidParameterValue", "typeNames"},
		{"negative COUNT", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=-1", http.StatusBadRequest, "InvalidParameterValue", "count"},
		{"COUNT not a number", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=ten", http.StatusBadRequest, "InvalidParameterValue", "count"},
		{"negative STARTINDEX", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&STARTINDEX=-3", http.StatusBadRequest, "InvalidParameterValue", "startIndex"},
		{"unknown output format", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&OUTPUTFORMAT=image/png", http.StatusBadRequest, "InvalidParameterValue", "outputFormat"},
		{"output format with a semicolon", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&OUTPUTFORMAT=text/xml;%20subtype=gml/9", http.StatusBadRequest, "InvalidParameterValue", "outputFormat"},
		{"unknown property", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&PROPERTYNAME=nope", http.StatusBadRequest, "InvalidParameterValue", "propertyName"},
		{"unknown sort property", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&SORTBY=nope", http.StatusBadRequest, "InvalidParameterValue", "sortBy"},
		{"bad sort order", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&SORTBY=code%20UP", http.StatusBadRequest, "InvalidParameterValue", "sortBy"},
		{"BBOX and FILTER", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&BBOX=0,0,1,1&FILTER=%3CFilter/%3E", http.StatusBadRequest, "InvalidParameterValue", "filter"},
		{"FILTER not XML", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&FILTER=%3Cfes:Filter", http.StatusBadRequest, "InvalidParameterValue", "filter"},
		{"literal of the wrong type", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&FILTER=" +
			"%3CFilter%3E%3CPropertyIsEqualTo%3E%3CValueReference%3Einner_diameter_mm%3C/ValueReference%3E%3CLiteral%3Ewide%3C/Literal%3E%3C/PropertyIsEqualTo%3E%3C/Filter%3E",
			http.StatusBadRequest, "InvalidParameterValue", "filter"},
		{"bad percent-encoding", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct%zz", http.StatusBadRequest, "OperationParsingFailed", "TYPENAMES"},
		{"stored query in 1.1", "SERVICE=WFS&VERSION=1.1.0&REQUEST=ListStoredQueries", http.StatusNotImplemented, "OperationNotSupported", "request"},
		{"transaction", "SERVICE=WFS&VERSION=2.0.0&REQUEST=Transaction", http.StatusNotImplemented, "OperationNotSupported", "request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectException(t, get(t, srv, c.query), c.status, c.code, c.locator)
		})
	}
}

func TestException_ReportPerVersion(t *testing.T) {
	srv := start(t)
	cases := []struct {
		version, rootSpace, rootName, reportVersion string
	}{
		{"2.0.0", nsOWS11, "ExceptionReport", "2.0.0"},
		{"1.1.0", nsOWS10, "ExceptionReport", "1.1.0"},
		{"1.0.0", nsOGC, "ServiceExceptionReport", "1.2.0"},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			r := get(t, srv, "SERVICE=WFS&REQUEST=GetFeature&VERSION="+c.version+"&"+typeNamesParam(c.version)+"=net:nope")
			rep := expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", locatorOfTypeNames(c.version))
			if !rep.root.is(c.rootSpace, c.rootName) {
				t.Errorf("root is {%s}%s, want {%s}%s", rep.root.XMLName.Space, rep.root.XMLName.Local, c.rootSpace, c.rootName)
			}
			if v, _ := rep.root.attr("version"); v != c.reportVersion {
				t.Errorf("report version = %q, want %q", v, c.reportVersion)
			}
		})
	}
}

func TestException_EscapesEcho(t *testing.T) {
	srv := start(t)
	for _, version := range []string{"2.0.0", "1.1.0", "1.0.0"} {
		t.Run(version, func(t *testing.T) {
			r := get(t, srv, "SERVICE=WFS&REQUEST=GetFeature&VERSION="+version+"&"+typeNamesParam(version)+"=%3Cb%3Ex%3C/b%3E%26%22")
			if strings.Contains(string(r.body), "<b>") {
				t.Errorf("the report echoes markup from the request unescaped:\n%s", r.body)
			}
			rep := expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", locatorOfTypeNames(version))
			if !strings.Contains(rep.text, "<b>x</b>&") {
				t.Errorf("exception text %q does not name the type as sent", rep.text)
			}
		})
	}
}

// locatorOfTypeNames returns the locator of the type list parameter in a version.
func locatorOfTypeNames(version string) string {
	if version == "2.0.0" {
		return "typeNames"
	}
	return "typeName"
}

func TestException_XMLPost(t *testing.T) {
	srv := start(t)
	cases := []struct{ name, body, code string }{
		{"truncated", `<wfs:GetFeature`, "OperationParsingFailed"},
		{"unclosed element", `<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"><wfs:Query typeNames="duct"/>`, "OperationParsingFailed"},
		{"not XML", `SERVICE=WFS`, "OperationParsingFailed"},
		{"empty", ``, "OperationParsingFailed"},
		{"undeclared element prefix", `<wfs:GetFeature service="WFS" version="2.0.0"><wfs:Query typeNames="duct"/></wfs:GetFeature>`, "OperationParsingFailed"},
		{"document type declaration", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0"/>`, "OperationParsingFailed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, contentType := range []string{"text/xml", "application/xml"} {
				expectException(t, post(t, srv, contentType, c.body), http.StatusBadRequest, c.code, "")
			}
		})
	}
	t.Run("GetFeature without Query", func(t *testing.T) {
		r := post(t, srv, "text/xml", `<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"/>`)
		expectException(t, r, http.StatusBadRequest, "MissingParameterValue", "typeNames")
	})
	t.Run("unknown operation", func(t *testing.T) {
		r := post(t, srv, "text/xml", `<wfs:GetGmlObject service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"/>`)
		expectException(t, r, http.StatusNotImplemented, "OperationNotSupported", "request")
	})
}

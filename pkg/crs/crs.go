// Package crs parses the names that OGC clients give to coordinate reference systems and
// decides, for each spelling, the order in which coordinates are written.
//
// Axis order follows the convention that GDAL, QGIS and GeoServer share: the URN forms
// (urn:ogc:def:crs:EPSG::n, urn:x-ogc:def:crs:EPSG:n) and the OGC http form
// (http://www.opengis.net/def/crs/EPSG/0/n) use the axis order of the EPSG definition, so
// latitude comes first for EPSG:4326; the short form EPSG:n and the legacy
// http://www.opengis.net/gml/srs/epsg.xml#n form always use x/y (easting or longitude first);
// CRS:84 and OGC:CRS84 are longitude/latitude.
package crs

import (
	"fmt"
	"strconv"
	"strings"
)

// Form is one spelling of a CRS name.
type Form int

// The spellings that clients send and that the server writes back.
const (
	FormShort   Form = iota // EPSG:4326
	FormURN                 // urn:ogc:def:crs:EPSG::4326
	FormURNX                // urn:x-ogc:def:crs:EPSG:4326
	FormHTTP                // http://www.opengis.net/def/crs/EPSG/0/4326
	FormGMLHTTP             // http://www.opengis.net/gml/srs/epsg.xml#4326
	FormCRS84               // CRS:84 and its URN and http spellings
)

// SRID84 is the PostGIS SRID used for CRS84: the same datum as EPSG:4326 with
// longitude/latitude order.
const SRID84 = 4326

// Name is a parsed CRS name: the EPSG code that PostGIS uses and the spelling it came in.
type Name struct {
	SRID int
	Form Form
}

// Parse reads a CRS name in any of the supported spellings. It does not check that the
// code exists; Registry.Lookup does that.
func Parse(s string) (Name, error) {
	t := strings.TrimSpace(s)
	l := strings.ToLower(t)
	switch l {
	case "crs:84", "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84",
		"http://www.opengis.net/def/crs/ogc/1.3/crs84", "ogc:crs84":
		return Name{SRID: SRID84, Form: FormCRS84}, nil
	}
	prefixes := []struct {
		prefix string
		form   Form
	}{
		{"epsg:", FormShort},
		{"urn:ogc:def:crs:epsg::", FormURN},
		{"urn:ogc:def:crs:epsg:", FormURN}, // with a version, as in urn:ogc:def:crs:EPSG:6.6:4326
		{"urn:x-ogc:def:crs:epsg:", FormURNX},
		{"http://www.opengis.net/def/crs/epsg/0/", FormHTTP},
		{"https://www.opengis.net/def/crs/epsg/0/", FormHTTP},
		{"http://www.opengis.net/gml/srs/epsg.xml#", FormGMLHTTP},
	}
	for _, p := range prefixes {
		if !strings.HasPrefix(l, p.prefix) {
			continue
		}
		code := l[len(p.prefix):]
		if p.form == FormURN || p.form == FormURNX {
			// A version may sit between the authority and the code: keep the last part.
			if i := strings.LastIndexByte(code, ':'); i >= 0 {
				code = code[i+1:]
			}
		}
		n, err := strconv.Atoi(code)
		if err != nil || n <= 0 {
			return Name{}, fmt.Errorf("crs: invalid EPSG code in %q", s)
		}
		return Name{SRID: n, Form: p.form}, nil
	}
	return Name{}, fmt.Errorf("crs: unknown CRS name %q", s)
}

// String writes the name back in its own spelling.
func (n Name) String() string {
	switch n.Form {
	case FormURN:
		return "urn:ogc:def:crs:EPSG::" + strconv.Itoa(n.SRID)
	case FormURNX:
		return "urn:x-ogc:def:crs:EPSG:" + strconv.Itoa(n.SRID)
	case FormHTTP:
		return "http://www.opengis.net/def/crs/EPSG/0/" + strconv.Itoa(n.SRID)
	case FormGMLHTTP:
		return "http://www.opengis.net/gml/srs/epsg.xml#" + strconv.Itoa(n.SRID)
	case FormCRS84:
		return "urn:ogc:def:crs:OGC:1.3:CRS84"
	default:
		return "EPSG:" + strconv.Itoa(n.SRID)
	}
}

// In returns the same CRS in another spelling.
func (n Name) In(f Form) Name {
	if n.Form == FormCRS84 {
		return n
	}
	return Name{SRID: n.SRID, Form: f}
}

// UsesAuthorityOrder reports whether coordinates for this spelling follow the axis order
// of the EPSG definition (true for the URN and OGC http forms) rather than x/y.
func (n Name) UsesAuthorityOrder() bool {
	return n.Form == FormURN || n.Form == FormURNX || n.Form == FormHTTP
}

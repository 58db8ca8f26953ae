package wfs

import (
	"strings"

	"github.com/fourreau/fourreau/pkg/gml"
	"github.com/fourreau/fourreau/pkg/ows"
)

// outputFormat is a GetFeature output format.
type outputFormat struct {
	json        bool
	gml         gml.Version
	contentType string
}

// Output format names as capabilities list them, per version.
var (
	formatsV200 = []string{"application/gml+xml; version=3.2", "text/xml; subtype=gml/3.2", "application/json", "application/geo+json"}
	formatsV110 = []string{"text/xml; subtype=gml/3.1.1", "text/xml; subtype=gml/2.1.2", "application/json", "application/geo+json"}
	formatsV100 = []string{"GML2", "application/json"}
)

func formatsOf(version string) []string {
	switch version {
	case V100:
		return formatsV100
	case V110:
		return formatsV110
	default:
		return formatsV200
	}
}

// resolveFormat maps the OUTPUTFORMAT value of a request to a format, or reports it as
// unsupported. The spellings that clients commonly send are accepted.
func resolveFormat(version, name string) (outputFormat, error) {
	key := strings.ToLower(strings.Join(strings.Fields(name), ""))
	key = strings.ReplaceAll(key, `"`, "")
	gml32 := outputFormat{gml: gml.GML32, contentType: "application/gml+xml; version=3.2"}
	gml31 := outputFormat{gml: gml.GML31, contentType: "text/xml; subtype=gml/3.1.1"}
	gml2 := outputFormat{gml: gml.GML2, contentType: "text/xml; subtype=gml/2.1.2"}
	switch key {
	case "":
		switch version {
		case V100:
			return gml2, nil
		case V110:
			return gml31, nil
		}
		return gml32, nil
	case "application/json", "json", "geojson":
		return outputFormat{json: true, contentType: "application/json; charset=UTF-8"}, nil
	case "application/geo+json", "application/geojson":
		// The second form is the first with its '+' decoded as a space, as happens when a
		// client leaves the '+' unescaped in a query string.
		return outputFormat{json: true, contentType: "application/geo+json"}, nil
	}
	switch version {
	case V200:
		switch key {
		case "application/gml+xml;version=3.2", "text/xml;subtype=gml/3.2", "text/xml;subtype=gml/3.2.1",
			"application/gml+xml", "gml32", "text/xml":
			return gml32, nil
		}
	case V110:
		switch key {
		case "text/xml;subtype=gml/3.1.1", "gml3", "text/xml":
			return gml31, nil
		case "text/xml;subtype=gml/2.1.2", "gml2":
			return gml2, nil
		}
	case V100:
		switch key {
		case "gml2", "text/xml;subtype=gml/2.1.2", "text/xml":
			return gml2, nil
		}
	}
	return outputFormat{}, ows.Errorf(ows.InvalidParameterValue, "outputFormat", "output format %q is not offered by WFS %s; capabilities list the formats", name, version)
}

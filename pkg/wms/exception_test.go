package wms_test

import (
	"encoding/xml"
	"image/color"
	"net/http"
	"strings"
	"testing"
)

// serviceException is a ServiceExceptionReport of either version.
type serviceException struct {
	XMLName    xml.Name
	Version    string `xml:"version,attr"`
	Exceptions []struct {
		Code    string `xml:"code,attr"`
		Locator string `xml:"locator,attr"`
		Text    string `xml:",chardata"`
	} `xml:"ServiceException"`
}

func parseException(t *testing.T, r response) serviceException {
	t.Helper()
	var e serviceException
	if err := xml.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("exception report: %v\n%s", err, clip(r.body))
	}
	if e.XMLName.Local != "ServiceExceptionReport" || len(e.Exceptions) != 1 {
		t.Fatalf("not a ServiceExceptionReport with one exception:\n%s", clip(r.body))
	}
	return e
}

// TestExceptions covers the codes, locators, versions and escaping of WMS exception
// reports.
func TestExceptions(t *testing.T) {
	srv := startServer(t)
	dir := ogcSchemas(t)
	v := fixtureView(64)
	cases := []struct {
		name, query         string
		code, locator       string
		status              int
		version111, inImage bool
	}{
		{"unknown layer", v.query(map[string]string{"LAYERS": "nope"}), "LayerNotDefined", "LAYERS", 400, false, false},
		{"unknown layer 1.1.1", v.query(map[string]string{"LAYERS": "nope", "VERSION": "1.1.1", "SRS": "EPSG:2154", "CRS": ""}), "LayerNotDefined", "", 400, true, false},
		{"unknown operation", "SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMapp", "OperationNotSupported", "REQUEST", 501, false, false},
		{"unknown CRS", v.query(map[string]string{"LAYERS": "test_lines", "CRS": "EPSG:999999"}), "InvalidCRS", "CRS", 400, false, false},
		{"unknown SRS 1.1.1", v.query(map[string]string{"LAYERS": "test_lines", "VERSION": "1.1.1", "SRS": "EPSG:999999", "CRS": ""}), "InvalidSRS", "", 400, true, false},
		{"unknown format", v.query(map[string]string{"LAYERS": "test_lines", "FORMAT": "image/gif"}), "InvalidFormat", "FORMAT", 400, false, false},
		{"unknown style", v.query(map[string]string{"LAYERS": "test_lines", "STYLES": "nope"}), "StyleNotDefined", "STYLES", 400, false, false},
		{"missing BBOX", strings.Replace(v.query(map[string]string{"LAYERS": "test_lines"}), "BBOX=", "XBBOX=", 1), "MissingParameterValue", "BBOX", 400, false, false},
		{"empty BBOX", v.query(map[string]string{"LAYERS": "test_lines", "BBOX": "10,10,5,20"}), "InvalidParameterValue", "BBOX", 400, false, false},
		{"too wide", v.query(map[string]string{"LAYERS": "test_lines", "WIDTH": "99999"}), "InvalidParameterValue", "WIDTH", 400, false, false},
		{"pixel outside", v.query(map[string]string{"REQUEST": "GetFeatureInfo", "LAYERS": "test_lines", "QUERY_LAYERS": "test_lines", "I": "64", "J": "3"}), "InvalidPoint", "I", 400, false, false},
		{"SLD by reference", v.query(map[string]string{"LAYERS": "test_lines", "SLD": "http://127.0.0.1:1/style.sld"}), "InvalidParameterValue", "SLD", 400, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, srv, c.query)
			if r.status != c.status {
				t.Errorf("status %d, want %d", r.status, c.status)
			}
			e := parseException(t, r)
			if got := e.Exceptions[0]; got.Code != c.code || got.Locator != c.locator {
				t.Errorf("code %q locator %q, want %q and %q: %s", got.Code, got.Locator, c.code, c.locator, got.Text)
			}
			if c.version111 {
				if e.Version != "1.1.1" || !strings.HasPrefix(r.contentType, "application/vnd.ogc.se_xml") {
					t.Errorf("version %q, content type %q", e.Version, r.contentType)
				}
				validateDTD(t, dir, r.body)
				return
			}
			if e.Version != "1.3.0" || !strings.HasPrefix(r.contentType, "text/xml") {
				t.Errorf("version %q, content type %q", e.Version, r.contentType)
			}
			validateSchema(t, dir, r.body, map[string]string{"http://www.opengis.net/ogc": "ogc/wms/1.3.0/exceptions_1_3_0.xsd"})
		})
	}
}

func TestExceptions_EscapeEchoedText(t *testing.T) {
	srv := startServer(t)
	r := get(t, srv, fixtureView(64).query(map[string]string{"LAYERS": "<b>x</b>"}))
	if strings.Contains(string(r.body), "<b>") || !strings.Contains(string(r.body), "&lt;b&gt;x&lt;/b&gt;") {
		t.Errorf("the layer name is not escaped in the report:\n%s", r.body)
	}
	parseException(t, r)
}

func TestExceptions_InImageAndBlank(t *testing.T) {
	srv := startServer(t)
	v := fixtureView(200)
	for _, ex := range []string{"INIMAGE", "application/vnd.ogc.se_inimage"} {
		r := get(t, srv, v.query(map[string]string{"LAYERS": "nope", "EXCEPTIONS": ex}))
		img := decodePNG(t, r)
		if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 200 {
			t.Errorf("%s: image %v, want 200x200", ex, b)
		}
		if blank(img) {
			t.Errorf("%s: the image holds no error text", ex)
		}
	}
	r := get(t, srv, v.query(map[string]string{"LAYERS": "nope", "EXCEPTIONS": "BLANK", "TRANSPARENT": "TRUE"}))
	checkEvery(t, "BLANK", decodePNG(t, r), func(c color.NRGBA) bool { return c.A == 0 })
	if r.status != http.StatusOK {
		t.Errorf("BLANK: status %d, want 200", r.status)
	}
	// A report that cannot be drawn, because the image size is itself wrong, is XML.
	r = get(t, srv, v.query(map[string]string{"LAYERS": "nope", "EXCEPTIONS": "INIMAGE", "WIDTH": "0"}))
	if e := parseException(t, r); e.Exceptions[0].Locator != "WIDTH" {
		t.Errorf("INIMAGE with WIDTH=0: %+v", e)
	}
}

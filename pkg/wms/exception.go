package wms

import (
	"image/color"
	"net/http"
	"strings"

	"github.com/fourreau/fourreau/pkg/ows"
	"github.com/fourreau/fourreau/pkg/render"
)

// exceptionFormat is how errors are reported (the EXCEPTIONS parameter).
type exceptionFormat int

const (
	exceptionsXML exceptionFormat = iota
	exceptionsInImage
	exceptionsBlank
)

// Exception formats as capabilities list them, per version.
var (
	exceptionFormats130 = []string{"XML", "INIMAGE", "BLANK"}
	exceptionFormats111 = []string{"application/vnd.ogc.se_xml", "application/vnd.ogc.se_inimage", "application/vnd.ogc.se_blank"}
)

// parseExceptions reads EXCEPTIONS; the 1.3.0 and 1.1.1 spellings are accepted in both
// versions.
func parseExceptions(raw string) (exceptionFormat, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "", "xml", "application/vnd.ogc.se_xml", "text/xml":
		return exceptionsXML, nil
	case "inimage", "application/vnd.ogc.se_inimage":
		return exceptionsInImage, nil
	case "blank", "application/vnd.ogc.se_blank":
		return exceptionsBlank, nil
	}
	return exceptionsXML, ows.Errorf(ows.InvalidParameterValue, "EXCEPTIONS", "EXCEPTIONS is %q; use XML, INIMAGE or BLANK", raw)
}

// writeException reports e in the requested format. INIMAGE and BLANK apply to GetMap
// only, once the image size and format are known, and not to a 401; otherwise the
// report is XML.
func (s *Service) writeException(w http.ResponseWriter, req *request, e *ows.Exception) {
	isMap := strings.EqualFold(req.operation, "GetMap") || strings.EqualFold(req.operation, "map")
	// A request for credentials stays a 401, which clients answer by asking for them.
	if isMap && req.view != nil && req.exceptions != exceptionsXML && e.HTTPStatus() != http.StatusUnauthorized {
		if err := s.writeExceptionImage(w, req, e); err == nil {
			return
		}
	}
	writeExceptionXML(w, req.version, e)
}

// writeExceptionXML writes a ServiceExceptionReport: WMS 1.3.0's, in the OGC namespace,
// or WMS 1.1.1's, whose DTD has no locator attribute, so the locator goes into the
// text.
func writeExceptionXML(w http.ResponseWriter, version string, e *ows.Exception) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	code := e.Code
	if version == V111 {
		if code == codeInvalidCRS {
			code = "InvalidSRS"
		}
		b.WriteString(`<!DOCTYPE ServiceExceptionReport SYSTEM "http://schemas.opengis.net/wms/1.1.1/exception_1_1_1.dtd">` + "\n")
		b.WriteString(`<ServiceExceptionReport version="1.1.1">` + "\n")
		b.WriteString(`  <ServiceException code="` + ows.EscapeXML(code) + `">`)
		text := e.Text
		if e.Locator != "" {
			text = e.Locator + ": " + text
		}
		b.WriteString(ows.EscapeXML(text) + "</ServiceException>\n</ServiceExceptionReport>\n")
		w.Header().Set("Content-Type", "application/vnd.ogc.se_xml; charset=UTF-8")
	} else {
		b.WriteString(`<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/ogc http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd">` + "\n")
		b.WriteString(`  <ServiceException code="` + ows.EscapeXML(code) + `"`)
		if e.Locator != "" {
			b.WriteString(` locator="` + ows.EscapeXML(e.Locator) + `"`)
		}
		b.WriteString(">" + ows.EscapeXML(e.Text) + "</ServiceException>\n</ServiceExceptionReport>\n")
		w.Header().Set("Content-Type", "text/xml; charset=UTF-8")
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write([]byte(b.String()))
}

// writeExceptionImage answers with an image of the requested size and format: empty
// for BLANK, with the error text for INIMAGE. The status is 200, because the client
// displays the image.
func (s *Service) writeExceptionImage(w http.ResponseWriter, req *request, e *ows.Exception) error {
	v := req.view
	c := render.NewCanvas(v.width, v.height)
	clearBackground(c, v)
	if req.exceptions == exceptionsInImage {
		lb := render.NewLabeller(s.fonts)
		y := 16.0
		for _, line := range wrapText(e.Code+": "+e.Text, max(20, v.width/7)) {
			lb.Add(render.Label{Text: line, X: 4, Y: y, AnchorX: 0, AnchorY: 0.5,
				Style: render.TextStyle{Size: 12, Color: color.NRGBA{160, 0, 0, 255}, HaloRadius: 1.5, HaloColor: color.NRGBA{255, 255, 255, 255}}})
			y += 16
		}
		lb.Draw(c)
	}
	return s.writeImage(w, c, v)
}

// wrapText splits text into lines of at most width characters, at spaces.
func wrapText(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// Package ows holds what the OGC web services share: exception reports (OWS Common 1.0 and
// 1.1, and the WFS 1.0 ServiceExceptionReport), key-value request parsing and XML escaping.
package ows

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Exception codes of OWS Common 1.1 and WFS 2.0.
const (
	OperationNotSupported     = "OperationNotSupported"
	MissingParameterValue     = "MissingParameterValue"
	InvalidParameterValue     = "InvalidParameterValue"
	VersionNegotiationFailed  = "VersionNegotiationFailed"
	InvalidUpdateSequence     = "InvalidUpdateSequence"
	OptionNotSupported        = "OptionNotSupported"
	NoApplicableCode          = "NoApplicableCode"
	OperationParsingFailed    = "OperationParsingFailed"
	OperationProcessingFailed = "OperationProcessingFailed"
	InvalidValue              = "InvalidValue"
	NotFound                  = "NotFound"
	LockHasExpired            = "LockHasExpired"
	ResponseCacheExpired      = "ResponseCacheExpired"
)

// Exception is a client-visible failure with its OGC code and locator. Handlers return it
// and one place per protocol writes it as an exception report.
type Exception struct {
	Code    string
	Locator string
	Text    string
	// Status overrides the HTTP status that the code implies, when non-zero.
	Status int
	// Cause is the underlying error, logged but never shown to the client.
	Cause error
}

func (e *Exception) Error() string {
	s := e.Code
	if e.Locator != "" {
		s += " (" + e.Locator + ")"
	}
	s += ": " + e.Text
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Exception) Unwrap() error { return e.Cause }

// maxExceptionText bounds the text of an exception built by Errorf, which often quotes
// a request value: a megabyte of type names should not come back as a megabyte of
// exception report.
const maxExceptionText = 1000

// Errorf builds an Exception with a formatted text, cut to maxExceptionText bytes.
func Errorf(code, locator, format string, args ...any) *Exception {
	text := fmt.Sprintf(format, args...)
	if len(text) > maxExceptionText {
		cut := maxExceptionText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = fmt.Sprintf("%s... (%d more bytes)", text[:cut], len(text)-cut)
	}
	return &Exception{Code: code, Locator: locator, Text: text}
}

// Internal wraps a server fault: the client sees a generic text, the log sees the cause.
func Internal(err error) *Exception {
	return &Exception{Code: NoApplicableCode, Text: "internal server error; the server log has the details", Status: http.StatusInternalServerError, Cause: err}
}

// AsException returns err as an Exception, turning any other error into an internal one.
func AsException(err error) *Exception {
	var e *Exception
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// HTTPStatus returns the status WFS 2.0 (OGC 09-025r2, table 3) and OWS Common assign to
// the exception code.
func (e *Exception) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case OperationNotSupported, OptionNotSupported:
		return http.StatusNotImplemented
	case OperationProcessingFailed, LockHasExpired, ResponseCacheExpired:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case NoApplicableCode:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

// ReportStyle selects the exception document format.
type ReportStyle int

// The exception document formats of the supported protocol versions.
const (
	ReportOWS11   ReportStyle = iota // ows:ExceptionReport, OWS Common 1.1 (WFS 2.0)
	ReportOWS10                      // ows:ExceptionReport, OWS Common 1.0 (WFS 1.1)
	ReportService                    // ServiceExceptionReport 1.2.0 (WFS 1.0)
)

// WriteReport writes the exception report for e, with its HTTP status.
func WriteReport(w http.ResponseWriter, style ReportStyle, version string, e *Exception) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/xml; charset=UTF-8")
	w.WriteHeader(e.HTTPStatus())
	writeReportBody(w, style, version, e)
}

func writeReportBody(w io.Writer, style ReportStyle, version string, e *Exception) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	switch style {
	case ReportService:
		b.WriteString(`<ServiceExceptionReport version="1.2.0" xmlns="http://www.opengis.net/ogc" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.opengis.net/ogc http://schemas.opengis.net/wfs/1.0.0/OGC-exception.xsd">` + "\n")
		b.WriteString(`  <ServiceException code="`)
		b.WriteString(EscapeXML(e.Code))
		b.WriteString(`"`)
		if e.Locator != "" {
			b.WriteString(` locator="` + EscapeXML(e.Locator) + `"`)
		}
		b.WriteString(">" + EscapeXML(e.Text) + "</ServiceException>\n</ServiceExceptionReport>\n")
	default:
		ns, schema := "http://www.opengis.net/ows/1.1", "http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd"
		// OWS Common 1.1 states the language in xml:lang, 1.0 in its own language attribute.
		lang := `xml:lang="en"`
		if style == ReportOWS10 {
			ns, schema = "http://www.opengis.net/ows", "http://schemas.opengis.net/ows/1.0.0/owsExceptionReport.xsd"
			lang = `language="en"`
		}
		if version == "" {
			version = "2.0.0"
		}
		b.WriteString(`<ows:ExceptionReport xmlns:ows="` + ns + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="` + ns + " " + schema + `" version="` + EscapeXML(version) + `" ` + lang + ">\n")
		b.WriteString(`  <ows:Exception exceptionCode="` + EscapeXML(e.Code) + `"`)
		if e.Locator != "" {
			b.WriteString(` locator="` + EscapeXML(e.Locator) + `"`)
		}
		b.WriteString(">\n    <ows:ExceptionText>" + EscapeXML(e.Text) + "</ows:ExceptionText>\n  </ows:Exception>\n</ows:ExceptionReport>\n")
	}
	io.WriteString(w, b.String())
}

// EscapeXML escapes text for XML content and attribute values.
func EscapeXML(s string) string {
	if !strings.ContainsAny(s, `<>&"'`) && validXMLChars(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			if isXMLChar(r) {
				b.WriteRune(r)
			} else {
				b.WriteRune('\uFFFD')
			}
		}
	}
	return b.String()
}

func validXMLChars(s string) bool {
	for _, r := range s {
		if !isXMLChar(r) {
			return false
		}
	}
	return true
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

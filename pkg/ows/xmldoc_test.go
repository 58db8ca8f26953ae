package ows

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// parseFailure returns the exception ParseXML raised for doc, or fails the test.
func parseFailure(t *testing.T, doc string) *Exception {
	t.Helper()
	_, err := ParseXML(strings.NewReader(doc))
	if err == nil {
		t.Fatalf("ParseXML accepted %.80q", doc)
	}
	e, ok := err.(*Exception)
	if !ok {
		t.Fatalf("ParseXML returned %T (%v), want *Exception", err, err)
	}
	if e.Code != OperationParsingFailed {
		t.Errorf("code = %s, want OperationParsingFailed", e.Code)
	}
	return e
}

func TestParseXMLRejectsEntityExpansion(t *testing.T) {
	// The "billion laughs" document: each entity expands into ten of the previous one.
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := "lol" + string(rune('0'+i))
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]><GetFeature>&` + prev + `;</GetFeature>`)
	e := parseFailure(t, b.String())
	if !strings.Contains(e.Text, "document type declarations") {
		t.Errorf("text = %q, want it to name document type declarations", e.Text)
	}
}

func TestParseXMLRejectsExternalEntity(t *testing.T) {
	for _, doc := range []string{
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><GetFeature>&xxe;</GetFeature>`,
		`<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd"><GetFeature/>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p">%p;]><GetFeature/>`,
	} {
		e := parseFailure(t, doc)
		if strings.Contains(e.Text, "root:") {
			t.Errorf("the exception leaks file content: %q", e.Text)
		}
	}
}

func TestParseXMLRejectsUndeclaredEntity(t *testing.T) {
	parseFailure(t, `<GetFeature>&undeclared;</GetFeature>`)
}

func TestParseXMLDepthLimit(t *testing.T) {
	nested := func(depth int) string {
		return strings.Repeat("<a>", depth) + strings.Repeat("</a>", depth)
	}
	if _, err := ParseXML(strings.NewReader(nested(MaxXMLDepth))); err != nil {
		t.Errorf("a document %d levels deep was rejected: %v", MaxXMLDepth, err)
	}
	e := parseFailure(t, nested(MaxXMLDepth+1))
	if !strings.Contains(e.Text, "nested deeper") {
		t.Errorf("text = %q, want it to name the nesting", e.Text)
	}
	// A hostile depth is rejected as soon as the limit is passed, without reading on.
	parseFailure(t, strings.Repeat("<a>", 1_000_000))
}

func TestParseXMLElementLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 2-million-element document")
	}
	doc := "<r>" + strings.Repeat("<a/>", MaxXMLElements) + "</r>"
	e := parseFailure(t, doc)
	if !strings.Contains(e.Text, "more than") {
		t.Errorf("text = %q, want it to name the element limit", e.Text)
	}
}

func TestParseXMLAcceptsPlainRequest(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<wfs:GetFeature xmlns:wfs="http://www.opengis.net/wfs/2.0" service="WFS" version="2.0.0">
  <wfs:Query typeNames="net:duct" xmlns:net="http://fourreau.org/net"/>
</wfs:GetFeature>`
	root, err := ParseXML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if root.Local != "GetFeature" || root.Space != "http://www.opengis.net/wfs/2.0" || len(root.Children) != 1 {
		t.Errorf("root = %s {%s} with %d children", root.Local, root.Space, len(root.Children))
	}
}

func TestParseXMLKeepsReadError(t *testing.T) {
	body := http.MaxBytesReader(nil, io.NopCloser(strings.NewReader("<r><!--"+strings.Repeat("x", 2048)+"--></r>")), 1024)
	_, err := ParseXML(body)
	var mbe *http.MaxBytesError
	if !errors.As(err, &mbe) {
		t.Errorf("ParseXML over a size-limited body returned %v; want it to wrap *http.MaxBytesError", err)
	}
}

package ows

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Element is a node of a parsed XML request document, with the namespace bindings in
// scope so that QName values in attributes and text (typeNames="net:duct") resolve.
type Element struct {
	Space, Local string
	Attr         []xml.Attr
	Children     []*Element
	Text         string
	// Namespaces maps each prefix in scope to its URI ("" is the default namespace).
	Namespaces map[string]string
}

// Limits of request documents, checked while parsing so that a hostile document is
// rejected before it costs memory.
const (
	MaxXMLDepth    = 64
	MaxXMLElements = 2_000_000
)

// ParseXML reads a whole request document. Document type declarations are rejected, so
// no entity is ever expanded and no external resource is read.
func ParseXML(r io.Reader) (*Element, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.CharsetReader = charsetReader
	var stack []*Element
	var root *Element
	count := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, parseFailed(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, Errorf(OperationParsingFailed, "", "document type declarations are not accepted in requests")
		case xml.StartElement:
			count++
			if count > MaxXMLElements {
				return nil, Errorf(OperationParsingFailed, "", "the request document has more than %d elements", MaxXMLElements)
			}
			if len(stack) >= MaxXMLDepth {
				return nil, Errorf(OperationParsingFailed, "", "the request document is nested deeper than %d levels", MaxXMLDepth)
			}
			e := &Element{Local: t.Name.Local}
			parentNS := map[string]string{"xml": "http://www.w3.org/XML/1998/namespace"}
			if len(stack) > 0 {
				parentNS = stack[len(stack)-1].Namespaces
			}
			e.Namespaces = parentNS
			copied := false
			for _, a := range t.Attr {
				var prefix string
				switch {
				case a.Name.Space == "xmlns":
					prefix = a.Name.Local
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					prefix = ""
				default:
					e.Attr = append(e.Attr, a)
					continue
				}
				if !copied {
					e.Namespaces = make(map[string]string, len(parentNS)+2)
					for k, v := range parentNS {
						e.Namespaces[k] = v
					}
					copied = true
				}
				if prefix != "" && a.Value == "" {
					return nil, Errorf(OperationParsingFailed, "", "namespace prefix %q is bound to an empty URI, which XML namespaces forbid", prefix)
				}
				e.Namespaces[prefix] = a.Value
			}
			uri, ok := e.Namespaces[t.Name.Space]
			if t.Name.Space != "" && !ok {
				return nil, Errorf(OperationParsingFailed, "", "namespace prefix %q of element %s is not declared", t.Name.Space, t.Name.Local)
			}
			e.Space = uri
			for i := range e.Attr {
				if p := e.Attr[i].Name.Space; p != "" {
					u, ok := e.Namespaces[p]
					if !ok {
						return nil, Errorf(OperationParsingFailed, "", "namespace prefix %q of attribute %s is not declared", p, e.Attr[i].Name.Local)
					}
					e.Attr[i].Name.Space = u
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, e)
			} else if root == nil {
				root = e
			} else {
				return nil, Errorf(OperationParsingFailed, "", "the request document has more than one root element")
			}
			stack = append(stack, e)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, Errorf(OperationParsingFailed, "", "unexpected end element %s", t.Name.Local)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, Errorf(OperationParsingFailed, "", "the request body is not an XML document")
	}
	if len(stack) != 0 {
		return nil, Errorf(OperationParsingFailed, "", "the request document ends before element %s is closed", stack[len(stack)-1].Local)
	}
	return root, nil
}

func parseFailed(err error) *Exception {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &Exception{Code: OperationParsingFailed, Text: fmt.Sprintf("the request is not well-formed XML: line %d: %s", se.Line, se.Msg)}
	}
	// The cause is kept so that callers can tell a body over the size limit (an
	// *http.MaxBytesError) from malformed XML.
	return &Exception{Code: OperationParsingFailed, Text: "the request could not be read as XML: " + err.Error(), Cause: err}
}

// AttrValue returns the value of the attribute with the given local name (any namespace).
func (e *Element) AttrValue(local string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// Child returns the first child with the given local name.
func (e *Element) Child(local string) *Element {
	for _, c := range e.Children {
		if c.Local == local {
			return c
		}
	}
	return nil
}

// TrimText returns the element's text without surrounding white space.
func (e *Element) TrimText() string { return strings.TrimSpace(e.Text) }

// ResolveQName splits a prefixed name from an attribute or text of e and resolves its
// prefix. ok is false when the prefix is not declared.
func (e *Element) ResolveQName(qname string) (uri, local string, prefixed, ok bool) {
	prefix, local, found := strings.Cut(qname, ":")
	if !found {
		uri, ok = e.Namespaces[""]
		return uri, qname, false, true
	}
	uri, ok = e.Namespaces[prefix]
	return uri, local, true, ok
}

// charsetReader decodes the single-byte encodings that clients still declare in request
// documents; encoding/xml reads only UTF-8 by itself.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "iso-8859-1", "latin1", "latin-1", "iso_8859-1", "l1":
		return charmap.ISO8859_1.NewDecoder().Reader(input), nil
	case "iso-8859-15", "latin-9", "latin9":
		return charmap.ISO8859_15.NewDecoder().Reader(input), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder().Reader(input), nil
	case "us-ascii", "ascii":
		return input, nil
	}
	return nil, fmt.Errorf("the document encoding %q is not supported; use UTF-8", label)
}

package ows

import (
	"sort"
	"strings"
)

// XML writes the element and its subtree back as a standalone XML fragment. The root
// declares every namespace in scope, so that prefixed names in attribute values and
// text (typeNames="net:duct") still resolve; each descendant declares the bindings it
// adds. The text of an element is written before its children, because Element keeps
// the text of mixed content as one string.
func (e *Element) XML() string {
	var b strings.Builder
	e.writeXML(&b, nil)
	return b.String()
}

func (e *Element) writeXML(b *strings.Builder, parent map[string]string) {
	prefix := e.prefixFor(e.Space)
	name := e.Local
	if prefix != "" {
		name = prefix + ":" + e.Local
	}
	b.WriteString("<" + name)
	keys := make([]string, 0, len(e.Namespaces))
	for k := range e.Namespaces {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		uri := e.Namespaces[k]
		if k == "xml" {
			continue
		}
		if old, ok := parent[k]; ok && old == uri {
			continue
		}
		if k == "" {
			b.WriteString(` xmlns="` + EscapeXML(uri) + `"`)
		} else {
			b.WriteString(" xmlns:" + k + `="` + EscapeXML(uri) + `"`)
		}
	}
	if e.Space == "" && e.Namespaces[""] != "" {
		// An element in no namespace under a default namespace undeclares it.
		b.WriteString(` xmlns=""`)
	}
	for _, a := range e.Attr {
		an := a.Name.Local
		if a.Name.Space != "" {
			if p := e.prefixFor(a.Name.Space); p != "" {
				an = p + ":" + an
			}
		}
		b.WriteString(" " + an + `="` + EscapeXML(a.Value) + `"`)
	}
	if e.Text == "" && len(e.Children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteString(">")
	b.WriteString(EscapeXML(e.Text))
	for _, c := range e.Children {
		c.writeXML(b, e.Namespaces)
	}
	b.WriteString("</" + name + ">")
}

// prefixFor returns a prefix bound to uri in the element's scope: "" when uri is the
// default namespace or empty, else the first bound prefix in alphabetical order.
func (e *Element) prefixFor(uri string) string {
	if uri == "" || e.Namespaces[""] == uri {
		return ""
	}
	best := ""
	for p, u := range e.Namespaces {
		if u == uri && p != "" && (best == "" || p < best) {
			best = p
		}
	}
	return best
}

package wfs_test

import (
	"net/http"
	"testing"
)

func TestTypeNames_Namespaces(t *testing.T) {
	srv := start(t)
	ok := []struct{ name, query string }{
		{"unprefixed", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=duct&COUNT=1"},
		{"server prefix", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=1"},
		{"other prefix bound by NAMESPACES", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=x:duct&COUNT=1" +
			"&NAMESPACES=xmlns(x,http%3A%2F%2Ffourreau.org%2Fnet)"},
		{"Clark notation", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=%7Bhttp://fourreau.org/net%7Dduct&COUNT=1"},
		{"TYPENAME in 2.0", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAME=net:duct&COUNT=1"},
		{"1.1 NAMESPACE", "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=x:duct&MAXFEATURES=1" +
			"&NAMESPACE=xmlns(x=http://fourreau.org/net)"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			root := expectOK(t, get(t, srv, c.query))
			if ids := featureIDs(root, "duct"); len(ids) != 1 {
				t.Errorf("got %d net:duct features, want 1", len(ids))
			}
		})
	}

	bad := []struct {
		name, query, locator string
	}{
		{"empty prefix", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=:duct&COUNT=1", "typeNames"},
		{"unbound prefix", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=x:duct&COUNT=1", "typeNames"},
		{"prefix bound to another URI", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=1" +
			"&NAMESPACES=xmlns(net,http://example.org/other)", "typeNames"},
		{"Clark notation of another URI", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=%7Bhttp://example.org/other%7Dduct", "typeNames"},
		{"unknown type", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:nope", "typeNames"},
		{"1.1 unknown type", "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=net:nope", "typeName"},
		{"DescribeFeatureType unbound prefix", "SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=x:duct", "typeNames"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			expectException(t, get(t, srv, c.query), http.StatusBadRequest, "InvalidParameterValue", c.locator)
		})
	}
}

func TestTypeNames_XMLPost(t *testing.T) {
	srv := start(t)
	const head = `<wfs:GetFeature service="WFS" version="2.0.0" count="1" xmlns:wfs="http://www.opengis.net/wfs/2.0"`

	t.Run("any prefix bound to the URI", func(t *testing.T) {
		r := post(t, srv, "text/xml", head+` xmlns:f="http://fourreau.org/net"><wfs:Query typeNames="f:duct"/></wfs:GetFeature>`)
		if ids := featureIDs(expectOK(t, r), "duct"); len(ids) != 1 {
			t.Errorf("got %d net:duct features, want 1", len(ids))
		}
	})
	t.Run("binding on the Query element", func(t *testing.T) {
		r := post(t, srv, "application/xml", head+`><wfs:Query xmlns:q="http://fourreau.org/net" typeNames="q:duct"/></wfs:GetFeature>`)
		if ids := featureIDs(expectOK(t, r), "duct"); len(ids) != 1 {
			t.Errorf("got %d net:duct features, want 1", len(ids))
		}
	})
	t.Run("text/plain body", func(t *testing.T) {
		r := post(t, srv, "text/plain", head+` xmlns:net="http://fourreau.org/net"><wfs:Query typeNames="net:duct"/></wfs:GetFeature>`)
		if ids := featureIDs(expectOK(t, r), "duct"); len(ids) != 1 {
			t.Errorf("got %d net:duct features, want 1", len(ids))
		}
	})
	t.Run("prefix bound to another URI", func(t *testing.T) {
		r := post(t, srv, "text/xml", head+` xmlns:net="http://example.org/other"><wfs:Query typeNames="net:duct"/></wfs:GetFeature>`)
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "typeNames")
	})
	t.Run("undeclared prefix", func(t *testing.T) {
		r := post(t, srv, "text/xml", head+`><wfs:Query typeNames="zz:duct"/></wfs:GetFeature>`)
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "typeNames")
	})
	t.Run("prefix bound to the empty URI", func(t *testing.T) {
		// Namespaces in XML 1.0 forbid xmlns:feature="": the document is not
		// namespace-well-formed, which is a parse failure and never a server fault.
		r := post(t, srv, "text/xml", head+` xmlns:feature=""><wfs:Query typeNames="feature:duct"/></wfs:GetFeature>`)
		expectException(t, r, http.StatusBadRequest, "OperationParsingFailed", "")
	})
	t.Run("DescribeFeatureType prefix bound to another URI", func(t *testing.T) {
		r := post(t, srv, "text/xml", `<wfs:DescribeFeatureType service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0"`+
			` xmlns:net="http://example.org/other"><wfs:TypeName>net:duct</wfs:TypeName></wfs:DescribeFeatureType>`)
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "typeNames")
	})
}

func TestDescribeFeatureType_Namespace(t *testing.T) {
	srv := start(t)
	for _, version := range []string{"2.0.0", "1.1.0", "1.0.0"} {
		t.Run(version, func(t *testing.T) {
			root := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=DescribeFeatureType&VERSION="+version+"&"+typeNamesParam(version)+"=net:duct"))
			if !root.is(nsXSD, "schema") {
				t.Fatalf("root is %s, want xsd:schema", root.XMLName.Local)
			}
			if ns, _ := root.attr("targetNamespace"); ns != nsNet {
				t.Errorf("targetNamespace = %q, want %q", ns, nsNet)
			}
			var names []string
			for _, e := range root.Nodes {
				if e.is(nsXSD, "element") {
					name, _ := e.attr("name")
					names = append(names, name)
				}
			}
			if len(names) != 1 || names[0] != "duct" {
				t.Errorf("global elements = %v, want [duct]", names)
			}
		})
	}

	// Capabilities bind the prefix that the feature type names use.
	for _, c := range []struct{ version, space string }{{"2.0.0", nsWFS20}, {"1.1.0", nsWFS}, {"1.0.0", nsWFS}} {
		t.Run("capabilities "+c.version, func(t *testing.T) {
			root := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=GetCapabilities&VERSION="+c.version))
			bound := ""
			for _, a := range root.Attrs {
				if a.Name.Space == "xmlns" && a.Name.Local == "net" {
					bound = a.Value
				}
			}
			if bound != nsNet {
				t.Errorf("capabilities bind net to %q, want %q", bound, nsNet)
			}
			found := false
			for _, n := range root.all(c.space, "Name") {
				found = found || n.Text == "net:duct"
			}
			if !found {
				t.Errorf("capabilities %s list no feature type named net:duct", c.version)
			}
		})
	}
}

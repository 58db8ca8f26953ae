package wfs_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testdb"
	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// startNetworkTable starts a server that publishes networkTable.
func startNetworkTable(t *testing.T) *testserver.Server {
	t.Helper()
	return start(t, testserver.WithLayers(networkTable(t)))
}

// networkTable creates a table réseau whose columns need the NCName mapping (an
// accented name, a name starting with a digit and a name with a space) and returns
// its layer.
func networkTable(t *testing.T) config.LayerConfig {
	t.Helper()
	pool := testdb.MigratedPool(t)
	createTable(t, pool, "réseau", `"diamètre" integer, "2024_état" text, "nom voie" text, geom geometry(Point, 2154) NOT NULL`,
		`("diamètre", "2024_état", "nom voie", geom) VALUES
			(110, 'posé', 'Câble Été', ST_SetSRID(ST_MakePoint(652000, 6862000), 2154)),
			(45, NULL, 'Rue de l''Église & <Fils>', ST_SetSRID(ST_MakePoint(652100, 6862100), 2154)),
			(NULL, 'à poser', 'Cable Ete', ST_SetSRID(ST_MakePoint(652200, 6862200), 2154))`)
	return config.LayerConfig{Name: "réseau", Title: "Réseau d'essai", Table: testSchema + ".réseau",
		Key: "id", Geometry: "geom", SRID: 2154, GeometryType: "Point"}
}

// wantElements are the element names of the réseau columns, in column order.
var wantElements = []string{"diamètre", "_2024_état", "nom_voie"}

func TestNames_DescribeAndGetFeatureAgree(t *testing.T) {
	srv := startNetworkTable(t)
	for _, version := range []string{"2.0.0", "1.1.0", "1.0.0"} {
		t.Run(version, func(t *testing.T) {
			param := typeNamesParam(version)
			dft := expectOK(t, get(t, srv, "SERVICE=WFS&REQUEST=DescribeFeatureType&VERSION="+version+"&"+param+"=net:r%C3%A9seau"))
			complex := dft.first(nsXSD, "complexType")
			if complex == nil {
				t.Fatalf("no complexType in the schema")
			}
			var declared []string
			for _, e := range complex.all(nsXSD, "element") {
				name, _ := e.attr("name")
				declared = append(declared, name)
			}
			if want := append(slices.Clone(wantElements), "geom"); !slices.Equal(declared, want) {
				t.Errorf("DescribeFeatureType declares %v, want %v", declared, want)
			}

			r := get(t, srv, getFeature(version, "réseau"))
			root := expectOK(t, r)
			features := root.all(nsNet, "réseau")
			if len(features) != 3 {
				t.Fatalf("got %d net:réseau features, want 3", len(features))
			}
			for _, f := range features {
				for _, c := range f.Nodes {
					if c.XMLName.Space != nsNet || !slices.Contains(declared, c.XMLName.Local) {
						t.Errorf("feature element {%s}%s is not declared by DescribeFeatureType", c.XMLName.Space, c.XMLName.Local)
					}
				}
			}
			first := features[0]
			for name, want := range map[string]string{"diamètre": "110", "_2024_état": "posé", "nom_voie": "Câble Été"} {
				if e := first.child(nsNet, name); e == nil || e.Text != want {
					t.Errorf("first feature %s = %v, want %q", name, e, want)
				}
			}
			if e := features[1].child(nsNet, "nom_voie"); e == nil || e.Text != "Rue de l'Église & <Fils>" {
				t.Errorf("second feature nom_voie = %v, want the text with & and < unchanged", e)
			}
		})
	}
}

func TestNames_UTF8FilterLiteral(t *testing.T) {
	srv := startNetworkTable(t)
	// The filter as clients send it: UTF-8 text, percent-encoded.
	filter := "%3Cfes:Filter%20xmlns:fes=%22http://www.opengis.net/fes/2.0%22%3E%3Cfes:PropertyIsEqualTo%3E" +
		"%3Cfes:ValueReference%3Enom_voie%3C/fes:ValueReference%3E%3Cfes:Literal%3EC%C3%A2ble%20%C3%89t%C3%A9%3C/fes:Literal%3E" +
		"%3C/fes:PropertyIsEqualTo%3E%3C/fes:Filter%3E"
	root := expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:r%C3%A9seau&FILTER="+filter))
	features := root.all(nsNet, "réseau")
	if len(features) != 1 {
		t.Fatalf("got %d features, want the one whose nom voie is Câble Été", len(features))
	}
	if e := features[0].child(nsNet, "nom_voie"); e == nil || e.Text != "Câble Été" {
		t.Errorf("nom_voie = %v, want Câble Été", e)
	}

	t.Run("column name in the filter", func(t *testing.T) {
		// Filters name a property by its element name or by its column name.
		for _, property := range []string{"_2024_état", "2024_état"} {
			f := `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsEqualTo><fes:ValueReference>` + property +
				`</fes:ValueReference><fes:Literal>à poser</fes:Literal></fes:PropertyIsEqualTo></fes:Filter>`
			root := expectOK(t, get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:réseau", "FILTER", f)))
			if n := len(root.all(nsNet, "réseau")); n != 1 {
				t.Errorf("%s = 'à poser': got %d features, want 1", property, n)
			}
		}
	})
	t.Run("XML POST", func(t *testing.T) {
		body := getFeatureXML("", `<wfs:Query typeNames="net:réseau"><fes:Filter><fes:PropertyIsLike wildCard="*" singleChar="." escapeChar="!">`+
			`<fes:ValueReference>net:nom_voie</fes:ValueReference><fes:Literal>*Église*</fes:Literal></fes:PropertyIsLike></fes:Filter></wfs:Query>`)
		root := expectOK(t, post(t, srv, "text/xml; charset=UTF-8", body))
		if n := len(root.all(nsNet, "réseau")); n != 1 {
			t.Errorf("nom_voie like *Église*: got %d features, want 1", n)
		}
	})
	t.Run("PROPERTYNAME and SORTBY", func(t *testing.T) {
		root := expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:r%C3%A9seau"+
			"&PROPERTYNAME=net:_2024_%C3%A9tat&SORTBY=diam%C3%A8tre%20DESC"))
		var got []string
		for _, f := range root.all(nsNet, "réseau") {
			if len(f.Nodes) > 1 {
				t.Errorf("feature has %d properties, want only _2024_état", len(f.Nodes))
			}
			if e := f.child(nsNet, "_2024_état"); e != nil {
				got = append(got, e.Text)
			} else {
				got = append(got, "")
			}
		}
		// DESC puts the NULL diameter first, as PostgreSQL sorts NULL above every value.
		if want := []string{"à poser", "posé", ""}; !slices.Equal(got, want) {
			t.Errorf("_2024_état by diamètre DESC = %q, want %q", got, want)
		}
	})
}

func TestNames_GeoJSONKeepsColumnNames(t *testing.T) {
	srv := startNetworkTable(t)
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	decodeJSON(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:r%C3%A9seau&OUTPUTFORMAT="+url.QueryEscape("application/geo+json")), &fc)
	if len(fc.Features) != 3 {
		t.Fatalf("got %d features, want 3", len(fc.Features))
	}
	p := fc.Features[0].Properties
	var keys []string
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"2024_état", "diamètre", "nom voie"}; !slices.Equal(keys, want) {
		t.Errorf("property names = %v, want the column names %v", keys, want)
	}
	if p["diamètre"] != 110.0 || p["nom voie"] != "Câble Été" {
		t.Errorf("first feature properties = %v", p)
	}
	if v, ok := fc.Features[1].Properties["2024_état"]; !ok || v != nil {
		t.Errorf("NULL 2024_état = %v (present %v), want null", v, ok)
	}
}

func TestNames_ContentTypeCharset(t *testing.T) {
	srv := startNetworkTable(t)
	for _, query := range []string{
		"SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:r%C3%A9seau",
		"SERVICE=WFS&VERSION=2.0.0&REQUEST=DescribeFeatureType&TYPENAMES=net:r%C3%A9seau",
		"SERVICE=WFS&REQUEST=GetCapabilities",
	} {
		r := get(t, srv, query)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d", query, r.status)
		}
		if !strings.HasPrefix(string(r.body), `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Errorf("%s: the document does not declare UTF-8", query)
		}
		if strings.Contains(string(r.body), "&eacute;") || strings.Contains(string(r.body), "&nbsp;") {
			t.Errorf("%s: the document holds HTML named entities", query)
		}
	}
}

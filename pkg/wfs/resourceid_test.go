package wfs_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
)

// firstIDs returns the first n feature ids of a table, as type.key.
func firstIDs(t *testing.T, srv *testserver.Server, typeName, table string, n int) []string {
	t.Helper()
	ids := queryStrings(t, srv.Pool, "SELECT $1 || '.' || id FROM "+table+" ORDER BY id LIMIT $2", typeName, n)
	if len(ids) < n {
		t.Skipf("%s has %d rows, the test needs %d: load the demo data", table, len(ids), n)
	}
	return ids
}

func TestResourceID_OtherType(t *testing.T) {
	srv := start(t)
	route := firstIDs(t, srv, "route", "netdata.route", 1)[0]
	r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESOURCEID="+route)
	expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "resourceId")

	for _, id := range []string{"duct", "duct.x", "nope.1"} {
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&RESOURCEID="+id)
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "resourceId")
	}
}

func TestResourceID_TwoTypesWithoutTypeNames(t *testing.T) {
	srv := start(t)
	duct := firstIDs(t, srv, "duct", "netdata.duct", 2)
	route := firstIDs(t, srv, "route", "netdata.route", 1)[0]
	r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&RESOURCEID="+duct[1]+","+route+","+duct[0])
	root := expectOK(t, r)
	gotDucts := featureIDs(root, "duct")
	slices.Sort(gotDucts)
	if want := []string{duct[0], duct[1]}; !slices.Equal(gotDucts, want) {
		t.Errorf("ducts = %v, want %v", gotDucts, want)
	}
	if got := featureIDs(root, "route"); !slices.Equal(got, []string{route}) {
		t.Errorf("routes = %v, want [%s]", got, route)
	}
	if got := intAttr(t, root, "numberMatched"); got != 3 {
		t.Errorf("numberMatched = %d, want 3", got)
	}

	// 1.1 spells the parameter FEATUREID.
	r = get(t, srv, "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&FEATUREID="+duct[0]+","+route)
	root = expectOK(t, r)
	if len(featureIDs(root, "duct")) != 1 || len(featureIDs(root, "route")) != 1 {
		t.Errorf("1.1 FEATUREID over two types: ducts %v, routes %v", featureIDs(root, "duct"), featureIDs(root, "route"))
	}
}

func TestGetFeatureByID_BareFeature(t *testing.T) {
	srv := start(t)
	id := firstIDs(t, srv, "duct", "netdata.duct", 1)[0]
	code := queryStrings(t, srv.Pool, "SELECT coalesce(code, '') FROM netdata.duct WHERE 'duct.' || id = $1", id)[0]

	r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "STOREDQUERY_ID", getFeatureByID, "ID", id))
	root := expectOK(t, r)
	if !root.is(nsNet, "duct") {
		t.Fatalf("root is {%s}%s, want the bare net:duct feature", root.XMLName.Space, root.XMLName.Local)
	}
	if got, _ := root.attr("id"); got != id {
		t.Errorf("gml:id = %q, want %q", got, id)
	}
	if c := root.child(nsNet, "code"); code != "" && (c == nil || c.Text != code) {
		t.Errorf("code = %v, want %q", c, code)
	}
	if root.first(nsGML32, "LineString") == nil {
		t.Errorf("the feature has no GML 3.2 LineString")
	}

	t.Run("XML POST", func(t *testing.T) {
		body := `<wfs:GetFeature service="WFS" version="2.0.0" xmlns:wfs="http://www.opengis.net/wfs/2.0">` +
			`<wfs:StoredQuery id="` + getFeatureByID + `"><wfs:Parameter name="ID">` + id + `</wfs:Parameter></wfs:StoredQuery></wfs:GetFeature>`
		root := expectOK(t, post(t, srv, "text/xml", body))
		if !root.is(nsNet, "duct") {
			t.Errorf("root is %s, want net:duct", root.XMLName.Local)
		}
	})
	t.Run("GeoJSON", func(t *testing.T) {
		r := get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "STOREDQUERY_ID", getFeatureByID,
			"ID", id, "OUTPUTFORMAT", "application/geo+json"))
		var f struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if r.status != http.StatusOK {
			t.Fatalf("HTTP status = %d, want 200\n%s", r.status, clip(r.body))
		}
		if err := json.Unmarshal(r.body, &f); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, clip(r.body))
		}
		if f.Type != "Feature" || f.ID != id {
			t.Errorf("got type %q id %q, want a Feature %q", f.Type, f.ID, id)
		}
	})
}

func TestGetFeatureByID_NotFound(t *testing.T) {
	srv := start(t)
	missing := queryInt(t, srv.Pool, "SELECT coalesce(max(id), 0) + 1000 FROM netdata.duct")
	for _, c := range []struct{ name, id, format string }{
		{"missing key", "duct." + strconv.FormatInt(missing, 10), ""},
		{"missing key as GeoJSON", "duct." + strconv.FormatInt(missing, 10), "application/json"},
		{"unknown type", "nope.1", ""},
		{"key not an integer", "duct.x", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "STOREDQUERY_ID", getFeatureByID, "ID", c.id)
			if c.format != "" {
				q += "&OUTPUTFORMAT=" + c.format
			}
			rep := expectException(t, get(t, srv, q), http.StatusNotFound, "NotFound", "id")
			if !strings.Contains(rep.text, c.id) {
				t.Errorf("exception text %q does not name %s", rep.text, c.id)
			}
		})
	}
	t.Run("missing ID", func(t *testing.T) {
		q := kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "STOREDQUERY_ID", getFeatureByID)
		expectException(t, get(t, srv, q), http.StatusBadRequest, "MissingParameterValue", "id")
	})
	t.Run("unknown stored query", func(t *testing.T) {
		q := kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "STOREDQUERY_ID", "urn:example:nope", "ID", "duct.1")
		expectException(t, get(t, srv, q), http.StatusBadRequest, "InvalidParameterValue", "storedQuery_id")
	})
}

func TestResourceID_SeveralTypeNames(t *testing.T) {
	// With TYPENAMES listing both types, an identifier of either type belongs to the
	// request, and each type returns its own features.
	srv := start(t)
	duct := firstIDs(t, srv, "duct", "netdata.duct", 1)[0]
	route := firstIDs(t, srv, "route", "netdata.route", 1)[0]
	for _, typeNames := range []string{"net:duct,net:route", "(net:duct)(net:route)"} {
		t.Run(typeNames, func(t *testing.T) {
			root := expectOK(t, get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature",
				"TYPENAMES", typeNames, "RESOURCEID", duct+","+route, "PROPERTYNAME", "code")))
			if got := featureIDs(root, "duct"); !slices.Equal(got, []string{duct}) {
				t.Errorf("ducts = %v, want [%s]", got, duct)
			}
			if got := featureIDs(root, "route"); !slices.Equal(got, []string{route}) {
				t.Errorf("routes = %v, want [%s]", got, route)
			}
		})
	}
	t.Run("type not requested", func(t *testing.T) {
		point := firstIDs(t, srv, "technical_point", "netdata.technical_point", 1)[0]
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct,net:route&RESOURCEID="+duct+","+point)
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "resourceId")
	})
}

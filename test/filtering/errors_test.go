package filtering

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestFilterErrors_CodesAndLocators(t *testing.T) {
	e := setup(t)
	kvpCase := func(params ...string) url.Values {
		p := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:network_link"}}
		for i := 0; i+1 < len(params); i += 2 {
			p.Set(params[i], params[i+1])
		}
		return p
	}
	cases := []struct {
		name    string
		params  url.Values
		status  int
		code    string
		locator string
		text    string
	}{
		{"unknown property FES", kvpCase("FILTER", fes20(`<P:PropertyIsEqualTo><VR>nope</VR><P:Literal>1</P:Literal></P:PropertyIsEqualTo>`)),
			400, "InvalidParameterValue", "filter", "no property"},
		{"unknown property CQL", kvpCase("CQL_FILTER", "nope = 1"), 400, "InvalidParameterValue", "cql_filter", "no property"},
		{"unknown operator", kvpCase("FILTER", fes20(`<P:PropertyIsSimilarTo><VR>code</VR><P:Literal>1</P:Literal></P:PropertyIsSimilarTo>`)),
			400, "InvalidParameterValue", "filter", "not supported"},
		{"unknown function", kvpCase("FILTER", fes20(`<P:PropertyIsEqualTo><P:Function name="version"/><P:Literal>1</P:Literal></P:PropertyIsEqualTo>`)),
			400, "InvalidParameterValue", "filter", "not supported"},
		{"unknown CQL function", kvpCase("CQL_FILTER", "pg_sleep(10) = 1"), 400, "InvalidParameterValue", "cql_filter", "not supported"},
		{"arithmetic in FES 2.0", kvpCase("FILTER", fes20(`<P:PropertyIsEqualTo><P:Add><VR>capacity</VR><P:Literal>1</P:Literal></P:Add><P:Literal>2</P:Literal></P:PropertyIsEqualTo>`)),
			400, "InvalidParameterValue", "filter", "not part of FES 2.0"},
		{"period operator", kvpCase("FILTER", fes20(`<P:Meets><VR>built_on</VR><P:Literal>2020-01-01</P:Literal></P:Meets>`)),
			400, "InvalidParameterValue", "filter", "relates two periods"},
		{"CQL syntax", kvpCase("CQL_FILTER", "capacity >"), 400, "InvalidParameterValue", "cql_filter", "syntax error"},
		{"FILTER not XML", kvpCase("FILTER", "<fes:Filter"), 400, "InvalidParameterValue", "filter", ""},
		{"literal of the wrong type", kvpCase("CQL_FILTER", "capacity = 'abc'"), 400, "InvalidParameterValue", "filter", "not a valid int value"},
		{"temporal on text", kvpCase("CQL_FILTER", "T_AFTER(code, DATE('2020-01-01'))"), 400, "InvalidParameterValue", "filter", "date or date-time property"},
		{"spatial on text", kvpCase("CQL_FILTER", "S_INTERSECTS(code, POINT(0 0))"), 400, "InvalidParameterValue", "filter", "geometry property"},
		{"unknown CRS", kvpCase("CQL_FILTER", "S_INTERSECTS(geom, SRID=999999;POINT(0 0))"), 400, "InvalidParameterValue", "srsName", "unknown CRS"},
		{"unknown unit", kvpCase("CQL_FILTER", "DWITHIN(geom, POINT(0 0), 10, parsecs)"), 400, "InvalidParameterValue", "cql_filter", "unit of measure"},
		{"division by zero", kvpCase("CQL_FILTER", "capacity / 0 > 1"), 400, "InvalidParameterValue", "", "out of range"},
		{"FILTER and CQL_FILTER", kvpCase("FILTER", fes20(`<P:PropertyIsNull><VR>code</VR></P:PropertyIsNull>`), "CQL_FILTER", "code IS NULL"),
			400, "InvalidParameterValue", "filter", "mutually exclusive"},
		{"stored query with a filter", url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"},
			"STOREDQUERY_ID": {"urn:ogc:def:query:OGC-WFS::GetFeatureById"}, "ID": {"network_link.1"}, "CQL_FILTER": {"code IS NULL"}},
			400, "InvalidParameterValue", "cql_filter", "cannot be combined"},
		{"FILTER_LANGUAGE", kvpCase("FILTER_LANGUAGE", "urn:ogc:def:query:OGC-FES:CQL", "FILTER", "x"), 400, "InvalidParameterValue", "filter_language", "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.get(t, c.params)
			x := expectException(t, r, c.status, c.code)
			if x.locator != c.locator {
				t.Errorf("locator %q, want %q", x.locator, c.locator)
			}
			if !strings.Contains(x.text, c.text) {
				t.Errorf("text %q, want it to mention %q", x.text, c.text)
			}
			for _, leak := range []string{"SQLSTATE", "ERROR:", "postgis:", "pgx", "syntax error at or near", "pq:"} {
				if strings.Contains(string(r.body), leak) {
					t.Errorf("the report shows database text %q: %s", leak, clip(r.body))
				}
			}
		})
	}
}

func TestFilterErrors_XMLBody(t *testing.T) {
	e := setup(t)
	r := e.post(t, `<wfs:GetFeature service="WFS" version="2.0.0" `+wfs20NS+` `+fesNS+` `+netNS+`><wfs:Query typeNames="net:network_link"><fes:Filter><fes:PropertyIsEqualTo>`)
	expectException(t, r, http.StatusBadRequest, "OperationParsingFailed")

	r = e.post(t, `<wfs:GetFeature service="WFS" version="2.0.0" `+wfs20NS+` `+fesNS+` `+netNS+`><wfs:Query typeNames="net:network_link">`+
		`<fes:Filter><fes:PropertyIsEqualTo><fes:ValueReference>net:nope</fes:ValueReference><fes:Literal>1</fes:Literal></fes:PropertyIsEqualTo></fes:Filter></wfs:Query></wfs:GetFeature>`)
	x := expectException(t, r, http.StatusBadRequest, "InvalidParameterValue")
	if x.locator != "filter" {
		t.Errorf("locator %q, want filter", x.locator)
	}
}

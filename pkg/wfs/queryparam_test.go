package wfs_test

import (
	"net/url"
	"testing"
)

// OWSLib 0.27 sends the filter of a WFS 2.0 GET in a QUERY parameter.
func TestGetFeature_QueryParameterFilter(t *testing.T) {
	srv := start(t)
	want := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct WHERE network_category = 'ELEC'")
	all := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct")
	if want == 0 || want == all {
		t.Fatalf("the data does not separate the filter: %d ELEC ducts of %d", want, all)
	}
	filter := `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:PropertyIsEqualTo>` +
		`<fes:ValueReference>network_category</fes:ValueReference><fes:Literal>ELEC</fes:Literal>` +
		`</fes:PropertyIsEqualTo></fes:Filter>`
	r := get(t, srv, getFeature("2.0.0", "duct", "RESULTTYPE", "hits")+"&QUERY="+url.QueryEscape(filter))
	root := expectOK(t, r)
	if got := intAttr(t, root, "numberMatched"); got != want {
		t.Errorf("numberMatched = %d with the filter in QUERY, want %d", got, want)
	}
}

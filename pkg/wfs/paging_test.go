package wfs_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/internal/testserver"
	"github.com/fourreau/fourreau/pkg/config"
)

// page is one WFS 2.0 GetFeature page.
type page struct {
	ids                      []string
	matched, returned        int64
	next, previous           string
	hasNext, hasPrevious     bool
	query                    url.Values
	nextQuery, previousQuery url.Values
}

// fetchPage runs a GetFeature query and reads the collection attributes.
func fetchPage(t *testing.T, srv *testserver.Server, query, typeName string) page {
	t.Helper()
	root := expectOK(t, get(t, srv, query))
	p := page{ids: featureIDs(root, typeName)}
	p.matched = intAttr(t, root, "numberMatched")
	p.returned = intAttr(t, root, "numberReturned")
	p.next, p.hasNext = root.attr("next")
	p.previous, p.hasPrevious = root.attr("previous")
	if int64(len(p.ids)) != p.returned {
		t.Errorf("numberReturned = %d but the page holds %d features", p.returned, len(p.ids))
	}
	return p
}

// queryOf returns the query parameters of a link, with upper-case keys.
func queryOf(t *testing.T, srv *testserver.Server, link string) (string, url.Values) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q is not a URL: %v", link, err)
	}
	if !strings.HasPrefix(link, srv.URL+"/wfs?") {
		t.Errorf("link %q does not point at the server's /wfs", link)
	}
	values := url.Values{}
	for k, v := range u.Query() {
		values[strings.ToUpper(k)] = v
	}
	return u.RawQuery, values
}

// expectSameParameters checks that a paging link repeats every parameter of the
// original request except STARTINDEX, and has the given STARTINDEX and COUNT.
func expectSameParameters(t *testing.T, link string, original, got url.Values, start, count int) {
	t.Helper()
	for k, v := range original {
		if k == "STARTINDEX" {
			continue
		}
		if !slices.Equal(got[k], v) {
			t.Errorf("link %s: %s = %q, want %q", link, k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := original[k]; !ok && k != "STARTINDEX" {
			t.Errorf("link %s adds parameter %s", link, k)
		}
	}
	if got.Get("STARTINDEX") != strconv.Itoa(start) {
		t.Errorf("link %s: STARTINDEX = %q, want %d", link, got.Get("STARTINDEX"), start)
	}
	if got.Get("COUNT") != strconv.Itoa(count) {
		t.Errorf("link %s: COUNT = %q, want %d", link, got.Get("COUNT"), count)
	}
}

// walkPages follows next links from the first page and returns every id in page order.
// It checks numberMatched, the links and their parameters on every page.
func walkPages(t *testing.T, srv *testserver.Server, first url.Values, typeName string, count int) (ids []string, matched int64) {
	t.Helper()
	original := url.Values{}
	for k, v := range first {
		original[strings.ToUpper(k)] = v
	}
	query := first.Encode()
	start := 0
	for n := 0; ; n++ {
		if n > 1000 {
			t.Fatalf("more than 1000 pages")
		}
		p := fetchPage(t, srv, query, typeName)
		if n == 0 {
			matched = p.matched
		} else if p.matched != matched {
			t.Errorf("page %d: numberMatched = %d, first page said %d", n, p.matched, matched)
		}
		ids = append(ids, p.ids...)
		if p.hasPrevious != (start > 0) {
			t.Errorf("page %d (STARTINDEX %d): previous link present = %v", n, start, p.hasPrevious)
		}
		if p.hasPrevious {
			_, prev := queryOf(t, srv, p.previous)
			expectSameParameters(t, p.previous, original, prev, max(start-count, 0), count)
		}
		last := int64(start+count) >= matched
		if p.hasNext == last {
			t.Errorf("page %d (STARTINDEX %d of %d): next link present = %v", n, start, matched, p.hasNext)
		}
		if !p.hasNext {
			return ids, matched
		}
		var next url.Values
		query, next = queryOf(t, srv, p.next)
		expectSameParameters(t, p.next, original, next, start+count, count)
		start += count
	}
}

func TestPaging_SortByNonUniqueColumn(t *testing.T) {
	srv := start(t)
	box, _ := ductBox(t, srv)
	// A wider box than ductBox's, so that the pages hold a few dozen ducts.
	box[0], box[1], box[2], box[3] = box[0]-2000, box[1]-2000, box[2]+2000, box[3]+2000
	want := queryStrings(t, srv.Pool, `SELECT 'duct.' || id FROM netdata.duct
		WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 2154)) ORDER BY lifecycle_status, id`,
		box[0], box[1], box[2], box[3])
	distinct := queryInt(t, srv.Pool, `SELECT count(DISTINCT lifecycle_status) FROM netdata.duct
		WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 2154))`, box[0], box[1], box[2], box[3])
	if int64(len(want)) <= distinct {
		t.Skipf("the box holds %d ducts for %d statuses: the sort column would be unique", len(want), distinct)
	}

	const count = 7
	first := url.Values{
		"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:duct"},
		"COUNT": {strconv.Itoa(count)}, "STARTINDEX": {"0"}, "SORTBY": {"lifecycle_status ASC"},
		"PROPERTYNAME": {"lifecycle_status"}, "BBOX": {fmt.Sprintf("%f,%f,%f,%f,urn:ogc:def:crs:EPSG::2154", box[0], box[1], box[2], box[3])},
	}
	got, matched := walkPages(t, srv, first, "duct", count)
	if matched != int64(len(want)) {
		t.Errorf("numberMatched = %d, want %d", matched, len(want))
	}
	if !slices.Equal(got, want) {
		t.Errorf("the pages in order differ from ORDER BY lifecycle_status, id:\ngot  %v\nwant %v", got, want)
	}
}

func TestPaging_SortByNumber(t *testing.T) {
	// Numbers sort as numbers, not as their text: 9 before 10.
	srv := start(t)
	want := queryStrings(t, srv.Pool, `SELECT 'duct.' || id FROM netdata.duct
		WHERE inner_diameter_mm IS NOT NULL ORDER BY inner_diameter_mm DESC, id LIMIT 40`)
	if len(want) == 0 {
		t.Skip("no duct has an inner diameter: load the demo data")
	}
	filter := `<fes:Filter xmlns:fes="http://www.opengis.net/fes/2.0"><fes:Not><fes:PropertyIsNull>` +
		`<fes:ValueReference>inner_diameter_mm</fes:ValueReference></fes:PropertyIsNull></fes:Not></fes:Filter>`
	root := expectOK(t, get(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:duct",
		"COUNT", "40", "SORTBY", "inner_diameter_mm DESC", "PROPERTYNAME", "inner_diameter_mm", "FILTER", filter)))
	if got := featureIDs(root, "duct"); !slices.Equal(got, want) {
		t.Errorf("order differs from ORDER BY inner_diameter_mm DESC, id:\ngot  %v\nwant %v", got, want)
	}

	// Without SORTBY the key orders the features, as a number too.
	want = queryStrings(t, srv.Pool, "SELECT 'duct.' || id FROM netdata.duct ORDER BY id LIMIT 15")
	root = expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=15&PROPERTYNAME=code"))
	if got := featureIDs(root, "duct"); !slices.Equal(got, want) {
		t.Errorf("default order differs from ORDER BY id:\ngot  %v\nwant %v", got, want)
	}
}

func TestPaging_BBoxInOtherCRS(t *testing.T) {
	// The BBOX, given in EPSG:4326, is transformed and applied before COUNT and
	// STARTINDEX: the pages hold the same features as the unpaged request.
	srv := start(t)
	var minLon, minLat, maxLon, maxLat float64
	err := srv.Pool.QueryRow(t.Context(), `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
		SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 2154), 4326) AS e
		  FROM (SELECT geom FROM netdata.duct ORDER BY id LIMIT 10) d) x`).Scan(&minLon, &minLat, &maxLon, &maxLat)
	if err != nil {
		t.Fatalf("extent of the first ducts: %v", err)
	}
	total := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct")
	bbox := fmt.Sprintf("%.7f,%.7f,%.7f,%.7f,urn:ogc:def:crs:EPSG::4326", minLat, minLon, maxLat, maxLon)

	all := fetchPage(t, srv, kvp("SERVICE", "WFS", "VERSION", "2.0.0", "REQUEST", "GetFeature", "TYPENAMES", "net:duct",
		"PROPERTYNAME", "code", "BBOX", bbox), "duct")
	if all.matched < 10 || all.matched >= total {
		t.Fatalf("the box matches %d of %d ducts, want at least the 10 it was drawn around and fewer than all", all.matched, total)
	}
	const count = 4
	first := url.Values{"SERVICE": {"WFS"}, "VERSION": {"2.0.0"}, "REQUEST": {"GetFeature"}, "TYPENAMES": {"net:duct"},
		"PROPERTYNAME": {"code"}, "BBOX": {bbox}, "COUNT": {strconv.Itoa(count)}, "SRSNAME": {"urn:ogc:def:crs:EPSG::4326"}}
	got, matched := walkPages(t, srv, first, "duct", count)
	if matched != all.matched {
		t.Errorf("paged numberMatched = %d, unpaged %d", matched, all.matched)
	}
	if !slices.Equal(got, all.ids) {
		t.Errorf("pages differ from the unpaged response:\npages    %v\nunpaged  %v", got, all.ids)
	}
}

func TestHits_NumberMatched(t *testing.T) {
	srv := start(t)
	want := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct")
	if want < 3 {
		t.Skip("netdata.duct has fewer than 3 rows: load the demo data")
	}
	for _, c := range []struct{ name, query string }{
		{"hits", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits"},
		{"hits with COUNT", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits&COUNT=2"},
		{"hits with STARTINDEX", "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits&STARTINDEX=2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := expectOK(t, get(t, srv, c.query))
			if got := intAttr(t, root, "numberMatched"); got != want {
				t.Errorf("numberMatched = %d, want %d", got, want)
			}
			if got := intAttr(t, root, "numberReturned"); got != 0 {
				t.Errorf("numberReturned = %d, want 0", got)
			}
			if len(root.Nodes) != 0 {
				t.Errorf("hits response has %d members, want none", len(root.Nodes))
			}
		})
	}
	t.Run("results", func(t *testing.T) {
		root := expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=2&PROPERTYNAME=code"))
		if got := intAttr(t, root, "numberMatched"); got != want {
			t.Errorf("numberMatched = %d, want %d", got, want)
		}
		if got := intAttr(t, root, "numberReturned"); got != 2 {
			t.Errorf("numberReturned = %d, want 2", got)
		}
	})
	t.Run("1.1 numberOfFeatures", func(t *testing.T) {
		root := expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=net:duct&RESULTTYPE=hits&MAXFEATURES=2"))
		if !root.is(nsWFS, "FeatureCollection") {
			t.Fatalf("root is {%s}%s, want the WFS 1.1 FeatureCollection", root.XMLName.Space, root.XMLName.Local)
		}
		if got := intAttr(t, root, "numberOfFeatures"); got != want {
			t.Errorf("numberOfFeatures = %d, want %d", got, want)
		}
	})
	t.Run("GeoJSON", func(t *testing.T) {
		var fc struct {
			NumberMatched  int64 `json:"numberMatched"`
			NumberReturned int64 `json:"numberReturned"`
		}
		decodeJSON(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits&OUTPUTFORMAT=application/json"), &fc)
		if fc.NumberMatched != want || fc.NumberReturned != 0 {
			t.Errorf("numberMatched %d numberReturned %d, want %d and 0", fc.NumberMatched, fc.NumberReturned, want)
		}
	})
	t.Run("bad RESULTTYPE", func(t *testing.T) {
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=some")
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "resultType")
	})
	t.Run("COUNT too large", func(t *testing.T) {
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&COUNT=99999999999999999999999")
		rep := expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "count")
		if !strings.Contains(rep.text, "is larger than") {
			t.Errorf("the exception does not say the count is too large: %q", rep.text)
		}
	})
	t.Run("resolve parameters", func(t *testing.T) {
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&RESULTTYPE=hits&RESOLVE=local&RESOLVEDEPTH=*&RESOLVETIMEOUT=30")
		if got := intAttr(t, expectOK(t, r), "numberMatched"); got != want {
			t.Errorf("with valid resolve parameters numberMatched = %d, want %d", got, want)
		}
		for param, locator := range map[string]string{"RESOLVE=bogus": "resolve", "RESOLVEDEPTH=-1": "resolveDepth", "RESOLVETIMEOUT=soon": "resolveTimeout"} {
			r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&"+param)
			expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", locator)
		}
		body := `<wfs:GetFeature service="WFS" version="2.0.0" resolve="bogus" xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:net="http://fourreau.org/net">
			<wfs:Query typeNames="net:duct"/></wfs:GetFeature>`
		r = post(t, srv, "application/xml", body)
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "resolve")
	})
	t.Run("GetFeatureWithLock", func(t *testing.T) {
		// GetFeatureWithLock returns the features it locks, so it has no hits form.
		r := get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeatureWithLock&TYPENAMES=net:duct&RESULTTYPE=hits")
		expectException(t, r, http.StatusBadRequest, "InvalidParameterValue", "resultType")
	})
}

func TestPaging_CountDefault(t *testing.T) {
	const limit = 3
	srv := start(t, func(c *config.Config) { c.WFS.CountDefault = limit })
	total := queryInt(t, srv.Pool, "SELECT count(*) FROM netdata.duct")
	if total <= limit {
		t.Skipf("netdata.duct has %d rows, the test needs more than %d", total, limit)
	}

	caps := expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities"))
	constraints := map[string]string{}
	for _, c := range caps.all(nsOWS11, "Constraint") {
		name, _ := c.attr("name")
		if v := c.child(nsOWS11, "DefaultValue"); v != nil {
			constraints[name] = v.Text
		}
	}
	if got := constraints["ImplementsResultPaging"]; got != "TRUE" {
		t.Errorf("ImplementsResultPaging = %q, want TRUE", got)
	}
	if got := constraints["CountDefault"]; got != strconv.Itoa(limit) {
		t.Errorf("CountDefault = %q, want %d", got, limit)
	}

	p := fetchPage(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&PROPERTYNAME=code", "duct")
	if p.returned != limit || p.matched != total {
		t.Errorf("without COUNT: numberReturned %d numberMatched %d, want %d and %d", p.returned, p.matched, limit, total)
	}
	if !p.hasNext {
		t.Errorf("a page cut by CountDefault has no next link")
	}
	p = fetchPage(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct&PROPERTYNAME=code&COUNT=100", "duct")
	if p.returned != limit {
		t.Errorf("COUNT above CountDefault: numberReturned %d, want %d", p.returned, limit)
	}
}

func TestPaging_SeveralQueries(t *testing.T) {
	// COUNT and STARTINDEX apply to the whole response, not to each query: the features
	// of the queries follow each other and the window cuts across them.
	srv := start(t)
	ducts := queryStrings(t, srv.Pool, "SELECT 'duct.' || id FROM netdata.duct ORDER BY id")
	routes := queryStrings(t, srv.Pool, "SELECT 'route.' || id FROM netdata.route ORDER BY id")
	if len(ducts) < 3 || len(routes) < 3 {
		t.Skip("netdata.duct or netdata.route has fewer than 3 rows: load the demo data")
	}
	start := strconv.Itoa(len(ducts) - 1)
	wantDucts, wantRoutes := ducts[len(ducts)-1:], routes[:2]
	total := int64(len(ducts) + len(routes))

	t.Run("GML", func(t *testing.T) {
		root := expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct,net:route&PROPERTYNAME=code&COUNT=3&STARTINDEX="+start))
		if got := intAttr(t, root, "numberMatched"); got != total {
			t.Errorf("numberMatched = %d, want %d", got, total)
		}
		if got := intAttr(t, root, "numberReturned"); got != 3 {
			t.Errorf("numberReturned = %d, want 3", got)
		}
		if got := featureIDs(root, "duct"); !slices.Equal(got, wantDucts) {
			t.Errorf("ducts = %v, want %v", got, wantDucts)
		}
		if got := featureIDs(root, "route"); !slices.Equal(got, wantRoutes) {
			t.Errorf("routes = %v, want %v", got, wantRoutes)
		}
		next, _ := root.attr("next")
		if _, q := queryOf(t, srv, next); q.Get("STARTINDEX") != strconv.Itoa(len(ducts)+2) || q.Get("TYPENAMES") != "net:duct,net:route" {
			t.Errorf("next link %q does not continue after the third feature of both types", next)
		}
		var nested []string
		for _, member := range root.Nodes {
			if fc := member.child(nsWFS20, "FeatureCollection"); fc != nil {
				m, _ := fc.attr("numberMatched")
				r, _ := fc.attr("numberReturned")
				nested = append(nested, m+"/"+r)
			}
		}
		if want := []string{strconv.Itoa(len(ducts)) + "/1", strconv.Itoa(len(routes)) + "/2"}; !slices.Equal(nested, want) {
			t.Errorf("nested collections matched/returned = %v, want %v", nested, want)
		}
	})
	t.Run("GeoJSON", func(t *testing.T) {
		var fc featureCollection
		decodeJSON(t, get(t, srv, "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=net:duct,net:route&PROPERTYNAME=code"+
			"&OUTPUTFORMAT=application/json&COUNT=3&STARTINDEX="+start), &fc)
		var got []string
		for _, f := range fc.Features {
			got = append(got, f.ID)
		}
		if want := append(slices.Clone(wantDucts), wantRoutes...); !slices.Equal(got, want) {
			t.Errorf("features = %v, want %v", got, want)
		}
		if fc.NumberMatched == nil || *fc.NumberMatched != total {
			t.Errorf("numberMatched = %v, want %d", fc.NumberMatched, total)
		}
	})
	t.Run("1.1 MAXFEATURES", func(t *testing.T) {
		root := expectOK(t, get(t, srv, "SERVICE=WFS&VERSION=1.1.0&REQUEST=GetFeature&TYPENAME=net:duct,net:route&PROPERTYNAME=code&MAXFEATURES=3"))
		if got := featureIDs(root, "duct"); !slices.Equal(got, ducts[:3]) {
			t.Errorf("ducts = %v, want %v", got, ducts[:3])
		}
		if got := featureIDs(root, "route"); len(got) != 0 {
			t.Errorf("routes = %v, want none after three ducts", got)
		}
	})
}

package wms_test

import (
	"context"
	"encoding/xml"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// capsDoc is the part of a capabilities document (either version) the tests read.
type capsDoc struct {
	XMLName xml.Name
	Layer   capsLayer `xml:"Capability>Layer"`
}

type capsLayer struct {
	Queryable string     `xml:"queryable,attr"`
	Name      string     `xml:"Name"`
	Title     string     `xml:"Title"`
	CRS       []string   `xml:"CRS"`
	SRS       []string   `xml:"SRS"`
	BBoxes    []capsBBox `xml:"BoundingBox"`
	LatLon    *capsBBox  `xml:"LatLonBoundingBox"`
	Styles    []struct {
		Name   string `xml:"Name"`
		Legend struct {
			Width  int `xml:"width,attr"`
			Height int `xml:"height,attr"`
			Href   struct {
				Href string `xml:"http://www.w3.org/1999/xlink href,attr"`
			} `xml:"OnlineResource"`
		} `xml:"LegendURL"`
	} `xml:"Style"`
	MaxScale  string `xml:"MaxScaleDenominator"`
	ScaleHint *struct {
		Min string `xml:"min,attr"`
		Max string `xml:"max,attr"`
	} `xml:"ScaleHint"`
	Layers []capsLayer `xml:"Layer"`
}

type capsBBox struct {
	CRS  string  `xml:"CRS,attr"`
	SRS  string  `xml:"SRS,attr"`
	MinX float64 `xml:"minx,attr"`
	MinY float64 `xml:"miny,attr"`
	MaxX float64 `xml:"maxx,attr"`
	MaxY float64 `xml:"maxy,attr"`
}

func parseCaps(t *testing.T, body []byte) capsDoc {
	t.Helper()
	var doc capsDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("parse capabilities: %v\n%s", err, clip(body))
	}
	return doc
}

// find returns the layer called name anywhere under l.
func (l *capsLayer) find(name string) *capsLayer {
	if l.Name == name {
		return l
	}
	for i := range l.Layers {
		if f := l.Layers[i].find(name); f != nil {
			return f
		}
	}
	return nil
}

func (l *capsLayer) bbox(crs string) *capsBBox {
	for i := range l.BBoxes {
		if l.BBoxes[i].CRS == crs || l.BBoxes[i].SRS == crs {
			return &l.BBoxes[i]
		}
	}
	return nil
}

func (l *capsLayer) walk(fn func(*capsLayer)) {
	fn(l)
	for i := range l.Layers {
		l.Layers[i].walk(fn)
	}
}

func TestCapabilities_130(t *testing.T) {
	srv := startServer(t)
	dir := ogcSchemas(t)
	r := get(t, srv, "SERVICE=WMS&REQUEST=GetCapabilities")
	if r.status != http.StatusOK || !strings.HasPrefix(r.contentType, "text/xml") {
		t.Fatalf("status %d, content type %q", r.status, r.contentType)
	}
	validateSchema(t, dir, r.body, map[string]string{
		"http://www.opengis.net/wms": "ogc/wms/1.3.0/capabilities_1_3_0.xsd",
		"http://www.opengis.net/sld": "ogc/sld/1.1.0/sld_capabilities.xsd",
	})
	doc := parseCaps(t, r.body)
	if doc.XMLName.Local != "WMS_Capabilities" {
		t.Fatalf("root element %s", doc.XMLName.Local)
	}
	root := &doc.Layer
	for _, want := range []string{"EPSG:2154", "EPSG:3857", "EPSG:4326", "CRS:84"} {
		if !contains(root.CRS, want) {
			t.Errorf("root layer does not offer %s: %v", want, root.CRS)
		}
	}
	for _, name := range []string{"networks", "networks.ELEC", "networks.GAZ", "duct", "technical_point", "test_lines", "test_points", "test_areas"} {
		l := root.find(name)
		if l == nil {
			t.Errorf("layer %s is not listed", name)
			continue
		}
		if l.Queryable != "1" {
			t.Errorf("layer %s is not queryable", name)
		}
		if name != "networks" && len(l.Styles) == 0 {
			t.Errorf("layer %s has no style", name)
		}
	}

	lines := root.find("test_lines")
	if lines == nil {
		t.Fatal("test_lines is not listed")
	}
	var styleNames []string
	for _, s := range lines.Styles {
		styleNames = append(styleNames, s.Name)
	}
	if strings.Join(styleNames, ",") != "default,thick" {
		t.Errorf("styles of test_lines = %v, want the derived default then the file style thick", styleNames)
	}

	// WMS 1.3.0 orders the values of a BoundingBox by the axes of its CRS: latitude
	// first for EPSG:4326, longitude first for CRS:84.
	var minLon, minLat, maxLon, maxLat float64
	err := srv.Pool.QueryRow(context.Background(), `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(ST_Transform(geom, 4326)) AS e FROM wmstest.lines) x`).Scan(&minLon, &minLat, &maxLon, &maxLat)
	if err != nil {
		t.Fatal(err)
	}
	geo, crs84 := lines.bbox("EPSG:4326"), lines.bbox("CRS:84")
	if geo == nil || crs84 == nil {
		t.Fatalf("test_lines lacks an EPSG:4326 or CRS:84 bounding box: %+v", lines.BBoxes)
	}
	checkHolds(t, "EPSG:4326 (lat/lon)", geo.MinX, geo.MinY, geo.MaxX, geo.MaxY, minLat, minLon, maxLat, maxLon)
	checkHolds(t, "CRS:84 (lon/lat)", crs84.MinX, crs84.MinY, crs84.MaxX, crs84.MaxY, minLon, minLat, maxLon, maxLat)
	if l93 := lines.bbox("EPSG:2154"); l93 == nil || l93.MinX > 700040 || l93.MaxX < 700380 || l93.MinY > 6600020 || l93.MaxY < 6600380 {
		t.Errorf("EPSG:2154 box %+v does not hold the lines", l93)
	}

	points := root.find("test_points")
	if points == nil || points.MaxScale != "100000" {
		t.Errorf("test_points MaxScaleDenominator = %q, want 100000 (points are hidden on small-scale maps)", points.MaxScale)
	}
}

// checkHolds checks that a capabilities box holds the data box and exceeds it by less
// than 0.001 degree.
func checkHolds(t *testing.T, what string, minX, minY, maxX, maxY, dMinX, dMinY, dMaxX, dMaxY float64) {
	t.Helper()
	const slack = 0.001
	ok := minX <= dMinX && minY <= dMinY && maxX >= dMaxX && maxY >= dMaxY &&
		dMinX-minX < slack && dMinY-minY < slack && maxX-dMaxX < slack && maxY-dMaxY < slack
	if !ok {
		t.Errorf("%s box = %g,%g,%g,%g; the data spans %g,%g,%g,%g", what, minX, minY, maxX, maxY, dMinX, dMinY, dMaxX, dMaxY)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCapabilities_111(t *testing.T) {
	srv := startServer(t)
	dir := ogcSchemas(t)
	r := get(t, srv, "SERVICE=WMS&VERSION=1.1.1&REQUEST=GetCapabilities")
	if r.status != http.StatusOK || !strings.HasPrefix(r.contentType, "application/vnd.ogc.wms_xml") {
		t.Fatalf("status %d, content type %q", r.status, r.contentType)
	}
	validateDTD(t, dir, r.body)
	doc := parseCaps(t, r.body)
	if doc.XMLName.Local != "WMT_MS_Capabilities" {
		t.Fatalf("root element %s", doc.XMLName.Local)
	}
	if !contains(doc.Layer.SRS, "EPSG:4326") || contains(doc.Layer.SRS, "CRS:84") {
		t.Errorf("SRS list %v: want EPSG:4326 and no CRS:84 in 1.1.1", doc.Layer.SRS)
	}
	lines := doc.Layer.find("test_lines")
	if lines == nil || lines.LatLon == nil {
		t.Fatal("test_lines or its LatLonBoundingBox is missing")
	}
	geo := lines.bbox("EPSG:4326")
	if geo == nil || geo.MinX != lines.LatLon.MinX || geo.MinY != lines.LatLon.MinY {
		t.Errorf("1.1.1 EPSG:4326 box %+v must be longitude first like the LatLonBoundingBox %+v", geo, lines.LatLon)
	}
	points := doc.Layer.find("test_points")
	if points == nil || points.ScaleHint == nil {
		t.Fatal("test_points has no ScaleHint")
	}
	max, err := strconv.ParseFloat(points.ScaleHint.Max, 64)
	if want := 100000 * 0.00028 * math.Sqrt2; err != nil || math.Abs(max-want) > 1e-6 {
		t.Errorf("ScaleHint max = %s, want %g (the pixel diagonal at 1:100000)", points.ScaleHint.Max, want)
	}
}

func TestCapabilities_VersionNegotiation(t *testing.T) {
	srv := startServer(t)
	for version, root := range map[string]string{"1.0.0": "WMT_MS_Capabilities", "1.1.0": "WMT_MS_Capabilities", "1.2.0": "WMT_MS_Capabilities", "1.3.0": "WMS_Capabilities", "2.0.0": "WMS_Capabilities"} {
		r := get(t, srv, "SERVICE=WMS&REQUEST=GetCapabilities&VERSION="+version)
		if got := parseCaps(t, r.body).XMLName.Local; got != root {
			t.Errorf("VERSION=%s answered %s, want %s", version, got, root)
		}
	}
}

func TestGetLegendGraphic_EveryStyle(t *testing.T) {
	srv := startServer(t)
	doc := parseCaps(t, get(t, srv, "SERVICE=WMS&REQUEST=GetCapabilities").body)
	n := 0
	doc.Layer.walk(func(l *capsLayer) {
		for _, st := range l.Styles {
			href := st.Legend.Href.Href
			if !strings.HasPrefix(href, srv.URL+"/wms?") {
				t.Errorf("%s/%s: legend URL %q is not on the server", l.Name, st.Name, href)
				continue
			}
			img := decodePNG(t, get(t, srv, strings.TrimPrefix(href, srv.URL+"/wms?")))
			if b := img.Bounds(); b.Dx() != st.Legend.Width || b.Dy() != st.Legend.Height {
				t.Errorf("%s/%s: legend is %dx%d, capabilities say %dx%d", l.Name, st.Name, b.Dx(), b.Dy(), st.Legend.Width, st.Legend.Height)
			}
			n++
		}
	})
	if n < 10 {
		t.Errorf("only %d legends were checked", n)
	}
}

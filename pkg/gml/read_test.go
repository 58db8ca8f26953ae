package gml

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/fourreau/fourreau/pkg/crs"
	"github.com/fourreau/fourreau/pkg/geom"
	"github.com/fourreau/fourreau/pkg/ows"
)

// testRegistry contains EPSG:4326 and EPSG:3035 (northing first) and EPSG:2154 (easting
// first), as the spatial_ref_sys table of PostGIS defines them.
func testRegistry() *crs.Registry {
	return crs.NewRegistry(func(srid int) (crs.Info, bool, error) {
		switch srid {
		case 4326:
			return crs.Info{SRID: 4326, NorthingFirst: true, Geographic: true}, true, nil
		case 3035:
			return crs.Info{SRID: 3035, NorthingFirst: true}, true, nil
		case 2154:
			return crs.Info{SRID: 2154}, true, nil
		}
		return crs.Info{}, false, nil
	})
}

const (
	gml32 = `xmlns:gml="http://www.opengis.net/gml/3.2"`
	gml31 = `xmlns:gml="http://www.opengis.net/gml"`
)

func readString(t *testing.T, doc string, def crs.Name) (Geometry, error) {
	t.Helper()
	e, err := ows.ParseXML(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return Read(e, def, testRegistry())
}

func TestRead_Forms(t *testing.T) {
	l93 := crs.Name{SRID: 2154, Form: crs.FormURN}
	cases := []struct {
		name string
		doc  string
		def  crs.Name
		want string
	}{
		{"point pos 3.2", `<gml:Point ` + gml32 + ` srsName="urn:ogc:def:crs:EPSG::2154"><gml:pos>651000 6862000</gml:pos></gml:Point>`, l93,
			"SRID=2154;POINT (651000 6862000)"},
		{"point latitude first", `<gml:Point ` + gml32 + ` srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>48.85 2.35</gml:pos></gml:Point>`, l93,
			"SRID=4326;POINT (2.35 48.85)"},
		{"point EPSG short form is x/y", `<gml:Point ` + gml31 + ` srsName="EPSG:4326"><gml:pos>2.35 48.85</gml:pos></gml:Point>`, l93,
			"SRID=4326;POINT (2.35 48.85)"},
		{"point http form", `<gml:Point ` + gml32 + ` srsName="http://www.opengis.net/def/crs/EPSG/0/4326"><gml:pos>48.85 2.35</gml:pos></gml:Point>`, l93,
			"SRID=4326;POINT (2.35 48.85)"},
		{"point legacy http form", `<gml:Point ` + gml31 + ` srsName="http://www.opengis.net/gml/srs/epsg.xml#4326"><gml:coordinates>2.35,48.85</gml:coordinates></gml:Point>`, l93,
			"SRID=4326;POINT (2.35 48.85)"},
		{"point CRS84", `<gml:Point ` + gml32 + ` srsName="urn:ogc:def:crs:OGC:1.3:CRS84"><gml:pos>2.35 48.85</gml:pos></gml:Point>`, l93,
			"SRID=4326;POINT (2.35 48.85)"},
		{"point default CRS", `<gml:Point ` + gml32 + `><gml:pos>1 2</gml:pos></gml:Point>`, l93,
			"SRID=2154;POINT (1 2)"},
		{"point default CRS northing first", `<gml:Point ` + gml32 + `><gml:pos>48 2</gml:pos></gml:Point>`, crs.Name{SRID: 4326, Form: crs.FormURN},
			"SRID=4326;POINT (2 48)"},
		{"point GML 2 coord", `<gml:Point ` + gml31 + `><gml:coord><gml:X>1</gml:X><gml:Y>2</gml:Y></gml:coord></gml:Point>`, l93,
			"SRID=2154;POINT (1 2)"},
		{"point Z", `<gml:Point ` + gml32 + ` srsDimension="3"><gml:pos>1 2 3</gml:pos></gml:Point>`, l93,
			"SRID=2154;POINT Z (1 2 3)"},
		{"line posList", `<gml:LineString ` + gml32 + `><gml:posList>0 0 10 0 10 10</gml:posList></gml:LineString>`, l93,
			"SRID=2154;LINESTRING (0 0,10 0,10 10)"},
		{"line posList 3D", `<gml:LineString ` + gml32 + `><gml:posList srsDimension="3">0 0 1 10 0 2</gml:posList></gml:LineString>`, l93,
			"SRID=2154;LINESTRING Z (0 0 1,10 0 2)"},
		{"line posList 3D on parent", `<gml:LineString ` + gml32 + ` srsDimension="3"><gml:posList>0 0 1 10 0 2</gml:posList></gml:LineString>`, l93,
			"SRID=2154;LINESTRING Z (0 0 1,10 0 2)"},
		{"line pos elements", `<gml:LineString ` + gml31 + `><gml:pos>0 0</gml:pos><gml:pos>1 1</gml:pos></gml:LineString>`, l93,
			"SRID=2154;LINESTRING (0 0,1 1)"},
		{"line GML 2 coordinates", `<gml:LineString ` + gml31 + `><gml:coordinates>0,0 1,1 2,0</gml:coordinates></gml:LineString>`, l93,
			"SRID=2154;LINESTRING (0 0,1 1,2 0)"},
		{"line GML 2 custom separators", `<gml:LineString ` + gml31 + `><gml:coordinates decimal="," cs=";" ts="|">0,5;0|1;1,5</gml:coordinates></gml:LineString>`, l93,
			"SRID=2154;LINESTRING (0.5 0,1 1.5)"},
		{"line latitude first", `<gml:LineString ` + gml32 + ` srsName="urn:ogc:def:crs:EPSG::4326"><gml:posList>48 2 49 3</gml:posList></gml:LineString>`, l93,
			"SRID=4326;LINESTRING (2 48,3 49)"},
		{"curve segments", `<gml:Curve ` + gml32 + `><gml:segments><gml:LineStringSegment><gml:posList>0 0 1 0</gml:posList></gml:LineStringSegment><gml:LineStringSegment><gml:posList>1 0 1 1</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve>`, l93,
			"SRID=2154;LINESTRING (0 0,1 0,1 1)"},
		{"polygon with hole", `<gml:Polygon ` + gml32 + `><gml:exterior><gml:LinearRing><gml:posList>0 0 10 0 10 10 0 10 0 0</gml:posList></gml:LinearRing></gml:exterior><gml:interior><gml:LinearRing><gml:posList>1 1 2 1 2 2 1 1</gml:posList></gml:LinearRing></gml:interior></gml:Polygon>`, l93,
			"SRID=2154;POLYGON ((0 0,10 0,10 10,0 10,0 0),(1 1,2 1,2 2,1 1))"},
		{"polygon GML 2", `<gml:Polygon ` + gml31 + `><gml:outerBoundaryIs><gml:LinearRing><gml:coordinates>0,0 1,0 1,1 0,0</gml:coordinates></gml:LinearRing></gml:outerBoundaryIs></gml:Polygon>`, l93,
			"SRID=2154;POLYGON ((0 0,1 0,1 1,0 0))"},
		{"surface patch", `<gml:Surface ` + gml32 + `><gml:patches><gml:PolygonPatch><gml:exterior><gml:LinearRing><gml:posList>0 0 1 0 1 1 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:PolygonPatch></gml:patches></gml:Surface>`, l93,
			"SRID=2154;POLYGON ((0 0,1 0,1 1,0 0))"},
		{"envelope", `<gml:Envelope ` + gml32 + ` srsName="urn:ogc:def:crs:EPSG::2154"><gml:lowerCorner>0 1</gml:lowerCorner><gml:upperCorner>2 3</gml:upperCorner></gml:Envelope>`, l93,
			"SRID=2154;POLYGON ((0 1,2 1,2 3,0 3,0 1))"},
		{"envelope latitude first", `<gml:Envelope ` + gml32 + ` srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>48 2</gml:lowerCorner><gml:upperCorner>49 3</gml:upperCorner></gml:Envelope>`, l93,
			"SRID=4326;POLYGON ((2 48,3 48,3 49,2 49,2 48))"},
		{"box GML 2", `<gml:Box ` + gml31 + `><gml:coordinates>0,1 2,3</gml:coordinates></gml:Box>`, l93,
			"SRID=2154;POLYGON ((0 1,2 1,2 3,0 3,0 1))"},
		{"multipoint members", `<gml:MultiPoint ` + gml32 + `><gml:pointMember><gml:Point><gml:pos>0 0</gml:pos></gml:Point></gml:pointMember><gml:pointMember><gml:Point><gml:pos>1 1</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint>`, l93,
			"SRID=2154;MULTIPOINT ((0 0),(1 1))"},
		{"multipoint pointMembers", `<gml:MultiPoint ` + gml32 + `><gml:pointMembers><gml:Point><gml:pos>0 0</gml:pos></gml:Point><gml:Point><gml:pos>1 1</gml:pos></gml:Point></gml:pointMembers></gml:MultiPoint>`, l93,
			"SRID=2154;MULTIPOINT ((0 0),(1 1))"},
		{"multilinestring GML 2", `<gml:MultiLineString ` + gml31 + `><gml:lineStringMember><gml:LineString><gml:coordinates>0,0 1,1</gml:coordinates></gml:LineString></gml:lineStringMember></gml:MultiLineString>`, l93,
			"SRID=2154;MULTILINESTRING ((0 0,1 1))"},
		{"multicurve", `<gml:MultiCurve ` + gml32 + ` srsName="urn:ogc:def:crs:EPSG::4326"><gml:curveMember><gml:LineString><gml:posList>48 2 49 3</gml:posList></gml:LineString></gml:curveMember></gml:MultiCurve>`, l93,
			"SRID=4326;MULTILINESTRING ((2 48,3 49))"},
		{"multisurface", `<gml:MultiSurface ` + gml32 + `><gml:surfaceMember><gml:Polygon><gml:exterior><gml:LinearRing><gml:posList>0 0 1 0 1 1 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></gml:surfaceMember></gml:MultiSurface>`, l93,
			"SRID=2154;MULTIPOLYGON (((0 0,1 0,1 1,0 0)))"},
		{"multigeometry", `<gml:MultiGeometry ` + gml32 + `><gml:geometryMember><gml:Point><gml:pos>0 0</gml:pos></gml:Point></gml:geometryMember><gml:geometryMember><gml:LineString><gml:posList>0 0 1 1</gml:posList></gml:LineString></gml:geometryMember></gml:MultiGeometry>`, l93,
			"SRID=2154;GEOMETRYCOLLECTION (POINT (0 0),LINESTRING (0 0,1 1))"},
		{"member with same srsName", `<gml:MultiPoint ` + gml32 + ` srsName="urn:ogc:def:crs:EPSG::4326"><gml:pointMember><gml:Point srsName="EPSG:4326"><gml:pos>2 48</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint>`, l93,
			"SRID=4326;MULTIPOINT ((2 48))"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := readString(t, c.doc, c.def)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got := g.String(); got != c.want {
				t.Errorf("Read = %s, want %s", got, c.want)
			}
		})
	}
}

func TestRead_Rejects(t *testing.T) {
	l93 := crs.Name{SRID: 2154, Form: crs.FormURN}
	cases := []struct {
		name, doc, text string
	}{
		{"unknown CRS", `<gml:Point ` + gml32 + ` srsName="EPSG:999999"><gml:pos>1 2</gml:pos></gml:Point>`, "unknown CRS"},
		{"garbage CRS", `<gml:Point ` + gml32 + ` srsName="'; DROP TABLE x; --"><gml:pos>1 2</gml:pos></gml:Point>`, "unknown CRS"},
		{"not a number", `<gml:Point ` + gml32 + `><gml:pos>1 abc</gml:pos></gml:Point>`, "not a finite number"},
		{"NaN", `<gml:Point ` + gml32 + `><gml:pos>1 NaN</gml:pos></gml:Point>`, "not a finite number"},
		{"infinity", `<gml:Point ` + gml32 + `><gml:pos>1 1e400</gml:pos></gml:Point>`, "not a finite number"},
		{"one value", `<gml:Point ` + gml32 + `><gml:pos>1</gml:pos></gml:Point>`, "2 or 3"},
		{"four values", `<gml:Point ` + gml32 + `><gml:pos>1 2 3 4</gml:pos></gml:Point>`, "2 or 3"},
		{"posList not multiple", `<gml:LineString ` + gml32 + `><gml:posList>0 0 1</gml:posList></gml:LineString>`, "not a multiple"},
		{"line with one position", `<gml:LineString ` + gml32 + `><gml:posList>0 0</gml:posList></gml:LineString>`, "at least two positions"},
		{"open ring", `<gml:Polygon ` + gml32 + `><gml:exterior><gml:LinearRing><gml:posList>0 0 1 0 1 1 0 1</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`, "not closed"},
		{"short ring", `<gml:Polygon ` + gml32 + `><gml:exterior><gml:LinearRing><gml:posList>0 0 1 0 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`, "at least four"},
		{"no exterior", `<gml:Polygon ` + gml32 + `></gml:Polygon>`, "exterior ring"},
		{"two exteriors", `<gml:Polygon ` + gml32 + `><gml:exterior><gml:LinearRing><gml:posList>0 0 1 0 1 1 0 0</gml:posList></gml:LinearRing></gml:exterior><gml:exterior><gml:LinearRing><gml:posList>0 0 1 0 1 1 0 0</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>`, "two exterior"},
		{"arc", `<gml:Curve ` + gml32 + `><gml:segments><gml:Arc><gml:posList>0 0 1 1 2 0</gml:posList></gml:Arc></gml:segments></gml:Curve>`, "not supported"},
		{"circle", `<gml:Circle ` + gml32 + `><gml:posList>0 0 1 1 2 0</gml:posList></gml:Circle>`, "not supported"},
		{"inverted envelope", `<gml:Envelope ` + gml32 + `><gml:lowerCorner>2 3</gml:lowerCorner><gml:upperCorner>0 1</gml:upperCorner></gml:Envelope>`, "above or right"},
		{"member in other CRS", `<gml:MultiPoint ` + gml32 + ` srsName="EPSG:2154"><gml:pointMember><gml:Point srsName="EPSG:4326"><gml:pos>2 48</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint>`, "one geometry has one CRS"},
		{"mixed dimensions", `<gml:MultiPoint ` + gml32 + `><gml:pointMember><gml:Point><gml:pos>0 0</gml:pos></gml:Point></gml:pointMember><gml:pointMember><gml:Point><gml:pos>0 0 1</gml:pos></gml:Point></gml:pointMember></gml:MultiPoint>`, "different dimensions"},
		{"srsDimension 4", `<gml:LineString ` + gml32 + `><gml:posList srsDimension="4">0 0 0 0 1 1 1 1</gml:posList></gml:LineString>`, "srsDimension"},
		{"no coordinates", `<gml:Point ` + gml32 + `/>`, "no coordinates"},
		{"not GML", `<Point xmlns="http://example.org/other"><pos>1 2</pos></Point>`, "not a GML geometry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readString(t, c.doc, l93)
			if err == nil {
				t.Fatalf("Read accepted %s", c.doc)
			}
			var e *ows.Exception
			if !errors.As(err, &e) || e.Code != ows.InvalidParameterValue {
				t.Fatalf("Read error = %v, want an InvalidParameterValue exception", err)
			}
			if !strings.Contains(e.Text, c.text) {
				t.Errorf("Read error text = %q, want it to mention %q", e.Text, c.text)
			}
		})
	}
}

func TestRead_EWKB(t *testing.T) {
	g, err := readString(t, `<gml:LineString `+gml32+` srsName="urn:ogc:def:crs:EPSG::4326" srsDimension="3"><gml:posList>48 2 10 49 3 20</gml:posList></gml:LineString>`,
		crs.Name{SRID: 2154, Form: crs.FormURN})
	if err != nil {
		t.Fatal(err)
	}
	b := g.EWKB()
	if b[0] != 1 {
		t.Fatalf("byte order = %d, want 1 (little endian)", b[0])
	}
	code := binary.LittleEndian.Uint32(b[1:])
	if code != uint32(geom.LineString)|0x80000000|0x20000000 {
		t.Errorf("type code = %#x, want LineString with the Z and SRID flags", code)
	}
	if srid := binary.LittleEndian.Uint32(b[5:]); srid != 4326 {
		t.Errorf("SRID = %d, want 4326", srid)
	}
	// The decoder of package geom reads extended WKB too: the round trip keeps Z and
	// the x/y order.
	var d geom.Decoder
	if err := d.Decode(b); err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := []float64{2, 48, 10, 3, 49, 20}
	if d.Dim != 3 || !bytes.Equal(floatBytes(d.Coords), floatBytes(want)) {
		t.Errorf("decoded dim %d coords %v, want 3 and %v", d.Dim, d.Coords, want)
	}
}

func floatBytes(vs []float64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, uint64(v*1000))
	}
	return b
}

package gml

import (
	"encoding/binary"
	"math"
	"strconv"
	"testing"

	"github.com/fourreau/fourreau/pkg/geom"
)

func lineWKB(dim int, coords ...float64) []byte {
	code := uint32(2)
	if dim == 3 {
		code = 1002
	}
	b := []byte{1}
	b = binary.LittleEndian.AppendUint32(b, code)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(coords)/dim))
	for _, c := range coords {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c))
	}
	return b
}

func decode(t *testing.T, b []byte) *geom.Decoder {
	t.Helper()
	d := &geom.Decoder{}
	if err := d.Decode(b); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAppendNumber(t *testing.T) {
	cases := []struct {
		v        float64
		decimals int
		want     string
	}{
		{454000.123456, 3, "454000.123"},
		{454000.1, 3, "454000.1"},
		{49.18273645, 7, "49.1827365"},
		{-0.0000001, 3, "0"},
		{2, 7, "2"},
		{-0.3895123, 7, "-0.3895123"},
		{0.05, 7, "0.05"},
		{-12.000000049, 7, "-12"},
		{1e20, 3, "100000000000000000000"},
		{7.123456789, 0, "7"},
	}
	for _, c := range cases {
		if got := string(AppendNumber(nil, c.v, c.decimals)); got != c.want {
			t.Errorf("AppendNumber(%v, %d) = %s, want %s", c.v, c.decimals, got, c.want)
		}
	}
}

func TestAppendNumberMatchesRounding(t *testing.T) {
	for i := 0; i < 200000; i++ {
		v := (float64(i)*7919.123456789 - 5e8) / 997
		for _, d := range []int{0, 3, 7} {
			p := math.Pow10(d)
			want := strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
			if want == "-0" {
				want = "0"
			}
			if got := string(AppendNumber(nil, v, d)); got != want {
				t.Fatalf("AppendNumber(%v, %d) = %s, want %s", v, d, got, want)
			}
		}
	}
}

func TestWriterVersions(t *testing.T) {
	d := decode(t, lineWKB(2, 2.35, 48.85, 2.36, 48.86))
	cases := []struct {
		name string
		w    Writer
		want string
	}{
		{"gml32 swapped", Writer{Version: GML32, Coords: Coords{Swap: true, Decimals: 7}},
			`<gml:LineString gml:id="d.1.geom" srsName="urn:ogc:def:crs:EPSG::4326" srsDimension="2"><gml:posList>48.85 2.35 48.86 2.36</gml:posList></gml:LineString>`},
		{"gml31 xy", Writer{Version: GML31, Coords: Coords{Decimals: 7}},
			`<gml:LineString srsName="urn:ogc:def:crs:EPSG::4326" srsDimension="2"><gml:posList>2.35 48.85 2.36 48.86</gml:posList></gml:LineString>`},
		{"gml2", Writer{Version: GML2, Coords: Coords{Decimals: 7}},
			`<gml:LineString srsName="urn:ogc:def:crs:EPSG::4326"><gml:coordinates decimal="." cs="," ts=" ">2.35,48.85 2.36,48.86</gml:coordinates></gml:LineString>`},
	}
	for _, c := range cases {
		got := string(c.w.Append(nil, d, "urn:ogc:def:crs:EPSG::4326", "d.1.geom"))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestWriterZ(t *testing.T) {
	d := decode(t, lineWKB(3, 652000, 6862000, 35.2, 652010, 6862005, 35))
	w := Writer{Version: GML32, Coords: Coords{Decimals: 3}}
	got := string(w.Append(nil, d, "EPSG:2154", "x"))
	want := `<gml:LineString gml:id="x" srsName="EPSG:2154" srsDimension="3"><gml:posList srsDimension="3">652000 6862000 35.2 652010 6862005 35</gml:posList></gml:LineString>`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	js := string(AppendGeoJSON(nil, d, 3))
	if js != `{"type":"LineString","coordinates":[[652000,6862000,35.2],[652010,6862005,35]]}` {
		t.Errorf("GeoJSON = %s", js)
	}
}

func BenchmarkAppendNumber(b *testing.B) {
	buf := make([]byte, 0, 64)
	values := []float64{-0.3668312345, 49.1928249123, 454631.71234, 6904464.5512}
	for i := 0; i < b.N; i++ {
		buf = AppendNumber(buf[:0], values[i&3], 7)
	}
}
